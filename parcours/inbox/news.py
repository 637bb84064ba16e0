"""The news part of the inbox: what happened in my plans lately that others did — a member
joined (a legal representative named, said so), a decision was taken, a pilot designated, the
plan asked to close, someone replied to me or mentioned me in a discussion (news for that
member only: the entry's `subject`), an observer answered a statement of the plan — read
from the plans' access logs (the record of every change, with its author); and, for the pilot,
a new flag on the plan (the timeline's raised flags: a check found open for the first time, by
a change or by a new day). Unread until opened. No table of its own but what each user has
read."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import url_for
from sqlalchemy import String, bindparam, cast, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from parcours.accounts.models import User
from parcours.core.audit import Access, AccessLogEntry, describe_entry
from parcours.core.i18n import gettext as _
from parcours.core.models import run_statement, utcnow
from parcours.core.names import account_name
from parcours.discussions.models import COMMENT_MENTION, COMMENT_REPLY
from parcours.extensions import db
from parcours.inbox.models import InboxRead
from parcours.plans.models import Member, Parcours
from parcours.statements.models import STATEMENT_ANSWERED
from parcours.timeline.checks import FlagKind
from parcours.timeline.messages import KIND_LABELS
from parcours.timeline.models import RaisedFlag

# News are the changes of the last days; older ones are in each plan's access log.
NEWS_DAYS = 30
NEWS_MAX = 50
DECISIONS = ("means.adopted", "means.set_aside", "means.to_revisit")
# News for the member the entry names only (who was replied to, who was mentioned).
AIMED = (COMMENT_REPLY, COMMENT_MENTION)
NEWS_EVENTS = (
    "member.joined",
    "pilot.designated",
    "rules.close_requested",
    *DECISIONS,
    *AIMED,
    STATEMENT_ANSWERED,  # an observer answered a statement of the plan
)
NEWS_KINDS = (
    "member_joined",
    "legal_representative",
    "decision",
    "pilot",
    "closing",
    "reply",
    "mention",
    "flag",
    "statement_answer",
)
FLAG_KINDS = {kind.value: kind for kind in FlagKind}


@dataclass(frozen=True)
class NewsItem:
    id: str
    kind: str  # NEWS_KINDS
    parcours_id: int
    person_name: str
    text: str
    url: str
    created_at: datetime
    read: bool

    @property
    def open_url(self) -> str:
        """The link that marks it read, then opens its page."""
        return url_for("inbox.open_news", key=self.id)


def news_key(entry_id: int) -> str:
    return f"news-{entry_id}"


def flag_key(raised_id: int) -> str:
    return f"flag-{raised_id}"


def news_for(user: User, now: datetime | None = None) -> list[NewsItem]:
    """The news of the user's plans, newest first: changes by others since they joined and in
    the last NEWS_DAYS days (one query, however many plans)."""
    now = now or utcnow()
    bound = {"user_id": user.id, "since": now - timedelta(days=NEWS_DAYS)}
    news = [_news(row) for row in run_statement(_news_statement(), bound)]
    news += _raised_flags(user, now)
    news.sort(key=lambda item: item.created_at, reverse=True)
    return news[:NEWS_MAX]


@cache
def _news_statement():
    """The statement of `news_for`, built once (the user and the first day are bound)."""
    mine = (
        select(Member.parcours_id, Member.joined_at)
        .where(Member.user_id == bindparam("user_id"), Member.left_at.is_(None))
        .subquery()
    )
    key = literal("news-") + cast(AccessLogEntry.id, String)
    read = exists().where(InboxRead.user_id == bindparam("user_id"), InboxRead.key == key)
    as_legal_representative = exists().where(
        Member.parcours_id == AccessLogEntry.parcours_id,
        Member.user_id == AccessLogEntry.user_id,
        Member.is_legal_representative.is_(True),
    )
    # Read as rows, not objects (the entries' chain is not needed): a third of the time.
    subject = aliased(User)
    return (
        select(
            AccessLogEntry.id,
            AccessLogEntry.parcours_id,
            AccessLogEntry.event,
            AccessLogEntry.detail,
            AccessLogEntry.created_at,
            User.stored_name.label("stored_name"),
            User.closed_at.label("closed_at"),
            subject.id.label("subject_id"),
            subject.stored_name.label("subject_stored_name"),
            subject.closed_at.label("subject_closed_at"),
            Parcours.person_name,
            read.label("read"),
            as_legal_representative.label("legal"),
        )
        .join(mine, mine.c.parcours_id == AccessLogEntry.parcours_id)
        .join(Parcours, Parcours.id == AccessLogEntry.parcours_id)
        .join(User, User.id == AccessLogEntry.user_id)
        .outerjoin(subject, subject.id == AccessLogEntry.subject_id)
        .where(
            AccessLogEntry.access == Access.change,
            AccessLogEntry.event.in_(NEWS_EVENTS),
            or_(
                AccessLogEntry.event.not_in(AIMED),
                AccessLogEntry.subject_id == bindparam("user_id"),
            ),
            AccessLogEntry.user_id != bindparam("user_id"),
            AccessLogEntry.created_at >= mine.c.joined_at,
            AccessLogEntry.created_at > bindparam("since"),
        )
        .order_by(AccessLogEntry.created_at.desc(), AccessLogEntry.id.desc())
        .limit(NEWS_MAX)
    )


def _raised_flags(user: User, now: datetime) -> list[NewsItem]:
    """The flags raised on the plans the user pilots, since they joined and in the last
    NEWS_DAYS days (one query)."""
    bound = {"user_id": user.id, "since": now - timedelta(days=NEWS_DAYS)}
    return [
        NewsItem(
            flag_key(raised.id),
            "flag",
            raised.parcours_id,
            raised.person_name,
            _(
                "A new check on the plan of %(person)s: %(kind)s.",
                person=raised.person_name,
                kind=KIND_LABELS[FLAG_KINDS[raised.kind]],
            ),
            url_for("timeline.index", parcours_id=raised.parcours_id, _anchor=f"flag-{raised.key}"),
            raised.raised_at,
            raised.read,
        )
        for raised in run_statement(_raised_flags_statement(), bound)
    ]


@cache
def _raised_flags_statement():
    """The statement of `_raised_flags`, built once (the user and the first day are bound)."""
    key = literal("flag-") + cast(RaisedFlag.id, String)
    read = exists().where(InboxRead.user_id == bindparam("user_id"), InboxRead.key == key)
    return (
        select(
            RaisedFlag.id,
            RaisedFlag.parcours_id,
            RaisedFlag.key,
            RaisedFlag.kind,
            RaisedFlag.raised_at,
            Parcours.person_name,
            read.label("read"),
        )
        .join(Member, Member.parcours_id == RaisedFlag.parcours_id)
        .join(Parcours, Parcours.id == RaisedFlag.parcours_id)
        .where(
            Member.user_id == bindparam("user_id"),
            Member.left_at.is_(None),
            Member.is_pilot.is_(True),
            RaisedFlag.raised_at >= Member.joined_at,
            RaisedFlag.raised_at > bindparam("since"),
            RaisedFlag.kind.in_(FLAG_KINDS),
        )
        .order_by(RaisedFlag.raised_at.desc(), RaisedFlag.id.desc())
        .limit(NEWS_MAX)
    )


def _news(entry) -> NewsItem:
    """A news item from a row of `_news_statement`."""
    who = account_name(entry.stored_name, entry.closed_at)
    person_name = entry.person_name
    pid = entry.parcours_id
    if entry.event == "member.joined":
        kind = "legal_representative" if entry.legal else "member_joined"
        text = (
            _(
                "%(name)s joined as the legal representative of %(person)s.",
                name=who,
                person=person_name,
            )
            if entry.legal
            else _("%(name)s joined the plan.", name=who)
        )
        url = url_for("plans.members", parcours_id=pid)
    elif entry.event in DECISIONS:
        kind, text = "decision", f"{who} {_description(entry)}."
        url = url_for("means.index", parcours_id=pid)
    elif entry.event == "pilot.designated":
        kind, text = "pilot", f"{who} {_description(entry)}."
        url = url_for("plans.members", parcours_id=pid)
    elif entry.event in AIMED:
        kind = "reply" if entry.event == COMMENT_REPLY else "mention"
        text = (
            _("%(name)s replied to your message in a discussion.", name=who)
            if kind == "reply"
            else _("%(name)s mentioned you in a discussion.", name=who)
        )
        # The message, in its discussion (the detail is the message's number).
        url = url_for("discussions.comment", parcours_id=pid, comment_id=int(entry.detail))
    elif entry.event == STATEMENT_ANSWERED:
        kind = "statement_answer"
        text = _("%(name)s answered a statement of the plan.", name=who)
        url = url_for("statements.index", parcours_id=pid, _anchor=f"statement-{entry.detail}")
    else:
        kind, text = "closing", f"{who} {_description(entry)}."
        url = url_for("overview.parcours", parcours_id=pid)
    return NewsItem(
        news_key(entry.id), kind, pid, person_name, text, url, entry.created_at, entry.read
    )


def _description(entry) -> str:
    """What the entry says (see `AccessLogEntry.description`)."""
    subject = None
    if entry.subject_id is not None:
        subject = account_name(entry.subject_stored_name, entry.subject_closed_at)
    return describe_entry(entry.event, entry.detail, subject)


def mark_read(user: User, keys: list[str]) -> None:
    """These news are read (again: no error)."""
    rows = [{"user_id": user.id, "key": key, "read_at": utcnow()} for key in dict.fromkeys(keys)]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(InboxRead)
    db.session.execute(insert.on_conflict_do_nothing(), rows)


def news_item(user: User, key: str) -> NewsItem | None:
    """One news item of the user's, to open it (None: not theirs, or no news)."""
    return next((n for n in news_for(user) if n.id == key), None)
