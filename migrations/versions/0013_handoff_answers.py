"""hand-off answers: by phone (answered_by) and through an answer link

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 20:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handoff_answer_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_handoff_answer_links_created_by_id_members')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_answer_links_handoff_id_handoffs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_answer_links')),
    sa.UniqueConstraint('digest', name=op.f('uq_handoff_answer_links_digest'))
    )
    with op.batch_alter_table('handoff_answer_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_answer_links_handoff_id'), ['handoff_id'], unique=False)

    # No existing hand-off was answered through a link.
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objective_approved_through_link', sa.Boolean(), nullable=False, server_default=sa.false()))

    # Existing answers keep their meaning: recorded by a member of the plan, neither by phone
    # nor through a link (all NULL).
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('answer_link_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_function', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('answer_organisation', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('approves_objective', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('in_contact', sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handoff_events_answer_link_id_handoff_answer_links'), 'handoff_answer_links', ['answer_link_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handoff_events_answer_link_id_handoff_answer_links'), type_='foreignkey')
        batch_op.drop_column('in_contact')
        batch_op.drop_column('approves_objective')
        batch_op.drop_column('answer_organisation')
        batch_op.drop_column('answer_function')
        batch_op.drop_column('answer_link_id')
        batch_op.drop_column('answered_by')

    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_column('objective_approved_through_link')

    with op.batch_alter_table('handoff_answer_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_answer_links_handoff_id'))

    op.drop_table('handoff_answer_links')
