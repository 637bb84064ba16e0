"""Pages: the thread under a subject (the objective, a proposal, a hand-off), editing one's
own message, a message's earlier texts."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from parcours.core.errors import DomainError, StaleVersion
from parcours.core.i18n import gettext as _
from parcours.core.views import flash_success, place_error
from parcours.discussions import operations
from parcours.discussions.forms import CommentForm, EditCommentForm
from parcours.discussions.models import Comment, comment_counts, thread
from parcours.plans.access import current_member, current_member_among
from parcours.plans.models import Member
from parcours.plans.operations import current_members

bp = Blueprint("discussions", __name__)

SUBJECT_PAGES = {
    "objective": ("alliance.objective", None),
    "means": ("means.proposal", "means_id"),
    "handoff": ("timeline.handoff", "handoff_id"),
}

# The refusals shown next to a field of the forms (the others, above: a closed plan…).
WRITE_FIELDS = {code: name for code, name in operations.FIELD_OF.items() if name != "about"}
EDIT_FIELDS = {"missing_text": "text", "text_too_long": "text", "no_change": "text"}


@bp.app_template_global()
def discussion_count(parcours_id: int, about: str) -> int:
    """How many messages the thread under a subject holds, for the subject's page to link to
    it: one query per page, however many subjects it lists (kept for the request)."""
    counts = g.setdefault("discussion_counts", {})
    if parcours_id not in counts:
        counts[parcours_id] = comment_counts(parcours_id)
    return counts[parcours_id].get(about, 0)


def subject_url(parcours_id: int, subject: operations.Subject) -> str:
    endpoint, key = SUBJECT_PAGES[subject.kind]
    return url_for(endpoint, parcours_id=parcours_id, **({key: subject.id} if key else {}))


def _comment_form(member: Member, members: list[Member], comments: list[Comment], form=None):
    form = form or CommentForm(formdata=None, reply_to=request.args.get("reply_to", 0, type=int))
    form.reply_to.choices = [SelectChoice(0, _("Nobody: a new message"))] + [
        SelectChoice(
            c.id,
            _("%(name)s's message %(n)d", name=c.voice.name, n=c.id),
        )
        for c in comments
    ]
    form.mentions.choices = [SelectChoice(m.id, m.name) for m in members if m.id != member.id]
    form.on_behalf_of.choices = [SelectChoice(0, _("In my own name"))] + [
        SelectChoice(m.id, _("For %(name)s, written by me", name=m.name))
        for m in members
        if m.is_person and m.id != member.id
    ]
    return form


def _thread_page(member, members, subject, form=None, status=200):
    comments = thread(member.parcours_id, subject.about, history=False)
    parcours = member.parcours
    return render_template(
        "discussions/thread.html",
        member=member,
        parcours=parcours,
        subject=subject,
        subject_url=subject_url(parcours.id, subject),
        comments=comments,
        by_id={c.id: c for c in comments},
        closed=operations.is_closed(parcours),
        form=_comment_form(member, members, comments, form),
    ), status


@bp.get("/parcours/<int:parcours_id>/discussions/<about>")
@login_required
def thread_page(parcours_id: int, about: str):
    """The discussion under a subject, oldest first, with the form to write (or reply)."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading="discussion")
    try:
        subject = operations.subject_of(parcours_id, about)
    except DomainError:
        return render_template("error.html", error=operations.no_such_thread()), 404
    return _thread_page(member, members, subject)


@bp.post("/parcours/<int:parcours_id>/discussions/<about>")
@login_required
def write(parcours_id: int, about: str):
    """Write a message in the discussion (a reply, mentions, maybe for the person)."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members)
    try:
        subject = operations.subject_of(parcours_id, about)
    except DomainError:
        return render_template("error.html", error=operations.no_such_thread()), 404
    form = CommentForm()
    _comment_form(member, members, thread(parcours_id, subject.about, history=False), form)
    if form.validate_on_submit():
        try:
            comment = operations.write_comment(
                member,
                subject.about,
                text=form.text.data,
                members=members,
                reply_to_id=form.reply_to.data or None,
                mention_ids=form.mentions.data or [],
                on_behalf_of_id=form.on_behalf_of.data or None,
            )
        except DomainError as error:
            if (refusal := place_error(error, form, WRITE_FIELDS)) is not None:
                raise refusal from None
        else:
            flash_success(_("Your message is in the discussion."))
            return redirect(
                url_for("discussions.thread_page", parcours_id=parcours_id, about=subject.about)
                + f"#comment-{comment.id}"
            )
    return _thread_page(member, members, subject, form, 422)


@bp.get("/parcours/<int:parcours_id>/comments/<int:comment_id>")
@login_required
def comment(parcours_id: int, comment_id: int):
    """A message, in its discussion (where the news of a reply or a mention open)."""
    current_member(parcours_id)
    found = operations.comment_of(parcours_id, comment_id)
    return redirect(
        url_for("discussions.thread_page", parcours_id=parcours_id, about=found.about)
        + f"#comment-{found.id}"
    )


@bp.get("/parcours/<int:parcours_id>/comments/<int:comment_id>/history")
@login_required
def history(parcours_id: int, comment_id: int):
    """A message as it is now and each of its earlier texts."""
    member = current_member(parcours_id, reading="discussion")
    found = operations.comment_of(parcours_id, comment_id)
    subject = operations.subject_of(parcours_id, found.about)
    return render_template(
        "discussions/history.html",
        member=member,
        parcours=member.parcours,
        subject=subject,
        comment=found,
    )


@bp.route("/parcours/<int:parcours_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(parcours_id: int, comment_id: int):
    """Change one's own message; a stale form is refused, what was typed kept and the message
    as saved shown next to it."""
    member = current_member(parcours_id, reading="discussion")
    found = operations.comment_of(parcours_id, comment_id)
    subject = operations.subject_of(parcours_id, found.about)
    form = EditCommentForm(
        formdata=request.form if request.method == "POST" else None,
        text=found.text,
        revision=found.revision,
    )
    conflict = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                operations.edit_comment(
                    member, found, text=form.text.data, revision=form.revision.data
                )
            except StaleVersion as error:
                conflict, status = error, 409
                form.revision.data = found.revision
            except DomainError as error:
                if (refusal := place_error(error, form, EDIT_FIELDS)) is not None:
                    raise refusal from None
            else:
                flash_success(_("Your message is changed; its earlier text is kept."))
                return redirect(
                    url_for("discussions.thread_page", parcours_id=parcours_id, about=found.about)
                    + f"#comment-{found.id}"
                )
    elif not found.can_edit(member):
        raise operations.not_author()
    elif operations.is_closed(member.parcours):
        raise operations.PlanClosed()
    return render_template(
        "discussions/edit.html",
        member=member,
        parcours=member.parcours,
        subject=subject,
        comment=found,
        form=form,
        conflict=conflict,
    ), status
