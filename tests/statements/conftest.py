"""Fixtures of the statements tests: a plan (the person, a family member who is not the legal
representative, a professional of a service of territory 37) and observers."""

from dataclasses import dataclass

import pytest

from parcours.accounts.models import find_organisation
from parcours.accounts.operations import set_territory
from parcours.extensions import db
from parcours.observatory.operations import add_observer
from parcours.plans.models import Member
from parcours.statements import operations
from parcours.statements.models import Statement

TEXT = "Il n'y a pas d'atelier espaces verts dans les ESAT du secteur."


@dataclass
class Plan:
    members: dict
    organisation_id: int

    @property
    def id(self) -> int:
        return self.members["professional"].parcours_id


@pytest.fixture
def plan(make) -> Plan:
    members = make.alliance()
    pro = members["professional"]

    def build():
        organisation = db.session.get(Member, pro.id).organisation
        set_territory(organisation, "37")
        return organisation

    organisation = make._run(build)
    return Plan(members, organisation.id)


@pytest.fixture
def observer(make):
    """An observer of territory 37."""
    user = make.user("Nadia Roux")
    make._run(lambda: add_observer(user.email, territory="37"))
    return user


@pytest.fixture
def elsewhere(make):
    """An observer of another territory."""
    user = make.user("Paul Martin")
    make._run(lambda: add_observer(user.email, territory="75"))
    return user


def write(make, member: Member, text: str = TEXT, **to) -> Statement:
    to = to or {"territory": "37"}
    return make._run(
        lambda: operations.write_statement(db.session.get(Member, member.id), text, **to)
    )


def sign(make, member: Member, statement: Statement) -> Statement:
    return make._run(
        lambda: operations.sign_statement(
            db.session.get(Member, member.id),
            operations.statement_of(member.parcours_id, statement.id),
        )
    )


def sent(make, plan: Plan, text: str = TEXT, **to) -> Statement:
    """A statement written by the professional and signed by the person: sent."""
    statement = write(make, plan.members["professional"], text, **to)
    return sign(make, plan.members["person"], statement)


__all__ = ["find_organisation"]
