"""Getting back in: choosing a new password without the old one (issue 13).

Two ways, one page (`accounts.new_password`, `/password-reset/<token>`):
- **by e-mail**: anyone types an address; when an active account has it, a single-use link
  valid one hour is made and `password_reset_requested` sent (its receiver e-mails it). The
  answer, and the work done, are the same whether the address has an account or not;
- **by a printed card**, for people without e-mail: the pilot of a plan makes one for a
  member (plans/operations.py: `create_reset_card`), valid 7 days; a new card replaces the
  previous one not used yet.

Only the token's digest is kept. Setting the password uses the token once (an atomic
`UPDATE … WHERE used_at IS NULL`, so two requests racing cannot both use it), ends every login
session and API token of the account and every other reset waiting; two-step sign-in stays:
the next sign-in asks its code. The security log says when a reset is asked, made as a card,
and done.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from parcours.accounts.models import (
    PasswordReset,
    ResetKind,
    ResetState,
    User,
    hash_secret,
    identifier_key,
)
from parcours.accounts.operations import (
    check_password,
    end_sessions_and_tokens,
    revoke_password_resets,
)
from parcours.core.errors import Gone, NotFound
from parcours.core.i18n import gettext as _
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import utcnow
from parcours.core.security_log import record_security_event
from parcours.core.signals import password_reset_requested
from parcours.extensions import db

LIFETIMES = {ResetKind.email: timedelta(hours=1), ResetKind.card: timedelta(days=7)}
# A reset that ended is kept this long (in "my data"), then `retention purge` deletes it.
KEPT = timedelta(days=30)
TOKEN_MAX = 100


def new_token() -> tuple[str, str]:
    """A reset token and its digest."""
    token = secrets.token_urlsafe(32)
    return token, hash_secret(token)


def create_password_reset(user: User, kind: ResetKind) -> tuple[PasswordReset, str]:
    """A new single-use reset for the account; the token is returned once. A card replaces
    the user's previous card not used yet (the new one is the card they hold)."""
    now = utcnow()
    if kind is ResetKind.card:
        revoke_password_resets(user, ResetKind.card)
    token, digest = new_token()
    reset = PasswordReset(
        user_id=user.id, digest=digest, kind=kind, created_at=now, expires_at=now + LIFETIMES[kind]
    )
    db.session.add(reset)
    db.session.flush()
    return reset, token


def reset_asked_message() -> str:
    """What anyone who asks for a link reads, whether the address has an account or not."""
    return _(
        "If an account has this e-mail address, a link to choose a new password is on its way "
        "to it. The link works once, for one hour. Nothing came? Look in the spam folder, or "
        "ask again in a few minutes."
    )


def request_password_reset(email: str) -> None:
    """Someone asks for a link to choose a new password. When an active account has this
    e-mail address, a link valid one hour is made and `password_reset_requested` sent with its
    token; otherwise nothing happens. Either way the same work is done (the same look-up, a
    token drawn and hashed, the same security log entry; only the row is written for a real
    account), so that neither the answer nor its time tells the address has an account. The
    receiver that sends the e-mail must send it once the response is ready (or queue it),
    not while the request waits: the time of an SMTP exchange would tell."""
    key = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == key)) if key else None
    token, digest = new_token()
    now = utcnow()
    reset = PasswordReset(
        digest=digest,
        kind=ResetKind.email,
        created_at=now,
        expires_at=now + LIFETIMES[ResetKind.email],
    )
    if user is not None and user.is_active:
        reset.user_id = user.id
        db.session.add(reset)
        db.session.flush()
        password_reset_requested.send(user, token=token)
    record_security_event(
        "password_reset.asked",
        user_id=user.id if user is not None else None,
        identifier_key=identifier_key(email),
    )


def _not_found() -> NotFound:
    return NotFound(
        _(
            "This link to choose a new password does not work. Check that it was copied whole, "
            "or ask for a new one."
        ),
        code="reset_not_found",
    )


REFUSALS = {
    ResetState.used: (
        "reset_used",
        _l(
            "This link to choose a new password was already used: it works once. If you did not "
            "use it yourself, ask for a new one."
        ),
    ),
    ResetState.revoked: (
        "reset_replaced",
        _l(
            "This link to choose a new password no longer works: a newer one replaced it, or the "
            "password was changed since."
        ),
    ),
    ResetState.expired: (
        "reset_expired",
        _l("This link to choose a new password has expired. Ask for a new one."),
    ),
}


def reset_of(token: str, now: datetime | None = None) -> PasswordReset:
    """The reset behind a token while it can be used: a 404 (`reset_not_found`) for a token
    that never was one, or whose account can no longer sign in; a 410 (`reset_used`,
    `reset_replaced`, `reset_expired`) for one that no longer works."""
    if not token or len(token) > TOKEN_MAX:
        raise _not_found()
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.digest == hash_secret(token))
    )
    if reset is None or not reset.user.is_active:
        raise _not_found()
    state = reset.state(now)
    if state is not ResetState.pending:
        code, message = REFUSALS[state]
        raise Gone(str(message), code=code)
    return reset


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset: the token is used (once, even when two requests
    race), every login session and API token of the account ends and every other reset
    waiting stops working. Two-step sign-in is kept: the next sign-in asks its code."""
    reset = reset_of(token)
    user = reset.user
    check_password(password, (user.name, user.email, user.login_name))
    now = utcnow()
    used = db.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.revoked_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if used.rowcount != 1:
        code, message = REFUSALS[ResetState.used]
        raise Gone(str(message), code=code)
    user.set_password(password)
    # The other resets waiting stop working too.
    end_sessions_and_tokens(user)
    record_security_event("password_reset.done", user_id=user.id)
    return user


def password_resets_of(user_id: int) -> list[PasswordReset]:
    """The user's resets, oldest first (for "my data")."""
    return list(
        db.session.scalars(
            select(PasswordReset).where(PasswordReset.user_id == user_id).order_by(PasswordReset.id)
        )
    )


def forget_password_resets(user_id: int) -> None:
    """The account closes: its resets are deleted."""
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user_id))


def purge_password_resets(now: datetime | None = None) -> int:
    """Delete the resets that ended (expired, used or replaced) more than KEPT ago; how many.
    The caller commits (the `retention purge` command)."""
    before = (now or utcnow()) - KEPT
    result = db.session.execute(
        delete(PasswordReset).where(PasswordReset.expires_at < before),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount
