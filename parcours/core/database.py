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
(4 ms here) would cap every page, as each page records its read. On PostgreSQL, where a
page writes its log right after its reads (core/transactions.py), not waiting is the
connections' default, and every transaction that may change something asks to wait when it
begins: a page spends no round trip on it.

PostgreSQL, a page's reads: they run outside a transaction (`read_pages_without_transaction`),
which saves the two round trips of its BEGIN and COMMIT. Each read then sees the data as they
were when it began, which is what a transaction gives them too at PostgreSQL's default
isolation level, READ COMMITTED (the app sets no other; a server configured for a stricter
default would lose, for pages, the one snapshot it gives a transaction). The first statement
that is not a plain read (a write, a read that locks rows, a savepoint) begins the transaction
the rest of the request runs in, so what a page changes is still committed or rolled back
whole; the access log of a page that changed nothing is one statement that stands alone
(`STANDS_ALONE`, core/audit.py)."""

import re
import sqlite3
import time
from functools import lru_cache

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

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
    if connection.dialect.name == "sqlite":
        writes = takes_write_lock()
        synchronous = "NORMAL" if logs_reads_only() else "FULL"
        # Straight to the driver (SQLAlchemy's own execution costs more than SQLite here).
        driver = connection.connection.driver_connection
        if writes and connection.info.get("synchronous") != synchronous:
            # Before BEGIN: the pragma does not change inside a transaction. A transaction
            # that only reads commits nothing, whatever the setting.
            driver.execute(f"PRAGMA synchronous={synchronous}")
            connection.info["synchronous"] = synchronous
        driver.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
    elif connection.dialect.name == "postgresql":
        if not takes_write_lock():
            _set_autocommit(connection.connection.driver_connection, True)
        elif not logs_reads_only():
            connection.exec_driver_sql("SET LOCAL synchronous_commit = on")


def commit_without_waiting_by_default(engine: Engine) -> None:
    """PostgreSQL: a connection's commits do not wait for the disk unless their transaction
    asked to (`_begin`, for every transaction that may change something)."""
    if engine.dialect.name != "postgresql":
        return

    def no_wait(dbapi_connection, record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        dbapi_connection.commit()

    event.listen(engine, "connect", no_wait)


# The option of a statement that is a whole change by itself: run outside a transaction, it
# commits alone (PostgreSQL: it does not begin the request's transaction).
STANDS_ALONE = {"stands_alone": True}

_LOCKS_ROWS = re.compile(r"\bFOR (?:UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\b")


@lru_cache(maxsize=1024)
def _locks_rows(statement: str) -> bool:
    return _LOCKS_ROWS.search(statement) is not None


def _reads_only(context, statement: str) -> bool:
    """Whether a statement may run outside a transaction: a plain read (no lock on the rows it
    reads), or a change that stands alone."""
    if context.execution_options.get("stands_alone"):
        return True
    compiled = context.compiled
    return compiled is not None and compiled.statement.is_select and not _locks_rows(statement)


def _set_autocommit(driver_connection, on: bool) -> None:
    if (
        driver_connection.autocommit != on
        and driver_connection.info.transaction_status == TransactionStatus.IDLE
    ):
        driver_connection.autocommit = on


def read_pages_without_transaction(engine: Engine) -> None:
    """PostgreSQL: a GET request's reads run outside a transaction (`_begin` says so to the
    driver); the first statement that is not a plain read begins one (the driver sends BEGIN
    before it), and a connection given back to the pool is in the usual mode again."""
    if engine.dialect.name != "postgresql":
        return

    def begin_before_writing(conn, cursor, statement, parameters, context, executemany) -> None:
        if cursor.connection.autocommit and not _reads_only(context, statement):
            cursor.connection.autocommit = False

    def usual_mode(dbapi_connection, record) -> None:
        if dbapi_connection is not None:  # None: the pool dropped it (it was found broken)
            _set_autocommit(dbapi_connection, False)

    event.listen(engine, "before_cursor_execute", begin_before_writing)
    event.listen(engine, "checkin", usual_mode)


# A server's connection can drop while it waits in the pool (the server restarted, a firewall
# forgot it): one that waited more than PING_AFTER seconds is tested when taken, and replaced
# when it is gone. One given back a moment ago is not tested: a page takes two (one to read,
# one to log the read), and testing both cost each page two round trips to the server. A
# SQLite file's connection cannot drop.
PING_AFTER = 10.0


def ping_idle_connections(engine: Engine) -> None:
    """Test the server connections that waited in the pool a while before they are used."""
    if engine.dialect.name == "sqlite":
        return
    dialect = engine.dialect

    def waiting_since_now(dbapi_connection, record, *_proxy) -> None:
        record.info["idle_since"] = time.monotonic()

    def test_if_idle(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool discards the connection and takes another (up to three times).
            raise DisconnectionError(str(error)) from error

    event.listen(engine, "connect", waiting_since_now)
    event.listen(engine, "checkin", waiting_since_now)
    event.listen(engine, "checkout", test_if_idle)
