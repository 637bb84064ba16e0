"""person confirmations (a hand-off's "the person took part", a pause the person chose) and
the objective version in force when a hand-off was accepted

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _confirmation_columns(batch_op, table):
    batch_op.add_column(sa.Column('person_declared_by_id', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('person_declared_at', sa.DateTime(), nullable=True))
    batch_op.add_column(sa.Column('person_confirmed', sa.Boolean(), nullable=True))
    batch_op.add_column(sa.Column('person_confirmed_by_id', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('person_confirmed_at', sa.DateTime(), nullable=True))
    batch_op.create_foreign_key(batch_op.f(f'fk_{table}_person_declared_by_id_members'), 'members', ['person_declared_by_id'], ['id'], ondelete='SET NULL')
    batch_op.create_foreign_key(batch_op.f(f'fk_{table}_person_confirmed_by_id_members'), 'members', ['person_confirmed_by_id'], ['id'], ondelete='SET NULL')


def upgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        _confirmation_columns(batch_op, 'handoffs')
        batch_op.add_column(sa.Column('objective_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handoffs_objective_version_id_objective_versions'), 'objective_versions', ['objective_version_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        _confirmation_columns(batch_op, 'episodes')
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_confirmed', sa.Boolean(), nullable=True))

    connection = op.get_bind()
    _declare_existing_ticks(connection)
    _declare_existing_pauses(connection)
    _record_versions_in_force(connection)


handoffs = sa.table(
    'handoffs',
    sa.column('id', sa.Integer), sa.column('parcours_id', sa.Integer),
    sa.column('person_involved', sa.Boolean), sa.column('created_by_id', sa.Integer),
    sa.column('created_at', sa.DateTime), sa.column('status', sa.String),
    sa.column('person_declared_by_id', sa.Integer), sa.column('person_declared_at', sa.DateTime),
    sa.column('objective_version_id', sa.Integer),
)
events = sa.table(
    'handoff_events',
    sa.column('id', sa.Integer), sa.column('handoff_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('member_id', sa.Integer), sa.column('person_involved', sa.Boolean),
    sa.column('created_at', sa.DateTime),
)
episodes = sa.table(
    'episodes',
    sa.column('id', sa.Integer), sa.column('kind', sa.String),
    sa.column('created_by_id', sa.Integer), sa.column('created_at', sa.DateTime),
    sa.column('person_declared_by_id', sa.Integer), sa.column('person_declared_at', sa.DateTime),
)
changes = sa.table(
    'episode_changes',
    sa.column('id', sa.Integer), sa.column('episode_id', sa.Integer),
    sa.column('member_id', sa.Integer), sa.column('changes', sa.JSON),
    sa.column('created_at', sa.DateTime),
)
versions = sa.table(
    'objective_versions',
    sa.column('id', sa.Integer), sa.column('parcours_id', sa.Integer),
    sa.column('number', sa.Integer), sa.column('agreed_at', sa.DateTime),
)


def _declare_existing_ticks(connection):
    """A ticked "the person took part" becomes declared, not confirmed: by the member whose
    step last ticked it (its history), else by who proposed the hand-off."""
    ticked = connection.execute(
        sa.select(handoffs.c.id, handoffs.c.created_by_id, handoffs.c.created_at)
        .where(handoffs.c.person_involved.is_(True))
    ).all()
    for handoff_id, created_by, created_at in ticked:
        steps = connection.execute(
            sa.select(events.c.member_id, events.c.created_at, events.c.person_involved)
            .where(events.c.handoff_id == handoff_id, events.c.kind.in_(('proposed', 'edited')))
            .order_by(events.c.id)
        ).all()
        by, at, before = created_by, created_at, False
        for member_id, when, involved in steps:
            if involved and not before:
                by, at = member_id, when
            before = bool(involved)
        connection.execute(
            handoffs.update().where(handoffs.c.id == handoff_id)
            .values(person_declared_by_id=by, person_declared_at=at)
        )


def _declare_existing_pauses(connection):
    """A pause becomes declared the person's choice, not confirmed: by the member who made it
    a pause (its corrections), else by who recorded it."""
    pauses = connection.execute(
        sa.select(episodes.c.id, episodes.c.created_by_id, episodes.c.created_at)
        .where(episodes.c.kind == 'pause')
    ).all()
    for episode_id, by, at in pauses:
        for member_id, when, change in connection.execute(
            sa.select(changes.c.member_id, changes.c.created_at, changes.c.changes)
            .where(changes.c.episode_id == episode_id).order_by(changes.c.id)
        ):
            kind = (change or {}).get('kind')
            if kind and kind[1] == 'pause':
                by, at = member_id, when
        connection.execute(
            episodes.update().where(episodes.c.id == episode_id)
            .values(person_declared_by_id=by, person_declared_at=at)
        )


def _record_versions_in_force(connection):
    """An accepted or completed hand-off keeps the objective version in force when it was
    accepted (else when it was completed): the latest agreed by then."""
    answered = connection.execute(
        sa.select(handoffs.c.id, handoffs.c.parcours_id)
        .where(handoffs.c.status.in_(('accepted', 'completed')))
    ).all()
    for handoff_id, parcours_id in answered:
        for kind in ('accepted', 'completed'):
            when = connection.execute(
                sa.select(sa.func.min(events.c.created_at))
                .where(events.c.handoff_id == handoff_id, events.c.kind == kind)
            ).scalar()
            if when is None:
                continue
            version = connection.execute(
                sa.select(versions.c.id)
                .where(
                    versions.c.parcours_id == parcours_id,
                    versions.c.agreed_at.is_not(None),
                    versions.c.agreed_at <= when,
                )
                .order_by(versions.c.number.desc())
                .limit(1)
            ).scalar()
            if version is not None:
                connection.execute(
                    handoffs.update().where(handoffs.c.id == handoff_id)
                    .values(objective_version_id=version)
                )
                break


def downgrade():
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.drop_column('person_confirmed')
    for table in ('episodes', 'handoffs'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'handoffs':
                batch_op.drop_constraint(batch_op.f('fk_handoffs_objective_version_id_objective_versions'), type_='foreignkey')
                batch_op.drop_column('objective_version_id')
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_person_confirmed_by_id_members'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_person_declared_by_id_members'), type_='foreignkey')
            batch_op.drop_column('person_confirmed_at')
            batch_op.drop_column('person_confirmed_by_id')
            batch_op.drop_column('person_confirmed')
            batch_op.drop_column('person_declared_at')
            batch_op.drop_column('person_declared_by_id')
