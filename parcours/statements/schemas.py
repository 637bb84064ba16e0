"""API schemas of the statements: the plan's view (with the signatures and the answers) and
the observer's (no name, no member, no plan)."""

from marshmallow import Schema, fields, validate

from parcours.core.fields import Computed, Id
from parcours.core.models import TEXT_MAX, local_date
from parcours.plans.schemas import MemberSchema
from parcours.statements.models import Side, StatementState

_text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


def _addressed_to(statement) -> dict:
    if statement.organisation is not None:
        return {"organisation_id": statement.organisation.id, "name": statement.organisation.name}
    return {"territory": statement.territory}


def _addressee():
    return Computed(
        _addressed_to,
        "object",
        description="The organisation (`organisation_id`, `name`) or the territory "
        "(`territory`, a département code) it is addressed to.",
    )


# Input -------------------------------------------------------------------------------------


class StatementInputSchema(Schema):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=TEXT_MAX),
        metadata={"description": "The unmet need or the proposal, in a few words (no names)."},
    )
    organisation_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "Address it to this organisation, or else…"},
    )
    territory = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=10),
        metadata={"description": "…to this territory (a département code: 37, 2A, 971)."},
    )


class StatementAnswerInputSchema(Schema):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=TEXT_MAX),
        metadata={"description": "The answer, which goes back to each plan of the group."},
    )


class StatementGroupInputSchema(Schema):
    with_ = Id(
        data_key="with",
        required=True,
        allow_none=True,
        metadata={
            "description": "Another statement you see, which says the same thing: this one "
            "joins its group. null: this one leaves its group."
        },
    )


class ObservedStatementQuerySchema(Schema):
    organisation = fields.Integer(metadata={"description": "One of your organisations."})
    territory = fields.String(metadata={"description": "One of your territories."})


# Output: the plan's view --------------------------------------------------------------------


class StatementSignatureSchema(Schema):
    member = fields.Nested(MemberSchema)
    side = fields.Enum(Side, by_value=True)
    signed_at = fields.AwareDateTime()


class StatementAnswerSchema(Schema):
    text = fields.String()
    answered_at = fields.AwareDateTime(attribute="created_at")
    by = Computed(lambda a: a.user.name, "string")


class StatementSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    addressed_to = _addressee()
    author = fields.Nested(MemberSchema, allow_none=True)
    state = fields.Enum(StatementState, by_value=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When both sides had signed: its observers read it since."},
    )
    signatures = fields.List(fields.Nested(StatementSignatureSchema))
    answers = fields.List(fields.Nested(StatementAnswerSchema))


class StatementListSchema(Schema):
    statements = fields.List(fields.Nested(StatementSchema))


# Output: the observer's view ---------------------------------------------------------------


class ObservedAnswerSchema(Schema):
    text = fields.String()
    on = Computed(lambda a: local_date(a.created_at).isoformat(), "string", format="date")


class ObservedStatementSchema(Schema):
    """What an observer reads of a statement: no name, no member, no plan."""

    id = fields.Integer()
    text = fields.String()
    addressed_to = _addressee()
    sent_on = Computed(
        lambda s: local_date(s.sent_at).isoformat(),
        "string",
        format="date",
        description="The day both sides had signed.",
    )
    group = fields.Integer(
        metadata={"description": "The statements that say the same thing share it."}
    )
    answers = fields.List(fields.Nested(ObservedAnswerSchema))


class ObservedStatementListSchema(Schema):
    statements = fields.List(fields.Nested(ObservedStatementSchema))
