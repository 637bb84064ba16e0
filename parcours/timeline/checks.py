"""Timeline checks: find ruptures and weak hand-offs in a parcours, from plain data.

Pure functions over frozen dataclasses: no database, no Flask. Dates are whole days and
episode bounds are inclusive. Every check is O(n log n) in the number of episodes and
hand-offs.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import MappingProxyType

ONE_DAY = timedelta(days=1)

HANDOFF_PROPOSED = "proposed"
HANDOFF_DECLINED = "declined"

# The four elements of a "relais de sens", in the order flags list them.
RELAIS_ELEMENTS = ("objective", "person", "meaning_note", "contact")


def confirmed_by_person(declared: bool | None, answer: bool | None) -> bool:
    """A fact that is the person's (they took part in a transition, they chose a pause)
    counts once a member declared it and the person, or their legal representative,
    confirmed it: not before they answered, not when they said no."""
    return bool(declared) and answer is True


@dataclass(frozen=True)
class EpisodeData:
    """A period when one service accompanies the person (or a pause the person chose)."""

    id: int
    label: str
    start: date
    end: date | None  # inclusive; None = ongoing
    is_pause: bool = False
    # For a pause: the person (or their legal representative) confirmed they chose it
    # (`confirmed_by_person`). An unconfirmed pause covers nothing: a gap like any other.
    person_confirmed: bool = True
    # For a service: its members have approved the objective version in force (True when no
    # version is in force). False raises objective_not_shared_with_current while it
    # accompanies the person.
    objective_shared: bool = True

    @property
    def covers(self) -> bool:
        """Whether its days count as accompanied: a service, or a pause the person chose."""
        return not self.is_pause or self.person_confirmed


@dataclass(frozen=True)
class HandoffData:
    """A transition from one episode to the next, as recorded by the services."""

    id: int
    from_episode_id: int
    to_episode_id: int | None
    receiving_label: str
    status: str  # "proposed" | "accepted" | "declined" | "completed"
    proposed_on: date
    objective_passed: bool  # judged against the version in force when it was accepted
    person_involved: bool  # declared and confirmed by the person (`confirmed_by_person`)
    has_meaning_note: bool
    services_in_contact: bool

    @property
    def relais(self) -> dict[str, bool]:
        """The four elements of its relais de sens, each present or not (RELAIS_ELEMENTS)."""
        present = (
            self.objective_passed,
            self.person_involved,
            self.has_meaning_note,
            self.services_in_contact,
        )
        return dict(zip(RELAIS_ELEMENTS, present, strict=True))

    @property
    def missing(self) -> tuple[str, ...]:
        """What its relais de sens lacks. A declined hand-off did not happen: it lacks nothing
        (the page, the API, the flags, the chart, the CSV, the PDF and FHIR all say so)."""
        if self.status == HANDOFF_DECLINED:
            return ()
        return tuple(name for name, present in self.relais.items() if not present)


@dataclass(frozen=True)
class AdoptedMeansData:
    """A means adopted with no stance recorded from the person."""

    means_id: int
    title: str
    decided_on: date


@dataclass(frozen=True)
class ObjectedMeansData:
    """A means adopted while members opposed it, who were not among those heard."""

    means_id: int
    title: str
    decided_on: date
    objectors: tuple[str, ...]  # their names, as the reader sees them


@dataclass(frozen=True)
class CommitmentData:
    """An action a member committed to do by a given day."""

    id: int
    action: str
    member_name: str
    due_on: date
    kept: bool
    member_id: int | None = None

    def is_overdue(self, on: date) -> bool:
        """Past its due day and not kept."""
        return not self.kept and self.due_on < on


@dataclass(frozen=True)
class AcknowledgementData:
    """A member's answer to a flag: who (as the reader sees them), on which day, and the note."""

    by: str
    on: date
    note: str


@dataclass(frozen=True)
class TimelineInput:
    """Everything the checks need about one parcours."""

    person_name: str
    today: date
    closed_on: date | None = None
    tolerance_days: int = 14
    episodes: tuple[EpisodeData, ...] = ()
    handoffs: tuple[HandoffData, ...] = ()
    adopted_without_person: tuple[AdoptedMeansData, ...] = ()
    commitments: tuple[CommitmentData, ...] = ()
    adopted_over_objection: tuple[ObjectedMeansData, ...] = ()
    # The answers given to flags, by flag key (a flag no longer raised keeps none).
    acknowledgements: Mapping[str, AcknowledgementData] = field(default_factory=dict)

    @property
    def horizon(self) -> date:
        """Last day the checks look at: today, or the closing day of a closed parcours."""
        if self.closed_on is None:
            return self.today
        return min(self.today, self.closed_on)

    @property
    def is_open(self) -> bool:
        """Whether the parcours is still running today."""
        return self.closed_on is None or self.closed_on > self.today


class FlagKind(enum.StrEnum):
    """What a flag is about; declaration order breaks ties when sorting."""

    RUPTURE = "rupture"
    ONGOING_RUPTURE = "ongoing_rupture"
    MISSING_HANDOFF = "missing_handoff"
    HANDOFF_UNANSWERED = "handoff_unanswered"
    MISSING_RELAIS_DE_SENS = "missing_relais_de_sens"
    DECISION_WITHOUT_PERSON = "decision_without_person"
    DECISION_OVER_OBJECTION = "decision_over_objection"
    COMMITMENT_OVERDUE = "commitment_overdue"
    OBJECTIVE_NOT_SHARED_WITH_CURRENT = "objective_not_shared_with_current"


class Severity(enum.IntEnum):
    """How urgent a flag is; higher is more urgent."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """Lower-case name, e.g. "critical"."""
        return self.name.lower()


SEVERITY = {
    FlagKind.ONGOING_RUPTURE: Severity.CRITICAL,
    FlagKind.RUPTURE: Severity.HIGH,
    FlagKind.MISSING_HANDOFF: Severity.HIGH,
    FlagKind.MISSING_RELAIS_DE_SENS: Severity.MEDIUM,
    FlagKind.HANDOFF_UNANSWERED: Severity.MEDIUM,
    FlagKind.DECISION_WITHOUT_PERSON: Severity.MEDIUM,
    FlagKind.DECISION_OVER_OBJECTION: Severity.MEDIUM,
    FlagKind.COMMITMENT_OVERDUE: Severity.LOW,
    # Like a missing relais de sens: the service accompanying the person now does not share
    # the objective in force.
    FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT: Severity.MEDIUM,
}

_KIND_ORDER = {kind: index for index, kind in enumerate(FlagKind)}

Param = str | int | date


@dataclass(frozen=True)
class Flag:
    """One problem found on the timeline; `params` carries what messages need."""

    kind: FlagKind
    severity: Severity
    start: date | None
    end: date | None  # None for an ongoing rupture
    episode_ids: tuple[int, ...] = ()
    handoff_id: int | None = None
    means_id: int | None = None
    commitment_id: int | None = None
    missing: tuple[str, ...] = ()
    days: int | None = None
    params: Mapping[str, Param] = field(default_factory=dict, compare=False)
    # A member's answer: the flag stays, answered (it sorts after the open ones).
    acknowledged: AcknowledgementData | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Read-only view, so a frozen flag cannot be changed through its params.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def key(self) -> str:
        """What the flag is about, stable from one day to the next (an API client, and an
        answer to the flag, refer to it by this): its kind and the record it is raised on,
        e.g. "missing_relais_de_sens-h12". A rupture is named by the episode it follows, so
        an ongoing rupture keeps its key once it has ended."""
        if self.kind in (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE):
            return f"rupture-e{self.episode_ids[0]}"
        if self.handoff_id is not None:
            return f"{self.kind.value}-h{self.handoff_id}"
        if self.means_id is not None:
            return f"{self.kind.value}-m{self.means_id}"
        if self.commitment_id is not None:
            return f"{self.kind.value}-c{self.commitment_id}"
        return f"{self.kind.value}-e{self.episode_ids[0]}"

    @property
    def is_open(self) -> bool:
        """Still waiting for someone: neither answered nor past."""
        return self.acknowledged is None and not self.is_past

    @property
    def is_past(self) -> bool:
        """A rupture that has ended: a fact of the history, to learn from, below anything
        still open."""
        return self.kind is FlagKind.RUPTURE


def compute_flags(data: TimelineInput) -> list[Flag]:
    """Return every flag raised by the timeline: the open ones first, most severe first, then
    the past ruptures, then the answered ones (`data.acknowledgements`)."""
    episodes_by_id = {episode.id: episode for episode in data.episodes}
    flags = [
        *_rupture_flags(data),
        *_missing_handoff_flags(data),
        *_handoff_flags(data, episodes_by_id),
        *_decision_flags(data),
        *_commitment_flags(data),
        *_objective_not_shared_flags(data),
    ]
    if data.acknowledgements:
        flags = [
            replace(flag, acknowledged=answer)
            if (answer := data.acknowledgements.get(flag.key))
            else flag
            for flag in flags
        ]
    flags.sort(key=_sort_key)
    return flags


def _sort_key(flag: Flag) -> tuple:
    """What is still open first, then the past ruptures not answered, then what was
    answered; within each, severity (highest first), start, kind, then ids so the order is
    fully determined."""
    return (
        2 if flag.acknowledged is not None else int(flag.is_past),
        -flag.severity,
        flag.start is None,
        flag.start or date.min,
        _KIND_ORDER[flag.kind],
        flag.episode_ids,
        flag.handoff_id or 0,
        flag.means_id or 0,
        flag.commitment_id or 0,
    )


def _valid(episodes: tuple[EpisodeData, ...]) -> list[EpisodeData]:
    """Episodes that last at least one day, sorted by start then id."""
    valid = (e for e in episodes if e.end is None or e.end >= e.start)
    return sorted(valid, key=lambda e: (e.start, e.id))


def _rupture_flags(data: TimelineInput) -> Iterator[Flag]:
    """Uncovered runs longer than the tolerance, between the first start and the horizon.
    Services and pauses the person confirmed cover their days; a pause they have not
    confirmed covers none (it still opens the timeline when it comes first)."""
    horizon = data.horizon
    valid = _valid(data.episodes)
    if not valid or valid[0].start > horizon:
        return
    episodes = [e for e in valid if e.covers]
    # Sweep the episodes by start, merging overlapping and adjacent ones into one block
    # that ends on block_end; `last` is an episode ending that day, the one before a gap.
    last = valid[0]
    block_end = last.end if last.covers else last.start - ONE_DAY
    following = None  # the first episode planned after the horizon
    for episode in episodes:
        if block_end is None:
            return  # covered for good from here on
        if episode.start > horizon:
            following = episode
            break
        if episode.start > block_end + ONE_DAY:
            gap = _gap_flag(data, block_end + ONE_DAY, episode.start - ONE_DAY, last, episode)
            if gap is not None:
                yield gap
        if episode.end is None or episode.end >= block_end:
            last = episode
            block_end = episode.end
    if block_end is not None and block_end < horizon:
        gap = _gap_flag(data, block_end + ONE_DAY, horizon, last, following)
        if gap is not None:
            yield gap


def _gap_flag(
    data: TimelineInput,
    start: date,
    end: date,
    before: EpisodeData,
    after: EpisodeData | None,
) -> Flag | None:
    """A rupture (or ongoing rupture) flag for the uncovered run start..end, if too long."""
    days = (end - start).days + 1
    if days <= data.tolerance_days:
        return None
    episode_ids = (before.id,)
    params: dict[str, Param] = {"previous": before.label}
    if after is not None:
        episode_ids += (after.id,)
        params |= {"next": after.label, "next_start": after.start}
    if end == data.today and data.is_open:
        kind = FlagKind.ONGOING_RUPTURE
        return Flag(kind, SEVERITY[kind], start, None, episode_ids, days=days, params=params)
    kind = FlagKind.RUPTURE
    return Flag(kind, SEVERITY[kind], start, end, episode_ids, days=days, params=params)


# A day after any day a timeline is looked at. The ruptures as of it are every uncovered run
# longer than the tolerance, each up to the next service (or, for the last one, open): what the
# ruptures as of any earlier day are cut from (`ruptures_on`), so that they can be kept once
# and read on any day.
OPEN_END = date(9999, 12, 30)


def cut_rupture(
    start: date, end: date | None, on: date, closed_on: date | None, tolerance_days: int
) -> tuple[FlagKind, date, int] | None:
    """A rupture as of OPEN_END (from `start` to `end`, None when still open then) as the
    checks find it on `on`: its kind, its last day so far and its days; None when it starts
    after the horizon or no longer lasts more than the tolerance. Ongoing when it reaches
    `on` while the parcours is open."""
    horizon = on if closed_on is None else min(on, closed_on)
    if start > horizon:
        return None
    last = horizon if end is None else min(end, horizon)
    days = (last - start).days + 1
    if days <= tolerance_days:
        return None
    is_open = closed_on is None or closed_on > on
    return (FlagKind.ONGOING_RUPTURE if last == on and is_open else FlagKind.RUPTURE), last, days


def ruptures_on(
    runs: Iterable[Flag], on: date, closed_on: date | None, tolerance_days: int
) -> list[Flag]:
    """The rupture flags of a timeline as of `on`, from its rupture flags as of OPEN_END (the
    same input with `today=OPEN_END`), each cut by `cut_rupture`: the same flags as
    `compute_flags` on that day, unanswered."""
    flags = []
    for run in runs:
        if run.kind not in (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE):
            continue
        cut = cut_rupture(run.start, run.end, on, closed_on, tolerance_days)
        if cut is None:
            continue
        kind, last, days = cut
        end = None if kind is FlagKind.ONGOING_RUPTURE else last
        flags.append(
            Flag(
                kind, SEVERITY[kind], run.start, end, run.episode_ids, days=days, params=run.params
            )
        )
    return flags


def _successors(episodes: list[EpisodeData]) -> dict[int, EpisodeData]:
    """Map each episode id to the episode that follows it, when there is one.

    The follower of A is the earliest episode (by start, then id) that starts after A starts
    and is still running after A ends: this skips short episodes nested inside A and keeps
    one that overlaps A's end. `episodes` must be sorted by (start, id). A monotonic stack
    swept from the latest start makes the whole search O(n log n).
    """
    successors: dict[int, EpisodeData] = {}
    # Candidates, latest-starting at the bottom; ends strictly grow towards the bottom.
    stack: list[EpisodeData] = []
    stack_ends: list[int] = []  # negated end ordinals (ongoing = -inf), so it is ascending
    index = len(episodes)
    while index > 0:
        group_start = index
        start = episodes[index - 1].start
        while index > 0 and episodes[index - 1].start == start:
            index -= 1
        group = episodes[index:group_start]
        # Episodes starting the same day cannot follow each other: answer them first.
        for episode in group:
            end = _end_key(episode)
            position = bisect.bisect_left(stack_ends, -end)
            if position > 0:
                successors[episode.id] = stack[position - 1]
        for episode in reversed(group):
            end = _end_key(episode)
            while stack_ends and -stack_ends[-1] <= end:
                stack.pop()
                stack_ends.pop()
            stack.append(episode)
            stack_ends.append(-end)
    return successors


def _end_key(episode: EpisodeData) -> int:
    """Ordinal of the episode's last day, an ongoing episode ending after every date."""
    return date.max.toordinal() + 1 if episode.end is None else episode.end.toordinal()


def _missing_handoff_flags(data: TimelineInput) -> Iterator[Flag]:
    """Ended episodes (not pauses) with no outgoing hand-off other than declined ones."""
    horizon = data.horizon
    relayed = {h.from_episode_id for h in data.handoffs if h.status != HANDOFF_DECLINED}
    successors = _successors(sorted(data.episodes, key=lambda e: (e.start, e.id)))
    kind = FlagKind.MISSING_HANDOFF
    for episode in data.episodes:
        if episode.is_pause or episode.end is None or episode.end >= horizon:
            continue
        if episode.id in relayed:
            continue
        params: dict[str, Param] = {"from_label": episode.label}
        episode_ids: tuple[int, ...] = (episode.id,)
        following = successors.get(episode.id)
        if following is not None:
            params["to_label"] = following.label
            episode_ids = (episode.id, following.id)
        yield Flag(kind, SEVERITY[kind], episode.end, episode.end, episode_ids, params=params)


def _handoff_flags(
    data: TimelineInput, episodes_by_id: Mapping[int, EpisodeData]
) -> Iterator[Flag]:
    """Hand-offs left unanswered too long, and hand-offs missing part of the relais de sens."""
    horizon = data.horizon
    for handoff in data.handoffs:
        origin = episodes_by_id.get(handoff.from_episode_id)
        params: dict[str, Param] = {
            "from_label": origin.label if origin is not None else "",
            "to_label": handoff.receiving_label,
            "proposed_on": handoff.proposed_on,
        }
        episode_ids = tuple(
            episode_id
            for episode_id in (handoff.from_episode_id, handoff.to_episode_id)
            if episode_id is not None
        )
        waited = (horizon - handoff.proposed_on).days
        if handoff.status == HANDOFF_PROPOSED and waited > data.tolerance_days:
            kind = FlagKind.HANDOFF_UNANSWERED
            yield Flag(
                kind,
                SEVERITY[kind],
                handoff.proposed_on,
                horizon,
                episode_ids,
                handoff_id=handoff.id,
                days=waited,
                params=params,
            )
        missing = handoff.missing
        if missing:
            kind = FlagKind.MISSING_RELAIS_DE_SENS
            yield Flag(
                kind,
                SEVERITY[kind],
                handoff.proposed_on,
                handoff.proposed_on,
                episode_ids,
                handoff_id=handoff.id,
                missing=missing,
                params=params,
            )


def _decision_flags(data: TimelineInput) -> Iterator[Flag]:
    """One flag per means adopted with no stance from the person, and one per means adopted
    over the objection of members who were not heard (an alliance, not a coalition)."""
    kind = FlagKind.DECISION_WITHOUT_PERSON
    for means in data.adopted_without_person:
        yield Flag(
            kind,
            SEVERITY[kind],
            means.decided_on,
            means.decided_on,
            means_id=means.means_id,
            params={"title": means.title, "decided_on": means.decided_on},
        )
    kind = FlagKind.DECISION_OVER_OBJECTION
    for means in data.adopted_over_objection:
        yield Flag(
            kind,
            SEVERITY[kind],
            means.decided_on,
            means.decided_on,
            means_id=means.means_id,
            params={
                "title": means.title,
                "decided_on": means.decided_on,
                "objectors": means.objectors,
            },
        )


def _commitment_flags(data: TimelineInput) -> Iterator[Flag]:
    """Commitments not kept whose due day is before the horizon."""
    horizon = data.horizon
    kind = FlagKind.COMMITMENT_OVERDUE
    for commitment in data.commitments:
        if commitment.kept or commitment.due_on >= horizon:
            continue
        yield Flag(
            kind,
            SEVERITY[kind],
            commitment.due_on,
            horizon,
            commitment_id=commitment.id,
            days=(horizon - commitment.due_on).days,
            params={
                "action": commitment.action,
                "member": commitment.member_name,
                "due_on": commitment.due_on,
            },
        )


def _objective_not_shared_flags(data: TimelineInput) -> Iterator[Flag]:
    """Services accompanying the person today whose members have not approved the objective
    version in force (none once the parcours is closed)."""
    if not data.is_open:
        return
    kind = FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT
    on = data.today
    for episode in data.episodes:
        if episode.is_pause or episode.objective_shared:
            continue
        if episode.start <= on and (episode.end is None or episode.end >= on):
            yield Flag(
                kind,
                SEVERITY[kind],
                on,
                None,
                (episode.id,),
                params={"label": episode.label},
            )
