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
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from parcours.alliance.models import first_and_agreed, own_voices
from parcours.core.models import local_date
from parcours.core.transactions import after_response
from parcours.extensions import db
from parcours.means.models import commitments_of_plans, kept_on_time
from parcours.observatory.models import ObservatoryFacts
from parcours.timeline.checks import (
    HANDOFF_DECLINED,
    HANDOFF_PROPOSED,
    OPEN_END,
    RELAIS_ELEMENTS,
    FlagKind,
    compute_flags,
)
from parcours.timeline.inputs import load_timelines
from parcours.timeline.models import EpisodeKind, episode_kinds, first_answers
from parcours.timeline.snapshots import revision

FACTS = ObservatoryFacts.__table__
# Plans computed together: a constant number of queries each, and no more bound values
# than every database takes.
BATCH = 2_000
RUPTURES = (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE)


# The facts of one plan, as stored and read: one flat JSON list, small and quick to read
# back (days as ordinals, 0 for none; flags as bits):
#   [tolerance_days, closed_on, own_voice (0/1), days_to_agreement (or null),
#    ruptures: [start, end (0: still open as of OPEN_END), next_start (0: none)] * n,
#    hand-offs: [proposed_on, "from_kind>to_kind" (nothing after ">": no episode reached),
#                first_answer, PROPOSED | DECLINED | missing elements' bits] * n,
#    decisions without the person: [decided_on] * n, over an objection: [decided_on] * n,
#    commitments: [organisation_id (0: none), due_on, KEPT | ON_TIME] * n]
TOLERANCE, CLOSED_ON, OWN_VOICE, DAYS_TO_AGREEMENT, RUPTURE_RUNS, HANDOFFS = range(6)
WITHOUT_PERSON, OVER_OBJECTION, COMMITMENTS_DUE = range(6, 9)
PROPOSED, DECLINED = 1, 2
MISSING = {element: 4 << index for index, element in enumerate(RELAIS_ELEMENTS)}
KEPT, ON_TIME = 1, 2


def plan_facts(plans) -> dict[int, list]:
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
            found[pid] = stored
    if stale:
        ids = sorted(stale)
        stored_rows = []
        for start in range(0, len(ids), BATCH):
            for pid, facts in computed_facts(ids[start : start + BATCH]).items():
                found[pid] = facts
                stored_rows.append(
                    {"parcours_id": pid, "computed_revision": stale[pid], "facts": facts}
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


def computed_facts(ids: Sequence[int]) -> dict[int, list]:
    """The facts of these plans, from their timelines as the checks judge them (as of
    OPEN_END) and the read functions of the timeline, the alliance and the means (the
    observatory reads no table of theirs), in a constant number of queries."""
    if not ids:
        return {}
    timelines = load_timelines(ids, OPEN_END)
    kinds = episode_kinds(ids)
    answered = {handoff_id: local_date(first) for handoff_id, first in first_answers(ids).items()}
    own_voice = own_voices(ids)
    agreement = {
        pid: (local_date(agreed) - local_date(first)).days
        for pid, (first, agreed) in first_and_agreed(ids).items()
    }
    commitments: dict[int, list[int]] = {pid: [] for pid in ids}
    for pid, organisation_id, due_on, kept_at in commitments_of_plans(ids):
        bits = (KEPT if kept_at is not None else 0) | (
            ON_TIME if kept_on_time(kept_at, due_on) else 0
        )
        commitments[pid] += [organisation_id or 0, due_on.toordinal(), bits]
    result = {}
    for pid, timeline in timelines.items():
        data = timeline.input
        flags = compute_flags(data)
        ruptures, handoffs = [], []
        for flag in flags:
            if flag.kind in RUPTURES:
                following = flag.params.get("next_start")
                ruptures += [_day(flag.start), _day(flag.end), _day(following)]
        for handoff in data.handoffs:
            origin = kinds.get(handoff.from_episode_id)
            target = kinds.get(handoff.to_episode_id) if handoff.to_episode_id else None
            bits = (PROPOSED if handoff.status == HANDOFF_PROPOSED else 0) | (
                DECLINED if handoff.status == HANDOFF_DECLINED else 0
            )
            for element in handoff.missing:
                bits |= MISSING[element]
            transition = f"{_kind(origin)}>{_kind(target) if target else ''}"
            handoffs += [
                _day(handoff.proposed_on),
                transition,
                _day(answered.get(handoff.id)),
                bits,
            ]
        result[pid] = [
            data.tolerance_days,
            _day(data.closed_on),
            int(pid in own_voice),
            agreement.get(pid),
            ruptures,
            handoffs,
            [_day(f.start) for f in flags if f.kind is FlagKind.DECISION_WITHOUT_PERSON],
            [_day(f.start) for f in flags if f.kind is FlagKind.DECISION_OVER_OBJECTION],
            commitments[pid],
        ]
    return result


def _kind(kind: EpisodeKind | None) -> str:
    return kind.value if kind is not None else EpisodeKind.other.value


def _day(value: date | None) -> int:
    return 0 if value is None else value.toordinal()
