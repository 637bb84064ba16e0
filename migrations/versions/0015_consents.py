"""consents: the person's consent before the plan is shared with a new organisation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 06:40:00.000000

The organisations that already have current members in a plan are recorded as consented
(status `given`, one history event `before_consent_asked` by nobody): sharing with them went
on before consent was asked, and nothing existing breaks. Invitations made before gain a null
`organisation_id` (a professional invited then joins with their own organisation, which must
then be consented like any other).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parcours_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consents_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['parcours_id'], ['parcours.id'], name=op.f('fk_consents_parcours_id_parcours'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('parcours_id', 'organisation_id', name=op.f('uq_consents_parcours_id'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('consent_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_events_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_consent_events_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_events_consent_id'), ['consent_id'], unique=False)

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invitations_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'])

    # What was shared before consent was asked stays shared: every organisation with a current
    # member in a plan, given, with one event saying so (by nobody), dated now.
    op.execute(
        "INSERT INTO consents (parcours_id, organisation_id, status, created_at) "
        "SELECT DISTINCT parcours_id, organisation_id, 'given', CURRENT_TIMESTAMP FROM members "
        "WHERE organisation_id IS NOT NULL AND left_at IS NULL"
    )
    op.execute(
        "INSERT INTO consent_events (consent_id, kind, member_id, created_at) "
        "SELECT id, 'before_consent_asked', NULL, created_at FROM consents"
    )


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitations_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_consent_id'))
    op.drop_table('consent_events')

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_organisation_id'))
    op.drop_table('consents')
