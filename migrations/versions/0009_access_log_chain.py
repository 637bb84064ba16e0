"""access log chain

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:30:00

The access log becomes tamper-evident: each plan's entries are chained (`seq`,
`previous_hash`, `hash`), and `access_log_heads` keeps each plan's last link. The entries lose
their foreign key to `parcours`, so that a deleted plan's log is kept for the retention period
(its head's `ended_at`). An entry names the member it is about by `subject_id` instead of
writing their name as its detail; a detail's hash is salted (`detail_salt`, `detail_digest`).

The upgrade moves the names the detail held to `subject_id` where it finds the member of the
plan with that name (a removal's detail "name: reason" keeps the reason), then chains every
entry in the order it was written. Downgrading writes the names back as details, removes the
chain and puts the foreign key back, deleting the logs of deleted plans first (the older
schema cannot hold them).
"""
import hashlib
import secrets
from datetime import timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NAME_EVENTS = {
    'pilot.designated', 'voice.saved', 'stance.on_behalf', 'commitment.created',
    'commitment.kept',
}


# A copy of parcours/core/audit.py's `detail_digest` and `link_hash` as they were when this
# revision was written: the chains it makes must verify with them forever.
def _detail_digest(detail, salt):
    if detail is None:
        return ''
    return hashlib.sha256(f'{salt}\x1f{detail}'.encode()).hexdigest()


def _link_hash(row):
    at = row['created_at'].replace(tzinfo=timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    fields = (
        row['previous_hash'], str(row['parcours_id']), str(row['seq']), str(row['user_id']),
        row['access'], row['event'],
        '' if row['subject_id'] is None else str(row['subject_id']),
        row['detail_digest'], at,
    )
    return hashlib.sha256('\x1f'.join(fields).encode()).hexdigest()


def _entries_table():
    return sa.table(
        'access_log_entries',
        sa.column('id', sa.Integer), sa.column('parcours_id', sa.Integer),
        sa.column('user_id', sa.Integer), sa.column('access', sa.String),
        sa.column('event', sa.String), sa.column('subject_id', sa.Integer),
        sa.column('detail', sa.String), sa.column('detail_salt', sa.String),
        sa.column('detail_digest', sa.String), sa.column('created_at', sa.DateTime),
        sa.column('seq', sa.Integer), sa.column('previous_hash', sa.String),
        sa.column('hash', sa.String),
    )


def _names_by_plan(connection):
    """{parcours id: {name: user id}} of every member, past or present."""
    names = {}
    rows = connection.execute(sa.text(
        'SELECT members.parcours_id, users.id, users.name FROM members'
        ' JOIN users ON users.id = members.user_id ORDER BY members.id'
    ))
    for parcours_id, user_id, name in rows:
        if name:
            names.setdefault(parcours_id, {}).setdefault(name[:200], user_id)
    return names


def _subject(row, names):
    """(subject id, detail) for an entry written with a name as its detail."""
    plan = names.get(row['parcours_id'], {})
    if row['event'] in NAME_EVENTS and row['detail'] in plan:
        return plan[row['detail']], None
    if row['event'] == 'member.removed' and row['detail'] and ': ' in row['detail']:
        name, reason = row['detail'].split(': ', 1)
        if name in plan:
            return plan[name], reason
    return None, row['detail']


def upgrade():
    op.create_table('access_log_heads',
    sa.Column('parcours_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('parcours_id', name=op.f('pk_access_log_heads'))
    )
    with op.batch_alter_table('access_log_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_heads_ended_at'), ['ended_at'], unique=False)

    with op.batch_alter_table('access_log_entries', schema=None) as batch_op:
        batch_op.drop_constraint('fk_access_log_entries_parcours_id_parcours', type_='foreignkey')
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('detail_salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('detail_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_access_log_entries_subject_id_users'), 'users', ['subject_id'], ['id']
        )

    connection = op.get_bind()
    entries = _entries_table()
    names = _names_by_plan(connection)
    heads = {}
    updates = []
    rows = connection.execute(
        sa.select(entries.c.id, entries.c.parcours_id, entries.c.user_id, entries.c.access,
                  entries.c.event, entries.c.detail, entries.c.created_at)
        .order_by(entries.c.parcours_id, entries.c.id)
    ).mappings().all()
    for source in rows:
        row = dict(source)
        row['subject_id'], row['detail'] = _subject(row, names)
        row['detail_salt'] = secrets.token_hex(16) if row['detail'] is not None else None
        row['detail_digest'] = _detail_digest(row['detail'], row['detail_salt'])
        seq, previous = heads.get(row['parcours_id'], (0, ''))
        row['seq'], row['previous_hash'] = seq + 1, previous
        row['hash'] = _link_hash(row)
        heads[row['parcours_id']] = (row['seq'], row['hash'])
        updates.append({**row, 'entry_id': row['id']})
    if updates:
        connection.execute(
            entries.update().where(entries.c.id == sa.bindparam('entry_id')).values(
                subject_id=sa.bindparam('subject_id'), detail=sa.bindparam('detail'),
                detail_salt=sa.bindparam('detail_salt'),
                detail_digest=sa.bindparam('detail_digest'), seq=sa.bindparam('seq'),
                previous_hash=sa.bindparam('previous_hash'), hash=sa.bindparam('hash'),
            ),
            [{k: v for k, v in u.items() if k != 'id'} for u in updates],
        )
    if heads:
        connection.execute(
            sa.table('access_log_heads', sa.column('parcours_id'), sa.column('seq'),
                     sa.column('hash')).insert(),
            [{'parcours_id': pid, 'seq': seq, 'hash': h} for pid, (seq, h) in heads.items()],
        )

    with op.batch_alter_table('access_log_entries', schema=None) as batch_op:
        batch_op.alter_column('detail_digest', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_access_log_entries_parcours_seq', ['parcours_id', 'seq'])


def downgrade():
    connection = op.get_bind()
    connection.execute(sa.text(
        'DELETE FROM access_log_entries WHERE parcours_id NOT IN (SELECT id FROM parcours)'
    ))
    entries = _entries_table()
    rows = connection.execute(sa.text(
        'SELECT access_log_entries.id, access_log_entries.event, access_log_entries.detail,'
        ' users.name FROM access_log_entries'
        ' JOIN users ON users.id = access_log_entries.subject_id'
    )).all()
    named = []
    for entry_id, event, detail, name in rows:
        written = f'{name}: {detail}' if event == 'member.removed' else name
        named.append({'entry_id': entry_id, 'named': (written or '')[:200]})
    if named:
        connection.execute(
            entries.update().where(entries.c.id == sa.bindparam('entry_id'))
            .values(detail=sa.bindparam('named')),
            named,
        )
    with op.batch_alter_table('access_log_entries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_access_log_entries_parcours_seq', type_='unique')
        batch_op.drop_constraint('fk_access_log_entries_subject_id_users', type_='foreignkey')
        batch_op.drop_column('hash')
        batch_op.drop_column('previous_hash')
        batch_op.drop_column('seq')
        batch_op.drop_column('detail_digest')
        batch_op.drop_column('detail_salt')
        batch_op.drop_column('subject_id')
        batch_op.create_foreign_key(
            'fk_access_log_entries_parcours_id_parcours', 'parcours', ['parcours_id'], ['id'],
            ondelete='CASCADE',
        )

    with op.batch_alter_table('access_log_heads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_heads_ended_at'))
    op.drop_table('access_log_heads')
