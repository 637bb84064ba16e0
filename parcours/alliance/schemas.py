"""API schemas for voices and the objective."""

from marshmallow import Schema, fields, validate

from parcours.alliance.models import TEXT_MAX
from parcours.core.fields import Id, Number
from parcours.plans.schemas import MemberSchema

_text = validate.Length(max=TEXT_MAX)


class VoiceInputSchema(Schema):
    matters = fields.String(load_default="", validate=_text)
    hopes = fields.String(load_default="", validate=_text)
    worries = fields.String(load_default="", validate=_text)
    help_me = fields.String(load_default="", validate=_text)
    # Write the voice of this member (the person) on their behalf.
    on_behalf_of = Id(load_default=None, allow_none=True)
    # The version the edit is based on; when given, a newer save in between is refused.
    base_number = Number(load_default=None, allow_none=True)


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
    version = fields.Function(lambda a: a.version.number)
    created_at = fields.AwareDateTime()


class DisagreementInputSchema(Schema):
    comment = fields.String(load_default="", validate=_text)


class DisagreementSchema(Schema):
    member = fields.Nested(MemberSchema)
    version = fields.Function(lambda d: d.version.number)
    comment = fields.String()
    created_at = fields.AwareDateTime()
