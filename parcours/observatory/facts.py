"""The facts of each plan that the observatory's figures are drawn from, kept per plan.

Judging 10,000 timelines for every figure asked is too slow (seconds), so each plan keeps
what its figures need, small and whatever the day they are read on: its ruptures as of
OPEN_END (cut at the day asked by the timeline's `ruptures_on`), its hand-offs (kinds, first
answer, what their relais de sens lacks), the days of its decisions taken without the person
or over an objection, its commitments (organisation, due day, kept, on time), whether the
person wrote their own voice and the days to an agreed objective. The facts hold for one
revision of the plan, the one the timeline's snapshots keep (`revision`: it goes up with
every change of the plan); stale or missing facts are computed again, for those plans only,
in a constant number of queries per batch of plans, and stored once the page is ready
(core/transactions.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from parcours.alliance.models import ObjectiveVersion, Voice
from parcours.core.models import live, local_date
from parcours.core.transactions import after_response
from parcours.extensions import db
from parcours.means.models import Commitment, kept_on_time
from parcours.observatory.models import ObservatoryFacts
from parcours.plans.models import Member, Role
from parcours.timeline.checks import (
    OPEN_END,
    SEVERITY,
    Flag,
    FlagKind,
    compute_flags,
)
from parcours.timeline.inputs import load_timelines
from parcours.timeline.models import Episode, EpisodeKind, Handoff, HandoffEvent, HandoffEventKind
from parcours.timeline.snapshots import revision

FACTS = ObservatoryFacts.__table__
# Plans computed together: a constant number of queries each, and no more bound values
# than every database takes.
BATCH = 2_000
RUPTURES = (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE)


@dataclass(frozen=True)
class HandoffFacts:
    """One hand-off, as the figures count it."""

    proposed_on: date
    from_kind: str
    to_kind: str | None  # None: the receiving side is not an episode yet
    first_answer: date | None  # the day it was first accepted or declined
    status: str  # as the checks name it ("proposed", "declined"…)
    missing: tuple[str, ...]  # what its relais de sens lacks (RELAIS_ELEMENTS)


@dataclass(frozen=True)
class CommitmentFacts:
    """One commitment not cancelled, by the organisation of who committed."""

    organisation_id: int | None
    due_on: date
    kept: bool
    on_time: bool


@dataclass(frozen=True)
class PlanFacts:
    """What the figures need about one plan, whatever the day they are read on."""

    tolerance_days: int
    closed_on: date | None
    ruptures: tuple[Flag, ...]  # as of OPEN_END: cut them with `ruptures_on`
    handoffs: tuple[HandoffFacts, ...]
    without_person: tuple[date, ...]  # days of the decisions taken without the person
    over_objection: tuple[date, ...]  # and over an objection not heard
    commitments: tuple[CommitmentFacts, ...]
    own_voice: bool  # the person wrote their voice themselves
    days_to_agreement: int | None  # from the objective's first version to its first agreed


def plan_facts(plans) -> dict[int, PlanFacts]:
    """The facts of the plans a select of `parcours_id` gives, computed again where stale
    (one query when none is)."""
    scope = plans.subquery()
    # The revisions are read before the data the facts are computed from, so that a change
    # committed in between leaves them stale rather than wrong.
    rows = db.session.execute(
        select(
            scope.c.parcours_id,
            revision(scope.c.parcours_id),
            FACTS.c.computed_revision,
            FACTS.c.facts,
        ).outerjoin(FACTS, FACTS.c.parcours_id == scope.c.parcours_id)
    ).all()
    found, stale = {}, {}
    for pid, current, computed, stored in rows:
        if stored is None or computed != current:
            stale[pid] = current
        else:
            found[pid] = decoded(stored)
    if stale:
        ids = sorted(stale)
        stored_rows = []
        for start in range(0, len(ids), BATCH):
            for pid, facts in computed_facts(ids[start : start + BATCH]).items():
                found[pid] = facts
                stored_rows.append(
                    {"parcours_id": pid, "computed_revision": stale[pid], "facts": encoded(facts)}
                )
        after_response(lambda: _store(stored_rows))
    return found


def _store(rows: list[dict]) -> None:
    """Write computed facts, each with the revision it was computed for."""
    if rows:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(FACTS)
        statement = statement.on_conflict_do_update(
            index_elements=[FACTS.c.parcours_id],
            set_={name: statement.excluded[name] for name in ("computed_revision", "facts")},
        )
        db.session.execute(statement, rows)


FIRST_ANSWERS = (
    select(Handoff.parcours_id, HandoffEvent.handoff_id, func.min(HandoffEvent.created_at))
    .join(Handoff, Handoff.id == HandoffEvent.handoff_id)
    .where(HandoffEvent.kind.in_([HandoffEventKind.accepted, HandoffEventKind.declined]))
    .group_by(Handoff.parcours_id, HandoffEvent.handoff_id)
)
_PERSON = Member.__table__.alias("person")
OWN_VOICES = (
    select(Voice.parcours_id)
    .join(_PERSON, _PERSON.c.id == Voice.member_id)
    .where(_PERSON.c.role == Role.person, Voice.author_id == Voice.member_id)
    .distinct()
)
AGREEMENTS = select(
    ObjectiveVersion.parcours_id,
    func.min(ObjectiveVersion.created_at),
    func.min(ObjectiveVersion.agreed_at),
).group_by(ObjectiveVersion.parcours_id)
COMMITMENTS = (
    select(
        Commitment.parcours_id,
        Member.organisation_id,
        Commitment.due_on,
        Commitment.kept_at,
    )
    .join(Member, Member.id == Commitment.member_id)
    .where(live(Commitment), Commitment.cancelled_at.is_(None))
)


def computed_facts(ids: Sequence[int]) -> dict[int, PlanFacts]:
    """The facts of these plans, from their timelines as the checks judge them (as of
    OPEN_END) and a few selects, in a constant number of queries."""
    if not ids:
        return {}
    timelines = load_timelines(ids, OPEN_END)
    # Every episode, deleted ones too: a hand-off keeps the kinds it was made between.
    kinds = dict(
        db.session.execute(
            select(Episode.id, Episode.kind).where(Episode.parcours_id.in_(ids))
        ).all()
    )
    answered = {
        handoff_id: local_date(first)
        for _pid, handoff_id, first in db.session.execute(
            FIRST_ANSWERS.where(Handoff.parcours_id.in_(ids))
        )
    }
    own_voice = set(db.session.scalars(OWN_VOICES.where(Voice.parcours_id.in_(ids))))
    agreement = {
        pid: (local_date(agreed) - local_date(first)).days
        for pid, first, agreed in db.session.execute(
            AGREEMENTS.where(ObjectiveVersion.parcours_id.in_(ids))
        )
        if agreed is not None
    }
    commitments: dict[int, list[CommitmentFacts]] = {pid: [] for pid in ids}
    for pid, organisation_id, due_on, kept_at in db.session.execute(
        COMMITMENTS.where(Commitment.parcours_id.in_(ids))
    ):
        commitments[pid].append(
            CommitmentFacts(
                organisation_id, due_on, kept_at is not None, kept_on_time(kept_at, due_on)
            )
        )
    result = {}
    for pid, timeline in timelines.items():
        data = timeline.input
        flags = compute_flags(data)
        handoffs = []
        for handoff in data.handoffs:
            origin = kinds.get(handoff.from_episode_id)
            target = kinds.get(handoff.to_episode_id) if handoff.to_episode_id else None
            handoffs.append(
                HandoffFacts(
                    proposed_on=handoff.proposed_on,
                    from_kind=_kind(origin),
                    to_kind=_kind(target) if target else None,
                    first_answer=answered.get(handoff.id),
                    status=handoff.status,
                    missing=handoff.missing,
                )
            )
        result[pid] = PlanFacts(
            tolerance_days=data.tolerance_days,
            closed_on=data.closed_on,
            ruptures=tuple(flag for flag in flags if flag.kind in RUPTURES),
            handoffs=tuple(handoffs),
            without_person=tuple(
                flag.start for flag in flags if flag.kind is FlagKind.DECISION_WITHOUT_PERSON
            ),
            over_objection=tuple(
                flag.start for flag in flags if flag.kind is FlagKind.DECISION_OVER_OBJECTION
            ),
            commitments=tuple(commitments[pid]),
            own_voice=pid in own_voice,
            days_to_agreement=agreement.get(pid),
        )
    return result


def _kind(kind: EpisodeKind | None) -> str:
    return kind.value if kind is not None else EpisodeKind.other.value


# Stored as JSON, small: days as ordinals, each record as a list (the order of its fields).


def _day(value: date | None) -> int | None:
    return None if value is None else value.toordinal()


def _date(value: int | None) -> date | None:
    return None if value is None else date.fromordinal(value)


def encoded(facts: PlanFacts) -> dict:
    """The facts as stored."""
    return {
        "tolerance": facts.tolerance_days,
        "closed_on": _day(facts.closed_on),
        "ruptures": [
            [_day(r.start), _day(r.end), _day(r.params.get("next_start")), list(r.episode_ids)]
            for r in facts.ruptures
        ],
        "handoffs": [
            [
                _day(h.proposed_on),
                h.from_kind,
                h.to_kind,
                _day(h.first_answer),
                h.status,
                list(h.missing),
            ]
            for h in facts.handoffs
        ],
        "without_person": [_day(day) for day in facts.without_person],
        "over_objection": [_day(day) for day in facts.over_objection],
        "commitments": [
            [c.organisation_id, _day(c.due_on), c.kept, c.on_time] for c in facts.commitments
        ],
        "own_voice": facts.own_voice,
        "days_to_agreement": facts.days_to_agreement,
    }


def _rupture(start: int, end: int | None, next_start: int | None, episode_ids: list) -> Flag:
    """A rupture as of OPEN_END, with what the figures read of it (`ruptures_on` cuts it)."""
    kind = FlagKind.RUPTURE if end is not None else FlagKind.ONGOING_RUPTURE
    return Flag(
        kind,
        SEVERITY[kind],
        _date(start),
        _date(end),
        tuple(episode_ids),
        params={"next_start": _date(next_start)} if next_start is not None else {},
    )


def decoded(stored: dict) -> PlanFacts:
    """The facts as stored, read back."""
    return PlanFacts(
        tolerance_days=stored["tolerance"],
        closed_on=_date(stored["closed_on"]),
        ruptures=tuple(_rupture(*r) for r in stored["ruptures"]),
        handoffs=tuple(
            HandoffFacts(_date(p), f, t, _date(a), s, tuple(m))
            for p, f, t, a, s, m in stored["handoffs"]
        ),
        without_person=tuple(_date(day) for day in stored["without_person"]),
        over_objection=tuple(_date(day) for day in stored["over_objection"]),
        commitments=tuple(
            CommitmentFacts(o, _date(d), k, t) for o, d, k, t in stored["commitments"]
        ),
        own_voice=stored["own_voice"],
        days_to_agreement=stored["days_to_agreement"],
    )
