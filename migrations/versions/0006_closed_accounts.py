"""closed accounts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:00:00

A user can close their account: `users.closed_at` is set, and the account keeps neither
e-mail address nor login name (they can sign up again), so the check allows that.

Downgrading keeps the closed accounts (what they wrote points at them) as deactivated
accounts named by a login name nobody can choose (`closed account #<id>`: the login names
people pick have no space), which the older check accepts; their password hash stays unusable.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_users_has_identifier'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_users_has_identifier'),
            'email IS NOT NULL OR login_name IS NOT NULL OR closed_at IS NOT NULL',
        )


def downgrade():
    users = sa.table(
        'users',
        sa.column('id', sa.Integer),
        sa.column('email', sa.String),
        sa.column('login_name', sa.String),
        sa.column('active', sa.Boolean),
        sa.column('closed_at', sa.DateTime),
    )
    op.execute(
        users.update()
        .where(users.c.closed_at.is_not(None), users.c.email.is_(None), users.c.login_name.is_(None))
        .values(
            login_name=sa.literal('closed account #') + sa.cast(users.c.id, sa.String),
            active=False,
        )
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_has_identifier'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_users_has_identifier'), 'email IS NOT NULL OR login_name IS NOT NULL'
        )
        batch_op.drop_column('closed_at')
