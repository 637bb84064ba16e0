"""SQLite settings: foreign keys on, WAL, a busy timeout, and a write lock taken at BEGIN by
the transactions that may write, so two concurrent saves queue instead of failing with a
stale snapshot. A GET request's transaction only reads (WAL lets it read while another
writes): its own writes, the access log of what it showed, run after it rendered, in a
transaction that takes the lock (see core/transactions.py)."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from parcours.core.transactions import takes_write_lock


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
def _begin_sqlite(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if takes_write_lock() else "BEGIN")
