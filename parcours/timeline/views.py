"""Pages: the timeline, episodes, hand-offs and their answers, and the caseload."""

import math
from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from parcours.accounts.throttling import check_answer_link_visit
from parcours.alliance.models import Approval, ObjectiveVersion, version_in_force
from parcours.core.audit import record_reads
from parcours.core.errors import Conflict, DomainError, NotFound, StaleVersion
from parcours.core.forms import Form
from parcours.core.i18n import format_day
from parcours.core.i18n import gettext as _
from parcours.core.idempotency import new_token
from parcours.core.models import today
from parcours.core.names import shown_name
from parcours.core.navigation import external_url, id_parameter, page_number
from parcours.core.views import flash_error, flash_success, perform, place_error
from parcours.extensions import db
from parcours.plans.access import current_member, current_member_among
from parcours.plans.consent import ConsentPending
from parcours.plans.models import Member
from parcours.plans.operations import (
    current_members,
    members_ever,
    settings_changes,
    speaks_for_person,
)
from parcours.timeline import operations
from parcours.timeline.awaiting import (
    ANSWER_HANDOFF,
    APPROVE_OBJECTIVE,
    COMMITMENT_DUE,
    CONFIRM_CLOSING,
    CONFIRM_HANDOFF,
    CONFIRM_PAUSE,
    GIVE_CONSENT,
    GIVE_STANCE,
    SIGN_STATEMENT,
)
from parcours.timeline.chart import ruptures, timeline_chart
from parcours.timeline.checks import Flag, FlagKind, compute_flags
from parcours.timeline.drawing import chart_svg
from parcours.timeline.forms import (
    AcknowledgementForm,
    AnswerForm,
    DeclineForm,
    EditEpisodeForm,
    EditHandoffForm,
    EpisodeDeletionForm,
    EpisodeForm,
    HandoffForm,
    NewHandoffForm,
    PhoneAnswerForm,
)
from parcours.timeline.inputs import approvers_of, as_of, handoff_data, timeline_from
from parcours.timeline.messages import (
    BADGE_LETTERS,
    ELEMENT_LABELS,
    KIND_LABELS,
    SEVERITY_LABELS,
    confirmation_summary,
    describe,
    next_step,
)
from parcours.timeline.models import (
    EPISODE_FIELD_LABELS,
    DeclinedBy,
    Episode,
    EpisodeKind,
    Handoff,
    HandoffStatus,
    episode_changes,
    episode_revision,
    episodes_of,
    episodes_shown,
    handoff_revision,
    handoffs_shown,
)
from parcours.timeline.snapshots import caseload as load_caseload
from parcours.timeline.snapshots import caseload_filter, caseload_organisations

bp = Blueprint("timeline", __name__)
# The chart, drawn in Python: the timeline page's and the printable plan's (exports).
bp.add_app_template_global(chart_svg, "chart_svg")

CASELOAD_PAGE_SIZE = 50

LABELS = {
    "element_labels": ELEMENT_LABELS,
    "badge_letters": BADGE_LETTERS,
    "kind_labels": KIND_LABELS,
    "severity_labels": SEVERITY_LABELS,
}


@bp.get("/parcours/<int:parcours_id>/timeline")
@login_required
def index(parcours_id: int):
    """The timeline: episodes and hand-offs on a time axis, the flags, and the same as tables."""
    members = members_ever(parcours_id)
    member = current_member_among(parcours_id, members, reading="timeline")
    on = as_of(request.args.get("today"))
    episodes = episodes_shown(parcours_id, members)
    handoffs = handoffs_shown(parcours_id, episodes, members)
    timeline = timeline_from(member.parcours, episodes, handoffs, on)
    flags = compute_flags(timeline.input)
    person_name = member.parcours.person_name
    sentences = {f.key: describe(f, person_name) for f in flags}
    return render_template(
        "timeline/index.html",
        member=member,
        parcours=member.parcours,
        on=on,
        is_today=on == today(),
        episodes=episodes,
        handoffs=handoffs,
        relais={h.id: timeline.handoff(h.id).relais for h in handoffs},
        chart=timeline_chart(timeline.input, flags),
        episodes_by_id={e.id: e for e in episodes},
        # aligned with chart.gaps
        gap_titles=[sentences[f.key] for f in ruptures(flags)],
        flags=[
            (
                f,
                sentences[f.key],
                next_step(f, not member.is_professional),
                _flag_link(parcours_id, f),
            )
            for f in flags
        ],
        can_acknowledge=operations.can_acknowledge(member),
        answer_tokens={f.key: new_token() for f in flags if f.acknowledged is None},
        referents={m.id: m for m in members},
        # "declared by Claire, not yet confirmed by Thomas", for hand-offs and pauses
        confirmations={
            record: sentence
            for record in (*handoffs, *(e for e in episodes if e.is_pause))
            if (sentence := confirmation_summary(record, person_name))
        },
        speaks_for_person=speaks_for_person(member),
        relais_phrases=_relais_phrases(),
        rule_changes=settings_changes(parcours_id, members),
        **LABELS,
    )


@bp.post("/parcours/<int:parcours_id>/timeline/flags/<key>/acknowledgement")
@login_required
def acknowledge_flag(parcours_id: int, key: str):
    """Answer a flag with a note: it stays on the timeline, answered."""
    member = current_member(parcours_id)
    form = AcknowledgementForm()
    if not form.validate_on_submit():
        flash_error(_("Please say what is being done about it."))
    else:
        perform(
            lambda: operations.acknowledge_flag(member, key, form.note.data),
            _("The check is answered: it stays on the timeline, with your note."),
        )
    return redirect(url_for("timeline.index", parcours_id=parcours_id) + "#flags-heading")


def _caseload_orders() -> dict[str, str]:
    return {
        "urgency": _("the most urgent first"),
        "activity": _("the latest activity first"),
        "name": _("by name"),
    }


def _awaiting_labels() -> dict[str, str]:
    return {
        APPROVE_OBJECTIVE: _("the objective to approve"),
        GIVE_STANCE: _("a proposal to give your stance on"),
        ANSWER_HANDOFF: _("a hand-off to answer"),
        COMMITMENT_DUE: _("a commitment of yours due soon or late"),
        CONFIRM_CLOSING: _("a closing to confirm"),
        GIVE_CONSENT: _("a consent to give"),
        CONFIRM_HANDOFF: _("a transition to confirm you took part in"),
        CONFIRM_PAUSE: _("a pause to confirm you chose"),
        SIGN_STATEMENT: _("a statement to sign"),
    }


def _answer_for_person(parcours_id: int, confirm) -> object:
    """The person (or their legal representative) answers yes or no; back to the page they
    answered on (the easy-read plan page, or the timeline). Anyone else: 403."""
    member = current_member(parcours_id)
    easy = request.form.get("from") == "easy"
    back = url_for("easyread.plan" if easy else "timeline.index", parcours_id=parcours_id)
    answer = request.form.get("answer")
    if not Form().validate_on_submit() or answer not in {"yes", "no"}:
        flash_error(_("Please answer yes or no."))
        return redirect(back)
    try:
        confirm(member, answer == "yes")
    except Conflict as error:  # a refusal to anyone else is a 403 (Forbidden propagates)
        flash_error(error.message)
    else:
        flash_success(_("Your answer is saved. Thank you."))
    return redirect(back)


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/person-confirmation")
@login_required
def confirm_handoff(parcours_id: int, handoff_id: int):
    """The person says whether they took part in the transition (yes or no)."""
    return _answer_for_person(
        parcours_id,
        lambda member, yes: operations.confirm_person_involved(
            member, operations.handoff_of(parcours_id, handoff_id), yes
        ),
    )


@bp.post("/parcours/<int:parcours_id>/timeline/episodes/<int:episode_id>/person-confirmation")
@login_required
def confirm_episode(parcours_id: int, episode_id: int):
    """The person says whether they chose this pause (yes or no)."""
    return _answer_for_person(
        parcours_id,
        lambda member, yes: operations.confirm_pause(
            member, operations.episode_of(parcours_id, episode_id), yes
        ),
    )


def _relais_phrases() -> dict[str, dict[bool, str]]:
    """ "Meaning note: missing"… for each element and state, translated once per page."""
    states = {True: _("yes"), False: _("missing")}
    return {
        name: {
            present: _("%(element)s: %(state)s", element=label, state=state)
            for present, state in states.items()
        }
        for name, label in ELEMENT_LABELS.items()
    }


def _flag_link(parcours_id: int, flag: Flag) -> tuple[str, str] | None:
    """Where to act on a flag, and the link's words."""
    if flag.handoff_id is not None:
        url = url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=flag.handoff_id)
        return url, _("Open the hand-off")
    if flag.kind is FlagKind.MISSING_HANDOFF:
        args = {"from": flag.episode_ids[0]}
        if len(flag.episode_ids) > 1:
            args["to"] = flag.episode_ids[1]
        return url_for("timeline.new_handoff", parcours_id=parcours_id, **args), _(
            "Record the hand-off"
        )
    if flag.kind is FlagKind.ONGOING_RUPTURE:
        return url_for("timeline.new_episode", parcours_id=parcours_id), _("Add an episode")
    if flag.means_id is not None:
        url = url_for("means.proposal", parcours_id=parcours_id, means_id=flag.means_id)
        return url, _("Open the decision")
    if flag.commitment_id is not None:
        return url_for("means.commitments", parcours_id=parcours_id), _("See the commitments")
    if flag.kind is FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT:
        return url_for("alliance.objective", parcours_id=parcours_id), _("See the objective")
    return None


def _episode_form(member: Member, episode: Episode | None = None) -> EpisodeForm:
    values = {"kind": EpisodeKind.school.value, "referent_member_id": 0}
    if episode is not None:
        values = {
            "kind": episode.kind.value,
            "organisation": episode.organisation.name if episode.organisation else "",
            "label": episode.label,
            "start_date": episode.start_date,
            "end_date": episode.end_date,
            "referent_member_id": episode.referent_member_id or 0,
            "person_agreed": episode.person_agreed,
        }
        values["base_revision"] = episode_revision(episode.id)
    form = (EpisodeForm if episode is None else EditEpisodeForm)(data=values)
    choices = [SelectChoice(m.id, m.name) for m in current_members(member.parcours_id)]
    former = episode.referent_member_id if episode is not None else None
    if former and all(choice.value != former for choice in choices):
        name = db.session.get(Member, former).name
        choices.append(SelectChoice(former, _("%(name)s (left the plan)", name=name)))
    form.referent_member_id.choices = [SelectChoice(0, _("Nobody in particular")), *choices]
    return form


_EPISODE_ERRORS = {
    "end_before_start": "end_date",
    "date_out_of_range": "start_date",
    "pause_with_organisation": "organisation",
    "missing_organisation": "organisation",
    "pause_not_agreed": "person_agreed",
    "invalid_referent": "referent_member_id",
    "text_too_long": "label",
}


def _save_episode(member: Member, form: EpisodeForm, episode: Episode | None):
    """Validate, save and redirect; or None with the errors set on the form. An edit based on
    an old revision raises StaleVersion, the form keeping what was typed."""
    if not form.validate_on_submit():
        return None
    values = {
        "kind": EpisodeKind(form.kind.data),
        "organisation": form.organisation.data,
        "label": form.label.data,
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
        "referent_member_id": form.referent_member_id.data or None,
        "person_agreed": form.person_agreed.data,
    }
    try:
        if episode is None:
            episode = operations.add_episode(member, **values)
        else:
            operations.update_episode(
                member, episode, **values, base_revision=form.base_revision.data
            )
    except StaleVersion:
        raise
    except DomainError as error:
        place_error(error, form, _EPISODE_ERRORS, default="kind")
        return None
    flash_success(_("The episode %(label)s is saved.", label=episode.display_label))
    return redirect(url_for("timeline.index", parcours_id=member.parcours_id))


@bp.route("/parcours/<int:parcours_id>/timeline/episodes/new", methods=["GET", "POST"])
@login_required
def new_episode(parcours_id: int):
    """Record a service accompanying the person, or a pause they chose."""
    member = current_member(parcours_id, reading="timeline")
    form = _episode_form(member)
    if (done := _save_episode(member, form, None)) is not None:
        return done
    return render_template(
        "timeline/episode_form.html", member=member, parcours=member.parcours, form=form
    ), 422 if form.is_submitted() else 200


@bp.route(
    "/parcours/<int:parcours_id>/timeline/episodes/<int:episode_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_episode(parcours_id: int, episode_id: int):
    """Correct an episode or record its end."""
    member = current_member(parcours_id, reading="timeline")
    episode = operations.episode_of(parcours_id, episode_id)
    form = _episode_form(member, episode)
    conflict = None
    try:
        if (done := _save_episode(member, form, episode)) is not None:
            return done
    except StaleVersion as error:
        conflict = error
        # The next save starts from what was saved in between; the form keeps mine.
        form.base_revision.raw_data = []
        form.base_revision.data = episode_revision(episode.id)
    return render_template(
        "timeline/episode_form.html",
        member=member,
        parcours=member.parcours,
        form=form,
        episode=episode,
        conflict=conflict,
        changes=[(change, _shown_changes(change)) for change in episode_changes(episode.id)],
        deletion_form=EpisodeDeletionForm(formdata=None),
    ), 409 if conflict else 422 if form.is_submitted() else 200


@bp.post("/parcours/<int:parcours_id>/timeline/episodes/<int:episode_id>/deletion")
@login_required
def delete_episode(parcours_id: int, episode_id: int):
    """Delete an episode entered by mistake, with why (whoever recorded it, or the pilot)."""
    member = current_member(parcours_id)
    episode = operations.episode_of(parcours_id, episode_id)
    form = EpisodeDeletionForm()
    if not form.validate_on_submit():
        flash_error(form.reason.errors[0] if form.reason.errors else _("Please try again."))
        return redirect(
            url_for("timeline.edit_episode", parcours_id=parcours_id, episode_id=episode_id)
        )
    label = episode.display_label
    if not perform(
        lambda: operations.delete_episode(member, episode, reason=form.reason.data),
        _("The episode %(label)s is deleted.", label=label),
    ):
        return redirect(
            url_for("timeline.edit_episode", parcours_id=parcours_id, episode_id=episode_id)
        )
    return redirect(url_for("timeline.index", parcours_id=parcours_id))


def _shown_changes(change) -> list[tuple[str, str, str]]:
    """(field, before, after) of a correction, in the reader's language."""

    def shown(name: str, value: str | None) -> str:
        if value is None:
            return _("(empty)")
        if name == "kind":
            return str(EpisodeKind(value).label)
        if name.endswith("_date"):
            return format_day(date.fromisoformat(value), "medium")
        return shown_name(value)

    return [
        (str(EPISODE_FIELD_LABELS[name]), shown(name, before), shown(name, after))
        for name, (before, after) in change.changes.items()
    ]


def _episode_choices(episodes: list[Episode]) -> list[SelectChoice]:
    return [
        SelectChoice(
            e.id,
            _(
                "%(label)s (%(start)s to %(end)s)",
                label=e.display_label,
                start=format_day(e.start_date, "short"),
                end=format_day(e.end_date, "short") if e.end_date else "…",
            ),
        )
        for e in episodes
    ]


_HANDOFF_ERRORS = {
    "invalid_from_episode": "from_episode_id",
    "missing_receiver": "receiver",
    "several_receivers": "receiver",
    "invalid_to_episode": "to_episode_id",
    "same_episode": "to_episode_id",
    "text_too_long": "receiving_organisation",
}


def _receiving_values(form: HandoffForm) -> dict:
    """The receiving side chosen by the radio buttons (the other fields are ignored)."""
    receiver = form.receiver.data
    return {
        "to_episode_id": form.to_episode_id.data or None if receiver == "episode" else None,
        "receiving_organisation": form.receiving_organisation.data
        if receiver == "organisation"
        else None,
        "to_person_and_family": receiver == "person_and_family",
    }


def _receiver_errors(form: HandoffForm) -> bool:
    """Require the field that goes with the chosen receiving side."""
    if form.receiver.data == "episode" and not form.to_episode_id.data:
        form.to_episode_id.errors.append(_("Please choose the service that takes over."))
        return True
    if (
        form.receiver.data == "organisation"
        and not (form.receiving_organisation.data or "").strip()
    ):
        form.receiving_organisation.errors.append(_("Please give the organisation's name."))
        return True
    return False


def _handoff_form_page(member, form, handoff=None, status=200, conflict=None):
    return render_template(
        "timeline/handoff_form.html",
        member=member,
        parcours=member.parcours,
        form=form,
        handoff=handoff,
        conflict=conflict,
        objective=_objective_context(
            member.parcours_id, handoff, current_members(member.parcours_id)
        )
        if handoff
        else None,
        **LABELS,
    ), status


@bp.route("/parcours/<int:parcours_id>/timeline/handoffs/new", methods=["GET", "POST"])
@login_required
def new_handoff(parcours_id: int):
    """Propose a hand-off, with what is known of the relais de sens."""
    member = current_member(parcours_id, reading="timeline")
    episodes = episodes_of(parcours_id)
    if not episodes:
        flash_error(_("Record the episode the hand-off starts from first."))
        return redirect(url_for("timeline.new_episode", parcours_id=parcours_id))
    form = NewHandoffForm()
    if request.method == "GET":
        form.from_episode_id.data = id_parameter("from") or 0
        if to := id_parameter("to"):
            form.receiver.data, form.to_episode_id.data = "episode", to
    choices = _episode_choices(episodes)
    form.from_episode_id.choices = [SelectChoice(0, _("Choose an episode")), *choices]
    form.to_episode_id.choices = [SelectChoice(0, _("Choose a service")), *choices]
    if form.validate_on_submit() and not _receiver_errors(form):
        try:
            handoff = operations.propose_handoff(
                member,
                from_episode_id=form.from_episode_id.data,
                **_receiving_values(form),
                person_involved=form.person_involved.data,
                services_in_contact=form.services_in_contact.data,
                meaning_note=form.meaning_note.data,
            )
        except DomainError as error:
            place_error(error, form, _HANDOFF_ERRORS, default="receiver")
        else:
            flash_success(_("The hand-off is proposed."))
            return redirect(
                url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff.id)
            )
    return _handoff_form_page(member, form, status=422 if form.is_submitted() else 200)


def _objective_context(parcours_id: int, handoff: Handoff, members: list[Member]) -> dict:
    """What the page says about element (1): is there an objective in force, who from the
    receiving side approved it, and who else from that side is a member to ask or invite.
    An accepted hand-off is judged against the version in force when it was accepted."""
    organisation = handoff.receiving_organisation_in_effect
    in_force = version_in_force(parcours_id)
    if handoff.objective_version_id is not None:
        in_force = db.session.get(ObjectiveVersion, handoff.objective_version_id)
    approved = set(
        db.session.scalars(select(Approval.member_id).where(Approval.version_id == in_force.id))
        if in_force
        else ()
    )
    people = operations.receiving_members(handoff, members)
    return {
        "in_force": in_force,
        "recorded": handoff.objective_version_id is not None,
        "passed": handoff_data(handoff, approvers_of(parcours_id)).objective_passed,
        "organisation": organisation,
        "people": people,
        "approvers": [m for m in people if m.id in approved],
    }


def _offer_refusals(form: DeclineForm, may_answer: bool, for_person: bool) -> DeclineForm:
    """The decline form shows the refusals the member may say: the receiving side's, and the
    person's for the person or their legal representative (none at all for the others). A
    refusal sent that is not theirs is read, then refused by the operation (403)."""
    form.declined_by.choices = [
        SelectChoice(d.value, d.label)
        for d, allowed in ((DeclinedBy.service, may_answer), (DeclinedBy.person, for_person))
        if allowed
    ]
    return form


def _handoff_page(
    member: Member,
    handoff: Handoff,
    decline_form=None,
    status: int = 200,
    phone_form=None,
    new_link_url: str | None = None,
):
    members = current_members(member.parcours_id)
    may_answer = operations.may_answer(member, handoff, members)
    receivers = operations.receiving_members(handoff, members)
    answer_link = operations.active_answer_link(handoff.id)
    return render_template(
        "timeline/handoff.html",
        member=member,
        parcours=member.parcours,
        handoff=handoff,
        relais=handoff_data(handoff, approvers_of(member.parcours_id)).relais,
        objective=_objective_context(member.parcours_id, handoff, members),
        confirmation=confirmation_summary(handoff, member.parcours.person_name),
        speaks_for_person=speaks_for_person(member),
        may_answer=may_answer,
        link_possible=handoff.status is HandoffStatus.proposed
        and not receivers
        and handoff.receiving_organisation_in_effect is not None,
        answer_link=answer_link,
        link_waiting=operations.link_waits_for_consent(handoff)
        if answer_link or new_link_url
        else None,
        new_link_url=new_link_url,
        decline_form=decline_form
        or _offer_refusals(DeclineForm(formdata=None), may_answer, speaks_for_person(member)),
        phone_form=phone_form or PhoneAnswerForm(formdata=None),
        **LABELS,
    ), status


@bp.get("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>")
@login_required
def handoff(parcours_id: int, handoff_id: int):
    """A hand-off: its relais de sens, its answers and its history."""
    member = current_member(parcours_id, reading="timeline")
    return _handoff_page(member, operations.handoff_of(parcours_id, handoff_id))


@bp.route(
    "/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_handoff(parcours_id: int, handoff_id: int):
    """Change who takes over, or the relais-de-sens checklist."""
    member = current_member(parcours_id, reading="timeline")
    handoff = operations.handoff_of(parcours_id, handoff_id)
    if handoff.status is HandoffStatus.declined:
        flash_error(_("This hand-off was declined: propose a new one instead."))
        return redirect(url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id))
    receiver = (
        "person_and_family"
        if handoff.to_person_and_family
        else "episode"
        if handoff.to_episode_id
        else "organisation"
    )
    form = EditHandoffForm(
        data={
            "base_revision": handoff_revision(handoff.id),
            "receiver": receiver,
            "to_episode_id": handoff.to_episode_id or 0,
            "receiving_organisation": handoff.receiving_organisation.name
            if handoff.receiving_organisation
            else "",
            "person_involved": handoff.person_involved,
            "services_in_contact": handoff.services_in_contact,
            "meaning_note": handoff.meaning_note,
        }
    )
    episodes = [e for e in episodes_of(parcours_id) if e.id != handoff.from_episode_id]
    form.to_episode_id.choices = [
        SelectChoice(0, _("Choose a service")),
        *_episode_choices(episodes),
    ]
    conflict = None
    if form.validate_on_submit() and not _receiver_errors(form):
        try:
            operations.update_handoff(
                member,
                handoff,
                **_receiving_values(form),
                person_involved=form.person_involved.data,
                services_in_contact=form.services_in_contact.data,
                meaning_note=form.meaning_note.data,
                base_revision=form.base_revision.data,
            )
        except StaleVersion as error:
            conflict = error
            # The next save starts from what was saved in between; the form keeps mine.
            form.base_revision.raw_data = []
            form.base_revision.data = handoff_revision(handoff.id)
        except DomainError as error:
            place_error(error, form, _HANDOFF_ERRORS, default="receiver")
        else:
            flash_success(_("The hand-off is saved."))
            return redirect(
                url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id)
            )
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return _handoff_form_page(member, form, handoff, status=status, conflict=conflict)


def _answer(parcours_id: int, handoff_id: int, answer, message: str):
    """Accept or complete a hand-off (a button), then back to its page."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    if not Form().validate_on_submit():
        flash_error(_("The form expired. Please try again."))
    else:
        try:
            answer(member, handoff)
        except DomainError as error:
            flash_error(error.message)
            return _handoff_page(member, handoff, status=error.status)
        flash_success(message)
    return redirect(url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id))


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/accept")
@login_required
def accept_handoff(parcours_id: int, handoff_id: int):
    """Record that the receiving side accepted the hand-off."""
    return _answer(
        parcours_id, handoff_id, operations.accept_handoff, _("The hand-off is accepted.")
    )


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/complete")
@login_required
def complete_handoff(parcours_id: int, handoff_id: int):
    """Record that the hand-off took place."""
    return _answer(
        parcours_id, handoff_id, operations.complete_handoff, _("The hand-off is completed.")
    )


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/decline")
@login_required
def decline_handoff(parcours_id: int, handoff_id: int):
    """Record that the receiving service, or the person, declined the hand-off, and why."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    form = DeclineForm()
    may_answer = operations.may_answer(member, handoff, current_members(parcours_id))
    if not form.validate_on_submit():
        _offer_refusals(form, may_answer, speaks_for_person(member))
        return _handoff_page(member, handoff, form, 422)
    try:
        operations.decline_handoff(
            member, handoff, reason=form.reason.data, declined_by=DeclinedBy(form.declined_by.data)
        )
    except DomainError as error:
        place_error(
            error,
            form,
            {"not_receiving_service": "declined_by", "not_the_person": "declined_by"},
            default="reason",
        )
        if not _offer_refusals(form, may_answer, speaks_for_person(member)).declined_by.choices:
            flash_error(error.message)  # the form is not shown to them: the page says why
        return _handoff_page(member, handoff, form, error.status)
    flash_success(_("The hand-off is recorded as declined."))
    return redirect(url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id))


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/phone-answer")
@login_required
def phone_answer(parcours_id: int, handoff_id: int):
    """The pilot records the answer the receiving service gave by phone."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    form = PhoneAnswerForm()
    if not form.validate_on_submit():
        return _handoff_page(member, handoff, status=422, phone_form=form)
    try:
        operations.change_status(
            member,
            handoff,
            HandoffStatus(form.answer.data),
            reason=form.reason.data,
            declined_by=DeclinedBy.service,
            by_phone=form.answered_by.data,
        )
    except DomainError as error:
        place_error(
            error,
            form,
            {"missing_reason": "reason", "text_too_long": "reason"},
            default="answered_by",
        )
        return _handoff_page(member, handoff, status=error.status, phone_form=form)
    flash_success(_("The answer given by phone is recorded."))
    return redirect(url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id))


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/answer-link")
@login_required
def create_answer_link(parcours_id: int, handoff_id: int):
    """Create an answer link for the receiving service; the page shows it this once."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    if not Form().validate_on_submit():
        flash_error(_("The form expired. Please try again."))
        return redirect(url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id))
    try:
        _link, token = operations.create_answer_link(member, handoff)
    except DomainError as error:
        flash_error(error.message)
        return _handoff_page(member, handoff, status=error.status)
    url = external_url("timeline.answer_page", token=token)
    return _handoff_page(member, handoff, status=201, new_link_url=url)


@bp.post("/parcours/<int:parcours_id>/timeline/handoffs/<int:handoff_id>/answer-link/revoke")
@login_required
def revoke_answer_link(parcours_id: int, handoff_id: int):
    """Withdraw the hand-off's answer link."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    if not Form().validate_on_submit():
        flash_error(_("The form expired. Please try again."))
    else:
        try:
            operations.revoke_answer_link(member, handoff)
        except DomainError as error:
            flash_error(error.message)
            return _handoff_page(member, handoff, status=error.status)
        flash_success(_("The answer link is withdrawn."))
    return redirect(url_for("timeline.handoff", parcours_id=parcours_id, handoff_id=handoff_id))


@bp.route("/handoff-answers/<token>", methods=["GET", "POST"])
def answer_page(token: str):
    """The receiving service answers a hand-off through its link, without an account."""
    check_answer_link_visit()
    try:
        view = operations.open_answer_link(token)
    except NotFound as error:
        return render_template("timeline/answer_not_found.html", message=error.message), 404
    except ConsentPending as error:
        return render_template("timeline/answer_waiting.html", message=error.message), 409
    form = AnswerForm(data={"organisation": view.receiving_organisation})
    if form.validate_on_submit():
        try:
            operations.answer_through_link(
                token,
                status=HandoffStatus(form.answer.data),
                name=form.name.data,
                function=form.function.data,
                organisation=form.organisation.data,
                reason=form.reason.data,
                approves_objective=form.approves_objective.data,
                in_contact=form.in_contact.data,
            )
        except NotFound as error:
            return render_template("timeline/answer_not_found.html", message=error.message), 404
        except ConsentPending as error:
            return render_template("timeline/answer_waiting.html", message=error.message), 409
        except DomainError as error:
            place_error(
                error,
                form,
                {"missing_name": "name", "missing_function": "function"},
                default="reason",
            )
        else:
            return render_template(
                "timeline/answer_thanks.html", view=view, accepted=form.answer.data == "accepted"
            )
    else:
        operations.record_link_opened(view)
    return render_template("timeline/answer.html", view=view, form=form), (
        422 if form.is_submitted() else 200
    )


@bp.get("/caseload")
@login_required
def caseload():
    """Every plan of the user, the most urgent first, with its open flags."""
    filters = caseload_filter(request.args)
    page = page_number()
    on: date = today()
    entries = load_caseload(current_user, on, filters)
    pages = max(math.ceil(len(entries) / CASELOAD_PAGE_SIZE), 1)
    page = min(page, pages)
    shown = entries[(page - 1) * CASELOAD_PAGE_SIZE : page * CASELOAD_PAGE_SIZE]
    record_reads([e.parcours_id for e in shown], current_user, "caseload")
    return render_template(
        "timeline/caseload.html",
        entries=shown,
        total=len(entries),
        page=page,
        pages=pages,
        first=(page - 1) * CASELOAD_PAGE_SIZE + 1,
        filters=filters,
        kind=filters.kind,
        organisations=caseload_organisations(current_user),
        orders=_caseload_orders(),
        awaiting_labels=_awaiting_labels(),
        on=on,
        **LABELS,
    )
