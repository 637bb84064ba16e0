"""caseload activity

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 07:00:00

The caseload sorts by last activity: each snapshot keeps when its plan last changed
(`changed_at`, set with its revision on every change). Existing snapshots take the time of their
plan's latest change in the access log.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('timeline_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE timeline_snapshots SET changed_at = ("
        " SELECT max(access_log_entries.created_at) FROM access_log_entries"
        " WHERE access_log_entries.parcours_id = timeline_snapshots.parcours_id"
        " AND access_log_entries.access = 'change')"
    )


def downgrade():
    with op.batch_alter_table('timeline_snapshots', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
