"""Pages: the negotiation table, proposals, stances, decisions, commitments and reviews."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from parcours.alliance.models import version_in_force
from parcours.core.audit import record_reads
from parcours.core.errors import Conflict, DomainError
from parcours.core.forms import Form
from parcours.core.i18n import gettext as _
from parcours.core.models import today
from parcours.core.navigation import is_safe_target
from parcours.core.views import flash_error, flash_success, place_error
from parcours.means import operations
from parcours.means.forms import (
    EASY_STANCE_CHOICES,
    OUTCOME_CHOICES,
    CommitmentForm,
    CorrectCommitmentForm,
    DecisionForm,
    ProposeForm,
    ReasonForm,
    ReviewCommentForm,
    StanceForm,
    review_form,
)
from parcours.means.models import (
    Category,
    Outcome,
    StanceValue,
    negotiation_table,
    parcours_commitments,
    parcours_reviews,
    stance_columns,
    trust_by_member,
    user_commitments,
)
from parcours.plans.access import current_member, current_member_among
from parcours.plans.easy_read import easy_read_on
from parcours.plans.models import Member
from parcours.plans.operations import current_members, current_of, members_ever

bp = Blueprint("means", __name__)


def _on_behalf_choices(member: Member, members: list[Member], own: str) -> list[SelectChoice]:
    """Oneself, and the person accompanied when someone else writes for them."""
    choices = [SelectChoice(0, own)]
    choices += [SelectChoice(m.id, m.name) for m in members if m.is_person and m.id != member.id]
    return choices


def _member_choices(members: list[Member]) -> list[SelectChoice]:
    return [SelectChoice(m.id, m.name) for m in members]


def _member_by_id(members: list[Member], member_id: int | None) -> Member | None:
    return next((m for m in members if m.id == member_id), None)


@bp.get("/parcours/<int:parcours_id>/means")
@login_required
def index(parcours_id: int):
    """The negotiation table: proposals as rows, members as columns, the person first."""
    members = current_of(members_ever(parcours_id))  # the proposals name the others
    member = current_member_among(parcours_id, members, reading="means")
    return render_template(
        "means/index.html",
        member=member,
        parcours=member.parcours,
        table=negotiation_table(parcours_id, members),
        objective=version_in_force(parcours_id),
    )


@bp.route("/parcours/<int:parcours_id>/means/new", methods=["GET", "POST"])
@login_required
def propose(parcours_id: int):
    """Propose a means; refused, with a link to the objective, until the objective is agreed."""
    member = current_member(parcours_id, reading="means")
    members = current_members(parcours_id)
    form = ProposeForm()
    form.on_behalf_of.choices = _on_behalf_choices(
        member, members, _("Nobody: I propose it in my own name")
    )
    refusal = None
    if version_in_force(parcours_id) is None:
        refusal = operations.ObjectiveNotAgreed()
    elif form.validate_on_submit():
        try:
            means = operations.propose_means(
                member,
                title=form.title.data,
                description=form.description.data,
                carried_by=form.carried_by.data,
                category=Category(form.category.data) if form.category.data else None,
                on_behalf_of=_member_by_id(members, form.on_behalf_of.data),
            )
        except DomainError as error:
            refusal = place_error(
                error,
                form,
                {
                    "missing_title": "title",
                    "missing_description": "description",
                    "missing_carried_by": "carried_by",
                    "text_too_long": "description",
                    "invalid_on_behalf_of": "on_behalf_of",
                },
            )
        else:
            flash_success(
                _("Your proposal is on the table. Each member can now say where they stand.")
            )
            return redirect(url_for("means.proposal", parcours_id=parcours_id, means_id=means.id))
    status = refusal.status if refusal else 422 if form.is_submitted() else 200
    return render_template(
        "means/propose.html",
        member=member,
        parcours=member.parcours,
        form=form,
        refusal=refusal,
    ), status


def _proposal_page(
    member: Member,
    means_id: int,
    *,
    stance_form: StanceForm | None = None,
    decision_form: DecisionForm | None = None,
    commitment_form: CommitmentForm | None = None,
    delete_form: ReasonForm | None = None,
    refusal: DomainError | None = None,
    status: int = 200,
):
    """One proposal with its stances, decisions and commitments, and the forms to act on it."""
    parcours_id = member.parcours_id
    means = operations.means_of(parcours_id, means_id, history=True)
    members = current_members(parcours_id)
    current = {}
    for stance in means.stances:
        current[stance.member_id] = stance  # ordered by id: the latest wins
    person_stance = operations.person_stance(current, members)
    pilot = next((m for m in members if m.is_pilot), None)

    if stance_form is None:
        mine = current.get(member.id)
        stance_form = StanceForm(
            prefix="stance",
            formdata=None,
            value=mine.value.value if mine else None,
            comment=mine.comment if mine else "",
        )
    if easy_read_on(current_user):
        stance_form.value.choices = EASY_STANCE_CHOICES
    stance_form.on_behalf_of.choices = _on_behalf_choices(member, members, _("Mine"))

    if decision_form is None:
        decision_form = DecisionForm(
            prefix="decision",
            formdata=None,
            participants=[m.id for m in members if m.id in current],
        )
    decision_form.participants.choices = _member_choices(stance_columns(members))
    # Deciding again what the proposal already is would be refused: do not offer it.
    decision_form.outcome.choices = [
        choice for choice in OUTCOME_CHOICES if choice.value != means.status.value
    ]

    if commitment_form is None:
        commitment_form = CommitmentForm(prefix="commitment", formdata=None)
    commitment_form.member_id.choices = _member_choices(members)

    return render_template(
        "means/proposal.html",
        member=member,
        parcours=member.parcours,
        means=means,
        members=stance_columns(members),
        current=current,
        history=list(reversed(means.stances)),
        decisions=list(reversed(means.decisions)),
        commitments=means.commitments,
        person_stance=person_stance,
        person_stance_message=operations.person_stance_missing_message(
            person_stance, member.parcours.person_name
        ),
        pilot=pilot,
        objective_agreed=version_in_force(parcours_id) is not None,
        stance_form=stance_form,
        decision_form=decision_form,
        commitment_form=commitment_form,
        delete_form=delete_form or ReasonForm(prefix="delete", formdata=None),
        refusal=refusal,
        today=today(),
    ), status


@bp.get("/parcours/<int:parcours_id>/means/<int:means_id>")
@login_required
def proposal(parcours_id: int, means_id: int):
    """One proposal: description, stances with history, decisions, commitments."""
    member = current_member(parcours_id, reading="means_proposal")
    return _proposal_page(member, means_id)


@bp.post("/parcours/<int:parcours_id>/means/<int:means_id>/stance")
@login_required
def stance(parcours_id: int, means_id: int):
    """Take a stance on a proposal, or record the person's on their behalf."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    members = current_members(parcours_id)
    form = StanceForm(prefix="stance")
    form.on_behalf_of.choices = _on_behalf_choices(member, members, _("Mine"))
    refusal = None
    if form.validate_on_submit():
        subject = _member_by_id(members, form.on_behalf_of.data)
        try:
            operations.take_stance(
                member,
                means,
                value=StanceValue(form.value.data),
                comment=form.comment.data or "",
                on_behalf_of=subject,
            )
        except DomainError as error:
            refusal = place_error(
                error,
                form,
                {
                    "missing_comment": "comment",
                    "text_too_long": "comment",
                    "no_change": "value",
                    "invalid_on_behalf_of": "on_behalf_of",
                },
            )
        else:
            if subject is not None and subject.id != member.id:
                flash_success(_("%(name)s's stance is recorded.", name=subject.name))
            else:
                flash_success(_("Your stance is recorded."))
            return redirect(url_for("means.proposal", parcours_id=parcours_id, means_id=means_id))
    status = refusal.status if refusal else 422
    return _proposal_page(member, means_id, stance_form=form, refusal=refusal, status=status)


@bp.post("/parcours/<int:parcours_id>/means/<int:means_id>/decision")
@login_required
def decide(parcours_id: int, means_id: int):
    """The pilot records the decision: adopted, set aside or to revisit, with the reasons."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    form = DecisionForm(prefix="decision")
    form.participants.choices = _member_choices(current_members(parcours_id))
    refusal = None
    if form.validate_on_submit():
        try:
            decision = operations.decide_means(
                member,
                means,
                outcome=Outcome(form.outcome.data),
                rationale=form.rationale.data,
                participant_ids=form.participants.data or [],
            )
        except DomainError as error:
            refusal = place_error(
                error,
                form,
                {
                    "missing_rationale": "rationale",
                    "text_too_long": "rationale",
                    "invalid_participant": "participants",
                },
            )
        else:
            flash_success(
                _("The decision is recorded: %(outcome)s.", outcome=decision.outcome.label)
            )
            return redirect(url_for("means.proposal", parcours_id=parcours_id, means_id=means_id))
    status = refusal.status if refusal else 422
    return _proposal_page(member, means_id, decision_form=form, refusal=refusal, status=status)


@bp.post("/parcours/<int:parcours_id>/means/<int:means_id>/commitments")
@login_required
def add_commitment(parcours_id: int, means_id: int):
    """Record a commitment for an adopted means: who does what, by when."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    members = current_members(parcours_id)
    form = CommitmentForm(prefix="commitment")
    form.member_id.choices = _member_choices(members)
    refusal = None
    if form.validate_on_submit():
        try:
            operations.add_commitment(
                member,
                means,
                member=_member_by_id(members, form.member_id.data),
                action=form.action.data,
                due_on=form.due_on.data,
            )
        except DomainError as error:
            refusal = place_error(
                error,
                form,
                {
                    "missing_action": "action",
                    "text_too_long": "action",
                    "missing_due_on": "due_on",
                    "due_in_past": "due_on",
                },
            )
        else:
            flash_success(_("The commitment is recorded."))
            return redirect(url_for("means.proposal", parcours_id=parcours_id, means_id=means_id))
    status = refusal.status if refusal else 422
    return _proposal_page(member, means_id, commitment_form=form, refusal=refusal, status=status)


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/kept")
@login_required
def keep_commitment(parcours_id: int, commitment_id: int):
    """Mark a commitment kept (the member who committed, or the pilot; others get a 403)."""
    member = current_member(parcours_id)
    target = request.form.get("next")
    if not is_safe_target(target):
        target = url_for("means.commitments", parcours_id=parcours_id)
    if not Form().validate_on_submit():
        flash_error(_("The form expired. Please try again."))
        return redirect(target)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    try:
        base_revision = request.form.get("base_revision", type=int)
        operations.keep_commitment(member, commitment, base_revision=base_revision)
    except Conflict as error:
        # Already kept (a second click, or by someone else since the page was shown): nothing
        # to undo, say so on the page.
        flash_error(error.message)
        return redirect(target)
    flash_success(_("The commitment is marked kept. Thank you."))
    return redirect(target)


def _commitment_page(
    member: Member,
    commitment_id: int,
    *,
    correct_form: CorrectCommitmentForm | None = None,
    cancel_form: ReasonForm | None = None,
    delete_form: ReasonForm | None = None,
    refusal: DomainError | None = None,
    status: int = 200,
):
    """One commitment with its history and the forms to correct, cancel or delete it."""
    parcours_id = member.parcours_id
    everyone = members_ever(parcours_id)  # the history names them
    commitment = operations.commitment_of(parcours_id, commitment_id, history=True)
    members = current_of(everyone)
    revision = commitment.revision
    if correct_form is None:
        correct_form = CorrectCommitmentForm(
            prefix="correct",
            formdata=None,
            due_on=commitment.due_on,
            member_id=commitment.member_id,
            base_revision=revision,
        )
    correct_form.member_id.choices = _member_choices(members)
    cancel_form = cancel_form or ReasonForm(prefix="cancel", formdata=None, base_revision=revision)
    delete_form = delete_form or ReasonForm(prefix="delete", formdata=None, base_revision=revision)
    return render_template(
        "means/commitment.html",
        member=member,
        parcours=member.parcours,
        commitment=commitment,
        names={m.id: m.name for m in everyone},
        correct_form=correct_form,
        cancel_form=cancel_form,
        delete_form=delete_form,
        refusal=refusal,
        today=today(),
    ), status


@bp.get("/parcours/<int:parcours_id>/commitments/<int:commitment_id>")
@login_required
def commitment(parcours_id: int, commitment_id: int):
    """One commitment: where it stands, its history, and how to correct it."""
    member = current_member(parcours_id, reading="commitments")
    return _commitment_page(member, commitment_id)


def _commitment_url(parcours_id: int, commitment_id: int) -> str:
    return url_for("means.commitment", parcours_id=parcours_id, commitment_id=commitment_id)


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/correction")
@login_required
def correct_commitment(parcours_id: int, commitment_id: int):
    """A new date or another member (the member, whoever wrote it down, or the pilot)."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    members = current_members(parcours_id)
    form = CorrectCommitmentForm(prefix="correct")
    form.member_id.choices = _member_choices(members)
    refusal = None
    if form.validate_on_submit():
        try:
            operations.correct_commitment(
                member,
                commitment,
                due_on=form.due_on.data,
                member=_member_by_id(members, form.member_id.data),
                reason=form.reason.data or "",
                base_revision=form.base_revision.data,
            )
        except DomainError as error:
            refusal = place_error(
                error,
                form,
                {"due_in_past": "due_on", "no_change": "due_on", "text_too_long": "reason"},
            )
        else:
            flash_success(_("The commitment is changed."))
            return redirect(_commitment_url(parcours_id, commitment_id))
    status = refusal.status if refusal else 422
    return _commitment_page(
        member, commitment_id, correct_form=form, refusal=refusal, status=status
    )


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/cancellation")
@login_required
def cancel_commitment(parcours_id: int, commitment_id: int):
    """Cancel a commitment still to do, with a reason."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    form = ReasonForm(prefix="cancel")
    refusal = None
    if form.validate_on_submit():
        try:
            operations.cancel_commitment(
                member, commitment, reason=form.reason.data, base_revision=form.base_revision.data
            )
        except DomainError as error:
            refusal = place_error(error, form, {"missing_reason": "reason"})
        else:
            flash_success(_("The commitment is cancelled."))
            return redirect(_commitment_url(parcours_id, commitment_id))
    status = refusal.status if refusal else 422
    return _commitment_page(member, commitment_id, cancel_form=form, refusal=refusal, status=status)


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/deletion")
@login_required
def delete_commitment(parcours_id: int, commitment_id: int):
    """Delete a commitment entered by mistake, with why (whoever wrote it down, or the
    pilot)."""
    member = current_member(parcours_id)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    form = ReasonForm(prefix="delete")
    refusal = None
    if form.validate_on_submit():
        try:
            operations.delete_commitment(
                member, commitment, reason=form.reason.data, base_revision=form.base_revision.data
            )
        except DomainError as error:
            refusal = place_error(error, form, {"missing_reason": "reason"})
        else:
            flash_success(_("The commitment is deleted."))
            return redirect(url_for("means.commitments", parcours_id=parcours_id))
    status = refusal.status if refusal else 422
    return _commitment_page(member, commitment_id, delete_form=form, refusal=refusal, status=status)


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/kept/undo")
@login_required
def undo_kept(parcours_id: int, commitment_id: int):
    """Undo "kept", within 7 days (the member who said it, or the pilot)."""
    member = current_member(parcours_id)
    target = request.form.get("next")
    if not is_safe_target(target):
        target = _commitment_url(parcours_id, commitment_id)
    if not Form().validate_on_submit():
        flash_error(_("The form expired. Please try again."))
        return redirect(target)
    commitment = operations.commitment_of(parcours_id, commitment_id)
    try:
        base_revision = request.form.get("base_revision", type=int)
        operations.undo_kept(member, commitment, base_revision=base_revision)
    except Conflict as error:
        flash_error(error.message)
        return redirect(target)
    flash_success(_("“Kept” is undone: the commitment is to do again."))
    return redirect(target)


@bp.post("/parcours/<int:parcours_id>/means/<int:means_id>/deletion")
@login_required
def delete_means(parcours_id: int, means_id: int):
    """Delete a proposal entered by mistake, while nobody has given a stance on it."""
    member = current_member(parcours_id)
    means = operations.means_of(parcours_id, means_id)
    form = ReasonForm(prefix="delete")
    refusal = None
    if form.validate_on_submit():
        try:
            operations.delete_means(member, means, reason=form.reason.data)
        except DomainError as error:
            refusal = place_error(error, form, {"missing_reason": "reason"})
        else:
            flash_success(_("The proposal is deleted."))
            return redirect(url_for("means.index", parcours_id=parcours_id))
    status = refusal.status if refusal else 422
    return _proposal_page(member, means_id, delete_form=form, refusal=refusal, status=status)


@bp.get("/parcours/<int:parcours_id>/commitments")
@login_required
def commitments(parcours_id: int):
    """Every commitment of the plan, each member's record, and mine."""
    everyone = members_ever(parcours_id)  # the commitments name them
    members = current_of(everyone)
    member = current_member_among(parcours_id, members, reading="commitments")
    rows = parcours_commitments(parcours_id)
    return render_template(
        "means/commitments.html",
        member=member,
        parcours=member.parcours,
        commitments=rows,
        mine=[c for c in rows if c.member_id == member.id],
        trust=trust_by_member(rows, stance_columns(members)),
        names={m.id: m.name for m in everyone},
        today=today(),
    )


@bp.get("/commitments")
@login_required
def my_commitments():
    """My commitments in every plan I share."""
    rows = user_commitments(current_user.id)
    record_reads([c.parcours_id for c in rows], current_user, "my_commitments")
    return render_template("means/my_commitments.html", commitments=rows, today=today())


@bp.get("/parcours/<int:parcours_id>/reviews")
@login_required
def reviews(parcours_id: int):
    """The reviews of the plan, latest first."""
    member = current_member(parcours_id, reading="reviews")
    return render_template(
        "means/reviews.html",
        member=member,
        parcours=member.parcours,
        reviews=parcours_reviews(parcours_id),
        objective=version_in_force(parcours_id),
    )


@bp.route("/parcours/<int:parcours_id>/reviews/new", methods=["GET", "POST"])
@login_required
def new_review(parcours_id: int):
    """Record a review of the objective's indicators: assessments, views, what to change."""
    member = current_member(parcours_id, reading="reviews")
    version = version_in_force(parcours_id)
    if version is None:
        refusal = operations.ObjectiveNotAgreed()
        return render_template(
            "means/review_new.html",
            member=member,
            parcours=member.parcours,
            form=None,
            version=None,
            refusal=refusal,
        ), refusal.status
    form = review_form(version.indicator_list, objective_number=version.number, held_on=today())
    refusal = None
    if form.validate_on_submit():
        try:
            review = operations.hold_review(
                member,
                held_on=form.held_on.data,
                assessments=[field.data or "" for field in form.assessment_fields],
                what_to_change=form.what_to_change.data or "",
                view=form.view.data or "",
                objective_number=form.objective_number.data,
            )
        except DomainError as error:
            refusal = place_error(
                error,
                form,
                {
                    "missing_held_on": "held_on",
                    "review_in_future": "held_on",
                    "empty_review": "view",
                    "text_too_long": "what_to_change",
                },
            )
        else:
            flash_success(_("The review is recorded. Every member can add their view."))
            return redirect(url_for("means.review", parcours_id=parcours_id, review_id=review.id))
    status = refusal.status if refusal else 422 if form.is_submitted() else 200
    return render_template(
        "means/review_new.html",
        member=member,
        parcours=member.parcours,
        form=form,
        version=version,
        refusal=refusal,
    ), status


def _review_page(member: Member, review_id: int, form: ReviewCommentForm | None = None, status=200):
    """One review with the form to add a view (blank, or as submitted with its errors)."""
    review = operations.review_of(member.parcours_id, review_id, detail=True)
    members = current_members(member.parcours_id)
    form = form or ReviewCommentForm(formdata=None)
    form.on_behalf_of.choices = _on_behalf_choices(member, members, _("Mine"))
    return render_template(
        "means/review.html",
        member=member,
        parcours=member.parcours,
        review=review,
        form=form,
    ), status


@bp.get("/parcours/<int:parcours_id>/reviews/<int:review_id>")
@login_required
def review(parcours_id: int, review_id: int):
    """One review: the indicators assessed, each member's view, what to change."""
    member = current_member(parcours_id, reading="review")
    return _review_page(member, review_id)


@bp.post("/parcours/<int:parcours_id>/reviews/<int:review_id>/views")
@login_required
def add_view(parcours_id: int, review_id: int):
    """Add one's view (or the person's, on their behalf) to a review."""
    member = current_member(parcours_id)
    review = operations.review_of(parcours_id, review_id)
    members = current_members(parcours_id)
    form = ReviewCommentForm()
    form.on_behalf_of.choices = _on_behalf_choices(member, members, _("Mine"))
    if form.validate_on_submit():
        try:
            operations.add_review_comment(
                member,
                review,
                view=form.view.data,
                on_behalf_of=_member_by_id(members, form.on_behalf_of.data),
            )
        except DomainError as error:
            place_error(error, form, {"invalid_on_behalf_of": "on_behalf_of"}, default="view")
        else:
            flash_success(_("The view is added to the review."))
            return redirect(url_for("means.review", parcours_id=parcours_id, review_id=review_id))
    return _review_page(member, review_id, form, 422)
