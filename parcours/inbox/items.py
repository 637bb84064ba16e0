"""The items of a user's inbox: what waits for them (`parcours.timeline.awaiting`), each with
its words, for the standard and the easy-read pages, and where it is done."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import bindparam, select

from parcours.accounts.models import User
from parcours.core.i18n import format_day
from parcours.core.i18n import gettext as _
from parcours.core.models import run_statement
from parcours.plans.models import Member, Parcours
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
    Awaiting,
    awaiting_for,
)

# The easy-read pictogram of each kind.
PICTOGRAMS = {
    APPROVE_OBJECTIVE: "objective",
    GIVE_STANCE: "means",
    ANSWER_HANDOFF: "timeline",
    COMMITMENT_DUE: "commitments",
    CONFIRM_CLOSING: "decision",
    GIVE_CONSENT: "circle",
    CONFIRM_HANDOFF: "circle",
    CONFIRM_PAUSE: "circle",
    SIGN_STATEMENT: "write",
}


@dataclass(frozen=True)
class InboxItem:
    """One thing to do, in the reader's language."""

    id: str
    kind: str
    parcours_id: int
    person_name: str
    text: str  # for the standard pages and the API
    easy_text: str  # short and plain, for the easy-read pages
    url: str
    easy_url: str
    created_at: datetime | None
    overdue: bool = False
    read: bool = False  # a thing to do is never "read": it leaves once done

    @property
    def pictogram(self) -> str:
        return PICTOGRAMS[self.kind]


# The person's name of each of a user's plans (built once: the user is bound).
_PLAN_NAMES = (
    select(Parcours.id, Parcours.person_name)
    .join(Member, Member.parcours_id == Parcours.id)
    .where(Member.user_id == bindparam("user_id"), Member.left_at.is_(None))
)


def inbox_for(user: User, on: date, names: dict[int, str] | None = None) -> list[InboxItem]:
    """What waits for `user`, oldest first, in two queries however many plans they have (one
    when the page already knows the person's name of each plan, `names`)."""
    waiting = awaiting_for(user, on)
    if not waiting:
        return []
    names = (
        names if names is not None else dict(run_statement(_PLAN_NAMES, {"user_id": user.id}).all())
    )
    return [_item(item, names.get(item.parcours_id, ""), on) for item in waiting]


def inbox_of_plan(member: Member, on: date) -> list[InboxItem]:
    """What waits for this member in their plan (one query; the plan's page logs the read)."""
    mine = [i for i in awaiting_for(member.user, on) if i.parcours_id == member.parcours_id]
    return [_item(item, member.parcours.person_name, on) for item in mine]


def _item(item: Awaiting, person_name: str, on: date) -> InboxItem:
    pid = item.parcours_id
    overdue = item.kind == COMMITMENT_DUE and item.due_on is not None and item.due_on < on
    text, easy_text, url, easy_url = _words_and_places(item, pid, overdue)
    return InboxItem(
        id=item.key,
        kind=item.kind,
        parcours_id=pid,
        person_name=person_name,
        text=text,
        easy_text=easy_text,
        url=url,
        easy_url=easy_url,
        created_at=item.since,
        overdue=overdue,
    )


def _words_and_places(item: Awaiting, pid: int, overdue: bool) -> tuple[str, str, str, str]:
    """The sentence, the easy-read sentence, the page where it is done and its easy-read
    page."""
    if item.kind == APPROVE_OBJECTIVE:
        return (
            _("Version %(n)d of the shared objective waits for your approval.", n=item.subject_id),
            _("Read the new goal, and say if you agree."),
            url_for("alliance.objective", parcours_id=pid),
            url_for("easyread.objective", parcours_id=pid),
        )
    if item.kind == GIVE_STANCE:
        return (
            _("A proposal waits for your stance."),
            _("Give your opinion on an idea."),
            url_for("means.proposal", parcours_id=pid, means_id=item.subject_id),
            url_for("easyread.idea", parcours_id=pid, means_id=item.subject_id),
        )
    if item.kind == ANSWER_HANDOFF:
        url = url_for("timeline.handoff", parcours_id=pid, handoff_id=item.subject_id)
        return (
            _("A hand-off to your organisation waits for its answer."),
            _("A service asks yours to take over: answer it."),
            url,
            url,
        )
    if item.kind == COMMITMENT_DUE:
        day = format_day(item.due_on, "long")
        if overdue:
            text = _("One of your commitments was due on %(date)s: it is overdue.", date=day)
            easy = _("You said you would do something by %(date)s. It is late.", date=day)
        else:
            text = _("One of your commitments is due on %(date)s.", date=day)
            easy = _("You said you would do something by %(date)s.", date=day)
        return (
            text,
            easy,
            url_for("means.commitments", parcours_id=pid),
            url_for("easyread.commitments", parcours_id=pid),
        )
    if item.kind == CONFIRM_CLOSING:
        return (
            _("The pilot asks to close the plan: it waits for your answer."),
            _("Someone wants to close your plan. Say if you agree."),
            url_for("overview.parcours", parcours_id=pid),
            url_for("easyread.plan", parcours_id=pid, _anchor="closing"),
        )
    if item.kind == CONFIRM_HANDOFF:
        return (
            _("Say whether you took part in preparing a transition."),
            _("Were you there when we prepared a change of service? Say it."),
            url_for("timeline.handoff", parcours_id=pid, handoff_id=item.subject_id),
            url_for("easyread.plan", parcours_id=pid, _anchor=f"confirm-handoff-{item.subject_id}"),
        )
    if item.kind == CONFIRM_PAUSE:
        return (
            _("Say whether you chose a pause."),
            _("Did you choose this pause? Say it."),
            url_for("timeline.index", parcours_id=pid),
            url_for("easyread.plan", parcours_id=pid, _anchor=f"confirm-pause-{item.subject_id}"),
        )
    if item.kind == SIGN_STATEMENT:
        return (
            _("A statement for the services or the territory waits for your signature."),
            _("Read what we want to tell the services, and sign it if you agree."),
            url_for("statements.index", parcours_id=pid, _anchor=f"statement-{item.subject_id}"),
            url_for("easyread.plan", parcours_id=pid, _anchor=f"sign-statement-{item.subject_id}"),
        )
    # GIVE_CONSENT
    return (
        _("An organisation waits for your agreement to see the plan."),
        _("A new service wants to see your plan. Say if you agree."),
        url_for("plans.members", parcours_id=pid),
        url_for("easyread.plan", parcours_id=pid, _anchor=f"consent-{item.subject_id}"),
    )
