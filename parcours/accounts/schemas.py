"""API schemas for accounts."""

from marshmallow import Schema, fields, validate


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class TokenSchema(Schema):
    token = fields.String(
        metadata={"description": "Send it as `Authorization: Bearer <token>`; shown only once."}
    )


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    is_professional = fields.Boolean()
    organisation = fields.Nested(OrganisationSchema, allow_none=True)
    function = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
