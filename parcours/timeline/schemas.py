"""API schemas for episodes, hand-offs, flags and the caseload."""

from marshmallow import Schema, fields, validate

from parcours.core.fields import INT_MAX, Computed, Id, Number
from parcours.core.models import NAME_MAX, TEXT_MAX
from parcours.plans.models import Role
from parcours.plans.schemas import MemberSchema
from parcours.timeline.awaiting import AWAITING_KINDS
from parcours.timeline.checks import FlagKind, Severity
from parcours.timeline.models import (
    DeclinedBy,
    EpisodeKind,
    HandoffEventKind,
    HandoffStatus,
)
from parcours.timeline.snapshots import CASELOAD_ORDERS

_name = validate.Length(max=NAME_MAX)
SEVERITIES = [severity.label for severity in Severity]
# Ids fit a 32-bit column: larger numbers would overflow the database driver.


class EpisodeInputSchema(Schema):
    organisation = fields.String(load_default=None, allow_none=True, validate=_name)
    kind = fields.Enum(EpisodeKind, by_value=True, required=True)
    label = fields.String(load_default="", allow_none=True, validate=validate.Length(max=NAME_MAX))
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None, allow_none=True)
    referent_member_id = Id(load_default=None, allow_none=True)
    # For a pause: the person chose it and agrees to it.
    person_agreed = fields.Boolean(load_default=False)


class PersonConfirmationSchema(Schema):
    """A fact that is the person's (they took part in the transition, they chose the pause):
    who declared it, and what the person, or their legal representative, answered. It counts
    only once confirmed."""

    state = fields.String(
        metadata={
            "enum": ["not_declared", "awaiting_person", "confirmed", "refused"],
            "description": "awaiting_person: declared, not yet confirmed; refused: the "
            "person said no.",
        }
    )
    summary = fields.String(
        allow_none=True,
        metadata={"description": 'e.g. "declared by Claire, not yet confirmed by Thomas".'},
    )
    declared_by = fields.Nested(MemberSchema, attribute="person_declared_by", allow_none=True)
    declared_at = fields.AwareDateTime(attribute="person_declared_at", allow_none=True)
    confirmed = fields.Boolean(attribute="person_confirmed", allow_none=True)
    confirmed_by = fields.Nested(MemberSchema, attribute="person_confirmed_by", allow_none=True)
    confirmed_at = fields.AwareDateTime(attribute="person_confirmed_at", allow_none=True)


class PersonConfirmationInputSchema(Schema):
    """The person's (or their legal representative's) answer: yes (true) or no (false)."""

    confirmed = fields.Boolean(required=True)


class EpisodeSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(EpisodeKind, by_value=True)
    organisation = Computed(
        lambda e: e.organisation.name if e.organisation else None, "string", nullable=True
    )
    label = fields.String()
    display_label = fields.String()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    referent_member_id = fields.Integer(allow_none=True)
    person_agreed = fields.Boolean()
    # For a pause: whether the person confirmed they chose it (null for a service).
    person_confirmation = fields.Nested(PersonConfirmationSchema, allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    # An edit sends it back as `base_revision`: a change saved in between is refused.
    revision = fields.Integer()


class EpisodeDeletionSchema(Schema):
    """Why an episode entered by mistake is deleted (kept with who and when)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class EpisodePatchSchema(Schema):
    """The fields to change (the others keep their values) and the revision the edit started
    from: without it a 428, and a change saved in between refuses the edit (409)."""

    organisation = fields.String(allow_none=True, validate=_name)
    kind = fields.Enum(EpisodeKind, by_value=True)
    label = fields.String(allow_none=True, validate=validate.Length(max=NAME_MAX))
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    referent_member_id = Id(allow_none=True)
    person_agreed = fields.Boolean()
    base_revision = Number(required=True)


class HandoffInputSchema(Schema):
    from_episode_id = Id(required=True)
    to_episode_id = Id(load_default=None, allow_none=True)
    receiving_organisation = fields.String(load_default=None, allow_none=True, validate=_name)
    to_person_and_family = fields.Boolean(load_default=False)
    person_involved = fields.Boolean(load_default=False)
    services_in_contact = fields.Boolean(load_default=False)
    meaning_note = fields.String(
        load_default="", allow_none=True, validate=validate.Length(max=TEXT_MAX)
    )


class ByPhoneSchema(Schema):
    """An answer given by phone, recorded by the pilot: who answered."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))


class HandoffPatchSchema(Schema):
    """Every field optional: the receiving side, the checklist, and/or a new status."""

    to_episode_id = Id(allow_none=True)
    receiving_organisation = fields.String(allow_none=True, validate=_name)
    to_person_and_family = fields.Boolean()
    person_involved = fields.Boolean()
    services_in_contact = fields.Boolean()
    meaning_note = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))
    status = fields.Enum(HandoffStatus, by_value=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))
    declined_by = fields.Enum(DeclinedBy, by_value=True, allow_none=True)
    # With `accepted` or `declined`: the pilot records an answer the receiving service gave
    # by phone (`{"name": "Claire Roy"}`: who answered). Anyone else but a member of the
    # receiving side gets 403 `not_receiving_service`.
    by_phone = fields.Nested(ByPhoneSchema)
    # The `revision` the edit started from (required: 428 without it): a change saved in
    # between is refused (409).
    base_revision = Number(required=True)


class HandoffEventSchema(Schema):
    kind = fields.Enum(HandoffEventKind, by_value=True)
    member = fields.Nested(MemberSchema)
    at = fields.AwareDateTime(attribute="created_at")
    decline_reason = fields.String(allow_none=True)
    declined_by = fields.Enum(DeclinedBy, by_value=True, allow_none=True)
    person_involved = fields.Boolean(allow_none=True)
    services_in_contact = fields.Boolean(allow_none=True)
    meaning_note = fields.String(allow_none=True)
    # An answer given by phone: who answered (`member` is the pilot who recorded it).
    answered_by = fields.String(allow_none=True)
    # An answer through an answer link: the function and organisation the professional gave,
    # and what they said (`member` is who created the link).
    through_link = Computed(lambda e: e.answer_link_id is not None, "boolean")
    answer_function = fields.String(allow_none=True)
    answer_organisation = fields.String(allow_none=True)
    approves_objective = fields.Boolean(allow_none=True)
    in_contact = fields.Boolean(allow_none=True)
    # A "person_confirmed" step: what the person (or their legal representative) answered.
    person_confirmed = fields.Boolean(allow_none=True)


class AnswerLinkSchema(Schema):
    """The link to give the receiving service, shown once."""

    url = fields.String()
    expires_at = fields.AwareDateTime()
    waiting_for_consent = fields.String(
        allow_none=True,
        metadata={
            "description": "What the link waits for before it opens (the person's consent to "
            "share the plan with the receiving organisation), or null."
        },
    )


class AnswerContactSchema(Schema):
    name = fields.String()
    organisation = fields.String(allow_none=True)


class AnswerLinkViewSchema(Schema):
    """All an answer link shows of the plan: what the hand-off carries."""

    receiving_organisation = fields.String()
    objective = Computed(
        lambda v: v.objective.text if v.objective else None, "string", nullable=True
    )
    meaning_note = Computed(lambda v: v.handoff.meaning_note, "string")
    contact = Computed(
        lambda v: {
            "name": v.contact.name,
            "organisation": v.contact.organisation.name if v.contact.organisation else None,
        },
        "object",
    )
    expires_at = fields.AwareDateTime()


class AnswerInputSchema(Schema):
    """The receiving professional's answer through the link."""

    status = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))
    reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX)
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    function = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    organisation = fields.String(load_default=None, allow_none=True, validate=_name)
    approves_objective = fields.Boolean(required=True)
    in_contact = fields.Boolean(required=True)


class AnswerDoneSchema(Schema):
    status = fields.String()
    answered_by = fields.String()


class HandoffSchema(Schema):
    id = fields.Integer()
    from_episode_id = fields.Integer()
    to_episode_id = fields.Integer(allow_none=True)
    receiving_organisation = Computed(
        lambda h: o.name if (o := h.receiving_organisation_in_effect) else None,
        "string",
        nullable=True,
    )
    to_person_and_family = fields.Boolean(attribute="receives_person_and_family")
    receiving_label = fields.String()
    status = fields.Enum(HandoffStatus, by_value=True)
    proposed_on = fields.Date()
    # As declared by a member; it counts once the person confirms (`person_confirmation`,
    # and `relais.person`).
    person_involved = fields.Boolean()
    person_confirmation = fields.Nested(PersonConfirmationSchema)
    # The objective version in force when the hand-off was accepted (or completed): its
    # "objective passed on" is judged against it. Null while proposed.
    objective_version_id = fields.Integer(allow_none=True)
    services_in_contact = fields.Boolean()
    meaning_note = fields.String()
    decline_reason = fields.String(allow_none=True)
    declined_by = fields.Enum(DeclinedBy, by_value=True, allow_none=True)
    created_by_id = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    events = fields.List(fields.Nested(HandoffEventSchema))


class AcknowledgementSchema(Schema):
    by = fields.String(metadata={"description": "Who answered, as the reader sees them."})
    at = fields.Date(attribute="on")
    note = fields.String()


class FlagSchema(Schema):
    key = Computed(
        lambda f: f.key,
        "string",
        description="What the flag is about, stable from one day to the next, e.g. "
        "`rupture-e3` (the rupture after episode 3), `missing_relais_de_sens-h12`.",
    )
    kind = fields.Enum(FlagKind, by_value=True)
    past = Computed(
        lambda f: f.is_past,
        "boolean",
        description="A rupture that has ended: listed after every open flag.",
    )
    severity = Computed(lambda f: f.severity.label, "string", enum=SEVERITIES)
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)
    days = fields.Integer(allow_none=True)
    episode_id = Computed(
        lambda f: f.episode_ids[0] if f.episode_ids else None, "integer", nullable=True
    )
    episode_ids = fields.List(fields.Integer())
    handoff_id = fields.Integer(allow_none=True)
    means_id = fields.Integer(allow_none=True)
    commitment_id = fields.Integer(allow_none=True)
    missing = fields.List(fields.String())
    acknowledged = fields.Nested(
        AcknowledgementSchema,
        allow_none=True,
        metadata={"description": "The answer a member gave to the flag (null while open)."},
    )


class CaseloadEntrySchema(Schema):
    id = fields.Integer(attribute="parcours_id")
    person_name = fields.String()
    role = fields.Enum(Role, by_value=True)
    closed_on = fields.Date(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    flag_count = fields.Integer()
    highest_severity = Computed(
        lambda e: e.highest_severity.label if e.highest_severity else None,
        "string",
        nullable=True,
        enum=[*SEVERITIES, None],
    )
    ongoing_rupture = fields.Boolean()
    current_services = fields.List(fields.String())
    last_handoff_on = fields.Date(allow_none=True)
    days_since_last_handoff = fields.Integer(allow_none=True)
    answered = fields.Integer(metadata={"description": "Flags answered (not in `counts`)."})
    awaiting = Computed(
        lambda e: sorted(e.awaiting),
        "array",
        items={"type": "string", "enum": list(AWAITING_KINDS)},
        description="What waits for your own answer in this plan.",
    )
    changed_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the plan last changed."}
    )


class EpisodeListSchema(Schema):
    episodes = fields.List(fields.Nested(EpisodeSchema))


class HandoffOutSchema(HandoffSchema):
    # An edit may send it back as `base_revision`: a change saved in between is refused.
    revision = fields.Integer()
    relais = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(),
        metadata={"description": "The four elements of the relais de sens, each present or not."},
    )
    missing = fields.List(fields.String())


class AcknowledgementInputSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class HandoffListSchema(Schema):
    handoffs = fields.List(fields.Nested(HandoffOutSchema))


class FlagOutSchema(FlagSchema):
    message = fields.String()
    next_step = fields.String()


class FlagListSchema(Schema):
    today = fields.Date()
    flags = fields.List(fields.Nested(FlagOutSchema))


class FlagsQuerySchema(Schema):
    today = fields.Date(metadata={"description": "The day to look from (default: today)."})


class CaseloadSchema(Schema):
    parcours = fields.List(fields.Nested(CaseloadEntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


class CaseloadQuerySchema(Schema):
    kind = fields.Enum(
        FlagKind, by_value=True, metadata={"description": "Only those with a flag of this kind."}
    )
    page = fields.Integer(validate=validate.Range(min=1), metadata={"description": "100 a page."})
    q = fields.String(
        validate=validate.Length(max=60),
        metadata={"description": "Only those whose person's name holds these words."},
    )
    organisation = fields.Integer(
        validate=validate.Range(min=1, max=INT_MAX),
        metadata={"description": "Only those where this organisation takes part."},
    )
    awaiting = fields.String(
        validate=validate.OneOf(["me"]),
        metadata={"description": "`me`: only those where something waits for your answer."},
    )
    order = fields.String(
        validate=validate.OneOf(list(CASELOAD_ORDERS)),
        metadata={"description": "`urgency` (the default), `activity` or `name`."},
    )
