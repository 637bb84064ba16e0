"""discussions

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-03 15:00:00

Members discuss the objective, each proposal and each hand-off in a thread under it:
`comments` (who wrote it, for whom, in reply to which), `comment_revisions` (the earlier texts
of an edited comment) and `comment_mentions` (whom a comment tells in "For me").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parcours_id', sa.Integer(), nullable=False),
        sa.Column('about', sa.String(length=40), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
        sa.Column('reply_to_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('edited_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_comments_author_id_members')),
        sa.ForeignKeyConstraint(['on_behalf_of_id'], ['members.id'], name=op.f('fk_comments_on_behalf_of_id_members')),
        sa.ForeignKeyConstraint(['parcours_id'], ['parcours.id'], name=op.f('fk_comments_parcours_id_parcours'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reply_to_id'], ['comments.id'], name=op.f('fk_comments_reply_to_id_comments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_parcours_about', ['parcours_id', 'about'], unique=False)
    op.create_table(
        'comment_mentions',
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_mentions_comment_id_comments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_comment_mentions_member_id_members')),
        sa.PrimaryKeyConstraint('comment_id', 'member_id', name=op.f('pk_comment_mentions')),
    )
    op.create_table(
        'comment_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_comment_revisions_author_id_members')),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_revisions_comment_id_comments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions')),
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_revisions_comment_id'))
    op.drop_table('comment_revisions')
    op.drop_table('comment_mentions')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_parcours_about')
    op.drop_table('comments')
