"""Pages: the voices side by side, the objective, its editing, history and approval."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from parcours.alliance import operations
from parcours.alliance.diff import word_diff
from parcours.alliance.forms import DisagreementForm, ObjectiveForm, VoiceForm
from parcours.alliance.models import current_voices, voice_of
from parcours.alliance.objective import approval_message, load_objective
from parcours.core.errors import DomainError, StaleVersion
from parcours.core.i18n import gettext as _
from parcours.core.views import flash_error, flash_success, perform, place_error
from parcours.plans.access import current_member, current_member_among
from parcours.plans.operations import current_members, member_of

bp = Blueprint("alliance", __name__)

VOICE_FIELDS = ("matters", "hopes", "worries", "help_me")
OBJECTIVE_FIELDS = ("text", "perimeter_in", "perimeter_out", "indicators")


def rebase(form, current) -> None:
    """After a refused save, the next save is based on the version saved in between."""
    form.base_number.raw_data = []
    form.base_number.data = current.number if current is not None else 0


@bp.get("/parcours/<int:parcours_id>/voices")
@login_required
def voices(parcours_id: int):
    """Every member's point of view side by side, the person's first."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading="voices")
    return render_template(
        "alliance/voices.html",
        member=member,
        parcours=member.parcours,
        members=members,
        voices=current_voices(parcours_id),
    )


@bp.route("/parcours/<int:parcours_id>/voices/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_voice(parcours_id: int, member_id: int):
    """Write one's own point of view, or the person's on their behalf."""
    member = current_member(parcours_id, reading="voices")
    subject = member_of(parcours_id, member_id)
    current = voice_of(subject)
    form = VoiceForm(obj=current, base_number=current.number if current else 0)
    conflict = None
    if form.validate_on_submit():
        try:
            operations.save_voice(
                member,
                subject,
                **{name: getattr(form, name).data or "" for name in VOICE_FIELDS},
                base_number=form.base_number.data,
            )
        except StaleVersion as error:
            conflict = error
            rebase(form, error.current)
        except DomainError as error:
            place_error(error, form, {}, default="matters")
        else:
            flash_success(_("The point of view is saved."))
            return redirect(url_for("alliance.voices", parcours_id=parcours_id))
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render_template(
        "alliance/voice_edit.html",
        member=member,
        parcours=member.parcours,
        subject=subject,
        form=form,
        conflict=conflict,
        fields=VOICE_FIELDS,
    ), status


@bp.get("/parcours/<int:parcours_id>/objective")
@login_required
def objective(parcours_id: int):
    """The objective in force, the latest version, and who approved it."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading="objective")
    state = load_objective(parcours_id, members)
    previous = None
    if state.latest and state.in_force and state.in_force is not state.latest:
        previous = {
            f: word_diff(getattr(state.in_force, f), getattr(state.latest, f))
            for f in OBJECTIVE_FIELDS
        }
    return render_template(
        "alliance/objective.html",
        member=member,
        parcours=member.parcours,
        objective=state,
        members=members,
        changes_since_in_force=previous,
        disagreement_form=DisagreementForm(),
    )


@bp.route("/parcours/<int:parcours_id>/objective/edit", methods=["GET", "POST"])
@login_required
def edit_objective(parcours_id: int):
    """Propose a new version of the objective, based on the latest one."""
    member = current_member(parcours_id, reading="objective")
    members = current_members(parcours_id)
    state = load_objective(parcours_id, members)
    form = ObjectiveForm(obj=state.latest, base_number=state.latest.number if state.latest else 0)
    form.written_for.choices = [SelectChoice(0, _("Nobody: I write in my own name"))] + [
        SelectChoice(m.id, m.name) for m in members if m.id != member.id
    ]
    conflict = None
    if form.validate_on_submit():
        on_behalf_of = next((m for m in members if m.id == form.written_for.data), None)
        try:
            version = operations.propose_version(
                member,
                **{name: getattr(form, name).data or "" for name in OBJECTIVE_FIELDS},
                base_number=form.base_number.data,
                on_behalf_of=on_behalf_of,
            )
        except StaleVersion as error:
            conflict = {
                "version": error.current,
                "diff": {
                    f: word_diff(getattr(form, f).data or "", getattr(error.current, f))
                    for f in OBJECTIVE_FIELDS
                },
            }
            rebase(form, error.current)
        except DomainError as error:
            place_error(error, form, {}, default="text")
        else:
            flash_success(
                _("Version %(n)d is saved. It needs everyone's approval.", n=version.number)
            )
            return redirect(url_for("alliance.objective", parcours_id=parcours_id))
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render_template(
        "alliance/objective_edit.html",
        member=member,
        parcours=member.parcours,
        objective=state,
        form=form,
        conflict=conflict,
    ), status


@bp.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/approval")
@login_required
def approve(parcours_id: int, number: int):
    """Approve a version: "I recognise myself in this objective"."""
    member = current_member(parcours_id)
    perform(lambda: operations.approve_version(member, number), approval_message)
    return redirect(url_for("alliance.objective", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/approval/withdrawal")
@login_required
def withdraw_approval(parcours_id: int, number: int):
    """Withdraw my approval of a version not yet in force."""
    member = current_member(parcours_id)
    perform(
        lambda: operations.withdraw_approval(member, number),
        _("Your approval of version %(n)d is withdrawn.", n=number),
    )
    return redirect(url_for("alliance.objective", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/disagreement")
@login_required
def disagree(parcours_id: int, number: int):
    """Say "I don't agree yet" to a version, and what is missing."""
    member = current_member(parcours_id)
    form = DisagreementForm()
    if not form.validate_on_submit():
        flash_error(form.comment.errors[0] if form.comment.errors else _("Please try again."))
    else:
        try:
            operations.disagree_with_version(member, number, form.comment.data or "")
        except DomainError as error:
            flash_error(error.message)
        else:
            flash_success(
                _("Your answer is recorded: you do not agree yet with version %(n)d.", n=number)
            )
    return redirect(url_for("alliance.objective", parcours_id=parcours_id))


@bp.get("/parcours/<int:parcours_id>/objective/history")
@login_required
def history(parcours_id: int):
    """Every version of the objective and what changed from the previous one."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading="objective")
    state = load_objective(parcours_id, members, history=True)
    changes = []
    previous = None
    for version in state.versions:
        changes.append(
            (
                version,
                {
                    f: word_diff(getattr(previous, f) if previous else "", getattr(version, f))
                    for f in OBJECTIVE_FIELDS
                },
            )
        )
        previous = version
    return render_template(
        "alliance/history.html",
        member=member,
        parcours=member.parcours,
        objective=state,
        changes=list(reversed(changes)),
    )
