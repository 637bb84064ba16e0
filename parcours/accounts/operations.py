"""Account operations: sign-up, sign-in, login sessions, API tokens, profile changes."""

import re
from datetime import datetime, timedelta

from flask import current_app, session
from flask_login import login_user
from sqlalchemy import bindparam, delete, func, select, update
from zxcvbn import zxcvbn

from parcours.accounts import two_step
from parcours.accounts.models import (
    ApiToken,
    FormOfAddress,
    LoginSession,
    Notifications,
    Organisation,
    PasswordReset,
    RecoveryCode,
    ResetKind,
    TokenScope,
    User,
    dummy_password_hash,
    find_organisation,
    hash_password,
    hash_secret,
    normalise_key,
    territory_code,
    user_by_identifier,
    verify_password,
)
from parcours.core.errors import Conflict, DomainError, Forbidden, NotFound
from parcours.core.i18n import gettext as _
from parcours.core.models import NAME_MAX, utcnow
from parcours.core.security_log import record_security_event
from parcours.core.signals import organisation_renamed, signup_for_existing_account
from parcours.core.transactions import after_response
from parcours.extensions import db

PASSWORD_MIN = 12
# zxcvbn's score (0 to 4) a new password needs: 3 is "safely unguessable: moderate
# protection from offline slow-hash scenario" (about 10^8 guesses and more).
PASSWORD_SCORE_MIN = 3
# zxcvbn's time grows with the length; past this, the start of the password is judged.
PASSWORD_JUDGED = 72
# Words of this site a password must not lean on.
SITE_WORDS = ("parcours",)
# A login session's or a token's last activity is written at most this often.
SEEN_EVERY = timedelta(minutes=1)
TOKEN_DAYS_DEFAULT = 30
TOKEN_DAYS_MAX = 365
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


def check_password(password: str, user_inputs: tuple[str | None, ...] = ()) -> None:
    """Refuse a password shorter than PASSWORD_MIN, or one zxcvbn guesses easily: a common
    password (its lists of leaked passwords, words and names), a keyboard pattern, a
    repetition, or one built on the user's own name or address (`user_inputs`)."""
    if len(password) < PASSWORD_MIN:
        raise DomainError(
            _("The password needs at least %(n)d characters.", n=PASSWORD_MIN),
            code="weak_password",
        )
    words = [*SITE_WORDS]
    for given in filter(None, user_inputs):
        words += [part for part in re.split(r"[\s@._-]+", given.lower()) if len(part) > 2]
    if zxcvbn(password[:PASSWORD_JUDGED], user_inputs=words)["score"] < PASSWORD_SCORE_MIN:
        raise DomainError(
            _(
                "This password is too easy to guess: it is a common password, or it looks "
                "like a name, a word or a pattern. Try a few words that go together only for "
                "you."
            ),
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
    check_password(password, (name, email, login_name))
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


def sign_up(
    *,
    name: str,
    password: str,
    email: str | None = None,
    login_name: str | None = None,
    is_professional: bool = False,
    organisation: str | None = None,
    function: str | None = None,
) -> User | None:
    """Open sign-up: the new account, or None when the e-mail address already has one. The
    page answers the same either way (it does not tell who has an account); the owner of the
    address is told instead (`signup_for_existing_account`). A login name, chosen rather than
    owned, is refused when taken (Conflict), as before."""
    existing = user_by_identifier(email) if email else None
    if existing is None or not email:
        return create_user(
            name=name,
            password=password,
            email=email,
            login_name=login_name,
            is_professional=is_professional,
            organisation=organisation,
            function=function,
        )
    # Same checks and the same work as a sign-up that goes through, so that neither the
    # answer nor its time tells the address has an account.
    check_email(email)
    check_password(password, (name, email, login_name))
    if login_name and user_by_identifier(check_login_name(login_name)) is not None:
        raise Conflict(
            _("An account already exists with this e-mail address or login name."),
            code="account_exists",
        )
    hash_password(password)
    signup_for_existing_account.send(existing)
    return None


def authenticate(identifier: str, password: str) -> User | None:
    """The active user with these credentials, or None (same time taken either way)."""
    user = user_by_identifier(identifier)
    if user is None:
        verify_password(dummy_password_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def start_login_session(user: User, stay_signed_in: bool = False) -> LoginSession:
    """A new login session for a browser that just signed in: it lasts SESSION_LIFETIME
    (12 hours), or REMEMBER_COOKIE_DURATION (30 days) when the user stays signed in."""
    now = utcnow()
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if stay_signed_in else config["SESSION_LIFETIME"]
    login_session = LoginSession(
        user=user, last_seen_at=now, expires_at=now + lifetime, stay_signed_in=stay_signed_in
    )
    db.session.add(login_session)
    db.session.flush()
    user.login_session = login_session
    return login_session


def sign_in(user: User, remember: bool = False) -> LoginSession:
    """Start a fresh browser session for the user (nothing of the anonymous one is kept)."""
    session.clear()
    login_session = start_login_session(user, stay_signed_in=remember)
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
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


def end_sessions_and_tokens(user: User, keep: LoginSession | None = None) -> int:
    """Sign the user out of every browser but `keep`, revoke every API token and every
    password reset not used yet (a password changed or reset, "sign out my other devices", a
    deactivated or closed account); returns how many login sessions were ended."""
    ended = end_other_login_sessions(user, keep)
    revoke_api_tokens(user)
    revoke_password_resets(user)
    return ended


def revoke_password_resets(user: User, kind: ResetKind | None = None) -> None:
    """The user's password resets not used yet (all, or those of one kind) stop working."""
    condition = [
        PasswordReset.user_id == user.id,
        PasswordReset.used_at.is_(None),
        PasswordReset.revoked_at.is_(None),
    ]
    if kind is not None:
        condition.append(PasswordReset.kind == kind)
    db.session.execute(
        update(PasswordReset).where(*condition).values(revoked_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


# Built once: every signed-in request asks it.
LIVE_LOGIN_SESSION = select(LoginSession).where(
    LoginSession.key == bindparam("key"), LoginSession.ended_at.is_(None)
)


def login_session_end(login_session: LoginSession, now: datetime, idle: timedelta) -> str | None:
    """Why a live login session no longer works: "expired" past its lifetime, "idle" after
    `idle` without a request (unless the user stays signed in); None while it works."""
    if now >= login_session.expires_at:
        return "expired"
    if not login_session.stay_signed_in and now - login_session.last_seen_at >= idle:
        return "idle"
    return None


def _touch(model, row_id: int, column: str, now: datetime) -> None:
    """Write a last-activity time once the response is ready, in its own short transaction:
    a page never holds the write lock for it while it renders."""
    after_response(
        lambda: db.session.execute(
            update(model).where(model.id == row_id).values({column: now}),
            execution_options={"synchronize_session": False},
        )
    )


def user_for_login_session(key: str) -> tuple[User | None, str | None]:
    """The user of a live login session (Flask-Login's user loader), or None and why the
    session ended ("idle", "expired") when it just did."""
    login_session = db.session.scalar(LIVE_LOGIN_SESSION, {"key": key})
    if login_session is None or not login_session.user.is_active:
        return None, None
    now = utcnow()
    ended = login_session_end(login_session, now, current_app.config["SESSION_IDLE"])
    if ended:
        _touch(LoginSession, login_session.id, "ended_at", now)
        return None, ended
    if now - login_session.last_seen_at >= SEEN_EVERY:
        _touch(LoginSession, login_session.id, "last_seen_at", now)
    login_session.user.login_session = login_session
    return login_session.user, None


def issue_api_token(
    user: User,
    *,
    expires_in_days: int = TOKEN_DAYS_DEFAULT,
    scope: TokenScope = TokenScope.write,
    label: str | None = None,
) -> tuple[ApiToken, str]:
    """A new bearer token, valid for 1 to 365 days; only its digest is stored, the secret is
    returned once."""
    if not 1 <= expires_in_days <= TOKEN_DAYS_MAX:
        raise DomainError(
            _("A token lasts from 1 to %(n)d days.", n=TOKEN_DAYS_MAX), code="invalid_expiry"
        )
    secret = ApiToken.new_secret()
    token = ApiToken(
        user=user,
        digest=hash_secret(secret),
        expires_at=utcnow() + timedelta(days=expires_in_days),
        scope=scope,
        label=" ".join(label.split())[:80] or None if label else None,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def api_token_for(secret: str) -> ApiToken | None:
    """The live (neither revoked nor expired) token of an active user with this secret; its
    last use is written (at most once a minute)."""
    if not secret:
        return None
    now = utcnow()
    token = db.session.scalar(
        db.select(ApiToken).where(
            ApiToken.digest == hash_secret(secret),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= SEEN_EVERY:
        _touch(ApiToken, token.id, "last_used_at", now)
    return token


def live_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, the latest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.id.desc())
        )
    )


def api_token_of(user: User, token_id: int) -> ApiToken:
    """One of the user's live tokens, or a 404."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(_("This token does not exist or no longer works."), code="token_not_found")
    return token


def revoke_api_tokens(user: User) -> None:
    """Every API token of the user stops working."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def revoke_api_token(token: ApiToken) -> None:
    """The token stops working at once."""
    token.revoked_at = utcnow()


def update_profile(
    user: User,
    *,
    name: str,
    locale: str | None,
    easy_read: bool | None,
    form_of_address: FormOfAddress | None = None,
    notifications: Notifications | None = None,
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
    if form_of_address is not None:
        user.form_of_address = form_of_address
    if notifications is not None:
        user.notifications = notifications
    if user.is_professional:
        _set_professional_details(user, organisation, function)


def set_preferences(user: User, changes: dict) -> None:
    """How often the user wants the digest (`notifications`) and how the app speaks of them
    (`form_of_address`, None: not said); only the keys given change."""
    if "notifications" in changes:
        user.notifications = changes["notifications"]
    if "form_of_address" in changes:
        user.form_of_address = changes["form_of_address"]


def change_password(user: User, current: str, new: str, keep: LoginSession | None) -> None:
    """A new password, given the current one; every other login session and every API
    token ends (whoever knew the old password is signed out)."""
    if not user.check_password(current):
        raise DomainError(_("The current password is not right."), code="wrong_password")
    check_password(new, (user.name, user.email, user.login_name))
    user.set_password(new)
    end_sessions_and_tokens(user, keep)
    record_security_event("password.changed", user_id=user.id)


def sign_out_other_devices(user: User, keep: LoginSession | None) -> int:
    """End every other login session and revoke every API token; how many sessions ended."""
    ended = end_sessions_and_tokens(user, keep)
    record_security_event("sessions.ended", user_id=user.id)
    return ended


# Two-step sign-in -------------------------------------------------------------------------


def _wrong_code() -> DomainError:
    return DomainError(
        _("This code is not right. Type the 6 digits your app shows now."), code="wrong_code"
    )


def _store_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; the codes, shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = two_step.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, digest=hash_secret(two_step.normalise_recovery_code(c)))
        for c in codes
    )
    db.session.flush()
    return codes


def enable_two_step(user: User, secret: str, code: str) -> list[str]:
    """Turn two-step sign-in on, once the user's app shows the right code for the secret;
    returns the recovery codes (shown once)."""
    step = two_step.matching_step(secret, code, utcnow(), None)
    if step is None:
        raise _wrong_code()
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    record_security_event("two_step.enabled", user_id=user.id)
    return _store_recovery_codes(user)


def _check_current_password(user: User, password: str) -> None:
    if not user.check_password(password or ""):
        raise DomainError(_("The current password is not right."), code="wrong_password")


def disable_two_step(user: User, password: str) -> None:
    """Turn two-step sign-in off (with the password); refused where the site requires it."""
    if user.must_have_two_step:
        raise Forbidden(
            _("Two-step sign-in is required for your account: it cannot be turned off."),
            code="two_step_required",
        )
    _check_current_password(user, password)
    remove_two_step(user)
    record_security_event("two_step.disabled", user_id=user.id)


def remove_two_step(user: User) -> None:
    """Forget the user's second factor and recovery codes (turned off, account closed)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def renew_recovery_codes(user: User, password: str) -> list[str]:
    """New recovery codes (with the password); the old ones stop working."""
    _check_current_password(user, password)
    return _store_recovery_codes(user)


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def check_totp(user: User, code: str) -> bool:
    """Whether the code is the user's current one (each code works once)."""
    step = two_step.matching_step(user.totp_secret, code, utcnow(), user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def check_second_factor(user: User, code: str) -> str | None:
    """Whether the code proves the second factor: "totp" for the app's code, "recovery" for
    a recovery code (then used up), None when it is neither."""
    if two_step.looks_like_recovery_code(code):
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.digest == hash_secret(two_step.normalise_recovery_code(code)),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is None:
            return None
        recovery.used_at = utcnow()
        return "recovery"
    return "totp" if check_totp(user, code) else None


def set_active(admin: User, user: User, active: bool) -> None:
    """A platform admin deactivates (or reactivates) an account; a deactivated account is
    signed out everywhere and its API tokens stop working."""
    if user.id == admin.id:
        raise DomainError(_("You cannot deactivate your own account."), code="own_account")
    if user.is_closed:
        raise Conflict(_("This account is closed: it cannot be used again."), code="closed")
    user.active = active
    if not active:
        end_sessions_and_tokens(user)


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


def valid_territory(code: str | None) -> str:
    """A département code, normalised ("2a" → "2A"), or a DomainError `invalid_territory`."""
    territory = territory_code(code)
    if territory is None:
        raise DomainError(
            _(
                "%(code)s is not a département code: write it as on a postcode, e.g. 37, 2A "
                "or 971.",
                code=(code or "").strip()[:10],
            ),
            code="invalid_territory",
        )
    return territory


def set_territory(organisation: Organisation, code: str | None) -> None:
    """Say which département an organisation serves ("37", "2A", "971"); empty: none."""
    if not (code or "").strip():
        organisation.territory = None
        return
    organisation.territory = valid_territory(code)
