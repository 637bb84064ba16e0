"""What waits for a member's own answer in each of their plans, derived from the state (so it is
always true and clears itself once answered): the objective version they have not approved or
disagreed with, the open proposals without their stance, the hand-offs to their organisation
nobody has answered yet. One query for all of a user's plans."""

from sqlalchemy import and_, exists, func, literal, select, union_all
from sqlalchemy.orm import aliased

from parcours.accounts.models import User
from parcours.alliance.models import Approval, Disagreement, ObjectiveVersion
from parcours.core.models import live
from parcours.extensions import db
from parcours.means.models import Means, MeansStatus, Stance
from parcours.plans.models import Member
from parcours.timeline.models import Episode, EpisodeKind, Handoff, HandoffStatus

APPROVE_OBJECTIVE = "approve_objective"
GIVE_STANCE = "give_stance"
ANSWER_HANDOFF = "answer_handoff"
AWAITING_KINDS = (APPROVE_OBJECTIVE, GIVE_STANCE, ANSWER_HANDOFF)


def awaiting_answers(user: User) -> dict[int, frozenset[str]]:
    """For each plan of `user` where something waits for their answer, its kinds
    (AWAITING_KINDS)."""
    me = (
        select(Member.id, Member.parcours_id, Member.organisation_id)
        .where(Member.user_id == user.id, Member.left_at.is_(None))
        .subquery()
    )
    latest = (
        select(ObjectiveVersion.parcours_id, func.max(ObjectiveVersion.number).label("number"))
        .where(ObjectiveVersion.parcours_id.in_(select(me.c.parcours_id)))
        .group_by(ObjectiveVersion.parcours_id)
        .subquery()
    )
    objective = (
        select(me.c.parcours_id, literal(APPROVE_OBJECTIVE).label("kind"))
        .join(latest, latest.c.parcours_id == me.c.parcours_id)
        .join(
            ObjectiveVersion,
            and_(
                ObjectiveVersion.parcours_id == latest.c.parcours_id,
                ObjectiveVersion.number == latest.c.number,
            ),
        )
        .where(
            ~exists().where(
                Approval.version_id == ObjectiveVersion.id, Approval.member_id == me.c.id
            ),
            ~exists().where(
                Disagreement.version_id == ObjectiveVersion.id, Disagreement.member_id == me.c.id
            ),
        )
    )
    stance = (
        select(me.c.parcours_id, literal(GIVE_STANCE).label("kind"))
        .join(Means, Means.parcours_id == me.c.parcours_id)
        .where(
            Means.status == MeansStatus.open,
            live(Means),
            ~exists().where(Stance.means_id == Means.id, Stance.member_id == me.c.id),
        )
    )
    receiving = aliased(Episode)
    handoff = (
        select(me.c.parcours_id, literal(ANSWER_HANDOFF).label("kind"))
        .join(Handoff, Handoff.parcours_id == me.c.parcours_id)
        .outerjoin(receiving, receiving.id == Handoff.to_episode_id)
        .where(
            Handoff.status == HandoffStatus.proposed,
            Handoff.to_person_and_family.is_(False),
            me.c.organisation_id.is_not(None),
            func.coalesce(receiving.organisation_id, Handoff.receiving_organisation_id)
            == me.c.organisation_id,
            (receiving.kind.is_(None)) | (receiving.kind != EpisodeKind.pause),
        )
    )
    found: dict[int, set[str]] = {}
    for parcours_id, kind in db.session.execute(union_all(objective, stance, handoff)):
        found.setdefault(parcours_id, set()).add(kind)
    return {pid: frozenset(kinds) for pid, kinds in found.items()}
