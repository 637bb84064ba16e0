"""Factories for the means tests: an agreed alliance, proposals, stances, decisions…"""

from datetime import date, timedelta

from sqlalchemy import update

from parcours.accounts.models import User
from parcours.accounts.operations import create_user
from parcours.alliance.operations import approve_version, propose_version
from parcours.core.models import today
from parcours.extensions import db
from parcours.means import operations
from parcours.means.models import Commitment, Means, Outcome, Review, StanceValue
from parcours.plans.models import Member, Role
from parcours.plans.operations import (
    accept_invitation,
    create_parcours,
    designate_pilot,
)
from tests.factories import PASSWORD, Factory, _numbers, invite_consented

INDICATORS = "Léa se fait comprendre\nLéa a un copain\nLéa lit des mots simples"


PRO = Role.professional


def _user(professional: bool = False) -> User:
    n = next(_numbers)
    extra = {"organisation": f"Service {n}", "function": "éducatrice"} if professional else {}
    return create_user(
        name=f"Membre {n}",
        email=f"member{n}@example.org",
        password=PASSWORD,
        is_professional=professional,
        **extra,
    )


def _join(inviter: Member, role: Role, **invitation) -> Member:
    user = _user(role is PRO)
    return accept_invitation(invite_consented(inviter, user, role, **invitation), user)


def _m(member: Member | None) -> Member | None:
    return db.session.get(Member, member.id) if member is not None else None


class MeansFactory:
    """mk.alliance(), mk.means(), mk.stance()… built through the operations, committed."""

    def __init__(self, make: Factory):
        self.make = make
        self._run = make._run

    def alliance(
        self,
        *,
        person: bool = True,
        legal_representative: bool = False,
        pilot: str | None = "pilot",
        agreed: bool = True,
    ) -> dict[str, Member]:
        """Members by key: professional (creator), family, person (optional), pilot (another
        professional, designated pilot), legal_representative (optional family member).

        Built in one transaction (it is in almost every test, on PostgreSQL too)."""

        def build():
            members = {"professional": create_parcours(_user(True), person_name="Léa", role=PRO)}
            members["family"] = _join(members["professional"], Role.family)
            if person:
                members["person"] = _join(members["professional"], Role.person)
            members["pilot"] = _join(members["professional"], PRO)
            if legal_representative:
                # Only the pilot invites a legal representative.
                inviter = members[pilot or "professional"]
                designate_pilot(inviter, inviter)
                members["legal_representative"] = _join(
                    inviter, Role.family, is_legal_representative=True
                )
            if agreed:
                version = propose_version(
                    members["professional"],
                    text="Que Léa se développe bien.",
                    indicators=INDICATORS,
                    base_number=0,
                )
                for member in members.values():
                    approve_version(member, version.number)
            if pilot and not members[pilot].is_pilot:
                designate_pilot(members[pilot], members[pilot])
            return members

        return self._run(build)

    def plan(self, size: int) -> list[Member]:
        """A plan of `size` members (a professional, then family members) with an agreed
        objective."""

        def build():
            creator = create_parcours(_user(True), person_name="Léa", role=PRO)
            members = [creator] + [_join(creator, Role.family) for _ in range(size - 1)]
            version = propose_version(creator, text="Que Léa aille bien.", base_number=0)
            for member in members:
                approve_version(member, version.number)
            return members

        return self._run(build)

    def means(self, author: Member, title: str = "Classe ordinaire avec une AESH", **kw) -> Means:
        kw.setdefault("description", "Une classe ordinaire, avec une AESH à mi-temps.")
        kw.setdefault("carried_by", "L'école du quartier")
        on_behalf_of = kw.pop("on_behalf_of", None)
        return self._run(
            lambda: operations.propose_means(
                _m(author), title=title, on_behalf_of=_m(on_behalf_of), **kw
            )
        )

    def means_without_objective(self, author: Member) -> Means:
        """A proposal in a plan whose objective is not agreed: the operations refuse to make
        one, so it is written directly, to test the other operations' refusals."""

        def build():
            means = Means(
                parcours_id=author.parcours_id,
                title="Sans objectif",
                description="x",
                carried_by="x",
                author_id=author.id,
            )
            db.session.add(means)
            return means

        return self._run(build)

    def stance(
        self,
        member: Member,
        means: Means,
        value: str = "support",
        comment: str = "Oui",
        on_behalf_of: Member | None = None,
    ):
        return self._run(
            lambda: operations.take_stance(
                _m(member),
                db.session.get(Means, means.id),
                value=StanceValue(value),
                comment=comment,
                on_behalf_of=_m(on_behalf_of),
            )
        )

    def decide(self, pilot: Member, means: Means, outcome: str = "adopted", **kw):
        kw.setdefault("rationale", "Tout le monde est d'accord.")
        return self._run(
            lambda: operations.decide_means(
                _m(pilot), db.session.get(Means, means.id), outcome=Outcome(outcome), **kw
            )
        )

    def adopted(self, members: dict[str, Member], title: str = "Inclusion progressive") -> Means:
        """A means everyone supports, adopted by the pilot."""
        means = self.means(members["professional"], title)
        for member in members.values():
            self.stance(member, means)
        self.decide(members["pilot"], means)
        return means

    def commitment(
        self,
        author: Member,
        means: Means,
        member: Member,
        action: str = "Appeler l'école",
        due_on: date | None = None,
    ) -> Commitment:
        return self._run(
            lambda: operations.add_commitment(
                _m(author),
                db.session.get(Means, means.id),
                member=_m(member),
                action=action,
                due_on=due_on or today() + timedelta(days=10),
            )
        )

    def set_due(self, commitment: Commitment, due_on: date) -> None:
        """Move a due date (into the past, say): the operation refuses past dates."""

        def build():
            db.session.execute(
                update(Commitment).where(Commitment.id == commitment.id).values(due_on=due_on)
            )

        self._run(build)

    def review(self, author: Member, **kw) -> Review:
        kw.setdefault("held_on", today())
        kw.setdefault("assessments", ["Ça progresse", "", "Pas encore"])
        return self._run(lambda: operations.hold_review(_m(author), **kw))
