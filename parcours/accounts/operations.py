"""Account operations: sign-up, sign-in, login sessions, API tokens, profile changes."""

import re

from flask import session
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import bindparam, select

from parcours.accounts.models import (
    ApiToken,
    LoginSession,
    Organisation,
    User,
    dummy_password_hash,
    find_organisation,
    hash_secret,
    normalise_key,
    user_by_identifier,
    verify_password,
)
from parcours.core.errors import Conflict, DomainError
from parcours.core.models import NAME_MAX, utcnow
from parcours.core.signals import organisation_renamed
from parcours.extensions import db

PASSWORD_MIN = 8
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOGIN_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")


def check_email(email: str) -> str:
    """The address normalised, or a DomainError saying it is not one."""
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise DomainError(_("This is not a valid e-mail address."), code="invalid_email")
    return email


def check_login_name(login_name: str) -> str:
    """The login name normalised, or a DomainError explaining the allowed characters."""
    login_name = login_name.strip().lower()
    if not LOGIN_NAME_PATTERN.match(login_name):
        raise DomainError(
            _("A login name has 3 to 60 letters, digits, dots, dashes or underscores."),
            code="invalid_login_name",
        )
    return login_name


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise DomainError(
            _("The password needs at least %(n)d characters.", n=PASSWORD_MIN),
            code="weak_password",
        )


def get_or_create_organisation(name: str) -> Organisation:
    """The organisation with this name, created if it does not exist yet."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please give the organisation's name."), code="missing_organisation")
    organisation = find_organisation(name)
    if organisation is None:
        organisation = Organisation(name=name[:NAME_MAX], key=normalise_key(name)[:NAME_MAX])
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _set_professional_details(user: User, organisation: str | None, function: str | None) -> None:
    """A professional states their organisation and function."""
    if not organisation or not function or not function.strip():
        raise DomainError(
            _("A professional states their organisation and function."),
            code="missing_organisation",
        )
    user.organisation = get_or_create_organisation(organisation)
    user.function = function.strip()[:80]


def create_user(
    *,
    name: str,
    password: str,
    email: str | None = None,
    login_name: str | None = None,
    is_professional: bool = False,
    organisation: str | None = None,
    function: str | None = None,
) -> User:
    """A new account, identified by an e-mail address or a login name."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please give your name."), code="missing_name")
    if not email and not login_name:
        raise DomainError(_("An e-mail address or a login name is needed."), code="missing_email")
    email = check_email(email) if email else None
    login_name = check_login_name(login_name) if login_name else None
    check_password(password)
    for identifier in filter(None, (email, login_name)):
        if user_by_identifier(identifier) is not None:
            raise Conflict(
                _("An account already exists with this e-mail address or login name."),
                code="account_exists",
            )
    user = User(name=name[:80], email=email, login_name=login_name, is_professional=is_professional)
    user.set_password(password)
    if is_professional:
        _set_professional_details(user, organisation, function)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(identifier: str, password: str) -> User | None:
    """The active user with these credentials, or None (same time taken either way)."""
    user = user_by_identifier(identifier)
    if user is None:
        verify_password(dummy_password_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def start_login_session(user: User) -> LoginSession:
    """A new login session for a browser that just signed in."""
    login_session = LoginSession(user=user)
    db.session.add(login_session)
    db.session.flush()
    user.login_session = login_session
    return login_session


def sign_in(user: User, remember: bool = False) -> LoginSession:
    """Start a fresh browser session for the user (nothing of the anonymous one is kept)."""
    session.clear()
    login_session = start_login_session(user)
    login_user(user, remember=remember)
    return login_session


def end_login_session(login_session: LoginSession) -> None:
    """Sign out: the session's cookie no longer works, even if copied."""
    login_session.ended_at = utcnow()


def end_other_login_sessions(user: User, keep: LoginSession | None) -> int:
    """Sign out every other browser of this user; returns how many were ended."""
    others = db.session.scalars(
        db.select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
        )
    ).all()
    ended = [s for s in others if keep is None or s.id != keep.id]
    for login_session in ended:
        login_session.ended_at = utcnow()
    return len(ended)


# Built once: every signed-in request asks it.
LIVE_LOGIN_SESSION = select(LoginSession).where(
    LoginSession.key == bindparam("key"), LoginSession.ended_at.is_(None)
)


def user_for_login_session(key: str) -> User | None:
    """The user of a live login session (Flask-Login's user loader)."""
    login_session = db.session.scalar(LIVE_LOGIN_SESSION, {"key": key})
    if login_session is None or not login_session.user.is_active:
        return None
    login_session.user.login_session = login_session
    return login_session.user


def issue_api_token(user: User) -> str:
    """A new bearer token; only its digest is stored, the secret is returned once."""
    secret = ApiToken.new_secret()
    db.session.add(ApiToken(user=user, digest=hash_secret(secret)))
    db.session.flush()
    return secret


def api_token_for(secret: str) -> ApiToken | None:
    if not secret:
        return None
    return db.session.scalar(
        db.select(ApiToken).where(
            ApiToken.digest == hash_secret(secret), ApiToken.revoked_at.is_(None)
        )
    )


def user_for_api_token(secret: str) -> User | None:
    """The active user of a live API token."""
    token = api_token_for(secret)
    if token is None or not token.user.is_active:
        return None
    return token.user


def revoke_api_tokens(user: User) -> None:
    """Every API token of the user stops working."""
    for token in db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = utcnow()


def revoke_api_token(secret: str) -> None:
    """The token stops working at once."""
    token = api_token_for(secret)
    if token is not None:
        token.revoked_at = utcnow()


def update_profile(
    user: User,
    *,
    name: str,
    locale: str | None,
    easy_read: bool | None,
    organisation: str | None = None,
    function: str | None = None,
) -> None:
    """Change what a user says about themselves."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please give your name."), code="missing_name")
    user.name = name[:80]
    user.locale = locale
    user.easy_read = easy_read
    if user.is_professional:
        _set_professional_details(user, organisation, function)


def change_password(user: User, current: str, new: str) -> None:
    """A new password, given the current one."""
    if not user.check_password(current):
        raise DomainError(_("The current password is not right."), code="wrong_password")
    check_password(new)
    user.set_password(new)


def set_active(admin: User, user: User, active: bool) -> None:
    """A platform admin deactivates (or reactivates) an account; a deactivated account is
    signed out everywhere and its API tokens stop working."""
    if user.id == admin.id:
        raise DomainError(_("You cannot deactivate your own account."), code="own_account")
    if user.is_closed:
        raise Conflict(_("This account is closed: it cannot be used again."), code="closed")
    user.active = active
    if not active:
        end_other_login_sessions(user, keep=None)
        revoke_api_tokens(user)


def rename_organisation(organisation: Organisation, name: str) -> None:
    """Correct an organisation's name; refused if another organisation has it already."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please give the organisation's name."), code="missing_organisation")
    existing = find_organisation(name)
    if existing is not None and existing.id != organisation.id:
        raise Conflict(_("Another organisation already has this name."), code="organisation_exists")
    organisation.name = name[:NAME_MAX]
    organisation.key = normalise_key(name)[:NAME_MAX]
    organisation_renamed.send(organisation)
