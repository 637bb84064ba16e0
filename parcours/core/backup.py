"""Backing up and restoring the whole database (`flask backup FILE`, `flask restore FILE`).

SQLite: the online backup API copies the database as one consistent snapshot, the rows still in
the write-ahead log included, while the app goes on writing (a copy of the file would miss the
log's rows, or catch a transaction half-written). PostgreSQL: `pg_dump --format=custom`, which
reads one snapshot too, and `pg_restore`; both connect with the app's URL, the password passed
in PGPASSWORD rather than on the command line.

A backup is written next to FILE and renamed into place once complete and checked, readable by
its owner only: it holds everyone's plans.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from parcours.core.integrity import VERSION_TABLE, row_counts

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or a restore that cannot be done, with a message for whoever runs it."""


def backup(engine: Engine, file: Path) -> None:
    """Write a consistent copy of the database to `file` (replaced only by a complete copy)."""
    file = Path(file)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        # Created private before anything is written into it.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise BackupError(f"cannot write {file}: {error.strerror}") from None
    try:
        kind = engine.dialect.name
        if kind == "sqlite":
            _backup_sqlite(_sqlite_path(engine, must_exist=True), partial)
        elif kind == "postgresql":
            _run_pg("pg_dump", engine, "--format=custom", f"--file={partial}")
        else:
            raise BackupError(f"no backup for {kind} databases")
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)


def restore(engine: Engine, file: Path, *, replace: bool = False) -> str | None:
    """Restore `file` into the database, which must hold nothing unless `replace`; the schema
    revision the database is at afterwards (the backup's)."""
    file = Path(file)
    kind = backup_kind(file)
    if kind != engine.dialect.name:
        raise BackupError(f"{file} is a {kind} backup; the database is {engine.dialect.name}")
    if kind == "sqlite":
        _sqlite_path(engine, must_exist=False).parent.mkdir(parents=True, exist_ok=True)
    if not replace and (contents := database_contents(engine)):
        raise BackupError(
            f"{engine.url.render_as_string(hide_password=True)} is not empty ({contents}): "
            "add --yes to replace everything in it with the backup"
        )
    if kind == "sqlite":
        _check_sqlite_file(file, foreign_keys=True)
        engine.dispose()  # none of our own connections in the way
        _restore_sqlite(file, _sqlite_path(engine, must_exist=False))
    else:
        # Read the whole file, data included, before dropping anything: a truncated or damaged
        # dump stops here. (A restore that fails after this rolls back, leaving no tables.)
        _run_pg("pg_restore", None, f"--file={os.devnull}", str(file))
        _drop_tables(engine)
        _run_pg(
            "pg_restore",
            engine,
            "--single-transaction",
            "--exit-on-error",
            # The restoring role owns what it restores, on any server.
            "--no-owner",
            "--no-privileges",
            str(file),
        )
    engine.dispose()
    return schema_revision(engine)


def backup_kind(file: Path) -> str:
    """Which database wrote the backup `file`: "sqlite" or "postgresql"."""
    try:
        with open(file, "rb") as opened:
            start = opened.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {file}: {error.strerror}") from None
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{file} is neither a SQLite backup nor a pg_dump custom-format file")


def database_contents(engine: Engine) -> str:
    """What the database holds, in a few words ("users: 8 rows, …, schema revision 0006"); empty
    when it holds no row and no schema revision."""
    with engine.connect() as connection:
        counts = {table: rows for table, rows in row_counts(connection).items() if rows}
    described = [f"{table}: {rows} rows" for table, rows in counts.items()]
    if len(described) > 3:
        described[3:] = [f"{len(counts) - 3} more tables with rows"]
    if revision := schema_revision(engine):
        described.append(f"schema revision {revision}")
    return ", ".join(described)


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, if any."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _sqlite_path(engine: Engine, *, must_exist: bool) -> Path:
    """The file of a SQLite database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"not a SQLite file: {engine.url}")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"no database at {path}")
    return path


def _backup_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` into the file `target` with the online backup API."""
    with (
        closing(sqlite3.connect(source, timeout=30)) as live,
        closing(sqlite3.connect(target)) as copy,
    ):
        # All pages in one step, inside one read transaction: one snapshot, whatever others
        # commit meanwhile (WAL lets them go on writing).
        live.backup(copy)
        # One self-contained file: no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    _check_sqlite_file(target, foreign_keys=False)


def _restore_sqlite(backup_file: Path, database: Path) -> None:
    """Copy the backup into the SQLite database file, all of it replaced."""
    with (
        closing(sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)) as saved,
        closing(sqlite3.connect(database, timeout=30)) as live,
    ):
        saved.backup(live)


def _check_sqlite_file(path: Path, *, foreign_keys: bool) -> None:
    """Raise BackupError unless the SQLite file is sound (and, if asked, its foreign keys hold)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as saved:
            problems = [row[0] for row in saved.execute("PRAGMA integrity_check")]
            if problems == ["ok"]:
                problems = []
            if foreign_keys:
                problems += [
                    f"{table} row {rowid} points at a missing {parent} row"
                    for table, rowid, parent, _fk in saved.execute("PRAGMA foreign_key_check")
                ]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from None
    if problems:
        raise BackupError(f"{path} is damaged: " + "; ".join(problems[:5]))


def _drop_tables(engine: Engine) -> None:
    """Drop every table of the database's schema (and the sequences they own)."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.execute(text(f"DROP TABLE IF EXISTS {quote(table)} CASCADE"))


def _run_pg(program: str, engine: Engine | None, *arguments: str) -> None:
    """Run a PostgreSQL client program on the engine's database; BackupError if it fails."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} not found: install the PostgreSQL client programs (postgresql-client), "
            "of the server's major version or newer"
        )
    command = [executable, *arguments]
    environment = dict(os.environ)
    if engine is not None:
        from psycopg.conninfo import make_conninfo

        url = engine.url
        if url.password is not None:
            environment["PGPASSWORD"] = str(url.password)
        conninfo = make_conninfo(
            host=url.host, port=url.port, user=url.username, dbname=url.database, **url.query
        )
        command.append(f"--dbname={conninfo}")
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")
