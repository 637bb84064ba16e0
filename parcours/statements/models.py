"""A statement, its signatures and the observers' answers; with their read queries.

The rules (parcours/statements/operations.py enforces them):
- Who signs: the person or their legal representative (the person's side), and any
  professional member (the professionals' side). A family member who does not speak for the
  person does not sign, and so does not write one either: a statement is words the person's
  side and a professional stand behind together.
- The author's writing is their signature: whoever writes a statement signs it then.
- A statement is *sent* (visible to the observers of the organisation or territory it is
  addressed to) once both sides have signed; `sent_at` records that moment, derived from the
  signatures when the one that completes them is given, and kept: a sent statement stays sent
  even if a signer leaves the plan, and even once the plan is deleted (it is then detached:
  no plan, no author, no signatures, only what the observers already read).
- Observers see no name, no member and no plan: the text, whom it is addressed to, the day it
  was sent, its group and the answers.
- An observer groups statements that say the same thing (`group_id`: the first statement of
  the group; a statement alone is its own group) and answers; an answer to a grouped statement
  goes to every statement of its group the observer sees, and comes back into each plan.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours.accounts.models import TERRITORY_MAX, Organisation, User
from parcours.core.audit import EVENTS
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import CreatedAtMixin, EnumType, UTCDateTime, utcnow
from parcours.extensions import db
from parcours.plans.models import Member

# The access log's events (on the plan's log; the detail is the statement's number).
STATEMENTS_READ = "statements"
STATEMENT_WRITTEN = "statement.written"
STATEMENT_SIGNED = "statement.signed"
STATEMENT_SENT = "statement.sent"
STATEMENT_ANSWERED = "statement.answered"  # by an observer: news for the plan's members
EVENTS.update(
    {
        STATEMENTS_READ: _l("read the statements"),
        STATEMENT_WRITTEN: _l("wrote and signed statement %(detail)s"),
        STATEMENT_SIGNED: _l("signed statement %(detail)s"),
        STATEMENT_SENT: _l(
            "completed the signatures of statement %(detail)s: it is sent, without names"
        ),
        STATEMENT_ANSWERED: _l("answered statement %(detail)s, as its observer"),
    }
)


class Side(enum.Enum):
    person = "person"  # the person, or their legal representative
    professional = "professional"  # a professional member


class StatementState(enum.Enum):
    awaiting_person = "awaiting_person"  # a professional signed; the person's side has not
    awaiting_professional = "awaiting_professional"  # the person's side signed; no professional
    sent = "sent"  # both sides signed: the observers read it
    answered = "answered"  # an observer answered


def side_of(member: Member) -> Side | None:
    """The side a current member signs for, or None: they cannot sign."""
    if not member.is_current:
        return None
    if member.speaks_for_person:
        return Side.person
    if member.is_professional:
        return Side.professional
    return None


class Statement(CreatedAtMixin, db.Model):
    """A short statement of an unmet need or a proposal, written in a plan, addressed to one
    organisation or one territory (a département code)."""

    __tablename__ = "statements"
    __table_args__ = (
        CheckConstraint(
            "(organisation_id IS NULL) <> (territory IS NULL)", name="organisation_or_territory"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The plan it was written in; NULL once that plan is deleted (a sent statement stays).
    parcours_id: Mapped[int | None] = mapped_column(
        ForeignKey("parcours.id", ondelete="SET NULL"), index=True
    )
    # Who wrote it (and signed it then); NULL once the plan is deleted.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # Addressed to one organisation, or to one territory.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    territory: Mapped[str | None] = mapped_column(String(TERRITORY_MAX), index=True)
    # When both sides had signed: from then on its observers read it.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The group of statements that say the same thing: its first statement (None: alone).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL"), index=True
    )
    # The observer who grouped it with others last, and when.
    grouped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    grouped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Member | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    signatures: Mapped[list["StatementSignature"]] = relationship(
        back_populates="statement", lazy="raise", order_by="StatementSignature.id"
    )
    answers: Mapped[list["StatementAnswer"]] = relationship(
        back_populates="statement", lazy="raise", order_by="StatementAnswer.id"
    )

    @property
    def group(self) -> int:
        """The group's number: its first statement's (a statement alone is its own group)."""
        return self.group_id or self.id

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    @property
    def sides_signed(self) -> set[Side]:
        return {signature.side for signature in self.signatures}

    @property
    def state(self) -> StatementState:
        if self.answers:
            return StatementState.answered
        if self.is_sent:
            return StatementState.sent
        if Side.person in self.sides_signed:
            return StatementState.awaiting_professional
        return StatementState.awaiting_person

    @property
    def addressee(self) -> str:
        """Whom it is addressed to, in words."""
        return addressee(self.organisation.name if self.organisation else None, self.territory)

    def signed_by(self, member: Member) -> bool:
        return any(signature.member_id == member.id for signature in self.signatures)

    def can_sign(self, member: Member) -> bool:
        """Whether the member may sign it now (the page shows the button)."""
        return side_of(member) is not None and not self.signed_by(member)


class StatementSignature(db.Model):
    """A member's signature of a statement: one per member, kept (never withdrawn)."""

    __tablename__ = "statement_signatures"
    __table_args__ = (UniqueConstraint("statement_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint's index starts with it.
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # The side the member signed for, as they were then.
    side: Mapped[Side] = mapped_column(EnumType(Side))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[Statement] = relationship(back_populates="signatures", lazy="raise")
    member: Mapped[Member] = relationship(lazy="joined")


def addressee(organisation_name: str | None, territory: str | None) -> str:
    """Whom a statement is addressed to, in words: its organisation, else its territory."""
    if organisation_name is not None:
        return organisation_name
    return str(_l("territory %(code)s", code=territory))


class StatementAnswer(CreatedAtMixin, db.Model):
    """An observer's answer to a statement (append-only: a later answer adds to the first)."""

    __tablename__ = "statement_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    # The observer who answered.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)

    statement: Mapped[Statement] = relationship(back_populates="answers", lazy="raise")
    user: Mapped[User] = relationship(lazy="joined")
