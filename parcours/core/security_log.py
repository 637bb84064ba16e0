"""The security log: failed sign-ins, throttling, denied accesses, for the platform admins.

It holds no plan content, not even which plan was asked for: only who (the account, when
known), a pseudonym of the identifier typed (`accounts.models.identifier_key`), the client's
address, the event and the time. Entries are written once the response is ready, in a
transaction of their own (core/transactions.py), so that a refused request, whose changes
are rolled back, still leaves its trace. They are kept for the retention period
(`PARCOURS_LOG_RETENTION_DAYS`), then `purge_security_log` deletes them.
"""

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import ForeignKey, String, delete, insert
from sqlalchemy.orm import Mapped, mapped_column

from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import UTCDateTime, utcnow
from parcours.core.transactions import after_response
from parcours.extensions import db

ADDRESS_MAX = 45  # the longest IPv6 address in text

# What each event means, for the admin page.
EVENTS = {
    "sign_in.failed": _l("Sign-in refused: wrong identifier or password"),
    "sign_in.code_failed": _l("Sign-in refused: wrong two-step code"),
    "sign_in.throttled": _l("Sign-ins slowed down after repeated failures"),
    "sign_in.recovery_code": _l("Signed in with a recovery code"),
    "token.failed": _l("API token refused: wrong identifier, password or code"),
    "token.throttled": _l("API token requests slowed down after repeated failures"),
    "signup.throttled": _l("Sign-ups slowed down from one address"),
    "answer_link.throttled": _l("Visits of answer links slowed down from one address"),
    "access.denied": _l("A plan was asked for by someone who is not a member"),
    "token.read_only": _l("A read-only API token tried to change something"),
    "two_step.enabled": _l("Two-step sign-in set up"),
    "two_step.disabled": _l("Two-step sign-in removed"),
    "password.changed": _l("Password changed: other sessions and API tokens ended"),
    "sessions.ended": _l("Signed out of other devices: API tokens revoked too"),
    "password_reset.asked": _l("A link to choose a new password was asked for"),
    "password_reset.card": _l("A card to choose a new password was printed by a plan's pilot"),
    "password_reset.done": _l("Password reset: sessions, API tokens and other reset links ended"),
    "password_reset.throttled": _l("Requests for a password reset link slowed down"),
    "reset_link.throttled": _l("Visits of password reset links slowed down from one address"),
}


class SecurityEvent(db.Model):
    """One event of the security log. Append-only, purged after the retention period."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    identifier_key: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(ADDRESS_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def description(self) -> str:
        return str(EVENTS.get(self.event, self.event))


def client_address() -> str | None:
    """The client's address as the app sees it (behind proxies, see PARCOURS_PROXY_COUNT)."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:ADDRESS_MAX] or None


def record_security_event(
    event: str, *, user_id: int | None = None, identifier_key: str | None = None
) -> None:
    """Write an event once the response is ready, even when the request is rolled back."""
    row = {
        "event": event,
        "user_id": user_id,
        "identifier_key": identifier_key,
        "address": client_address(),
        "created_at": utcnow(),
    }
    after_response(lambda: db.session.execute(insert(SecurityEvent), [row]))


def purge_security_log(before: datetime) -> int:
    """Delete the entries older than `before` (the retention period); how many. The caller
    commits (the `retention purge` command)."""
    result = db.session.execute(delete(SecurityEvent).where(SecurityEvent.created_at < before))
    return result.rowcount
