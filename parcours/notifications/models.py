"""The outbox (the messages to deliver, written with the change that causes them) and each
user's digest state (what the last digest counted)."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parcours.core.models import CreatedAtMixin, EnumType, UTCDateTime
from parcours.extensions import db


class MessageKind(enum.Enum):
    """What a message is about."""

    digest = "digest"  # how many things wait for the user (as often as they chose)
    invitation = "invitation"  # an invitation's link, to its e-mail address
    signup_attempt = "signup_attempt"  # someone tried to sign up with the user's address
    password_reset = "password_reset"  # the link to choose a new password


class OutboxMessage(CreatedAtMixin, db.Model):
    """One e-mail to deliver. Its text (`content`, the whole message as sent) is erased once
    delivered or given up: invitation and password links are secrets given once."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(EnumType(MessageKind))
    # The account it is for; none for an invitation to an address (its account may not exist).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str | None] = mapped_column(String(254))
    content: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # A run took it (SQLite: no row locks; a run that died leaves it to be taken again later).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestState(db.Model):
    """What the user's last digest counted, so that a digest with nothing new is not sent."""

    __tablename__ = "notification_digests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # When the digest was last looked at (sent or not), and last sent.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many things waited then, and their keys (space-separated), to tell what is new.
    count: Mapped[int] = mapped_column(Integer, default=0)
    seen: Mapped[str] = mapped_column(Text, default="")
