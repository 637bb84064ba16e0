"""API schemas for the discussions: a comment written, edited, listed."""

from marshmallow import Schema, fields, validate

from parcours.core.fields import Id, Number
from parcours.core.models import TEXT_MAX
from parcours.discussions.models import ABOUT_MAX
from parcours.plans.schemas import MemberSchema

_about = fields.String(
    validate=validate.Length(min=1, max=ABOUT_MAX),
    metadata={
        "description": 'What the thread is about: "objective", "means:<id>" or "handoff:<id>".'
    },
)


# Input -------------------------------------------------------------------------------------


class CommentInputSchema(Schema):
    about = fields.String(
        required=True,
        validate=validate.Length(min=1, max=ABOUT_MAX),
        metadata=_about.metadata,
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    # The message this one answers (in the same thread).
    reply_to = Id(load_default=None, allow_none=True)
    # Member ids of the current members mentioned: each is told in "For me".
    mentions = fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    # Write it for the person (their member id), and say so.
    on_behalf_of = Id(load_default=None, allow_none=True)


class CommentPatchSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    # The `revision` the edit started from (required: 428 without it; 409 when stale).
    revision = Number(required=True)


class CommentQuerySchema(Schema):
    about = fields.String(
        required=True, validate=validate.Length(min=1, max=ABOUT_MAX), metadata=_about.metadata
    )


# Output ------------------------------------------------------------------------------------


class CommentRevisionSchema(Schema):
    revision = fields.Integer()
    text = fields.String()
    written_at = fields.AwareDateTime()


class CommentSchema(Schema):
    id = fields.Integer()
    about = fields.String()
    text = fields.String()
    author = fields.Nested(MemberSchema)
    on_behalf_of = fields.Nested(MemberSchema, allow_none=True)
    reply_to = fields.Integer(attribute="reply_to_id", allow_none=True)
    mentions = fields.List(fields.Nested(MemberSchema))
    revision = fields.Integer()
    created_at = fields.AwareDateTime()
    edited_at = fields.AwareDateTime(allow_none=True)
    # The earlier texts, oldest first.
    history = fields.List(fields.Nested(CommentRevisionSchema), attribute="revisions")


class CommentListSchema(Schema):
    comments = fields.List(fields.Nested(CommentSchema))
