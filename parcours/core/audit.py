"""The access log: who read or changed what in a parcours, and when. No one can rewrite it
unseen.

Each plan's entries form a chain: an entry holds its number in the plan's log (`seq`), the
hash of the entry before (`previous_hash`) and its own hash, computed over what it says
(`link_hash`). Changing, removing or inserting an entry breaks the chain from there on;
`verify_chains` (the command `flask --app wsgi audit verify`) names the first broken link.
The plan's last link is kept in `access_log_heads`, so that cutting the end of a log is seen
too. Appending locks the plan's head row (a transaction waits for another writing the same
plan's log), so that two requests never chain onto the same entry.

An entry names no one in words: the member it is about is `subject_id` (shown by their name
as it is today, "a former member" once their account is closed), and a detail is a number, a
date, a file name or a removal's reason. The detail's hash is salted (`detail_salt`): erasing
a detail that held a name (written by an earlier version) drops the salt and keeps the
digest, so the chain still verifies and the digest alone cannot be matched to a name.

The log outlives a deleted plan (the entries have no foreign key to `parcours`): its head
then records when the plan ended, and `purge_ended_logs` deletes it once the retention period
is over (`flask --app wsgi retention purge`).
"""

import enum
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    bindparam,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours.core.database import STANDS_ALONE
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import EnumType, UTCDateTime, run_statement, utcnow
from parcours.core.names import FORMER_MEMBER_MARK, shown_name
from parcours.core.signals import parcours_changed
from parcours.core.transactions import after_response
from parcours.extensions import db


class Access(enum.Enum):
    read = "read"  # a page or an API resource of the parcours was shown
    change = "change"  # something in the parcours was written


# What each entry says, by event code. `%(detail)s` is a name, a number or a date, never
# words, so that the log reads in every language. Domain packages add their own events.
EVENTS: dict[str, object] = {
    # reads
    "parcours": _l("read the overview"),
    "members": _l("read the members"),
    "settings": _l("read the settings"),
    "consents": _l("read the consents"),
    "voices": _l("read the points of view"),
    "objective": _l("read the objective"),
    "access_log": _l("read this log"),
    "caseload": _l("saw the plan in their caseload"),
    # exports (a read that leaves with a copy)
    "export": _l("downloaded %(detail)s"),
    "export.fhir": _l("exported the plan as a FHIR file"),
    "my_data": _l("downloaded their personal data, with what they wrote in this plan"),
    # changes
    "parcours.created": _l("created the plan"),
    "invitation.created": _l("created an invitation"),
    "invitation.revoked": _l("withdrew an invitation"),
    "member.joined": _l("joined the plan"),
    "member.left": _l("left the plan"),
    "member.removed": _l("removed %(subject)s (reason: %(detail)s)"),
    "invitation.inviter_gone": _l("is no longer a member: an invitation they created is withdrawn"),
    "member.account_closed": _l("closed their account and left the plan"),
    "invitation.addressee_gone": _l(
        "closed their account: the invitation sent to them is withdrawn"
    ),
    "pilot.designated": _l("designated %(detail)s as pilot"),
    "reset_card.created": _l("printed a card for %(subject)s to choose a new password"),
    "voice.saved": _l("wrote the point of view of %(detail)s"),
    "objective.version": _l("wrote version %(detail)s of the objective"),
    "objective.approved": _l("approved version %(detail)s of the objective"),
    "objective.approval_withdrawn": _l(
        "withdrew their approval of version %(detail)s of the objective"
    ),
    "objective.not_yet": _l("does not agree yet with version %(detail)s of the objective"),
    "settings.tolerance": _l("set the rupture tolerance to %(detail)s days"),
    "settings.closed": _l("closed the plan on %(detail)s"),
    "settings.reopened": _l("reopened the plan"),
    # The rules of the plan, with the pilot's reason (parcours/plans/operations.py).
    "rules.tolerance": _l("changed the rupture tolerance (in days): %(detail)s"),
    "rules.close_requested": _l("asked to close the plan on %(detail)s"),
    "rules.close_confirmed": _l("agreed to close the plan on %(detail)s"),
    "rules.close_refused": _l("refused to close the plan"),
    "rules.close_withdrawn": _l("withdrew the request to close the plan"),
    "rules.closed_unconfirmed": _l(
        "closed the plan on %(detail)s (no person or legal representative could confirm)"
    ),
    "rules.reopened": _l("reopened the plan: %(detail)s"),
    # Consent before sharing the plan with a new organisation (parcours/plans/consent.py).
    "consent.asked": _l("asked the person's consent to share the plan with %(detail)s"),
    "consent.given": _l("agreed to share the plan with %(detail)s"),
    "consent.refused": _l("refused to share the plan with %(detail)s"),
    "consent.withdrawn": _l("withdrew their consent to share the plan with %(detail)s"),
    "invitation.consent_refused": _l("withdrew an invitation: consent refused"),
    "parcours.deleted": _l("closed their account as the last member: the plan is deleted"),
}


# The events of an earlier version whose detail was a member's name in words: erased when that
# member closes their account (today's entries name the member by `subject_id` instead).
NAME_EVENTS = {
    "pilot.designated",
    "voice.saved",
    "stance.on_behalf",
    "commitment.created",
    "commitment.kept",
}


class AccessLogEntry(db.Model):
    """One read or change of a parcours by one user. Append-only, chained per plan."""

    __tablename__ = "access_log_entries"
    __table_args__ = (
        Index("ix_access_log_entries_parcours_time", "parcours_id", "created_at"),
        # The changes of a plan by time, past its reads (a read is written for every page
        # seen: the news, which are changes, must not slow down as the reads pile up).
        Index("ix_access_log_entries_parcours_access_time", "parcours_id", "access", "created_at"),
        UniqueConstraint("parcours_id", "seq", name="uq_access_log_entries_parcours_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the log of a deleted plan is kept for the retention period.
    parcours_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    access: Mapped[Access] = mapped_column(EnumType(Access))
    event: Mapped[str] = mapped_column(String(40))
    # The member the entry is about (whose point of view, who became pilot, who was removed).
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[str | None] = mapped_column(String(200))
    detail_salt: Mapped[str | None] = mapped_column(String(32))
    detail_digest: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column()
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    user = relationship("User", lazy="raise", foreign_keys=[user_id])
    subject = relationship("User", lazy="joined", foreign_keys=[subject_id])

    @property
    def shown_detail(self) -> str | None:
        """The detail as the reader sees it (a closed account's name is not kept)."""
        return shown_name(self.detail)

    @property
    def subject_name(self) -> str | None:
        """The name of the member the entry is about, as it is today."""
        return self.subject.name if self.subject is not None else None

    @property
    def description(self) -> str:
        return describe_entry(self.event, self.detail, self.subject_name)


def describe_entry(event: str, detail: str | None, subject_name: str | None) -> str:
    """What an entry says. In a label, `%(subject)s` is the member it is about and
    `%(detail)s` its detail, or that member's name when it has no other."""
    label = EVENTS.get(event)
    if label is None:
        return event
    shown = shown_name(detail) or subject_name or ""
    return str(label) % {"detail": shown, "subject": subject_name or ""}


class AccessLogHead(db.Model):
    """The last link of a plan's log; when the plan was deleted, if it was (no foreign key:
    the head outlives the plan with its log)."""

    __tablename__ = "access_log_heads"

    parcours_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column()
    hash: Mapped[str] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


# The chain -------------------------------------------------------------------------------
# Never change what these three functions compute: every log written so far was chained with
# them (migration 0009 holds a copy, which chained the entries written before it).


def detail_digest(detail: str | None, salt: str | None) -> str:
    """The salted hash of an entry's detail ("" when there is none)."""
    if detail is None:
        return ""
    return hashlib.sha256(f"{salt}\x1f{detail}".encode()).hexdigest()


def link_hash(row: dict) -> str:
    """The hash of one entry: the hash before it, its place in the chain and what it says."""
    fields = (row["previous_hash"], str(row["parcours_id"]), str(row["seq"]), hashed_content(row))
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def hashed_content(row: dict) -> str:
    """What an entry says, as its hash covers it after its place in the chain (PostgreSQL
    chains an entry itself from this: `_APPEND_AT_ONCE`)."""
    at = row["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = (
        str(row["user_id"]),
        row["access"].value,
        row["event"],
        "" if row["subject_id"] is None else str(row["subject_id"]),
        row["detail_digest"],
        at,
    )
    return "\x1f".join(fields)


def _entry(parcours_id: int, user_id: int, access: Access, event: str, detail, subject) -> dict:
    detail = detail[:200] if detail else None
    salt = secrets.token_hex(16) if detail is not None else None
    return {
        "parcours_id": parcours_id,
        "user_id": user_id,
        "access": access,
        "event": event,
        "subject_id": subject.id if subject is not None else None,
        "detail": detail,
        "detail_salt": salt,
        "detail_digest": detail_digest(detail, salt),
        # Stored to the microsecond on both databases, so the hash reads back the same.
        "created_at": utcnow(),
    }


# Built once (every page appends): the plans' ids and the new heads are bound.
_HEADS = (
    select(
        AccessLogHead.__table__.c.parcours_id,
        AccessLogHead.__table__.c.seq,
        AccessLogHead.__table__.c.hash,
    )
    .where(AccessLogHead.__table__.c.parcours_id.in_(bindparam("ids", expanding=True)))
    .order_by(AccessLogHead.__table__.c.parcours_id)
    .with_for_update()
)
# Inline: the new entries' ids are not read back (PostgreSQL returned one with each page's).
_INSERT = AccessLogEntry.__table__.insert().inline()
_MOVE_HEAD = (
    update(AccessLogHead.__table__)
    .where(AccessLogHead.__table__.c.parcours_id == bindparam("pid"))
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)


# PostgreSQL: the whole append in one statement, one round trip instead of three (every page
# appends). The plans' heads are locked in the order of the plans, as below; each new entry is
# chained onto its plan's head by the server (the same hash as `link_hash`, over the hash before,
# the place and `hashed_content`), inserted, and the head moved on. Answers the plans chained: one
# without a head yet (its log's first entry) is left to `_append_in_steps`.
_APPEND_AT_ONCE = text(
    """
    WITH new AS (
        SELECT * FROM unnest(
            CAST(:parcours_ids AS integer[]), CAST(:user_ids AS integer[]),
            CAST(:accesses AS varchar[]), CAST(:events AS varchar[]),
            CAST(:subject_ids AS integer[]), CAST(:details AS varchar[]),
            CAST(:salts AS varchar[]), CAST(:digests AS varchar[]),
            CAST(:created AS timestamp[]), CAST(:contents AS varchar[])
        ) AS new (parcours_id, user_id, access, event, subject_id, detail, detail_salt,
                  detail_digest, created_at, content)
    ),
    head AS (
        SELECT parcours_id, seq, hash FROM access_log_heads
        WHERE parcours_id = ANY (CAST(:parcours_ids AS integer[]))
        ORDER BY parcours_id
        FOR UPDATE
    ),
    chained AS (
        SELECT new.*, head.seq + 1 AS seq, head.hash AS previous_hash,
            encode(sha256(convert_to(
                head.hash || chr(31) || new.parcours_id::text || chr(31)
                || (head.seq + 1)::text || chr(31) || new.content,
                'UTF8')), 'hex') AS hash
        FROM new JOIN head USING (parcours_id)
    ),
    entries AS (
        INSERT INTO access_log_entries (parcours_id, user_id, access, event, subject_id,
            detail, detail_salt, detail_digest, created_at, seq, previous_hash, hash)
        SELECT parcours_id, user_id, access, event, subject_id, detail, detail_salt,
            detail_digest, created_at, seq, previous_hash, hash
        FROM chained
    )
    UPDATE access_log_heads SET seq = chained.seq, hash = chained.hash
    FROM chained
    WHERE access_log_heads.parcours_id = chained.parcours_id
    RETURNING access_log_heads.parcours_id
    """
).execution_options(**STANDS_ALONE)


def _append(rows: list[dict]) -> None:
    """Chain the rows onto their plans' logs and insert them."""
    if db.session.get_bind().dialect.name == "postgresql" and len(
        {row["parcours_id"] for row in rows}
    ) == len(rows):
        chained = {pid for (pid,) in run_statement(_APPEND_AT_ONCE, _as_arrays(rows))}
        rows = [row for row in rows if row["parcours_id"] not in chained]
        if not rows:
            return
    _append_in_steps(rows)


def _as_arrays(rows: list[dict]) -> dict[str, list]:
    """The rows as `_APPEND_AT_ONCE` takes them: one array per column."""
    return {
        "parcours_ids": [row["parcours_id"] for row in rows],
        "user_ids": [row["user_id"] for row in rows],
        "accesses": [row["access"].name for row in rows],
        "events": [row["event"] for row in rows],
        "subject_ids": [row["subject_id"] for row in rows],
        "details": [row["detail"] for row in rows],
        "salts": [row["detail_salt"] for row in rows],
        "digests": [row["detail_digest"] for row in rows],
        "created": [row["created_at"].astimezone(UTC).replace(tzinfo=None) for row in rows],
        "contents": [hashed_content(row) for row in rows],
    }


def _append_in_steps(rows: list[dict]) -> None:
    """Chain the rows onto their plans' logs and insert them: three statements however many
    plans, the heads locked in the order of their plans (no two writers wait on each other
    in a circle)."""
    ids = sorted({row["parcours_id"] for row in rows})
    heads = {pid: [seq, h] for pid, seq, h in run_statement(_HEADS, {"ids": ids})}
    new = [pid for pid in ids if pid not in heads]
    for row in rows:
        head = heads.setdefault(row["parcours_id"], [0, ""])
        row["seq"] = head[0] + 1
        row["previous_hash"] = head[1]
        row["hash"] = link_hash(row)
        head[0], head[1] = row["seq"], row["hash"]
    run_statement(_INSERT, rows)
    if new:
        db.session.execute(
            AccessLogHead.__table__.insert(),
            [{"parcours_id": pid, "seq": heads[pid][0], "hash": heads[pid][1]} for pid in new],
        )
    moved = [
        {"pid": pid, "seq": seq, "hash": h} for pid, (seq, h) in heads.items() if pid not in new
    ]
    if moved:
        run_statement(_MOVE_HEAD, moved)


def record(
    parcours_id: int, user, access: Access, event: str, detail: str | None = None, *, subject=None
) -> None:
    """Write an entry now, in the request's transaction (its commit keeps it, a rollback takes
    it back with the rest). A change tells the packages that keep something derived from the
    parcours (`parcours_changed`). `subject` is the user the entry is about."""
    _append([_entry(parcours_id, user.id, access, event, detail, subject)])
    if access is Access.change:
        parcours_changed.send(parcours_id)


def record_reads(parcours_ids: list[int], user, event: str, detail: str | None = None) -> None:
    """One read entry per parcours shown together on one page, written once the page is ready
    (core/transactions.py)."""
    # Built now: once the request's changes are committed, its objects are expired (reading
    # `user.id` then would query the account again).
    rows = [
        _entry(pid, user.id, Access.read, event, detail, None)
        for pid in dict.fromkeys(parcours_ids)
    ]
    if rows:
        after_response(lambda: _append(rows))


def end_logs(parcours_ids: list[int], user) -> None:
    """The plans are being deleted: their logs say so and are kept for the retention period."""
    if not parcours_ids:
        return
    _append(
        [
            _entry(pid, user.id, Access.change, "parcours.deleted", None, None)
            for pid in parcours_ids
        ]
    )
    db.session.execute(
        update(AccessLogHead)
        .where(AccessLogHead.parcours_id.in_(parcours_ids))
        .values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def erase_written_name(parcours_ids: list[int], name: str) -> None:
    """Where an earlier version wrote a member's name as an entry's detail, put the mark that
    reads "a former member" and drop the salt: the digest stays, the chain still verifies."""
    if not parcours_ids or not name:
        return
    db.session.execute(
        update(AccessLogEntry)
        .where(
            AccessLogEntry.parcours_id.in_(parcours_ids),
            AccessLogEntry.event.in_(NAME_EVENTS),
            AccessLogEntry.detail == name[:200],
        )
        .values(detail=FORMER_MEMBER_MARK, detail_salt=None),
        execution_options={"synchronize_session": False},
    )


def purge_ended_logs(before: datetime) -> int:
    """Delete the logs of the plans deleted before `before` (the retention period); how many
    entries. The caller commits (the `retention purge` command)."""
    ended = select(AccessLogHead.parcours_id).where(AccessLogHead.ended_at < before)
    deleted = db.session.execute(
        delete(AccessLogEntry).where(AccessLogEntry.parcours_id.in_(ended))
    ).rowcount
    db.session.execute(delete(AccessLogHead).where(AccessLogHead.ended_at < before))
    return deleted


# Verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    """Where a plan's log stops verifying, and why."""

    parcours_id: int
    seq: int | None  # the entry's number in the plan's log (None: the log itself)
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"plan {self.parcours_id}"
        if self.seq is not None:
            where += f", entry {self.seq} (id {self.entry_id})"
        return f"{where}: {self.reason}"


@dataclass
class Verification:
    plans: int = 0
    entries: int = 0
    broken: BrokenLink | None = None


_COLUMNS = (
    "id",
    "parcours_id",
    "seq",
    "user_id",
    "access",
    "event",
    "subject_id",
    "detail",
    "detail_salt",
    "detail_digest",
    "created_at",
    "previous_hash",
    "hash",
)


def _entries() -> Iterator[dict]:
    table = AccessLogEntry.__table__
    query = (
        select(*(AccessLogEntry.__mapper__.columns[c] for c in _COLUMNS))
        .order_by(table.c.parcours_id, table.c.seq)
        .execution_options(yield_per=2000)
    )
    result = db.session.execute(query)
    try:
        for row in result:
            yield row._asdict()
    finally:
        result.close()  # a verification that stops early ends the server-side cursor


def _check_entry(row: dict, expected_seq: int, previous_hash: str) -> str | None:
    if row["seq"] != expected_seq:
        return f"entry {expected_seq} is missing before it"
    if row["previous_hash"] != previous_hash:
        return "it does not hold the hash of the entry before it"
    if row["detail_salt"] is not None:
        if detail_digest(row["detail"], row["detail_salt"]) != row["detail_digest"]:
            return "its detail was changed after it was written"
    elif row["detail"] not in (None, FORMER_MEMBER_MARK):
        return "its detail was changed after it was written"
    elif row["detail"] is None and row["detail_digest"] != "":
        return "its detail was removed after it was written"
    if link_hash(row) != row["hash"]:
        return "the entry was changed after it was written"
    return None


def _verify_chain(
    parcours_id: int, rows: Iterator[dict], head: tuple | None, result: Verification
) -> BrokenLink | None:
    """Check one plan's entries, in order, then its head."""
    seq, previous = 0, ""
    for row in rows:
        if reason := _check_entry(row, seq + 1, previous):
            return BrokenLink(parcours_id, row["seq"], row["id"], reason)
        result.entries += 1
        seq, previous = seq + 1, row["hash"]
    if head is None:
        return BrokenLink(parcours_id, None, None, "its log has no head (its last link is unknown)")
    if head != (seq, previous):
        return BrokenLink(parcours_id, None, None, f"its log was cut after entry {seq}")
    return None


def verify_chains() -> Verification:
    """Walk every plan's log in order and check each link and each head; stop at the first
    broken link (in the order of the plans)."""
    result = Verification()
    heads = {
        pid: (seq, h)
        for pid, seq, h in db.session.execute(
            select(AccessLogHead.parcours_id, AccessLogHead.seq, AccessLogHead.hash)
        )
    }
    seen: set[int] = set()
    entries = _entries()
    try:
        for pid, rows in groupby(entries, key=itemgetter("parcours_id")):
            seen.add(pid)
            result.plans += 1
            if broken := _verify_chain(pid, rows, heads.get(pid), result):
                result.broken = broken
                return result
    finally:
        entries.close()
    if emptied := sorted(set(heads) - seen):
        result.broken = BrokenLink(emptied[0], None, None, "every entry of its log was removed")
    return result
