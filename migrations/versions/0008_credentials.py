"""credentials that end

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00

Login sessions end on the server: `last_seen_at`, `expires_at`, `stay_signed_in`. The sessions
already in the database had no end; they become "stay signed in" sessions (their browsers may
hold a 30-day remember cookie) that end 30 days after they began, the longest a new session
lives: a session older than that (one back-dated to 2020) no longer works, the others are not
signed out by the upgrade.

API tokens get an expiry, a scope, a label and when they were last used. The tokens already in
the database could do everything: they keep the `write` scope and keep working for 30 days
after the upgrade (the default lifetime of a new token), which leaves their owners a month to
make new ones, with an expiry they choose.

Users may set up two-step sign-in (`totp_*` columns, `recovery_codes`). Failed sign-ins and
sign-up requests are counted in `attempts` (in the database, so that the limits hold across
workers and processes), and the security log (`security_events`) keeps failed sign-ins,
throttling and denied accesses for the admins, without any plan content.

Downgrading drops what was added: the recovery codes, attempts and security log are lost, and
every session and token goes back to never ending.
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SESSION_DAYS = 30
TOKEN_DAYS = 30


def _thirty_days_after_creation() -> sa.TextClause:
    if op.get_bind().dialect.name == 'postgresql':
        return sa.text(f"created_at + interval '{SESSION_DAYS} days'")
    # SQLite keeps timestamps as text; datetime() answers in the same format.
    return sa.text(f"datetime(created_at, '+{SESSION_DAYS} days')")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('stay_signed_in', sa.Boolean(), nullable=True))
    sessions = sa.table(
        'login_sessions',
        sa.column('created_at', sa.DateTime),
        sa.column('last_seen_at', sa.DateTime),
        sa.column('expires_at', sa.DateTime),
        sa.column('stay_signed_in', sa.Boolean),
    )
    op.execute(
        sessions.update().values(
            last_seen_at=sessions.c.created_at,
            expires_at=_thirty_days_after_creation(),
            stay_signed_in=True,
        )
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('stay_signed_in', existing_type=sa.Boolean(), nullable=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('scope', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('label', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
    tokens = sa.table(
        'api_tokens', sa.column('expires_at', sa.DateTime), sa.column('scope', sa.String)
    )
    upgraded = datetime.now(timezone.utc).replace(tzinfo=None)
    op.execute(tokens.update().values(expires_at=upgraded + timedelta(days=TOKEN_DAYS), scope='write'))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('scope', existing_type=sa.String(length=20), nullable=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts'))
    )
    op.create_index('ix_attempts_action_account', 'attempts', ['action', 'account_key', 'created_at'], unique=False)
    op.create_index('ix_attempts_action_address', 'attempts', ['action', 'address', 'created_at'], unique=False)

    op.create_table('security_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('identifier_key', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events'))
    )
    op.create_index(op.f('ix_security_events_created_at'), 'security_events', ['created_at'], unique=False)
    op.create_index(op.f('ix_security_events_identifier_key'), 'security_events', ['identifier_key'], unique=False)
    op.create_index(op.f('ix_security_events_user_id'), 'security_events', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_security_events_user_id'), table_name='security_events')
    op.drop_index(op.f('ix_security_events_identifier_key'), table_name='security_events')
    op.drop_index(op.f('ix_security_events_created_at'), table_name='security_events')
    op.drop_table('security_events')
    op.drop_index('ix_attempts_action_address', table_name='attempts')
    op.drop_index('ix_attempts_action_account', table_name='attempts')
    op.drop_table('attempts')
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('label')
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('stay_signed_in')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('last_seen_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
