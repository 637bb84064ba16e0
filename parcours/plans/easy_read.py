"""Whether a user sees the easy-read pages."""

import time

from flask import g, has_request_context, session
from flask_login import current_user
from sqlalchemy import exists, select

from parcours.accounts.models import User
from parcours.extensions import db
from parcours.plans.models import Member, Role

# The default (person accompanied in a plan, or not) is kept a few minutes in the browser's
# signed session, so that every page need not ask the database; joining or leaving a plan
# forgets it at once for the user who did it.
DEFAULT_KEPT_SECONDS = 300
SESSION_KEY = "easy_read_default"


def _is_person_somewhere(user: User) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Member.user_id == user.id,
                    Member.role == Role.person,
                    Member.left_at.is_(None),
                )
            )
        )
    )


def _default_for(user: User) -> bool:
    """On for people who are the person accompanied in a plan (kept in the session)."""
    if not has_request_context():
        return _is_person_somewhere(user)
    kept = session.get(SESSION_KEY)
    now = int(time.time())
    if kept and kept[0] == user.id and now - kept[2] < DEFAULT_KEPT_SECONDS:
        return bool(kept[1])
    value = _is_person_somewhere(user)
    session[SESSION_KEY] = [user.id, value, now]
    return value


def easy_read_on(user: User) -> bool:
    """The user's own choice, else on for people who are the person accompanied in a plan
    (asked once per request)."""
    if user.easy_read is not None:
        return user.easy_read
    if has_request_context() and current_user.is_authenticated and user.id == current_user.id:
        if "easy_read" not in g:
            g.easy_read = _default_for(user)
        return g.easy_read
    return _is_person_somewhere(user)


def forget_easy_read_default() -> None:
    """The signed-in user joined or left a plan: their default is asked again."""
    session.pop(SESSION_KEY, None)
    g.pop("easy_read", None)


def easy_read_context() -> dict:
    """`easy_read` for the templates."""
    if not current_user or not current_user.is_authenticated:
        return {"easy_read": False}
    return {"easy_read": easy_read_on(current_user)}
