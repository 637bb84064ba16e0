"""API: the comments of a thread, writing one, editing one's own."""

from flask import request

from parcours.core.api import api, documented, error, load, load_edit
from parcours.core.errors import DomainError, StaleVersion
from parcours.discussions import operations
from parcours.discussions.models import Comment, thread
from parcours.discussions.schemas import (
    CommentInputSchema,
    CommentListSchema,
    CommentPatchSchema,
    CommentQuerySchema,
    CommentSchema,
)
from parcours.plans.access import current_member_among
from parcours.plans.operations import current_members


def _field_error(exc: DomainError):
    """A refusal about one field is a 422 naming it, as the schema's own are; another refusal
    (a closed plan, not the author…) goes to the API's error handler."""
    if exc.code not in operations.FIELD_OF:
        raise exc
    return error(exc.code, exc.message, 422, fields={operations.FIELD_OF[exc.code]: [exc.message]})


def _dump(comment: Comment) -> dict:
    return CommentSchema().dump(comment)


@api.get("/parcours/<int:parcours_id>/comments")
@documented(responses={200: CommentListSchema}, query=CommentQuerySchema, errors=(422,))
def list_comments(parcours_id: int):
    """The comments of the thread under `?about=` (the objective, a proposal, a hand-off),
    oldest first."""
    members = current_members(parcours_id)
    current_member_among(parcours_id, members, reading="discussion")
    about = CommentQuerySchema().load(request.args)["about"]
    try:
        subject = operations.subject_of(parcours_id, about)
    except DomainError as exc:
        return _field_error(exc)
    return CommentListSchema().dump({"comments": thread(parcours_id, subject.about)})


@api.post("/parcours/<int:parcours_id>/comments")
@documented(body=CommentInputSchema, responses={201: CommentSchema}, errors=(409,))
def create_comment(parcours_id: int):
    """Write a message in the thread under `about`, maybe in reply to another (`reply_to`) and
    mentioning members (`mentions`): each is told in "For me". 409 `plan_closed` once the plan
    is closed."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members)
    data = load(CommentInputSchema())
    try:
        comment = operations.write_comment(
            member,
            data["about"],
            text=data["text"],
            members=members,
            reply_to_id=data["reply_to"],
            mention_ids=data["mentions"],
            on_behalf_of_id=data["on_behalf_of"],
        )
    except DomainError as exc:
        return _field_error(exc)
    return _dump(comment), 201


@api.patch("/parcours/<int:parcours_id>/comments/<int:comment_id>")
@documented(body=CommentPatchSchema, responses={200: CommentSchema}, errors=(403, 409, 428))
def edit_comment(parcours_id: int, comment_id: int):
    """Change one's own message (403 `not_author` for anyone else), from the `revision` read:
    409 `stale_version` with `current` when it changed in between. The earlier text is kept
    in `history`."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members)
    comment = operations.comment_of(parcours_id, comment_id)
    data = load_edit(CommentPatchSchema(), base="revision")
    try:
        edited = operations.edit_comment(
            member, comment, text=data["text"], revision=data["revision"]
        )
    except StaleVersion as exc:
        return error(exc.code, exc.message, exc.status, current=_dump(exc.current))
    except DomainError as exc:
        return _field_error(exc)
    return _dump(edited)
