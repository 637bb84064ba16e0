"""Discussion operations: write a comment (a reply, with mentions, in one's name or the
person's), edit one's own (the earlier text kept), and find the subject a thread is about."""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from parcours.core.audit import Access, record
from parcours.core.errors import Conflict, DomainError, Forbidden, NotFound, StaleVersion
from parcours.core.i18n import gettext as _
from parcours.core.models import TEXT_MAX, today, utcnow
from parcours.discussions.models import (
    COMMENT_EDITED,
    COMMENT_MENTION,
    COMMENT_REPLY,
    COMMENT_WRITTEN,
    Comment,
    CommentRevision,
)
from parcours.extensions import db
from parcours.means.models import Means
from parcours.plans.models import Member, Parcours
from parcours.timeline.models import Handoff

OBJECTIVE = "objective"
ABOUT_PATTERN = re.compile(r"(?:(means|handoff):([1-9][0-9]{0,9}))|objective")

# Which field of the form or of the API's body each refusal is about.
FIELD_OF = {
    "unknown_about": "about",
    "missing_text": "text",
    "text_too_long": "text",
    "invalid_reply_to": "reply_to",
    "invalid_mention": "mentions",
    "invalid_on_behalf_of": "on_behalf_of",
}


@dataclass(frozen=True)
class Subject:
    """What a thread is about, as its page names it and links back to it."""

    about: str
    kind: str  # "objective", "means" or "handoff"
    id: int | None
    title: str


class PlanClosed(Conflict):
    """A closed plan is read, not written: its discussions stay, nothing is added."""

    code = "plan_closed"

    def __init__(self) -> None:
        super().__init__(
            _("This plan is closed: its discussions can be read, but nothing can be added.")
        )


def unknown_about() -> DomainError:
    return DomainError(
        _("Say what the message is about: the objective, a proposal or a hand-off of this plan."),
        code="unknown_about",
    )


def subject_of(parcours_id: int, about: str) -> Subject:
    """The subject a thread is about (the objective, a live proposal or a hand-off of this
    plan), or a 422 `unknown_about`."""
    match = ABOUT_PATTERN.fullmatch(about or "")
    if match is None:
        raise unknown_about()
    if about == OBJECTIVE:
        return Subject(OBJECTIVE, OBJECTIVE, None, _("The shared objective"))
    kind, number = match.group(1), int(match.group(2))
    if kind == "means":
        means = db.session.get(Means, number)
        if means is None or means.parcours_id != parcours_id or means.is_deleted:
            raise unknown_about()
        return Subject(about, kind, number, _("The proposal “%(title)s”", title=means.title))
    handoff = db.session.scalar(
        select(Handoff)
        .where(Handoff.id == number, Handoff.parcours_id == parcours_id)
        .options(joinedload(Handoff.from_episode), joinedload(Handoff.to_episode))
    )
    if handoff is None:
        raise unknown_about()
    title = _(
        "The hand-off from %(from_label)s to %(to_label)s",
        from_label=handoff.from_episode.display_label,
        to_label=handoff.receiving_label,
    )
    return Subject(about, kind, number, title)


def comment_of(parcours_id: int, comment_id: int) -> Comment:
    """A comment of this parcours, with whom it mentions and its earlier texts, or a 404."""
    comment = db.session.scalar(
        select(Comment)
        .where(Comment.id == comment_id)
        .options(selectinload(Comment.mentions), selectinload(Comment.revisions))
    )
    if comment is None or comment.parcours_id != parcours_id:
        raise NotFound(_("This message does not exist."), code="comment_not_found")
    return comment


def is_closed(parcours: Parcours) -> bool:
    """A plan closed on a past day (or today) is read, not written."""
    return parcours.closed_on is not None and parcours.closed_on <= today()


def _require_open(parcours: Parcours) -> None:
    if is_closed(parcours):
        raise PlanClosed()


def no_such_thread() -> NotFound:
    return NotFound(_("This discussion does not exist."), code="discussion_not_found")


def not_author() -> Forbidden:
    return Forbidden(_("Only the one who wrote a message can change it."), code="not_author")


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Please write your message."), code="missing_text")
    if len(text) > TEXT_MAX:
        raise DomainError(
            _("A text can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
        )
    return text


def _check_person(author: Member, on_behalf_of: Member | None) -> Member | None:
    """Someone writing for another member may only do it for the person, and it shows."""
    if on_behalf_of is None or on_behalf_of.id == author.id:
        return None
    if (
        on_behalf_of.parcours_id != author.parcours_id
        or not on_behalf_of.is_current
        or not on_behalf_of.is_person
    ):
        raise _not_for_them()
    return on_behalf_of


def _not_for_them() -> DomainError:
    return DomainError(
        _("You can write in your own name, or on behalf of the person accompanied only."),
        code="invalid_on_behalf_of",
    )


def _mentioned(author: Member, mention_ids: list[int], members: list[Member]) -> list[Member]:
    by_id = {m.id: m for m in members if m.is_current and m.parcours_id == author.parcours_id}
    if any(mid not in by_id for mid in mention_ids):
        raise DomainError(
            _("You can mention only the current members of this plan."), code="invalid_mention"
        )
    return [by_id[mid] for mid in dict.fromkeys(mention_ids)]


def write_comment(
    author: Member,
    about: str,
    *,
    text: str,
    members: list[Member],
    reply_to_id: int | None = None,
    mention_ids: list[int] | None = None,
    on_behalf_of_id: int | None = None,
) -> Comment:
    """Write a message in the thread under a subject; a reply and a mention are news for the
    member they are for (the access log names them). `members` are the plan's current ones."""
    subject = subject_of(author.parcours_id, about)
    _require_open(author.parcours)
    text = _clean_text(text)
    reply_to = None
    if reply_to_id is not None:
        reply_to = db.session.get(Comment, reply_to_id)
        if (
            reply_to is None
            or reply_to.parcours_id != author.parcours_id
            or reply_to.about != about
        ):
            raise DomainError(
                _("You can reply only to a message of this discussion."), code="invalid_reply_to"
            )
    mentioned = _mentioned(author, mention_ids or [], members)
    on_behalf_of = None
    if on_behalf_of_id:
        on_behalf_of = next((m for m in members if m.id == on_behalf_of_id), None)
        if on_behalf_of is None:
            raise _not_for_them()
    comment = Comment(
        parcours_id=author.parcours_id,
        about=subject.about,
        author=author,
        on_behalf_of=_check_person(author, on_behalf_of),
        reply_to=reply_to,
        text=text,
        mentions=mentioned,
        revisions=[],
    )
    db.session.add(comment)
    db.session.flush()
    number = str(comment.id)
    told = {author.user_id}
    if reply_to is not None and reply_to.voice.is_current and reply_to.voice.user_id not in told:
        record(
            author.parcours_id,
            author.user,
            Access.change,
            COMMENT_REPLY,
            number,
            subject=reply_to.voice.user,
        )
        told.add(reply_to.voice.user_id)
    else:
        record(author.parcours_id, author.user, Access.change, COMMENT_WRITTEN, number)
    for member in mentioned:
        if member.user_id not in told:
            record(
                author.parcours_id,
                author.user,
                Access.change,
                COMMENT_MENTION,
                number,
                subject=member.user,
            )
            told.add(member.user_id)
    return comment


def edit_comment(author: Member, comment: Comment, *, text: str, revision: int) -> Comment:
    """Change one's own message: the earlier text is kept; an edit started from an older
    revision is refused (409 `stale_version`), nothing lost."""
    if comment.parcours_id != author.parcours_id:
        raise NotFound(_("This message does not exist."), code="comment_not_found")
    if not comment.can_edit(author):
        raise not_author()
    _require_open(author.parcours)
    text = _clean_text(text)
    # Locked, so that two edits from the same revision cannot both pass the check.
    db.session.scalar(
        select(Comment)
        .where(Comment.id == comment.id)
        .options(selectinload(Comment.mentions), selectinload(Comment.revisions))
        .with_for_update(of=Comment)
        .execution_options(populate_existing=True)
    )
    if revision != comment.revision:
        raise StaleVersion(_("This message was changed in the meantime."), comment)
    if text == comment.text:
        raise DomainError(_("Nothing changes: this is already the message."), code="no_change")
    db.session.add(
        CommentRevision(
            comment=comment,
            revision=comment.revision,
            text=comment.text,
            author_id=comment.author_id,
            written_at=comment.edited_at or comment.created_at,
        )
    )
    comment.text = text
    comment.revision += 1
    comment.edited_at = utcnow()
    db.session.flush()
    record(author.parcours_id, author.user, Access.change, COMMENT_EDITED, str(comment.id))
    return comment
