"""Benchmark of the timeline: the caseload page, one timeline page, and the checks alone.

Builds a caseload of 2,000 parcours x 20 episodes x 19 hand-offs with bulk inserts in a
temporary SQLite database (or PostgreSQL with --postgresql URL, whose tables are dropped and
rebuilt), then measures through the app's test client, signed in as the professional who
belongs to every parcours. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/timeline.py
    .venv/bin/python benchmarks/timeline.py --parcours 500 --requests 20
    .venv/bin/python benchmarks/timeline.py --postgresql postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import event, insert, text

from parcours import create_app
from parcours.accounts.models import Organisation, User
from parcours.accounts.operations import start_login_session
from parcours.alliance.models import Approval, ObjectiveVersion
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Parcours, Role
from parcours.timeline.checks import EpisodeData, TimelineInput, compute_flags
from parcours.timeline.models import (
    Episode,
    EpisodeKind,
    Handoff,
    HandoffEvent,
    HandoffEventKind,
    HandoffStatus,
)

KINDS = [k for k in EpisodeKind if k is not EpisodeKind.pause]
STATUSES = [HandoffStatus.completed, HandoffStatus.accepted, HandoffStatus.proposed]
BATCH = 5_000


def _reset(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")


def _bulk(connection, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(model.__table__), rows[start : start + BATCH])


def build(app, n_parcours: int, n_episodes: int, big_episodes: int) -> dict:
    """Insert the caseload; returns the ids the measures need."""
    now = datetime.now(UTC)
    day = today()
    with app.app_context(), db.engine.begin() as connection:
        _bulk(
            connection,
            Organisation,
            [
                {"id": i, "name": f"Service {i}", "key": f"service {i}", "created_at": now}
                for i in range(1, 51)
            ],
        )
        users = [
            {
                "id": 1,
                "email": "claire@bench.test",
                "login_name": None,
                "name": "Claire",
                "password_hash": "x",
                "is_professional": True,
                "organisation_id": 1,
                "is_admin": False,
                "active": True,
                "created_at": now,
            }
        ]
        users += [
            {
                "id": 1 + p,
                "email": None,
                "login_name": f"person{p}",
                "name": f"Person {p}",
                "password_hash": "x",
                "is_professional": False,
                "organisation_id": None,
                "is_admin": False,
                "active": True,
                "created_at": now,
            }
            for p in range(1, n_parcours + 2)
        ]
        _bulk(connection, User, users)
        parcours, members, versions, approvals = [], [], [], []
        episodes, handoffs, events = [], [], []
        episode_id = handoff_id = 0
        # One more parcours than the caseload's size: the one with many episodes.
        for p in range(1, n_parcours + 2):
            count = big_episodes if p == n_parcours + 1 else n_episodes
            parcours.append(
                {
                    "id": p,
                    "person_name": f"Person {p}",
                    "tolerance_days": 14,
                    "closed_on": None,
                    "created_at": now,
                }
            )
            pro, person = 2 * p - 1, 2 * p
            common = {"parcours_id": p, "is_pilot": False, "is_legal_representative": False}
            members.append(
                {
                    "id": pro,
                    "user_id": 1,
                    "role": Role.professional.name,
                    "organisation_id": 1,
                    "joined_at": now,
                    **common,
                }
            )
            members.append(
                {
                    "id": person,
                    "user_id": 1 + p,
                    "role": Role.person.name,
                    "organisation_id": None,
                    "joined_at": now,
                    **common,
                }
            )
            versions.append(
                {
                    "id": p,
                    "parcours_id": p,
                    "number": 1,
                    "text": "Que la personne se développe bien.",
                    "perimeter_in": "",
                    "perimeter_out": "",
                    "indicators": "",
                    "author_id": pro,
                    "agreed_at": now,
                    "created_at": now,
                }
            )
            approvals += [
                {"version_id": p, "member_id": pro, "created_at": now},
                {"version_id": p, "member_id": person, "created_at": now},
            ]
            # Consecutive episodes of ~100 days, some with gaps; a parcours in ten has its
            # last episode ended a month ago (an ongoing rupture).
            start = day - timedelta(days=count * 100)
            first = episode_id + 1
            for e in range(count):
                episode_id += 1
                length = 90 + (p * 7 + e * 13) % 20
                end = start + timedelta(days=length)
                last = e == count - 1
                if last:
                    start = min(start, day - timedelta(days=120))
                    end = day - timedelta(days=30) if p % 10 == 0 else None
                episodes.append(
                    {
                        "id": episode_id,
                        "parcours_id": p,
                        "organisation_id": 1 + (p + e) % 50,
                        "kind": KINDS[(p + e) % len(KINDS)].name,
                        "label": f"Service {1 + (p + e) % 50}",
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
                    start = end + timedelta(days=1 + (20 if (p + e) % 9 == 0 else 0))
            for e in range(count - 1):
                handoff_id += 1
                from_id = first + e
                status = STATUSES[(p + e) % 3] if e >= count - 3 else HandoffStatus.completed
                proposed_on = episodes[from_id - 1]["end_date"] - timedelta(days=10)
                handoffs.append(
                    {
                        "id": handoff_id,
                        "parcours_id": p,
                        "from_episode_id": from_id,
                        "to_episode_id": from_id + 1,
                        "receiving_organisation_id": None,
                        "to_person_and_family": False,
                        "status": status.name,
                        "proposed_on": proposed_on,
                        "person_involved": (p + e) % 4 != 0,
                        "services_in_contact": (p + e) % 5 != 0,
                        "meaning_note": "Ce qui compte pour la personne." if e % 3 else "",
                        "created_by_id": pro,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                events.append(
                    {
                        "handoff_id": handoff_id,
                        "kind": HandoffEventKind.proposed.name,
                        "member_id": pro,
                        "created_at": now,
                    }
                )
                if status is not HandoffStatus.proposed:
                    events.append(
                        {
                            "handoff_id": handoff_id,
                            "kind": HandoffEventKind.accepted.name,
                            "member_id": pro,
                            "created_at": now,
                        }
                    )
        for model, rows in [
            (Parcours, parcours),
            (Member, members),
            (ObjectiveVersion, versions),
            (Approval, approvals),
            (Episode, episodes),
            (Handoff, handoffs),
            (HandoffEvent, events),
        ]:
            _bulk(connection, model, rows)
        if connection.dialect.name == "postgresql":
            for table in (
                "organisations",
                "users",
                "parcours",
                "members",
                "objective_versions",
                "episodes",
                "handoffs",
            ):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    return {
        "user_id": 1,
        "small": 1,
        "big": n_parcours + 1,
        "episodes": episode_id,
        "handoffs": handoff_id,
    }


def _signed_in_client(app, user_id: int):
    with app.app_context():
        key = start_login_session(db.session.get(User, user_id)).key
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
    return client


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


def measure(app, client, url: str, repeat: int) -> dict:
    """Median and p95 over `repeat` requests (after one warm-up), and the queries of one."""
    with counting(app) as counter:
        started = time.perf_counter()
        response = client.get(url)
        first = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[min(len(timings) - 1, math.ceil(0.95 * len(timings)) - 1)]
    return {
        "first_ms": first * 1000,
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": p95 * 1000,
        "queries": counter["n"],
        "bytes": len(response.data),
    }


def _chain(n: int) -> TimelineInput:
    episodes = []
    start = date(2000, 1, 1)
    for index in range(n):
        end = start + timedelta(days=20)
        episodes.append(EpisodeData(index, f"E{index}", start, end, is_pause=index % 7 == 0))
        start = end + timedelta(days=1 + index % 30)
    return TimelineInput("Léa", start + timedelta(days=100), episodes=tuple(episodes))


def time_checks(n: int, repeat: int) -> float:
    """Best time of `compute_flags` on one parcours of n episodes (shuffled input order)."""
    data = _chain(n)
    data = TimelineInput(data.person_name, data.today, episodes=data.episodes[::-1])
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        compute_flags(data)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcours", type=int, default=2000)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--big", type=int, default=200, help="episodes of the large timeline")
    parser.add_argument("--requests", type=int, default=30, help="requests per page measured")
    parser.add_argument("--postgresql", metavar="URL", help="measure on this database instead")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgresql or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "bench.test"})
        app.instance_path = tmp
        _reset(app)
        started = time.perf_counter()
        ids = build(app, args.parcours, args.episodes, args.big)
        print(
            f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}; built "
            f"{args.parcours + 1} parcours, {ids['episodes']} episodes, {ids['handoffs']} "
            f"hand-offs in {time.perf_counter() - started:.1f} s"
        )
        client = _signed_in_client(app, ids["user_id"])

        caseload = measure(app, client, "/caseload", args.requests)
        print(
            f"caseload page ({args.parcours + 1} parcours): first request "
            f"{caseload['first_ms']:.0f} ms ({caseload['queries']} queries), then median "
            f"{caseload['median_ms']:.1f} ms, p95 {caseload['p95_ms']:.1f} ms"
        )
        # A change in one parcours makes only its snapshot stale.
        response = client.post(
            f"/parcours/{ids['small']}/timeline/episodes/new",
            data={
                "kind": "hospital",
                "organisation": "CHU",
                "start_date": today().isoformat(),
                "referent_member_id": "0",
            },
        )
        assert response.status_code == 302, response.status_code
        started = time.perf_counter()
        client.get("/caseload")
        print(
            "caseload page after a change in one parcours: "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )
        api = measure(app, client, "/caseload?kind=ongoing_rupture", args.requests)
        print(
            f"caseload page filtered by kind: median {api['median_ms']:.1f} ms, "
            f"p95 {api['p95_ms']:.1f} ms"
        )
        for _label, pid, n in [
            ("small", ids["small"], args.episodes),
            ("large", ids["big"], args.big),
        ]:
            page = measure(app, client, f"/parcours/{pid}/timeline", args.requests)
            print(
                f"timeline page, {n} episodes: median {page['median_ms']:.1f} ms, "
                f"p95 {page['p95_ms']:.1f} ms, {page['queries']} queries, "
                f"{page['bytes'] // 1024} KiB"
            )

    small, large = time_checks(1_000, 20), time_checks(10_000, 5)
    ratio = large / small
    nlogn = (10_000 * math.log(10_000)) / (1_000 * math.log(1_000))
    print(
        f"compute_flags alone: 1,000 episodes {small * 1000:.2f} ms, 10,000 episodes "
        f"{large * 1000:.2f} ms: ratio {ratio:.1f} (n log n predicts {nlogn:.1f}, "
        f"n^2 would be 100)"
    )


if __name__ == "__main__":
    main()
