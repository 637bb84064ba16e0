"""API schemas for voices and the objective."""

from marshmallow import Schema, fields, validate

from parcours.core.fields import Computed, Id, Number
from parcours.core.models import TEXT_MAX
from parcours.plans.schemas import MemberSchema

_text = validate.Length(max=TEXT_MAX)


class VoiceInputSchema(Schema):
    matters = fields.String(load_default="", validate=_text)
    hopes = fields.String(load_default="", validate=_text)
    worries = fields.String(load_default="", validate=_text)
    help_me = fields.String(load_default="", validate=_text)
    # Write the voice of this member (the person) on their behalf.
    on_behalf_of = Id(load_default=None, allow_none=True)
    # The version the edit is based on (0 for a first voice; required, 428 without it): a
    # newer save in between is refused.
    base_number = Number(required=True)


class VoiceSchema(Schema):
    number = fields.Integer()
    matters = fields.String()
    hopes = fields.String()
    worries = fields.String()
    help_me = fields.String()
    author = fields.Nested(MemberSchema)
    on_behalf = fields.Boolean()
    created_at = fields.AwareDateTime()


class VersionInputSchema(Schema):
    text = fields.String(required=True, validate=[validate.Length(min=1, max=TEXT_MAX)])
    perimeter_in = fields.String(load_default="", validate=_text)
    perimeter_out = fields.String(load_default="", validate=_text)
    indicators = fields.String(load_default="", validate=_text)
    base_version = Number(required=True)
    on_behalf_of = Id(load_default=None, allow_none=True)


class VersionSchema(Schema):
    number = fields.Integer()
    text = fields.String()
    perimeter_in = fields.String()
    perimeter_out = fields.String()
    indicators = fields.String()
    author = fields.Nested(MemberSchema)
    on_behalf_of = fields.Nested(MemberSchema, allow_none=True)
    created_at = fields.AwareDateTime()
    agreed_at = fields.AwareDateTime(allow_none=True)


class ApprovalSchema(Schema):
    member = fields.Nested(MemberSchema)
    version = Computed(lambda a: a.version.number, "integer")
    created_at = fields.AwareDateTime()


class DisagreementInputSchema(Schema):
    comment = fields.String(load_default="", validate=_text)


class DisagreementSchema(Schema):
    member = fields.Nested(MemberSchema)
    version = Computed(lambda d: d.version.number, "integer")
    comment = fields.String()
    created_at = fields.AwareDateTime()


class MemberVoiceSchema(Schema):
    member = fields.Nested(MemberSchema)
    voice = fields.Nested(VoiceSchema, allow_none=True)


class VoiceListSchema(Schema):
    voices = fields.List(fields.Nested(MemberVoiceSchema))


class MissingApprovalSchema(MemberSchema):
    """A member whose approval is awaited: `each` person and family member must approve,
    `one_professional` of these is enough."""

    required = fields.String(validate=validate.OneOf(["each", "one_professional"]))


class ObjectiveSchema(Schema):
    in_force = fields.Nested(VersionSchema, allow_none=True)
    latest = fields.Nested(VersionSchema, allow_none=True)
    agreed = fields.Boolean()
    approvals = fields.List(fields.Nested(ApprovalSchema))
    missing_approvals = fields.List(fields.Nested(MissingApprovalSchema))
    disagreements = fields.List(fields.Nested(DisagreementSchema))
    professional_approval_missing = fields.Boolean()


class VersionListSchema(Schema):
    versions = fields.List(fields.Nested(VersionSchema))


class ApprovalResultSchema(Schema):
    approval = fields.Nested(ApprovalSchema)
    message = fields.String()
    objective = fields.Nested(ObjectiveSchema)
