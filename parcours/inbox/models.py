"""What a user has read of their news: one row per news item opened (or marked read)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from parcours.core.models import UTCDateTime, utcnow
from parcours.extensions import db

NEWS_KEY_MAX = 40


class InboxRead(db.Model):
    """A news item the user has seen (`key`, e.g. `news-812` for an entry of a plan's log)."""

    __tablename__ = "inbox_reads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(NEWS_KEY_MAX), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def forget_reads(user_id: int) -> None:
    """Closing an account: what it read goes with it."""
    db.session.execute(delete(InboxRead).where(InboxRead.user_id == user_id))


def purge_reads(before: datetime) -> int:
    """What was read before `before`: its news are older than any the inbox shows."""
    result = db.session.execute(delete(InboxRead).where(InboxRead.read_at < before))
    return result.rowcount or 0
