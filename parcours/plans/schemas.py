"""API schemas for parcours, members, invitations and the access log."""

from marshmallow import Schema, fields, validate

from parcours.core.fields import Id
from parcours.plans.models import Role
from parcours.plans.operations import PERSON_NAME_MAX


class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.Enum(Role, by_value=True)
    organisation = fields.Function(lambda m: m.organisation.name if m.organisation else None)
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


class ParcoursCreateSchema(Schema):
    person_name = fields.String(load_default="", validate=validate.Length(max=PERSON_NAME_MAX))
    role = fields.Enum(Role, by_value=True, required=True)
    organisation = fields.String(load_default=None, validate=validate.Length(max=120))
    function = fields.String(load_default=None, validate=validate.Length(max=80))


class ParcoursPatchSchema(Schema):
    tolerance_days = fields.Integer(validate=validate.Range(min=1, max=365))
    closed_on = fields.Date(allow_none=True)


class InvitationCreateSchema(Schema):
    role = fields.Enum(Role, by_value=True, required=True)
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    is_legal_representative = fields.Boolean(load_default=False)


class PilotSchema(Schema):
    member_id = Id(required=True)


class AccessLogEntrySchema(Schema):
    at = fields.AwareDateTime(attribute="created_at")
    user = fields.Function(lambda e: e.user.name)
    access = fields.Function(lambda e: e.access.value)
    event = fields.String()
    detail = fields.String(attribute="shown_detail", allow_none=True)
    description = fields.String()
