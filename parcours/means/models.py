"""Proposals (means), stances, decisions, commitments and reviews, with their read queries.

History is kept, not overwritten: stances and decisions are append-only, so the current stance
of a member is their latest row and the status of a proposal is its latest decision's outcome.
"""

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Mapped, joinedload, lazyload, mapped_column, relationship, selectinload

from parcours.core.audit import EVENTS
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import (
    NAME_MAX,
    CreatedAtMixin,
    EnumType,
    SoftDeletedMixin,
    UTCDateTime,
    live,
    local_date,
    today,
)
from parcours.extensions import db
from parcours.plans.models import Member, Parcours, Role

CARRIED_BY_MAX = 200
ACTION_MAX = 300
INDICATOR_MAX = 500

EVENTS.update(
    {
        # reads
        "means": _l("read the means"),
        "means_proposal": _l("read a proposed means"),
        "commitments": _l("read the commitments"),
        "my_commitments": _l("read their own commitments"),
        "reviews": _l("read the reviews"),
        "review": _l("read a review"),
        # changes
        "means.proposed": _l("proposed the means “%(detail)s”"),
        "stance.taken": _l("gave a stance on “%(detail)s”"),
        "stance.on_behalf": _l("recorded a stance on behalf of %(detail)s"),
        "means.adopted": _l("adopted the means “%(detail)s”"),
        "means.set_aside": _l("set the means “%(detail)s” aside"),
        "means.to_revisit": _l("marked the means “%(detail)s” to revisit"),
        "commitment.created": _l("recorded a commitment of %(detail)s"),
        "commitment.kept": _l("marked a commitment of %(detail)s as kept"),
        "commitment.unkept": _l("undid “kept” on a commitment of %(detail)s"),
        "commitment.rescheduled": _l("gave a new date to a commitment of %(detail)s"),
        "commitment.reassigned": _l("gave a commitment to %(detail)s"),
        "commitment.cancelled": _l("cancelled a commitment of %(detail)s"),
        "commitment.deleted": _l("deleted a commitment of %(detail)s entered by mistake"),
        "means.deleted": _l("deleted the proposal “%(detail)s” entered by mistake"),
        "review.held": _l("recorded the review of %(detail)s"),
        "review.view": _l("added a view to the review of %(detail)s"),
    }
)


class Category(enum.Enum):
    """What part of life a means is about; a short fixed list, so it reads in both languages."""

    schooling = "schooling"  # school, teaching unit, AESH, training
    care = "care"  # therapy, health, rehabilitation
    daily_life = "daily_life"  # autonomy, communication, transport
    work = "work"  # ESAT, employment, internships
    housing = "housing"  # where the person lives, foyer, own flat
    social_life = "social_life"  # friends, leisure, activities
    family_support = "family_support"  # respite, help for the family
    other = "other"  # none of the above

    @property
    def label(self):
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.schooling: _l("School and learning"),
    Category.care: _l("Care and therapy"),
    Category.daily_life: _l("Daily life and autonomy"),
    Category.work: _l("Work and training"),
    Category.housing: _l("Housing"),
    Category.social_life: _l("Social life and leisure"),
    Category.family_support: _l("Support for the family"),
    Category.other: _l("Other"),
}


class MeansStatus(enum.Enum):
    """Where a proposal stands: its latest decision's outcome, or open."""

    open = "open"  # under discussion, no decision yet
    adopted = "adopted"  # the alliance decided to do it
    set_aside = "set_aside"  # the alliance decided not to do it
    to_revisit = "to_revisit"  # the alliance will discuss it again later

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    MeansStatus.open: _l("Under discussion"),
    MeansStatus.adopted: _l("Adopted"),
    MeansStatus.set_aside: _l("Set aside"),
    MeansStatus.to_revisit: _l("To revisit"),
}


class Outcome(enum.Enum):
    """What a decision says about a proposal."""

    adopted = "adopted"  # do it: commitments follow
    set_aside = "set_aside"  # do not do it
    to_revisit = "to_revisit"  # discuss it again later

    @property
    def label(self):
        return STATUS_LABELS[MeansStatus(self.value)]


class StanceValue(enum.Enum):
    """Where a member stands on a proposal."""

    support = "support"  # agrees with the proposal
    reservations = "reservations"  # not sure; has reservations
    oppose = "oppose"  # disagrees with the proposal

    @property
    def label(self):
        return STANCE_LABELS[self]


STANCE_LABELS = {
    StanceValue.support: _l("Supports"),
    StanceValue.reservations: _l("Has reservations"),
    StanceValue.oppose: _l("Opposes"),
}


class Means(SoftDeletedMixin, CreatedAtMixin, db.Model):
    """A way to reach the shared objective, proposed by a member."""

    __tablename__ = "means"
    __table_args__ = (Index("ix_means_parcours_status", "parcours_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text)
    # Who would carry it out, in the proposer's words (a service, a person, "the parents").
    carried_by: Mapped[str] = mapped_column(String(CARRIED_BY_MAX))
    category: Mapped[Category | None] = mapped_column(EnumType(Category))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # Set when the author proposed it for the person (and said so).
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # Kept in sync with the latest decision by `decide_means`.
    status: Mapped[MeansStatus] = mapped_column(EnumType(MeansStatus), default=MeansStatus.open)

    parcours: Mapped[Parcours] = relationship(lazy="raise")
    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")
    on_behalf_of: Mapped[Member | None] = relationship(
        foreign_keys=[on_behalf_of_id], lazy="joined"
    )
    stances: Mapped[list["Stance"]] = relationship(
        back_populates="means", lazy="raise", order_by="Stance.id"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="means", lazy="raise", order_by="Decision.id"
    )
    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="means", lazy="raise", order_by="Commitment.due_on, Commitment.id"
    )

    def __str__(self) -> str:
        return self.title

    def can_delete(self, member: Member) -> bool:
        """A proposal entered by mistake is deleted by its author or the pilot."""
        return member.id == self.author_id or member.is_pilot


class Stance(CreatedAtMixin, db.Model):
    """A member's stance on a proposal at one moment. Append-only: the latest row counts."""

    __tablename__ = "stances"
    __table_args__ = (Index("ix_stances_means_member", "means_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    means_id: Mapped[int] = mapped_column(ForeignKey("means.id", ondelete="CASCADE"))
    # Whose stance this is.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    value: Mapped[StanceValue] = mapped_column(EnumType(StanceValue))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Who recorded it: the member themselves or, for the person, someone on their behalf.
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))

    means: Mapped[Means] = relationship(back_populates="stances", lazy="raise_on_sql")
    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")
    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")

    @property
    def on_behalf(self) -> bool:
        return self.author_id != self.member_id


decision_participants = Table(
    "decision_participants",
    db.metadata,
    Column("decision_id", ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
)


class Decision(CreatedAtMixin, db.Model):
    """The pilot's decision on a proposal after the discussion. Append-only."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    means_id: Mapped[int] = mapped_column(ForeignKey("means.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[Outcome] = mapped_column(EnumType(Outcome))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))

    means: Mapped[Means] = relationship(back_populates="decisions", lazy="raise_on_sql")
    decided_by: Mapped[Member] = relationship(lazy="joined")
    # The members who took part in the discussion that led to it.
    participants: Mapped[list[Member]] = relationship(
        secondary=decision_participants, lazy="raise", order_by=Member.id
    )


# How long the member who marked a commitment kept may take it back.
UNDO_KEPT_DAYS = 7


def kept_on_time(kept_at: datetime | None, due_on: date) -> bool:
    """A commitment is kept on time when it was marked kept on or before its due day (French
    days)."""
    return kept_at is not None and local_date(kept_at) <= due_on


class Commitment(SoftDeletedMixin, CreatedAtMixin, db.Model):
    """What a member commits to do for an adopted means, and by when."""

    __tablename__ = "commitments"
    __table_args__ = (Index("ix_commitments_parcours_due", "parcours_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    means_id: Mapped[int] = mapped_column(ForeignKey("means.id", ondelete="CASCADE"), index=True)
    # Who commits.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    action: Mapped[str] = mapped_column(String(ACTION_MAX))
    due_on: Mapped[date] = mapped_column(Date)
    kept_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who marked it kept: the member who committed, or the pilot.
    kept_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # Set when it was called off, with why: it is no longer due (nor overdue).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    # One more at every change (kept, undone, new date, new member, cancelled, deleted): an
    # edit carries the revision it started from, so that one made in between is not redone.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    means: Mapped[Means] = relationship(back_populates="commitments", lazy="raise_on_sql")
    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")
    kept_by: Mapped[Member | None] = relationship(foreign_keys=[kept_by_id], lazy="joined")
    created_by: Mapped[Member] = relationship(foreign_keys=[created_by_id], lazy="joined")
    cancelled_by: Mapped[Member | None] = relationship(
        foreign_keys=[cancelled_by_id], lazy="joined"
    )
    changes: Mapped[list["CommitmentChange"]] = relationship(
        back_populates="commitment", lazy="raise", order_by="CommitmentChange.id"
    )

    @property
    def is_kept(self) -> bool:
        return self.kept_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_open(self) -> bool:
        """Still to be done: neither kept nor cancelled."""
        return self.kept_at is None and self.cancelled_at is None

    def is_overdue(self, on: date | None = None) -> bool:
        """Past its due day, neither kept nor cancelled."""
        return self.is_open and self.due_on < (on or today())

    @property
    def kept_late(self) -> bool:
        return self.kept_at is not None and not kept_on_time(self.kept_at, self.due_on)

    def can_mark_kept(self, member: Member) -> bool:
        """Only the member who committed, or the pilot, says it is done."""
        return member.id == self.member_id or member.is_pilot

    def can_undo_kept(self, member: Member) -> bool:
        """ "Kept" is a fact of whoever said it: they (or the pilot) take it back."""
        return member.id == self.kept_by_id or member.is_pilot

    def undo_kept_until(self) -> date | None:
        """The last day "kept" can be undone."""
        if self.kept_at is None:
            return None
        return local_date(self.kept_at) + timedelta(days=UNDO_KEPT_DAYS)

    def can_correct(self, member: Member) -> bool:
        """A new date, another member or a cancellation: the member who committed, whoever
        wrote the commitment down, or the pilot."""
        return member.id in (self.member_id, self.created_by_id) or member.is_pilot

    def can_delete(self, member: Member) -> bool:
        """A commitment entered by mistake is deleted by whoever wrote it down, or the pilot."""
        return member.id == self.created_by_id or member.is_pilot


class ChangeKind(enum.Enum):
    """What a correction of a commitment changed."""

    rescheduled = "rescheduled"  # a new due date
    reassigned = "reassigned"  # another member commits
    cancelled = "cancelled"  # called off, with a reason
    unkept = "unkept"  # "kept" taken back
    deleted = "deleted"  # entered by mistake

    @property
    def label(self):
        return CHANGE_LABELS[self]


CHANGE_LABELS = {
    ChangeKind.rescheduled: _l("New date"),
    ChangeKind.reassigned: _l("Given to another member"),
    ChangeKind.cancelled: _l("Cancelled"),
    ChangeKind.unkept: _l("“Kept” undone"),
    ChangeKind.deleted: _l("Deleted (entered by mistake)"),
}


class CommitmentChange(CreatedAtMixin, db.Model):
    """One correction of a commitment: who, when, what before and after, why. Append-only."""

    __tablename__ = "commitment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    # Who made the change.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[ChangeKind] = mapped_column(EnumType(ChangeKind))
    # What it was and what it became, as shown (an ISO date, a member id, a kept date).
    before: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    after: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    commitment: Mapped[Commitment] = relationship(back_populates="changes", lazy="raise")
    member: Mapped[Member] = relationship(lazy="joined")

    def days(self) -> tuple[date, date]:
        """A new date's days, before and after."""
        return date.fromisoformat(self.before), date.fromisoformat(self.after)

    def member_ids(self) -> tuple[int, int]:
        """A reassignment's members, before and after."""
        return int(self.before), int(self.after)


class Review(CreatedAtMixin, db.Model):
    """A bilan: on a day, the alliance looks at the objective's indicators together."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_parcours_held", "parcours_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    # The number of the objective version in force whose indicators were reviewed.
    objective_number: Mapped[int]
    what_to_change: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))

    created_by: Mapped[Member] = relationship(lazy="joined")
    assessments: Mapped[list["ReviewAssessment"]] = relationship(
        back_populates="review", lazy="raise", order_by="ReviewAssessment.position"
    )
    views: Mapped[list["ReviewComment"]] = relationship(
        back_populates="review", lazy="raise", order_by="ReviewComment.id"
    )


class ReviewAssessment(db.Model):
    """How one indicator of the objective is going, as the review found it."""

    __tablename__ = "review_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    # The indicator's text as it was in the version reviewed.
    indicator: Mapped[str] = mapped_column(String(INDICATOR_MAX))
    assessment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="assessments", lazy="raise")


class ReviewComment(CreatedAtMixin, db.Model):
    """A member's view of how it is going, added to a review (then or later). Append-only."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    # Whose view this is.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    view: Mapped[str] = mapped_column(Text)
    # Who wrote it: the member, or someone writing it for the person.
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))

    review: Mapped[Review] = relationship(back_populates="views", lazy="raise")
    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")
    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")

    @property
    def on_behalf(self) -> bool:
        return self.author_id != self.member_id


# Read queries -----------------------------------------------------------------------------


def current_stances(means_id: int) -> dict[int, Stance]:
    """Each member's current stance (their latest) on one proposal, by member id (one query)."""
    latest = (
        select(func.max(Stance.id)).where(Stance.means_id == means_id).group_by(Stance.member_id)
    )
    stances = db.session.scalars(select(Stance).where(Stance.id.in_(latest)))
    return {stance.member_id: stance for stance in stances}


def stance_columns(members: list[Member]) -> list[Member]:
    """The members as the negotiation table shows them: the person first, then the legal
    representatives, the rest of the family, then the professionals."""

    def rank(member: Member) -> int:
        if member.role is Role.person:
            return 0
        if member.role is Role.family:
            return 1 if member.is_legal_representative else 2
        return 3

    return sorted(members, key=rank)  # stable: keeps the name order within each group


@dataclass
class NegotiationTable:
    """Proposals as rows, members as columns, each cell a member's current stance."""

    proposals: list[Means]
    members: list[Member]
    cells: dict[tuple[int, int], Stance] = field(default_factory=dict)

    def stance(self, means: Means, member: Member) -> Stance | None:
        return self.cells.get((means.id, member.id))

    def diverges(self, means: Means) -> bool:
        """The members who gave a stance on it do not all stand in the same place."""
        return means.id in self._divergent

    def __post_init__(self) -> None:
        values: dict[int, set[StanceValue]] = {}
        for (means_id, _member_id), stance in self.cells.items():
            values.setdefault(means_id, set()).add(stance.value)
        self._divergent = {means_id for means_id, seen in values.items() if len(seen) > 1}


# Built once, for the negotiation table.
PROPOSALS = (
    select(Means)
    .where(Means.parcours_id == bindparam("parcours_id"), live(Means))
    .options(lazyload(Means.author), lazyload(Means.on_behalf_of))
    .order_by(Means.id)
)
CURRENT_STANCES = (
    select(Stance)
    .where(
        Stance.id.in_(
            select(func.max(Stance.id))
            .join(Means, Stance.means_id == Means.id)
            .where(Means.parcours_id == bindparam("parcours_id"), live(Means))
            .group_by(Stance.means_id, Stance.member_id)
        )
    )
    .options(lazyload(Stance.member), lazyload(Stance.author))
)


def negotiation_table(parcours_id: int, members: list[Member]) -> NegotiationTable:
    """Every proposal of the parcours with every current member's current stance.

    Two queries, however many proposals and members. The caller passes the current members
    and has loaded every member the plan has had (`members_ever`): the authors are read from
    the session, not joined again.
    """
    proposals = list(db.session.scalars(PROPOSALS, {"parcours_id": parcours_id}))
    cells: dict[tuple[int, int], Stance] = {}
    if proposals:
        for stance in db.session.scalars(CURRENT_STANCES, {"parcours_id": parcours_id}):
            cells[(stance.means_id, stance.member_id)] = stance
    return NegotiationTable(proposals, stance_columns(members), cells)


def means_detail(parcours_id: int, means_id: int) -> Means | None:
    """One proposal with its whole history: stances, decisions and their participants,
    commitments."""
    return db.session.scalar(
        select(Means)
        .where(Means.id == means_id, Means.parcours_id == parcours_id, live(Means))
        .options(
            selectinload(Means.stances),
            selectinload(Means.decisions).selectinload(Decision.participants),
            selectinload(Means.commitments.and_(live(Commitment))),
        )
    )


def latest_decisions(means_ids) -> dict[int, Decision]:
    """The latest decision on each of these proposals, with who took part (two queries)."""
    if not means_ids:
        return {}
    latest = (
        select(func.max(Decision.id))
        .where(Decision.means_id.in_(means_ids))
        .group_by(Decision.means_id)
    )
    decisions = db.session.scalars(
        select(Decision).where(Decision.id.in_(latest)).options(selectinload(Decision.participants))
    )
    return {decision.means_id: decision for decision in decisions}


def adopted_means(parcours_id: int) -> list[Means]:
    """The adopted means of a parcours with their commitments (two queries), oldest first."""
    return list(
        db.session.scalars(
            select(Means)
            .where(
                Means.parcours_id == parcours_id,
                Means.status == MeansStatus.adopted,
                live(Means),
            )
            .options(selectinload(Means.commitments.and_(live(Commitment))))
            .order_by(Means.id)
        )
    )


# Built once. The members a commitment names are read from the session: the pages load
# every member the plan has had first (`members_ever`), so none is asked for again.
PARCOURS_COMMITMENTS = (
    select(Commitment)
    .where(Commitment.parcours_id == bindparam("parcours_id"), live(Commitment))
    .options(
        lazyload(Commitment.member),
        lazyload(Commitment.kept_by),
        lazyload(Commitment.created_by),
        lazyload(Commitment.cancelled_by),
        selectinload(Commitment.changes).options(lazyload(CommitmentChange.member)),
        joinedload(Commitment.means).options(lazyload(Means.author), lazyload(Means.on_behalf_of)),
    )
    .order_by(Commitment.due_on, Commitment.id)
)


def parcours_commitments(parcours_id: int) -> list[Commitment]:
    """Every commitment of the parcours, soonest due first, with its means (one query; their
    members are those the page loaded)."""
    return list(db.session.scalars(PARCOURS_COMMITMENTS, {"parcours_id": parcours_id}))


def user_commitments(user_id: int) -> list[Commitment]:
    """The commitments of a user in every parcours they are still a member of."""
    return list(
        db.session.scalars(
            select(Commitment)
            .join(Member, Commitment.member_id == Member.id)
            .where(Member.user_id == user_id, Member.left_at.is_(None), live(Commitment))
            .options(joinedload(Commitment.means))
            .order_by(Commitment.due_on, Commitment.id)
        )
    )


@dataclass
class Trust:
    """A member's record of commitments: trust is built by commitments kept."""

    member: Member
    kept: int = 0
    kept_late: int = 0
    overdue: int = 0
    upcoming: int = 0


def trust_by_member(commitments: list[Commitment], members: list[Member]) -> list[Trust]:
    """Kept / overdue / upcoming counts for each current member (pure, from loaded rows)."""
    on = today()
    rows = {m.id: Trust(m) for m in members}
    for commitment in commitments:
        row = rows.get(commitment.member_id)
        if row is None:
            continue  # a former member: their commitments stay listed, not counted here
        if commitment.is_cancelled:
            continue  # called off: neither kept nor owed
        if commitment.is_kept:
            row.kept += 1
            row.kept_late += commitment.kept_late
        elif commitment.is_overdue(on):
            row.overdue += 1
        else:
            row.upcoming += 1
    return list(rows.values())


def parcours_reviews(parcours_id: int) -> list[Review]:
    """The reviews of a parcours, latest first."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.parcours_id == parcours_id)
            .order_by(Review.held_on.desc(), Review.id.desc())
        )
    )


def review_detail(parcours_id: int, review_id: int) -> Review | None:
    """One review with its assessments and views."""
    return db.session.scalar(
        select(Review)
        .where(Review.id == review_id, Review.parcours_id == parcours_id)
        .options(selectinload(Review.assessments), selectinload(Review.views))
    )


def commitments_of_plans(parcours_ids) -> list[tuple[int, int | None, date, datetime | None]]:
    """(plan, organisation of the member committed, due day, kept when) of every commitment
    of these plans, cancelled and deleted ones apart (one query)."""
    return db.session.execute(
        select(
            Commitment.parcours_id, Member.organisation_id, Commitment.due_on, Commitment.kept_at
        )
        .join(Member, Member.id == Commitment.member_id)
        .where(
            Commitment.parcours_id.in_(parcours_ids),
            live(Commitment),
            Commitment.cancelled_at.is_(None),
        )
    ).all()
