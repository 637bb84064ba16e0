"""What the timeline checks need from the means: adoptions without the person or over an
objection not heard, commitments; and, read with them, how many proposals each status
holds (the plan's overview shows it)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import aliased

from parcours.accounts.models import User
from parcours.core.models import live, local_date, run_statement
from parcours.core.names import account_name
from parcours.means.models import (
    Commitment,
    Decision,
    Means,
    MeansStatus,
    Stance,
    StanceValue,
    decision_participants,
)
from parcours.plans.models import Member, Role
from parcours.timeline.checks import AdoptedMeansData, CommitmentData, ObjectedMeansData


@dataclass(frozen=True)
class MeansFlagInputs:
    """The means data of one parcours, as the timeline checks take it."""

    adopted_without_person: tuple[AdoptedMeansData, ...] = ()
    commitments: tuple[CommitmentData, ...] = ()
    adopted_over_objection: tuple[ObjectedMeansData, ...] = ()
    # How many proposals are open, adopted, set aside, to revisit (in that order, leaving out
    # the statuses no proposal has).
    by_status: tuple[tuple[MeansStatus, int], ...] = ()


# Built once (every page of a plan asks them): the parcours ids are bound when executed.
_IDS = bindparam("ids", expanding=True)
_PERSON = (
    select(Member.id)
    .where(
        Member.parcours_id == Means.parcours_id,
        Member.role == Role.person,
        Member.left_at.is_(None),
    )
    .correlate(Means)
    .scalar_subquery()
)
_PERSON_STANCE = (
    select(Stance.id)
    .where(Stance.means_id == Means.id, Stance.member_id == _PERSON)
    .correlate(Means)
    .exists()
)
_LAST_DECISION = (
    select(func.max(Decision.id)).where(Decision.means_id == Means.id).correlate(Means)
).scalar_subquery()
# An objection not heard: a member's latest stance on the means when it was adopted is
# "oppose", they were a member then and are still, and the decision does not list them
# among those who took part.
_Objection = aliased(Stance)
_Objector = aliased(Member)
_Objecting = aliased(User)
_LATEST_STANCE = (
    select(func.max(Stance.id))
    .where(
        Stance.means_id == _Objection.means_id,
        Stance.member_id == _Objection.member_id,
        Stance.created_at <= Decision.created_at,
    )
    .correlate(_Objection, Decision)
    .scalar_subquery()
)
_HEARD = (
    select(decision_participants.c.member_id)
    .where(
        decision_participants.c.decision_id == Decision.id,
        decision_participants.c.member_id == _Objection.member_id,
    )
    .correlate(Decision, _Objection)
    .exists()
)
# One row per means, and per objector of an adopted one (one row with no objector when there
# is none): the adoptions without the person and over an objection, and the statuses, in one
# query.
MEANS = (
    select(
        Means.id,
        Means.parcours_id,
        Means.title,
        Means.status,
        Decision.created_at,
        and_(_PERSON.is_not(None), ~_PERSON_STANCE).label("without_person"),
        _Objecting.name,
        _Objecting.closed_at,
    )
    .outerjoin(Decision, and_(Means.status == MeansStatus.adopted, Decision.id == _LAST_DECISION))
    .outerjoin(
        _Objection,
        and_(
            Decision.id.is_not(None),
            _Objection.means_id == Means.id,
            _Objection.id == _LATEST_STANCE,
            _Objection.value == StanceValue.oppose,
            ~_HEARD,
        ),
    )
    .outerjoin(
        _Objector,
        and_(
            _Objector.id == _Objection.member_id,
            _Objector.joined_at <= Decision.created_at,
            _Objector.left_at.is_(None),
        ),
    )
    .outerjoin(_Objecting, _Objecting.id == _Objector.user_id)
    .where(Means.parcours_id.in_(_IDS), live(Means))
    .order_by(Means.id, _Objector.id)
)
COMMITMENTS = (
    select(
        Commitment.id,
        Commitment.parcours_id,
        Commitment.action,
        User.name,
        User.closed_at,
        Commitment.due_on,
        Commitment.kept_at,
        Commitment.member_id,
    )
    .join(Member, Commitment.member_id == Member.id)
    .join(User, Member.user_id == User.id)
    # A cancelled commitment is owed no more, a deleted one was never made: neither is judged.
    .where(
        Commitment.parcours_id.in_(_IDS),
        Commitment.cancelled_at.is_(None),
        live(Commitment),
    )
    .order_by(Commitment.due_on, Commitment.id)
)


def means_flag_inputs(parcours_ids: Sequence[int]) -> dict[int, MeansFlagInputs]:
    """For each parcours: the adopted means with no stance from its current person member,
    those adopted over the objection of current members who were not heard, every
    commitment (kept or not), and how many means each status holds. Two queries, whatever
    the number of parcours.

    A parcours with no person member raises no `decision_without_person`: adoption then rested
    on the legal representative's stance, as the rule allows.
    """
    ids = list(dict.fromkeys(parcours_ids))
    if not ids:
        return {}
    adopted: dict[int, list[AdoptedMeansData]] = {pid: [] for pid in ids}
    objected: dict[int, dict[int, tuple]] = {pid: {} for pid in ids}
    statuses: dict[int, dict[int, MeansStatus]] = {pid: {} for pid in ids}
    rows = run_statement(MEANS, {"ids": ids})
    for means_id, parcours_id, title, status, decided_at, without_person, name, closed_at in rows:
        statuses[parcours_id][means_id] = status
        if decided_at is None:
            continue  # not adopted
        decided_on = local_date(decided_at)
        if without_person and not any(a.means_id == means_id for a in adopted[parcours_id]):
            adopted[parcours_id].append(AdoptedMeansData(means_id, title, decided_on))
        if name is not None:
            entry = objected[parcours_id].setdefault(means_id, (title, decided_on, []))
            entry[2].append(account_name(name, closed_at))
    over_objection = {
        pid: tuple(
            ObjectedMeansData(means_id, title, decided_on, tuple(names))
            for means_id, (title, decided_on, names) in by_means.items()
        )
        for pid, by_means in objected.items()
    }

    commitments: dict[int, list[CommitmentData]] = {pid: [] for pid in ids}
    rows = run_statement(COMMITMENTS, {"ids": ids})
    for commitment_id, parcours_id, action, name, closed_at, due_on, kept_at, member_id in rows:
        name = account_name(name, closed_at)
        commitments[parcours_id].append(
            CommitmentData(commitment_id, action, name, due_on, kept_at is not None, member_id)
        )
    return {
        pid: MeansFlagInputs(
            tuple(adopted[pid]),
            tuple(commitments[pid]),
            over_objection[pid],
            _counted(statuses[pid].values()),
        )
        for pid in ids
    }


def _counted(statuses) -> tuple[tuple[MeansStatus, int], ...]:
    counts = Counter(statuses)
    return tuple((status, counts[status]) for status in MeansStatus if counts[status])
