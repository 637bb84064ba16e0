"""Pages: the home page (my plans) and a plan's overview."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from parcours.accounts.models import is_observer
from parcours.alliance.objective import load_objective
from parcours.core.models import today
from parcours.inbox.views import read_inbox
from parcours.overview.summary import summaries_for
from parcours.plans.access import current_member_among
from parcours.plans.consent import pending_consents_of
from parcours.plans.easy_read import easy_read_on
from parcours.plans.operations import can_answer_closing, current_members, pending_closing
from parcours.timeline.checks import compute_flags
from parcours.timeline.inputs import load_timelines
from parcours.timeline.messages import KIND_LABELS, describe
from parcours.timeline.snapshots import SEARCH_MAX, folded

bp = Blueprint("overview", __name__)


@bp.get("/")
def home():
    """The user's parcours, or a short presentation for visitors."""
    if not current_user.is_authenticated:
        return render_template("overview/welcome.html")
    if easy_read_on(current_user):
        return redirect(url_for("easyread.home"))
    summaries = summaries_for(current_user)
    inbox = read_inbox(current_user, {s.parcours.id: s.parcours.person_name for s in summaries})
    search = " ".join(request.args.get("q", "").split())[:SEARCH_MAX]
    words = folded(search).split()
    shown = [s for s in summaries if all(w in folded(s.parcours.person_name) for w in words)]
    return render_template(
        "overview/home.html",
        summaries=shown,
        search=search,
        any_plan=bool(summaries),
        inbox=inbox,
        inbox_count=len(inbox),
        # Only asked of those with no plan: an observer has none (one query, then).
        observer=not summaries and is_observer(current_user),
    )


@bp.get("/parcours/<int:parcours_id>")
@login_required
def parcours(parcours_id: int):
    """A parcours at a glance: the objective, the members, what to do next."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading="parcours")
    objective = load_objective(parcours_id, members, disagreements=False)
    # Who approved each version is read with the answers to flags (one query): a hand-off is
    # judged against the version in force when it was accepted.
    timeline = load_timelines([parcours_id], today(), parcours=[member.parcours])[parcours_id]
    flags = compute_flags(timeline.input)
    return render_template(
        "overview/parcours.html",
        member=member,
        parcours=member.parcours,
        members=members,
        objective=objective,
        timeline=timeline,
        flags=[
            (flag, KIND_LABELS[flag.kind], describe(flag, member.parcours.person_name))
            for flag in flags
        ],
        means_by_status=timeline.means_by_status,
        my_commitments=[
            c for c in timeline.input.commitments if c.member_id == member.id and not c.kept
        ],
        today=today(),
        # Waiting for the person's (or legal representative's) answer: shown to them only
        # (the others see it on the settings page and the timeline).
        closing=pending_closing(parcours_id) if can_answer_closing(member) else None,
        # Sharing the plan with a new organisation waits for them too.
        consents=pending_consents_of(member),
    )
