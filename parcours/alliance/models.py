"""Voices, objective versions and approvals. Texts are versioned, never overwritten."""

from datetime import datetime
from functools import cache

from sqlalchemy import ForeignKey, Text, UniqueConstraint, bindparam, func, select
from sqlalchemy.orm import Mapped, joinedload, lazyload, mapped_column, relationship, selectinload

from parcours.core.models import CreatedAtMixin, UTCDateTime
from parcours.extensions import db
from parcours.plans.models import Member, Role, member_for_name


class Voice(CreatedAtMixin, db.Model):
    """One version of a member's own words. The latest number is their current voice."""

    __tablename__ = "voices"
    __table_args__ = (UniqueConstraint("member_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    # Whose point of view this is.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    number: Mapped[int]
    matters: Mapped[str] = mapped_column(Text, default="")
    hopes: Mapped[str] = mapped_column(Text, default="")
    worries: Mapped[str] = mapped_column(Text, default="")
    help_me: Mapped[str] = mapped_column(Text, default="")
    # Who wrote it: the member themselves, or someone writing on their behalf.
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")
    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")

    @property
    def on_behalf(self) -> bool:
        return self.author_id != self.member_id


class ObjectiveVersion(CreatedAtMixin, db.Model):
    """One numbered version of the shared objective, with its perimeter and indicators."""

    __tablename__ = "objective_versions"
    __table_args__ = (UniqueConstraint("parcours_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # What the accompaniment covers, and what it does not ("toute la vie de l'enfant ne
    # relève pas de l'institution").
    perimeter_in: Mapped[str] = mapped_column(Text, default="")
    perimeter_out: Mapped[str] = mapped_column(Text, default="")
    # How we will see it progress, one per line.
    indicators: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # Set when the version first meets the agreement rule; it then stays in force until a
    # later version is agreed.
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")
    on_behalf_of: Mapped[Member | None] = relationship(
        foreign_keys=[on_behalf_of_id], lazy="joined"
    )
    approvals: Mapped[list["Approval"]] = relationship(
        back_populates="version", lazy="raise", order_by="Approval.id"
    )

    @property
    def indicator_list(self) -> list[str]:
        return [line.strip() for line in self.indicators.splitlines() if line.strip()]


class Approval(CreatedAtMixin, db.Model):
    """A member's "I recognise myself in this objective" for one version."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("version_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("objective_versions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)

    version: Mapped[ObjectiveVersion] = relationship(back_populates="approvals", lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")


def current_voices(parcours_id: int) -> dict[int, Voice]:
    """Each member's latest voice, by member id (one query)."""
    voices = db.session.scalars(_current_voices(), {"parcours_id": parcours_id}).all()
    return {voice.member_id: voice for voice in voices}


@cache
def _current_voices():
    """The statement of `current_voices`, built once (the plan is bound): building a
    statement and its cache key costs as much as running a small one."""
    latest = (
        select(Voice.member_id, func.max(Voice.number).label("number"))
        .where(Voice.parcours_id == bindparam("parcours_id"))
        .group_by(Voice.member_id)
        .subquery()
    )
    return (
        select(Voice)
        .join(latest, (Voice.member_id == latest.c.member_id) & (Voice.number == latest.c.number))
        .options(member_for_name(Voice.member), member_for_name(Voice.author))
    )


def voice_of(member: Member) -> Voice | None:
    """The member's latest voice."""
    return db.session.scalar(
        select(Voice).where(Voice.member_id == member.id).order_by(Voice.number.desc()).limit(1)
    )


def objective_versions(parcours_id: int) -> list[ObjectiveVersion]:
    """Every version of the objective, oldest first, with their approvals (two queries)."""
    return list(
        db.session.scalars(
            select(ObjectiveVersion)
            .where(ObjectiveVersion.parcours_id == parcours_id)
            .options(selectinload(ObjectiveVersion.approvals))
            .order_by(ObjectiveVersion.number)
        )
    )


def latest_version(parcours_id: int) -> ObjectiveVersion | None:
    return db.session.scalar(
        select(ObjectiveVersion)
        .where(ObjectiveVersion.parcours_id == parcours_id)
        .options(selectinload(ObjectiveVersion.approvals))
        .order_by(ObjectiveVersion.number.desc())
        .limit(1)
    )


def latest_and_in_force(
    parcours_id: int,
) -> tuple[ObjectiveVersion | None, ObjectiveVersion | None]:
    """The latest version and the one in force (the latest agreed, maybe the same), with
    their approvals, in one query. The members they name are read from the session's
    members (the page has loaded the current ones): one more query only for an author who
    has left."""
    rows = db.session.scalars(_latest_and_in_force(), {"parcours_id": parcours_id}).unique().all()
    if not rows:
        return None, None
    latest = rows[0]
    in_force = next((v for v in rows if v.agreed_at is not None), None)
    return latest, in_force


@cache
def _latest_and_in_force():
    """The statement of `latest_and_in_force`, built once (the plan is bound)."""
    versions = ObjectiveVersion.__table__
    parcours_id = bindparam("parcours_id")
    newest = select(func.max(versions.c.number)).where(versions.c.parcours_id == parcours_id)
    agreed = newest.where(versions.c.agreed_at.is_not(None))
    return (
        select(ObjectiveVersion)
        .where(
            ObjectiveVersion.parcours_id == parcours_id,
            ObjectiveVersion.number.in_([newest.scalar_subquery(), agreed.scalar_subquery()]),
        )
        .options(
            # The members are read from the session (the page loaded the current ones).
            lazyload(ObjectiveVersion.author),
            lazyload(ObjectiveVersion.on_behalf_of),
            joinedload(ObjectiveVersion.approvals).options(
                lazyload(Approval.member), lazyload(Approval.version)
            ),
        )
        .order_by(ObjectiveVersion.number.desc())
    )


def version_in_force(parcours_id: int) -> ObjectiveVersion | None:
    """The latest agreed version: the objective the alliance works to."""
    return db.session.scalar(_version_in_force(), {"parcours_id": parcours_id})


@cache
def _version_in_force():
    """The statement of `version_in_force`, built once (the plan is bound)."""
    return (
        select(ObjectiveVersion)
        .where(
            ObjectiveVersion.parcours_id == bindparam("parcours_id"),
            ObjectiveVersion.agreed_at.is_not(None),
        )
        # Its author named from the members the page read (a query only if they left).
        .options(lazyload(ObjectiveVersion.author), lazyload(ObjectiveVersion.on_behalf_of))
        .order_by(ObjectiveVersion.number.desc())
        .limit(1)
    )


class Disagreement(CreatedAtMixin, db.Model):
    """A member's "I don't agree yet" on a version of the objective, with what is missing for
    them. Append-only: the latest one counts, until the member approves the version."""

    __tablename__ = "disagreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("objective_versions.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    comment: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[ObjectiveVersion] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")


# The version and the members are the page's, already read: none is joined.
_DISAGREEMENTS = (
    select(Disagreement)
    .where(Disagreement.version_id == bindparam("version_id"))
    .options(lazyload(Disagreement.version), lazyload(Disagreement.member))
    .order_by(Disagreement.id.desc())
)


def open_disagreements(version: ObjectiveVersion, members: list[Member]) -> list[Disagreement]:
    """The latest "not yet" of each current member who has not approved the version since
    (`members`: the plan's current members, as the page read them)."""
    approvers = {a.member_id for a in version.approvals}
    current = {member.id for member in members if member.is_current}
    rows = db.session.scalars(_DISAGREEMENTS, {"version_id": version.id}).all()
    latest: dict[int, Disagreement] = {}
    for row in rows:
        if row.member_id not in approvers and row.member_id in current:
            latest.setdefault(row.member_id, row)
    return sorted(latest.values(), key=lambda d: d.id)


def own_voices(parcours_ids) -> set[int]:
    """The plans, among these, where the person wrote their own voice (one query)."""
    person = Member.__table__.alias("person")
    return set(
        db.session.scalars(
            select(Voice.parcours_id)
            .join(person, person.c.id == Voice.member_id)
            .where(
                Voice.parcours_id.in_(parcours_ids),
                person.c.role == Role.person,
                Voice.author_id == Voice.member_id,
            )
            .distinct()
        )
    )


def first_and_agreed(parcours_ids) -> dict[int, tuple[datetime, datetime]]:
    """For each of these plans with an agreed objective: when its first version was proposed
    and when a version was first agreed (one query)."""
    rows = db.session.execute(
        select(
            ObjectiveVersion.parcours_id,
            func.min(ObjectiveVersion.created_at),
            func.min(ObjectiveVersion.agreed_at),
        )
        .where(ObjectiveVersion.parcours_id.in_(parcours_ids))
        .group_by(ObjectiveVersion.parcours_id)
    )
    return {pid: (first, agreed) for pid, first, agreed in rows if agreed is not None}
