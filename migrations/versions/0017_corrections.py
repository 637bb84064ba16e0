"""corrections

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:00:00

Correct and undo, with history (issue 14, item 2). A commitment can be rescheduled,
reassigned, cancelled with a reason, and "kept" undone: each change is a row of
`commitment_changes`, and the commitment's `revision` (before, 0 until kept and 1 after) is now
a column bumped by every change; existing kept commitments start at 1, the others at 0, so that
a client's base still matches. Episodes, proposals and commitments entered by mistake are
deleted softly (`deleted_at`, `deleted_by_id`, `deletion_reason`).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SOFT_DELETED = ('commitments', 'means', 'episodes')


def upgrade():
    for table in SOFT_DELETED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('deleted_by_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('deletion_reason', sa.Text(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_deleted_by_id_members'), 'members', ['deleted_by_id'], ['id']
            )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_foreign_key(
            batch_op.f('fk_commitments_cancelled_by_id_members'), 'members', ['cancelled_by_id'], ['id']
        )
    op.execute("UPDATE commitments SET revision = 1 WHERE kept_at IS NOT NULL")
    op.create_table('commitment_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('rescheduled', 'reassigned', 'cancelled', 'unkept', 'deleted', name='changekind', native_enum=False, length=20), nullable=False),
    sa.Column('before', sa.String(length=120), nullable=False),
    sa.Column('after', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_changes_commitment_id_commitments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_commitment_changes_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_changes'))
    )
    with op.batch_alter_table('commitment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_changes_commitment_id'), ['commitment_id'], unique=False)


def downgrade():
    # What was deleted or cancelled by mistake comes back as it was before this revision: a
    # schema without these columns cannot hide it.
    with op.batch_alter_table('commitment_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_changes_commitment_id'))
    op.drop_table('commitment_changes')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commitments_cancelled_by_id_members'), type_='foreignkey')
        batch_op.drop_column('revision')
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
    for table in reversed(SOFT_DELETED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_deleted_by_id_members'), type_='foreignkey')
            batch_op.drop_column('deletion_reason')
            batch_op.drop_column('deleted_by_id')
            batch_op.drop_column('deleted_at')
