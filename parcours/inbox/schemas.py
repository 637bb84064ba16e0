"""API schemas of the inbox."""

from marshmallow import Schema, fields

from parcours.timeline.awaiting import AWAITING_KINDS


class InboxItemSchema(Schema):
    id = fields.String(metadata={"description": "Stable while the thing waits."})
    kind = fields.String(metadata={"enum": list(AWAITING_KINDS)})
    parcours_id = fields.Integer()
    person_name = fields.String()
    url = fields.String(metadata={"description": "The page where it is done."})
    text = fields.String()
    created_at = fields.AwareDateTime(allow_none=True)
    read = fields.Boolean()


class InboxSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
