"""The digest: how many things wait for a user (the inbox's things to do and unread news),
sent as often as they chose, and only when something in it is new since their last one."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from parcours.accounts.models import Notifications, User
from parcours.core.models import local_date, utcnow
from parcours.core.navigation import external_url
from parcours.extensions import db
from parcours.inbox.items import inbox_for
from parcours.inbox.news import news_for
from parcours.notifications.messages import compose, digest_words, in_language, language_of
from parcours.notifications.models import DigestState, MessageKind
from parcours.notifications.outbox import enqueue
from parcours.plans.easy_read import easy_read_on

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user: User) -> str:
    """The link's token: the user's id signed with the site's key (it cannot be guessed)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(user.id)


def user_of_token(token: str) -> User | None:
    """The user an unsubscribe token was made for (None: forged, or the account is closed)."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
    try:
        user_id = serializer.loads(token)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and not user.is_closed else None


def waiting_keys(user: User, now: datetime) -> set[str]:
    """What waits for the user now: their things to do and their unread news."""
    todo = {item.id for item in inbox_for(user, local_date(now))}
    news = {item.id for item in news_for(user, now) if not item.read}
    return todo | news


def period_start(frequency: Notifications, now: datetime) -> datetime | None:
    """When the current digest period began (UTC): today (daily) or this week's Monday
    (weekly) at DIGEST_HOUR local time; None when sent at once. Later than `now` before the
    hour (on Mondays before it, for the weekly one): not due yet."""
    if frequency is Notifications.immediately:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = now.astimezone(zone)
    day = local.date()
    if frequency is Notifications.weekly:
        day -= timedelta(days=day.weekday())
    start = datetime.combine(day, time(current_app.config["DIGEST_HOUR"]), zone)
    return start.astimezone(now.tzinfo)


def digest_due(state: DigestState, frequency: Notifications, now: datetime) -> bool:
    """Whether the user's digest is to be looked at now."""
    if frequency is Notifications.never:
        return False
    start = period_start(frequency, now)
    if start is None:
        return True
    return start <= now and (state.checked_at is None or state.checked_at < start)


def _state_for(user: User) -> DigestState:
    state = db.session.get(DigestState, user.id)
    if state is None:
        state = DigestState(user_id=user.id, count=0, seen="")
        db.session.add(state)
        db.session.flush()
    return state


def queue_digest(user: User, now: datetime | None = None) -> bool:
    """Queue the user's digest if it is due and has something new; True when queued."""
    now = now or utcnow()
    if user.is_closed or not user.active or not user.email:
        return False
    state = _state_for(user)
    if not digest_due(state, user.notifications, now):
        return False
    keys = waiting_keys(user, now)
    new = keys - set(state.seen.split())
    state.checked_at = now
    state.seen = " ".join(sorted(keys))
    if not new:
        return False
    state.count = len(keys)
    state.sent_at = now
    locale = language_of(user)
    easy = easy_read_on(user)
    link = external_url("easyread.home" if easy else "inbox.index")
    stop = external_url("notifications.unsubscribe", token=unsubscribe_token(user))
    message = compose(
        user.email,
        in_language(
            locale,
            digest_words,
            len(keys),
            user.notifications,
            link,
            external_url("accounts.account"),
            stop,
            easy_read=easy,
        ),
        locale,
        unsubscribe=stop,
    )
    enqueue(MessageKind.digest, message, user_id=user.id)
    return True


def queue_digests(now: datetime | None = None) -> int:
    """Queue the digests due now, each user's state locked while it is looked at (PostgreSQL:
    a run skips the users another run is looking at); one transaction per user."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(User.id)
        .where(
            User.closed_at.is_(None),
            User.active.is_(True),
            User.email.is_not(None),
            User.notifications != Notifications.never,
        )
        .order_by(User.id)
    ).all()
    db.session.commit()
    queued = 0
    for user_id in candidates:
        if db.session.get(DigestState, user_id) is None:
            db.session.add(DigestState(user_id=user_id, count=0, seen=""))
            try:
                db.session.commit()
            except IntegrityError:  # another run made it first
                db.session.rollback()
        locked = db.session.scalar(
            select(DigestState)
            .where(DigestState.user_id == user_id)
            .with_for_update(skip_locked=True)
        )
        if locked is None:
            db.session.rollback()
            continue
        user = db.session.get(User, user_id)
        queued += queue_digest(user, now)
        db.session.commit()
    return queued


def forget_digest(user_id: int) -> None:
    """Closing an account: what its last digest counted goes."""
    db.session.execute(delete(DigestState).where(DigestState.user_id == user_id))
