"""API: means (proposals), stances, decisions, commitments and reviews."""

from flask_login import current_user

from parcours.alliance.models import version_in_force
from parcours.core.api import Merged, api, documented, error, load, load_edit
from parcours.core.audit import record_reads
from parcours.core.errors import StaleVersion
from parcours.means import operations
from parcours.means.models import (
    negotiation_table,
    parcours_commitments,
    parcours_reviews,
    trust_by_member,
    user_commitments,
)
from parcours.means.schemas import (
    BaseRevisionSchema,
    CommitmentInputSchema,
    CommitmentListSchema,
    CommitmentPatchSchema,
    CommitmentReasonSchema,
    CommitmentSchema,
    DecisionInputSchema,
    DecisionOutSchema,
    DeletionSchema,
    MeansDetailSchema,
    MeansInputSchema,
    MeansWithStancesSchema,
    MyCommitmentsSchema,
    NegotiationTableSchema,
    ReviewCommentInputSchema,
    ReviewCommentSchema,
    ReviewDetailSchema,
    ReviewInputSchema,
    ReviewListSchema,
    StanceInputSchema,
    StanceSchema,
)
from parcours.plans.access import current_member, current_member_among
from parcours.plans.operations import current_of, member_of, members_ever


def _optional_member(parcours_id: int, member_id: int | None):
    return member_of(parcours_id, member_id) if member_id else None


@api.get("/parcours/<int:parcours_id>/means")
@documented(responses={200: NegotiationTableSchema})
def list_means(parcours_id: int):
    """The negotiation table: every proposal with each current member's current stance."""
    members = current_of(members_ever(parcours_id))  # the proposals name the others
    current_member_among(parcours_id, members, reading="means")
    table = negotiation_table(parcours_id, members)
    rows = [
        Merged(
            means,
            diverges=table.diverges(means),
            stances=[
                stance for m in table.members if (stance := table.stance(means, m)) is not None
            ],
        )
        for means in table.proposals
    ]
    return NegotiationTableSchema().dump(
        {
            "objective_agreed": version_in_force(parcours_id) is not None,
            "members": table.members,
            "means": rows,
        }
    )


@api.post("/parcours/<int:parcours_id>/means")
@documented(body=MeansInputSchema, responses={201: MeansWithStancesSchema}, errors=(409,))
def create_means(parcours_id: int):
    """Propose a means (409 `objective_not_agreed` before the objective is agreed)."""
    member = current_member(parcours_id)
    data = load(MeansInputSchema())
    data["on_behalf_of"] = _optional_member(parcours_id, data["on_behalf_of"])
    means = operations.propose_means(member, **data)
    return MeansWithStancesSchema().dump(Merged(means, stances=[])), 201


@api.get("/parcours/<int:parcours_id>/means/<int:means_id>")
@documented(responses={200: MeansDetailSchema})
def get_means(parcours_id: int, means_id: int):
    """One proposal with its whole history: stances, decisions, commitments."""
    current_member(parcours_id, reading="means_proposal")
    return MeansDetailSchema().dump(operations.means_of(parcours_id, means_id, history=True))


@api.delete("/parcours/<int:parcours_id>/means/<int:means_id>")
@documented(body=DeletionSchema, responses={204: None}, errors=(403, 404, 409))
def delete_means(parcours_id: int, means_id: int):
    """Delete a proposal entered by mistake, with a `reason`: its author or the pilot (403
    `cannot_delete`), while nobody has given a stance on it (409 `has_stances`)."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    operations.delete_means(member, means, **load(DeletionSchema()))
    return "", 204


@api.put("/parcours/<int:parcours_id>/means/<int:means_id>/stance")
@documented(body=StanceInputSchema, responses={200: StanceSchema}, errors=(409,))
def put_stance(parcours_id: int, means_id: int):
    """Take a stance on a proposal (a new one each time: the history is kept); with
    `on_behalf_of`, record the person's stance on their behalf."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    data = load(StanceInputSchema())
    stance = operations.take_stance(
        member,
        means,
        value=data["stance"],
        comment=data["comment"],
        on_behalf_of=_optional_member(parcours_id, data["on_behalf_of"]),
    )
    return StanceSchema().dump(stance)


@api.post("/parcours/<int:parcours_id>/means/<int:means_id>/decision")
@documented(body=DecisionInputSchema, responses={201: DecisionOutSchema}, errors=(403, 409))
def post_decision(parcours_id: int, means_id: int):
    """The pilot decides (409 `person_has_no_stance` to adopt without the person's stance)."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    data = load(DecisionInputSchema())
    decision = operations.decide_means(
        member,
        means,
        outcome=data["outcome"],
        rationale=data["rationale"],
        participant_ids=data["participants"],
    )
    return DecisionOutSchema().dump(Merged(decision, means=means)), 201


@api.get("/parcours/<int:parcours_id>/commitments")
@documented(responses={200: CommitmentListSchema})
def list_commitments(parcours_id: int):
    """Every commitment of the plan (overdue ones say so) and each member's record."""
    everyone = members_ever(parcours_id)  # the commitments name them
    member = current_member_among(parcours_id, everyone, reading="commitments")
    rows = parcours_commitments(parcours_id)
    return CommitmentListSchema().dump(
        {
            "commitments": rows,
            "mine": [c.id for c in rows if c.member_id == member.id],
            "members": trust_by_member(rows, current_of(everyone)),
        }
    )


@api.post("/parcours/<int:parcours_id>/commitments")
@documented(body=CommitmentInputSchema, responses={201: CommitmentSchema}, errors=(409,))
def create_commitment(parcours_id: int):
    """Record a commitment on an adopted means: who (`member_id`) does what, by when."""
    member = current_member(parcours_id)
    data = load(CommitmentInputSchema())
    commitment = operations.add_commitment(
        member,
        operations.means_of(parcours_id, data["means_id"]),
        member=member_of(parcours_id, data["member_id"]),
        action=data["action"],
        due_on=data["due_on"],
    )
    return CommitmentSchema().dump(commitment), 201


def _stale(exc: StaleVersion):
    return error(exc.code, exc.message, 409, current=CommitmentSchema().dump(exc.current))


@api.patch("/parcours/<int:parcours_id>/commitments/<int:commitment_id>")
@documented(
    body=CommitmentPatchSchema, responses={200: CommitmentSchema}, errors=(403, 404, 409, 428)
)
def patch_commitment(parcours_id: int, commitment_id: int):
    """Mark a commitment kept, `{"status": "kept"}` (the member who committed, or the pilot),
    or correct one still to do: a new date (`due_on`), another current member (`member_id`),
    with an optional `reason` (the member who committed, whoever wrote it down, or the pilot:
    403 `cannot_correct`). `base_revision` (the commitment's `revision` when the edit started)
    is required: 409 `stale_version` when it changed in between, with `current`."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    data = load_edit(CommitmentPatchSchema())
    try:
        if data["status"] == "kept":
            operations.keep_commitment(member, commitment, base_revision=data["base_revision"])
        else:
            operations.correct_commitment(
                member,
                commitment,
                due_on=data["due_on"],
                member=member_of(parcours_id, data["member_id"]) if data["member_id"] else None,
                reason=data["reason"],
                base_revision=data["base_revision"],
            )
    except StaleVersion as exc:
        return _stale(exc)
    return CommitmentSchema().dump(commitment)


@api.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/cancellation")
@documented(body=CommitmentReasonSchema, responses={201: CommitmentSchema}, errors=(403, 404, 409))
def cancel_commitment(parcours_id: int, commitment_id: int):
    """Cancel a commitment still to do, with a `reason` (422 `missing_reason`): it is then
    neither due nor overdue. 409 `already_kept` / `commitment_cancelled`."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    data = load(CommitmentReasonSchema())
    try:
        operations.cancel_commitment(member, commitment, **data)
    except StaleVersion as exc:
        return _stale(exc)
    return CommitmentSchema().dump(commitment), 201


@api.delete("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/kept")
@documented(body=BaseRevisionSchema, responses={200: CommitmentSchema}, errors=(403, 404, 409))
def undo_kept(parcours_id: int, commitment_id: int):
    """Undo "kept", within 7 days (409 `undo_too_late`): the member who marked it kept, or the
    pilot (403 `not_who_kept`); 409 `not_kept` when it is not kept."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    data = load(BaseRevisionSchema())
    try:
        operations.undo_kept(member, commitment, base_revision=data["base_revision"])
    except StaleVersion as exc:
        return _stale(exc)
    return CommitmentSchema().dump(commitment)


@api.delete("/parcours/<int:parcours_id>/commitments/<int:commitment_id>")
@documented(body=CommitmentReasonSchema, responses={204: None}, errors=(403, 404, 409))
def delete_commitment(parcours_id: int, commitment_id: int):
    """Delete a commitment entered by mistake, with a `reason`: whoever wrote it down, or the
    pilot (403 `cannot_delete`). It leaves the lists, the exports and the checks; its history
    and the access log keep who, when and why."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    data = load(CommitmentReasonSchema())
    try:
        operations.delete_commitment(member, commitment, **data)
    except StaleVersion as exc:
        return _stale(exc)
    return "", 204


@api.get("/commitments")
@documented(responses={200: MyCommitmentsSchema})
def my_commitments():
    """The signed-in user's commitments in every plan they share."""
    rows = user_commitments(current_user.id)
    record_reads([c.parcours_id for c in rows], current_user, "my_commitments")
    return MyCommitmentsSchema().dump({"commitments": rows})


@api.get("/parcours/<int:parcours_id>/reviews")
@documented(responses={200: ReviewListSchema})
def list_reviews(parcours_id: int):
    """The reviews of the plan, latest first."""
    current_member(parcours_id, reading="reviews")
    return ReviewListSchema().dump({"reviews": parcours_reviews(parcours_id)})


@api.post("/parcours/<int:parcours_id>/reviews")
@documented(body=ReviewInputSchema, responses={201: ReviewDetailSchema}, errors=(409,))
def create_review(parcours_id: int):
    """Record a review of the objective in force: an assessment per indicator, what to change,
    and the author's view."""
    member = current_member(parcours_id)
    data = load(ReviewInputSchema())
    version = operations.reviewed_version(parcours_id, data["objective_version"])
    review = operations.hold_review(
        member,
        held_on=data["held_on"],
        assessments=operations.assessments_in_order(
            version, ((a["indicator"], a["assessment"]) for a in data["assessments"])
        ),
        what_to_change=data["what_to_change"],
        view=data["view"],
        objective_number=version.number,
    )
    return ReviewDetailSchema().dump(review), 201


@api.get("/parcours/<int:parcours_id>/reviews/<int:review_id>")
@documented(responses={200: ReviewDetailSchema})
def get_review(parcours_id: int, review_id: int):
    """One review with its assessments and every member's view."""
    current_member(parcours_id, reading="review")
    return ReviewDetailSchema().dump(operations.review_of(parcours_id, review_id, detail=True))


@api.post("/parcours/<int:parcours_id>/reviews/<int:review_id>/views")
@documented(body=ReviewCommentInputSchema, responses={201: ReviewCommentSchema})
def add_review_comment(parcours_id: int, review_id: int):
    """Add one's view (or the person's, `on_behalf_of`) to a review."""
    member = current_member(parcours_id)
    review = operations.review_of(parcours_id, review_id)
    data = load(ReviewCommentInputSchema())
    view = operations.add_review_comment(
        member,
        review,
        view=data["view"],
        on_behalf_of=_optional_member(parcours_id, data["on_behalf_of"]),
    )
    return ReviewCommentSchema().dump(view), 201
