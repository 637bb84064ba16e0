"""API schemas of the observatory."""

from marshmallow import Schema, fields

from parcours.timeline.checks import RELAIS_ELEMENTS
from parcours.timeline.models import EpisodeKind

KINDS = [kind.value for kind in EpisodeKind]


class ScopeSchema(Schema):
    organisation_id = fields.Integer(metadata={"description": "Absent for a territory."})
    name = fields.String(metadata={"description": "The organisation's name."})
    territory = fields.String(metadata={"description": "The département code, e.g. 37."})


class FigureSchema(Schema):
    value = fields.Float(
        allow_none=True,
        metadata={
            "description": "null when withheld (drawn from fewer than 5 plans, or it "
            "would let a withheld figure be worked out), or when there is nothing to "
            "measure."
        },
    )
    plans = fields.Integer(
        allow_none=True, metadata={"description": "How many plans it is drawn from."}
    )
    suppressed = fields.Boolean()


def _figures(names, descriptions):
    return {
        name: fields.Nested(FigureSchema, metadata={"description": descriptions[name]})
        for name in names
    }


RUPTURES = {
    "plans_with_rupture": "Plans with a rupture (past or ongoing) in the period.",
    "days_median": "Days without accompaniment of those ruptures: the median.",
    "days_p90": "Days without accompaniment: the 90th percentile.",
    "ongoing": "Plans where nobody accompanies the person now.",
    "waiting_for_planned_service": "Plans waiting for a planned service (sans solution).",
    "waiting_days_median": "Days waited so far for that service: the median.",
}
PARTICIPATION = {
    "own_voice": "Plans where the person wrote their own voice.",
    "without_person": "Decisions in the period taken without the person's stance.",
    "over_objection": "Decisions in the period taken over an objection not heard.",
    "days_to_agreement": "Days from the objective's first version to its first agreed one "
    "(median).",
}

RupturesSchema = Schema.from_dict(_figures(RUPTURES, RUPTURES), name="RupturesSchema")
ParticipationSchema = Schema.from_dict(
    _figures(PARTICIPATION, PARTICIPATION), name="ParticipationSchema"
)
MissingSchema = Schema.from_dict(
    {element: fields.Nested(FigureSchema) for element in RELAIS_ELEMENTS}, name="MissingSchema"
)


class TransitionSchema(Schema):
    from_kind = fields.String(metadata={"enum": KINDS})
    to_kind = fields.String(
        allow_none=True,
        metadata={"enum": KINDS, "description": "null: the receiving side has no episode yet."},
    )
    count = fields.Nested(FigureSchema, metadata={"description": "Hand-offs made."})
    answered_in_time = fields.Nested(
        FigureSchema,
        metadata={"description": "Share answered within the plan's tolerance (0 to 1)."},
    )
    missing = fields.Nested(
        MissingSchema,
        metadata={"description": "Share lacking each element of the relais de sens."},
    )


class HandoffsSchema(Schema):
    transitions = fields.List(fields.Nested(TransitionSchema))
    total = fields.Nested(FigureSchema)


class CommitmentRowSchema(Schema):
    organisation_id = fields.Integer(
        allow_none=True, metadata={"description": "null: the person's and family's."}
    )
    name = fields.String(allow_none=True)
    count = fields.Nested(FigureSchema, metadata={"description": "Commitments due."})
    kept_on_time = fields.Nested(
        FigureSchema, metadata={"description": "Share kept on time (0 to 1)."}
    )


class CommitmentsSchema(Schema):
    organisations = fields.List(fields.Nested(CommitmentRowSchema))
    total = fields.Nested(FigureSchema)


class FiguresSchema(Schema):
    scope = fields.Nested(ScopeSchema)
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    plans = fields.Nested(FigureSchema, metadata={"description": "Plans in scope."})
    ruptures = fields.Nested(RupturesSchema)
    handoffs = fields.Nested(HandoffsSchema)
    commitments = fields.Nested(CommitmentsSchema)
    participation = fields.Nested(ParticipationSchema)


class ObservatorySchema(FiguresSchema):
    """Without a scope asked: only `scopes`; with one: its figures, without `scopes`."""

    scopes = fields.List(fields.Nested(ScopeSchema))


class ObservatoryQuerySchema(Schema):
    organisation = fields.Integer(metadata={"description": "One of your organisations."})
    territory = fields.String(metadata={"description": "One of your territories."})
    from_ = fields.Date(data_key="from", metadata={"description": "Default: a year before."})
    to = fields.Date(metadata={"description": "Default: today."})
