"""Fixtures of the statements tests: a plan (the person, a family member who is not the legal
representative, a professional of a service of territory 37) and observers."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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


def loaded(make, statement_id: int) -> Statement:
    """The statement with its signatures and answers, usable once detached."""
    with make.app.app_context():
        return db.session.scalar(
            select(Statement)
            .where(Statement.id == statement_id)
            .options(selectinload(Statement.signatures), selectinload(Statement.answers))
        )


def write(make, member: Member, text: str = TEXT, **to) -> Statement:
    to = to or {"territory": "37"}
    written = make._run(
        lambda: operations.write_statement(db.session.get(Member, member.id), text, **to)
    )
    return loaded(make, written.id)


def sign(make, member: Member, statement: Statement) -> Statement:
    make._run(
        lambda: operations.sign_statement(
            db.session.get(Member, member.id),
            operations.statement_of(member.parcours_id, statement.id),
        )
    )
    return loaded(make, statement.id)


def sent(make, plan: Plan, text: str = TEXT, **to) -> Statement:
    """A statement written by the professional and signed by the person: sent."""
    statement = write(make, plan.members["professional"], text, **to)
    return sign(make, plan.members["person"], statement)
