"""Backup and restore: a backup taken while the app writes holds every row committed before it
began, in a consistent state; restore refuses a database that holds data unless told to, and
leaves the database at the backup's schema revision. On SQLite and on PostgreSQL.

The tests use databases of their own (tests/core/conftest.py), hence `committing`: db.session
must be their apps' own, not the suite's rolled-back one."""

import secrets
import sqlite3
import threading
from contextlib import closing

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, inspect, select, text

from parcours.accounts.models import LoginSession, User
from parcours.core.audit import (
    Access,
    AccessLogEntry,
    AccessLogHead,
    detail_digest,
    link_hash,
    verify_chains,
)
from parcours.core.backup import backup, restore
from parcours.core.integrity import foreign_key_violations, row_counts
from parcours.core.models import utcnow
from parcours.extensions import db
from parcours.plans.models import Parcours

# Enough transactions before the backup that a copy missing the last ones shows.
WRITES_BEFORE = 40
WRITES_AFTER = 5


class Writer(threading.Thread):
    """Another worker of the app: commits one small plan after another (a parcours, its access
    log entry, a login session: all or nothing) until told to stop."""

    def __init__(self, url, user_id: int):
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.user_id = user_id
        self.committed: list[tuple[int, int, int]] = []  # (parcours, log entry, login session)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        """Commit transactions until stopped; an error is kept for the test to raise."""
        try:
            number = 0
            while not self.stopping.is_set():
                number += 1
                ids = self._write(number)
                with self.lock:
                    self.committed.append(ids)
        except BaseException as error:
            self.error = error
        finally:
            self.engine.dispose()

    def _write(self, number: int) -> tuple[int, int, int]:
        """One transaction; the ids of its rows once committed."""
        with self.engine.begin() as connection:
            parcours = connection.execute(
                insert(Parcours.__table__).values(
                    person_name=f"Writer {number}", tolerance_days=30, created_at=utcnow()
                )
            ).inserted_primary_key[0]
            # The plan's first log entry, chained as the app chains it.
            salt = secrets.token_hex(16)
            row = {
                "parcours_id": parcours,
                "user_id": self.user_id,
                "access": Access.change,
                "event": "parcours.created",
                "subject_id": None,
                "detail": f"writer {number}",
                "detail_salt": salt,
                "detail_digest": detail_digest(f"writer {number}", salt),
                "created_at": utcnow(),
                "seq": 1,
                "previous_hash": "",
            }
            row["hash"] = link_hash(row)
            entry = connection.execute(
                insert(AccessLogEntry.__table__).values(**row)
            ).inserted_primary_key[0]
            connection.execute(
                insert(AccessLogHead.__table__).values(
                    parcours_id=parcours, seq=1, hash=row["hash"]
                )
            )
            session = connection.execute(
                insert(LoginSession.__table__).values(
                    key=f"writer-{number}",
                    user_id=self.user_id,
                    created_at=utcnow(),
                    expires_at=utcnow(),
                )
            ).inserted_primary_key[0]
        return parcours, entry, session

    def done(self) -> list[tuple[int, int, int]]:
        """The transactions committed so far."""
        with self.lock:
            return list(self.committed)

    def wait_for(self, count: int) -> None:
        """Wait until `count` transactions are committed."""
        for _ in range(600):
            if self.error is not None or len(self.done()) >= count:
                break
            self.stopping.wait(0.05)
        if self.error is not None:
            raise self.error
        assert len(self.done()) >= count, "the writer is too slow"

    def stop(self) -> None:
        """Stop writing and wait for the thread; raise what failed in it."""
        self.stopping.set()
        self.join(timeout=60)
        if self.error is not None:
            raise self.error


def access_log_rows(connection) -> dict[int, tuple]:
    """Every access log entry, by id, with all its columns as stored."""
    table = AccessLogEntry.__table__
    return {row.id: tuple(row) for row in connection.execute(select(table).order_by(table.c.id))}


def check_restored_access_log(
    before_backup: dict[int, tuple], original_now: dict[int, tuple], restored: dict[int, tuple]
) -> None:
    """The restored access log is the original's as it stood when the backup began: every entry
    written before it, with the same id and the same content, and no entry the original never
    held. (The test then verifies the restored chain.)"""
    missing = sorted(before_backup.keys() - restored.keys())
    assert not missing, f"{len(missing)} entries written before the backup are missing: {missing}"
    altered = sorted(i for i, row in restored.items() if original_now.get(i) != row)
    assert not altered, f"restored entries differ from the original's: {altered}"


def _migrated_with_demo(app) -> None:
    """Build the app's database from the migrations and load the demo."""
    from parcours.demo import load_demo

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="head")
        load_demo()
        db.session.commit()
        db.session.remove()


@pytest.mark.committing
def test_a_backup_taken_while_the_app_writes_restores_every_committed_row(
    scratch_app, scratch_database, tmp_path
):
    source = scratch_app("backup_source")
    _migrated_with_demo(source)
    with source.app_context():
        if db.engine.dialect.name == "sqlite":
            # As in a database that has run for a while: most of it in the file, the latest
            # commits (the writer's) in the write-ahead log only.
            with closing(sqlite3.connect(db.engine.url.database)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        user_id = db.session.scalar(select(User.id).order_by(User.id))
        db.session.remove()
        writer = Writer(db.engine.url, user_id)
    writer.start()
    try:
        writer.wait_for(WRITES_BEFORE)
        with source.app_context():
            # Everything read here was committed before the backup began.
            committed_before = writer.done()
            with db.engine.connect() as connection:
                counts_before = row_counts(connection)
                log_before = access_log_rows(connection)
            file = tmp_path / "parcours.backup"
            backup(db.engine, file)
        # The writes went on during the backup and after it.
        writer.wait_for(len(writer.done()) + WRITES_AFTER)
    finally:
        writer.stop()
    with source.app_context(), db.engine.connect() as connection:
        log_now = access_log_rows(connection)
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    target = scratch_app("backup_restored")
    with target.app_context():
        restored = db.engine
        assert restore(restored, file) == revision
        with restored.connect() as connection:
            counts = row_counts(connection)
            assert set(counts) == set(counts_before)
            fewer = {t: (n, counts[t]) for t, n in counts_before.items() if counts[t] < n}
            assert not fewer, f"rows committed before the backup are missing: {fewer}"
            parcours = set(connection.scalars(select(Parcours.id)))
            sessions = set(connection.scalars(select(LoginSession.id)))
            log = access_log_rows(connection)
            assert foreign_key_violations(connection) == []
        # 100 % of the writer's transactions committed before the backup, and no transaction
        # of the writer in part.
        assert {ids for ids in committed_before if ids[0] not in parcours} == set()
        for parcours_id, entry, session in writer.done():
            assert (parcours_id in parcours) == (entry in log) == (session in sessions)
        check_restored_access_log(log_before, log_now, log)
        # The restored log still verifies, link by link, up to each plan's head.
        verified = verify_chains()
        assert verified.broken is None, str(verified.broken)
        assert verified.entries == len(log)


@pytest.mark.committing
def test_restore_refuses_a_database_with_data_and_brings_back_the_backups_revision(
    scratch_app, tmp_path
):
    # An older revision: the target, at head, has a table (episode_changes) and a column
    # (users.closed_at) the backup does not.
    old = scratch_app("restore_old")
    with old.app_context():
        upgrade(directory=old.extensions["migrate"].directory, revision="0004")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (name, key, created_at) "
                    "VALUES ('IME Les Tilleuls', 'ime les tilleuls', :now)"
                ),
                {"now": utcnow().replace(tzinfo=None)},
            )
            old_counts = row_counts(connection)
    file = tmp_path / "old.backup"
    result = old.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output

    target = scratch_app("restore_target")
    _migrated_with_demo(target)
    with target.app_context(), db.engine.connect() as connection:
        target_counts = row_counts(connection)

    refused = target.test_cli_runner().invoke(args=["restore", str(file)])
    assert refused.exit_code != 0
    assert "is not empty (" in refused.output
    with target.app_context():
        migrate = target.extensions["migrate"]
        head = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
        assert f"schema revision {head.get_current_head()}" in refused.output
    assert "add --yes to replace everything" in refused.output
    with target.app_context(), db.engine.connect() as connection:
        assert row_counts(connection) == target_counts

    replaced = target.test_cli_runner().invoke(args=["restore", "--yes", str(file)])
    assert replaced.exit_code == 0, replaced.output
    assert "schema revision 0004" in replaced.output
    assert "run `flask db upgrade`" in replaced.output
    with target.app_context():
        with db.engine.connect() as connection:
            assert row_counts(connection) == old_counts
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar_one() == "0004"
            columns = {column["name"] for column in inspect(connection).get_columns("users")}
            assert "closed_at" not in columns
        # And the migrations take it from there.
        upgrade(directory=target.extensions["migrate"].directory, revision="head")
