"""API schemas for means, stances, decisions, commitments and reviews."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from parcours.core.fields import Computed, Id, Number
from parcours.core.models import NAME_MAX, TEXT_MAX, today
from parcours.means.models import (
    ACTION_MAX,
    CARRIED_BY_MAX,
    Category,
    ChangeKind,
    MeansStatus,
    Outcome,
    StanceValue,
)
from parcours.plans.schemas import MemberSchema

_text = validate.Length(max=TEXT_MAX)


# Input -------------------------------------------------------------------------------------


class MeansInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    description = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    carried_by = fields.String(required=True, validate=validate.Length(min=1, max=CARRIED_BY_MAX))
    category = fields.Enum(Category, by_value=True, load_default=None, allow_none=True)
    # Propose it for the person (their member id), and say so.
    on_behalf_of = Id(load_default=None, allow_none=True)


class StanceInputSchema(Schema):
    stance = fields.Enum(StanceValue, by_value=True, required=True)
    comment = fields.String(load_default="", validate=_text)
    # Record the person's stance (their member id) on their behalf.
    on_behalf_of = Id(load_default=None, allow_none=True)


class DecisionInputSchema(Schema):
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    # Member ids of who took part; by default those with a stance (and the pilot).
    participants = fields.List(Id(), load_default=None, validate=validate.Length(max=500))


class CommitmentInputSchema(Schema):
    means_id = Id(required=True)
    member_id = Id(required=True)
    action = fields.String(required=True, validate=validate.Length(min=1, max=ACTION_MAX))
    due_on = fields.Date(required=True)


class CommitmentPatchSchema(Schema):
    """Mark it kept (`status`), or give it a new date (`due_on`) or another member
    (`member_id`), with an optional `reason`: one or the other, not both."""

    status = fields.String(load_default=None, validate=validate.OneOf(["kept"]))
    due_on = fields.Date(load_default=None)
    member_id = Id(load_default=None)
    reason = fields.String(load_default="", validate=_text)
    # The `revision` the edit started from (required: 428 without it).
    base_revision = Number(required=True)

    @validates_schema
    def _one_change(self, data, **_kwargs):
        if data.get("status") and (data.get("due_on") or data.get("member_id")):
            raise ValidationError("Mark it kept, or change it: not both at once.", "status")


class CommitmentReasonSchema(Schema):
    """Why a commitment is cancelled, or deleted as entered by mistake."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    # The `revision` the change started from; when given, a change in between is a 409.
    base_revision = Number(load_default=None, allow_none=True)


class BaseRevisionSchema(Schema):
    # The `revision` the change started from; when given, a change in between is a 409.
    base_revision = Number(load_default=None, allow_none=True)


class DeletionSchema(Schema):
    """Why a record entered by mistake is deleted (kept with who and when)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class AssessmentInputSchema(Schema):
    indicator = fields.String(required=True, validate=validate.Length(max=500))
    assessment = fields.String(load_default="", validate=_text)


class ReviewInputSchema(Schema):
    held_on = fields.Date(required=True)
    # The objective version reviewed; when given, it must still be the one in force.
    objective_version = Number(load_default=None, allow_none=True)
    assessments = fields.List(
        fields.Nested(AssessmentInputSchema), load_default=list, validate=validate.Length(max=100)
    )
    what_to_change = fields.String(load_default="", validate=_text)
    view = fields.String(load_default="", validate=_text)


class ReviewCommentInputSchema(Schema):
    view = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    on_behalf_of = Id(load_default=None, allow_none=True)


# Output ------------------------------------------------------------------------------------


class StanceSchema(Schema):
    member = fields.Nested(MemberSchema)
    stance = fields.Enum(StanceValue, by_value=True, attribute="value")
    comment = fields.String()
    author = fields.Nested(MemberSchema)
    on_behalf = fields.Boolean()
    created_at = fields.AwareDateTime()


class DecisionSchema(Schema):
    id = fields.Integer()
    outcome = fields.Enum(Outcome, by_value=True)
    rationale = fields.String()
    decided_by = fields.Nested(MemberSchema)
    participants = fields.List(fields.Nested(MemberSchema))
    created_at = fields.AwareDateTime()


class CommitmentChangeSchema(Schema):
    """One correction of a commitment: who, when, what before and after, why."""

    kind = fields.Enum(ChangeKind, by_value=True)
    member = fields.Nested(MemberSchema, metadata={"description": "Who made the change."})
    before = fields.String(
        metadata={"description": "An ISO date (new date), a member id (reassigned), the kept time"}
    )
    after = fields.String()
    reason = fields.String()
    created_at = fields.AwareDateTime()


def _status(commitment) -> str:
    if commitment.is_cancelled:
        return "cancelled"
    if commitment.is_kept:
        return "kept"
    return "overdue" if commitment.is_overdue(today()) else "to_do"


class CommitmentSchema(Schema):
    id = fields.Integer()
    parcours_id = fields.Integer()
    means_id = fields.Integer()
    means_title = Computed(lambda c: c.means.title, "string")
    member = fields.Nested(MemberSchema)
    action = fields.String()
    due_on = fields.Date()
    status = Computed(_status, "string", enum=["kept", "overdue", "to_do", "cancelled"])
    overdue = Computed(lambda c: c.is_overdue(today()), "boolean")
    kept_at = fields.AwareDateTime(allow_none=True)
    # An edit sends it back as `base_revision`: one more at every change.
    revision = fields.Integer()
    kept_late = fields.Boolean()
    kept_by = fields.Nested(MemberSchema, allow_none=True)
    # The last day "kept" can be undone (null while not kept).
    undo_kept_until = Computed(
        lambda c: (until := c.undo_kept_until()) and until.isoformat(),
        "string",
        nullable=True,
        format="date",
    )
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancelled_by = fields.Nested(MemberSchema, allow_none=True)
    cancellation_reason = fields.String(allow_none=True)
    created_by = fields.Nested(MemberSchema)
    created_at = fields.AwareDateTime()


class CommitmentWithHistorySchema(CommitmentSchema):
    history = fields.List(fields.Nested(CommitmentChangeSchema), attribute="changes")


class MeansSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    carried_by = fields.String()
    category = fields.Enum(Category, by_value=True, allow_none=True)
    status = fields.Enum(MeansStatus, by_value=True)
    author = fields.Nested(MemberSchema)
    on_behalf_of = fields.Nested(MemberSchema, allow_none=True)
    created_at = fields.AwareDateTime()


class AssessmentSchema(Schema):
    indicator = fields.String()
    assessment = fields.String()


class ReviewCommentSchema(Schema):
    member = fields.Nested(MemberSchema)
    view = fields.String()
    author = fields.Nested(MemberSchema)
    on_behalf = fields.Boolean()
    created_at = fields.AwareDateTime()


class ReviewSchema(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    objective_version = fields.Integer(attribute="objective_number")
    what_to_change = fields.String()
    created_by = fields.Nested(MemberSchema)
    created_at = fields.AwareDateTime()


class ReviewDetailSchema(ReviewSchema):
    assessments = fields.List(fields.Nested(AssessmentSchema))
    views = fields.List(fields.Nested(ReviewCommentSchema))


class MeansWithStancesSchema(MeansSchema):
    stances = fields.List(fields.Nested(StanceSchema))


class MeansRowSchema(MeansWithStancesSchema):
    """A row of the negotiation table: each current member's current stance."""

    diverges = fields.Boolean()


class NegotiationTableSchema(Schema):
    objective_agreed = fields.Boolean()
    members = fields.List(fields.Nested(MemberSchema))
    means = fields.List(fields.Nested(MeansRowSchema))


class MeansDetailSchema(MeansSchema):
    """A proposal with its whole history."""

    stance_history = fields.List(fields.Nested(StanceSchema), attribute="stances")
    decisions = fields.List(fields.Nested(DecisionSchema))
    commitments = fields.List(fields.Nested(CommitmentSchema))


class DecisionOutSchema(DecisionSchema):
    means = fields.Nested(MeansSchema)


class TrustSchema(Schema):
    """A member's record of commitments."""

    member = fields.Nested(MemberSchema)
    kept = fields.Integer()
    kept_late = fields.Integer()
    overdue = fields.Integer()
    to_do = fields.Integer(attribute="upcoming")


class CommitmentListSchema(Schema):
    commitments = fields.List(fields.Nested(CommitmentWithHistorySchema))
    mine = fields.List(fields.Integer(), metadata={"description": "The ids of one's own."})
    members = fields.List(fields.Nested(TrustSchema))


class MyCommitmentsSchema(Schema):
    commitments = fields.List(fields.Nested(CommitmentSchema))


class ReviewListSchema(Schema):
    reviews = fields.List(fields.Nested(ReviewSchema))
