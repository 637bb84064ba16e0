"""inbox reads

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 08:00:00

The news part of "For me" (the changes others made in my plans lately, read from the access
logs) is unread until opened: `inbox_reads` keeps which news each user has read.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inbox_reads',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inbox_reads_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_inbox_reads')),
    )


def downgrade():
    op.drop_table('inbox_reads')
