"""The schema comes from the migrations: they must match the models exactly, and take a
populated database through every revision, up and down, without losing a row."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, bindparam, text

from parcours.accounts.models import ApiToken, LoginSession, TokenScope, hash_secret
from parcours.accounts.operations import api_token_for, user_for_login_session
from parcours.core.integrity import foreign_key_violations, row_counts
from parcours.core.models import utcnow
from parcours.demo import load_demo, observatory
from parcours.extensions import db

NOW = datetime(2026, 11, 1, 9, 30)


@pytest.mark.committing
def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_have_a_single_head(app):
    with app.app_context():
        migrate = app.extensions["migrate"]
        config = migrate.migrate.get_config(migrate.directory)
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def _revisions(app) -> list[str]:
    """Every revision, oldest first."""
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _counts() -> dict[str, int]:
    """The rows of every table of the app's database, read on a connection of its own."""
    with db.engine.connect() as connection:
        return row_counts(connection)


def _insert(connection, table: str, **values) -> int:
    """Insert one row with plain SQL (the models may not match an old revision); its id."""
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)
    return connection.execute(text(f"SELECT max(id) FROM {table}")).scalar_one()


def _populate_first_revision() -> None:
    """An account with a login session and an API token, in a plan: the rows of the first
    revision's tables, as old as they can be."""
    with db.engine.begin() as connection:
        organisation = _insert(
            connection, "organisations", name="SESSAD", key="sessad", created_at=NOW
        )
        user = _insert(
            connection,
            "users",
            email="early@migrations.test",
            name="Early",
            password_hash="!unusable",
            is_professional=True,
            organisation_id=organisation,
            function="éducatrice",
            is_admin=False,
            active=True,
            created_at=NOW,
        )
        parcours = _insert(
            connection, "parcours", person_name="Léa", tolerance_days=30, created_at=NOW
        )
        member = _insert(
            connection,
            "members",
            parcours_id=parcours,
            user_id=user,
            role="professional",
            organisation_id=organisation,
            is_pilot=True,
            is_legal_representative=False,
            joined_at=NOW,
        )
        _insert(connection, "login_sessions", key="early-session", user_id=user, created_at=NOW)
        _insert(connection, "api_tokens", digest="early-token", user_id=user, created_at=NOW)
        _insert(
            connection,
            "access_log_entries",
            parcours_id=parcours,
            user_id=user,
            access="change",
            event="parcours.created",
            created_at=NOW,
        )
        version = _insert(
            connection,
            "objective_versions",
            parcours_id=parcours,
            number=1,
            text="Aller à l'école",
            perimeter_in="",
            perimeter_out="",
            indicators="",
            author_id=member,
            created_at=NOW,
        )
        _insert(connection, "approvals", version_id=version, member_id=member, created_at=NOW)


def _populate_the_rest() -> None:
    """What the demo leaves empty: login sessions and API tokens for every account, a closed
    account, a disagreement, a correction of an episode, a news item read, an e-mail sent, the
    observatory's facts of a plan."""
    with db.engine.begin() as connection:
        closed = _insert(
            connection,
            "users",
            name="",
            password_hash="!closed",
            is_professional=False,
            is_admin=False,
            active=True,
            closed_at=NOW,
            created_at=NOW,
        )
        for (user,) in connection.execute(text("SELECT id FROM users")).all():
            ended = NOW if user == closed else None
            _insert(
                connection,
                "login_sessions",
                key=f"session-{user}",
                user_id=user,
                ended_at=ended,
                created_at=NOW,
                last_seen_at=NOW,
                expires_at=NOW,
                stay_signed_in=False,
            )
            _insert(
                connection,
                "api_tokens",
                digest=f"token-{user}",
                user_id=user,
                revoked_at=ended,
                created_at=NOW,
                expires_at=NOW,
                scope="read",
            )
            _insert(connection, "recovery_codes", user_id=user, digest="x", created_at=NOW)
            _insert(
                connection,
                "password_resets",
                user_id=user,
                digest=f"reset-{user}",
                kind="card",
                expires_at=NOW,
                created_at=NOW,
            )
            _insert(
                connection,
                "security_events",
                event="sign_in.failed",
                user_id=user,
                address="127.0.0.1",
                created_at=NOW,
            )
        _insert(connection, "attempts", action="sign_in", address="127.0.0.1", created_at=NOW)
        _insert(
            connection,
            "once_requests",
            user_id=user,
            key="api:demo",
            fingerprint="0" * 64,
            status=201,
            created_at=NOW,
        )
        connection.execute(
            text("INSERT INTO inbox_reads (user_id, key, read_at) VALUES (:user, 'news-1', :at)"),
            {"user": user, "at": NOW},
        )
        version, member = connection.execute(
            text("SELECT id, author_id FROM objective_versions ORDER BY id DESC")
        ).first()
        _insert(
            connection,
            "disagreements",
            version_id=version,
            member_id=member,
            comment="Pas encore",
            created_at=NOW,
        )
        episode, member = connection.execute(
            text("SELECT id, created_by_id FROM episodes ORDER BY id")
        ).first()
        connection.execute(
            text(
                "INSERT INTO episode_changes (episode_id, member_id, changes, created_at) "
                "VALUES (:episode, :member, :changes, :created_at)"
            ).bindparams(bindparam("changes", type_=JSON)),
            {
                "episode": episode,
                "member": member,
                "changes": {"label": ["IME", "IME Les Tilleuls"]},
                "created_at": NOW,
            },
        )
        # The observatory keeps facts once figures are asked (the demo asks none).
        connection.execute(
            text(
                "INSERT INTO observatory_facts (parcours_id, computed_revision, facts) "
                "SELECT parcours_id, 0, :facts FROM episodes WHERE id = :episode"
            ).bindparams(bindparam("facts", type_=JSON)),
            {"episode": episode, "facts": [14, 0, 0, None, [], [], [], [], []]},
        )
        commitment, member = connection.execute(
            text("SELECT id, created_by_id FROM commitments ORDER BY id")
        ).first()
        _insert(
            connection,
            "commitment_changes",
            commitment_id=commitment,
            member_id=member,
            kind="rescheduled",
            before="2026-01-01",
            after="2026-02-01",
            reason="",
            created_at=NOW,
        )
        # An e-mail delivered, and what its digest counted (migration 0023).
        (user,) = connection.execute(text("SELECT min(id) FROM users")).first()
        _insert(
            connection,
            "outbox_messages",
            kind="digest",
            user_id=user,
            recipient="someone@example.org",
            next_attempt_at=NOW,
            attempts=0,
            sent_at=NOW,
            created_at=NOW,
        )
        connection.execute(
            text(
                "INSERT INTO notification_digests (user_id, checked_at, sent_at, count, seen) "
                "VALUES (:user, :now, :now, 2, 'a b')"
            ),
            {"user": user, "now": NOW},
        )


def _lost_rows(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The tables present on both sides whose number of rows changed: (before, after)."""
    return {
        table: (before[table], after[table])
        for table in before.keys() & after.keys()
        if before[table] != after[table]
    }


@pytest.mark.committing  # db.session must be the scratch app's own, not the suite's
def test_a_populated_database_goes_through_every_revision_up_and_down(scratch_app):
    from parcours.demo import load_demo

    app = scratch_app("migrations")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        revisions = _revisions(app)
        changed = {}

        def step(migrate, revision):
            """Migrate to one revision, noting the tables that lost or gained rows."""
            before = _counts()
            migrate(directory=directory, revision=revision)
            after = _counts()
            if lost := _lost_rows(before, after):
                changed[f"{migrate.__name__} to {revision}"] = lost
            return after

        # Up, one revision at a time, with rows from the first one on.
        upgrade(directory=directory, revision=revisions[0])
        _populate_first_revision()
        for revision in revisions[1:]:
            step(upgrade, revision)
        load_demo()
        db.session.commit()
        db.session.remove()
        _populate_the_rest()
        populated = _counts()
        assert all(populated.values()), f"empty tables check nothing: {populated}"

        # Down to the first revision and up again, one revision at a time.
        for revision in reversed(revisions[:-1]):
            step(downgrade, revision)
        for revision in revisions[1:]:
            counts = step(upgrade, revision)
        assert changed == {}, f"rows lost or added by a migration: {changed}"
        first_tables = {"users", "login_sessions", "api_tokens", "access_log_entries"}
        assert {table: counts[table] for table in first_tables} == {
            table: populated[table] for table in first_tables
        }
        with db.engine.connect() as connection:
            assert foreign_key_violations(connection) == []

        # The rest of the way down leaves nothing; up again from nothing works.
        downgrade(directory=directory, revision="base")
        assert _counts() == {}
        upgrade(directory=directory, revision="head")
        assert set(_counts()) == set(populated)


BROKEN_REVISION = '''"""deletes the accounts but not what points at them"""
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM users")


def downgrade():
    pass
'''


@pytest.mark.committing  # db.session must be the scratch app's own, not the suite's
def test_a_migration_that_breaks_foreign_keys_fails_and_changes_nothing(scratch_app, tmp_path):
    import shutil

    from parcours.demo import load_demo

    app = scratch_app("broken_migration")
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="head")
        load_demo()
        db.session.commit()
        db.session.remove()
        head = _revisions(app)[-1]
        before = _counts()
        directory = tmp_path / "migrations"
        shutil.copytree(app.extensions["migrate"].directory, directory)
        (directory / "versions" / "9999_broken.py").write_text(BROKEN_REVISION.format(head=head))

        # SQLite: our check after the revision (the checks are off while it runs);
        # PostgreSQL: its own, at the DELETE.
        with pytest.raises(Exception, match=r"(?i)foreign key") as raised:
            upgrade(directory=str(directory), revision="head")
        if db.engine.dialect.name == "sqlite":
            assert "upgrade to 9999" in str(raised.value)

        with db.engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar_one() == head
            assert row_counts(connection) == before
            if connection.dialect.name == "sqlite":
                # The connection the migrations used went back to the pool with the checks on.
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


@pytest.mark.committing  # db.session must be the scratch app's own, not the suite's
def test_0008_gives_the_sessions_and_tokens_already_there_an_end(scratch_app):
    app = scratch_app("credentials")
    with app.app_context(), app.test_request_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0007")
        recent = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)
        with db.engine.begin() as connection:
            user = _insert(
                connection,
                "users",
                email="old@migrations.test",
                name="Old",
                password_hash="!unusable",
                is_professional=False,
                is_admin=False,
                active=True,
                created_at=NOW,
            )
            _insert(
                connection,
                "login_sessions",
                key="from-2020",
                user_id=user,
                created_at=datetime(2020, 1, 1),
            )
            _insert(connection, "login_sessions", key="recent", user_id=user, created_at=recent)
            _insert(
                connection,
                "api_tokens",
                digest=hash_secret("old-token"),
                user_id=user,
                created_at=datetime(2020, 1, 1),
            )
        upgrade(directory=directory, revision="0008")
        # Today's models read the rows: the later revisions must have run too.
        upgrade(directory=directory, revision="head")
        assert user_for_login_session("from-2020") == (None, "expired")
        found, ended = user_for_login_session("recent")
        assert found is not None and ended is None
        recent_session = db.session.scalar(db.select(LoginSession).filter_by(key="recent"))
        assert recent_session.stay_signed_in
        # SQLite's datetime() keeps whole seconds.
        lifetime = recent_session.expires_at - recent_session.created_at
        assert abs(lifetime - timedelta(days=30)) < timedelta(seconds=1)
        token = api_token_for("old-token")
        assert token is not None and token.scope is TokenScope.write
        assert abs(token.expires_at - utcnow() - timedelta(days=30)) < timedelta(minutes=5)
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1
        db.session.rollback()


@pytest.mark.committing  # db.session must be the scratch app's own, not the suite's
def test_0011_turns_the_logged_settings_changes_into_rows(scratch_app):
    from parcours.plans.models import SettingsChange, SettingsChangeKind
    from parcours.plans.operations import pending_closing, settings_revision

    app = scratch_app("settings_changes")
    with app.app_context(), app.test_request_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0008")
        with db.engine.begin() as connection:
            user = _insert(
                connection,
                "users",
                email="pilot@migrations.test",
                name="Claire",
                password_hash="!unusable",
                is_professional=False,
                is_admin=False,
                active=True,
                created_at=NOW,
            )
            parcours = _insert(
                connection, "parcours", person_name="Léo", tolerance_days=30, created_at=NOW
            )
            member = _insert(
                connection,
                "members",
                parcours_id=parcours,
                user_id=user,
                role="family",
                is_pilot=False,
                is_legal_representative=False,
                joined_at=NOW,
            )
            for minutes, event, detail in (
                (1, "settings.tolerance", "21"),
                (2, "settings.tolerance", "30"),
                (3, "settings.closed", "2026-01-31"),
                (4, "settings.reopened", None),
                (5, "voice.saved", None),
            ):
                _insert(
                    connection,
                    "access_log_entries",
                    parcours_id=parcours,
                    user_id=user,
                    access="change",
                    event=event,
                    detail=detail,
                    created_at=NOW + timedelta(minutes=minutes),
                )
        upgrade(directory=directory, revision="0011")
        # Today's models read the rows: the later revisions must have run too.
        upgrade(directory=directory, revision="head")
        changes = db.session.scalars(db.select(SettingsChange).order_by(SettingsChange.id)).all()
        assert [(c.kind, c.old_value, c.new_value, c.reason) for c in changes] == [
            (SettingsChangeKind.tolerance, "14", "21", None),
            (SettingsChangeKind.tolerance, "21", "30", None),
            (SettingsChangeKind.closed_unconfirmed, None, "2026-01-31", None),
            (SettingsChangeKind.reopened, "2026-01-31", None, None),
        ]
        assert {c.member_id for c in changes} == {member}
        assert changes[0].created_at == (NOW + timedelta(minutes=1)).replace(tzinfo=UTC)
        assert settings_revision(parcours) == changes[-1].id
        assert pending_closing(parcours) is None
        db.session.rollback()


@pytest.mark.committing  # db.session must be the scratch app's own, not the suite's
def test_0015_records_the_organisations_already_in_a_plan_as_consented(scratch_app):
    from parcours.accounts.models import Organisation
    from parcours.plans.consent import shared_with
    from parcours.plans.models import Consent, ConsentEventKind, ConsentStatus

    app = scratch_app("consents")
    with app.app_context(), app.test_request_context():
        directory = app.extensions["migrate"].directory
        revisions = _revisions(app)
        upgrade(directory=directory, revision=revisions[revisions.index("0015") - 1])
        with db.engine.begin() as connection:
            parcours = _insert(
                connection, "parcours", person_name="Léo", tolerance_days=14, created_at=NOW
            )
            organisations = {}
            for key, name in (("ime", "IME"), ("esat", "ESAT")):
                organisations[key] = _insert(
                    connection, "organisations", name=name, key=key, created_at=NOW
                )
            for n, (organisation, left_at) in enumerate(
                (("ime", None), ("ime", None), ("esat", NOW), (None, None))
            ):
                user = _insert(
                    connection,
                    "users",
                    email=f"member{n}@migrations.test",
                    name=f"Member {n}",
                    password_hash="!unusable",
                    is_professional=organisation is not None,
                    is_admin=False,
                    active=True,
                    created_at=NOW,
                )
                _insert(
                    connection,
                    "members",
                    parcours_id=parcours,
                    user_id=user,
                    role="professional" if organisation else "family",
                    organisation_id=organisations.get(organisation),
                    is_pilot=False,
                    is_legal_representative=False,
                    joined_at=NOW,
                    left_at=left_at,
                )
        upgrade(directory=directory, revision="0015")
        # Today's models read the rows: the later revisions must have run too.
        upgrade(directory=directory, revision="head")
        # The IME's members were there before consent was asked; the ESAT's member had left.
        [consent] = db.session.scalars(db.select(Consent)).unique().all()
        assert consent.organisation_id == organisations["ime"]
        assert consent.status is ConsentStatus.given
        assert [(e.kind, e.member_id) for e in consent.events] == [
            (ConsentEventKind.before_consent_asked, None)
        ]
        esat = db.session.get(Organisation, organisations["esat"])
        assert not shared_with(parcours, esat)
        db.session.rollback()
        downgrade(directory=directory, revision=revisions[revisions.index("0015") - 1])
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM members")).scalar_one() == 4


def test_0014_makes_the_ticks_declared_not_confirmed_and_keeps_the_version_of_acceptance(
    scratch_app,
):
    app = scratch_app("person_confirmations")
    with app.app_context(), app.test_request_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0013")
        at = {n: NOW + timedelta(days=n) for n in range(6)}
        with db.engine.begin() as connection:
            organisation = _insert(
                connection, "organisations", name="IME", key="ime", created_at=NOW
            )
            parcours = _insert(
                connection, "parcours", person_name="Léo", tolerance_days=14, created_at=NOW
            )
            members = []
            for name in ("Claire", "Julien"):
                user = _insert(
                    connection,
                    "users",
                    email=f"{name.lower()}@migrations.test",
                    name=name,
                    password_hash="!unusable",
                    is_professional=True,
                    is_admin=False,
                    active=True,
                    created_at=NOW,
                )
                members.append(
                    _insert(
                        connection,
                        "members",
                        parcours_id=parcours,
                        user_id=user,
                        role="professional",
                        organisation_id=organisation,
                        is_pilot=False,
                        is_legal_representative=False,
                        joined_at=NOW,
                    )
                )
            claire, julien = members
            versions = [
                _insert(
                    connection,
                    "objective_versions",
                    parcours_id=parcours,
                    number=number,
                    text=f"v{number}",
                    perimeter_in="",
                    perimeter_out="",
                    indicators="",
                    author_id=claire,
                    created_at=agreed,
                    agreed_at=agreed,
                )
                for number, agreed in ((1, at[1]), (2, at[4]))
            ]
            episodes = [
                _insert(
                    connection,
                    "episodes",
                    parcours_id=parcours,
                    organisation_id=organisation if kind != "pause" else None,
                    kind=kind,
                    label="",
                    start_date=start.date(),
                    person_agreed=kind == "pause",
                    created_by_id=julien if kind == "pause" else claire,
                    created_at=NOW,
                    updated_at=NOW,
                )
                for kind, start in (("ime", at[0]), ("pause", at[2]))
            ]
            handoff = _insert(
                connection,
                "handoffs",
                parcours_id=parcours,
                from_episode_id=episodes[0],
                receiving_organisation_id=organisation,
                to_person_and_family=False,
                status="accepted",
                proposed_on=at[0].date(),
                person_involved=True,
                services_in_contact=False,
                objective_approved_through_link=False,
                meaning_note="",
                created_by_id=claire,
                created_at=at[0],
                updated_at=at[0],
            )
            # Claire proposed it unticked; Julien ticked "the person took part"; accepted
            # while version 1 was in force (version 2 came later).
            for kind, member, involved, when in (
                ("proposed", claire, False, at[0]),
                ("edited", julien, True, at[2]),
                ("accepted", julien, None, at[3]),
            ):
                _insert(
                    connection,
                    "handoff_events",
                    handoff_id=handoff,
                    kind=kind,
                    member_id=member,
                    person_involved=involved,
                    created_at=when,
                )
        upgrade(directory=directory, revision="0014")
        with db.engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT person_declared_by_id, person_confirmed, objective_version_id "
                    "FROM handoffs"
                )
            ).one()
            assert tuple(row) == (julien, None, versions[0])
            pause = connection.execute(
                text(
                    "SELECT person_declared_by_id, person_confirmed FROM episodes "
                    "WHERE kind = 'pause'"
                )
            ).one()
            assert tuple(pause) == (julien, None)
            service = connection.execute(
                text("SELECT person_declared_by_id FROM episodes WHERE kind = 'ime'")
            ).scalar_one()
            assert service is None
        downgrade(directory=directory, revision="0013")
        with db.engine.connect() as connection:
            assert row_counts(connection)["handoffs"] == 1


@pytest.mark.committing  # db.session must be the scratch app's own, not the suite's
def test_0017_starts_the_revision_of_a_kept_commitment_at_one(scratch_app):
    app = scratch_app("corrections")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="head")
        load_demo()
        db.session.commit()
        db.session.remove()
        downgrade(directory=directory, revision="0016")
        upgrade(directory=directory, revision="0017")
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT kept_at IS NOT NULL, revision FROM commitments")
            ).all()
        # Léo's overdue and kept commitments, and Thomas's, due soon; then those of the
        # observatory's generated plans.
        generated = [(kept, int(kept)) for *_plan, kept in observatory.PLANS]
        assert sorted(rows) == sorted([(False, 0), (False, 0), (True, 1), *generated])
