"""observatory

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-03 14:40:00

The observatory (issue 15): organisations gain their territory (the département code),
observers get their scopes (an organisation or a territory), and a plan can be left out of
every figure by its person.
"""

from alembic import op
import sqlalchemy as sa

from parcours.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("territory", sa.String(length=3), nullable=True))
        batch_op.create_index(batch_op.f("ix_organisations_territory"), ["territory"], unique=False)
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "observatory_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "observer_scopes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("territory", sa.String(length=3), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(organisation_id IS NULL) <> (territory IS NULL)",
            name=op.f("ck_observer_scopes_organisation_or_territory"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_observer_scopes_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_observer_scopes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observer_scopes")),
    )
    with op.batch_alter_table("observer_scopes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observer_scopes_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("observer_scopes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observer_scopes_user_id"))
    op.drop_table("observer_scopes")
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.drop_column("observatory_opt_out")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_territory"))
        batch_op.drop_column("territory")
