"""The messages people ask for, queued in the transaction of the change that asks for them:
an invitation with an e-mail address, an account's owner told that someone tried to sign up
with their address, the link to a new password. They go out whatever the user chose for the
digest (they asked for them), never to a closed account."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select

from parcours.accounts.models import User
from parcours.core.i18n import format_day
from parcours.core.models import local_date, utcnow
from parcours.core.navigation import external_url
from parcours.core.signals import (
    invitation_created,
    password_reset_requested,
    signup_for_existing_account,
)
from parcours.extensions import db
from parcours.notifications.messages import (
    compose,
    in_language,
    invitation_words,
    language_of,
    password_reset_words,
    signup_attempt_words,
)
from parcours.notifications.models import MessageKind, OutboxMessage
from parcours.notifications.outbox import enqueue
from parcours.plans.easy_read import easy_read_on
from parcours.plans.models import Invitation, Role

SIGNUP_ATTEMPT_QUIET = timedelta(hours=1)


def _reachable(user: User) -> bool:
    return user.email is not None and not user.is_closed


@invitation_created.connect
def send_invitation(invitation: Invitation, token: str, **_extra) -> None:
    """An invitation with an e-mail address: its link, in the site's language (the invitee
    may have no account yet)."""
    if not invitation.email:
        return
    inviter = invitation.invited_by
    organisation = (
        inviter.organisation.name
        if inviter.role is Role.professional and inviter.organisation is not None
        else None
    )
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    with_locale = in_language(
        locale,
        lambda: invitation_words(
            external_url("plans.invitation", token=token),
            organisation,
            format_day(local_date(invitation.expires_at), "long"),
        ),
    )
    enqueue(MessageKind.invitation, compose(invitation.email, with_locale, locale))


@signup_for_existing_account.connect
def tell_owner_of_signup(user: User, **_extra) -> None:
    """Someone tried to sign up with the user's address: the owner is told (the sign-up page
    says nothing, so as not to reveal who has an account)."""
    if not _reachable(user) or _told_lately(user):
        return
    locale = language_of(user)
    words = in_language(
        locale,
        signup_attempt_words,
        external_url("accounts.login"),
        easy_read=easy_read_on(user),
    )
    enqueue(MessageKind.signup_attempt, compose(user.email, words, locale), user_id=user.id)


def _told_lately(user: User) -> bool:
    """Whether the owner was told of a sign-up attempt within the hour (whoever repeats the
    attempt cannot flood their mailbox)."""
    return db.session.scalar(
        select(
            exists().where(
                OutboxMessage.user_id == user.id,
                OutboxMessage.kind == MessageKind.signup_attempt,
                OutboxMessage.created_at > utcnow() - SIGNUP_ATTEMPT_QUIET,
            )
        )
    )


@password_reset_requested.connect
def send_password_link(user: User, token: str, **_extra) -> None:
    """The single-use link to choose a new password."""
    if not _reachable(user):
        return
    locale = language_of(user)
    words = in_language(
        locale,
        password_reset_words,
        external_url("accounts.new_password", token=token),
        easy_read=easy_read_on(user),
    )
    enqueue(MessageKind.password_reset, compose(user.email, words, locale), user_id=user.id)
