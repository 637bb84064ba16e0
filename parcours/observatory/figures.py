"""The observatory's figures: over the plans where an organisation (or an organisation of a
territory) had an episode in a period, what the timeline checks found and how the people took
part, each figure with the number of plans under it and the anonymity rule applied.

How it scales: one query finds the plans in scope; the timeline's inputs of all of them are
loaded with `load_timelines` (Core selects of the needed columns, a constant number of
queries) and judged by the timeline's pure checks (`compute_flags`, `HandoffData.missing`);
five more selects read the episodes' kinds, the hand-offs' first answers, the person's own
voices, the objective's first and agreed versions and the commitments. So the number of
queries is constant whatever the number of plans; the time and memory grow linearly with the
plans' episodes, hand-offs and commitments (no ORM object is loaded).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from parcours.accounts.models import ObserverScope, Organisation
from parcours.alliance.models import ObjectiveVersion, Voice
from parcours.core.errors import BadInput
from parcours.core.i18n import gettext as _
from parcours.core.models import live, local_date, today
from parcours.extensions import db
from parcours.means.models import Commitment, kept_on_time
from parcours.observatory.anonymity import Cell, Line, publish, suppress, suppress_one
from parcours.plans.models import Member, Parcours, Role
from parcours.timeline.checks import (
    HANDOFF_DECLINED,
    HANDOFF_PROPOSED,
    RELAIS_ELEMENTS,
    FlagKind,
    compute_flags,
)
from parcours.timeline.inputs import load_timelines
from parcours.timeline.models import Episode, EpisodeKind, Handoff, HandoffEvent, HandoffEventKind

# The period shown when none is asked: the last twelve months.
DEFAULT_DAYS = 365
RUPTURES = (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE)


@dataclass(frozen=True)
class Scope:
    """What the figures are about: one organisation, or one territory."""

    organisation_id: int | None = None
    name: str | None = None
    territory: str | None = None

    @classmethod
    def of(cls, scope: ObserverScope) -> Scope:
        if scope.organisation is not None:
            return cls(organisation_id=scope.organisation.id, name=scope.organisation.name)
        return cls(territory=scope.territory)

    @property
    def as_dict(self) -> dict:
        if self.organisation_id is not None:
            return {"organisation_id": self.organisation_id, "name": self.name}
        return {"territory": self.territory}


@dataclass(frozen=True)
class TransitionRow:
    """Hand-offs from one kind of service to another."""

    from_kind: str
    to_kind: str | None  # None: the receiving side is not an episode yet
    count: Cell
    answered_in_time: Cell  # share of those answered (or overdue) answered within tolerance
    missing: dict[str, Cell]  # share lacking each relais-de-sens element


@dataclass(frozen=True)
class OrganisationRow:
    """Commitments due in the period, by the organisation of who committed."""

    organisation_id: int | None
    name: str | None  # None: commitments of the person and family
    count: Cell
    kept_on_time: Cell


@dataclass(frozen=True)
class Figures:
    """Every figure of one scope and period, with the anonymity rule applied."""

    scope: Scope
    start: date
    end: date
    on: date
    plans: Cell
    ruptures: dict[str, Cell]
    transitions: list[TransitionRow]
    handoffs_total: Cell
    commitments: list[OrganisationRow]
    commitments_total: Cell
    participation: dict[str, Cell] = field(default_factory=dict)


def period(start: str | None, end: str | None) -> tuple[date, date]:
    """The period asked (YYYY-MM-DD, both days included), by default the last 12 months."""
    end_day = _day(end) if end else today()
    start_day = _day(start) if start else end_day - timedelta(days=DEFAULT_DAYS)
    if start_day > end_day:
        raise BadInput(_("The period ends before it starts."), code="invalid_period")
    return start_day, end_day


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(
            _("The date %(value)s is not valid: write it as YYYY-MM-DD.", value=value[:20]),
            code="invalid_date",
        ) from None


def plans_in_scope(scope: Scope, start: date, end: date) -> list[int]:
    """The plans where the organisation (or an organisation of the territory) had an episode
    overlapping the period, less those their person left out of the figures (one query)."""
    query = (
        select(Episode.parcours_id)
        .join(Parcours, Parcours.id == Episode.parcours_id)
        .where(
            live(Episode),
            Parcours.observatory_opt_out.is_(False),
            Episode.start_date <= end,
            (Episode.end_date.is_(None)) | (Episode.end_date >= start),
        )
        .distinct()
    )
    if scope.organisation_id is not None:
        query = query.where(Episode.organisation_id == scope.organisation_id)
    else:
        query = query.join(Organisation, Organisation.id == Episode.organisation_id).where(
            Organisation.territory == scope.territory
        )
    return sorted(db.session.scalars(query))


def median(values: Sequence[float]) -> float | None:
    """The median, or None without values."""
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], rank: float) -> float | None:
    """The nearest-rank percentile (`rank` in 0..1): the smallest value with at least that
    share of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank * len(ordered)) - 1)]


def share(part: int, whole: int) -> float | None:
    """part / whole, rounded to three places."""
    return round(part / whole, 3) if whole else None


def compute_figures(scope: Scope, start: date, end: date) -> Figures:
    """Every figure of the scope over the period, the anonymity rule applied: withheld, then
    rounded (a constant number of queries)."""
    on = min(end, today())
    ids = plans_in_scope(scope, start, end)
    timelines = load_timelines(ids, on)
    flags = {pid: compute_flags(timeline.input) for pid, timeline in timelines.items()}

    ruptures = _rupture_figures(flags, start, end)
    transitions, handoffs_total = _transition_figures(ids, timelines, start, end, on)
    commitments, commitments_total = _commitment_figures(ids, start, end, on)
    participation = _participation_figures(ids, flags, start, end)
    figures = Figures(
        scope=scope,
        start=start,
        end=end,
        on=on,
        plans=suppress_one(Cell(len(ids), len(ids))),
        ruptures={key: suppress_one(cell) for key, cell in ruptures.items()},
        transitions=transitions,
        handoffs_total=handoffs_total,
        commitments=commitments,
        commitments_total=commitments_total,
        participation={key: suppress_one(cell) for key, cell in participation.items()},
    )
    return published(figures)


def published(figures: Figures) -> Figures:
    """The figures as they are shown: every cell rounded to a base of 5 (the shares to 5 %),
    once the withheld ones are known (see anonymity)."""
    return replace(
        figures,
        plans=publish(figures.plans),
        ruptures={key: publish(cell) for key, cell in figures.ruptures.items()},
        transitions=[
            replace(
                row,
                count=publish(row.count),
                answered_in_time=publish(row.answered_in_time, share=True),
                missing={key: publish(cell, share=True) for key, cell in row.missing.items()},
            )
            for row in figures.transitions
        ],
        handoffs_total=publish(figures.handoffs_total),
        commitments=[
            replace(
                row,
                count=publish(row.count),
                kept_on_time=publish(row.kept_on_time, share=True),
            )
            for row in figures.commitments
        ],
        commitments_total=publish(figures.commitments_total),
        participation={key: publish(cell) for key, cell in figures.participation.items()},
    )


def _overlaps(flag, start: date, end: date, on: date | None = None) -> bool:
    return flag.start is not None and flag.start <= end and (flag.end or on or end) >= start


def _rupture_figures(flags: dict[int, list], start: date, end: date) -> dict[str, Cell]:
    """Plans with a rupture in the period, its days without accompaniment (median, 90th
    percentile), the plans in an ongoing rupture, and those waiting for a planned service
    (an ongoing rupture before a service that starts later: "sans solution")."""
    with_rupture, days, ongoing, waiting, waited = set(), [], set(), set(), []
    for pid, found in flags.items():
        for flag in found:
            if flag.kind not in RUPTURES or not _overlaps(flag, start, end):
                continue
            with_rupture.add(pid)
            days.append(flag.days)
            if flag.kind is FlagKind.ONGOING_RUPTURE:
                ongoing.add(pid)
                if "next_start" in flag.params:
                    waiting.add(pid)
                    waited.append(flag.days)
    return {
        "plans_with_rupture": Cell(len(with_rupture), len(with_rupture)),
        "days_median": Cell(median(days), len(with_rupture)),
        "days_p90": Cell(percentile(days, 0.9), len(with_rupture)),
        "ongoing": Cell(len(ongoing), len(ongoing)),
        "waiting_for_planned_service": Cell(len(waiting), len(waiting)),
        "waiting_days_median": Cell(median(waited), len(waiting)),
    }


FIRST_ANSWERS = (
    select(HandoffEvent.handoff_id, func.min(HandoffEvent.created_at))
    .join(Handoff, Handoff.id == HandoffEvent.handoff_id)
    .where(
        HandoffEvent.kind.in_([HandoffEventKind.accepted, HandoffEventKind.declined]),
    )
    .group_by(HandoffEvent.handoff_id)
)


def _transition_figures(
    ids: list[int], timelines: dict, start: date, end: date, on: date
) -> tuple[list[TransitionRow], Cell]:
    """Hand-offs made in the period, by transition (kind of the episode left → kind of the
    one reached): how many, the share answered within the plan's tolerance, and the share
    lacking each element of the relais de sens (as the timeline's checks judge it)."""
    if not ids:
        return [], suppress_one(Cell(0, 0))
    kinds = dict(
        db.session.execute(
            select(Episode.id, Episode.kind).where(Episode.parcours_id.in_(ids))
        ).all()
    )
    answered = dict(db.session.execute(FIRST_ANSWERS.where(Handoff.parcours_id.in_(ids))).all())
    groups: dict[tuple[str, str | None], list] = defaultdict(list)
    for pid, timeline in timelines.items():
        tolerance = timeline.input.tolerance_days
        for handoff in timeline.input.handoffs:
            if not start <= handoff.proposed_on <= end:
                continue
            origin = kinds.get(handoff.from_episode_id)
            target = kinds.get(handoff.to_episode_id) if handoff.to_episode_id else None
            first_answer = answered.get(handoff.id)
            if first_answer is not None:
                in_time = (local_date(first_answer) - handoff.proposed_on).days <= tolerance
            elif handoff.status == HANDOFF_PROPOSED and (on - handoff.proposed_on).days <= (
                tolerance
            ):
                in_time = None  # still within its tolerance: not judged yet
            else:
                in_time = False
            key = (_kind(origin), _kind(target) if target else None)
            groups[key].append((pid, handoff, in_time))

    cells: dict = {}
    rows_data = []
    for index, (key, items) in enumerate(sorted(groups.items(), key=_transition_order)):
        plans = len({pid for pid, _h, _t in items})
        cells[index] = Cell(len(items), plans)
        judged = [t for _p, _h, t in items if t is not None]
        happened = [h for _p, h, _t in items if h.status != HANDOFF_DECLINED]
        rows_data.append(
            (
                key,
                Cell(share(sum(judged), len(judged)), plans),
                {
                    element: Cell(
                        share(sum(1 for h in happened if element in h.missing), len(happened)),
                        plans,
                    )
                    for element in RELAIS_ELEMENTS
                },
            )
        )
    total_plans = len({pid for items in groups.values() for pid, _h, _t in items})
    cells["total"] = Cell(sum(len(items) for items in groups.values()), total_plans)
    published = suppress(cells, [Line(tuple(range(len(rows_data))), "total")])
    rows = []
    for index, (key, answered_share, missing) in enumerate(rows_data):
        count = published[index]
        rows.append(
            TransitionRow(
                from_kind=key[0],
                to_kind=key[1],
                count=count,
                answered_in_time=_with(count, answered_share),
                missing={element: _with(count, cell) for element, cell in missing.items()},
            )
        )
    return rows, published["total"]


def _kind(kind: EpisodeKind | None) -> str:
    return kind.value if kind is not None else EpisodeKind.other.value


def _transition_order(item) -> tuple:
    (origin, target), _items = item
    return (origin, target or "")


def _with(count: Cell, cell: Cell) -> Cell:
    """A row's other figure: withheld with its count (or under the threshold itself)."""
    cell = suppress_one(cell)
    return Cell(cell.value, cell.plans, suppressed=cell.suppressed or count.suppressed)


COMMITMENTS = (
    select(
        Commitment.parcours_id,
        Member.organisation_id,
        Organisation.name,
        Commitment.due_on,
        Commitment.kept_at,
    )
    .join(Member, Member.id == Commitment.member_id)
    .outerjoin(Organisation, Organisation.id == Member.organisation_id)
    .where(live(Commitment), Commitment.cancelled_at.is_(None))
)


def _commitment_figures(
    ids: list[int], start: date, end: date, on: date
) -> tuple[list[OrganisationRow], Cell]:
    """Commitments due in the period (and already due), by the organisation of the member
    who committed: how many, and the share kept on time ("je tiens mes engagements")."""
    if not ids:
        return [], suppress_one(Cell(0, 0))
    rows = db.session.execute(
        COMMITMENTS.where(
            Commitment.parcours_id.in_(ids),
            and_(Commitment.due_on >= start, Commitment.due_on <= end, Commitment.due_on < on)
            | (Commitment.kept_at.is_not(None) & Commitment.due_on.between(start, end)),
        )
    ).all()
    groups: dict[tuple[int | None, str | None], list] = defaultdict(list)
    for pid, organisation_id, name, due_on, kept_at in rows:
        groups[(organisation_id, name)].append((pid, kept_on_time(kept_at, due_on)))
    ordered = sorted(groups.items(), key=lambda item: (item[0][1] is None, item[0][1] or ""))
    cells: dict = {}
    kept: dict = {}
    for index, (_key, items) in enumerate(ordered):
        plans = len({pid for pid, _k in items})
        cells[index] = Cell(len(items), plans)
        kept[index] = Cell(share(sum(1 for _p, k in items if k), len(items)), plans)
    cells["total"] = Cell(len(rows), len({row[0] for row in rows}))
    published = suppress(cells, [Line(tuple(range(len(ordered))), "total")])
    return [
        OrganisationRow(
            organisation_id=key[0],
            name=key[1],
            count=published[index],
            kept_on_time=_with(published[index], kept[index]),
        )
        for index, (key, _items) in enumerate(ordered)
    ], published["total"]


def _participation_figures(
    ids: list[int], flags: dict[int, list], start: date, end: date
) -> dict[str, Cell]:
    """Plans where the person wrote their own voice; decisions in the period taken without
    the person or over an objection (as the checks flag them); days from the objective's
    first version to its first agreed one."""
    if not ids:
        return {
            key: Cell(None, 0)
            for key in ("own_voice", "without_person", "over_objection", "days_to_agreement")
        }
    person = Member.__table__.alias("person")
    own_voice = set(
        db.session.scalars(
            select(Voice.parcours_id)
            .join(person, person.c.id == Voice.member_id)
            .where(
                Voice.parcours_id.in_(ids),
                person.c.role == Role.person,
                Voice.author_id == Voice.member_id,
            )
            .distinct()
        )
    )
    decisions = {FlagKind.DECISION_WITHOUT_PERSON: [], FlagKind.DECISION_OVER_OBJECTION: []}
    for pid, found in flags.items():
        for flag in found:
            if flag.kind in decisions and start <= flag.start <= end:
                decisions[flag.kind].append(pid)
    durations = [
        (local_date(agreed) - local_date(first)).days
        for _pid, first, agreed in db.session.execute(
            select(
                ObjectiveVersion.parcours_id,
                func.min(ObjectiveVersion.created_at),
                func.min(ObjectiveVersion.agreed_at),
            )
            .where(ObjectiveVersion.parcours_id.in_(ids))
            .group_by(ObjectiveVersion.parcours_id)
        )
        if agreed is not None
    ]
    without, over = decisions.values()
    return {
        "own_voice": Cell(len(own_voice), len(own_voice)),
        "without_person": Cell(len(without), len(set(without))),
        "over_objection": Cell(len(over), len(set(over))),
        "days_to_agreement": Cell(median(durations), len(durations)),
    }
