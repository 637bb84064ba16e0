"""The timeline checks' inputs, loaded from the database for one parcours or a whole
caseload (the checks themselves are pure: timeline/checks.py).

Everything is loaded with Core selects of the needed columns, in a constant number of
queries whatever the number of parcours, episodes and hand-offs.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Boolean, bindparam, func, null, select, type_coerce, union_all

from parcours.accounts.models import Organisation, User
from parcours.alliance.models import Approval, ObjectiveVersion
from parcours.core.errors import BadInput, DomainError
from parcours.core.i18n import gettext as _
from parcours.core.models import live, local_date, run_statement, today
from parcours.core.names import account_name
from parcours.extensions import db
from parcours.plans.models import Member, Parcours, Role
from parcours.timeline.checks import (
    HANDOFF_DECLINED,
    AcknowledgementData,
    EpisodeData,
    Flag,
    HandoffData,
    TimelineInput,
    compute_flags,
    confirmed_by_person,
)
from parcours.timeline.means_inputs import MeansFlagInputs, means_flag_inputs
from parcours.timeline.models import (
    Episode,
    EpisodeKind,
    FlagAcknowledgement,
    Handoff,
    check_day,
    display_label,
    hands_back_to_person,
    receiving_label,
)


@dataclass(frozen=True)
class ParcoursTimeline:
    """What the checks and the caseload need about one parcours."""

    input: TimelineInput
    # Labels of the episodes (not pauses) covering `today`.
    current_services: tuple[str, ...]
    # The day the latest hand-off not declined was made.
    last_handoff_on: date | None
    # How many proposals each status holds (read with the means the checks need).
    means_by_status: tuple = ()

    def handoff(self, handoff_id: int) -> HandoffData:
        """One hand-off as the checks see it: its relais de sens and what it lacks."""
        return next(h for h in self.input.handoffs if h.id == handoff_id)


@dataclass(frozen=True)
class ObjectiveApprovers:
    """Who approved the objective of one parcours: the version in force, among its current
    members, and every agreed version (all who approved it), to judge a hand-off against the
    version in force when it was accepted."""

    organisation_ids: frozenset[int]
    person_or_family: bool
    # The version in force (None: no version is agreed yet).
    version_id: int | None = None
    # Each agreed version: the organisations and whether the person or family approved it.
    by_version: Mapping[int, tuple[frozenset[int], bool]] = field(default_factory=dict)

    def passed_to(
        self, organisation_id: int | None, person_and_family: bool, version_id: int | None = None
    ) -> bool:
        """Element (1) of the relais de sens, for one receiving side: judged against
        `version_id` (the version in force when the hand-off was accepted or completed), else
        against the version in force now. A later version never changes a past verdict."""
        if version_id is None:
            organisations, people = self.organisation_ids, self.person_or_family
        else:
            organisations, people = self.by_version.get(version_id, (frozenset(), False))
        if person_and_family:
            return people
        return organisation_id is not None and organisation_id in organisations

    def shared_with(self, organisation_id: int | None) -> bool:
        """Whether a service (its current members) approved the version in force: True when
        no version is in force (nothing to share yet)."""
        return self.version_id is None or organisation_id in self.organisation_ids


NO_APPROVERS = ObjectiveApprovers(frozenset(), False)


_IN_FORCE = (
    select(ObjectiveVersion.parcours_id, func.max(ObjectiveVersion.number).label("number"))
    .where(
        ObjectiveVersion.parcours_id.in_(bindparam("ids", expanding=True)),
        ObjectiveVersion.agreed_at.is_not(None),
    )
    .group_by(ObjectiveVersion.parcours_id)
    .subquery()
)
# Statements built once (every page of a plan asks them); the parcours ids are bound.
# Every approval of an agreed version, with whether it is the version in force and whether
# the member is still in the plan.
APPROVERS = (
    select(
        ObjectiveVersion.parcours_id,
        ObjectiveVersion.id.label("version_id"),
        (ObjectiveVersion.number == _IN_FORCE.c.number).label("in_force"),
        Member.left_at.is_(None).label("current"),
        Member.role,
        Member.organisation_id,
    )
    .join(_IN_FORCE, _IN_FORCE.c.parcours_id == ObjectiveVersion.parcours_id)
    .join(Approval, Approval.version_id == ObjectiveVersion.id)
    .join(Member, Member.id == Approval.member_id)
    .where(ObjectiveVersion.agreed_at.is_not(None))
)
PARCOURS = select(
    Parcours.id, Parcours.person_name, Parcours.tolerance_days, Parcours.closed_on
).where(Parcours.id.in_(bindparam("ids", expanding=True)))
EPISODES = (
    select(
        Episode.id,
        Episode.parcours_id,
        Episode.kind,
        Episode.label,
        Episode.start_date,
        Episode.end_date,
        Episode.organisation_id,
        Organisation.name,
        Episode.person_agreed,
        Episode.person_confirmed,
    )
    .outerjoin(Organisation, Organisation.id == Episode.organisation_id)
    .where(Episode.parcours_id.in_(bindparam("ids", expanding=True)), live(Episode))
    .order_by(Episode.start_date, Episode.id)
)
ACKNOWLEDGEMENTS = (
    select(
        FlagAcknowledgement.parcours_id,
        FlagAcknowledgement.key,
        User.name,
        User.closed_at,
        FlagAcknowledgement.created_at,
        FlagAcknowledgement.note,
    )
    .join(Member, Member.id == FlagAcknowledgement.member_id)
    .join(User, User.id == Member.user_id)
    .where(FlagAcknowledgement.parcours_id.in_(bindparam("ids", expanding=True)))
)


Answers = dict[int, dict[str, AcknowledgementData]]


def _answer(name: str, closed_at, created_at, note: str) -> AcknowledgementData:
    return AcknowledgementData(account_name(name, closed_at), local_date(created_at), note)


def acknowledgements_of(parcours_ids: Sequence[int]) -> Answers:
    """The answers given to each parcours' flags, by flag key (one query)."""
    answers: Answers = {pid: {} for pid in parcours_ids}
    for pid, key, name, closed_at, created_at, note in db.session.execute(
        ACKNOWLEDGEMENTS, {"ids": list(parcours_ids)}
    ):
        answers.setdefault(pid, {})[key] = _answer(name, closed_at, created_at, note)
    return answers


def _no(column):
    """NULL, read back as the column's type (a branch of a UNION without this column)."""
    return type_coerce(null(), column.type)


# What the members said that the checks take as input, in one statement: who approved the
# objective in force (the relais' first element), and the answers given to flags.
SAID = union_all(
    APPROVERS.add_columns(
        _no(FlagAcknowledgement.key),
        _no(User.name),
        _no(User.closed_at),
        _no(FlagAcknowledgement.created_at),
        _no(FlagAcknowledgement.note),
    ),
    select(
        FlagAcknowledgement.parcours_id,
        _no(ObjectiveVersion.id),
        type_coerce(null(), Boolean),
        type_coerce(null(), Boolean),
        _no(Member.role),
        _no(Member.organisation_id),
        *list(ACKNOWLEDGEMENTS.selected_columns)[1:],
    )
    .join(Member, Member.id == FlagAcknowledgement.member_id)
    .join(User, User.id == Member.user_id)
    .where(FlagAcknowledgement.parcours_id.in_(bindparam("ids", expanding=True))),
)


def approvers_and_answers(
    parcours_ids: Sequence[int],
) -> tuple[dict[int, ObjectiveApprovers], Answers]:
    """`objective_approvers` and `acknowledgements_of` together, in one query."""
    approvals, answers = [], {pid: {} for pid in parcours_ids}
    for row in run_statement(SAID, {"ids": list(parcours_ids)}):
        pid, key, name, closed_at, created_at, note = row[0], *row[6:]
        if key is None:
            approvals.append(row[:6])
        else:
            answers.setdefault(pid, {})[key] = _answer(name, closed_at, created_at, note)
    return _approvers(approvals), answers


HANDOFFS = (
    select(
        Handoff.id,
        Handoff.parcours_id,
        Handoff.from_episode_id,
        Handoff.to_episode_id,
        Handoff.receiving_organisation_id,
        Organisation.name,
        Handoff.to_person_and_family,
        Handoff.status,
        Handoff.proposed_on,
        Handoff.person_involved,
        Handoff.services_in_contact,
        (func.length(func.trim(Handoff.meaning_note)) > 0).label("has_note"),
        Handoff.objective_approved_through_link,
        Handoff.person_confirmed,
        Handoff.objective_version_id,
    )
    .outerjoin(Organisation, Organisation.id == Handoff.receiving_organisation_id)
    .where(Handoff.parcours_id.in_(bindparam("ids", expanding=True)))
    .order_by(Handoff.proposed_on, Handoff.id)
)


def objective_approvers(parcours_ids: Sequence[int]) -> dict[int, ObjectiveApprovers]:
    """For each parcours with an objective in force, who approved it (one query)."""
    return _approvers(run_statement(APPROVERS, {"ids": list(parcours_ids)}))


def _approvers(rows) -> dict[int, ObjectiveApprovers]:
    """From (parcours, version, in force, current member, role, organisation) rows."""
    in_force: dict[int, int] = {}
    # (parcours or version id) -> organisations, person or family
    now: dict[int, tuple[set[int], list[bool]]] = defaultdict(lambda: (set(), [False]))
    ever: dict[int, tuple[set[int], list[bool]]] = defaultdict(lambda: (set(), [False]))
    versions: dict[int, set[int]] = defaultdict(set)
    for parcours_id, version_id, is_in_force, current, role, organisation_id in rows:
        versions[parcours_id].add(version_id)
        targets = [ever[version_id]]
        if is_in_force:
            in_force[parcours_id] = version_id
            if current:
                targets.append(now[parcours_id])
        for organisations, people in targets:
            if role in (Role.person, Role.family):
                people[0] = True
            elif organisation_id is not None:
                organisations.add(organisation_id)
    return {
        parcours_id: ObjectiveApprovers(
            frozenset(now[parcours_id][0]),
            now[parcours_id][1][0],
            in_force.get(parcours_id),
            {v: (frozenset(ever[v][0]), ever[v][1][0]) for v in ids},
        )
        for parcours_id, ids in versions.items()
    }


def approvers_of(parcours_id: int) -> ObjectiveApprovers:
    """Who approved the objective in force of one parcours (one query)."""
    return objective_approvers([parcours_id]).get(parcours_id, NO_APPROVERS)


def load_timelines(
    parcours_ids: Sequence[int],
    on: date,
    *,
    parcours: Sequence[Parcours] = (),
    approvers: dict[int, ObjectiveApprovers] | None = None,
) -> dict[int, ParcoursTimeline]:
    """The checks' input for each parcours, in a constant number of queries (fewer when the
    page has already loaded the `parcours` or who approved their objective)."""
    ids = list(dict.fromkeys(parcours_ids))
    if not ids:
        return {}
    if parcours:
        parcours_rows = [(p.id, p.person_name, p.tolerance_days, p.closed_on) for p in parcours]
    else:
        parcours_rows = run_statement(PARCOURS, {"ids": ids}).all()

    if approvers is None:
        approvers, answers = approvers_and_answers(ids)
    else:
        answers = acknowledgements_of(ids)
    episodes: dict[int, list[EpisodeData]] = defaultdict(list)
    episode_info: dict[int, tuple[int | None, bool, str]] = {}
    for row in run_statement(EPISODES, {"ids": ids}):
        eid, pid, kind, label, start, end, organisation_id, organisation_name = row[:8]
        is_pause = kind is EpisodeKind.pause
        name = display_label(label, organisation_name)
        episodes[pid].append(
            EpisodeData(
                eid,
                name,
                start,
                end,
                is_pause,
                person_confirmed=confirmed_by_person(row.person_agreed, row.person_confirmed),
                objective_shared=approvers.get(pid, NO_APPROVERS).shared_with(organisation_id),
            )
        )
        episode_info[eid] = (organisation_id, is_pause, name)

    handoffs: dict[int, list[HandoffData]] = defaultdict(list)
    handoff_rows = run_statement(HANDOFFS, {"ids": ids})
    for row in handoff_rows:
        (hid, pid, from_id, to_id, org_id, org_name, to_people, status, proposed_on) = row[:9]
        to_episode = episode_info.get(to_id) if to_id is not None else None
        person_and_family = hands_back_to_person(
            to_people, to_episode is not None and to_episode[1]
        )
        receiving_organisation = to_episode[0] if to_episode is not None else org_id
        passed = bool(row.objective_approved_through_link) or approvers.get(
            pid, NO_APPROVERS
        ).passed_to(receiving_organisation, person_and_family, row.objective_version_id)
        handoffs[pid].append(
            HandoffData(
                hid,
                from_id,
                to_id,
                receiving_label(
                    to_episode_label=to_episode[2] if to_episode else None,
                    organisation_name=org_name,
                    person_and_family=person_and_family,
                ),
                status.value,
                proposed_on,
                objective_passed=passed,
                person_involved=confirmed_by_person(row.person_involved, row.person_confirmed),
                has_meaning_note=bool(row.has_note),
                services_in_contact=bool(row.services_in_contact),
            )
        )

    means = means_flag_inputs(ids)
    return {
        row[0]: _assemble(
            row, episodes[row[0]], handoffs[row[0]], means.get(row[0]), answers[row[0]], on
        )
        for row in parcours_rows
    }


def timeline_from(
    parcours: Parcours,
    episodes: Sequence[Episode],
    handoffs: Sequence[Handoff],
    on: date,
    approvers: ObjectiveApprovers | None = None,
) -> ParcoursTimeline:
    """The checks' input of one parcours from the episodes and hand-offs a page has loaded
    (as objects, with their episodes linked): only the means, the answers to its flags and,
    unless given, who approved its objective are read."""
    row = (parcours.id, parcours.person_name, parcours.tolerance_days, parcours.closed_on)
    if approvers is None:
        found, answers = approvers_and_answers([parcours.id])
        approvers = found.get(parcours.id, NO_APPROVERS)
    else:
        answers = acknowledgements_of([parcours.id])
    return _assemble(
        row,
        [episode_data(e, approvers) for e in episodes],
        [handoff_data(h, approvers) for h in handoffs],
        means_flag_inputs([parcours.id]).get(parcours.id),
        answers[parcours.id],
        on,
    )


def _assemble(
    parcours_row: tuple,
    episodes: Sequence[EpisodeData],
    handoffs: Sequence[HandoffData],
    means: MeansFlagInputs | None,
    acknowledgements: dict[str, AcknowledgementData],
    on: date,
) -> ParcoursTimeline:
    """One parcours' input to the checks, with the services accompanying the person on `on`
    and the day of the latest hand-off not declined."""
    _pid, person_name, tolerance_days, closed_on = parcours_row
    made = [h.proposed_on for h in handoffs if h.status != HANDOFF_DECLINED]
    return ParcoursTimeline(
        TimelineInput(
            person_name=person_name,
            today=on,
            closed_on=closed_on,
            tolerance_days=tolerance_days,
            episodes=tuple(episodes),
            handoffs=tuple(handoffs),
            adopted_without_person=means.adopted_without_person if means else (),
            adopted_over_objection=means.adopted_over_objection if means else (),
            commitments=means.commitments if means else (),
            acknowledgements=acknowledgements,
        ),
        current_services=tuple(
            e.label
            for e in episodes
            if not e.is_pause and e.start <= on and (e.end is None or e.end >= on)
        ),
        last_handoff_on=max(made, default=None),
        means_by_status=means.by_status if means else (),
    )


def flags_for(parcours_ids: Sequence[int], on: date | None = None) -> dict[int, list[Flag]]:
    """Every flag of each parcours as of `on` (default: today), most severe first."""
    return {
        pid: compute_flags(timeline.input)
        for pid, timeline in load_timelines(parcours_ids, on or today()).items()
    }


def episode_data(episode: Episode, approvers: ObjectiveApprovers) -> EpisodeData:
    """One episode loaded as an object, as the checks see it."""
    return EpisodeData(
        episode.id,
        episode.display_label,
        episode.start_date,
        episode.end_date,
        episode.is_pause,
        person_confirmed=confirmed_by_person(episode.person_agreed, episode.person_confirmed),
        objective_shared=approvers.shared_with(episode.organisation_id),
    )


def handoff_data(handoff: Handoff, approvers: ObjectiveApprovers) -> HandoffData:
    """One hand-off loaded as an object (with its episodes), as the checks see it."""
    organisation = handoff.receiving_organisation_in_effect
    return HandoffData(
        handoff.id,
        handoff.from_episode_id,
        handoff.to_episode_id,
        handoff.receiving_label,
        handoff.status.value,
        handoff.proposed_on,
        objective_passed=handoff.objective_approved_through_link
        or approvers.passed_to(
            organisation.id if organisation else None,
            handoff.receives_person_and_family,
            handoff.objective_version_id,
        ),
        person_involved=handoff.person_took_part,
        has_meaning_note=handoff.has_meaning_note,
        services_in_contact=handoff.services_in_contact,
    )


def as_of(value: str | None) -> date:
    """The day asked about in a `today` parameter (YYYY-MM-DD), by default today."""
    if not value:
        return today()
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(
            _("The date %(value)s is not valid: write it as YYYY-MM-DD.", value=value[:20])
        ) from None
    try:
        return check_day(day)
    except DomainError as error:
        raise BadInput(error.message) from None
