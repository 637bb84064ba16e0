"""The home page's list: each parcours of a user with its pilot and where its objective stands."""

import enum
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, case, func, select

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
    """Every parcours the user belongs to (a fixed number of queries, whatever their count)."""
    mine_query, members_query, versions_query = _statements()
    mine = db.session.scalars(mine_query, {"user_id": user.id}).all()
    ids = [m.parcours_id for m in mine]
    if not ids:
        return []
    by_parcours: dict[int, list[Member]] = defaultdict(list)
    for member in db.session.scalars(members_query, {"ids": ids}):
        by_parcours[member.parcours_id].append(member)
    latest, latest_agreed = {}, {}
    for parcours_id, number, agreed in run_statement(versions_query, {"ids": ids}):
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
    """The three statements of `summaries_for`, built once (the user, their plans bound):
    their memberships with the plans, every current member of those plans, and each plan's
    latest and latest agreed versions of the objective."""
    mine = (
        select(Member)
        .join(Member.parcours)
        .where(Member.user_id == bindparam("user_id"), Member.left_at.is_(None))
        .order_by(Parcours.person_name, Parcours.id)
    )
    ids = bindparam("ids", expanding=True)
    members = select(Member).where(Member.parcours_id.in_(ids), Member.left_at.is_(None))
    versions = (
        select(
            ObjectiveVersion.parcours_id,
            func.max(ObjectiveVersion.number),
            func.max(case((ObjectiveVersion.agreed_at.is_not(None), ObjectiveVersion.number))),
        )
        .where(ObjectiveVersion.parcours_id.in_(ids))
        .group_by(ObjectiveVersion.parcours_id)
    )
    return mine, members, versions


def _status(latest: int | None, agreed: int | None) -> ObjectiveStatus:
    if latest is None:
        return ObjectiveStatus.missing
    if agreed is None:
        return ObjectiveStatus.awaiting
    return ObjectiveStatus.agreed if agreed == latest else ObjectiveStatus.revising
