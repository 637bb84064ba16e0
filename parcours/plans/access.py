"""Who may see a parcours: its current members only. Everyone else gets a 404."""

from collections.abc import Iterable

from flask import request
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from parcours.core.audit import record_reads
from parcours.core.errors import NotFound
from parcours.core.i18n import gettext as _
from parcours.core.security_log import record_security_event
from parcours.core.transactions import READ_ONLY_METHODS
from parcours.extensions import db
from parcours.plans.models import Member


def not_found() -> NotFound:
    """The 404 of a plan the user is not a member of; the security log notes who asked (not
    which plan: nothing of a plan goes there)."""
    record_security_event("access.denied", user_id=current_user.id)
    return NotFound(_("This plan does not exist, or you are not one of its members."))


# Built once, as every statement a page runs on each visit: building a statement and its
# cache key costs about as much as running it (half of a small query's time here).
CURRENT_MEMBERSHIP = (
    select(Member)
    .where(
        Member.parcours_id == bindparam("parcours_id"),
        Member.user_id == bindparam("user_id"),
        Member.left_at.is_(None),
    )
    # The member's account is the signed-in user, already loaded.
    .options(lazyload(Member.user))
)


def current_member(
    parcours_id: int, reading: str | None = None, detail: str | None = None
) -> Member:
    """The signed-in user's membership of the parcours, or a 404 that reveals nothing.

    With `reading`, a GET's read (and its `detail`, e.g. a file's name) is written to the
    parcours' access log, once the page is ready (even if the request fails). A form's POST
    logs no read: its operation logs the change.
    """
    member = db.session.scalar(
        CURRENT_MEMBERSHIP, {"parcours_id": parcours_id, "user_id": current_user.id}
    )
    if member is None:
        raise not_found()
    _log_read(parcours_id, reading, detail)
    return member


def current_member_among(
    parcours_id: int,
    members: Iterable[Member],
    reading: str | None = None,
    detail: str | None = None,
) -> Member:
    """The signed-in user's membership picked from the parcours' members already loaded for
    the page (current ones, or every one ever), or the same 404 as `current_member`; a page
    that needs the members anyway spares the query of its own membership."""
    member = next(
        (
            m
            for m in members
            if m.parcours_id == parcours_id and m.user_id == current_user.id and m.is_current
        ),
        None,
    )
    if member is None:
        raise not_found()
    _log_read(parcours_id, reading, detail)
    return member


def _log_read(parcours_id: int, reading: str | None, detail: str | None) -> None:
    if reading and request.method in READ_ONLY_METHODS:
        record_reads([parcours_id], current_user, reading, detail)
