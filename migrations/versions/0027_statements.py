"""statements

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 18:32:20

Voices that rise (issue 15, part 3): `statements` written in a plan and addressed to an
organisation or a territory (sent once the person's side and a professional have signed;
kept, detached, when their plan is deleted), `statement_signatures` (one per member, with the
side they signed for) and `statement_answers` (the observers' answers); an observer groups
statements that say the same thing (`group_id`, `grouped_by_id`, `grouped_at`).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parcours_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('territory', sa.String(length=3), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('grouped_by_id', sa.Integer(), nullable=True),
    sa.Column('grouped_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(organisation_id IS NULL) <> (territory IS NULL)', name=op.f('ck_statements_organisation_or_territory')),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_statements_author_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['statements.id'], name=op.f('fk_statements_group_id_statements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grouped_by_id'], ['users.id'], name=op.f('fk_statements_grouped_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_statements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['parcours_id'], ['parcours.id'], name=op.f('fk_statements_parcours_id_parcours'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_parcours_id'), ['parcours_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_territory'), ['territory'], unique=False)

    op.create_table('statement_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_answers_statement_id_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_statement_answers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_answers'))
    )
    with op.batch_alter_table('statement_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_answers_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_answers_user_id'), ['user_id'], unique=False)

    op.create_table('statement_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('person', 'professional', name='side', native_enum=False, length=20), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_statement_signatures_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_signatures_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_signatures')),
    sa.UniqueConstraint('statement_id', 'member_id', name=op.f('uq_statement_signatures_statement_id'))
    )


def downgrade():
    op.drop_table('statement_signatures')
    with op.batch_alter_table('statement_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_answers_user_id'))
        batch_op.drop_index(batch_op.f('ix_statement_answers_statement_id'))

    op.drop_table('statement_answers')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_territory'))
        batch_op.drop_index(batch_op.f('ix_statements_sent_at'))
        batch_op.drop_index(batch_op.f('ix_statements_parcours_id'))
        batch_op.drop_index(batch_op.f('ix_statements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_statements_group_id'))

    op.drop_table('statements')
