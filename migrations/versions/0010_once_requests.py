"""once requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 21:15:00

A request sent again with the same key (an API `Idempotency-Key`, a form's one-time token)
gets the first answer: `once_requests` keeps each key, per account, with its answer, for 24
hours. A new table: nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa

import parcours.core.models


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'once_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=263), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('location', sa.String(length=2000), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('created_at', parcours.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_once_requests_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_once_requests')),
        sa.UniqueConstraint('user_id', 'key', name='uq_once_requests_user_key'),
    )
    with op.batch_alter_table('once_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_once_requests_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('once_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_once_requests_created_at'))
    op.drop_table('once_requests')
