"""API schemas for the list of the user's parcours."""

from marshmallow import Schema, fields

from parcours.overview.summary import ObjectiveStatus
from parcours.plans.schemas import ParcoursSeenSchema


class ParcoursSummarySchema(ParcoursSeenSchema):
    member_count = fields.Integer()
    objective = fields.Enum(ObjectiveStatus, by_value=True)


class ParcoursListSchema(Schema):
    parcours = fields.List(fields.Nested(ParcoursSummarySchema))
