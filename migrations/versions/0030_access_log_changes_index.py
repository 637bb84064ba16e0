"""access log: an index of the changes

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 20:15:00

A plan's log gets a read entry for every page seen; the news ("For me") read its changes of
the last 30 days, which the index by (plan, time) could only find by going through every read
of those days. This index goes straight to the changes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_log_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_access_log_entries_parcours_access_time',
            ['parcours_id', 'access', 'created_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('access_log_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_entries_parcours_access_time')
