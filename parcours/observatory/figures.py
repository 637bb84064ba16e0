"""The observatory's figures: over the plans where an organisation (or an organisation of a
territory) had an episode in a period, what the timeline checks found and how the people took
part, each figure with the number of plans under it and the anonymity rule applied.

How it scales: the figures are drawn from the facts each plan keeps (observatory/facts.py:
small, whatever the day, computed again only for the plans that changed), read with the plans
in scope in one query, plus one for the names of the organisations that committed; then a
light pass over those facts, the ruptures cut at the day asked by the timeline's
`ruptures_on`. The first figures after many plans changed compute their facts from the
timeline's inputs and pure checks, in a constant number of queries per batch of plans.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from parcours.accounts.models import ObserverScope, organisation_names
from parcours.core.errors import BadInput
from parcours.core.i18n import gettext as _
from parcours.core.models import today
from parcours.extensions import db
from parcours.observatory.anonymity import Cell, Line, publish, suppress, suppress_one
from parcours.observatory.facts import (
    CLOSED_ON,
    COMMITMENTS_DUE,
    DAYS_TO_AGREEMENT,
    DECLINED,
    HANDOFFS,
    KEPT,
    MISSING,
    ON_TIME,
    OVER_OBJECTION,
    OWN_VOICE,
    PROPOSED,
    RUPTURE_RUNS,
    TOLERANCE,
    WITHOUT_PERSON,
    plan_facts,
)
from parcours.timeline.checks import FlagKind, cut_rupture
from parcours.timeline.models import plans_followed

# The period shown when none is asked: the last twelve months.
DEFAULT_DAYS = 365


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


def _scope_query(scope: Scope, start: date, end: date):
    """The select of the plans the figures of the scope over the period are drawn from."""
    return plans_followed(
        start, end, organisation_id=scope.organisation_id, territory=scope.territory
    )


def plans_in_scope(scope: Scope, start: date, end: date) -> list[int]:
    """The plans the figures of the scope over the period are drawn from (one query)."""
    return sorted(db.session.scalars(_scope_query(scope, start, end)))


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
    """Every figure of the scope over the period, the anonymity rule applied, from the facts
    kept per plan (observatory/facts.py; two queries when none is stale)."""
    on = min(end, today())
    facts = plan_facts(_scope_query(scope, start, end))
    ids = sorted(facts)
    period = (start.toordinal(), end.toordinal(), on.toordinal())
    names = organisation_names(
        organisation
        for plan in facts.values()
        for organisation in plan[COMMITMENTS_DUE][::3]
        if organisation
    )
    transitions, handoffs_total = _transition_figures(facts, *period)
    commitments, commitments_total = _commitment_figures(facts, names, *period)
    participation = _participation_figures(facts, *period[:2])
    figures = Figures(
        scope=scope,
        start=start,
        end=end,
        on=on,
        plans=suppress_one(Cell(len(ids), len(ids))),
        ruptures={
            key: suppress_one(cell) for key, cell in _rupture_figures(facts, start, end, on).items()
        },
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


def _rupture_figures(facts: dict[int, list], start: date, end: date, on: date) -> dict[str, Cell]:
    """Plans with a rupture in the period, its days without accompaniment (median, 90th
    percentile), the plans in an ongoing rupture, and those waiting for a planned service
    (an ongoing rupture before a service that starts later: "sans solution"). The ruptures
    kept as of OPEN_END are cut at `on` by the timeline's `cut_rupture`."""
    with_rupture, days, ongoing, waiting, waited = set(), [], set(), set(), []
    day = date.fromordinal
    for pid, plan in facts.items():
        runs = plan[RUPTURE_RUNS]
        if not runs:
            continue
        closed_on = day(plan[CLOSED_ON]) if plan[CLOSED_ON] else None
        for index in range(0, len(runs), 3):
            first, last, following = runs[index : index + 3]
            first = day(first)
            cut = cut_rupture(first, day(last) if last else None, on, closed_on, plan[TOLERANCE])
            if cut is None:
                continue
            kind, last_day, length = cut
            is_ongoing = kind is FlagKind.ONGOING_RUPTURE
            # The rupture overlaps the period (an ongoing one lasts until its end).
            if first > end or (not is_ongoing and last_day < start):
                continue
            with_rupture.add(pid)
            days.append(length)
            if is_ongoing:
                ongoing.add(pid)
                if following:
                    waiting.add(pid)
                    waited.append(length)
    return {
        "plans_with_rupture": Cell(len(with_rupture), len(with_rupture)),
        "days_median": Cell(median(days), len(with_rupture)),
        "days_p90": Cell(percentile(days, 0.9), len(with_rupture)),
        "ongoing": Cell(len(ongoing), len(ongoing)),
        "waiting_for_planned_service": Cell(len(waiting), len(waiting)),
        "waiting_days_median": Cell(median(waited), len(waiting)),
    }


def _transition_figures(
    facts: dict[int, list], start: int, end: int, on: int
) -> tuple[list[TransitionRow], Cell]:
    """Hand-offs made in the period (days as ordinals), by transition (kind of the episode
    left → kind of the one reached): how many, the share answered within the plan's
    tolerance, and the share lacking each element of the relais de sens (as the timeline's
    checks judge it)."""
    if not facts:
        return [], suppress_one(Cell(0, 0))
    groups: dict[str, list] = defaultdict(list)
    for pid, plan in facts.items():
        tolerance, handoffs = plan[TOLERANCE], plan[HANDOFFS]
        for index in range(0, len(handoffs), 4):
            proposed_on, transition, first_answer, bits = handoffs[index : index + 4]
            if not start <= proposed_on <= end:
                continue
            if first_answer:
                in_time = first_answer - proposed_on <= tolerance
            elif bits & PROPOSED and on - proposed_on <= tolerance:
                in_time = None  # still within its tolerance: not judged yet
            else:
                in_time = False
            groups[transition].append((pid, bits, in_time))

    cells: dict = {}
    rows_data = []
    keyed = {tuple(key.split(">")): items for key, items in groups.items()}
    keyed = {(origin, target or None): items for (origin, target), items in keyed.items()}
    for index, (key, items) in enumerate(sorted(keyed.items(), key=_transition_order)):
        plans = len({pid for pid, _b, _t in items})
        cells[index] = Cell(len(items), plans)
        judged = [t for _p, _b, t in items if t is not None]
        happened = [bits for _p, bits, _t in items if not bits & DECLINED]
        rows_data.append(
            (
                key,
                Cell(share(sum(judged), len(judged)), plans),
                {
                    element: Cell(
                        share(sum(1 for bits in happened if bits & bit), len(happened)), plans
                    )
                    for element, bit in MISSING.items()
                },
            )
        )
    total_plans = len({pid for items in groups.values() for pid, _b, _t in items})
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


def _transition_order(item) -> tuple:
    (origin, target), _items = item
    return (origin, target or "")


def _with(count: Cell, cell: Cell) -> Cell:
    """A row's other figure: withheld with its count (or under the threshold itself)."""
    cell = suppress_one(cell)
    return Cell(cell.value, cell.plans, suppressed=cell.suppressed or count.suppressed)


def _commitment_figures(
    facts: dict[int, list], names: dict[int, str], start: int, end: int, on: int
) -> tuple[list[OrganisationRow], Cell]:
    """Commitments due in the period (and already due), by the organisation of the member
    who committed: how many, and the share kept on time ("je tiens mes engagements")."""
    if not facts:
        return [], suppress_one(Cell(0, 0))
    groups: dict[int, list] = defaultdict(list)
    count, plans_with = 0, set()
    for pid, plan in facts.items():
        commitments = plan[COMMITMENTS_DUE]
        for index in range(0, len(commitments), 3):
            organisation_id, due_on, bits = commitments[index : index + 3]
            if not start <= due_on <= end or not (due_on < on or bits & KEPT):
                continue
            groups[organisation_id].append((pid, bool(bits & ON_TIME)))
            count += 1
            plans_with.add(pid)
    keyed = {
        (organisation_id or None, names.get(organisation_id) if organisation_id else None): items
        for organisation_id, items in groups.items()
    }
    ordered = sorted(keyed.items(), key=lambda item: (item[0][1] is None, item[0][1] or ""))
    cells: dict = {}
    kept: dict = {}
    for index, (_key, items) in enumerate(ordered):
        plans = len({pid for pid, _k in items})
        cells[index] = Cell(len(items), plans)
        kept[index] = Cell(share(sum(1 for _p, k in items if k), len(items)), plans)
    cells["total"] = Cell(count, len(plans_with))
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


def _participation_figures(facts: dict[int, list], start: int, end: int) -> dict[str, Cell]:
    """Plans where the person wrote their own voice; decisions in the period taken without
    the person or over an objection (as the checks flag them); days from the objective's
    first version to its first agreed one."""
    if not facts:
        return {
            key: Cell(None, 0)
            for key in ("own_voice", "without_person", "over_objection", "days_to_agreement")
        }
    own_voice = [pid for pid, plan in facts.items() if plan[OWN_VOICE]]
    without = [
        pid for pid, plan in facts.items() for day in plan[WITHOUT_PERSON] if start <= day <= end
    ]
    over = [
        pid for pid, plan in facts.items() for day in plan[OVER_OBJECTION] if start <= day <= end
    ]
    durations = [
        plan[DAYS_TO_AGREEMENT] for plan in facts.values() if plan[DAYS_TO_AGREEMENT] is not None
    ]
    return {
        "own_voice": Cell(len(own_voice), len(own_voice)),
        "without_person": Cell(len(without), len(set(without))),
        "over_objection": Cell(len(over), len(set(over))),
        "days_to_agreement": Cell(median(durations), len(durations)),
    }
