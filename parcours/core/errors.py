"""Domain errors: a rule refused an action. Pages show the message; the API returns it as JSON.

A refusal rolls back whatever the request changed before it (core/transactions.py), even
when the page catches it to show the message next to a field.
"""

from typing import Any

from parcours.core.i18n import gettext as _
from parcours.core.models import TEXT_MAX
from parcours.core.transactions import mark_refused


class DomainError(Exception):
    """An action the domain refuses, with a message written for the user."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        mark_refused()
        self.message = message
        if code:
            self.code = code
        self.details = details
        # Response headers the refusal carries (Retry-After), on the page and in the API.
        self.headers: dict[str, str] = {}


class NotFound(DomainError):
    """The thing does not exist, or the user may not know it exists."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """A member may see the thing but not do this to it."""

    status = 403
    code = "forbidden"


class PilotOnly(Forbidden):
    """Only the plan's pilot may do this (change the rules of the plan, remove a member)."""

    code = "pilot_only"


class Conflict(DomainError):
    """The action clashes with the current state (a newer version, a rule not yet met)."""

    status = 409
    code = "conflict"


class Gone(DomainError):
    """The thing existed but no longer works: a link used, replaced or expired (HTTP 410)."""

    status = 410
    code = "gone"


class BadInput(DomainError):
    """The request itself could not be read (not JSON, not an object)."""

    status = 400
    code = "bad_request"


class TooManyAttempts(DomainError):
    """Slowed down after repeated failures: try again after `retry_after` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class StaleVersion(Conflict):
    """Someone saved a newer version in between: the save is refused, nothing is overwritten."""

    code = "stale_version"

    def __init__(self, message: str, current: Any) -> None:
        super().__init__(message)
        self.current = current


class RevisionRequired(DomainError):
    """An edit of a shared record came without the revision it started from (HTTP 428)."""

    status = 428
    code = "revision_required"


def required_reason(reason: str | None) -> str:
    """Why a correction or a deletion is made, trimmed: required, at most TEXT_MAX characters
    (422 `missing_reason` / `reason_too_long`)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please say why."), code="missing_reason")
    if len(reason) > TEXT_MAX:
        raise DomainError(
            _("The reason takes at most %(n)d characters.", n=TEXT_MAX), code="reason_too_long"
        )
    return reason
