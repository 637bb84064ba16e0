"""Comments in the thread under a subject (the objective, a proposal, a hand-off), the earlier
texts of an edited comment, and whom a comment mentions; with their read queries.

A thread is named by what it is about: `objective`, `means:<id>` or `handoff:<id>`. The
subject's own package knows nothing of its thread (the pages link to it by endpoint name).
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, bindparam, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from parcours.core.audit import EVENTS
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import CreatedAtMixin, UTCDateTime, run_statement
from parcours.extensions import db
from parcours.plans.models import Member, Parcours

ABOUT_MAX = 40

# The access log's events. A reply and a mention name the member they are for (`subject`):
# the inbox reads them as news for that member only (parcours/inbox/news.py).
COMMENT_WRITTEN = "comment.written"
COMMENT_REPLY = "comment.reply"
COMMENT_MENTION = "comment.mention"
COMMENT_EDITED = "comment.edited"
EVENTS.update(
    {
        "discussion": _l("read a discussion"),
        COMMENT_WRITTEN: _l("wrote message %(detail)s in a discussion"),
        COMMENT_REPLY: _l("replied to %(subject)s in a discussion (message %(detail)s)"),
        COMMENT_MENTION: _l("mentioned %(subject)s in a discussion (message %(detail)s)"),
        COMMENT_EDITED: _l("edited message %(detail)s of a discussion"),
    }
)

comment_mentions = Table(
    "comment_mentions",
    db.metadata,
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
)


class Comment(CreatedAtMixin, db.Model):
    """A member's message in the thread under a subject; edited by its author only, each
    earlier text kept (`CommentRevision`)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_parcours_about", "parcours_id", "about"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    # What the thread is about: "objective", "means:<id>" or "handoff:<id>".
    about: Mapped[str] = mapped_column(String(ABOUT_MAX))
    # Who wrote it.
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # Set when the author wrote it for the person (and said so).
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The message it answers, in the same thread.
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    text: Mapped[str] = mapped_column(Text)
    # 0 when written, one more at each edit: an edit carries the revision it started from.
    revision: Mapped[int] = mapped_column(default=0)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parcours: Mapped[Parcours] = relationship(lazy="raise")
    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")
    on_behalf_of: Mapped[Member | None] = relationship(
        foreign_keys=[on_behalf_of_id], lazy="joined"
    )
    reply_to: Mapped["Comment | None"] = relationship(
        remote_side=[id], foreign_keys=[reply_to_id], lazy="raise"
    )
    mentions: Mapped[list[Member]] = relationship(
        secondary=comment_mentions, lazy="raise", order_by=Member.id
    )
    revisions: Mapped[list["CommentRevision"]] = relationship(
        back_populates="comment", lazy="raise", order_by="CommentRevision.revision"
    )

    @property
    def voice(self) -> Member:
        """Whose words these are: the person when written for them, else the author."""
        return self.on_behalf_of or self.author

    @property
    def on_behalf(self) -> bool:
        return self.on_behalf_of_id is not None

    def can_edit(self, member: Member) -> bool:
        """Only the one who wrote it edits it."""
        return member.id == self.author_id


class CommentRevision(db.Model):
    """An earlier text of a comment, kept when its author edited it. Append-only."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    # The comment's revision this text was.
    revision: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    # Who wrote this text (the comment's author) and when it was written.
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship(back_populates="revisions", lazy="raise")


# Read queries -----------------------------------------------------------------------------


def thread(parcours_id: int, about: str, history: bool = True) -> list[Comment]:
    """The comments under one subject, oldest first, with whom they mention and (with
    `history`) their earlier texts: two or three queries however many."""
    options = [selectinload(Comment.mentions)]
    if history:
        options.append(selectinload(Comment.revisions))
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.parcours_id == parcours_id, Comment.about == about)
            .options(*options)
            .order_by(Comment.id)
        )
    )


_COUNTS = (
    select(Comment.about, func.count(Comment.id))
    .where(Comment.parcours_id == bindparam("parcours_id"))
    .group_by(Comment.about)
)


def comment_counts(parcours_id: int) -> dict[str, int]:
    """How many comments each thread of the plan holds (one query)."""
    return dict(run_statement(_COUNTS, {"parcours_id": parcours_id}).all())
