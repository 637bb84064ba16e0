"""What waits for a member's own answer or action in each of their plans, derived from the state
(so it is always true and clears itself once done): the objective version they have neither
approved nor disagreed with, the open proposals without their stance, the hand-offs to their
organisation nobody has answered, their commitments due within a few days or overdue, and, for
the person or their legal representative, a closing to confirm, an organisation waiting for
their consent, and what a member declared of them (they took part in a transition, they chose a
pause) that only they confirm. One query for all of a user's plans, however many."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from parcours.accounts.models import User
from parcours.alliance.models import Approval, Disagreement, ObjectiveVersion
from parcours.core.models import UTCDateTime, live, run_statement
from parcours.means.models import Commitment, Means, MeansStatus, Stance
from parcours.plans.models import (
    Consent,
    ConsentStatus,
    Member,
    Role,
    SettingsChange,
    SettingsChangeKind,
)
from parcours.plans.operations import CLOSING_KINDS
from parcours.statements.models import Side, Statement, StatementSignature
from parcours.timeline.models import Episode, EpisodeKind, Handoff, HandoffStatus

APPROVE_OBJECTIVE = "approve_objective"
GIVE_STANCE = "give_stance"
ANSWER_HANDOFF = "answer_handoff"
COMMITMENT_DUE = "commitment_due"
CONFIRM_CLOSING = "confirm_closing"
GIVE_CONSENT = "give_consent"
CONFIRM_HANDOFF = "confirm_handoff"  # "you took part in this transition": only the person says
CONFIRM_PAUSE = "confirm_pause"  # "you chose this pause": only the person says
SIGN_STATEMENT = "sign_statement"  # a statement waits for the signature of the member's side
AWAITING_KINDS = (
    APPROVE_OBJECTIVE,
    GIVE_STANCE,
    ANSWER_HANDOFF,
    COMMITMENT_DUE,
    CONFIRM_CLOSING,
    GIVE_CONSENT,
    CONFIRM_HANDOFF,
    CONFIRM_PAUSE,
    SIGN_STATEMENT,
)
EARLIEST = datetime.min.replace(tzinfo=UTC)
# A commitment waits for its member from this many days before its due day.
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Awaiting:
    """One thing that waits for the user: its kind, its plan, what it is about (a version
    number, a proposal, a hand-off, a commitment, a closing request or a consent, by id), since
    when, and for a commitment its due day."""

    kind: str
    parcours_id: int
    subject_id: int
    since: datetime | None
    due_on: date | None = None

    @property
    def key(self) -> str:
        """A stable id: the same thing keeps it until it is done."""
        return f"{self.kind}-{self.parcours_id}-{self.subject_id}"


def _row(kind: str, parcours_id, subject_id, since, due_on=None):
    """The columns every part of the union gives, typed alike."""
    return (
        literal(kind).label("kind"),
        parcours_id.label("parcours_id"),
        subject_id.label("subject_id"),
        type_coerce(since, UTCDateTime).label("since"),
        (due_on if due_on is not None else cast(null(), Date)).label("due_on"),
    )


def awaiting_for(user: User, on: date) -> list[Awaiting]:
    """Everything that waits for `user` across their plans as of `on`, oldest first."""
    rows = run_statement(
        _statement(), {"user_id": user.id, "due_by": on + timedelta(days=DUE_SOON_DAYS)}
    ).all()
    items = [Awaiting(r.kind, r.parcours_id, r.subject_id, r.since, r.due_on) for r in rows]
    items.sort(key=lambda item: (item.since or EARLIEST, item.kind, item.subject_id))
    return items


@cache
def _statement():
    """The one query, built once (every page that lists what waits runs it): the user and
    the last due day are bound. The user's memberships are a common table expression, which
    SQLite computes once for the nine parts (as a subquery in each it took 0.76 ms instead
    of 0.19 for Thomas)."""
    me = (
        select(Member.id, Member.parcours_id, Member.organisation_id, Member.role)
        .add_columns(Member.is_legal_representative)
        .where(Member.user_id == bindparam("user_id"), Member.left_at.is_(None))
        .cte("me")
    )
    speaks_for_person = (me.c.role == Role.person) | me.c.is_legal_representative.is_(True)
    latest = (
        select(ObjectiveVersion.parcours_id, func.max(ObjectiveVersion.number).label("number"))
        .where(ObjectiveVersion.parcours_id.in_(select(me.c.parcours_id)))
        .group_by(ObjectiveVersion.parcours_id)
        .subquery()
    )
    objective = (
        select(
            *_row(
                APPROVE_OBJECTIVE,
                me.c.parcours_id,
                ObjectiveVersion.number,
                ObjectiveVersion.created_at,
            )
        )
        .join(latest, latest.c.parcours_id == me.c.parcours_id)
        .join(
            ObjectiveVersion,
            and_(
                ObjectiveVersion.parcours_id == latest.c.parcours_id,
                ObjectiveVersion.number == latest.c.number,
            ),
        )
        .where(
            ~exists().where(
                Approval.version_id == ObjectiveVersion.id, Approval.member_id == me.c.id
            ),
            ~exists().where(
                Disagreement.version_id == ObjectiveVersion.id, Disagreement.member_id == me.c.id
            ),
        )
    )
    stance = (
        select(*_row(GIVE_STANCE, me.c.parcours_id, Means.id, Means.created_at))
        .join(Means, Means.parcours_id == me.c.parcours_id)
        .where(
            Means.status == MeansStatus.open,
            live(Means),
            ~exists().where(Stance.means_id == Means.id, Stance.member_id == me.c.id),
        )
    )
    receiving = aliased(Episode)
    handoff = (
        select(*_row(ANSWER_HANDOFF, me.c.parcours_id, Handoff.id, Handoff.created_at))
        .join(Handoff, Handoff.parcours_id == me.c.parcours_id)
        .outerjoin(receiving, receiving.id == Handoff.to_episode_id)
        .where(
            Handoff.status == HandoffStatus.proposed,
            Handoff.to_person_and_family.is_(False),
            me.c.organisation_id.is_not(None),
            func.coalesce(receiving.organisation_id, Handoff.receiving_organisation_id)
            == me.c.organisation_id,
            receiving.kind.is_(None) | (receiving.kind != EpisodeKind.pause),
        )
    )
    commitment = (
        select(
            *_row(
                COMMITMENT_DUE,
                me.c.parcours_id,
                Commitment.id,
                Commitment.created_at,
                Commitment.due_on,
            )
        )
        .join(Commitment, Commitment.member_id == me.c.id)
        .where(
            Commitment.kept_at.is_(None),
            Commitment.cancelled_at.is_(None),
            live(Commitment),
            Commitment.due_on <= bindparam("due_by", type_=Date),
        )
    )
    last_closing = (
        select(SettingsChange.parcours_id, func.max(SettingsChange.id).label("id"))
        .where(
            SettingsChange.kind.in_(CLOSING_KINDS),
            SettingsChange.parcours_id.in_(select(me.c.parcours_id)),
        )
        .group_by(SettingsChange.parcours_id)
        .subquery()
    )
    closing = (
        select(
            *_row(CONFIRM_CLOSING, me.c.parcours_id, SettingsChange.id, SettingsChange.created_at)
        )
        .join(last_closing, last_closing.c.parcours_id == me.c.parcours_id)
        .join(SettingsChange, SettingsChange.id == last_closing.c.id)
        .where(SettingsChange.kind == SettingsChangeKind.close_requested, speaks_for_person)
    )
    consent = (
        select(*_row(GIVE_CONSENT, me.c.parcours_id, Consent.id, Consent.created_at))
        .join(Consent, Consent.parcours_id == me.c.parcours_id)
        .where(Consent.status == ConsentStatus.pending, speaks_for_person)
    )
    declared_part = (
        select(*_row(CONFIRM_HANDOFF, me.c.parcours_id, Handoff.id, Handoff.person_declared_at))
        .join(Handoff, Handoff.parcours_id == me.c.parcours_id)
        .where(
            speaks_for_person,
            Handoff.person_involved.is_(True),
            Handoff.person_confirmed.is_(None),
            Handoff.status != HandoffStatus.declined,
        )
    )
    declared_pause = (
        select(*_row(CONFIRM_PAUSE, me.c.parcours_id, Episode.id, Episode.person_declared_at))
        .join(Episode, Episode.parcours_id == me.c.parcours_id)
        .where(
            speaks_for_person,
            Episode.kind == EpisodeKind.pause,
            Episode.person_confirmed.is_(None),
            live(Episode),
        )
    )
    signed_by = aliased(StatementSignature)
    side_signed = aliased(StatementSignature)
    statement = (
        select(*_row(SIGN_STATEMENT, me.c.parcours_id, Statement.id, Statement.created_at))
        .join(Statement, Statement.parcours_id == me.c.parcours_id)
        .where(
            Statement.sent_at.is_(None),
            ~exists().where(signed_by.statement_id == Statement.id, signed_by.member_id == me.c.id),
            # Only the side still missing is asked: the person's, or a professional's.
            or_(
                and_(
                    speaks_for_person,
                    ~exists().where(
                        side_signed.statement_id == Statement.id, side_signed.side == Side.person
                    ),
                ),
                and_(
                    ~speaks_for_person,
                    me.c.role == Role.professional,
                    ~exists().where(
                        side_signed.statement_id == Statement.id,
                        side_signed.side == Side.professional,
                    ),
                ),
            ),
        )
    )
    parts = (
        objective,
        stance,
        handoff,
        commitment,
        closing,
        consent,
        declared_part,
        declared_pause,
        statement,
    )
    return union_all(*parts)


def awaiting_answers(user: User, on: date) -> dict[int, frozenset[str]]:
    """For each plan of `user` where something waits for them, its kinds (AWAITING_KINDS)."""
    found: dict[int, set[str]] = {}
    for item in awaiting_for(user, on):
        found.setdefault(item.parcours_id, set()).add(item.kind)
    return {pid: frozenset(kinds) for pid, kinds in found.items()}
