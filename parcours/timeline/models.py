"""Episodes, hand-offs and their history, and the caseload's per-parcours snapshots."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Mapped, aliased, joinedload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from parcours.accounts.models import Organisation, User
from parcours.core.audit import EVENTS
from parcours.core.errors import DomainError
from parcours.core.i18n import gettext
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import (
    NAME_MAX,
    CreatedAtMixin,
    EnumType,
    SoftDeletedMixin,
    UTCDateTime,
    live,
    run_statement,
    utcnow,
)
from parcours.core.names import account_name
from parcours.extensions import db
from parcours.plans.models import Member, Parcours, link_members
from parcours.timeline.checks import confirmed_by_person

EVENTS.update(
    {
        # reads
        "timeline": _l("read the timeline"),
        # changes
        "episode.created": _l("added the episode %(detail)s"),
        "episode.updated": _l("changed the episode %(detail)s"),
        "episode.deleted": _l("deleted the episode %(detail)s entered by mistake"),
        "handoff.proposed": _l("proposed a hand-off to %(detail)s"),
        "handoff.updated": _l("changed the hand-off to %(detail)s"),
        "handoff.accepted": _l("recorded that the hand-off to %(detail)s was accepted"),
        "handoff.declined": _l("recorded that the hand-off to %(detail)s was declined"),
        "handoff.completed": _l("recorded that the hand-off to %(detail)s was completed"),
        "flag.acknowledged": _l("answered the check %(detail)s"),
        "handoff.person_confirmed": _l(
            "answered whether the person took part in the hand-off to %(detail)s"
        ),
        "episode.person_confirmed": _l("answered whether the person chose the pause %(detail)s"),
        "answer_link.created": _l("created an answer link for the hand-off to %(detail)s"),
        "answer_link.revoked": _l("revoked the answer link for the hand-off to %(detail)s"),
        "answer_link.consent_refused": _l(
            "withdrew the answer link for the hand-off to %(detail)s: consent refused"
        ),
        # Recorded under the account of the member who created the link (nobody is signed in).
        "answer_link.opened": _l(
            "the answer link they created was opened, without an account: %(detail)s"
        ),
        "answer_link.answered": _l(
            "the answer link they created was used to answer, without an account: %(detail)s"
        ),
    }
)

# Dates outside this range are typing mistakes (and would overflow date arithmetic).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def check_day(value: date) -> date:
    """A date the timeline can hold, or a DomainError."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise DomainError(
            gettext("Dates must be between the years 1900 and 2199."), code="date_out_of_range"
        )
    return value


class EpisodeKind(enum.Enum):
    school = "school"  # a school class, ordinary or adapted (ULIS, UEE…)
    sessad = "sessad"  # home and school support service (SESSAD)
    ime = "ime"  # medico-educational institute (IME)
    esat = "esat"  # sheltered workshop (ESAT)
    foyer = "foyer"  # residential or day home (foyer)
    hospital = "hospital"  # a hospital stay or day hospital
    home_support = "home_support"  # support at home (SAVS, SAMSAH, home help…)
    other = "other"  # any other service
    pause = "pause"  # a period without a service, chosen by the person

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    EpisodeKind.school: _l("School"),
    EpisodeKind.sessad: _l("SESSAD"),
    EpisodeKind.ime: _l("IME"),
    EpisodeKind.esat: _l("ESAT"),
    EpisodeKind.foyer: _l("Residential home (foyer)"),
    EpisodeKind.hospital: _l("Hospital"),
    EpisodeKind.home_support: _l("Support at home"),
    EpisodeKind.other: _l("Other service"),
    EpisodeKind.pause: _l("Pause chosen by the person"),
}


class HandoffStatus(enum.Enum):
    proposed = "proposed"  # made by the outgoing side, no answer yet
    accepted = "accepted"  # the receiving side agreed to take over
    declined = "declined"  # the receiving service or the person said no (with a reason)
    completed = "completed"  # the transition took place

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    HandoffStatus.proposed: _l("proposed"),
    HandoffStatus.accepted: _l("accepted"),
    HandoffStatus.declined: _l("declined"),
    HandoffStatus.completed: _l("completed"),
}


class DeclinedBy(enum.Enum):
    service = "service"  # the receiving service
    person = "person"  # the person themselves

    @property
    def label(self):
        return DECLINED_BY_LABELS[self]


DECLINED_BY_LABELS = {
    DeclinedBy.service: _l("the receiving service"),
    DeclinedBy.person: _l("the person"),
}


class HandoffEventKind(enum.Enum):
    proposed = "proposed"  # the hand-off was recorded
    edited = "edited"  # its receiving side or its checklist changed
    accepted = "accepted"  # someone recorded that the receiving side accepted
    declined = "declined"  # someone recorded the refusal, by the service or the person
    completed = "completed"  # someone recorded that the transition took place
    # The person (or their legal representative) answered whether they took part.
    person_confirmed = "person_confirmed"


class PersonConfirmation:
    """What the person said of a fact that is theirs — they took part in a transition, they
    chose a pause — declared by a member (`person_declared_by`): it counts only once the
    person, or their legal representative, confirmed it (`person_confirmed` True; False:
    they said no; None: not answered yet). Changing the declaration asks again."""

    person_declared_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    person_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_confirmed: Mapped[bool | None] = mapped_column()
    person_confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    person_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def declare_for_person(self, by: "Member | None", declared: bool) -> None:
        """A member declares the fact (or withdraws it): the person's answer is asked again."""
        self.person_declared_by = by if declared else None
        self.person_declared_at = utcnow() if declared else None
        self.person_confirmed = None
        self.person_confirmed_by = None
        self.person_confirmed_at = None

    def confirm_for_person(self, by: "Member", confirmed: bool) -> None:
        self.person_confirmed = bool(confirmed)
        self.person_confirmed_by = by
        self.person_confirmed_at = utcnow()


class EpisodeFacts:
    """What an episode says, from its columns: shared by the model and the row the timeline
    page reads (`EpisodeShown`)."""

    @property
    def is_pause(self) -> bool:
        return self.kind is EpisodeKind.pause

    @property
    def chosen_by_person(self) -> bool:
        """A pause the person confirmed they chose: only then is it not a gap."""
        return self.is_pause and confirmed_by_person(self.person_agreed, self.person_confirmed)

    @property
    def display_label(self) -> str:
        return display_label(self.label, self.organisation.name if self.organisation else None)

    def is_current(self, today: date) -> bool:
        """Whether the episode covers this day."""
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    def is_planned(self, today: date) -> bool:
        return self.start_date > today


class Episode(EpisodeFacts, SoftDeletedMixin, PersonConfirmation, CreatedAtMixin, db.Model):
    """A period during which one service accompanies the person, or a pause they chose."""

    __tablename__ = "episodes"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        # Only a pause has no organisation, and a pause needs the person's agreement.
        CheckConstraint("kind = 'pause' OR organisation_id IS NOT NULL", name="has_organisation"),
        CheckConstraint("kind <> 'pause' OR person_agreed", name="pause_agreed"),
        Index("ix_episodes_parcours_start", "parcours_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[EpisodeKind] = mapped_column(EnumType(EpisodeKind))
    label: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    start_date: Mapped[date] = mapped_column(Date)
    # Inclusive; None while the episode goes on.
    end_date: Mapped[date | None] = mapped_column(Date)
    referent_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # For a pause: the person asked for it or agreed to it, and this is recorded.
    person_agreed: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    referent: Mapped[Member | None] = relationship(foreign_keys=[referent_member_id], lazy="raise")
    created_by: Mapped[Member] = relationship(foreign_keys=[created_by_id], lazy="raise")
    # For a pause: who declared it the person's choice, and the person's own answer (loaded
    # from the members the page has read: no query of their own).
    person_declared_by: Mapped[Member | None] = relationship(
        foreign_keys="Episode.person_declared_by_id"
    )
    person_confirmed_by: Mapped[Member | None] = relationship(
        foreign_keys="Episode.person_confirmed_by_id"
    )

    def can_delete(self, member: Member) -> bool:
        """An episode entered by mistake is deleted by whoever recorded it, or the pilot."""
        return member.id == self.created_by_id or member.is_pilot


def display_label(label: str, organisation_name: str | None) -> str:
    """What an episode is called: its label, else its organisation, else "pause"."""
    return label or organisation_name or gettext("Pause chosen by the person")


class HandoffFacts:
    """What a hand-off says, from its columns and its episodes: shared by the model and the row
    the timeline page reads (`HandoffShown`)."""

    @property
    def receives_person_and_family(self) -> bool:
        return hands_back_to_person(
            self.to_person_and_family, self.to_episode is not None and self.to_episode.is_pause
        )

    @property
    def receiving_organisation_in_effect(self) -> Organisation | None:
        """The organisation that receives: the receiving episode's, else the one named."""
        if self.receives_person_and_family:
            return None
        if self.to_episode is not None:
            return self.to_episode.organisation
        return self.receiving_organisation

    @property
    def receiving_label(self) -> str:
        return receiving_label(
            to_episode_label=self.to_episode.display_label if self.to_episode else None,
            organisation_name=self.receiving_organisation.name
            if self.receiving_organisation
            else None,
            person_and_family=self.receives_person_and_family,
        )

    @property
    def has_meaning_note(self) -> bool:
        return bool(self.meaning_note.strip())

    @property
    def person_took_part(self) -> bool:
        """Element (2) of the relais de sens: declared, and confirmed by the person."""
        return confirmed_by_person(self.person_involved, self.person_confirmed)

    @property
    def answer_event(self) -> "HandoffEvent | None":
        """The step that recorded the receiving side's answer (accepted or declined), if any."""
        answers = (HandoffEventKind.accepted, HandoffEventKind.declined)
        return next((e for e in reversed(self.events) if e.kind in answers), None)


class Handoff(HandoffFacts, PersonConfirmation, CreatedAtMixin, db.Model):
    """A transition from one episode to a receiving service, or to the person and family."""

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(
            "to_episode_id IS NOT NULL OR receiving_organisation_id IS NOT NULL"
            " OR to_person_and_family",
            name="has_receiver",
        ),
        CheckConstraint(
            "(status = 'declined') = (declined_by IS NOT NULL)", name="declined_by_when_declined"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(
        ForeignKey("parcours.id", ondelete="CASCADE"), index=True
    )
    from_episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    # The receiving side: an existing or planned episode, another organisation, or the
    # person and family themselves.
    to_episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    receiving_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    to_person_and_family: Mapped[bool] = mapped_column(default=False)
    status: Mapped[HandoffStatus] = mapped_column(
        EnumType(HandoffStatus), default=HandoffStatus.proposed
    )
    # The day the hand-off was made.
    proposed_on: Mapped[date] = mapped_column(Date)
    # The relais de sens, besides the objective passed on (derived from the approvals).
    # `person_involved` is what a member declared; it counts once the person confirmed it
    # (PersonConfirmation, `person_took_part`).
    person_involved: Mapped[bool] = mapped_column(default=False)
    services_in_contact: Mapped[bool] = mapped_column(default=False)
    # The receiving professional, answering through an answer link, approved the objective in
    # force then: element (1) holds for this hand-off (a member's approval is an Approval).
    objective_approved_through_link: Mapped[bool] = mapped_column(default=False)
    # What matters to the person, what worked, what remains open.
    meaning_note: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    declined_by: Mapped[DeclinedBy | None] = mapped_column(EnumType(DeclinedBy))
    # The objective version in force when the hand-off was accepted (or, if none was then,
    # completed): the objective passed on is judged against it, so that a later version never
    # changes a past verdict. None while proposed (judged against the version in force now).
    objective_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("objective_versions.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    from_episode: Mapped[Episode] = relationship(foreign_keys=[from_episode_id], lazy="raise")
    to_episode: Mapped[Episode | None] = relationship(foreign_keys=[to_episode_id], lazy="raise")
    receiving_organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    created_by: Mapped[Member] = relationship(foreign_keys=[created_by_id], lazy="raise")
    person_declared_by: Mapped[Member | None] = relationship(
        foreign_keys="Handoff.person_declared_by_id"
    )
    person_confirmed_by: Mapped[Member | None] = relationship(
        foreign_keys="Handoff.person_confirmed_by_id"
    )
    events: Mapped[list["HandoffEvent"]] = relationship(
        back_populates="handoff", lazy="raise", order_by="HandoffEvent.id"
    )


def hands_back_to_person(to_person_and_family: bool, to_a_pause: bool) -> bool:
    """Whether the person and family take over themselves: said so, or a hand-off to a pause."""
    return bool(to_person_and_family) or to_a_pause


def receiving_label(
    *, to_episode_label: str | None, organisation_name: str | None, person_and_family: bool
) -> str:
    """Who receives a hand-off, as a name."""
    if person_and_family:
        return gettext("the person and family")
    return to_episode_label or organisation_name or ""


class EpisodeChange(CreatedAtMixin, db.Model):
    """A correction of an episode: the values it had before and after, and who changed it.
    Append-only, so that an edit never erases what was recorded."""

    __tablename__ = "episode_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # {field: [before, after]}, as shown (names, ISO dates, kinds): see EPISODE_FIELD_LABELS.
    changes: Mapped[dict] = mapped_column(JSON)

    member: Mapped[Member] = relationship(lazy="joined")


# How the episode page names each field of a change.
EPISODE_FIELD_LABELS = {
    "kind": _l("Kind of service"),
    "organisation": _l("Organisation"),
    "label": _l("Label"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "referent": _l("Referent"),
    "person_confirmed": _l("The person's answer: they chose this pause"),
}


def episode_changes(episode_id: int) -> list[EpisodeChange]:
    """The corrections of an episode, latest first."""
    return list(
        db.session.scalars(
            select(EpisodeChange)
            .where(EpisodeChange.episode_id == episode_id)
            .order_by(EpisodeChange.id.desc())
        )
    )


class HandoffEvent(CreatedAtMixin, db.Model):
    """One step in the life of a hand-off, with who recorded it. Append-only."""

    __tablename__ = "handoff_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[HandoffEventKind] = mapped_column(EnumType(HandoffEventKind))
    # Who recorded it: the receiving side's member for its answer, or the pilot for an answer
    # given by phone (a decline "by the person" can be recorded by any member).
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    declined_by: Mapped[DeclinedBy | None] = mapped_column(EnumType(DeclinedBy))
    # The checklist as it stood after a "proposed" or "edited" step, so no note is lost.
    person_involved: Mapped[bool | None] = mapped_column()
    services_in_contact: Mapped[bool | None] = mapped_column()
    meaning_note: Mapped[str | None] = mapped_column(Text)
    # An answer given by phone: the receiving professional's name as said on the phone; the
    # pilot who recorded it is `member`.
    answered_by: Mapped[str | None] = mapped_column(String(NAME_MAX))
    # An answer through an answer link: `answered_by` is the name the professional gave, with
    # their function and organisation and what they said of the objective and the contact;
    # `member` is who created the link.
    answer_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoff_answer_links.id", ondelete="SET NULL")
    )
    answer_function: Mapped[str | None] = mapped_column(String(NAME_MAX))
    answer_organisation: Mapped[str | None] = mapped_column(String(NAME_MAX))
    approves_objective: Mapped[bool | None] = mapped_column()
    in_contact: Mapped[bool | None] = mapped_column()
    # A "person_confirmed" step: what the person (or their legal representative) answered.
    person_confirmed: Mapped[bool | None] = mapped_column()

    handoff: Mapped[Handoff] = relationship(back_populates="events", lazy="raise")
    member: Mapped[Member] = relationship(lazy="joined")


class HandoffAnswerLink(CreatedAtMixin, db.Model):
    """A single-use link that lets the receiving service answer a hand-off without an account
    (when none of its professionals is a member). Only the token's digest is kept."""

    __tablename__ = "handoff_answer_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Member] = relationship(lazy="joined")

    def usable(self, now: datetime | None = None) -> bool:
        return (
            self.used_at is None and self.revoked_at is None and self.expires_at > (now or utcnow())
        )


def episodes_of(parcours_id: int) -> list[Episode]:
    """The episodes of a parcours, by start date (one query, organisations joined)."""
    return list(db.session.scalars(_episodes(), {"parcours_id": parcours_id}).unique())


@cache
def _episodes():
    """The statement of `episodes_of`, built once (the plan is bound)."""
    return (
        select(Episode)
        .where(Episode.parcours_id == bindparam("parcours_id"), live(Episode))
        .order_by(Episode.start_date, Episode.id)
    )


def handoffs_of(
    parcours_id: int,
    episodes: list[Episode],
    history: bool = True,
    members: Iterable[Member] | None = None,
) -> list[Handoff]:
    """The hand-offs of a parcours linked to `episodes`, with their history (joined: still
    one query) unless `history` is False. With the plan's `members` already loaded, each
    event's member is taken from them rather than joined again."""
    query = _handoffs(history, members is not None)
    handoffs = list(db.session.scalars(query, {"parcours_id": parcours_id}).unique())
    link_episodes(handoffs, episodes)
    if history and members is not None:
        link_members((event for handoff in handoffs for event in handoff.events), members)
    return handoffs


@cache
def _handoffs(history: bool, members_loaded: bool):
    """The statement of `handoffs_of`, built once for each way of loading (the plan is
    bound)."""
    query = (
        select(Handoff)
        .where(Handoff.parcours_id == bindparam("parcours_id"))
        .order_by(Handoff.proposed_on, Handoff.id)
    )
    if history and not members_loaded:
        return query.options(joinedload(Handoff.events))
    if history:
        return query.options(joinedload(Handoff.events).lazyload(HandoffEvent.member))
    return query


def link_episodes(handoffs: list[Handoff], episodes: list[Episode]) -> None:
    """Set the episode relationships from episodes already loaded (no query per hand-off)."""
    by_id = {episode.id: episode for episode in episodes}
    for handoff in handoffs:
        set_committed_value(handoff, "from_episode", by_id.get(handoff.from_episode_id))
        set_committed_value(handoff, "to_episode", by_id.get(handoff.to_episode_id))


# The timeline page reads its episodes and hand-offs as rows of the columns it shows and its
# checks take (the objects with their organisations and events cost three times the query). -----


@dataclass(frozen=True)
class OrganisationName:
    id: int
    name: str


@dataclass(eq=False)
class EpisodeShown(EpisodeFacts):
    """An episode as the timeline page shows it (its facts from `EpisodeFacts`)."""

    id: int
    kind: EpisodeKind
    label: str
    organisation_id: int | None
    organisation: OrganisationName | None
    start_date: date
    end_date: date | None
    referent_member_id: int | None
    person_agreed: bool
    person_confirmed: bool | None
    person_declared_by: Member | None
    person_confirmed_by: Member | None


@dataclass(frozen=True)
class AnswerShown:
    """The step that recorded the receiving side's answer, as the page tells it."""

    kind: HandoffEventKind
    member: Member | None
    answered_by: str | None
    answer_link_id: int | None
    answer_function: str | None
    answer_organisation: str | None


@dataclass(eq=False)
class HandoffShown(HandoffFacts):
    """A hand-off as the timeline page shows it (its facts from `HandoffFacts`; `events` holds
    its answer only, the one step the page tells)."""

    id: int
    from_episode_id: int
    to_episode_id: int | None
    from_episode: EpisodeShown | None
    to_episode: EpisodeShown | None
    receiving_organisation: OrganisationName | None
    to_person_and_family: bool
    status: HandoffStatus
    proposed_on: date
    person_involved: bool
    person_confirmed: bool | None
    person_declared_by: Member | None
    person_confirmed_by: Member | None
    services_in_contact: bool
    objective_approved_through_link: bool
    meaning_note: str
    objective_version_id: int | None
    events: tuple[AnswerShown, ...]


def _organisation(organisation_id: int | None, name: str | None) -> OrganisationName | None:
    return None if organisation_id is None else OrganisationName(organisation_id, name)


def episodes_shown(parcours_id: int, members: Iterable[Member]) -> list[EpisodeShown]:
    """The episodes of a parcours, by start date, as rows (one query); who declared a pause
    and who answered for the person are taken from the plan's `members` (`members_ever`)."""
    member = {m.id: m for m in members}
    shown = []
    for row in run_statement(_episodes_shown(), {"parcours_id": parcours_id}):
        eid, kind, label, org_id, org_name, start, end, referent, agreed, confirmed = row[:10]
        declared_by, confirmed_by = row[10:]
        shown.append(
            EpisodeShown(
                eid,
                kind,
                label,
                org_id,
                _organisation(org_id, org_name),
                start,
                end,
                referent,
                agreed,
                confirmed,
                member.get(declared_by),
                member.get(confirmed_by),
            )
        )
    return shown


def handoffs_shown(
    parcours_id: int, episodes: list[EpisodeShown], members: Iterable[Member]
) -> list[HandoffShown]:
    """The hand-offs of a parcours by date, as rows with their answer (one query), linked to
    `episodes` and to the plan's `members`."""
    episode = {e.id: e for e in episodes}
    member = {m.id: m for m in members}
    shown = []
    for row in run_statement(_handoffs_shown(), {"parcours_id": parcours_id}):
        hid, from_id, to_id, org_id, org_name, *middle = row[:16]
        to_person, status, proposed_on, involved, confirmed, declared_by, confirmed_by = middle[:7]
        answer_kind, answer_member, *answer = row[16:]
        answers = ()
        if answer_kind is not None:
            answers = (AnswerShown(answer_kind, member.get(answer_member), *answer),)
        shown.append(
            HandoffShown(
                hid,
                from_id,
                to_id,
                episode.get(from_id),
                episode.get(to_id),
                _organisation(org_id, org_name),
                to_person,
                status,
                proposed_on,
                involved,
                confirmed,
                member.get(declared_by),
                member.get(confirmed_by),
                *middle[7:],
                answers,
            )
        )
    return shown


@cache
def _episodes_shown():
    """The statement of `episodes_shown`, built once (the plan is bound)."""
    return (
        select(
            Episode.id,
            Episode.kind,
            Episode.label,
            Episode.organisation_id,
            Organisation.name,
            Episode.start_date,
            Episode.end_date,
            Episode.referent_member_id,
            Episode.person_agreed,
            Episode.person_confirmed,
            Episode.person_declared_by_id,
            Episode.person_confirmed_by_id,
        )
        .outerjoin(Organisation, Organisation.id == Episode.organisation_id)
        .where(Episode.parcours_id == bindparam("parcours_id"), live(Episode))
        .order_by(Episode.start_date, Episode.id)
    )


@cache
def _handoffs_shown():
    """The statement of `handoffs_shown`, built once (the plan is bound): each hand-off with
    its receiving organisation's name and its latest answer (accepted or declined), if any."""
    answer_id = (
        select(func.max(HandoffEvent.id))
        .where(
            HandoffEvent.handoff_id == Handoff.id,
            HandoffEvent.kind.in_([HandoffEventKind.accepted, HandoffEventKind.declined]),
        )
        .correlate(Handoff)
        .scalar_subquery()
    )
    return (
        select(
            Handoff.id,
            Handoff.from_episode_id,
            Handoff.to_episode_id,
            Handoff.receiving_organisation_id,
            Organisation.name,
            Handoff.to_person_and_family,
            Handoff.status,
            Handoff.proposed_on,
            Handoff.person_involved,
            Handoff.person_confirmed,
            Handoff.person_declared_by_id,
            Handoff.person_confirmed_by_id,
            Handoff.services_in_contact,
            Handoff.objective_approved_through_link,
            Handoff.meaning_note,
            Handoff.objective_version_id,
            HandoffEvent.kind,
            HandoffEvent.member_id,
            HandoffEvent.answered_by,
            HandoffEvent.answer_link_id,
            HandoffEvent.answer_function,
            HandoffEvent.answer_organisation,
        )
        .outerjoin(Organisation, Organisation.id == Handoff.receiving_organisation_id)
        .outerjoin(HandoffEvent, HandoffEvent.id == answer_id)
        .where(Handoff.parcours_id == bindparam("parcours_id"))
        .order_by(Handoff.proposed_on, Handoff.id)
    )


class TimelineSnapshot(db.Model):
    """What the caseload shows about one parcours, computed from its timeline on one day.

    `revision` goes up with every change of the parcours, and when an organisation it names
    is renamed (see `parcours.timeline.snapshots`); the snapshot holds while
    `computed_revision` equals it and `computed_for` is the day asked about.
    """

    __tablename__ = "timeline_snapshots"

    parcours_id: Mapped[int] = mapped_column(
        ForeignKey("parcours.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(default=0)
    computed_revision: Mapped[int | None] = mapped_column()
    computed_for: Mapped[date | None] = mapped_column(Date)
    # Open flags by kind, e.g. {"rupture": 1, "missing_relais_de_sens": 2}.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    highest_severity: Mapped[int] = mapped_column(default=0)
    ongoing_rupture: Mapped[bool] = mapped_column(default=False)
    # Labels of the episodes (not pauses) covering that day.
    current_services: Mapped[list] = mapped_column(JSON, default=list)
    last_handoff_on: Mapped[date | None] = mapped_column(Date)
    # How many flags a member has answered (they leave the urgent order, see `counts`).
    answered: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the parcours last changed (set with `revision`): the caseload sorts by it.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


FLAG_KEY_MAX = 80


class FlagAcknowledgement(CreatedAtMixin, db.Model):
    """A flag answered, never silenced: the pilot or a professional says, in a note, what is
    being done about it. The flag stays on the timeline and in the API, answered; it leaves
    the caseload's urgent order. One answer per flag (`key`, see timeline/checks.py)."""

    __tablename__ = "flag_acknowledgements"
    __table_args__ = (
        UniqueConstraint("parcours_id", "key", name="uq_flag_acknowledgements_parcours_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(FLAG_KEY_MAX))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    note: Mapped[str] = mapped_column(Text)

    member: Mapped[Member] = relationship()


class RaisedFlag(db.Model):
    """The day a check was first found open on a parcours (its `key`, see
    timeline/checks.py): written when the caseload snapshots are stored, so that the pilot
    hears of a new flag in their news (parcours.inbox.news). Once raised, a flag is not raised
    again, even if it closes and opens again."""

    __tablename__ = "raised_flags"
    __table_args__ = (
        UniqueConstraint("parcours_id", "key", name="uq_raised_flags_parcours_key"),
        Index("ix_raised_flags_raised_at", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcours_id: Mapped[int] = mapped_column(ForeignKey("parcours.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(FLAG_KEY_MAX))
    kind: Mapped[str] = mapped_column(String(40))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def handoff_revision(handoff_id: int) -> int:
    """How far a hand-off's history goes (its latest event): an edit carries the revision it
    started from, so that a change saved in between is not overwritten."""
    return db.session.scalar(
        select(func.coalesce(func.max(HandoffEvent.id), 0)).where(
            HandoffEvent.handoff_id == handoff_id
        )
    )


def episode_revision(episode_id: int) -> int:
    """How far an episode's corrections go (its latest change, 0 before any): an edit carries
    the revision it started from, so that a change saved in between is not overwritten."""
    return db.session.scalar(
        select(func.coalesce(func.max(EpisodeChange.id), 0)).where(
            EpisodeChange.episode_id == episode_id
        )
    )


def episode_revisions(parcours_id: int) -> dict[int, int]:
    """The revision of every episode of a parcours that has been corrected, in one query."""
    rows = db.session.execute(
        select(EpisodeChange.episode_id, func.max(EpisodeChange.id))
        .join(Episode, Episode.id == EpisodeChange.episode_id)
        .where(Episode.parcours_id == parcours_id)
        .group_by(EpisodeChange.episode_id)
    )
    return {episode_id: revision for episode_id, revision in rows}


@dataclass(frozen=True)
class HandoffToConfirm:
    """A hand-off a member declared the person took part in, as the person is asked."""

    id: int
    from_label: str  # the service the person leaves
    receiving_label: str
    receives_person_and_family: bool
    declared_by: str | None  # the name of the member who declared it


@dataclass(frozen=True)
class PauseToConfirm:
    """A pause a member declared the person chose, as the person is asked."""

    id: int
    start_date: date
    end_date: date | None
    declared_by: str | None


def awaiting_person(
    parcours_id: int, *, handoffs: bool = True, pauses: bool = True
) -> tuple[list[HandoffToConfirm], list[PauseToConfirm]]:
    """What waits for the person's own answer: hand-offs a member declared they took part in,
    pauses declared their choice, with who declared them (a query for each asked: a page
    that knows none of one kind waits skips it). Read as rows: the easy-read page shows them."""
    handoffs_query, pauses_query = _awaiting_person()
    bound = {"parcours_id": parcours_id}
    return (
        [_handoff_to_confirm(*row) for row in run_statement(handoffs_query, bound)]
        if handoffs
        else [],
        [
            PauseToConfirm(pid, start, end, _declarer(name, closed_at))
            for pid, start, end, name, closed_at in run_statement(pauses_query, bound)
        ]
        if pauses
        else [],
    )


def _declarer(stored_name: str | None, closed_at: datetime | None) -> str | None:
    return None if stored_name is None else account_name(stored_name, closed_at)


def _handoff_to_confirm(
    handoff_id, from_label, from_org, to_person_and_family, to_kind, to_label, to_org,
    receiving_org, declarer_name, declarer_closed_at,
) -> HandoffToConfirm:  # fmt: skip
    person_and_family = hands_back_to_person(to_person_and_family, to_kind is EpisodeKind.pause)
    to_episode_label = display_label(to_label, to_org) if to_kind is not None else None
    return HandoffToConfirm(
        handoff_id,
        display_label(from_label, from_org),
        receiving_label(
            to_episode_label=to_episode_label,
            organisation_name=receiving_org,
            person_and_family=person_and_family,
        ),
        person_and_family,
        _declarer(declarer_name, declarer_closed_at),
    )


@cache
def _awaiting_person():
    """The two statements of `awaiting_person`, built once (the plan is bound): the columns
    the page shows, with the names of the episodes' and receiving organisations and of who
    declared."""
    from_episode, to_episode = aliased(Episode), aliased(Episode)
    from_org, to_org, receiving_org = (aliased(Organisation) for _ in range(3))
    declarer, declarer_account = aliased(Member), aliased(User)
    handoffs = (
        select(
            Handoff.id,
            from_episode.label,
            from_org.name,
            Handoff.to_person_and_family,
            to_episode.kind,
            to_episode.label,
            to_org.name,
            receiving_org.name,
            declarer_account.stored_name,
            declarer_account.closed_at,
        )
        .join(from_episode, from_episode.id == Handoff.from_episode_id)
        .outerjoin(from_org, from_org.id == from_episode.organisation_id)
        .outerjoin(to_episode, to_episode.id == Handoff.to_episode_id)
        .outerjoin(to_org, to_org.id == to_episode.organisation_id)
        .outerjoin(receiving_org, receiving_org.id == Handoff.receiving_organisation_id)
        .outerjoin(declarer, declarer.id == Handoff.person_declared_by_id)
        .outerjoin(declarer_account, declarer_account.id == declarer.user_id)
        .where(
            Handoff.parcours_id == bindparam("parcours_id"),
            Handoff.person_involved.is_(True),
            Handoff.person_confirmed.is_(None),
            Handoff.status != HandoffStatus.declined,
        )
        .order_by(Handoff.proposed_on, Handoff.id)
    )
    pauses = (
        select(
            Episode.id,
            Episode.start_date,
            Episode.end_date,
            declarer_account.stored_name,
            declarer_account.closed_at,
        )
        .outerjoin(declarer, declarer.id == Episode.person_declared_by_id)
        .outerjoin(declarer_account, declarer_account.id == declarer.user_id)
        .where(
            Episode.parcours_id == bindparam("parcours_id"),
            Episode.kind == EpisodeKind.pause,
            Episode.person_confirmed.is_(None),
            live(Episode),
        )
        .order_by(Episode.start_date, Episode.id)
    )
    return handoffs, pauses


def episode_kinds(parcours_ids) -> dict[int, EpisodeKind]:
    """The kind of every episode of these plans, deleted ones too (a hand-off keeps the kinds
    it was made between; one query)."""
    return dict(
        db.session.execute(
            select(Episode.id, Episode.kind).where(Episode.parcours_id.in_(parcours_ids))
        ).all()
    )


def first_answers(parcours_ids) -> dict[int, datetime]:
    """When each answered hand-off of these plans was first accepted or declined (one query)."""
    return dict(
        db.session.execute(
            select(HandoffEvent.handoff_id, func.min(HandoffEvent.created_at))
            .join(Handoff, Handoff.id == HandoffEvent.handoff_id)
            .where(
                Handoff.parcours_id.in_(parcours_ids),
                HandoffEvent.kind.in_([HandoffEventKind.accepted, HandoffEventKind.declined]),
            )
            .group_by(HandoffEvent.handoff_id)
        ).all()
    )


def plans_followed(
    start: date, end: date, *, organisation_id: int | None = None, territory: str | None = None
):
    """The select of the plans (`parcours_id`) where the organisation — or an organisation of
    the territory — had an episode overlapping the period, less those their person left out
    of the observatory's figures."""
    query = (
        select(Episode.parcours_id)
        .join(Parcours, Parcours.id == Episode.parcours_id)
        .where(
            live(Episode),
            Parcours.observatory_opt_out.is_(False),
            Episode.start_date <= end,
            (Episode.end_date.is_(None)) | (Episode.end_date >= start),
        )
        .distinct()
    )
    if organisation_id is not None:
        return query.where(Episode.organisation_id == organisation_id)
    return query.join(Organisation, Organisation.id == Episode.organisation_id).where(
        Organisation.territory == territory
    )
