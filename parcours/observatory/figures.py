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
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from parcours.accounts.models import ObserverScope, Organisation
from parcours.core.errors import BadInput
from parcours.core.i18n import gettext as _
from parcours.core.models import live, today
from parcours.extensions import db
from parcours.observatory.anonymity import Cell, Line, suppress, suppress_one
from parcours.observatory.facts import PlanFacts, plan_facts
from parcours.plans.models import Parcours
from parcours.timeline.checks import (
    HANDOFF_DECLINED,
    HANDOFF_PROPOSED,
    RELAIS_ELEMENTS,
    FlagKind,
    ruptures_on,
)
from parcours.timeline.models import Episode

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


def _scope_query(scope: Scope, start: date, end: date):
    """The select of the plans where the organisation (or an organisation of the territory)
    had an episode overlapping the period, less those their person left out of the
    figures."""
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
        return query.where(Episode.organisation_id == scope.organisation_id)
    return query.join(Organisation, Organisation.id == Episode.organisation_id).where(
        Organisation.territory == scope.territory
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
    organisations = {c.organisation_id for f in facts.values() for c in f.commitments}
    organisations.discard(None)
    names = (
        dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_(sorted(organisations))
                )
            ).all()
        )
        if organisations
        else {}
    )
    ruptures = {
        pid: ruptures_on(f.ruptures, on, f.closed_on, f.tolerance_days) for pid, f in facts.items()
    }
    transitions, handoffs_total = _transition_figures(facts, start, end, on)
    commitments, commitments_total = _commitment_figures(facts, names, start, end, on)
    participation = _participation_figures(facts, start, end)
    return Figures(
        scope=scope,
        start=start,
        end=end,
        on=on,
        plans=suppress_one(Cell(len(ids), len(ids))),
        ruptures={
            key: suppress_one(cell) for key, cell in _rupture_figures(ruptures, start, end).items()
        },
        transitions=transitions,
        handoffs_total=handoffs_total,
        commitments=commitments,
        commitments_total=commitments_total,
        participation={key: suppress_one(cell) for key, cell in participation.items()},
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


def _transition_figures(
    facts: dict[int, PlanFacts], start: date, end: date, on: date
) -> tuple[list[TransitionRow], Cell]:
    """Hand-offs made in the period, by transition (kind of the episode left → kind of the
    one reached): how many, the share answered within the plan's tolerance, and the share
    lacking each element of the relais de sens (as the timeline's checks judge it)."""
    if not facts:
        return [], suppress_one(Cell(0, 0))
    groups: dict[tuple[str, str | None], list] = defaultdict(list)
    for pid, plan in facts.items():
        tolerance = plan.tolerance_days
        for handoff in plan.handoffs:
            if not start <= handoff.proposed_on <= end:
                continue
            if handoff.first_answer is not None:
                in_time = (handoff.first_answer - handoff.proposed_on).days <= tolerance
            elif handoff.status == HANDOFF_PROPOSED and (on - handoff.proposed_on).days <= (
                tolerance
            ):
                in_time = None  # still within its tolerance: not judged yet
            else:
                in_time = False
            groups[(handoff.from_kind, handoff.to_kind)].append((pid, handoff, in_time))

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


def _transition_order(item) -> tuple:
    (origin, target), _items = item
    return (origin, target or "")


def _with(count: Cell, cell: Cell) -> Cell:
    """A row's other figure: withheld with its count (or under the threshold itself)."""
    cell = suppress_one(cell)
    return Cell(cell.value, cell.plans, suppressed=cell.suppressed or count.suppressed)


def _commitment_figures(
    facts: dict[int, PlanFacts], names: dict[int, str], start: date, end: date, on: date
) -> tuple[list[OrganisationRow], Cell]:
    """Commitments due in the period (and already due), by the organisation of the member
    who committed: how many, and the share kept on time ("je tiens mes engagements")."""
    if not facts:
        return [], suppress_one(Cell(0, 0))
    groups: dict[tuple[int | None, str | None], list] = defaultdict(list)
    count, plans_with = 0, set()
    for pid, plan in facts.items():
        for commitment in plan.commitments:
            due_on = commitment.due_on
            if not start <= due_on <= end or not (due_on < on or commitment.kept):
                continue
            organisation_id = commitment.organisation_id
            key = (organisation_id, names.get(organisation_id) if organisation_id else None)
            groups[key].append((pid, commitment.on_time))
            count += 1
            plans_with.add(pid)
    ordered = sorted(groups.items(), key=lambda item: (item[0][1] is None, item[0][1] or ""))
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


def _participation_figures(facts: dict[int, PlanFacts], start: date, end: date) -> dict[str, Cell]:
    """Plans where the person wrote their own voice; decisions in the period taken without
    the person or over an objection (as the checks flag them); days from the objective's
    first version to its first agreed one."""
    if not facts:
        return {
            key: Cell(None, 0)
            for key in ("own_voice", "without_person", "over_objection", "days_to_agreement")
        }
    own_voice = [pid for pid, plan in facts.items() if plan.own_voice]
    without = [pid for pid, p in facts.items() for day in p.without_person if start <= day <= end]
    over = [pid for pid, p in facts.items() for day in p.over_objection if start <= day <= end]
    durations = [p.days_to_agreement for p in facts.values() if p.days_to_agreement is not None]
    return {
        "own_voice": Cell(len(own_voice), len(own_voice)),
        "without_person": Cell(len(without), len(set(without))),
        "over_objection": Cell(len(over), len(set(over))),
        "days_to_agreement": Cell(median(durations), len(durations)),
    }
