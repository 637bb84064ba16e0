"""The caseload: each parcours of a user with its open flags, from per-parcours snapshots.

Computing every flag of a large caseload on each request is too slow (about 1.4 s for 2,000
parcours of 20 episodes on SQLite), so each parcours keeps a snapshot of what the caseload
shows. A snapshot holds for one (revision, day), and a new day can raise new flags. Its
revision goes up, in the transaction of the change, on the signals that say what the
caseload depends on: a change of the parcours (`parcours_changed`, sent for every change
written to its access log) and the renaming of an organisation its episodes or hand-offs
name (`organisation_renamed`). Stale snapshots are recomputed lazily, in a constant number
of queries; the page stores them once it is ready (core/transactions.py).
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, func, select, union
from sqlalchemy.dialects import postgresql, sqlite

from parcours.accounts.models import Organisation, User
from parcours.core.errors import BadInput
from parcours.core.fields import INT_MAX
from parcours.core.i18n import gettext as _
from parcours.core.models import live, run_statement, utcnow
from parcours.core.signals import organisation_renamed, parcours_changed
from parcours.core.transactions import after_response
from parcours.extensions import db
from parcours.plans.models import Member, Parcours, Role
from parcours.timeline.awaiting import awaiting_answers
from parcours.timeline.checks import FlagKind, Severity, compute_flags
from parcours.timeline.inputs import load_timelines
from parcours.timeline.models import Episode, Handoff, RaisedFlag, TimelineSnapshot

SNAPSHOT = TimelineSnapshot.__table__
RAISED = RaisedFlag.__table__
COMPUTED = (
    "computed_revision",
    "computed_for",
    "counts",
    "highest_severity",
    "ongoing_rupture",
    "current_services",
    "last_handoff_on",
    "answered",
)


def _insert(dialect_name: str, table=SNAPSHOT):
    """An INSERT that can say ON CONFLICT, for the database in use."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(table)


def bump_revisions(parcours_ids: Sequence[int], *, changed: bool = True) -> None:
    """Mark these parcours' snapshots stale (creating their rows if needed), in the
    caller's transaction; `changed` says the parcours itself changed now (its last activity)."""
    now = utcnow() if changed else None
    rows = [
        {
            "parcours_id": parcours_id,
            "revision": 1,
            "counts": {},
            "highest_severity": 0,
            "ongoing_rupture": False,
            "current_services": [],
            "changed_at": now,
        }
        for parcours_id in dict.fromkeys(parcours_ids)
    ]
    if not rows:
        return
    statement = _insert(db.session.get_bind().dialect.name)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[SNAPSHOT.c.parcours_id],
            set_={
                "revision": SNAPSHOT.c.revision + 1,
                "changed_at": statement.excluded.changed_at if changed else SNAPSHOT.c.changed_at,
            },
        ),
        rows,
    )


def revision(parcours_id):
    """The revision of a parcours' data, as a column of a select on `parcours_id` (0 before
    its first change): what a package keeping something else derived from the parcours
    compares its copy with (the observatory's facts)."""
    current = select(SNAPSHOT.c.revision).where(SNAPSHOT.c.parcours_id == parcours_id)
    return func.coalesce(current.scalar_subquery(), 0)


@parcours_changed.connect
def _parcours_changed(parcours_id: int, **_extra) -> None:
    """Any change of a parcours may change its flags."""
    bump_revisions([parcours_id])


@organisation_renamed.connect
def _organisation_renamed(organisation: Organisation, **_extra) -> None:
    """The caseload shows the services by their organisation's name."""
    named_by_episode = select(Episode.parcours_id).where(
        Episode.organisation_id == organisation.id, live(Episode)
    )
    named_by_handoff = select(Handoff.parcours_id).where(
        Handoff.receiving_organisation_id == organisation.id
    )
    renamed_in = db.session.scalars(union(named_by_episode, named_by_handoff))
    bump_revisions(list(renamed_in), changed=False)


def flag_kind(value: str | None) -> FlagKind | None:
    """The kind of flag a caseload is filtered by (`?kind=`), or a 400."""
    if not value:
        return None
    try:
        return FlagKind(value)
    except ValueError:
        raise BadInput(
            _("Unknown kind of flag: %(kind)s.", kind=value[:40]), code="invalid_kind"
        ) from None


CASELOAD_ORDERS = ("urgency", "activity", "name")
SEARCH_MAX = 60


def folded(text: str) -> str:
    """A name as a search compares it: without case or accents ("Inès" finds "ines")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class CaseloadFilter:
    """Which plans of a caseload are shown, and in which order."""

    kind: FlagKind | None = None  # only those with an open flag of this kind
    search: str = ""  # only those whose person's name holds these words
    organisation_id: int | None = None  # only those where this organisation takes part
    awaiting_me: bool = False  # only those where something waits for the user's answer
    order: str = "urgency"  # CASELOAD_ORDERS

    @property
    def narrows(self) -> bool:
        return bool(self.kind or self.search or self.organisation_id or self.awaiting_me)

    def args(self) -> dict:
        """The query parameters that give this filter back (links, pages, the CSV)."""
        args = {
            "kind": self.kind.value if self.kind else None,
            "q": self.search or None,
            "organisation": self.organisation_id,
            "awaiting": "me" if self.awaiting_me else None,
            "order": self.order if self.order != "urgency" else None,
        }
        return {name: value for name, value in args.items() if value is not None}


def caseload_filter(args) -> CaseloadFilter:
    """The filter of a caseload request (`?kind=&q=&organisation=&awaiting=me&order=`), or a
    400 that says which parameter is wrong."""
    organisation = (args.get("organisation") or "").strip()
    if organisation and not (organisation.isdigit() and 1 <= int(organisation) <= INT_MAX):
        raise BadInput(
            _("Unknown organisation: %(value)s.", value=organisation[:20]),
            code="invalid_organisation",
        )
    awaiting = (args.get("awaiting") or "").strip()
    if awaiting not in ("", "me"):
        raise BadInput(_("awaiting takes only the value me."), code="invalid_awaiting")
    order = (args.get("order") or "urgency").strip()
    if order not in CASELOAD_ORDERS:
        raise BadInput(
            _("The order is one of: %(orders)s.", orders=", ".join(CASELOAD_ORDERS)),
            code="invalid_order",
        )
    return CaseloadFilter(
        kind=flag_kind(args.get("kind")),
        search=" ".join((args.get("q") or "").split())[:SEARCH_MAX],
        organisation_id=int(organisation) if organisation else None,
        awaiting_me=awaiting == "me",
        order=order,
    )


@dataclass(frozen=True)
class CaseloadEntry:
    """One parcours of the caseload, as of one day."""

    parcours_id: int
    person_name: str
    role: Role
    closed_on: date | None
    counts: dict[str, int]
    highest_severity: Severity | None
    ongoing_rupture: bool
    current_services: tuple[str, ...]
    last_handoff_on: date | None
    on: date
    answered: int = 0  # flags a member has answered (not in `counts`)
    awaiting: frozenset[str] = frozenset()  # what waits for the user's answer (AWAITING_KINDS)
    changed_at: datetime | None = None  # when the parcours last changed

    @property
    def flag_count(self) -> int:
        return sum(self.counts.values())

    @property
    def days_since_last_handoff(self) -> int | None:
        if self.last_handoff_on is None:
            return None
        return (self.on - self.last_handoff_on).days

    def count(self, kind: FlagKind) -> int:
        return self.counts.get(kind.value, 0)

    @property
    def urgency(self) -> tuple:
        """Sort key: an ongoing rupture first, then the highest severity, then the counts."""
        return (
            not self.ongoing_rupture,
            -(self.highest_severity or 0),
            -self.flag_count,
            self.person_name.casefold(),
            self.parcours_id,
        )

    def sort_key(self, order: str) -> tuple:
        """The key of one of CASELOAD_ORDERS: urgency, the latest activity first, or the
        person's name."""
        if order == "activity":
            changed = self.changed_at.timestamp() if self.changed_at else float("-inf")
            return (-changed, *self.urgency)
        if order == "name":
            return (folded(self.person_name), self.parcours_id)
        return self.urgency


def caseload(user: User, on: date, filters: CaseloadFilter | None = None) -> list[CaseloadEntry]:
    """Every parcours the user is a current member of that `filters` keeps, in its order (the
    most urgent first by default). Stale snapshots are recomputed, and stored once the
    response is ready."""
    filters = filters or CaseloadFilter()
    mine = select(Member.parcours_id).where(Member.user_id == user.id, Member.left_at.is_(None))
    snapshots_query, memberships_query = _caseload_statements()
    bound = {"user_id": user.id}
    # Read the snapshots (and their revisions) before the data they are computed from, so
    # that a change committed in between leaves them stale rather than wrong.
    snapshots = {row.parcours_id: row for row in run_statement(snapshots_query, bound)}
    memberships = run_statement(memberships_query, bound).all()
    if filters.search:
        words = folded(filters.search).split()
        memberships = [m for m in memberships if all(w in folded(m.person_name) for w in words)]
    if filters.organisation_id is not None:
        taking_part = set(db.session.scalars(_taking_part(filters.organisation_id, mine)))
        memberships = [m for m in memberships if m.parcours_id in taking_part]
    awaiting = awaiting_answers(user, on)
    if filters.awaiting_me:
        memberships = [m for m in memberships if m.parcours_id in awaiting]
    stale = [
        m.parcours_id
        for m in memberships
        if (snapshot := snapshots.get(m.parcours_id)) is None
        or snapshot.computed_revision != snapshot.revision
        or snapshot.computed_for != on
    ]
    values = dict(snapshots)
    if stale:
        revisions = {pid: snapshots[pid].revision if pid in snapshots else 0 for pid in stale}
        computed, rows = _compute(stale, revisions, on)
        values |= computed
        after_response(lambda: _store(rows))
    entries = []
    for membership in memberships:
        snapshot = values[membership.parcours_id]
        counts = {k: int(v) for k, v in (snapshot.counts or {}).items()}
        if filters.kind is not None and not counts.get(filters.kind.value):
            continue
        stored = snapshots.get(membership.parcours_id)
        entries.append(
            CaseloadEntry(
                parcours_id=membership.parcours_id,
                person_name=membership.person_name,
                role=membership.role,
                closed_on=membership.closed_on,
                counts=counts,
                highest_severity=Severity(snapshot.highest_severity)
                if snapshot.highest_severity
                else None,
                ongoing_rupture=bool(snapshot.ongoing_rupture),
                current_services=tuple(snapshot.current_services or ()),
                last_handoff_on=snapshot.last_handoff_on,
                on=on,
                answered=snapshot.answered or 0,
                awaiting=awaiting.get(membership.parcours_id, frozenset()),
                changed_at=stored.changed_at if stored is not None else None,
            )
        )
    entries.sort(key=lambda entry: entry.sort_key(filters.order))
    return entries


@cache
def _caseload_statements():
    """The two statements every caseload runs, built once (the user is bound): the user's
    snapshots, and their memberships with each plan's name and closing day."""
    mine = select(Member.parcours_id).where(
        Member.user_id == bindparam("user_id"), Member.left_at.is_(None)
    )
    snapshots = select(*SNAPSHOT.c).where(SNAPSHOT.c.parcours_id.in_(mine.scalar_subquery()))
    memberships = (
        select(Member.parcours_id, Member.role, Parcours.person_name, Parcours.closed_on)
        .join(Parcours, Parcours.id == Member.parcours_id)
        .where(Member.user_id == bindparam("user_id"), Member.left_at.is_(None))
    )
    return snapshots, memberships


def _taking_part(organisation_id: int, parcours_ids):
    """The parcours where the organisation takes part: one of its people is a current member,
    or one of its services accompanies (or accompanied) the person."""
    return union(
        select(Member.parcours_id).where(
            Member.organisation_id == organisation_id,
            Member.left_at.is_(None),
            Member.parcours_id.in_(parcours_ids),
        ),
        select(Episode.parcours_id).where(
            Episode.organisation_id == organisation_id,
            Episode.parcours_id.in_(parcours_ids),
            live(Episode),
        ),
    )


def caseload_organisations(user: User) -> list[Organisation]:
    """The organisations that take part in the user's plans, by name (the caseload's filter)."""
    return list(db.session.scalars(_organisations(), {"user_id": user.id}))


@cache
def _organisations():
    """The statement of `caseload_organisations`, built once (the user is bound)."""
    mine = select(Member.parcours_id).where(
        Member.user_id == bindparam("user_id"), Member.left_at.is_(None)
    )
    in_members = select(Member.organisation_id.label("id")).where(
        Member.parcours_id.in_(mine), Member.left_at.is_(None)
    )
    in_episodes = select(Episode.organisation_id.label("id")).where(
        Episode.parcours_id.in_(mine), live(Episode)
    )
    ids = union(in_members, in_episodes).subquery()
    return (
        select(Organisation)
        .where(Organisation.id.in_(select(ids.c.id)))
        .order_by(Organisation.name)
    )


@dataclass(frozen=True)
class _Computed:
    """The computed part of a snapshot, read like a snapshot row."""

    parcours_id: int
    counts: dict[str, int]
    highest_severity: int
    ongoing_rupture: bool
    current_services: list[str]
    last_handoff_on: date | None
    answered: int = 0


def _compute(
    parcours_ids: Sequence[int], revisions: dict[int, int], on: date
) -> tuple[dict[int, _Computed], list[dict]]:
    """Recompute the snapshots of these parcours (a constant number of queries): the values,
    and the rows to store (each with the open flags it found, `raised`)."""
    computed = {}
    rows = []
    for pid, timeline in load_timelines(parcours_ids, on).items():
        flags = compute_flags(timeline.input)
        raised = [{"key": f.key, "kind": f.kind.value} for f in flags if f.is_open]
        # An answered flag leaves the urgent order (it is counted as answered); a past
        # rupture is history: counted, it does not make the plan urgent.
        counts: dict[str, int] = {}
        for flag in flags:
            if flag.acknowledged is None:
                counts[flag.kind.value] = counts.get(flag.kind.value, 0) + 1
        result = _Computed(
            parcours_id=pid,
            counts=counts,
            highest_severity=max((int(f.severity) for f in flags if f.is_open), default=0),
            ongoing_rupture=FlagKind.ONGOING_RUPTURE.value in counts,
            answered=sum(1 for f in flags if f.acknowledged is not None),
            current_services=list(timeline.current_services),
            last_handoff_on=timeline.last_handoff_on,
        )
        computed[pid] = result
        rows.append(
            {
                "parcours_id": pid,
                "revision": revisions[pid],
                "computed_revision": revisions[pid],
                "computed_for": on,
                "counts": result.counts,
                "highest_severity": result.highest_severity,
                "ongoing_rupture": result.ongoing_rupture,
                "current_services": result.current_services,
                "last_handoff_on": result.last_handoff_on,
                "answered": result.answered,
                "raised": raised,
            }
        )
    return computed, rows


def _store(rows: list[dict]) -> None:
    """Write computed snapshots. Each keeps the revision it was computed for: if a change
    bumped it in between, the snapshot stays stale and is computed again next time. The open
    flags not raised before are raised now (the pilot's news)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    statement = _insert(dialect)
    statement = statement.on_conflict_do_update(
        index_elements=[SNAPSHOT.c.parcours_id],
        set_={name: statement.excluded[name] for name in COMPUTED},
    )
    db.session.execute(statement, [{k: v for k, v in row.items() if k != "raised"} for row in rows])
    now = utcnow()
    raised = [
        {"parcours_id": row["parcours_id"], "raised_at": now, **flag}
        for row in rows
        for flag in row["raised"]
    ]
    if raised:
        db.session.execute(_insert(dialect, RAISED).on_conflict_do_nothing(), raised)


def stale_parcours(on: date) -> tuple[list[int], dict[int, int]]:
    """Every parcours whose snapshot does not hold for `on` (or has none), with the revision
    to compute it for."""
    snapshots = {row.parcours_id: row for row in db.session.execute(select(*SNAPSHOT.c))}
    stale, revisions = [], {}
    for parcours_id in db.session.scalars(select(Parcours.id).order_by(Parcours.id)):
        snapshot = snapshots.get(parcours_id)
        if (
            snapshot is None
            or snapshot.computed_revision != snapshot.revision
            or snapshot.computed_for != on
        ):
            stale.append(parcours_id)
            revisions[parcours_id] = snapshot.revision if snapshot else 0
    return stale, revisions


def refresh_snapshots(parcours_ids: Sequence[int], revisions: dict[int, int], on: date) -> None:
    """Recompute these snapshots now (e.g. a nightly job, so that the first caseload of the
    day need not); the caller commits."""
    _store(_compute(parcours_ids, revisions, on)[1])
