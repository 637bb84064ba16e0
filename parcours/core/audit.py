"""The access log: who read or changed what in a parcours, and when."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours.core.models import EnumType, UTCDateTime, utcnow
from parcours.core.names import shown_name
from parcours.core.signals import parcours_changed
from parcours.core.transactions import after_response
from parcours.extensions import db


class Access(enum.Enum):
    read = "read"  # a page or an API resource of the parcours was shown
    change = "change"  # something in the parcours was written


# What each entry says, by event code. `%(detail)s` is a name, a number or a date, never
# words, so that the log reads in every language. Domain packages add their own events.
EVENTS: dict[str, object] = {
    # reads
    "parcours": _l("read the overview"),
    "members": _l("read the members"),
    "settings": _l("read the settings"),
    "voices": _l("read the points of view"),
    "objective": _l("read the objective"),
    "access_log": _l("read this log"),
    "caseload": _l("saw the plan in their caseload"),
    # exports (a read that leaves with a copy)
    "export": _l("downloaded %(detail)s"),
    "export.fhir": _l("exported the plan as a FHIR file"),
    "my_data": _l("downloaded their personal data, with what they wrote in this plan"),
    # changes
    "parcours.created": _l("created the plan"),
    "invitation.created": _l("created an invitation"),
    "invitation.revoked": _l("withdrew an invitation"),
    "member.joined": _l("joined the plan"),
    "member.left": _l("left the plan"),
    "member.removed": _l("removed %(detail)s"),
    "invitation.inviter_gone": _l("is no longer a member: an invitation they created is withdrawn"),
    "member.account_closed": _l("closed their account and left the plan"),
    "invitation.addressee_gone": _l(
        "closed their account: the invitation sent to them is withdrawn"
    ),
    "pilot.designated": _l("designated %(detail)s as pilot"),
    "voice.saved": _l("wrote the point of view of %(detail)s"),
    "objective.version": _l("wrote version %(detail)s of the objective"),
    "objective.approved": _l("approved version %(detail)s of the objective"),
    "objective.not_yet": _l("does not agree yet with version %(detail)s of the objective"),
    "settings.tolerance": _l("set the rupture tolerance to %(detail)s days"),
    "settings.closed": _l("closed the plan on %(detail)s"),
    "settings.reopened": _l("reopened the plan"),
}


# The events whose detail is a member's name (erased when that member closes their account).
NAME_EVENTS = {
    "pilot.designated",
    "voice.saved",
    "stance.on_behalf",
    "commitment.created",
    "commitment.kept",
}


class AccessLogEntry(db.Model):
    """One read or change of a parcours by one user. Append-only."""

    __tablename__ = "access_log_entries"
    __table_args__ = (Index("ix_access_log_entries_parcours_time", "parcours_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    access: Mapped[Access] = mapped_column(EnumType(Access))
    event: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="raise")

    @property
    def shown_detail(self) -> str | None:
        """The detail as the reader sees it (a closed account's name is not kept)."""
        return shown_name(self.detail)

    @property
    def description(self) -> str:
        label = EVENTS.get(self.event)
        if label is None:
            return self.event
        return str(label) % {"detail": self.shown_detail or ""}


def record(parcours_id: int, user, access: Access, event: str, detail: str | None = None):
    """Add an entry to the session (the request's commit writes it). A change tells the
    packages that keep something derived from the parcours (`parcours_changed`)."""
    entry = AccessLogEntry(
        parcours_id=parcours_id,
        user_id=user.id,
        access=access,
        event=event,
        detail=detail[:200] if detail else None,
    )
    db.session.add(entry)
    if access is Access.change:
        parcours_changed.send(parcours_id)
    return entry


def record_reads(parcours_ids: list[int], user, event: str, detail: str | None = None) -> None:
    """One read entry per parcours shown together on one page (a single INSERT), written once
    the page is ready (core/transactions.py)."""
    rows = [
        {
            "parcours_id": pid,
            "user_id": user.id,
            "access": Access.read,
            "event": event,
            "detail": detail[:200] if detail else None,
        }
        for pid in dict.fromkeys(parcours_ids)
    ]
    if rows:
        after_response(lambda: db.session.execute(AccessLogEntry.__table__.insert(), rows))
