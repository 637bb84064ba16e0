"""A parcours, its members and the invitations to join it."""

import enum
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, false, select, text
from sqlalchemy.orm import Mapped, joinedload, lazyload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from parcours.accounts.models import Organisation, User
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import CreatedAtMixin, EnumType, UTCDateTime, utcnow
from parcours.extensions import db

DEFAULT_TOLERANCE_DAYS = 14


class Role(enum.Enum):
    person = "person"  # the person accompanied, at the centre of the plan
    family = "family"  # a parent, a relative, a legal representative
    professional = "professional"  # someone accompanying the person for a service

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.person: _l("the person accompanied"),
    Role.family: _l("family"),
    Role.professional: _l("professional"),
}


class Parcours(CreatedAtMixin, db.Model):
    """One person's shared plan and path; everything else belongs to one."""

    __tablename__ = "parcours"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A first name or a pseudonym is enough: collect the minimum.
    person_name: Mapped[str] = mapped_column(String(60))
    tolerance_days: Mapped[int] = mapped_column(default=DEFAULT_TOLERANCE_DAYS)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # The person (or their legal representative) left the plan out of every observatory
    # figure: a fact that is theirs (see plans.operations.set_observatory_opt_out).
    observatory_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())

    members: Mapped[list["Member"]] = relationship(
        back_populates="parcours", lazy="raise", order_by="Member.id"
    )

    def __str__(self) -> str:
        return self.person_name


class Member(db.Model):
    """A user's place in one parcours: their role, organisation and function."""

    __tablename__ = "members"
    __table_args__ = (
        db.UniqueConstraint("parcours_id", "user_id"),
        # Exactly one pilot once designated.
        Index(
            "uq_members_one_pilot",
            "parcours_id",
            unique=True,
            sqlite_where=text("is_pilot"),
            postgresql_where=text("is_pilot"),
        ),
        # One person accompanied per parcours.
        Index(
            "uq_members_one_person",
            "parcours_id",
            unique=True,
            sqlite_where=text("role = 'person' AND left_at IS NULL"),
            postgresql_where=text("role = 'person' AND left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(EnumType(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    function: Mapped[str | None] = mapped_column(String(80))
    is_pilot: Mapped[bool] = mapped_column(default=False)
    # A family member who speaks for the person when the person cannot express a stance.
    is_legal_representative: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parcours: Mapped[Parcours] = relationship(back_populates="members", lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    @property
    def is_person(self) -> bool:
        return self.role is Role.person

    @property
    def is_professional(self) -> bool:
        return self.role is Role.professional

    @property
    def speaks_for_person(self) -> bool:
        """The person, or their legal representative: who confirms a closing and consents to
        sharing the plan."""
        return self.is_current and (self.is_person or self.is_legal_representative)

    def __str__(self) -> str:
        return self.user.name


class InvitationState(enum.Enum):
    pending = "pending"  # can still be accepted
    accepted = "accepted"  # used once: it cannot be used again
    revoked = "revoked"  # withdrawn by a member
    expired = "expired"  # past its expiry date


class Invitation(CreatedAtMixin, db.Model):
    """A single-use link that lets someone join a parcours with a given role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    # Only the digest is kept: the link is shown once, to the member who invites.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(EnumType(Role))
    # When given, only the account with this address can accept.
    email: Mapped[str | None] = mapped_column(String(254))
    is_legal_representative: Mapped[bool] = mapped_column(default=False)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # The organisation a professional is invited for: they join as one of its members, and
    # the person consents to sharing the plan with it first (plans/consent.py). None for the
    # person and the family (and for invitations made before consent was asked).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parcours: Mapped[Parcours] = relationship(lazy="joined")
    invited_by: Mapped[Member] = relationship(foreign_keys=[invited_by_id], lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    def state(self, now: datetime | None = None) -> InvitationState:
        if self.accepted_at:
            return InvitationState.accepted
        if self.revoked_at:
            return InvitationState.revoked
        if self.expires_at <= (now or utcnow()):
            return InvitationState.expired
        return InvitationState.pending


class SettingsChangeKind(enum.Enum):
    tolerance = "tolerance"  # the pilot changed the rupture tolerance (old and new days)
    close_requested = "close_requested"  # the pilot asked to close the plan on a date
    close_confirmed = "close_confirmed"  # the person (or legal representative) agreed: closed
    close_refused = "close_refused"  # the person (or legal representative) refused: still open
    close_withdrawn = "close_withdrawn"  # the pilot withdrew their request
    # Closed at once: the plan had no person or legal representative to confirm (or it was
    # closed before confirmations were asked).
    closed_unconfirmed = "closed_unconfirmed"
    reopened = "reopened"  # the pilot reopened a closed plan


# The kinds that settle a closing request.
CLOSING_ANSWERS = (
    SettingsChangeKind.close_confirmed,
    SettingsChangeKind.close_refused,
    SettingsChangeKind.close_withdrawn,
)


class SettingsChange(CreatedAtMixin, db.Model):
    """A change of the rules of the plan (tolerance, closing, reopening), append-only: who,
    when, from what to what, and why. The timeline shows them as events."""

    __tablename__ = "settings_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(
        ForeignKey("parcours.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SettingsChangeKind] = mapped_column(EnumType(SettingsChangeKind))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # The tolerance in days, or the closing date (ISO), before and after; None when moot.
    old_value: Mapped[str | None] = mapped_column(String(20))
    new_value: Mapped[str | None] = mapped_column(String(20))
    # Why (required of the pilot; optional when the person refuses; None before reasons were
    # asked).
    reason: Mapped[str | None] = mapped_column(Text)

    member: Mapped[Member] = relationship(lazy="joined")

    @property
    def closing_date(self) -> date | None:
        return date.fromisoformat(self.new_value) if self.new_value else None


def current_person(parcours_id: int) -> Member | None:
    """The person accompanied, while they are a member."""
    return db.session.scalar(
        select(Member).where(
            Member.parcours_id == parcours_id,
            Member.role == Role.person,
            Member.left_at.is_(None),
        )
    )


def member_for_name(relationship):
    """The loader options of a member read for their name only (who wrote, who declared):
    their account joined, not the plan (already read with the page's member) nor their
    organisation."""
    return joinedload(relationship).options(
        lazyload(Member.parcours), lazyload(Member.organisation)
    )


def link_members(records: Iterable, members: Iterable[Member]) -> None:
    """Set each record's `member` from members already loaded (no query, no join)."""
    by_id = {member.id: member for member in members}
    for record in records:
        set_committed_value(record, "member", by_id.get(record.member_id))


class ConsentStatus(enum.Enum):
    pending = "pending"  # asked, not answered yet: the organisation sees nothing
    given = "given"  # the person (or legal representative) agreed: its professionals may join
    refused = "refused"  # the person (or legal representative) said no when asked
    withdrawn = "withdrawn"  # given, then taken back: its members left the plan

    @property
    def label(self):
        return CONSENT_STATUS_LABELS[self]


CONSENT_STATUS_LABELS = {
    ConsentStatus.pending: _l("waiting for an answer"),
    ConsentStatus.given: _l("given"),
    ConsentStatus.refused: _l("refused"),
    ConsentStatus.withdrawn: _l("withdrawn"),
}


class ConsentEventKind(enum.Enum):
    asked = "asked"  # a member invited one of its professionals, or made it an answer link
    given = "given"  # the person (or legal representative) agreed
    refused = "refused"  # the person (or legal representative) refused
    withdrawn = "withdrawn"  # the person (or legal representative) took their consent back
    # Migration 0015: the organisation already had members in the plan before consent was
    # asked; nobody said yes, the plan simply went on.
    before_consent_asked = "before_consent_asked"


class Consent(CreatedAtMixin, db.Model):
    """The person's (or legal representative's) consent to share their plan with one
    organisation (Code de la santé publique, art. L1110-4): one per organisation and plan,
    its history in `events`."""

    __tablename__ = "consents"
    __table_args__ = (db.UniqueConstraint("parcours_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[ConsentStatus] = mapped_column(EnumType(ConsentStatus))

    parcours: Mapped[Parcours] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    events: Mapped[list["ConsentEvent"]] = relationship(
        back_populates="consent", lazy="selectin", order_by="ConsentEvent.id"
    )

    @property
    def is_given(self) -> bool:
        return self.status is ConsentStatus.given

    @property
    def is_pending(self) -> bool:
        return self.status is ConsentStatus.pending


class ConsentEvent(CreatedAtMixin, db.Model):
    """One step of a consent's history, append-only: asked, given, refused, withdrawn; by
    whom and when."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ConsentEventKind] = mapped_column(EnumType(ConsentEventKind))
    # Who asked or answered; None for the consents migration 0015 recorded.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    consent: Mapped[Consent] = relationship(back_populates="events")
    member: Mapped[Member | None] = relationship(lazy="joined")


def lock_parcours(parcours_id: int) -> None:
    """Serialise the writes that read-then-decide on one parcours (row lock on PostgreSQL;
    SQLite transactions already take the write lock when they begin)."""
    db.session.execute(select(Parcours.id).where(Parcours.id == parcours_id).with_for_update())
