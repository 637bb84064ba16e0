"""API schemas for episodes, hand-offs, flags and the caseload."""

from marshmallow import Schema, fields, validate

from parcours.core.fields import Id, Number
from parcours.plans.models import Role
from parcours.plans.schemas import MemberSchema
from parcours.timeline.models import (
    LABEL_MAX,
    TEXT_MAX,
    DeclinedBy,
    EpisodeKind,
    HandoffEventKind,
    HandoffStatus,
)

_name = validate.Length(max=120)
# Ids fit a 32-bit column: larger numbers would overflow the database driver.


class EpisodeInputSchema(Schema):
    organisation = fields.String(load_default=None, allow_none=True, validate=_name)
    kind = fields.Enum(EpisodeKind, by_value=True, required=True)
    label = fields.String(load_default="", allow_none=True, validate=validate.Length(max=LABEL_MAX))
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None, allow_none=True)
    referent_member_id = Id(load_default=None, allow_none=True)
    # For a pause: the person chose it and agrees to it.
    person_agreed = fields.Boolean(load_default=False)


class EpisodeSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(EpisodeKind, by_value=True)
    organisation = fields.Function(lambda e: e.organisation.name if e.organisation else None)
    label = fields.String()
    display_label = fields.String()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    referent_member_id = fields.Integer(allow_none=True)
    person_agreed = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


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
    # The `revision` the edit started from (optional): a change saved in between is refused.
    base_revision = Number(allow_none=True)


class HandoffEventSchema(Schema):
    kind = fields.Enum(HandoffEventKind, by_value=True)
    member = fields.Nested(MemberSchema)
    at = fields.AwareDateTime(attribute="created_at")
    decline_reason = fields.String(allow_none=True)
    declined_by = fields.Enum(DeclinedBy, by_value=True, allow_none=True)
    person_involved = fields.Boolean(allow_none=True)
    services_in_contact = fields.Boolean(allow_none=True)
    meaning_note = fields.String(allow_none=True)


class HandoffSchema(Schema):
    id = fields.Integer()
    from_episode_id = fields.Integer()
    to_episode_id = fields.Integer(allow_none=True)
    receiving_organisation = fields.Function(
        lambda h: o.name if (o := h.receiving_organisation_in_effect) else None
    )
    to_person_and_family = fields.Boolean(attribute="receives_person_and_family")
    receiving_label = fields.String()
    status = fields.Enum(HandoffStatus, by_value=True)
    proposed_on = fields.Date()
    person_involved = fields.Boolean()
    services_in_contact = fields.Boolean()
    meaning_note = fields.String()
    decline_reason = fields.String(allow_none=True)
    declined_by = fields.Enum(DeclinedBy, by_value=True, allow_none=True)
    created_by_id = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    events = fields.List(fields.Nested(HandoffEventSchema))


class FlagSchema(Schema):
    kind = fields.Function(lambda f: f.kind.value)
    severity = fields.Function(lambda f: f.severity.label)
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)
    days = fields.Integer(allow_none=True)
    episode_id = fields.Function(lambda f: f.episode_ids[0] if f.episode_ids else None)
    episode_ids = fields.List(fields.Integer())
    handoff_id = fields.Integer(allow_none=True)
    means_id = fields.Integer(allow_none=True)
    commitment_id = fields.Integer(allow_none=True)
    missing = fields.List(fields.String())


class CaseloadEntrySchema(Schema):
    id = fields.Integer(attribute="parcours_id")
    person_name = fields.String()
    role = fields.Enum(Role, by_value=True)
    closed_on = fields.Date(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    flag_count = fields.Integer()
    highest_severity = fields.Function(
        lambda e: e.highest_severity.label if e.highest_severity else None
    )
    ongoing_rupture = fields.Boolean()
    current_services = fields.List(fields.String())
    last_handoff_on = fields.Date(allow_none=True)
    days_since_last_handoff = fields.Integer(allow_none=True)
