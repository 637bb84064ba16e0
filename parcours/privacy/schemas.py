"""API schemas for closing an account."""

from marshmallow import Schema, fields, validate


class CloseAccountSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))
