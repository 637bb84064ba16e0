"""Pages: new parcours, members and invitations, settings, access log."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from parcours.accounts.forms import SignupForm
from parcours.accounts.views import create_account
from parcours.core.audit import AccessLogEntry
from parcours.core.errors import Conflict, DomainError, PilotOnly, StaleVersion
from parcours.core.forms import Form
from parcours.core.i18n import gettext as _
from parcours.core.navigation import external_url, page_number
from parcours.core.views import flash_error, flash_success, perform, place_error, qr_code
from parcours.extensions import db
from parcours.plans import consent, operations, spoken
from parcours.plans.access import current_member
from parcours.plans.easy_read import easy_read_context, forget_easy_read_default
from parcours.plans.forms import (
    CloseForm,
    ClosingAnswerForm,
    ConsentAnswerForm,
    InvitationForm,
    ParcoursForm,
    PilotForm,
    RemovalForm,
    ReopenForm,
    SettingsForm,
)
from parcours.plans.models import (
    ConsentStatus,
    Invitation,
    InvitationState,
    Role,
    SettingsChangeKind,
)

bp = Blueprint("plans", __name__)
bp.app_context_processor(easy_read_context)

# The words French marks by who they speak of, for every package's templates.
bp.add_app_template_filter(spoken.role_label, "role_label")
bp.add_app_template_filter(spoken.place_of, "place")
bp.add_app_template_filter(spoken.legal_representative_label, "legal_representative")
bp.add_app_template_filter(spoken.pilot_is, "pilot_is")

LOG_PAGE_SIZE = 50


@bp.route("/parcours/new", methods=["GET", "POST"])
@login_required
def create():
    """Start a parcours for a person; the creator becomes its first member."""
    form = ParcoursForm()
    if request.method == "GET" and current_user.is_professional:
        form.role.data = Role.professional.value
    if form.validate_on_submit():
        try:
            member = operations.create_parcours(
                current_user, person_name=form.person_name.data, role=Role(form.role.data)
            )
        except DomainError as error:
            place_error(error, form, {}, default="person_name")
        else:
            forget_easy_read_default()
            flash_success(_("The plan is created. Invite the people who share it."))
            return redirect(url_for("plans.members", parcours_id=member.parcours_id))
    status = 422 if form.is_submitted() else 200
    return render_template("plans/new.html", form=form), status


@bp.get("/parcours/<int:parcours_id>/members")
@login_required
def members(parcours_id: int):
    """The members, the pending invitations, the pilot."""
    member = current_member(parcours_id, reading="members")
    form = InvitationForm()
    if request.args.get("role") in {role.value for role in Role}:
        form.role.data = request.args["role"]  # e.g. a hand-off offering to invite a service
    return _members_page(member, form)


def _removal_choices(form: RemovalForm, member, members) -> RemovalForm:
    """The pilot removes any member but themselves."""
    form.member_id.choices = [SelectChoice(m.id, m.name) for m in members if m.id != member.id]
    return form


def _members_page(member, invitation_form, status: int = 200, created=None, removal_form=None):
    members = operations.current_members(member.parcours_id)
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.parcours_id == member.parcours_id)
        .order_by(Invitation.created_at.desc())
    ).all()
    pilot_form = PilotForm(
        formdata=None, base_revision=operations.pilot_revision(member.parcours_id)
    )
    pilot_form.member_id.choices = [SelectChoice(m.id, m.name) for m in members]
    pilot = next((m for m in members if m.is_pilot), None)
    if pilot is not None:
        pilot_form.member_id.data = pilot.id
    consents = consent.consents_of(member.parcours_id)
    waiting = {c.organisation_id for c in consents if not c.is_given}
    page = render_template(
        "plans/members.html",
        member=member,
        parcours=member.parcours,
        members=members,
        pilot=pilot,
        pending=[i for i in invitations if i.state() is InvitationState.pending],
        waiting=waiting,
        consents=consents,
        answerers=[m for m in members if m.speaks_for_person],
        invitation_form=invitation_form,
        pilot_form=pilot_form,
        removal_form=_removal_choices(
            removal_form or RemovalForm(formdata=None, prefix="remove"), member, members
        ),
        created=created,
    )
    return page, status


@bp.post("/parcours/<int:parcours_id>/invitations")
@login_required
def invite(parcours_id: int):
    """Create a single-use invitation link; it is shown once."""
    member = current_member(parcours_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        return _members_page(member, form, 422)
    try:
        invitation, token = operations.create_invitation(
            member,
            role=Role(form.role.data),
            email=form.email.data or None,
            is_legal_representative=form.is_legal_representative.data,
            organisation=form.organisation.data,
        )
    except DomainError as error:
        fields = {"invalid_email": "email", "missing_organisation": "organisation"}
        place_error(error, form, fields, default="role")
        return _members_page(member, form, error.status)
    page, status = _members_page(
        member, InvitationForm(formdata=None), 201, created=(invitation, token)
    )
    # The page shows the link once; sent again (a reload), the form goes to the members page.
    return page, status, {"Location": url_for("plans.members", parcours_id=parcours_id)}


@bp.post("/parcours/<int:parcours_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(parcours_id: int, invitation_id: int):
    """Withdraw an invitation that has not been used."""
    member = current_member(parcours_id)
    perform(
        lambda: operations.revoke_invitation(
            member, operations.invitation_of(parcours_id, invitation_id)
        ),
        _("The invitation is withdrawn: its link no longer works."),
    )
    return redirect(url_for("plans.members", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/pilot")
@login_required
def designate_pilot(parcours_id: int):
    """Designate the pilot who steers the coordination."""
    member = current_member(parcours_id)
    form = PilotForm()
    form.member_id.choices = [
        SelectChoice(m.id, m.name) for m in operations.current_members(parcours_id)
    ]
    if form.validate_on_submit():
        try:
            pilot = operations.member_of(parcours_id, form.member_id.data)
            operations.designate_pilot(member, pilot, base_revision=form.base_revision.data)
        except DomainError as error:
            flash_error(error.message)
        else:
            flash_success(spoken.pilot_now(pilot))
    else:
        flash_error(_("Please choose a member."))
    return redirect(url_for("plans.members", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/members/remove")
@login_required
def remove_member(parcours_id: int):
    """The pilot removes a member, with a reason."""
    member = current_member(parcours_id)
    form = _removal_choices(
        RemovalForm(prefix="remove"), member, operations.current_members(parcours_id)
    )
    if not form.validate_on_submit():
        return _members_page(member, InvitationForm(formdata=None), 422, removal_form=form)
    try:
        removed = operations.member_of(parcours_id, form.member_id.data)
        operations.remove_member(member, removed, form.reason.data)
    except DomainError as error:
        fields = {"member_not_found": "member_id", "pilot_only": None}
        if unplaced := place_error(error, form, fields, default="reason"):
            flash_error(unplaced.message)  # the form is the pilot's: say it above the page
        return _members_page(member, InvitationForm(formdata=None), error.status, removal_form=form)
    flash_success(_("%(name)s is no longer a member of this plan.", name=removed.name))
    return redirect(url_for("plans.members", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/members/<int:member_id>/reset-card")
@login_required
def reset_card(parcours_id: int, member_id: int):
    """The pilot prints a card for a member without e-mail to choose a new password (shown
    once; it replaces the member's previous card)."""
    member = current_member(parcours_id)
    try:
        subject = operations.member_of(parcours_id, member_id)
        reset, token = operations.create_reset_card(member, subject)
    except DomainError as error:
        flash_error(error.message)
        return _members_page(member, InvitationForm(formdata=None), error.status)
    page = _printed_card(
        "plans/reset_card.html",
        external_url("accounts.new_password", token=token),
        _("Link to choose a new password"),
        parcours=member.parcours,
        member=member,
        subject=subject,
        reset=reset,
    )
    return page, 201


@bp.post("/parcours/<int:parcours_id>/leave")
@login_required
def leave(parcours_id: int):
    """Leave the parcours."""
    member = current_member(parcours_id)
    try:
        operations.leave_parcours(member)
    except DomainError as error:
        flash_error(error.message)
        return redirect(url_for("plans.members", parcours_id=parcours_id))
    forget_easy_read_default()
    flash_success(_("You have left %(name)s's plan.", name=member.parcours.person_name))
    return redirect(url_for("overview.home"))


@bp.get("/invitations/<token>")
def invitation(token: str):
    """What an invitation offers, with a way to sign in or sign up and join; while the
    person has not agreed to share the plan with its organisation, only that it waits."""
    pending = operations.pending_invitation(token)
    status = 200 if pending else 410
    waiting = operations.invitation_waits_for_consent(pending) if pending else None
    return render_template(
        "plans/invitation.html", invitation=pending, token=token, waiting=waiting
    ), 409 if waiting else status


@bp.route("/invitations/<token>/signup", methods=["GET", "POST"])
def invitation_signup(token: str):
    """Create an account to join through an invitation (open even when sign-up is closed)."""
    invitation = operations.pending_invitation(token)
    if invitation is None:
        return render_template("plans/invitation.html", invitation=None, token=token), 410
    if current_user.is_authenticated:
        return redirect(url_for("plans.invitation", token=token))
    form = SignupForm()
    if not form.is_submitted():
        form.email.data = invitation.email
        form.is_professional.data = invitation.role is Role.professional
    if form.validate_on_submit() and create_account(form) is not None:
        return redirect(url_for("plans.invitation", token=token))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/signup.html", form=form, invitation=invitation, token=token
    ), status


@bp.get("/invitations/<token>/card")
def invitation_card(token: str):
    """A printable invitation with a QR code and easy-read instructions."""
    pending = operations.pending_invitation(token)
    if pending is None:
        return render_template("plans/invitation.html", invitation=None, token=token), 410
    return _printed_card(
        "plans/invitation_card.html",
        external_url("plans.invitation", token=token),
        _("Invitation link"),
        invitation=pending,
    )


def _printed_card(template: str, link: str, qr_title: str, **context) -> str:
    """A printable card (an invitation, a new password): its link as a QR code and as text."""
    return render_template(template, link=link, qr=qr_code(link, qr_title), **context)


@bp.post("/invitations/<token>/accept")
@login_required
def accept(token: str):
    """Join the parcours through the invitation."""
    form = Form()
    if not form.validate_on_submit():
        return redirect(url_for("plans.invitation", token=token))
    try:
        member = operations.accept_invitation(token, current_user)
    except consent.ConsentPending as error:
        return render_template(
            "plans/invitation.html", invitation=None, token=token, waiting=error.message
        ), error.status
    except DomainError as error:
        return render_template(
            "plans/invitation.html", invitation=None, token=token, error=error
        ), error.status
    forget_easy_read_default()
    flash_success(_("Welcome to %(name)s's plan.", name=member.parcours.person_name))
    return redirect(url_for("overview.parcours", parcours_id=member.parcours_id))


@bp.route("/parcours/<int:parcours_id>/settings", methods=["GET", "POST"])
@login_required
def settings(parcours_id: int):
    """The rules of the plan: the rupture tolerance, closing or reopening it (the pilot's)."""
    member = current_member(parcours_id, reading="settings")
    form = SettingsForm(obj=member.parcours)
    conflict = None
    if form.validate_on_submit():
        try:
            changed = operations.set_tolerance(
                member,
                form.tolerance_days.data,
                form.reason.data,
                base_revision=form.base_revision.data,
            )
        except StaleVersion as error:
            conflict = error
        except PilotOnly as error:
            return _settings_page(member, form=form, refusal=error)
        except DomainError as error:
            place_error(error, form, _reason_fields("reason"), default="tolerance_days")
        else:
            flash_success(
                _("The tolerance is changed.") if changed else _("The tolerance is unchanged.")
            )
            return redirect(url_for("plans.settings", parcours_id=parcours_id))
    elif form.is_submitted() and not member.is_pilot:
        return _settings_page(member, form=form, refusal=_refusal(member))
    status = 422 if form.is_submitted() else 200
    return _settings_page(member, form=form, conflict=conflict, status=status)


def _refusal(member) -> PilotOnly | None:
    """Why this member may not change the rules of the plan (None for the pilot)."""
    try:
        operations.check_pilot(member)
    except PilotOnly as error:
        return error
    return None


def _settings_page(
    member,
    form=None,
    close_form=None,
    reopen_form=None,
    conflict=None,
    refusal=None,
    status: int = 200,
):
    """The settings page: the pilot's forms, or to anyone else the rules as they are and who
    changes them. After a conflict (StaleVersion), the forms keep what was typed and the next
    save starts from the settings saved in between."""
    pid = member.parcours_id
    revision = operations.settings_revision(pid)
    form = form or SettingsForm(formdata=None, obj=member.parcours)
    close_form = close_form or CloseForm(formdata=None)
    reopen_form = reopen_form or ReopenForm(formdata=None)
    for shown in (form, close_form, reopen_form):
        # A form shown anew, or after a conflict, starts from the settings as saved now.
        if conflict is not None or shown.base_revision.data is None:
            shown.base_revision.raw_data = []
            shown.base_revision.data = revision
    if refusal is not None:
        status = refusal.status
    return render_template(
        "plans/settings.html",
        member=member,
        parcours=member.parcours,
        form=form,
        close_form=close_form,
        reopen_form=reopen_form,
        conflict=conflict,
        refusal=refusal,
        not_pilot=_refusal(member),
        closing=operations.pending_closing(pid),
        answerers=operations.closing_answerers(pid),
        answers_closing=operations.can_answer_closing(member),
    ), 409 if conflict else status


def _reason_fields(name: str) -> dict[str, str]:
    """The reason's errors go on the form's reason field."""
    return {"missing_reason": name, "reason_too_long": name}


@bp.post("/parcours/<int:parcours_id>/settings/close")
@login_required
def close(parcours_id: int):
    """The pilot asks to close the plan on a date, with a reason."""
    member = current_member(parcours_id)
    close_form = CloseForm()
    if not close_form.validate_on_submit():
        refusal = None if member.is_pilot else _refusal(member)
        return _settings_page(member, close_form=close_form, refusal=refusal, status=422)
    try:
        change = operations.close_parcours(
            member,
            close_form.closed_on.data,
            close_form.closing_reason.data,
            base_revision=close_form.base_revision.data,
        )
    except StaleVersion as error:
        return _settings_page(member, close_form=close_form, conflict=error)
    except PilotOnly as error:
        return _settings_page(member, close_form=close_form, refusal=error)
    except DomainError as error:
        if unplaced := place_error(error, close_form, _reason_fields("closing_reason")):
            flash_error(unplaced.message)
        return _settings_page(member, close_form=close_form, status=error.status)
    if change.kind is SettingsChangeKind.close_requested:
        flash_success(
            _(
                "Your request is sent: the plan closes once %(name)s (or their legal "
                "representative) agrees.",
                name=member.parcours.person_name,
            )
        )
    else:
        flash_success(_("The plan is closed."))
    return redirect(url_for("plans.settings", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/settings/reopen")
@login_required
def reopen(parcours_id: int):
    """The pilot reopens a closed plan, with a reason."""
    member = current_member(parcours_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        refusal = None if member.is_pilot else _refusal(member)
        return _settings_page(member, reopen_form=form, refusal=refusal, status=422)
    try:
        operations.reopen_parcours(
            member, form.reopen_reason.data, base_revision=form.base_revision.data
        )
    except StaleVersion as error:
        return _settings_page(member, reopen_form=form, conflict=error)
    except PilotOnly as error:
        return _settings_page(member, reopen_form=form, refusal=error)
    except DomainError as error:
        if unplaced := place_error(error, form, _reason_fields("reopen_reason")):
            flash_error(unplaced.message)
        return _settings_page(member, reopen_form=form, status=error.status)
    flash_success(_("The plan is open again."))
    return redirect(url_for("plans.settings", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/settings/closing/withdraw")
@login_required
def withdraw_closing(parcours_id: int):
    """The pilot withdraws their request to close the plan."""
    member = current_member(parcours_id)
    if not Form().validate_on_submit():
        return redirect(url_for("plans.settings", parcours_id=parcours_id))
    try:
        operations.withdraw_closing(member)
    except PilotOnly as error:
        return _settings_page(member, refusal=error)
    except DomainError as error:
        flash_error(error.message)
    else:
        flash_success(_("Your request to close the plan is withdrawn."))
    return redirect(url_for("plans.settings", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/closing/answer")
@login_required
def answer_closing(parcours_id: int):
    """The person (or their legal representative) agrees to close the plan, or refuses; back
    to the page they answered on (the plan's page, or its easy-read page)."""
    member = current_member(parcours_id)
    form = ClosingAnswerForm()
    easy = request.form.get("from") == "easy"
    back = url_for("easyread.plan" if easy else "overview.parcours", parcours_id=parcours_id)
    answer = request.form.get("answer")
    if not form.validate_on_submit() or answer not in {"yes", "no"}:
        flash_error(_("Please answer yes or no."))
        return redirect(back)
    try:
        operations.answer_closing(
            member, answer == "yes", request_id=form.request_id.data, reason=form.reason.data
        )
    except (Conflict, StaleVersion) as error:
        flash_error(error.message)
        return redirect(back)
    if answer == "yes":
        flash_success(_("Thank you. The plan is closed."))
    else:
        flash_success(_("Thank you. The plan stays open."))
    return redirect(back)


@bp.post("/parcours/<int:parcours_id>/consents/<int:consent_id>/answer")
@login_required
def answer_consent(parcours_id: int, consent_id: int):
    """The person (or their legal representative) agrees to share the plan with an
    organisation, refuses, or withdraws their consent; back to the page they answered on."""
    member = current_member(parcours_id)
    form = ConsentAnswerForm()
    back = {
        "easy": url_for("easyread.plan", parcours_id=parcours_id),
        "members": url_for("plans.members", parcours_id=parcours_id),
    }.get(request.form.get("from"), url_for("overview.parcours", parcours_id=parcours_id))
    answer = request.form.get("answer")
    if not form.validate_on_submit() or answer not in {"yes", "no"}:
        flash_error(_("Please answer yes or no."))
        return redirect(back)
    try:
        answered = consent.answer_consent(
            member, consent.consent_of(parcours_id, consent_id), answer == "yes"
        )
    except Conflict as error:
        flash_error(error.message)
        return redirect(back)
    name = answered.organisation.name
    if answered.is_given:
        flash_success(_("Thank you. %(organisation)s may now see the plan.", organisation=name))
    elif answered.status is ConsentStatus.withdrawn:
        flash_success(_("Thank you. %(organisation)s no longer sees the plan.", organisation=name))
    else:
        flash_success(_("Thank you. %(organisation)s does not see the plan.", organisation=name))
    return redirect(back)


@bp.post("/parcours/<int:parcours_id>/observatory")
@login_required
def observatory_opt_out(parcours_id: int):
    """The person (or their legal representative) leaves the plan out of the observatory's
    figures, or lets it count again; back to the members page (403 for anyone else)."""
    member = current_member(parcours_id)
    answer = request.form.get("answer")
    chosen = Form().validate_on_submit() and answer in {"out", "in"}
    if chosen and operations.set_observatory_opt_out(member, answer == "out"):
        if answer == "out":
            flash_success(_("The plan is left out of every figure of the observatory."))
        else:
            flash_success(_("The plan counts again in the observatory's figures."))
    return redirect(url_for("plans.members", parcours_id=parcours_id) + "#observatory-heading")


@bp.get("/parcours/<int:parcours_id>/log")
@login_required
def access_log(parcours_id: int):
    """Who saw or changed this plan, latest first."""
    member = current_member(parcours_id, reading="access_log")
    page = page_number()
    entries = db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.parcours_id == parcours_id)
        .options(joinedload(AccessLogEntry.user))
        .order_by(AccessLogEntry.id.desc())
        .offset((page - 1) * LOG_PAGE_SIZE)
        .limit(LOG_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "plans/log.html",
        member=member,
        parcours=member.parcours,
        entries=entries[:LOG_PAGE_SIZE],
        page=page,
        has_more=len(entries) > LOG_PAGE_SIZE,
    )
