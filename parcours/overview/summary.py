"""The home page's list: each parcours of a user with its pilot and where its objective stands."""

import enum
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import contains_eager

from parcours.accounts.models import User
from parcours.alliance.models import ObjectiveVersion
from parcours.core.models import run_statement
from parcours.extensions import db
from parcours.plans.models import Member, Parcours


class ObjectiveStatus(enum.Enum):
    missing = "missing"  # nobody has written the objective yet
    awaiting = "awaiting"  # written, never agreed yet
    agreed = "agreed"  # the latest version is agreed
    revising = "revising"  # an agreed version is in force, a newer one awaits approvals


@dataclass(frozen=True)
class ParcoursSummary:
    parcours: Parcours
    me: Member
    pilot: Member | None
    member_count: int
    objective: ObjectiveStatus


def summaries_for(user: User) -> list[ParcoursSummary]:
    """Every parcours the user belongs to (two queries, whatever their count)."""
    members_query, versions_query = _statements()
    by_parcours: dict[int, list[Member]] = defaultdict(list)
    mine = []
    for member in db.session.scalars(members_query, {"user_id": user.id}):
        by_parcours[member.parcours_id].append(member)
        if member.user_id == user.id:
            mine.append(member)
    if not mine:
        return []
    latest, latest_agreed = {}, {}
    for parcours_id, number, agreed in run_statement(versions_query, {"ids": list(by_parcours)}):
        latest[parcours_id], latest_agreed[parcours_id] = number, agreed
    summaries = []
    for me in mine:
        others = by_parcours[me.parcours_id]
        summaries.append(
            ParcoursSummary(
                parcours=me.parcours,
                me=me,
                pilot=next((m for m in others if m.is_pilot), None),
                member_count=len(others),
                objective=_status(latest.get(me.parcours_id), latest_agreed.get(me.parcours_id)),
            )
        )
    return summaries


@cache
def _statements():
    """The two statements of `summaries_for`, built once (the user, their plans bound): every
    current member of the user's plans, with the plan, in the plans' order; and each plan's
    latest and latest agreed versions of the objective."""
    mine = select(Member.parcours_id).where(
        Member.user_id == bindparam("user_id"), Member.left_at.is_(None)
    )
    members = (
        select(Member)
        .join(Member.parcours)
        .where(Member.parcours_id.in_(mine.scalar_subquery()), Member.left_at.is_(None))
        .options(contains_eager(Member.parcours))
        .order_by(Parcours.person_name, Parcours.id, Member.id)
    )
    versions = (
        select(
            ObjectiveVersion.parcours_id,
            func.max(ObjectiveVersion.number),
            func.max(case((ObjectiveVersion.agreed_at.is_not(None), ObjectiveVersion.number))),
        )
        .where(ObjectiveVersion.parcours_id.in_(bindparam("ids", expanding=True)))
        .group_by(ObjectiveVersion.parcours_id)
    )
    return members, versions


def _status(latest: int | None, agreed: int | None) -> ObjectiveStatus:
    if latest is None:
        return ObjectiveStatus.missing
    if agreed is None:
        return ObjectiveStatus.awaiting
    return ObjectiveStatus.agreed if agreed == latest else ObjectiveStatus.revising
