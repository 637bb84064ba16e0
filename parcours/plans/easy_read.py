"""Whether a user sees the easy-read pages."""

from flask import g
from flask_login import current_user
from sqlalchemy import exists, select

from parcours.accounts.models import User
from parcours.extensions import db
from parcours.plans.models import Member, Role


def easy_read_on(user: User) -> bool:
    """The user's own choice, else on for people who are the person accompanied in a plan."""
    if user.easy_read is not None:
        return user.easy_read
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


def easy_read_context() -> dict:
    """`easy_read` for the templates (computed once per request)."""
    if not current_user or not current_user.is_authenticated:
        return {"easy_read": False}
    if "easy_read" not in g:
        g.easy_read = easy_read_on(current_user)
    return {"easy_read": g.easy_read}
