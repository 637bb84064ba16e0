"""API schemas of the inbox."""

from marshmallow import Schema, fields, validate

from parcours.inbox.news import NEWS_KINDS
from parcours.timeline.awaiting import AWAITING_KINDS


class InboxItemSchema(Schema):
    id = fields.String(metadata={"description": "Stable while the thing waits."})
    kind = fields.String(metadata={"enum": [*AWAITING_KINDS, *NEWS_KINDS]})
    parcours_id = fields.Integer()
    person_name = fields.String()
    url = fields.String(metadata={"description": "The page where it is done."})
    text = fields.String()
    created_at = fields.AwareDateTime(allow_none=True)
    read = fields.Boolean()


class InboxSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))


class MarkReadSchema(Schema):
    ids = fields.List(
        fields.String(validate=validate.Length(max=40)),
        validate=validate.Length(max=200),
        metadata={"description": "The news to mark read (default: every one shown)."},
    )
