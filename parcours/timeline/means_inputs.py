"""What the timeline checks need from the means: adoptions without the person, commitments."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from parcours.accounts.models import User
from parcours.core.models import local_date
from parcours.core.names import former_member_name
from parcours.extensions import db
from parcours.means.models import Commitment, Decision, Means, MeansStatus, Stance
from parcours.plans.models import Member, Role
from parcours.timeline.checks import AdoptedMeansData, CommitmentData


@dataclass(frozen=True)
class MeansFlagInputs:
    """The means data of one parcours, as the timeline checks take it."""

    adopted_without_person: tuple[AdoptedMeansData, ...] = ()
    commitments: tuple[CommitmentData, ...] = ()


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
ADOPTED_WITHOUT_PERSON = (
    select(Means.id, Means.parcours_id, Means.title, Decision.created_at)
    .join(Decision, Decision.id == _LAST_DECISION)
    .where(
        Means.parcours_id.in_(_IDS),
        Means.status == MeansStatus.adopted,
        _PERSON.is_not(None),
        ~_PERSON_STANCE,
    )
    .order_by(Means.id)
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
    .where(Commitment.parcours_id.in_(_IDS))
    .order_by(Commitment.due_on, Commitment.id)
)


def means_flag_inputs(parcours_ids: Sequence[int]) -> dict[int, MeansFlagInputs]:
    """For each parcours: the adopted means with no stance from its current person member, and
    every commitment (kept or not). Two queries, whatever the number of parcours.

    A parcours with no person member raises no `decision_without_person`: adoption then rested
    on the legal representative's stance, as the rule allows.
    """
    ids = list(dict.fromkeys(parcours_ids))
    if not ids:
        return {}
    adopted: dict[int, list[AdoptedMeansData]] = {pid: [] for pid in ids}
    for means_id, parcours_id, title, decided_at in db.session.execute(
        ADOPTED_WITHOUT_PERSON, {"ids": ids}
    ):
        adopted[parcours_id].append(AdoptedMeansData(means_id, title, local_date(decided_at)))

    commitments: dict[int, list[CommitmentData]] = {pid: [] for pid in ids}
    rows = db.session.execute(COMMITMENTS, {"ids": ids})
    for commitment_id, parcours_id, action, name, closed_at, due_on, kept_at, member_id in rows:
        if closed_at is not None:
            name = former_member_name()
        commitments[parcours_id].append(
            CommitmentData(commitment_id, action, name, due_on, kept_at is not None, member_id)
        )
    return {pid: MeansFlagInputs(tuple(adopted[pid]), tuple(commitments[pid])) for pid in ids}
