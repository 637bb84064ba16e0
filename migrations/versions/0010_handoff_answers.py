"""hand-off answers: who answered (by phone)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 20:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Existing answers keep their meaning: recorded by a member, not by phone (NULL).
    with op.batch_alter_table("handoff_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_by", sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table("handoff_events", schema=None) as batch_op:
        batch_op.drop_column("answered_by")
