"""My data: everything the app holds about a user, as one JSON document (right of access).

The document holds the account, its login sessions and API tokens (dates only, never a
secret or the password hash), the user's memberships, every row of every parcours that points
at one of their memberships (what they wrote, recorded, approved, committed to, or what was
written on their behalf), and the access log of their parcours while they were members.

Which rows point at a member is declared in SECTIONS; tests/privacy/test_my_data.py fails
when a table gains a column referencing members or users that no section covers. A fixed
number of queries builds the document, however many parcours the user is part of.
"""

from dataclasses import dataclass
from datetime import datetime

from marshmallow import Schema, fields
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from parcours.accounts.models import (
    ApiToken,
    FormOfAddress,
    LoginSession,
    Notifications,
    RecoveryCode,
    ResetKind,
    User,
)
from parcours.accounts.password_reset import password_resets_of
from parcours.alliance.models import Approval, Disagreement, ObjectiveVersion, Voice
from parcours.core.audit import AccessLogEntry, record_reads
from parcours.core.idempotency import OnceRequest
from parcours.core.models import utcnow
from parcours.core.names import account_name
from parcours.core.security_log import SecurityEvent
from parcours.discussions.models import Comment, CommentRevision, comment_mentions
from parcours.extensions import db
from parcours.inbox.models import InboxRead
from parcours.means.models import (
    Commitment,
    CommitmentChange,
    Decision,
    Means,
    Review,
    ReviewComment,
    Stance,
    decision_participants,
)
from parcours.notifications.models import DigestState, MessageKind, OutboxMessage
from parcours.observatory.operations import observer_scopes
from parcours.plans.models import ConsentEvent, Invitation, Member, SettingsChange
from parcours.statements.models import Statement, StatementAnswer, StatementSignature
from parcours.timeline.models import (
    Episode,
    EpisodeChange,
    FlagAcknowledgement,
    Handoff,
    HandoffAnswerLink,
    HandoffEvent,
)

FORMAT = "parcours-my-data"
FORMAT_VERSION = 1


def _organisation(obj) -> str | None:
    return obj.organisation.name if obj.organisation else None


# The document's parts --------------------------------------------------------------------


class AccountSchema(Schema):
    """The account itself (never the password hash)."""

    id = fields.Integer()
    email = fields.String(allow_none=True)
    login_name = fields.String(allow_none=True)
    name = fields.String()
    is_professional = fields.Boolean()
    organisation = fields.Function(_organisation)
    function = fields.String(allow_none=True)
    language = fields.String(attribute="locale", allow_none=True)
    easy_read = fields.Function(lambda u: {None: "default", True: "on", False: "off"}[u.easy_read])
    form_of_address = fields.Enum(FormOfAddress, allow_none=True)
    notifications = fields.Enum(Notifications)
    is_admin = fields.Boolean()
    created_at = fields.AwareDateTime()
    two_step_since = fields.AwareDateTime(attribute="totp_enabled_at", allow_none=True)


class LoginSessionSchema(Schema):
    """A signed-in browser: when it started, was last seen and ended (never its key)."""

    created_at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    stay_signed_in = fields.Boolean()
    ended_at = fields.AwareDateTime(allow_none=True)


class ApiTokenSchema(Schema):
    """A bearer token: when it was issued, used, revoked (never its secret or digest)."""

    label = fields.String(allow_none=True)
    scope = fields.Function(lambda t: t.scope.value)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class RecoveryCodeSchema(Schema):
    """A two-step recovery code: when it was made and used (never the code or its digest)."""

    created_at = fields.AwareDateTime()
    used_at = fields.AwareDateTime(allow_none=True)


class PasswordResetSchema(Schema):
    """A way to choose a new password without the old one: when it was asked for or
    printed, by e-mail or as a card, until when it worked, when it was used or replaced
    (never its token or digest)."""

    at = fields.AwareDateTime(attribute="created_at")
    kind = fields.Enum(ResetKind, by_value=True)
    expires_at = fields.AwareDateTime()
    used_at = fields.AwareDateTime(allow_none=True)
    replaced_at = fields.AwareDateTime(attribute="revoked_at", allow_none=True)


class OnceRequestSchema(Schema):
    """A request remembered for 24 hours so that sending it again makes nothing twice: when,
    and the answer's status (never the answer itself, which the account was given)."""

    at = fields.AwareDateTime(attribute="created_at")
    status = fields.Integer(allow_none=True)
    location = fields.String(allow_none=True)


class ObserverScopeSchema(Schema):
    """What the account observes (figures drawn from many plans, never a plan): an
    organisation or a territory, since when."""

    organisation = fields.Function(lambda s: s.organisation.name if s.organisation else None)
    territory = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class InboxReadSchema(Schema):
    """A news item of "For me" the account has read, and when."""

    key = fields.String()
    read_at = fields.AwareDateTime()


class OutboxMessageSchema(Schema):
    """An e-mail for the account: its kind, when it was queued and sent (never its text: it
    held single-use links — a new password's — and is erased once sent)."""

    kind = fields.Enum(MessageKind)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer()
    gave_up_at = fields.AwareDateTime(allow_none=True)


class DigestStateSchema(Schema):
    """What the account's last digest counted (the number of things waiting), and when."""

    checked_at = fields.AwareDateTime(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    count = fields.Integer()


class SecurityEventSchema(Schema):
    """An entry of the security log about the account (the address it came from)."""

    at = fields.AwareDateTime(attribute="created_at")
    event = fields.String()
    description = fields.String()
    address = fields.String(allow_none=True)


class MembershipSchema(Schema):
    id = fields.Integer()
    parcours_id = fields.Integer()
    parcours_name = fields.Function(lambda m: m.parcours.person_name)
    role = fields.Function(lambda m: m.role.value)
    organisation = fields.Function(_organisation)
    function = fields.String(allow_none=True)
    is_pilot = fields.Boolean()
    is_legal_representative = fields.Boolean()
    joined_at = fields.AwareDateTime()
    left_at = fields.AwareDateTime(allow_none=True)


class _Row(Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()


class _Deletable(_Row):
    """A row deleted as entered by mistake stays in "my data", with who, when and why."""

    deleted_at = fields.AwareDateTime(allow_none=True)
    deleted_by_id = fields.Integer(allow_none=True)
    deletion_reason = fields.String(allow_none=True)


class VoiceSchema(_Row):
    number = fields.Integer()
    member_id = fields.Integer()
    author_id = fields.Integer()
    matters = fields.String()
    hopes = fields.String()
    worries = fields.String()
    help_me = fields.String()


class ObjectiveVersionSchema(_Row):
    number = fields.Integer()
    text = fields.String()
    perimeter_in = fields.String()
    perimeter_out = fields.String()
    indicators = fields.String()
    author_id = fields.Integer()
    on_behalf_of_id = fields.Integer(allow_none=True)
    agreed_at = fields.AwareDateTime(allow_none=True)


class ApprovalSchema(_Row):
    objective_version = fields.Function(lambda a: a.version.number)
    member_id = fields.Integer()


class DisagreementSchema(_Row):
    objective_version = fields.Function(lambda d: d.version.number)
    member_id = fields.Integer()
    comment = fields.String()


class MeansSchema(_Deletable):
    title = fields.String()
    description = fields.String()
    carried_by = fields.String()
    category = fields.Function(lambda m: m.category.value if m.category else None)
    status = fields.Function(lambda m: m.status.value)
    author_id = fields.Integer()
    on_behalf_of_id = fields.Integer(allow_none=True)


class StanceSchema(_Row):
    means_id = fields.Integer()
    member_id = fields.Integer()
    author_id = fields.Integer()
    value = fields.Function(lambda s: s.value.value)
    comment = fields.String()


class DecisionSchema(_Row):
    means_id = fields.Integer()
    outcome = fields.Function(lambda d: d.outcome.value)
    rationale = fields.String()
    decided_by_id = fields.Integer()
    participant_ids = fields.Function(lambda d: [m.id for m in d.participants])


class CommitmentSchema(_Deletable):
    means_id = fields.Integer()
    member_id = fields.Integer()
    action = fields.String()
    due_on = fields.Date()
    kept_at = fields.AwareDateTime(allow_none=True)
    kept_by_id = fields.Integer(allow_none=True)
    created_by_id = fields.Integer()
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancelled_by_id = fields.Integer(allow_none=True)
    cancellation_reason = fields.String(allow_none=True)
    revision = fields.Integer()


class CommitmentChangeSchema(_Row):
    commitment_id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.Function(lambda c: c.kind.value)
    before = fields.String()
    after = fields.String()
    reason = fields.String()


class ReviewAssessmentSchema(Schema):
    indicator = fields.String()
    assessment = fields.String()


class ReviewSchema(_Row):
    held_on = fields.Date()
    objective_number = fields.Integer()
    what_to_change = fields.String()
    created_by_id = fields.Integer()
    assessments = fields.List(fields.Nested(ReviewAssessmentSchema))


class ReviewCommentSchema(_Row):
    review_id = fields.Integer()
    member_id = fields.Integer()
    author_id = fields.Integer()
    view = fields.String()


class CommentSchema(_Row):
    about = fields.String()
    author_id = fields.Integer()
    on_behalf_of_id = fields.Integer(allow_none=True)
    reply_to_id = fields.Integer(allow_none=True)
    mention_ids = fields.Function(lambda c: [m.id for m in c.mentions])
    text = fields.String()
    revision = fields.Integer()
    edited_at = fields.AwareDateTime(allow_none=True)


class CommentRevisionSchema(Schema):
    id = fields.Integer()
    comment_id = fields.Integer()
    revision = fields.Integer()
    author_id = fields.Integer()
    text = fields.String()
    written_at = fields.AwareDateTime()


class EpisodeSchema(_Deletable):
    kind = fields.Function(lambda e: e.kind.value)
    label = fields.String()
    organisation = fields.Function(_organisation)
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    referent_member_id = fields.Integer(allow_none=True)
    person_agreed = fields.Boolean()
    person_declared_by_id = fields.Integer(allow_none=True)
    person_declared_at = fields.AwareDateTime(allow_none=True)
    person_confirmed = fields.Boolean(allow_none=True)
    person_confirmed_by_id = fields.Integer(allow_none=True)
    person_confirmed_at = fields.AwareDateTime(allow_none=True)
    created_by_id = fields.Integer()
    updated_at = fields.AwareDateTime()


class EpisodeChangeSchema(_Row):
    episode_id = fields.Integer()
    member_id = fields.Integer()
    changes = fields.Dict()


class HandoffSchema(_Row):
    from_episode_id = fields.Integer()
    to_episode_id = fields.Integer(allow_none=True)
    receiving_organisation = fields.Function(
        lambda h: h.receiving_organisation.name if h.receiving_organisation else None
    )
    to_person_and_family = fields.Boolean()
    status = fields.Function(lambda h: h.status.value)
    proposed_on = fields.Date()
    person_involved = fields.Boolean()
    services_in_contact = fields.Boolean()
    meaning_note = fields.String()
    decline_reason = fields.String(allow_none=True)
    declined_by = fields.Function(lambda h: h.declined_by.value if h.declined_by else None)
    objective_approved_through_link = fields.Boolean()
    objective_version_id = fields.Integer(allow_none=True)
    person_declared_by_id = fields.Integer(allow_none=True)
    person_declared_at = fields.AwareDateTime(allow_none=True)
    person_confirmed = fields.Boolean(allow_none=True)
    person_confirmed_by_id = fields.Integer(allow_none=True)
    person_confirmed_at = fields.AwareDateTime(allow_none=True)
    created_by_id = fields.Integer()
    updated_at = fields.AwareDateTime()


class HandoffEventSchema(_Row):
    handoff_id = fields.Integer()
    kind = fields.Function(lambda e: e.kind.value)
    member_id = fields.Integer()
    decline_reason = fields.String(allow_none=True)
    declined_by = fields.Function(lambda e: e.declined_by.value if e.declined_by else None)
    person_involved = fields.Boolean(allow_none=True)
    services_in_contact = fields.Boolean(allow_none=True)
    meaning_note = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answer_link_id = fields.Integer(allow_none=True)
    answer_function = fields.String(allow_none=True)
    answer_organisation = fields.String(allow_none=True)
    approves_objective = fields.Boolean(allow_none=True)
    in_contact = fields.Boolean(allow_none=True)
    person_confirmed = fields.Boolean(allow_none=True)


class HandoffAnswerLinkSchema(_Row):
    """An answer link the user created (never its token's digest)."""

    handoff_id = fields.Integer()
    created_by_id = fields.Integer()
    expires_at = fields.AwareDateTime()
    used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class FlagAcknowledgementSchema(_Row):
    """An answer the user gave to a flag of the timeline, with their note."""

    key = fields.String()
    member_id = fields.Integer()
    note = fields.String()


class SettingsChangeSchema(_Row):
    """A change of the rules of a plan the user made or answered, with their reason."""

    kind = fields.Function(lambda c: c.kind.value)
    member_id = fields.Integer()
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class InvitationSchema(_Row):
    """An invitation the user made or accepted (never its token, nor the address it was sent
    to: that is someone else's, or already in the account)."""

    role = fields.Function(lambda i: i.role.value)
    is_legal_representative = fields.Boolean()
    invited_by_id = fields.Integer()
    accepted_by_id = fields.Integer(allow_none=True)
    expires_at = fields.AwareDateTime()
    accepted_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class ConsentEventSchema(_Row):
    """A step of a consent to share a plan with an organisation that the user asked, gave,
    refused or withdrew."""

    consent_id = fields.Integer()
    organisation = fields.Function(lambda e: e.consent.organisation.name)
    kind = fields.Function(lambda e: e.kind.value)
    member_id = fields.Integer()


def _addressed_to(statement) -> dict:
    if statement.organisation is not None:
        return {"organisation": statement.organisation.name}
    return {"territory": statement.territory}


class StatementAnswerSchema(Schema):
    text = fields.String()
    answered_at = fields.AwareDateTime(attribute="created_at")


class StatementSchema(_Row):
    """A statement the user wrote in a plan (and signed then), with the observers' answers."""

    text = fields.String()
    addressed_to = fields.Function(_addressed_to)
    author_id = fields.Integer()
    sent_at = fields.AwareDateTime(allow_none=True)
    answers = fields.List(fields.Nested(StatementAnswerSchema))


class StatementSignatureSchema(Schema):
    """A statement the user signed: what it said, whom to, when."""

    id = fields.Integer()
    statement_id = fields.Integer()
    text = fields.Function(lambda s: s.statement.text)
    addressed_to = fields.Function(lambda s: _addressed_to(s.statement))
    member_id = fields.Integer()
    side = fields.Function(lambda s: s.side.value)
    signed_at = fields.AwareDateTime()


class ObserverAnswerSchema(Schema):
    """An answer the account gave, as an observer, to a statement (never its plan)."""

    statement_id = fields.Integer()
    statement = fields.Function(lambda a: a.statement.text)
    text = fields.String()
    answered_at = fields.AwareDateTime(attribute="created_at")


class ObserverGroupingSchema(Schema):
    """A statement the account, as an observer, grouped with those that say the same thing."""

    statement_id = fields.Integer(attribute="id")
    group = fields.Integer(attribute="group_id", allow_none=True)
    grouped_at = fields.AwareDateTime()


class AccessLogSchema(Schema):
    parcours_id = fields.Integer()
    at = fields.AwareDateTime()
    who = fields.String()
    by_you = fields.Boolean()
    access = fields.String()
    event = fields.String()
    subject = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    description = fields.String()


# Which rows are the user's ---------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """The rows of one table that point at one of the user's memberships, through `columns`
    (each a foreign key to members.id). Each row says which of them point at the user."""

    key: str
    model: type
    columns: tuple[str, ...]
    schema: type[Schema]
    options: tuple = ()
    # Members linked to the row through an association table (a decision's participants, a
    # comment's mentions): the table, its column naming the row, the row's attribute listing
    # those members, and the part the user plays then.
    linked: tuple | None = None

    @property
    def also_covers(self) -> frozenset:
        """The (table, column) pair of the association table pointing at a member."""
        return frozenset({(self.linked[0].name, "member_id")}) if self.linked else frozenset()

    def linked_members(self, row) -> list[Member]:
        return list(getattr(row, self.linked[2])) if self.linked else []

    def query(self, member_ids: list[int]):
        conditions = [getattr(self.model, name).in_(member_ids) for name in self.columns]
        if self.linked:
            table, key = self.linked[0], self.linked[1]
            conditions.append(
                self.model.id.in_(select(table.c[key]).where(table.c.member_id.in_(member_ids)))
            )
        return (
            select(self.model)
            .where(or_(*conditions))
            .options(*self.options)
            .order_by(self.model.id)
        )

    def parts(self, row, mine: dict[int, Member]) -> list[str]:
        """The columns of the row that point at the user ("author", "member"…)."""
        parts = [name.removesuffix("_id") for name in self.columns if getattr(row, name) in mine]
        if any(m.id in mine for m in self.linked_members(row)):
            parts.append(self.linked[3])
        return parts

    def parcours_of(self, row, mine: dict[int, Member]) -> int:
        for name in self.columns:
            if (member_id := getattr(row, name)) in mine:
                return mine[member_id].parcours_id
        return next(mine[m.id].parcours_id for m in self.linked_members(row) if m.id in mine)

    @property
    def covers(self) -> set[tuple[str, str]]:
        return {(self.model.__tablename__, name) for name in self.columns} | set(self.also_covers)


SECTIONS = (
    Section("voices", Voice, ("member_id", "author_id"), VoiceSchema),
    Section(
        "objective_versions",
        ObjectiveVersion,
        ("author_id", "on_behalf_of_id"),
        ObjectiveVersionSchema,
    ),
    Section("approvals", Approval, ("member_id",), ApprovalSchema),
    Section("disagreements", Disagreement, ("member_id",), DisagreementSchema),
    Section("means", Means, ("author_id", "on_behalf_of_id", "deleted_by_id"), MeansSchema),
    Section("stances", Stance, ("member_id", "author_id"), StanceSchema),
    Section(
        "decisions",
        Decision,
        ("decided_by_id",),
        DecisionSchema,
        options=(selectinload(Decision.participants),),
        linked=(decision_participants, "decision_id", "participants", "participant"),
    ),
    Section(
        "commitments",
        Commitment,
        ("member_id", "kept_by_id", "created_by_id", "cancelled_by_id", "deleted_by_id"),
        CommitmentSchema,
    ),
    Section("commitment_changes", CommitmentChange, ("member_id",), CommitmentChangeSchema),
    Section(
        "reviews",
        Review,
        ("created_by_id",),
        ReviewSchema,
        options=(selectinload(Review.assessments),),
    ),
    Section("review_views", ReviewComment, ("member_id", "author_id"), ReviewCommentSchema),
    Section(
        "episodes",
        Episode,
        (
            "referent_member_id",
            "created_by_id",
            "person_declared_by_id",
            "person_confirmed_by_id",
            "deleted_by_id",
        ),
        EpisodeSchema,
    ),
    Section("episode_changes", EpisodeChange, ("member_id",), EpisodeChangeSchema),
    Section(
        "handoffs",
        Handoff,
        ("created_by_id", "person_declared_by_id", "person_confirmed_by_id"),
        HandoffSchema,
    ),
    Section("handoff_events", HandoffEvent, ("member_id",), HandoffEventSchema),
    Section("handoff_answer_links", HandoffAnswerLink, ("created_by_id",), HandoffAnswerLinkSchema),
    Section("invitations", Invitation, ("invited_by_id", "accepted_by_id"), InvitationSchema),
    Section("settings_changes", SettingsChange, ("member_id",), SettingsChangeSchema),
    Section(
        "consent_events",
        ConsentEvent,
        ("member_id",),
        ConsentEventSchema,
        options=(selectinload(ConsentEvent.consent),),
    ),
    Section(
        "flag_acknowledgements", FlagAcknowledgement, ("member_id",), FlagAcknowledgementSchema
    ),
    Section(
        "comments",
        Comment,
        ("author_id", "on_behalf_of_id"),
        CommentSchema,
        options=(selectinload(Comment.mentions),),
        linked=(comment_mentions, "comment_id", "mentions", "mentioned"),
    ),
    Section("comment_revisions", CommentRevision, ("author_id",), CommentRevisionSchema),
    Section(
        "statements",
        Statement,
        ("author_id",),
        StatementSchema,
        options=(selectinload(Statement.answers),),
    ),
    Section(
        "statement_signatures",
        StatementSignature,
        ("member_id",),
        StatementSignatureSchema,
        options=(selectinload(StatementSignature.statement),),
    ),
)

# The columns pointing at a user, read outside the sections above.
USER_COLUMNS = {
    ("members", "user_id"),  # memberships
    ("login_sessions", "user_id"),
    ("api_tokens", "user_id"),
    ("recovery_codes", "user_id"),
    ("password_resets", "user_id"),  # the links and cards to choose a new password
    ("security_events", "user_id"),  # the security log's entries about the account
    ("once_requests", "user_id"),  # the requests remembered for a day (core/idempotency.py)
    ("inbox_reads", "user_id"),  # the news of "For me" the account has read (inbox/models.py)
    ("outbox_messages", "user_id"),  # the e-mails for the account (notifications/models.py)
    ("notification_digests", "user_id"),  # what its last digest counted
    ("observer_scopes", "user_id"),  # what the account observes (parcours/observatory)
    ("statement_answers", "user_id"),  # an observer's answers to statements (parcours/statements)
    ("statements", "grouped_by_id"),  # the statements an observer grouped
    ("access_log_entries", "user_id"),  # the access log (with the rest of the periods)
    ("access_log_entries", "subject_id"),  # it names members only while they are members
}


def covered_columns() -> set[tuple[str, str]]:
    """Every (table, column) pointing at a member or a user that the document reads."""
    covered = set(USER_COLUMNS)
    for section in SECTIONS:
        covered |= section.covers
    return covered


# Building the document -------------------------------------------------------------------


def _access_log(user: User) -> list[dict]:
    """The log of each parcours over the user's membership (joined to left, or now), and
    every entry of their own. Before they joined and after they left, the reads and changes
    are the other members' business, not theirs: a member sees the log only while a member."""
    rows = db.session.execute(
        select(AccessLogEntry, User.stored_name, User.closed_at)
        .join(
            Member,
            and_(Member.parcours_id == AccessLogEntry.parcours_id, Member.user_id == user.id),
        )
        .join(User, User.id == AccessLogEntry.user_id)
        .where(
            or_(
                AccessLogEntry.user_id == user.id,
                and_(
                    AccessLogEntry.created_at >= Member.joined_at,
                    or_(Member.left_at.is_(None), AccessLogEntry.created_at <= Member.left_at),
                ),
            )
        )
        .order_by(AccessLogEntry.id)
    ).all()
    return AccessLogSchema(many=True).dump(
        {
            "parcours_id": entry.parcours_id,
            "at": entry.created_at,
            "who": account_name(name, closed_at),
            "by_you": entry.user_id == user.id,
            "access": entry.access.value,
            "event": entry.event,
            "subject": entry.subject_name,
            "detail": entry.shown_detail,
            "description": entry.description,
        }
        for entry, name, closed_at in rows
    )


def _people(member_ids: set[int]) -> dict[str, str]:
    """The names of the members the document's rows mention (the user too), by member id."""
    if not member_ids:
        return {}
    rows = db.session.execute(
        select(Member.id, User.stored_name, User.closed_at)
        .join(User, User.id == Member.user_id)
        .where(Member.id.in_(member_ids))
        .order_by(Member.id)
    )
    return {str(member_id): account_name(name, closed_at) for member_id, name, closed_at in rows}


def my_data(user: User, *, now: datetime | None = None) -> dict:
    """Everything the app holds about the user, as a JSON-ready document."""
    memberships = list(
        db.session.scalars(select(Member).where(Member.user_id == user.id).order_by(Member.id))
    )
    mine = {m.id: m for m in memberships}
    member_ids = list(mine)
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": (now or utcnow()).isoformat(),
        "account": AccountSchema().dump(user),
        "login_sessions": LoginSessionSchema(many=True).dump(
            db.session.scalars(
                select(LoginSession)
                .where(LoginSession.user_id == user.id)
                .order_by(LoginSession.id)
            )
        ),
        "api_tokens": ApiTokenSchema(many=True).dump(
            db.session.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            )
        ),
        "recovery_codes": RecoveryCodeSchema(many=True).dump(
            db.session.scalars(
                select(RecoveryCode)
                .where(RecoveryCode.user_id == user.id)
                .order_by(RecoveryCode.id)
            )
        ),
        "password_resets": PasswordResetSchema(many=True).dump(password_resets_of(user.id)),
        "security_log": SecurityEventSchema(many=True).dump(
            db.session.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.user_id == user.id)
                .order_by(SecurityEvent.id)
            )
        ),
        "news_read": InboxReadSchema(many=True).dump(
            db.session.scalars(
                select(InboxRead).where(InboxRead.user_id == user.id).order_by(InboxRead.read_at)
            )
        ),
        "emails": OutboxMessageSchema(many=True).dump(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.user_id == user.id)
                .order_by(OutboxMessage.id)
            )
        ),
        "digest": (
            DigestStateSchema().dump(digest)
            if (digest := db.session.get(DigestState, user.id)) is not None
            else None
        ),
        "requests_sent_once": OnceRequestSchema(many=True).dump(
            db.session.scalars(
                select(OnceRequest).where(OnceRequest.user_id == user.id).order_by(OnceRequest.id)
            )
        ),
        "observes": ObserverScopeSchema(many=True).dump(observer_scopes(user)),
        "statements_answered": ObserverAnswerSchema(many=True).dump(
            db.session.scalars(
                select(StatementAnswer)
                .where(StatementAnswer.user_id == user.id)
                .options(selectinload(StatementAnswer.statement))
                .order_by(StatementAnswer.id)
            )
        ),
        "statements_grouped": ObserverGroupingSchema(many=True).dump(
            db.session.scalars(
                select(Statement).where(Statement.grouped_by_id == user.id).order_by(Statement.id)
            )
        ),
        "memberships": MembershipSchema(many=True).dump(memberships),
    }
    mentioned: set[int] = set()
    for section in SECTIONS:
        records = []
        if member_ids:
            schema = section.schema()
            for row in db.session.scalars(section.query(member_ids)).unique():
                record = {
                    "parcours_id": section.parcours_of(row, mine),
                    "your_part": section.parts(row, mine),
                    **schema.dump(row),
                }
                mentioned |= {getattr(row, name) for name in section.columns} - {None}
                mentioned |= {m.id for m in section.linked_members(row)}
                records.append(record)
        document[section.key] = records
    document["people"] = _people(mentioned)
    document["access_log"] = _access_log(user) if member_ids else []
    return document


def record_export(user: User) -> None:
    """Write the download to the access log of every parcours the document covers."""
    parcours_ids = db.session.scalars(
        select(Member.parcours_id)
        .where(Member.user_id == user.id)
        .distinct()
        .order_by(Member.parcours_id)
    ).all()
    record_reads(list(parcours_ids), user, "my_data")
