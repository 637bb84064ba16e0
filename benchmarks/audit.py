"""Benchmark of the access log's chain: appending entries, and `audit verify` over a big log.

Builds a log of --plans plans x --entries entries each, written through the app's own
`_append` (the chain, the head lock) in batches, in a temporary SQLite database (or
PostgreSQL with --postgresql URL, whose tables are dropped and rebuilt). Then times, in the
same process: a plain read of every entry (the baseline), `verify_chains()` over the same
rows, and appending one page's read entry with and without the chain (a bare INSERT as the
baseline). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/audit.py
    .venv/bin/python benchmarks/audit.py --plans 200 --entries 1000
    .venv/bin/python benchmarks/audit.py --postgresql postgresql+psycopg://postgres@127.0.0.1/test_bench
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import g
from flask_migrate import upgrade
from sqlalchemy import insert, select, text

from parcours import create_app
from parcours.accounts.models import User
from parcours.core.audit import Access, AccessLogEntry, _append, _entry, verify_chains
from parcours.extensions import db
from parcours.plans.models import Parcours


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


def _timed(work, repeat: int = 1) -> float:
    """The median wall time of `work`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=100)
    parser.add_argument("--entries", type=int, default=1000, help="entries per plan")
    parser.add_argument("--postgresql", help="a PostgreSQL URL (its tables are replaced)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.postgresql or f"sqlite:///{folder}/audit.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _reset(url)
        upgrade(directory=app.extensions["migrate"].directory)
        user = User(email="bench@example.org", name="Bench", password_hash="x")
        db.session.add(user)
        plans = [Parcours(person_name=f"P{n}") for n in range(args.plans)]
        db.session.add_all(plans)
        db.session.commit()
        ids = [p.id for p in plans]
        user_id = user.id

        start = time.perf_counter()
        batch = 100
        for _ in range(0, args.entries, batch):
            _append(
                [
                    _entry(pid, user_id, Access.read, "parcours", None, None)
                    for pid in ids
                    for _ in range(batch)
                ]
            )
            db.session.commit()
        total = args.plans * args.entries
        built = time.perf_counter() - start

        def plain_read():
            for _ in db.session.execute(
                select(AccessLogEntry.__table__).execution_options(yield_per=2000)
            ):
                pass

        read = _timed(plain_read, 3)
        verified = verify_chains()
        verify = _timed(verify_chains, 3)
        assert verified.broken is None and verified.entries == total

        numbers = iter(range(1, 10**9))

        def bare_insert():
            """The INSERT a page's read was before the chain (in a log of its own)."""
            row = _entry(-1, user_id, Access.read, "parcours", None, None)
            row.update(seq=next(numbers), previous_hash="", hash="")
            db.session.execute(insert(AccessLogEntry.__table__), [row])
            db.session.commit()

        def chained_append():
            _append([_entry(ids[0], user_id, Access.read, "parcours", None, None)])
            db.session.commit()

        # As after a page: the transaction that only writes what the page read.
        db.session.remove()
        with app.test_request_context("/"):
            g.parcours_writing = True
            bare = _timed(bare_insert, 300)
            chained = _timed(chained_append, 300)
        db.session.execute(
            AccessLogEntry.__table__.delete().where(AccessLogEntry.parcours_id == -1)
        )
        db.session.commit()
        dialect = db.engine.dialect.name

    print(f"database: {dialect}")
    print(f"log: {args.plans} plans x {args.entries} entries = {total:,} entries")
    print(f"built through the chain in {built:.1f} s ({total / built:,.0f} entries/s)")
    print()
    print(f"{'':32} {'seconds':>9} {'entries/s':>12} {'x baseline':>11}")
    print(f"{'plain read of every entry':32} {read:9.3f} {total / read:12,.0f} {1:11.2f}")
    rate = total / verify
    print(f"{'audit verify (every link)':32} {verify:9.3f} {rate:12,.0f} {verify / read:11.2f}")
    print()
    print(f"{'':32} {'ms':>9} {'x baseline':>11}")
    print(f"{'one read entry, bare INSERT':32} {bare * 1000:9.2f} {1:11.2f}")
    print(f"{'one read entry, chained':32} {chained * 1000:9.2f} {chained / bare:11.2f}")
    print()
    print("x baseline: the row's time over the first row of its table, in this process.")
    print("Each append is its own transaction with its commit, as a page's read entry is (the")
    print("transaction that only records what a page read: synchronous=NORMAL on SQLite,")
    print("synchronous_commit=off on PostgreSQL).")


if __name__ == "__main__":
    main()
