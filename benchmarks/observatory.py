"""Benchmark of the observatory: the figures of a territory of 10,000 plans, and of one of
its organisations.

Builds the plans with bulk inserts (several organisations of territory 37; per plan three
members, an objective, four episodes with gaps, hand-offs answered or not with their relais
de sens more or less complete, adopted means with and without the person's stance, an
objection, commitments kept or not, the person's voice or not) in a SQLite file or in
PostgreSQL (--postgresql URL, whose public schema is dropped first). The data is kept
between runs: a database that already holds the same plans is measured as it is (--rebuild
builds it again). Then it times `compute_figures` in-process, cold (no snapshot computed
yet) and warm, for the territory and for one organisation, after a change in one plan, and
for a period that ends in the past; with the SQL statements of each, the page
`/observatory` through the test client, and the ratio to a baseline measured in the same
process: one select of every plan's id and name (what reading the plans once costs; the
machine is shared, compare ratios between runs). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/observatory.py
    .venv/bin/python benchmarks/observatory.py --plans 2000 --sqlite /tmp/obs.sqlite
    .venv/bin/python benchmarks/observatory.py --postgresql postgresql+psycopg://postgres@127.0.0.1/bench_obs
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import delete, event, func, insert, inspect, select, text

from parcours import create_app
from parcours.accounts.models import ObserverScope, Organisation, User
from parcours.accounts.operations import start_login_session
from parcours.alliance.models import Approval, ObjectiveVersion, Voice
from parcours.core.models import today
from parcours.extensions import db
from parcours.means.models import (
    Commitment,
    Decision,
    Means,
    MeansStatus,
    Outcome,
    Stance,
    StanceValue,
    decision_participants,
)
from parcours.observatory import figures as observatory_figures
from parcours.observatory.figures import Scope, compute_figures
from parcours.plans.models import Member, Parcours, Role
from parcours.timeline.models import (
    Episode,
    EpisodeKind,
    Handoff,
    HandoffEvent,
    HandoffEventKind,
    HandoffStatus,
)
from parcours.timeline.snapshots import bump_revisions

TERRITORY = "37"
ORGANISATIONS = 12  # the first ten in territory 37, the last two elsewhere
KINDS = [EpisodeKind.sessad, EpisodeKind.school, EpisodeKind.ime, EpisodeKind.esat]
KINDS += [EpisodeKind.foyer, EpisodeKind.hospital, EpisodeKind.home_support]
BATCH = 5_000
OBSERVER = "observer@bench.test"
# Derived tables emptied before a cold measure (those that exist in this version of the code).
DERIVED = ("observatory_facts",)


def _reset(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")


def _bulk(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def _built(app, n_plans: int) -> bool:
    """Whether the database already holds this benchmark's plans (and the current schema)."""
    with app.app_context():
        if "parcours" not in inspect(db.engine).get_table_names():
            return False
        try:
            upgrade(directory=app.extensions["migrate"].directory, revision="heads")
            count = db.session.scalar(select(func.count()).select_from(Parcours))
            observer = db.session.scalar(select(User.id).where(User.email == OBSERVER))
        finally:
            db.session.rollback()
    return count == n_plans and observer is not None


def build(app, n_plans: int) -> None:
    """Insert the plans (ids from 1; every 7th plan has a second professional)."""
    now = datetime.now(UTC)
    day = today()
    at = lambda days: now + timedelta(days=days)  # noqa: E731  (a moment `days` from now)
    rows: dict = {name: [] for name in ("users", "parcours", "members", "versions", "approvals")}
    rows |= {name: [] for name in ("episodes", "handoffs", "events", "means", "decisions")}
    rows |= {name: [] for name in ("stances", "participants", "commitments", "voices")}
    organisations = [
        {
            "id": o,
            "name": f"Service {o}",
            "key": f"service {o}",
            "territory": TERRITORY if o <= 10 else "41",
            "created_at": now,
        }
        for o in range(1, ORGANISATIONS + 1)
    ]
    user = {
        "login_name": None,
        "password_hash": "x",
        "is_admin": False,
        "active": True,
        "created_at": now,
    }
    rows["users"] = [
        {
            "id": o,
            "email": f"pro{o}@bench.test",
            "name": f"Pro {o}",
            "is_professional": True,
            "organisation_id": o,
            **user,
        }
        for o in range(1, ORGANISATIONS + 1)
    ]
    rows["users"].append(
        {
            "id": ORGANISATIONS + 1,
            "email": OBSERVER,
            "name": "Observer",
            "is_professional": True,
            "organisation_id": None,
            **user,
        }
    )
    first_user = ORGANISATIONS + 2
    member_id = episode_id = handoff_id = means_id = decision_id = commitment_id = 0
    for p in range(1, n_plans + 1):
        rows["parcours"].append(
            {
                "id": p,
                "person_name": f"Person {p}",
                "tolerance_days": 14 if p % 5 else 21,
                "closed_on": day - timedelta(days=40) if p % 50 == 0 else None,
                "observatory_opt_out": p % 97 == 0,
                "created_at": at(-700),
            }
        )
        person_user, family_user = first_user + 2 * (p - 1), first_user + 2 * (p - 1) + 1
        for uid, name in ((person_user, f"Person {p}"), (family_user, f"Parent {p}")):
            rows["users"].append(
                {
                    "id": uid,
                    "email": None,
                    "name": name,
                    "is_professional": False,
                    "organisation_id": None,
                    **user,
                    "login_name": f"u{uid}",
                }
            )
        home = 1 + p % ORGANISATIONS
        member = {
            "parcours_id": p,
            "is_legal_representative": False,
            "joined_at": at(-700),
        }
        pro, person, family = member_id + 1, member_id + 2, member_id + 3
        rows["members"] += [
            {
                "id": pro,
                "user_id": home,
                "role": Role.professional.name,
                "organisation_id": home,
                "is_pilot": True,
                **member,
            },
            {
                "id": person,
                "user_id": person_user,
                "role": Role.person.name,
                "organisation_id": None,
                "is_pilot": False,
                **member,
            },
            {
                "id": family,
                "user_id": family_user,
                "role": Role.family.name,
                "organisation_id": None,
                "is_pilot": False,
                **member,
            },
        ]
        member_id = family
        other = None
        if p % 7 == 0:
            member_id += 1
            other = member_id
            colleague = 1 + (p + 5) % ORGANISATIONS
            rows["members"].append(
                {
                    "id": other,
                    "user_id": colleague,
                    "role": Role.professional.name,
                    "organisation_id": colleague,
                    "is_pilot": False,
                    **member,
                }
            )
        agreed = p % 6 != 0
        rows["versions"].append(
            {
                "id": p,
                "parcours_id": p,
                "number": 1,
                "text": "Que la personne se développe bien.",
                "perimeter_in": "",
                "perimeter_out": "",
                "indicators": "",
                "author_id": pro,
                "agreed_at": at(-600 + p % 90) if agreed else None,
                "created_at": at(-600),
            }
        )
        if agreed:
            rows["approvals"] += [
                {"version_id": p, "member_id": m, "created_at": at(-600)}
                for m in (pro, person, family)
            ]
        # Four episodes of about 150 days, the last one ongoing, a gap of 0 to 60 days
        # before each; one plan in ten is in an ongoing rupture since its last episode ended,
        # one in twenty waits for a planned service that starts later.
        start = day - timedelta(days=560 + p % 40)
        first_episode = episode_id + 1
        for e in range(4):
            episode_id += 1
            last = e == 3
            end = start + timedelta(days=130 + (p * 7 + e * 13) % 40)
            if last:
                if p % 10 == 0:
                    start = min(start, day - timedelta(days=100))
                    end = day - timedelta(days=20 + p % 30)
                elif p % 20 == 5:
                    start, end = day + timedelta(days=30), None
                else:
                    start, end = min(start, day - timedelta(days=5)), None
            organisation = 1 + (home + e * 3) % ORGANISATIONS
            rows["episodes"].append(
                {
                    "id": episode_id,
                    "parcours_id": p,
                    "organisation_id": organisation,
                    "kind": KINDS[(p + e) % len(KINDS)].name,
                    "label": f"Service {organisation}",
                    "start_date": start,
                    "end_date": end,
                    "referent_member_id": None,
                    "person_agreed": False,
                    "created_by_id": pro,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if end is not None:
                start = end + timedelta(days=1 + ((p + e) * 11) % 61 if (p + e) % 3 else 1)
        for e in range(3):
            if (p + e) % 8 == 0:
                continue  # an episode that ended without a relay
            handoff_id += 1
            from_id = first_episode + e
            ended = rows["episodes"][from_id - 1]["end_date"]
            proposed_on = ended - timedelta(days=(p + e) % 25)
            choice = (p * 3 + e) % 10
            status = (
                HandoffStatus.completed
                if choice < 6
                else HandoffStatus.accepted
                if choice < 8
                else HandoffStatus.declined
                if choice == 8
                else HandoffStatus.proposed
            )
            rows["handoffs"].append(
                {
                    "id": handoff_id,
                    "parcours_id": p,
                    "from_episode_id": from_id,
                    "to_episode_id": from_id + 1 if (p + e) % 9 else None,
                    "receiving_organisation_id": None if (p + e) % 9 else 1 + p % 10,
                    "to_person_and_family": False,
                    "status": status.name,
                    "declined_by": "service" if status is HandoffStatus.declined else None,
                    "objective_version_id": p
                    if agreed and status in (HandoffStatus.accepted, HandoffStatus.completed)
                    else None,
                    "proposed_on": proposed_on,
                    "person_involved": (p + e) % 4 != 0,
                    "person_confirmed": True if (p + e) % 4 != 1 else None,
                    "services_in_contact": (p + e) % 5 != 0,
                    "meaning_note": "Ce qui compte pour la personne." if (p + e) % 3 else "",
                    "created_by_id": pro,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            event_row = {"handoff_id": handoff_id, "member_id": pro}
            rows["events"].append(
                {
                    **event_row,
                    "kind": HandoffEventKind.proposed.name,
                    "created_at": datetime.combine(proposed_on, datetime.min.time(), UTC),
                }
            )
            if status is not HandoffStatus.proposed:
                answered = proposed_on + timedelta(days=(p + 2 * e) % 30)
                kind = (
                    HandoffEventKind.declined
                    if status is HandoffStatus.declined
                    else HandoffEventKind.accepted
                )
                rows["events"].append(
                    {
                        **event_row,
                        "kind": kind.name,
                        "created_at": datetime.combine(answered, datetime.min.time(), UTC)
                        + timedelta(hours=12),
                    }
                )
        # Two adopted means: the person gave a stance on the first in four plans of five and
        # on the second in one plan of two; the family opposed the second in one plan of ten.
        for m in range(2):
            means_id += 1
            decided = at(-300 + (p * 13 + m * 50) % 290)
            rows["means"].append(
                {
                    "id": means_id,
                    "parcours_id": p,
                    "title": f"Moyen {m}",
                    "description": "",
                    "carried_by": "",
                    "category": None,
                    "author_id": pro,
                    "on_behalf_of_id": None,
                    "status": MeansStatus.adopted.name,
                    "created_at": decided - timedelta(days=20),
                }
            )
            if (m == 0 and p % 5) or (m == 1 and p % 2):
                rows["stances"].append(
                    {
                        "means_id": means_id,
                        "member_id": person,
                        "value": StanceValue.support.name,
                        "comment": "",
                        "author_id": person,
                        "created_at": decided - timedelta(days=5),
                    }
                )
            if m == 1 and p % 10 == 3:
                rows["stances"].append(
                    {
                        "means_id": means_id,
                        "member_id": family,
                        "value": StanceValue.oppose.name,
                        "comment": "",
                        "author_id": family,
                        "created_at": decided - timedelta(days=4),
                    }
                )
            decision_id += 1
            rows["decisions"].append(
                {
                    "id": decision_id,
                    "means_id": means_id,
                    "outcome": Outcome.adopted.name,
                    "rationale": "",
                    "decided_by_id": pro,
                    "created_at": decided,
                }
            )
            rows["participants"].append({"decision_id": decision_id, "member_id": pro})
            # Three commitments per means: the pro, the family, a colleague or the pro again;
            # due over the last year (a few later), kept early, late or not at all.
            for c in range(3):
                commitment_id += 1
                who = (pro, family, other or pro)[c]
                due = day - timedelta(days=(p * 17 + c * 101 + m * 37) % 400 - 20)
                kept = (p + c + m) % 4
                rows["commitments"].append(
                    {
                        "id": commitment_id,
                        "parcours_id": p,
                        "means_id": means_id,
                        "member_id": who,
                        "action": "Appeler",
                        "due_on": due,
                        "kept_at": None
                        if kept == 0
                        else datetime.combine(due, datetime.min.time(), UTC)
                        + timedelta(days=-3 if kept < 3 else 5, hours=10),
                        "kept_by_id": None if kept == 0 else who,
                        "created_by_id": pro,
                        "cancelled_at": None,
                        "created_at": decided,
                    }
                )
        if p % 5 != 4:
            rows["voices"].append(
                {
                    "parcours_id": p,
                    "member_id": person,
                    "number": 1,
                    "matters": "Le jardin",
                    "author_id": person if p % 3 else pro,
                    "created_at": at(-500),
                }
            )
    with app.app_context(), db.engine.begin() as connection:
        for table, data in [
            (Organisation.__table__, organisations),
            (User.__table__, rows["users"]),
            (Parcours.__table__, rows["parcours"]),
            (Member.__table__, rows["members"]),
            (ObjectiveVersion.__table__, rows["versions"]),
            (Approval.__table__, rows["approvals"]),
            (Episode.__table__, rows["episodes"]),
            (Handoff.__table__, rows["handoffs"]),
            (HandoffEvent.__table__, rows["events"]),
            (Means.__table__, rows["means"]),
            (Stance.__table__, rows["stances"]),
            (Decision.__table__, rows["decisions"]),
            (decision_participants, rows["participants"]),
            (Commitment.__table__, rows["commitments"]),
            (Voice.__table__, rows["voices"]),
            (
                ObserverScope.__table__,
                [
                    {
                        "user_id": ORGANISATIONS + 1,
                        "territory": territory,
                        "organisation_id": organisation,
                        "created_at": now,
                    }
                    for territory, organisation in ((TERRITORY, None), (None, 1))
                ],
            ),
        ]:
            _bulk(connection, table, data)
        if connection.dialect.name == "postgresql":
            for table in (
                "organisations",
                "users",
                "parcours",
                "members",
                "objective_versions",
                "episodes",
                "handoffs",
                "means",
                "decisions",
                "commitments",
            ):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
        connection.execute(text("ANALYZE"))


@contextmanager
def counting(app):
    counter = {"n": 0}

    def before(*args, **kwargs):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def timed(app, work, repeat: int = 1) -> tuple[float, int]:
    """The median seconds of `work` (run in a fresh app context, committed) and the SQL
    statements of its first run."""
    timings = []
    statements = 0
    for index in range(repeat):
        with counting(app) as counter, app.app_context():
            started = time.perf_counter()
            work()
            db.session.commit()
            timings.append(time.perf_counter() - started)
        if index == 0:
            statements = counter["n"]
    return statistics.median(timings), statements


def emptied_derived(app) -> None:
    """Forget the observatory's snapshots, so that the next measure computes them all."""
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        for name in DERIVED:
            if name in tables:
                db.session.execute(delete(db.metadata.tables[name]))
        db.session.commit()


def page_seconds(app, path: str, repeat: int) -> float:
    """The median time of the observatory page, signed in as the observer."""
    with app.app_context():
        observer = db.session.scalar(select(User).where(User.email == OBSERVER))
        key = start_login_session(observer).key
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each warm measure")
    parser.add_argument("--postgresql", metavar="URL", help="measure on this database")
    parser.add_argument("--sqlite", metavar="PATH", help="SQLite file kept between runs")
    parser.add_argument("--rebuild", action="store_true", help="build the plans again")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.sqlite or str(Path(tmp) / "bench.sqlite")
        url = args.postgresql or f"sqlite:///{path}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "bench.test"})
        app.instance_path = tmp
        database = url.split(":")[0]
        if args.rebuild or not _built(app, args.plans):
            _reset(app)
            started = time.perf_counter()
            build(app, args.plans)
            print(f"{database}: built {args.plans} plans in {time.perf_counter() - started:.1f} s")
        else:
            print(f"{database}: {args.plans} plans kept from an earlier run")
        with app.app_context():
            counts = {
                name: db.session.scalar(select(func.count()).select_from(model))
                for name, model in (
                    ("episodes", Episode),
                    ("hand-offs", Handoff),
                    ("commitments", Commitment),
                    ("means", Means),
                )
            }
        print("  " + ", ".join(f"{count} {name}" for name, count in counts.items()))

        def baseline():
            db.session.execute(select(Parcours.id, Parcours.person_name)).all()

        base, _n = timed(app, baseline, repeat=max(args.repeat, 5))
        print(f"baseline, one select of every plan's id and name: {base * 1000:.1f} ms")

        end = today()
        start = end - timedelta(days=observatory_figures.DEFAULT_DAYS)
        territory = Scope(territory=TERRITORY)
        organisation = Scope(organisation_id=1, name="Service 1")

        def line(label: str, seconds: float, statements: int) -> None:
            print(
                f"{label:<52} {seconds:7.3f} s  {statements:4d} statements  "
                f"x{seconds / base:6.1f} baseline"
            )

        def figures_of(scope, first=start, last=end):
            return lambda: compute_figures(scope, first, last)

        emptied_derived(app)
        line("territory, cold (no snapshot)", *timed(app, figures_of(territory)))
        line("territory, warm", *timed(app, figures_of(territory), args.repeat))
        emptied_derived(app)
        line("organisation, cold (no snapshot)", *timed(app, figures_of(organisation)))
        line("organisation, warm", *timed(app, figures_of(organisation), args.repeat))
        timed(app, figures_of(territory))  # the territory's other plans, computed again
        line("territory, warm again", *timed(app, figures_of(territory), args.repeat))

        def changed():
            bump_revisions([1, 2, 3])

        timed(app, changed)
        line("territory, after a change in 3 plans", *timed(app, figures_of(territory)))
        past = figures_of(territory, start - timedelta(days=180), end - timedelta(days=180))
        line("territory, a period that ended 6 months ago", *timed(app, past, args.repeat))
        with app.app_context():
            for label, scope in (("territory", territory), ("organisation", organisation)):
                found = compute_figures(scope, start, end)
                digest = hashlib.sha256(repr(found).encode()).hexdigest()[:16]
                print(
                    f"  {label}: {found.plans.value} plans, {len(found.transitions)} transitions, "
                    f"{len(found.commitments)} organisations' commitments, ruptures "
                    f"{ {k: c.shown for k, c in found.ruptures.items()} }; digest {digest}"
                )
        seconds = page_seconds(app, f"/observatory?territory={TERRITORY}", args.repeat)
        print(
            f"{'page /observatory?territory=37, warm':<52} {seconds:7.3f} s"
            f"{'':18}x{seconds / base:6.1f} baseline"
        )


if __name__ == "__main__":
    main()
