"""settings changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 20:45:00

The rules of a plan (its rupture tolerance, its closing and reopening) become the pilot's,
with a reason, and closing waits for the person's confirmation: every change is a row of
`settings_changes` (who, when, from what to what, why), shown on the timeline, and the
settings' revision is the latest row's id.

The upgrade writes a row for every settings change the access log already holds, in the order
they were made, by the member who made them, without a reason (none was asked then): a
tolerance change ("settings.tolerance", its detail the new number of days; the old value is
the one before, 14 by default), a closing ("settings.closed") as closed without confirmation
— nobody was asked — and a reopening ("settings.reopened"). The plans keep their tolerance and
closing date. Downgrading drops the table: the access log still holds the changes, but the
reasons, refusals and any pending request to close are lost.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

KINDS = ('tolerance', 'close_requested', 'close_confirmed', 'close_refused',
         'close_withdrawn', 'closed_unconfirmed', 'reopened')
DEFAULT_TOLERANCE_DAYS = 14


def upgrade():
    op.create_table('settings_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parcours_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='settingschangekind', native_enum=False, length=20), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('old_value', sa.String(length=20), nullable=True),
    sa.Column('new_value', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_settings_changes_member_id_members')),
    sa.ForeignKeyConstraint(['parcours_id'], ['parcours.id'], name=op.f('fk_settings_changes_parcours_id_parcours'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_changes'))
    )
    with op.batch_alter_table('settings_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_changes_parcours_id'), ['parcours_id'], unique=False)

    connection = op.get_bind()
    entries = sa.table(
        'access_log_entries', sa.column('id'), sa.column('parcours_id'), sa.column('user_id'),
        sa.column('event'), sa.column('detail'), sa.column('created_at'),
    )
    members = sa.table('members', sa.column('id'), sa.column('parcours_id'), sa.column('user_id'))
    parcours = sa.table('parcours', sa.column('id'))
    member_of = {
        (row.parcours_id, row.user_id): row.id
        for row in connection.execute(sa.select(members.c.id, members.c.parcours_id, members.c.user_id))
    }
    plans = {row.id for row in connection.execute(sa.select(parcours.c.id))}
    tolerance = {}
    closed_on = {}
    rows = []
    for entry in connection.execute(
        sa.select(entries.c.parcours_id, entries.c.user_id, entries.c.event, entries.c.detail,
                  entries.c.created_at)
        .where(entries.c.event.in_(('settings.tolerance', 'settings.closed', 'settings.reopened')))
        .order_by(entries.c.id)
    ):
        pid = entry.parcours_id
        member_id = member_of.get((pid, entry.user_id))
        if member_id is None or pid not in plans:
            continue  # a deleted plan's log, or a change by no member: nothing to show
        row = {'parcours_id': pid, 'member_id': member_id, 'created_at': entry.created_at,
               'old_value': None, 'new_value': None, 'reason': None}
        if entry.event == 'settings.tolerance':
            row.update(kind='tolerance', new_value=entry.detail,
                       old_value=tolerance.get(pid, str(DEFAULT_TOLERANCE_DAYS)))
            tolerance[pid] = entry.detail
        elif entry.event == 'settings.closed':
            row.update(kind='closed_unconfirmed', new_value=entry.detail)
            closed_on[pid] = entry.detail
        else:
            row.update(kind='reopened', old_value=closed_on.pop(pid, None))
        rows.append(row)
    if rows:
        changes = sa.table(
            'settings_changes', sa.column('parcours_id'), sa.column('kind'), sa.column('member_id'),
            sa.column('old_value'), sa.column('new_value'), sa.column('reason'),
            sa.column('created_at'),
        )
        op.bulk_insert(changes, rows)


def downgrade():
    with op.batch_alter_table('settings_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_changes_parcours_id'))

    op.drop_table('settings_changes')
