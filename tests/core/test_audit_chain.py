"""The access log is chained per plan: changing, removing or adding an entry shows, `audit
verify` names the first broken link, and a deleted plan's log is kept for the retention
period, then purged."""

import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from parcours.accounts.models import User
from parcours.core.audit import (
    Access,
    AccessLogEntry,
    AccessLogHead,
    record,
    record_reads,
    verify_chains,
)
from parcours.core.models import utcnow
from parcours.core.names import FORMER_MEMBER_MARK
from parcours.extensions import db
from parcours.plans.models import Member, Parcours, Role
from parcours.privacy.closing import close_account
from tests.factories import PASSWORD


def _entries(parcours_id: int) -> list[AccessLogEntry]:
    return db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.parcours_id == parcours_id)
        .order_by(AccessLogEntry.seq)
    ).all()


def _plan_with_a_log(api, make) -> Member:
    """A plan whose log holds a few changes and reads."""
    pro = make.parcours()
    family = make.member(pro, Role.family)
    client = api(pro.user)
    for _ in range(3):
        assert client.get(f"/api/v1/parcours/{pro.parcours_id}").status_code == 200
    assert client.designate_pilot(pro.parcours_id, family.id).status_code < 300
    return pro


def test_each_entry_holds_the_hash_of_the_one_before(app, ctx, api, make):
    pro = _plan_with_a_log(api, make)
    entries = _entries(pro.parcours_id)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].previous_hash == ""
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.hash and len(after.hash) == 64
    head = db.session.get(AccessLogHead, pro.parcours_id)
    assert (head.seq, head.hash, head.ended_at) == (entries[-1].seq, entries[-1].hash, None)
    result = verify_chains()
    assert result.broken is None
    assert result.entries >= len(entries)


def test_the_log_names_members_by_their_account_not_in_words(app, ctx, api, make):
    pro = _plan_with_a_log(api, make)
    [designated] = [e for e in _entries(pro.parcours_id) if e.event == "pilot.designated"]
    family = db.session.scalars(
        select(Member).where(Member.parcours_id == pro.parcours_id, Member.role == Role.family)
    ).one()
    assert designated.detail is None and designated.subject_id == family.user_id
    assert designated.subject_name == family.user.name
    assert designated.description == f"a désigné {family.user.name} comme pilote"


TAMPERING = {
    "a detail changed": (
        lambda e: update(AccessLogEntry).where(AccessLogEntry.id == e.id).values(detail="forged"),
        "its detail was changed after it was written",
    ),
    "an event changed": (
        lambda e: update(AccessLogEntry).where(AccessLogEntry.id == e.id).values(event="members"),
        "the entry was changed after it was written",
    ),
    "a time changed": (
        lambda e: (
            update(AccessLogEntry)
            .where(AccessLogEntry.id == e.id)
            .values(created_at=e.created_at + timedelta(seconds=1))
        ),
        "the entry was changed after it was written",
    ),
    "an entry removed": (
        lambda e: delete(AccessLogEntry).where(AccessLogEntry.id == e.id),
        "is missing before it",
    ),
    "a hash recomputed without the one before": (
        lambda e: (
            update(AccessLogEntry).where(AccessLogEntry.id == e.id).values(previous_hash="0" * 64)
        ),
        "does not hold the hash of the entry before it",
    ),
}


@pytest.mark.parametrize("tampering", TAMPERING, ids=list(TAMPERING))
def test_verify_names_the_first_broken_link(app, ctx, api, make, tampering):
    pro = _plan_with_a_log(api, make)
    entries = _entries(pro.parcours_id)
    # The second read: its detail is empty, so give it one to change.
    target = entries[2]
    statement, reason = TAMPERING[tampering]
    db.session.execute(statement(target))
    result = verify_chains()
    assert result.broken is not None
    assert result.broken.parcours_id == pro.parcours_id
    assert reason in result.broken.reason
    # Named at the entry changed, or at the one after the entry removed.
    assert result.broken.seq == target.seq + (1 if "removed" in tampering else 0)


def test_a_cut_end_and_a_log_removed_whole_show(app, ctx, api, make):
    pro = _plan_with_a_log(api, make)
    last = _entries(pro.parcours_id)[-1]
    db.session.execute(delete(AccessLogEntry).where(AccessLogEntry.id == last.id))
    broken = verify_chains().broken
    assert broken.parcours_id == pro.parcours_id and broken.seq is None
    assert f"cut after entry {last.seq - 1}" in broken.reason
    db.session.execute(delete(AccessLogEntry).where(AccessLogEntry.parcours_id == pro.parcours_id))
    assert "every entry of its log was removed" in verify_chains().broken.reason


def test_an_erased_name_keeps_the_chain_verified(app, ctx, make):
    """A name an earlier version wrote as a detail is erased when its owner closes their
    account: the detail reads "a former member", the chain still verifies."""
    pro = make.parcours()
    family = make.member(pro, Role.family)
    by = db.session.get(User, pro.user_id)
    name = family.user.name
    record(pro.parcours_id, by, Access.change, "voice.saved", name)
    record(pro.parcours_id, by, Access.change, "settings.tolerance", "45")
    db.session.commit()
    close_account(db.session.get(User, family.user_id), PASSWORD)
    db.session.commit()
    details = [e.detail for e in _entries(pro.parcours_id)]
    assert name not in details and FORMER_MEMBER_MARK in details and "45" in details
    assert verify_chains().broken is None


def test_two_writers_never_chain_onto_the_same_entry(app, ctx, api, make):
    """Requests reading the same plan at once each get their own link (a single session
    here, one connection per thread in the committing test below)."""
    pro = _plan_with_a_log(api, make)
    before = len(_entries(pro.parcours_id))
    client = api(pro.user)
    for _ in range(5):
        client.get(f"/api/v1/parcours/{pro.parcours_id}/members")
    assert len(_entries(pro.parcours_id)) == before + 5
    assert verify_chains().broken is None


@pytest.mark.committing  # one connection per thread: the head's lock is what keeps them apart
def test_concurrent_reads_of_one_plan_chain_one_after_the_other(app, make):
    pro = make.parcours()
    token = make.api_token(pro.user)
    url = f"/api/v1/parcours/{pro.parcours_id}"
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def read():
        client = app.test_client()
        barrier.wait(timeout=10)
        for _ in range(5):
            response = client.get(url, headers={"Authorization": f"Bearer {token}"})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 30
    with app.app_context():
        entries = _entries(pro.parcours_id)
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert sum(e.event == "parcours" for e in entries) == 30
        assert verify_chains().broken is None


@pytest.mark.committing
def test_concurrent_logs_of_several_plans_each_chain_in_order(app, make):
    """Pages showing several plans (home, "For me") log them together, in any order: no
    two writers chain onto the same entry, and none waits on another in a circle."""
    plans = [make.parcours() for _ in range(3)]
    ids = [pro.parcours_id for pro in plans]
    user_id = plans[0].user.id
    orders = [ids, ids[::-1], ids[1:] + ids[:1], ids[:2]]
    barrier = threading.Barrier(len(orders))
    done = []

    def log(order):
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.commit()  # SQLite: not holding the write lock while the others wait
            barrier.wait(timeout=10)
            for _ in range(8):
                record_reads(order, user, "parcours")
                db.session.commit()
            done.append(order)

    threads = [threading.Thread(target=log, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(done) == len(orders)
    with app.app_context():
        for pid in ids:
            entries = _entries(pid)
            assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
            expected = 8 * sum(pid in order for order in orders)
            assert sum(e.event == "parcours" for e in entries) == expected
        assert verify_chains().broken is None


def test_a_deleted_plans_log_is_kept_then_purged_after_the_retention_period(app, ctx, make):
    alone = make.parcours()
    kept = make.parcours()
    close_account(db.session.get(User, alone.user_id), PASSWORD)
    db.session.commit()
    assert db.session.get(Parcours, alone.parcours_id) is None
    entries = _entries(alone.parcours_id)
    assert [e.event for e in entries][-1] == "parcours.deleted"
    head = db.session.get(AccessLogHead, alone.parcours_id)
    assert head.ended_at is not None and head.seq == entries[-1].seq
    assert verify_chains().broken is None

    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "0 entries of the access logs" in result.output
    assert _entries(alone.parcours_id) == entries

    db.session.execute(
        update(AccessLogHead)
        .where(AccessLogHead.parcours_id == alone.parcours_id)
        .values(ended_at=utcnow() - timedelta(days=366))
    )
    db.session.commit()
    result = runner.invoke(args=["retention", "purge"])
    assert f"{len(entries)} entries of the access logs" in result.output
    assert _entries(alone.parcours_id) == []
    assert db.session.get(AccessLogHead, alone.parcours_id) is None
    assert _entries(kept.parcours_id) != []
    assert verify_chains().broken is None


def test_the_audit_verify_command(app, ctx, api, make):
    pro = _plan_with_a_log(api, make)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "every link verified" in result.output
    entry = _entries(pro.parcours_id)[1]
    db.session.execute(
        update(AccessLogEntry).where(AccessLogEntry.id == entry.id).values(event="forged")
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"plan {pro.parcours_id}, entry {entry.seq} (id {entry.id})" in result.output
