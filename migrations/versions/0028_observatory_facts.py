"""observatory facts

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 18:45:00

What the observatory's figures need about each plan, kept per plan for one revision of it
(issue 15: figures over 10,000 plans within a second). Derived data, computed again when
missing: the table starts empty.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "observatory_facts",
        sa.Column("parcours_id", sa.Integer(), nullable=False),
        sa.Column("computed_revision", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parcours_id"],
            ["parcours.id"],
            name=op.f("fk_observatory_facts_parcours_id_parcours"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parcours_id", name=op.f("pk_observatory_facts")),
    )


def downgrade():
    op.drop_table("observatory_facts")
