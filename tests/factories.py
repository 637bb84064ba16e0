"""Factories that build test data through the domain operations, so the rules hold."""

import itertools

from parcours.accounts.models import User
from parcours.accounts.operations import create_user, issue_api_token, start_login_session
from parcours.alliance.operations import approve_version, propose_version
from parcours.extensions import db
from parcours.plans.models import (
    Consent,
    ConsentEvent,
    ConsentEventKind,
    ConsentStatus,
    Invitation,
    Member,
    Parcours,
    Role,
)
from parcours.plans.operations import (
    accept_invitation,
    create_invitation,
    create_parcours,
    designate_pilot,
)

PASSWORD = "correct horse battery"


def invite_consented(inviter: Member, user: User, role: Role, **invitation) -> str:
    """An invitation for `user` (a professional is invited for their own organisation), its
    consent given as if recorded before consent was asked: for the tests that are not about
    consent (tests/plans/test_consent.py goes through the person)."""
    if role is Role.professional and user.organisation and "organisation" not in invitation:
        invitation["organisation"] = user.organisation.name
    made, token = create_invitation(inviter, role=role, **invitation)
    give_consent_for_tests(made)
    return token


def give_consent_for_tests(invitation: Invitation) -> None:
    """The invitation's consent, if it waits, given by nobody (as migration 0015 records)."""
    if invitation.organisation_id is None:
        return
    consent = db.session.scalar(
        db.select(Consent).where(
            Consent.parcours_id == invitation.parcours_id,
            Consent.organisation_id == invitation.organisation_id,
        )
    )
    if consent is not None and not consent.is_given:
        consent.status = ConsentStatus.given
        db.session.add(ConsentEvent(consent=consent, kind=ConsentEventKind.before_consent_asked))
        db.session.flush()


_numbers = itertools.count(1)


class Factory:
    """make.user(), make.parcours(), make.member()… each in its own app context, committed
    (to a savepoint of the test's transaction)."""

    def __init__(self, app):
        self.app = app

    def _run(self, build):
        with self.app.app_context():
            result = build()
            db.session.commit()
            # Loaded again (with their eager relationships) so they stay usable once detached,
            # as the app's sessions expire everything on commit.
            values = (
                result.values()
                if isinstance(result, dict)
                else (result if isinstance(result, list | tuple) else [result])
            )
            for value in values:
                if isinstance(value, db.Model):
                    db.session.refresh(value)
                    # An account's organisation is read when asked: read now, for the tests
                    # that ask once the account is detached.
                    user = value if isinstance(value, User) else getattr(value, "user", None)
                    if isinstance(user, User):
                        user.organisation  # noqa: B018
            return result

    def user(self, name: str | None = None, *, professional: bool = False, **kwargs) -> User:
        n = next(_numbers)
        name = name or f"User {n}"
        defaults = {"email": f"user{n}@example.org"}
        if professional:
            defaults |= {
                "organisation": kwargs.pop("organisation", f"Service {n}"),
                "function": kwargs.pop("function", "éducatrice"),
            }
        if "login_name" in kwargs:
            defaults.pop("email")
        return self._run(
            lambda: create_user(
                name=name,
                password=kwargs.pop("password", PASSWORD),
                is_professional=professional,
                **(defaults | kwargs),
            )
        )

    def parcours(
        self,
        creator: User | None = None,
        *,
        role: Role = Role.professional,
        person_name: str = "Léa",
    ) -> Member:
        """A parcours and its first member (returned)."""
        creator = creator or self.user(professional=role is Role.professional)
        return self._run(lambda: create_parcours(creator, person_name=person_name, role=role))

    def member(
        self,
        of: Member | Parcours,
        role: Role = Role.family,
        user: User | None = None,
        **invitation,
    ) -> Member:
        """A new member joining through an invitation made by `of` (a member) or by the
        first current member of `of` (a parcours)."""
        inviter = of if isinstance(of, Member) else self.first_member(of)
        user = user or self.user(professional=role is Role.professional)

        def build():
            joining = db.session.get(User, user.id)
            token = invite_consented(
                db.session.get(Member, inviter.id), joining, role, **invitation
            )
            return accept_invitation(token, joining)

        return self._run(build)

    def pilot(self, member: Member) -> Member:
        """Make the member the pilot of their parcours (returned)."""

        def build():
            pilot = db.session.get(Member, member.id)
            designate_pilot(pilot, pilot)
            return pilot

        return self._run(build)

    def first_member(self, parcours: Parcours) -> Member:
        with self.app.app_context():
            return db.session.scalar(
                db.select(Member).where(Member.parcours_id == parcours.id).order_by(Member.id)
            )

    def alliance(self, person: bool = True) -> dict[str, Member]:
        """A parcours with a professional (creator), a family member and, optionally, the person."""
        pro = self.parcours()
        members = {"professional": pro, "family": self.member(pro, Role.family)}
        if person:
            members["person"] = self.member(pro, Role.person)
        return members

    def version(self, author: Member, text: str = "Que Léa se développe bien.", **fields):
        def build():
            from parcours.alliance.models import latest_version

            latest = latest_version(author.parcours_id)
            return propose_version(
                db.session.get(Member, author.id),
                text=text,
                base_number=latest.number if latest else 0,
                **fields,
            )

        return self._run(build)

    def approval(self, member: Member, number: int):
        return self._run(lambda: approve_version(db.session.get(Member, member.id), number))

    def agreed_objective(self, members: dict[str, Member]):
        """Write a version and have every member approve it."""
        version = self.version(members["professional"])
        for member in members.values():
            self.approval(member, version.number)
        return version

    def login_session(self, user: User) -> str:
        return self._run(lambda: start_login_session(db.session.get(User, user.id)).key)

    def api_token(self, user: User, **options) -> str:
        """A new token's secret (options: expires_in_days, scope, label)."""
        return self._run(lambda: issue_api_token(db.session.get(User, user.id), **options)[1])
