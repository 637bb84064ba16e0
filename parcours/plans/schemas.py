"""API schemas for parcours, members, invitations and the access log."""

from marshmallow import Schema, fields, validate

from parcours.core.audit import Access
from parcours.core.fields import Computed, Id, Number
from parcours.core.models import NAME_MAX, TEXT_MAX
from parcours.plans.models import ConsentEventKind, ConsentStatus, Role, SettingsChangeKind
from parcours.plans.operations import PERSON_NAME_MAX, REASON_MAX


class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.Enum(Role, by_value=True)
    organisation = Computed(
        lambda m: m.organisation.name if m.organisation else None, "string", nullable=True
    )
    function = fields.String(allow_none=True)
    is_pilot = fields.Boolean()
    is_legal_representative = fields.Boolean()
    joined_at = fields.AwareDateTime()


class ParcoursSchema(Schema):
    id = fields.Integer()
    person_name = fields.String()
    tolerance_days = fields.Integer()
    closed_on = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime()
    observatory_opt_out = fields.Boolean(
        metadata={
            "description": "true: the person (or their legal representative) left the plan out "
            "of every figure of the observatory."
        }
    )


class ParcoursSeenSchema(ParcoursSchema):
    """A parcours as its member sees it: with their own membership and the pilot."""

    me = fields.Nested(MemberSchema)
    pilot = fields.Nested(MemberSchema, allow_none=True)


class SettingsChangeSchema(Schema):
    """A change of the rules of the plan: the tolerance (days), a closing (its date), a
    reopening, a request to close and its answer."""

    id = fields.Integer()
    kind = fields.Enum(SettingsChangeKind, by_value=True)
    at = fields.AwareDateTime(attribute="created_at")
    member_id = fields.Integer(metadata={"description": "Who made the change (a member)."})
    by = Computed(lambda c: c.member.name, "string")
    old_value = fields.String(
        allow_none=True,
        metadata={"description": "The tolerance before (days), or the closing date reopened."},
    )
    new_value = fields.String(
        allow_none=True,
        metadata={"description": "The tolerance after (days), or the closing date asked."},
    )
    reason = fields.String(
        allow_none=True,
        metadata={"description": "Why (none for a confirmation, or before reasons were asked)."},
    )


class ClosingSchema(Schema):
    """The pilot's request to close the plan, waiting for the person's (or their legal
    representative's) answer."""

    id = fields.Integer(metadata={"description": "Send it back as `request_id` to answer."})
    closed_on = fields.Date(attribute="closing_date")
    reason = fields.String()
    requested_by = Computed(lambda c: c.member.name, "string")
    requested_at = fields.AwareDateTime(attribute="created_at")


class ParcoursOutSchema(ParcoursSeenSchema):
    """One parcours, with the revisions an edit of its settings or pilot sends back, the
    request to close it waiting for an answer, and the history of its rules."""

    closing = fields.Nested(
        ClosingSchema,
        allow_none=True,
        metadata={"description": "The pending request to close the plan, or null."},
    )
    settings_changes = fields.List(fields.Nested(SettingsChangeSchema))

    revision = fields.Integer(
        metadata={"description": "The settings' revision: send it back as `base_revision`."}
    )
    pilot_revision = fields.Integer(
        metadata={
            "description": "The pilot designation's revision: send it back as `base_revision` "
            "when designating the pilot."
        }
    )


class MemberListSchema(Schema):
    members = fields.List(fields.Nested(MemberSchema))


class ParcoursCreateSchema(Schema):
    person_name = fields.String(load_default="", validate=validate.Length(max=PERSON_NAME_MAX))
    role = fields.Enum(Role, by_value=True, required=True)
    organisation = fields.String(load_default=None, validate=validate.Length(max=NAME_MAX))
    function = fields.String(load_default=None, validate=validate.Length(max=80))


class ParcoursPatchSchema(Schema):
    base_revision = Number(
        required=True,
        metadata={"description": "The parcours' `revision` the edit starts from."},
    )
    tolerance_days = fields.Integer(validate=validate.Range(min=1, max=365))
    closed_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "A date asks to close the plan (it closes once the person or their "
            "legal representative confirms); null reopens it."
        },
    )
    reason = fields.String(
        validate=validate.Length(max=TEXT_MAX),
        metadata={"description": "Why: required with `tolerance_days` or `closed_on`."},
    )


class ClosingAnswerSchema(Schema):
    request_id = Id(
        required=True,
        metadata={"description": "The `closing.id` of the request answered."},
    )
    confirmed = fields.Boolean(required=True)
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=TEXT_MAX),
        metadata={"description": "Why not (optional, when refusing)."},
    )


class InvitationCreateSchema(Schema):
    role = fields.Enum(Role, by_value=True, required=True)
    organisation = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=NAME_MAX),
        metadata={
            "description": "The organisation of the professional invited (required for a "
            "professional): when the plan is not shared with it yet, the person's consent is "
            "asked, and the invitation waits for it."
        },
    )
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    is_legal_representative = fields.Boolean(load_default=False)


class InvitationSchema(Schema):
    """A new invitation; its token (and the link) are given only once."""

    id = fields.Integer()
    token = fields.String()
    url = fields.Url()
    role = fields.Enum(Role, by_value=True)
    organisation = Computed(
        lambda i: i.organisation.name if i.organisation else None, "string", nullable=True
    )
    waiting_for_consent = fields.String(
        allow_none=True,
        metadata={"description": "What the invitation waits for (the person's consent), or null."},
    )
    expires_at = fields.AwareDateTime()


class ResetCardSchema(Schema):
    """A card to choose a new password: its link (for the QR code), given only once."""

    url = fields.String()
    expires_at = fields.AwareDateTime()


class ConsentEventSchema(Schema):
    kind = fields.Enum(ConsentEventKind, by_value=True)
    at = fields.AwareDateTime(attribute="created_at")
    member_id = fields.Integer(
        allow_none=True, metadata={"description": "Who (null: recorded before consent was asked)."}
    )
    by = Computed(lambda e: e.member.name if e.member else None, "string", nullable=True)


class ConsentSchema(Schema):
    """The person's consent to share the plan with one organisation, and its history."""

    id = fields.Integer()
    organisation = Computed(lambda c: c.organisation.name, "string")
    status = fields.Enum(ConsentStatus, by_value=True)
    history = fields.List(fields.Nested(ConsentEventSchema), attribute="events")


class ConsentListSchema(Schema):
    consents = fields.List(fields.Nested(ConsentSchema))


class ConsentAnswerSchema(Schema):
    given = fields.Boolean(
        required=True,
        metadata={
            "description": "true gives the consent; false refuses it, or withdraws it once "
            "given (the organisation's members then leave the plan)."
        },
    )


class MembershipSchema(Schema):
    """The parcours one has just joined, and one's membership."""

    parcours = fields.Nested(ParcoursSchema)
    me = fields.Nested(MemberSchema)


class RemovalSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "Why the member is removed (kept in the access log)."},
    )


class PilotSchema(Schema):
    base_revision = Number(
        required=True,
        metadata={"description": "The parcours' `pilot_revision` the choice starts from."},
    )
    member_id = Id(required=True)


class AccessLogEntrySchema(Schema):
    at = fields.AwareDateTime(attribute="created_at")
    user = Computed(lambda e: e.user.name, "string")
    access = fields.Enum(Access, by_value=True)
    event = fields.String()
    subject = fields.String(
        attribute="subject_name",
        allow_none=True,
        metadata={"description": "The member the entry is about, by their name today."},
    )
    detail = fields.String(attribute="shown_detail", allow_none=True)
    description = fields.String()


class AccessLogEntryOutSchema(AccessLogEntrySchema):
    id = fields.Integer()


class AccessLogSchema(Schema):
    entries = fields.List(fields.Nested(AccessLogEntryOutSchema))


class AccessLogQuerySchema(Schema):
    before = Id(metadata={"description": "Only the entries older than this one (its id)."})


class ObservatoryOptOutSchema(Schema):
    opt_out = fields.Boolean(
        required=True,
        metadata={
            "description": "true leaves the plan out of every figure of the observatory; false "
            "lets it count again."
        },
    )
