"""form of address

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-03 11:40:00

French marks who it speaks of ("représentante légale", "la pilote"): each user says how the
app should speak of them (feminine, masculine, neutral); not said reads as neutral.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'form_of_address',
                sa.Enum('feminine', 'masculine', 'neutral', name='formofaddress', native_enum=False, length=20),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('form_of_address')
