"""Means operations: propose, take a stance, decide, commit, keep a commitment, correct or
undo it, delete what was entered by mistake, review."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from parcours.alliance.models import ObjectiveVersion, version_in_force
from parcours.core.audit import Access, record
from parcours.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    StaleVersion,
    required_reason,
)
from parcours.core.i18n import gettext as _
from parcours.core.models import NAME_MAX, TEXT_MAX, today, utcnow
from parcours.extensions import db
from parcours.means.models import (
    ACTION_MAX,
    CARRIED_BY_MAX,
    INDICATOR_MAX,
    UNDO_KEPT_DAYS,
    Category,
    ChangeKind,
    Commitment,
    CommitmentChange,
    Decision,
    Means,
    MeansStatus,
    Outcome,
    Review,
    ReviewAssessment,
    ReviewComment,
    Stance,
    StanceValue,
    current_stances,
    means_detail,
    review_detail,
)
from parcours.plans.models import Member, Role
from parcours.plans.operations import current_members, lock_parcours, pilot_of

OUTCOME_EVENTS = {
    Outcome.adopted: "means.adopted",
    Outcome.set_aside: "means.set_aside",
    Outcome.to_revisit: "means.to_revisit",
}


class ObjectiveNotAgreed(Conflict):
    """Means come after the objective: nothing is proposed or decided before it is agreed."""

    code = "objective_not_agreed"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The alliance comes first: the means can be discussed once a version of the "
                "shared objective is agreed by the person, the family and a professional."
            )
        )


class NoPilot(Conflict):
    """Decisions are the pilot's: a parcours without one must designate one first."""

    code = "no_pilot"

    def __init__(self) -> None:
        super().__init__(
            _("Designate a pilot first: the pilot decides, after the discussion."),
        )


def require_agreed_objective(parcours_id: int) -> ObjectiveVersion:
    """The objective version in force, or a 409 refusal explaining that it comes first."""
    version = version_in_force(parcours_id)
    if version is None:
        raise ObjectiveNotAgreed()
    return version


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _check_length(text: str, limit: int, code: str = "text_too_long") -> None:
    if len(text) > limit:
        raise DomainError(_("A text can have at most %(n)d characters.", n=limit), code=code)


def _check_person(author: Member, on_behalf_of: Member | None) -> Member | None:
    """Someone writing for another member may only do it for the person, and it shows."""
    if on_behalf_of is None or on_behalf_of.id == author.id:
        return None
    if (
        on_behalf_of.parcours_id != author.parcours_id
        or not on_behalf_of.is_current
        or not on_behalf_of.is_person
    ):
        raise DomainError(
            _("You can write in your own name, or on behalf of the person accompanied only."),
            code="invalid_on_behalf_of",
        )
    return on_behalf_of


def means_of(parcours_id: int, means_id: int, history: bool = False) -> Means:
    """A proposal of this parcours (with `history`: its stances, decisions and commitments
    loaded too), or a 404."""
    means = means_detail(parcours_id, means_id) if history else db.session.get(Means, means_id)
    if means is None or means.parcours_id != parcours_id or means.is_deleted:
        raise NotFound(_("This proposal does not exist."), code="means_not_found")
    return means


def commitment_of(parcours_id: int, commitment_id: int, history: bool = False) -> Commitment:
    """A commitment of this parcours not deleted (with `history`: its corrections loaded
    too), or a 404."""
    if history:
        # A query, not `get`: it loads the history also of a commitment already in the session.
        commitment = db.session.scalar(
            select(Commitment)
            .where(Commitment.id == commitment_id)
            .options(joinedload(Commitment.means), selectinload(Commitment.changes))
        )
    else:
        commitment = db.session.get(
            Commitment, commitment_id, options=[joinedload(Commitment.means)]
        )
    if commitment is None or commitment.parcours_id != parcours_id or commitment.is_deleted:
        raise NotFound(_("This commitment does not exist."), code="commitment_not_found")
    return commitment


def review_of(parcours_id: int, review_id: int, detail: bool = False) -> Review:
    """A review of this parcours (with `detail`: its assessments and views), or a 404."""
    review = review_detail(parcours_id, review_id) if detail else db.session.get(Review, review_id)
    if review is None or review.parcours_id != parcours_id:
        raise NotFound(_("This review does not exist."), code="review_not_found")
    return review


def propose_means(
    author: Member,
    *,
    title: str,
    description: str,
    carried_by: str,
    category: Category | None = None,
    on_behalf_of: Member | None = None,
) -> Means:
    """Put a means on the table. Any member may, once the objective is agreed."""
    require_agreed_objective(author.parcours_id)
    title, description, carried_by = _clean(title), _clean(description), _clean(carried_by)
    if not title:
        raise DomainError(_("Please give the proposal a title."), code="missing_title")
    if not description:
        raise DomainError(_("Please describe the proposal."), code="missing_description")
    if not carried_by:
        raise DomainError(_("Please say who would carry it out."), code="missing_carried_by")
    _check_length(title, NAME_MAX)
    _check_length(carried_by, CARRIED_BY_MAX)
    _check_length(description, TEXT_MAX)
    means = Means(
        parcours_id=author.parcours_id,
        title=title,
        description=description,
        carried_by=carried_by,
        category=category,
        author=author,
        on_behalf_of=_check_person(author, on_behalf_of),
        status=MeansStatus.open,
    )
    db.session.add(means)
    db.session.flush()
    record(author.parcours_id, author.user, Access.change, "means.proposed", title)
    return means


def take_stance(
    author: Member,
    means: Means,
    *,
    value: StanceValue,
    comment: str = "",
    on_behalf_of: Member | None = None,
) -> Stance:
    """Record where a member stands on a proposal (their own, or the person's on their behalf).

    Earlier stances are kept: the latest one is the member's current stance.
    """
    if means.parcours_id != author.parcours_id:
        raise NotFound(_("This proposal does not exist."), code="means_not_found")
    require_agreed_objective(author.parcours_id)
    subject = _check_person(author, on_behalf_of) or author
    comment = _clean(comment)
    _check_length(comment, TEXT_MAX)
    if value is not StanceValue.support and not comment and not subject.is_person:
        # Divergences are material to improve the plan: they are useful only when explained.
        # The person's own "I do not agree" counts as it is, written reasons or not.
        raise DomainError(
            _("Please say why: a reservation or an objection helps only if it is explained."),
            code="missing_comment",
        )
    current = current_stances(means.id).get(subject.id)
    if (
        current is not None
        and current.value is value
        and current.comment == comment
        and current.author_id == author.id
    ):
        raise DomainError(_("This stance is already recorded."), code="no_change")
    stance = Stance(means=means, member=subject, author=author, value=value, comment=comment)
    db.session.add(stance)
    db.session.flush()
    if subject.id == author.id:
        record(author.parcours_id, author.user, Access.change, "stance.taken", means.title)
    else:
        record(
            author.parcours_id, author.user, Access.change, "stance.on_behalf", subject=subject.user
        )
    return stance


@dataclass(frozen=True)
class PersonStance:
    """Whose stance an adoption waits for: the person, or their legal representative."""

    person: Member | None
    representatives: tuple[Member, ...]
    given: bool


def person_stance(stance_member_ids: Iterable[int], members: Sequence[Member]) -> PersonStance:
    """No decision without the person: adoption needs a current stance from the current person
    member or from a current legal representative (when the person cannot express one)."""
    ids = set(stance_member_ids)
    person = next((m for m in members if m.role is Role.person and m.is_current), None)
    representatives = tuple(
        m for m in members if m.role is Role.family and m.is_legal_representative and m.is_current
    )
    voices = [*([person] if person else []), *representatives]
    return PersonStance(person, representatives, any(m.id in ids for m in voices))


def person_stance_missing_message(voice: PersonStance, person_name: str) -> str:
    """Says who must give their stance before the proposal can be adopted."""
    names = ", ".join(m.name for m in voice.representatives)
    if voice.person is not None and voice.representatives:
        return _(
            "No decision without the person: %(name)s, or their legal representative "
            "(%(representatives)s), must give a stance on this proposal before it is adopted.",
            name=voice.person.name,
            representatives=names,
        )
    if voice.person is not None:
        return _(
            "No decision without the person: %(name)s must give a stance on this proposal "
            "before it is adopted (someone may record it on their behalf).",
            name=voice.person.name,
        )
    if voice.representatives:
        return _(
            "No decision without the person: %(person)s's legal representative "
            "(%(representatives)s) must give a stance on this proposal before it is adopted.",
            person=person_name,
            representatives=names,
        )
    return _(
        "No decision without the person: %(person)s is not a member of the plan and has no "
        "legal representative in it. Invite them, or their legal representative, to give a "
        "stance before the proposal is adopted.",
        person=person_name,
    )


def decide_means(
    by: Member,
    means: Means,
    *,
    outcome: Outcome,
    rationale: str,
    participant_ids: Iterable[int] | None = None,
) -> Decision:
    """The pilot records the alliance's decision on a proposal, with why and who took part.

    `participant_ids` (current members) defaults to the members who gave a stance; the pilot
    always takes part.
    """
    if means.parcours_id != by.parcours_id:
        raise NotFound(_("This proposal does not exist."), code="means_not_found")
    require_agreed_objective(by.parcours_id)
    lock_parcours(by.parcours_id)
    pilot = pilot_of(by.parcours_id)
    if pilot is None:
        raise NoPilot()
    if pilot.id != by.id:
        raise Forbidden(
            _("Only the pilot (%(name)s) decides, after the discussion.", name=pilot.name),
            code="not_pilot",
        )
    rationale = _clean(rationale)
    if not rationale:
        raise DomainError(_("Please give the reasons for the decision."), code="missing_rationale")
    _check_length(rationale, TEXT_MAX)
    if means.status.value == outcome.value:
        raise Conflict(
            _("This proposal is already marked “%(status)s”.", status=means.status.label),
            code="already_decided",
        )
    members = current_members(by.parcours_id)
    stances = current_stances(means.id)
    if outcome is Outcome.adopted:
        voice = person_stance(stances, members)
        if not voice.given:
            raise Conflict(
                person_stance_missing_message(voice, by.parcours.person_name),
                code="person_has_no_stance",
            )
    by_id = {m.id: m for m in members}
    if participant_ids is None:
        chosen = {m.id for m in members if m.id in stances}
    else:
        chosen = set(participant_ids)
        if not chosen <= by_id.keys():
            raise DomainError(
                _("Those who took part must be members of this plan."),
                code="invalid_participant",
            )
    chosen.add(by.id)
    decision = Decision(
        means=means,
        outcome=outcome,
        rationale=rationale,
        decided_by=by,
        participants=[by_id[i] for i in sorted(chosen)],
    )
    db.session.add(decision)
    means.status = MeansStatus(outcome.value)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, OUTCOME_EVENTS[outcome], means.title)
    return decision


def add_commitment(
    author: Member,
    means: Means,
    *,
    member: Member,
    action: str,
    due_on: date | None,
) -> Commitment:
    """Record who does what by when, for an adopted means. Any member may write it down."""
    if means.parcours_id != author.parcours_id:
        raise NotFound(_("This proposal does not exist."), code="means_not_found")
    lock_parcours(author.parcours_id)
    db.session.refresh(means, ["status"])  # a decision may have changed it while we waited
    if means.status is not MeansStatus.adopted:
        raise Conflict(
            _("Commitments follow an adopted means: this proposal is not adopted."),
            code="means_not_adopted",
        )
    if member.parcours_id != author.parcours_id or not member.is_current:
        raise NotFound(_("This member is not part of this plan."), code="member_not_found")
    action = _clean(action)
    if not action:
        raise DomainError(_("Please say what will be done."), code="missing_action")
    _check_length(action, ACTION_MAX)
    if due_on is None:
        raise DomainError(_("Please give the date it will be done by."), code="missing_due_on")
    if due_on < today():
        raise DomainError(
            _("The date it will be done by cannot be in the past."), code="due_in_past"
        )
    commitment = Commitment(
        parcours_id=author.parcours_id,
        means=means,
        member=member,
        action=action,
        due_on=due_on,
        created_by=author,
    )
    db.session.add(commitment)
    db.session.flush()
    record(
        author.parcours_id, author.user, Access.change, "commitment.created", subject=member.user
    )
    return commitment


def _locked_for_change(by: Member, commitment: Commitment, base_revision: int | None) -> None:
    """Under the plan's lock, the commitment as saved: refused when deleted meanwhile, or
    when `base_revision` (the revision the edit started from) is not its revision any more."""
    if commitment.parcours_id != by.parcours_id:
        raise NotFound(_("This commitment does not exist."), code="commitment_not_found")
    lock_parcours(by.parcours_id)
    # A second click, or someone else, may have changed it while we waited.
    db.session.refresh(
        commitment, ["kept_at", "kept_by_id", "cancelled_at", "deleted_at", "revision", "due_on"]
    )
    if commitment.is_deleted:
        raise NotFound(_("This commitment does not exist."), code="commitment_not_found")
    if base_revision is not None and base_revision != commitment.revision:
        raise StaleVersion(_("Someone changed this commitment in the meantime."), commitment)


def _note_change(
    by: Member,
    commitment: Commitment,
    kind: ChangeKind,
    before: str = "",
    after: str = "",
    reason: str = "",
) -> CommitmentChange:
    """Keep the change in the commitment's history, and bump its revision."""
    change = CommitmentChange(
        commitment=commitment, member=by, kind=kind, before=before, after=after, reason=reason
    )
    db.session.add(change)
    commitment.revision += 1
    return change


def _require_open(commitment: Commitment) -> None:
    if commitment.is_cancelled:
        raise Conflict(_("This commitment is cancelled."), code="commitment_cancelled")
    if commitment.is_kept:
        raise Conflict(
            _("This commitment is marked kept: undo “kept” first to change it."),
            code="already_kept",
        )


def keep_commitment(
    by: Member, commitment: Commitment, base_revision: int | None = None
) -> Commitment:
    """Mark a commitment kept: by the member who committed, or by the pilot. With
    `base_revision` (the revision the edit started from), a change saved in between refuses
    the edit (StaleVersion)."""
    if commitment.parcours_id != by.parcours_id:
        raise NotFound(_("This commitment does not exist."), code="commitment_not_found")
    if not commitment.can_mark_kept(by):
        raise Forbidden(
            _(
                "Only %(name)s, who made this commitment, or the pilot can mark it kept.",
                name=commitment.member.name,
            ),
            code="not_your_commitment",
        )
    _locked_for_change(by, commitment, base_revision)
    if commitment.is_kept:
        raise Conflict(_("This commitment is already marked kept."), code="already_kept")
    if commitment.is_cancelled:
        raise Conflict(_("This commitment is cancelled."), code="commitment_cancelled")
    commitment.kept_at = utcnow()
    commitment.kept_by = by
    commitment.revision += 1
    db.session.flush()
    record(
        by.parcours_id, by.user, Access.change, "commitment.kept", subject=commitment.member.user
    )
    return commitment


def undo_kept(by: Member, commitment: Commitment, base_revision: int | None = None) -> Commitment:
    """Take "kept" back, within UNDO_KEPT_DAYS days: the member who said it, or the pilot (a
    fact belongs to whoever said it). The commitment is to do again, or overdue."""
    _locked_for_change(by, commitment, base_revision)
    if not commitment.is_kept:
        raise Conflict(_("This commitment is not marked kept."), code="not_kept")
    if not commitment.can_undo_kept(by):
        raise Forbidden(
            _(
                "Only %(name)s, who marked it kept, or the pilot can undo it.",
                name=commitment.kept_by.name if commitment.kept_by else "",
            ),
            code="not_who_kept",
        )
    until = commitment.undo_kept_until()
    if until is not None and today() > until:
        raise Conflict(
            _(
                "“Kept” can be undone for %(n)d days only. To say it is not done after all, "
                "record a new commitment.",
                n=UNDO_KEPT_DAYS,
            ),
            code="undo_too_late",
        )
    _note_change(by, commitment, ChangeKind.unkept, before=commitment.kept_at.isoformat())
    commitment.kept_at = None
    commitment.kept_by = None
    db.session.flush()
    record(
        by.parcours_id, by.user, Access.change, "commitment.unkept", subject=commitment.member.user
    )
    return commitment


def _require_may_correct(by: Member, commitment: Commitment) -> None:
    if not commitment.can_correct(by):
        raise Forbidden(
            _(
                "Only %(name)s, who made this commitment, whoever wrote it down, or the pilot "
                "can change it.",
                name=commitment.member.name,
            ),
            code="cannot_correct",
        )


def correct_commitment(
    by: Member,
    commitment: Commitment,
    *,
    due_on: date | None = None,
    member: Member | None = None,
    reason: str = "",
    base_revision: int | None = None,
) -> Commitment:
    """Give a commitment still to do a new date (`due_on`) or another current member
    (`member`), with an optional reason; each change is kept in its history."""
    _require_may_correct(by, commitment)
    _locked_for_change(by, commitment, base_revision)
    _require_open(commitment)
    reason = _clean(reason)
    _check_length(reason, TEXT_MAX)
    if due_on is None and member is None:
        raise DomainError(_("Give a new date or another member."), code="no_change")
    changed = False
    if due_on is not None and due_on != commitment.due_on:
        if due_on < today():
            raise DomainError(
                _("The date it will be done by cannot be in the past."), code="due_in_past"
            )
        _note_change(
            by,
            commitment,
            ChangeKind.rescheduled,
            commitment.due_on.isoformat(),
            due_on.isoformat(),
            reason,
        )
        commitment.due_on = due_on
        record(
            by.parcours_id,
            by.user,
            Access.change,
            "commitment.rescheduled",
            subject=commitment.member.user,
        )
        changed = True
    if member is not None and member.id != commitment.member_id:
        if member.parcours_id != by.parcours_id or not member.is_current:
            raise NotFound(_("This member is not part of this plan."), code="member_not_found")
        _note_change(
            by,
            commitment,
            ChangeKind.reassigned,
            str(commitment.member_id),
            str(member.id),
            reason,
        )
        commitment.member = member
        record(by.parcours_id, by.user, Access.change, "commitment.reassigned", subject=member.user)
        changed = True
    if not changed:
        raise DomainError(_("Nothing changes: this is already the commitment."), code="no_change")
    db.session.flush()
    return commitment


def cancel_commitment(
    by: Member, commitment: Commitment, *, reason: str, base_revision: int | None = None
) -> Commitment:
    """Call a commitment still to do off, with a reason: it is no longer due nor overdue."""
    _require_may_correct(by, commitment)
    reason = required_reason(reason)
    _locked_for_change(by, commitment, base_revision)
    _require_open(commitment)
    _note_change(by, commitment, ChangeKind.cancelled, reason=reason)
    commitment.cancelled_at = utcnow()
    commitment.cancelled_by = by
    commitment.cancellation_reason = reason
    db.session.flush()
    record(
        by.parcours_id,
        by.user,
        Access.change,
        "commitment.cancelled",
        subject=commitment.member.user,
    )
    return commitment


def delete_commitment(
    by: Member, commitment: Commitment, *, reason: str, base_revision: int | None = None
) -> Commitment:
    """Delete a commitment entered by mistake (whoever wrote it down, or the pilot), with why:
    it leaves the pages, the lists, the exports and the checks."""
    if not commitment.can_delete(by):
        raise Forbidden(
            _("Only whoever wrote this commitment down, or the pilot, can delete it."),
            code="cannot_delete",
        )
    reason = required_reason(reason)
    _locked_for_change(by, commitment, base_revision)
    _note_change(by, commitment, ChangeKind.deleted, reason=reason)
    commitment.mark_deleted(by.id, reason)
    db.session.flush()
    record(
        by.parcours_id, by.user, Access.change, "commitment.deleted", subject=commitment.member.user
    )
    return commitment


def delete_means(by: Member, means: Means, *, reason: str) -> Means:
    """Delete a proposal entered by mistake (its author or the pilot), with why, while nobody
    has given a stance on it: once someone has, it is material of the discussion."""
    if means.parcours_id != by.parcours_id or means.is_deleted:
        raise NotFound(_("This proposal does not exist."), code="means_not_found")
    if not means.can_delete(by):
        raise Forbidden(
            _("Only the author of this proposal, or the pilot, can delete it."),
            code="cannot_delete",
        )
    reason = required_reason(reason)
    lock_parcours(by.parcours_id)
    if current_stances(means.id):
        raise Conflict(
            _(
                "Members gave their stance on this proposal: it stays on the table. The pilot "
                "can set it aside instead."
            ),
            code="has_stances",
        )
    means.mark_deleted(by.id, reason)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "means.deleted", means.title)
    return means


def reviewed_version(parcours_id: int, objective_number: int | None = None) -> ObjectiveVersion:
    """The objective version a review assesses: the one in force. When the author says which
    version they reviewed (`objective_number`) and another came into force meanwhile, the
    review is refused, so that nobody assesses the wrong list of indicators."""
    version = require_agreed_objective(parcours_id)
    if objective_number is not None and objective_number != version.number:
        raise Conflict(
            _(
                "Version %(n)d of the objective is now in force: please review its indicators.",
                n=version.number,
            ),
            code="objective_changed",
        )
    return version


def hold_review(
    author: Member,
    *,
    held_on: date | None,
    assessments: Sequence[str],
    what_to_change: str = "",
    view: str = "",
    objective_number: int | None = None,
) -> Review:
    """Record a review (bilan) of the objective in force: one assessment per indicator, in the
    order of the version's indicators, what to change, and the author's own view."""
    version = reviewed_version(author.parcours_id, objective_number)
    if held_on is None:
        raise DomainError(_("Please give the date of the review."), code="missing_held_on")
    if held_on > today():
        raise DomainError(
            _("A review is recorded once it has been held: the date cannot be in the future."),
            code="review_in_future",
        )
    indicators = version.indicator_list
    texts = [_clean(text) for text in assessments]
    if len(texts) > len(indicators):
        raise DomainError(
            _("There are more assessments than indicators in the objective."),
            code="unknown_indicator",
        )
    texts += [""] * (len(indicators) - len(texts))
    what_to_change, view = _clean(what_to_change), _clean(view)
    for text in [*texts, what_to_change, view]:
        _check_length(text, TEXT_MAX)
    if not any(texts) and not what_to_change and not view:
        raise DomainError(
            _("Write at least one assessment, your view or what to change."), code="empty_review"
        )
    review = Review(
        parcours_id=author.parcours_id,
        held_on=held_on,
        objective_number=version.number,
        what_to_change=what_to_change,
        created_by=author,
        assessments=[
            ReviewAssessment(position=i, indicator=indicator[:INDICATOR_MAX], assessment=text)
            for i, (indicator, text) in enumerate(zip(indicators, texts, strict=True))
        ],
        views=[ReviewComment(member=author, author=author, view=view)] if view else [],
    )
    db.session.add(review)
    db.session.flush()
    record(author.parcours_id, author.user, Access.change, "review.held", held_on.isoformat())
    return review


def assessments_in_order(version: ObjectiveVersion, items: Iterable[tuple[str, str]]) -> list[str]:
    """(indicator, assessment) pairs, as the API takes them, in the order of the version's
    indicators; an indicator it does not have, or one given twice, is refused."""
    indicators = [" ".join(text.split()) for text in version.indicator_list]
    texts = [""] * len(indicators)
    seen = set()
    for indicator, assessment in items:
        key = " ".join(indicator.split())
        position = indicators.index(key) if key in indicators else None
        if position is None or position in seen:
            raise DomainError(
                _(
                    "“%(indicator)s” is not an indicator of the objective in force, or it is "
                    "given twice.",
                    indicator=indicator[:100],
                ),
                code="unknown_indicator",
            )
        seen.add(position)
        texts[position] = assessment
    return texts


def add_review_comment(
    author: Member, review: Review, *, view: str, on_behalf_of: Member | None = None
) -> ReviewComment:
    """Add a member's view of how it is going to a review, at the time or later."""
    if review.parcours_id != author.parcours_id:
        raise NotFound(_("This review does not exist."), code="review_not_found")
    subject = _check_person(author, on_behalf_of) or author
    view = _clean(view)
    if not view:
        raise DomainError(_("Please write your view."), code="missing_view")
    _check_length(view, TEXT_MAX)
    row = ReviewComment(review=review, member=subject, author=author, view=view)
    db.session.add(row)
    db.session.flush()
    record(
        author.parcours_id, author.user, Access.change, "review.view", review.held_on.isoformat()
    )
    return row
