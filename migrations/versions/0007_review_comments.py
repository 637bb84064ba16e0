"""review comments

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00

A member's view added to a review is a `ReviewComment` (the name `ReviewView` read like a
Flask view): its table and the names of its constraints and index follow. The rows stay.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CONSTRAINTS = (
    ('pk_{}', None),
    ('fk_{}_author_id_members', None),
    ('fk_{}_member_id_members', None),
    ('fk_{}_review_id_reviews', None),
)


def _rename(old: str, new: str) -> None:
    op.rename_table(old, new)
    op.drop_index(f'ix_{old}_review_id', table_name=new)
    op.create_index(f'ix_{new}_review_id', new, ['review_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # SQLite keeps constraint names inside the table's definition, where nothing reads them.
        for name, _ in CONSTRAINTS:
            op.execute(
                f'ALTER TABLE {new} RENAME CONSTRAINT {name.format(old)} TO {name.format(new)}'
            )
        op.execute(f'ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq')


def upgrade():
    _rename('review_views', 'review_comments')


def downgrade():
    _rename('review_comments', 'review_views')
