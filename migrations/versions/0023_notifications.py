"""notifications

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:30:00

E-mail: each user says how often they want the digest of what waits for them
(`users.notifications`, daily unless said); the outbox holds the messages to deliver, written
with the change that causes them; `notification_digests` what each user's last digest counted.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'notifications',
                sa.Enum('immediately', 'daily', 'weekly', 'never', name='notifications', native_enum=False, length=20),
                server_default='daily',
                nullable=False,
            )
        )
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('digest', 'invitation', 'signup_attempt', 'password_reset', name='messagekind', native_enum=False, length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=254), nullable=True),
        sa.Column('content', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('gave_up_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    )
    op.create_index('ix_outbox_messages_due', 'outbox_messages', ['sent_at', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_messages_user_id'), 'outbox_messages', ['user_id'], unique=False)
    op.create_table(
        'notification_digests',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('seen', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_digests_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_digests')),
    )


def downgrade():
    op.drop_table('notification_digests')
    op.drop_index(op.f('ix_outbox_messages_user_id'), table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_due', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notifications')
