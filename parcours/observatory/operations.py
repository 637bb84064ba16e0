"""Observers: who may see the figures of an organisation or a territory (named by an admin)."""

from sqlalchemy import select

from parcours.accounts.models import (
    ObserverScope,
    Organisation,
    User,
    find_organisation,
    user_by_identifier,
)
from parcours.accounts.operations import valid_territory
from parcours.core.errors import Conflict, DomainError, NotFound
from parcours.core.i18n import gettext as _
from parcours.extensions import db
from parcours.plans.models import Member


def observer_scopes(user: User) -> list[ObserverScope]:
    """The user's scopes, organisations first (by name), then territories."""
    scopes = db.session.scalars(
        select(ObserverScope).where(ObserverScope.user_id == user.id).order_by(ObserverScope.id)
    ).all()
    return sorted(scopes, key=scope_order)


def scope_order(scope: ObserverScope) -> tuple:
    """Organisations first, by name, then territories by code."""
    return (scope.organisation is None, str(scope.organisation or ""), scope.territory or "")


def all_observer_scopes() -> list[ObserverScope]:
    """Every observer scope, for the admins, by observer then scope."""
    return list(
        db.session.scalars(select(ObserverScope).order_by(ObserverScope.user_id, ObserverScope.id))
    )


def _observer_account(identifier: str) -> User:
    user = user_by_identifier(identifier or "")
    if user is None or user.closed_at is not None:
        raise NotFound(_("No account has this e-mail address."), code="user_not_found")
    return user


def _scope_target(
    organisation_name: str | None, territory: str | None
) -> tuple[Organisation | None, str | None]:
    """The organisation (by name) or the territory (a département code) a scope names."""
    organisation_name = (organisation_name or "").strip()
    territory = (territory or "").strip()
    if bool(organisation_name) == bool(territory):
        raise DomainError(
            _("Name either an organisation or a territory (a département code)."),
            code="scope_organisation_or_territory",
        )
    if organisation_name:
        organisation = find_organisation(organisation_name)
        if organisation is None:
            raise NotFound(
                _("No organisation is named %(name)s.", name=organisation_name[:80]),
                code="organisation_not_found",
            )
        return organisation, None
    return None, valid_territory(territory)


def _naming(target: Organisation | None, code: str | None):
    """The condition on a scope naming this organisation, or else this territory."""
    if target is not None:
        return ObserverScope.organisation_id == target.id
    return ObserverScope.territory == code


def add_observer(
    identifier: str, *, organisation: str | None = None, territory: str | None = None
) -> ObserverScope:
    """Let an account see the figures of an organisation or a territory. Refused for a
    member of a plan: an observer never opens a plan, and a member sees theirs."""
    user = _observer_account(identifier)
    target, code = _scope_target(organisation, territory)
    member = db.session.scalar(
        select(Member.id).where(Member.user_id == user.id, Member.left_at.is_(None)).limit(1)
    )
    if member is not None:
        raise Conflict(
            _(
                "%(name)s is a member of a plan, so cannot be an observer: an observer sees no "
                "plan. Name an account that takes part in no plan.",
                name=user.name,
            ),
            code="member_not_observer",
        )
    existing = db.session.scalar(
        select(ObserverScope).where(ObserverScope.user_id == user.id, _naming(target, code))
    )
    if existing is not None:
        raise Conflict(_("This observer already has this scope."), code="scope_exists")
    scope = ObserverScope(user=user, organisation=target, territory=code)
    db.session.add(scope)
    db.session.flush()
    return scope


def remove_observer_scope(scope: ObserverScope) -> None:
    """Take one scope away from an observer."""
    db.session.delete(scope)
    db.session.flush()


def find_scope(
    identifier: str, *, organisation: str | None = None, territory: str | None = None
) -> ObserverScope:
    """One observer's scope, by the account and the organisation or territory it names."""
    user = _observer_account(identifier)
    target, code = _scope_target(organisation, territory)
    scope = db.session.scalar(
        select(ObserverScope).where(ObserverScope.user_id == user.id, _naming(target, code))
    )
    if scope is None:
        raise NotFound(_("This observer has no such scope."), code="scope_not_found")
    return scope
