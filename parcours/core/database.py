"""SQLite settings: foreign keys on, WAL, a busy timeout, and a write lock taken at BEGIN by
the transactions that may write, so two concurrent saves queue instead of failing with a
stale snapshot. A GET request's transaction only reads (WAL lets it read while another
writes): its own writes, the access log of what it showed, run after it rendered, in a
transaction that takes the lock (see core/transactions.py).

Durability: a change is on disk when its commit returns (SQLite's `synchronous=FULL`,
PostgreSQL's `synchronous_commit=on`). The transaction that only records what a request
read skips that wait (`synchronous=NORMAL`; `synchronous_commit=off`): it is written with
the next change or checkpoint, within a second or so, and a power cut in between can lose
that trace but never corrupts the database nor loses a change. Waiting for the disk there
(4 ms here) would cap every page, as each page records its read."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from parcours.core.transactions import logs_reads_only, takes_write_lock


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling breaks SAVEPOINT).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    reads_only = logs_reads_only()
    if connection.dialect.name == "sqlite":
        writes = takes_write_lock()
        synchronous = "NORMAL" if reads_only else "FULL"
        if writes and connection.info.get("synchronous") != synchronous:
            # Before BEGIN: the pragma does not change inside a transaction. A transaction
            # that only reads commits nothing, whatever the setting.
            connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
            connection.info["synchronous"] = synchronous
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
    elif reads_only and connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
