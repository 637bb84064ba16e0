"""Checks on a whole database, whatever wrote it (migrations, a restore): how many rows each
table holds, and whether every foreign key still points at a row."""

from collections import Counter

from sqlalchemy import Connection, inspect, text

# Alembic's bookkeeping, not the application's data.
VERSION_TABLE = "alembic_version"


class ForeignKeyViolation(Exception):
    """Rows point at rows that do not exist: the database lost its integrity."""


def row_counts(connection: Connection) -> dict[str, int]:
    """The number of rows of every application table, by table name."""
    quote = connection.dialect.identifier_preparer.quote
    return {
        name: connection.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one()
        for name in sorted(inspect(connection).get_table_names())
        if name != VERSION_TABLE
    }


def foreign_key_violations(connection: Connection) -> list[str]:
    """One line per broken foreign key and table ("members → users: 3 rows"); empty when every
    reference holds."""
    if connection.dialect.name == "sqlite":
        # SQLite does not check the rows already there when the checks are turned on again.
        rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        broken = Counter((table, parent) for table, _rowid, parent, _fk in rows)
    else:
        broken = Counter()
        for table, parent, count in _orphans(connection):
            broken[(table, parent)] += count
    return [f"{table} → {parent}: {count} rows" for (table, parent), count in broken.items()]


def check_foreign_keys(connection: Connection) -> None:
    """Raise ForeignKeyViolation if any row points at a row that does not exist."""
    if broken := foreign_key_violations(connection):
        raise ForeignKeyViolation("broken foreign keys: " + "; ".join(broken))


def _orphans(connection: Connection):
    """(table, referred table, rows) for each foreign key some rows break, read with plain SQL
    (for databases without SQLite's pragma; PostgreSQL enforces them, this double-checks)."""
    quote = connection.dialect.identifier_preparer.quote
    inspector = inspect(connection)
    for table in inspector.get_table_names():
        for key in inspector.get_foreign_keys(table):
            parent = key["referred_table"]
            # MATCH SIMPLE, as both databases do: a key with a NULL column points nowhere.
            present = " AND ".join(f"c.{quote(c)} IS NOT NULL" for c in key["constrained_columns"])
            joined = " AND ".join(
                f"p.{quote(p)} = c.{quote(c)}"
                for c, p in zip(key["constrained_columns"], key["referred_columns"], strict=True)
            )
            count = connection.execute(
                text(
                    f"SELECT count(*) FROM {quote(table)} c WHERE {present} AND NOT EXISTS "
                    f"(SELECT 1 FROM {quote(parent)} p WHERE {joined})"
                )
            ).scalar_one()
            if count:
                yield table, parent, count
