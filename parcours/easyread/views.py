"""Easy-read pages: one task per screen, with pictograms, big buttons and read-aloud."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from parcours.alliance.diff import Piece, has_changes, line_diff, word_diff
from parcours.alliance.models import voice_of
from parcours.alliance.objective import Objective, load_objective
from parcours.alliance.operations import (
    approve_version,
    disagree_with_version,
    save_voice,
    withdraw_approval,
)
from parcours.core.errors import DomainError, Forbidden, StaleVersion
from parcours.core.forms import Form
from parcours.core.i18n import gettext as _
from parcours.core.models import TEXT_MAX, today
from parcours.core.views import flash_error, flash_success, perform
from parcours.easyread.blocks import big_link, picto, read_aloud
from parcours.inbox.items import inbox_of_plan
from parcours.inbox.views import read_inbox
from parcours.means.models import (
    StanceValue,
    current_stances,
    latest_decisions,
    negotiation_table,
    parcours_commitments,
)
from parcours.means.operations import (
    commitment_of,
    keep_commitment,
    means_of,
    take_stance,
    undo_kept,
)
from parcours.overview.summary import summaries_for
from parcours.plans.access import current_member, current_member_among
from parcours.plans.consent import pending_consents_of
from parcours.plans.operations import (
    current_members,
    current_of,
    members_ever,
    pending_closing,
)
from parcours.statements.operations import (
    answered_statements,
    awaiting_signature,
    sign_statement,
    statement_of,
)
from parcours.timeline.awaiting import (
    CONFIRM_CLOSING,
    CONFIRM_HANDOFF,
    CONFIRM_PAUSE,
    GIVE_CONSENT,
    SIGN_STATEMENT,
)
from parcours.timeline.models import awaiting_person

bp = Blueprint("easyread", __name__, url_prefix="/easy")
for block in (picto, read_aloud, big_link):
    bp.add_app_template_global(block)

# The three questions of "my words", in order: field, question, pictogram.
QUESTIONS = {
    "matters": "voice",
    "hopes": "objective",
    "help_me": "circle",
}


class AnswerForm(Form):
    answer = TextAreaField(validators=[Optional(), Length(max=TEXT_MAX)])


@bp.post("/switch")
@login_required
def switch():
    """Turn easy-read pages on or off for this account."""
    if not Form().validate_on_submit():
        abort(400)
    current_user.easy_read = request.form.get("on") == "1"
    return redirect(url_for("easyread.home" if current_user.easy_read else "overview.home"))


@bp.get("/")
@login_required
def home():
    """My plans, as big buttons (straight to the plan when there is only one)."""
    summaries = summaries_for(current_user)
    if len(summaries) == 1:
        return redirect(url_for("easyread.plan", parcours_id=summaries[0].parcours.id))
    inbox = read_inbox(current_user)
    return render_template(
        "easyread/home.html", summaries=summaries, inbox=inbox, inbox_count=len(inbox)
    )


@bp.get("/parcours/<int:parcours_id>")
@login_required
def plan(parcours_id: int):
    """The menu of a plan: my words, our goal, the ideas, my commitments, my circle."""
    member = current_member(parcours_id, reading="parcours")
    # What waits for me here says which cards to read: most visits need none of them.
    inbox = inbox_of_plan(member, today())
    kinds = {item.kind for item in inbox}
    # The person (or their legal representative) confirms what is theirs.
    handoffs, pauses = awaiting_person(
        parcours_id, handoffs=CONFIRM_HANDOFF in kinds, pauses=CONFIRM_PAUSE in kinds
    )
    return render_template(
        "easyread/plan.html",
        member=member,
        parcours=member.parcours,
        inbox=inbox,
        closing=pending_closing(parcours_id) if CONFIRM_CLOSING in kinds else None,
        consents=pending_consents_of(member) if GIVE_CONSENT in kinds else [],
        confirm_handoffs=handoffs,
        confirm_pauses=pauses,
        to_sign=awaiting_signature(member) if SIGN_STATEMENT in kinds else [],
        # The answers that came back to what the plan told the services (one query).
        answers=answered_statements(parcours_id),
    )


def _refusal_in_plain_words(error: DomainError) -> str:
    """What a refused signature means, in the short sentences of the easy-read pages."""
    return {
        "already_signed": _("You have already signed it. Thank you."),
        "plan_closed": _("Your plan is closed. Nobody can sign now."),
    }.get(error.code, error.message)


@bp.post("/parcours/<int:parcours_id>/statements/<int:statement_id>/signature")
@login_required
def sign(parcours_id: int, statement_id: int):
    """Yes, I sign what we want to tell the services; or not now (nothing changes). Back to
    my plan's page. Anyone who signs for no side: 403 (the operation says it)."""
    member = current_member(parcours_id)
    statement = statement_of(parcours_id, statement_id)
    answer = request.form.get("answer")
    if answer == "later":
        flash_success(_("OK. You can sign it later."))
    elif answer != "yes":
        flash_error(_("Please press one of the two buttons."))
    else:
        try:
            signed = sign_statement(member, statement)
        except Forbidden as error:
            plainly = _("Only the person, or the one who speaks for them, can sign here.")
            raise Forbidden(plainly, code=error.code) from None
        except DomainError as error:
            flash_error(_refusal_in_plain_words(error))
        else:
            flash_success(
                _("Thank you. You signed. It is sent to %(addressee)s.", addressee=signed.addressee)
                if signed.is_sent
                else _("Thank you. You signed. A professional signs it too, then it is sent.")
            )
    return redirect(url_for("easyread.plan", parcours_id=parcours_id))


@bp.get("/parcours/<int:parcours_id>/voice")
@login_required
def voice(parcours_id: int):
    """My words: the three questions and my answers."""
    member = current_member(parcours_id, reading="voices")
    return render_template(
        "easyread/voice.html",
        member=member,
        parcours=member.parcours,
        voice=voice_of(member),
        questions=QUESTIONS,
    )


@bp.route(
    "/parcours/<int:parcours_id>/voice/<any(matters, hopes, help_me):question>",
    methods=["GET", "POST"],
)
@login_required
def answer(parcours_id: int, question: str):
    """One question of my words, on its own screen."""
    member = current_member(parcours_id, reading="voices")
    current = voice_of(member)
    form = AnswerForm(answer=getattr(current, question, "") if current else "")
    conflict = None
    if form.validate_on_submit():
        texts = {name: getattr(current, name, "") if current else "" for name in QUESTIONS}
        texts["worries"] = current.worries if current else ""
        texts[question] = form.answer.data or ""
        try:
            save_voice(
                member,
                member,
                **texts,
                base_number=request.form.get("base_number", type=int, default=-1),
            )
        except StaleVersion as error:
            conflict = error
        except DomainError as error:
            form.answer.errors.append(error.message)
        else:
            flash_success(_("Saved. Thank you."))
            return redirect(url_for("easyread.voice", parcours_id=parcours_id))
        current = voice_of(member)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render_template(
        "easyread/answer.html",
        member=member,
        parcours=member.parcours,
        form=form,
        question=question,
        icon=QUESTIONS[question],
        base_number=current.number if current else 0,
        conflict=conflict,
    ), status


@bp.get("/parcours/<int:parcours_id>/objective")
@login_required
def objective(parcours_id: int):
    """Our goal: what it says, what a new version changes, who said yes, and my answer."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading="objective")
    objective = load_objective(parcours_id, members)
    return render_template(
        "easyread/objective.html",
        member=member,
        parcours=member.parcours,
        objective=objective,
        changes=changes_to_read(objective),
    )


def changes_to_read(objective: Objective) -> dict[str, list[Piece]] | None:
    """What the version waiting for approvals changes in the one in force: the goal word by
    word, the indicators line by line (one idea a line); None when there is nothing to
    compare or nothing changed in what the easy-read page shows."""
    latest, in_force = objective.latest, objective.in_force
    if latest is None or in_force is None or objective.agreed:
        return None
    changes = {
        "text": word_diff(in_force.text, latest.text),
        "indicators": line_diff(in_force.indicator_list, latest.indicator_list),
    }
    return changes if any(has_changes(pieces) for pieces in changes.values()) else None


@bp.post("/parcours/<int:parcours_id>/objective/<int:number>/yes")
@login_required
def approve(parcours_id: int, number: int):
    """I agree with our goal."""
    member = current_member(parcours_id)
    perform(lambda: approve_version(member, number), _("You said yes to the goal. Thank you."))
    return redirect(url_for("easyread.objective", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/objective/<int:number>/yes/withdrawal")
@login_required
def withdraw_yes(parcours_id: int, number: int):
    """I take my yes back (while the goal is not agreed by everyone)."""
    member = current_member(parcours_id)
    perform(lambda: withdraw_approval(member, number), _("Your yes is taken back."))
    return redirect(url_for("easyread.objective", parcours_id=parcours_id))


@bp.route("/parcours/<int:parcours_id>/objective/<int:number>/not-yet", methods=["GET", "POST"])
@login_required
def not_yet(parcours_id: int, number: int):
    """I don't agree yet: say what is missing (if I want to)."""
    member = current_member(parcours_id, reading="objective")
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            disagree_with_version(member, number, form.answer.data or "")
        except DomainError as error:
            flash_error(error.message)
        else:
            flash_success(_("Your answer is sent. The others will see it."))
        return redirect(url_for("easyread.objective", parcours_id=parcours_id))
    return render_template(
        "easyread/not_yet.html", member=member, parcours=member.parcours, form=form, number=number
    ), (422 if form.is_submitted() else 200)


@bp.get("/parcours/<int:parcours_id>/means")
@login_required
def means(parcours_id: int):
    """The ideas to reach the goal, and what I think of each."""
    members = current_of(members_ever(parcours_id))  # the proposals name the others
    member = current_member_among(parcours_id, members, reading="means")
    table = negotiation_table(parcours_id, members)
    return render_template(
        "easyread/means.html",
        member=member,
        parcours=member.parcours,
        table=table,
        decisions=latest_decisions([m.id for m in table.proposals]),
    )


@bp.route("/parcours/<int:parcours_id>/means/<int:means_id>", methods=["GET", "POST"])
@login_required
def idea(parcours_id: int, means_id: int):
    """One idea: what it is, what was decided and by whom, what the others think, and my
    answer with three big buttons."""
    member = current_member(parcours_id, reading="means")
    proposal = means_of(parcours_id, means_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            value = StanceValue(request.form.get("value", ""))
        except ValueError:
            form.answer.errors.append(_("Please press one of the three buttons."))
        else:
            try:
                take_stance(member, proposal, value=value, comment=form.answer.data or "")
            except DomainError as error:
                form.answer.errors.append(error.message)
            else:
                flash_success(_("Your answer is saved. Thank you."))
                return redirect(url_for("easyread.means", parcours_id=parcours_id))
    stances = current_stances(proposal.id)
    return render_template(
        "easyread/idea.html",
        member=member,
        parcours=member.parcours,
        proposal=proposal,
        mine=stances.get(member.id),
        others=[s for s in stances.values() if s.member_id != member.id],
        decision=latest_decisions([proposal.id]).get(proposal.id),
        form=form,
    ), (422 if form.is_submitted() else 200)


@bp.get("/parcours/<int:parcours_id>/commitments")
@login_required
def commitments(parcours_id: int):
    """What I said I would do, and what the others said they would do."""
    everyone = members_ever(parcours_id)  # the commitments name them
    member = current_member_among(parcours_id, everyone, reading="commitments")
    every = parcours_commitments(parcours_id)
    return render_template(
        "easyread/commitments.html",
        member=member,
        parcours=member.parcours,
        mine=[c for c in every if c.member_id == member.id],
        others=[c for c in every if c.member_id != member.id],
        today=today(),
    )


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/done")
@login_required
def done(parcours_id: int, commitment_id: int):
    """I did it. The page's revision of the commitment comes along: done by someone else in
    between, it says so."""
    member = current_member(parcours_id)
    base_revision = request.form.get("base_revision", type=int)
    perform(
        lambda: keep_commitment(
            member, commitment_of(parcours_id, commitment_id), base_revision=base_revision
        ),
        _("Well done! It is marked as done."),
    )
    return redirect(url_for("easyread.commitments", parcours_id=parcours_id))


@bp.post("/parcours/<int:parcours_id>/commitments/<int:commitment_id>/undo")
@login_required
def undo_done(parcours_id: int, commitment_id: int):
    """Oops, it is not done: undo "I did it" (within 7 days)."""
    member = current_member(parcours_id)
    base_revision = request.form.get("base_revision", type=int)
    perform(
        lambda: undo_kept(
            member, commitment_of(parcours_id, commitment_id), base_revision=base_revision
        ),
        _("OK. It is to do again."),
    )
    return redirect(url_for("easyread.commitments", parcours_id=parcours_id))


@bp.get("/parcours/<int:parcours_id>/circle")
@login_required
def circle(parcours_id: int):
    """The people around me in this plan."""
    member = current_member(parcours_id, reading="members")
    return render_template(
        "easyread/circle.html",
        member=member,
        parcours=member.parcours,
        members=current_members(parcours_id),
    )
