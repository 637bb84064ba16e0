"""raised flags

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 19:00:00

A new flag on a plan I pilot is news (issue 13): the first time each check is found open on a
parcours is kept, when the caseload snapshots are stored.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'raised_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parcours_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['parcours_id'], ['parcours.id'], name=op.f('fk_raised_flags_parcours_id_parcours'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_raised_flags')),
        sa.UniqueConstraint('parcours_id', 'key', name='uq_raised_flags_parcours_key'),
    )
    with op.batch_alter_table('raised_flags', schema=None) as batch_op:
        batch_op.create_index('ix_raised_flags_raised_at', ['raised_at'], unique=False)


def downgrade():
    with op.batch_alter_table('raised_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_raised_flags_raised_at')
    op.drop_table('raised_flags')
