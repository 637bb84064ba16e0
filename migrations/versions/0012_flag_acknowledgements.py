"""flag acknowledgements

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:40:00

A flag is answered, never silenced: `flag_acknowledgements` keeps the note of the pilot or a
professional about a flag of the timeline (named by its stable key), and each caseload
snapshot counts the flags answered (`answered`, 0 for the existing ones, which are computed
again at the next change or day).
"""
from alembic import op
import sqlalchemy as sa

import parcours.core.models


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'flag_acknowledgements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parcours_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', parcours.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_flag_acknowledgements_member_id_members')),
        sa.ForeignKeyConstraint(['parcours_id'], ['parcours.id'], name=op.f('fk_flag_acknowledgements_parcours_id_parcours'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_acknowledgements')),
        sa.UniqueConstraint('parcours_id', 'key', name='uq_flag_acknowledgements_parcours_key'),
    )
    with op.batch_alter_table('timeline_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('timeline_snapshots', schema=None) as batch_op:
        batch_op.drop_column('answered')
    op.drop_table('flag_acknowledgements')
