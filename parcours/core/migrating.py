"""How the migrations run on SQLite (used by migrations/env.py).

SQLite alters most things in a table by recreating it (Alembic's batch mode: create the new
table, copy the rows, drop the old one, rename the new one). With the foreign-key checks on,
dropping the old table deletes its rows first, which cascades to every table pointing at it
(login sessions and API tokens under `users`) or fails. SQLite's own procedure for altering a
table is therefore: checks off, alter, `PRAGMA foreign_key_check`, checks on. The pragma
cannot change inside a transaction, so it is set on the connection before the migrations'
transaction begins. With the checks off, a migration that deletes rows must delete their
children itself: the check after each revision catches it if it does not.

PostgreSQL alters tables in place and keeps its checks on; nothing changes there.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from parcours.core.integrity import ForeignKeyViolation, check_foreign_keys


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, run the block with the foreign-key checks off, then turn them on again; the
    connection goes back to the pool only with them on."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        raise RuntimeError("the foreign-key checks can only be turned off outside a transaction")
    _set_foreign_keys(connection, on=False)
    try:
        yield
    finally:
        _set_foreign_keys(connection, on=True)
        if not _foreign_keys_on(connection):
            # Still inside a transaction (the pragma then does nothing): never reuse it.
            connection.invalidate()


def migration_options(connection: Connection) -> dict:
    """Alembic `configure()` options for this connection: on SQLite, every revision of the run in
    one transaction (a failure leaves the database as it was) and the foreign keys checked after
    each revision, inside that transaction."""
    if connection.dialect.name != "sqlite":
        return {}
    return {"transactional_ddl": True, "on_version_apply": _check_revision}


def _check_revision(*, ctx, step, heads, run_args) -> None:
    """Fail the run, rolled back, when a revision leaves rows pointing at nothing."""
    try:
        check_foreign_keys(ctx.connection)
    except ForeignKeyViolation as error:
        direction = "upgrade to" if step.is_upgrade else "downgrade from"
        raise ForeignKeyViolation(f"{direction} {step.up_revision_id}: {error}") from None


def _set_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Set the pragma on the driver's connection: through SQLAlchemy, the statement would begin
    a transaction first, inside which the pragma is ignored."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _foreign_keys_on(connection: Connection) -> bool:
    """Whether the driver's connection checks foreign keys."""
    return connection.connection.driver_connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
