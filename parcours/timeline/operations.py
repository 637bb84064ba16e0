"""Timeline operations: record and correct episodes, propose hand-offs and answer them.

Any current member may record episodes and propose hand-offs: the alliance works at parity,
so a parent can record that school ended as well as a professional can. A hand-off's answer,
though, belongs to the receiving side: only its members accept or decline it (the pilot may
record an answer given by phone, saying so).
"""

import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from parcours.accounts.models import hash_secret
from parcours.accounts.operations import get_or_create_organisation
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
from parcours.core.models import NAME_MAX, TEXT_MAX, local_date, today, utcnow
from parcours.core.signals import consent_refused
from parcours.extensions import db
from parcours.plans.consent import ask_consent, check_consent, waits_for_consent
from parcours.plans.models import Consent, Member, Parcours, Role
from parcours.plans.operations import current_members, lock_parcours, speaks_for_person
from parcours.timeline.checks import AcknowledgementData, Flag, compute_flags
from parcours.timeline.inputs import load_timelines
from parcours.timeline.models import (
    DeclinedBy,
    Episode,
    EpisodeChange,
    EpisodeKind,
    FlagAcknowledgement,
    Handoff,
    HandoffAnswerLink,
    HandoffEvent,
    HandoffEventKind,
    HandoffStatus,
    check_day,
    episode_revision,
    handoff_revision,
)


def _clean(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) > limit:
        raise DomainError(
            _("A name can have at most %(n)d characters.", n=limit), code="text_too_long"
        )
    return text


def _referent(
    parcours_id: int, referent_member_id: int | None, current_id: int | None = None
) -> Member | None:
    """A current member of the parcours; the episode's referent so far may stay, even after
    leaving the plan (they were the referent then)."""
    if not referent_member_id:
        return None
    referent = db.session.get(Member, referent_member_id)
    if referent is not None and referent.id == current_id:
        return referent
    if referent is None or referent.parcours_id != parcours_id or not referent.is_current:
        raise DomainError(
            _("The referent must be a current member of this plan."), code="invalid_referent"
        )
    return referent


def _episode_fields(
    parcours_id: int,
    *,
    kind: EpisodeKind,
    organisation: str | None,
    label: str | None,
    start_date: date,
    end_date: date | None,
    referent_member_id: int | None,
    person_agreed: bool,
    current_referent_id: int | None = None,
) -> dict:
    """The checked values of an episode, or a DomainError naming the first problem."""
    check_day(start_date)
    if end_date is not None:
        check_day(end_date)
        if end_date < start_date:
            raise DomainError(
                _("The end date cannot be before the start date."), code="end_before_start"
            )
    name = _clean(organisation, NAME_MAX)
    if kind is EpisodeKind.pause:
        if name:
            raise DomainError(
                _("A pause is a period without a service: leave the organisation empty."),
                code="pause_with_organisation",
            )
        if not person_agreed:
            raise DomainError(
                _("A pause is a period the person chose: record their agreement."),
                code="pause_not_agreed",
            )
    elif not name:
        raise DomainError(
            _("Please give the organisation of this service."), code="missing_organisation"
        )
    return {
        "kind": kind,
        "organisation": get_or_create_organisation(name) if name else None,
        "label": _clean(label, NAME_MAX),
        "start_date": start_date,
        "end_date": end_date,
        "referent": _referent(parcours_id, referent_member_id, current_referent_id),
        "person_agreed": kind is EpisodeKind.pause,
    }


def add_episode(
    by: Member,
    *,
    kind: EpisodeKind,
    organisation: str | None,
    start_date: date,
    end_date: date | None = None,
    label: str | None = "",
    referent_member_id: int | None = None,
    person_agreed: bool = False,
) -> Episode:
    """Record a service accompanying the person (ongoing without an end date, planned when it
    starts later), or a pause the person chose."""
    fields = _episode_fields(
        by.parcours_id,
        kind=kind,
        organisation=organisation,
        label=label,
        start_date=start_date,
        end_date=end_date,
        referent_member_id=referent_member_id,
        person_agreed=person_agreed,
    )
    episode = Episode(parcours_id=by.parcours_id, created_by=by, **fields)
    _declare(episode, by, episode.is_pause)
    db.session.add(episode)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "episode.created", episode.display_label)
    return episode


def update_episode(
    by: Member,
    episode: Episode,
    *,
    kind: EpisodeKind,
    organisation: str | None,
    start_date: date,
    end_date: date | None,
    label: str | None = "",
    referent_member_id: int | None = None,
    person_agreed: bool = False,
    base_revision: int | None = None,
) -> Episode:
    """Correct or complete an episode (e.g. record its end). With `base_revision` (the
    revision the edit started from), a change saved in between refuses the edit instead of
    being overwritten."""
    if episode.parcours_id != by.parcours_id:
        raise NotFound(_("This episode does not exist."), code="episode_not_found")
    if base_revision is not None:
        # Serialise edits of the plan, then compare with the revision as committed.
        lock_parcours(by.parcours_id)
        if base_revision != episode_revision(episode.id):
            db.session.refresh(episode)
            raise StaleVersion(_("Someone changed this episode in the meantime."), episode)
    fields = _episode_fields(
        by.parcours_id,
        kind=kind,
        organisation=organisation,
        label=label,
        start_date=start_date,
        end_date=end_date,
        referent_member_id=referent_member_id,
        person_agreed=person_agreed,
        current_referent_id=episode.referent_member_id,
    )
    before = _as_shown(
        episode.kind,
        episode.organisation,
        episode.label,
        episode.start_date,
        episode.end_date,
        episode.referent_member_id,
    )
    redeclared = _pause_redeclared(episode, fields)
    confirmed_before = episode.person_confirmed
    for name, value in fields.items():
        setattr(episode, name, value)
    if redeclared:
        _declare(episode, by, episode.is_pause)
    after = _as_shown(
        episode.kind,
        episode.organisation,
        episode.label,
        episode.start_date,
        episode.end_date,
        fields["referent"].id if fields["referent"] else None,
    )
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if redeclared and confirmed_before is not None:
        # The person's answer was about the pause as it was: it is asked again.
        changes["person_confirmed"] = [confirmed_before, None]
    if changes:
        db.session.add(EpisodeChange(episode_id=episode.id, member=by, changes=changes))
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "episode.updated", episode.display_label)
    return episode


def _pause_redeclared(episode: Episode, fields: dict) -> bool:
    """Whether an edit changes what the person would confirm of a pause: it becomes or stops
    being a pause, starts on another day, or lasts longer (recording the end of an ongoing
    pause, or ending it earlier, is within what they chose)."""
    if (fields["kind"] is EpisodeKind.pause) != episode.is_pause:
        return True
    if not episode.is_pause:
        return False
    if fields["start_date"] != episode.start_date:
        return True
    old_end, new_end = episode.end_date, fields["end_date"]
    if old_end is None:
        return False
    return new_end is None or new_end > old_end


def _declare(record: Episode | Handoff, by: Member, declared: bool) -> None:
    """A member declares what is the person's (or withdraws it): the person's answer is asked
    again, unless the person, or their legal representative, is the one declaring it."""
    record.declare_for_person(by, declared)
    if declared and speaks_for_person(by):
        record.confirm_for_person(by, True)


def _may_confirm(by: Member, parcours_name: str) -> None:
    """Only the person, or their legal representative, confirms what is theirs."""
    if not speaks_for_person(by):
        raise Forbidden(
            _(
                "Only %(name)s or their legal representative can confirm this.",
                name=parcours_name,
            ),
            code="not_the_person",
        )


def confirm_pause(by: Member, episode: Episode, confirmed: bool) -> Episode:
    """The person (or their legal representative) says whether they chose this pause: only
    then is it not a gap. "No" is recorded too: the pause stays a gap, and the page says so.
    Kept in the episode's history."""
    _may_confirm(by, by.parcours.person_name)
    lock_parcours(by.parcours_id)
    db.session.refresh(episode)
    if not episode.is_pause:
        raise Conflict(_("Only a pause is confirmed by the person."), code="nothing_to_confirm")
    before = episode.person_confirmed
    if before is bool(confirmed):
        return episode  # said already (a double tap): nothing new
    episode.confirm_for_person(by, confirmed)
    db.session.add(
        EpisodeChange(
            episode_id=episode.id,
            member=by,
            changes={"person_confirmed": [before, episode.person_confirmed]},
        )
    )
    db.session.flush()
    record(
        by.parcours_id, by.user, Access.change, "episode.person_confirmed", episode.display_label
    )
    return episode


def _as_shown(kind, organisation, label, start_date, end_date, referent_id) -> dict:
    """An episode's values as its history shows them (plain JSON)."""
    referent = db.session.get(Member, referent_id) if referent_id else None
    return {
        "kind": kind.value,
        "organisation": organisation.name if organisation else None,
        "label": label or None,
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat() if end_date else None,
        "referent": referent.name if referent else None,
    }


def episode_of(parcours_id: int, episode_id: int) -> Episode:
    """An episode of this parcours, or a 404."""
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.parcours_id != parcours_id or episode.is_deleted:
        raise NotFound(_("This episode does not exist."), code="episode_not_found")
    return episode


def delete_episode(by: Member, episode: Episode, *, reason: str) -> Episode:
    """Delete an episode entered by mistake (whoever recorded it, or the pilot), with why: it
    leaves the timeline, its checks, the caseload and the files. An episode a hand-off starts
    or ends at stays: the hand-off is a fact between two services; correct the episode
    instead."""
    if episode.parcours_id != by.parcours_id or episode.is_deleted:
        raise NotFound(_("This episode does not exist."), code="episode_not_found")
    if not episode.can_delete(by):
        raise Forbidden(
            _("Only whoever recorded this episode, or the pilot, can delete it."),
            code="cannot_delete",
        )
    reason = required_reason(reason)
    lock_parcours(by.parcours_id)
    linked = db.session.scalar(
        select(func.count(Handoff.id)).where(
            or_(Handoff.from_episode_id == episode.id, Handoff.to_episode_id == episode.id)
        )
    )
    if linked:
        raise Conflict(
            _(
                "A hand-off starts or ends at this episode: it stays on the timeline. Correct its "
                "service or its dates instead."
            ),
            code="has_handoffs",
        )
    episode.mark_deleted(by.id, reason)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "episode.deleted", episode.display_label)
    return episode


def _episode_in(parcours_id: int, episode_id: int | None, message: str, code: str) -> Episode:
    """An episode of this parcours given in a request, or a 422 (not a 404: the page exists)."""
    episode = db.session.get(Episode, episode_id) if episode_id else None
    if episode is None or episode.parcours_id != parcours_id or episode.is_deleted:
        raise DomainError(message, code=code)
    return episode


def _receiving_side(
    parcours_id: int,
    from_episode: Episode,
    *,
    to_episode_id: int | None,
    receiving_organisation: str | None,
    to_person_and_family: bool,
) -> dict:
    """Exactly one receiving side: an episode, an organisation, or the person and family."""
    name = _clean(receiving_organisation, NAME_MAX)
    given = sum((bool(to_episode_id), bool(name), bool(to_person_and_family)))
    if given == 0:
        raise DomainError(
            _(
                "Say who takes over: a recorded episode, another organisation, "
                "or the person and family themselves."
            ),
            code="missing_receiver",
        )
    if given > 1:
        raise DomainError(
            _(
                "Choose only one receiving side: a recorded episode, another organisation, "
                "or the person and family themselves."
            ),
            code="several_receivers",
        )
    to_episode = None
    if to_episode_id:
        to_episode = _episode_in(
            parcours_id,
            to_episode_id,
            _("The receiving episode is not part of this plan."),
            "invalid_to_episode",
        )
        if to_episode.id == from_episode.id:
            raise DomainError(
                _("A hand-off goes from one episode to another one."), code="same_episode"
            )
    return {
        "to_episode": to_episode,
        "receiving_organisation": get_or_create_organisation(name) if name else None,
        "to_person_and_family": bool(to_person_and_family),
    }


def _note(meaning_note: str | None) -> str:
    note = (meaning_note or "").strip()
    if len(note) > TEXT_MAX:
        raise DomainError(
            _("A text can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
        )
    return note


def _event(handoff: Handoff, by: Member, kind: HandoffEventKind, **fields) -> HandoffEvent:
    event = HandoffEvent(handoff=handoff, member=by, kind=kind, **fields)
    db.session.add(event)
    db.session.flush()
    return event


def _checklist(handoff: Handoff) -> dict:
    """The checklist as it stands, kept in the history at each proposal or edit."""
    return {
        "person_involved": handoff.person_involved,
        "services_in_contact": handoff.services_in_contact,
        "meaning_note": handoff.meaning_note,
    }


def propose_handoff(
    by: Member,
    *,
    from_episode_id: int,
    to_episode_id: int | None = None,
    receiving_organisation: str | None = None,
    to_person_and_family: bool = False,
    person_involved: bool = False,
    services_in_contact: bool = False,
    meaning_note: str | None = "",
    proposed_on: date | None = None,
) -> Handoff:
    """Propose a hand-off from an episode to the service that takes over (or to the person and
    family), with what is already known of the relais de sens. It is dated the day it is made;
    `proposed_on` is for recording one made earlier (demo data, imports)."""
    from_episode = _episode_in(
        by.parcours_id,
        from_episode_id,
        _("The episode the hand-off starts from is not part of this plan."),
        "invalid_from_episode",
    )
    receiving = _receiving_side(
        by.parcours_id,
        from_episode,
        to_episode_id=to_episode_id,
        receiving_organisation=receiving_organisation,
        to_person_and_family=to_person_and_family,
    )
    handoff = Handoff(
        parcours_id=by.parcours_id,
        from_episode=from_episode,
        status=HandoffStatus.proposed,
        proposed_on=check_day(proposed_on or today()),
        person_involved=bool(person_involved),
        services_in_contact=bool(services_in_contact),
        meaning_note=_note(meaning_note),
        created_by=by,
        events=[],
        **receiving,
    )
    _declare(handoff, by, handoff.person_involved)
    db.session.add(handoff)
    db.session.flush()
    _event(handoff, by, HandoffEventKind.proposed, **_checklist(handoff))
    record(by.parcours_id, by.user, Access.change, "handoff.proposed", handoff.receiving_label)
    return handoff


def update_handoff(
    by: Member,
    handoff: Handoff,
    *,
    to_episode_id: int | None,
    receiving_organisation: str | None,
    to_person_and_family: bool,
    person_involved: bool,
    services_in_contact: bool,
    meaning_note: str | None,
    base_revision: int | None = None,
) -> bool:
    """Change who takes over or the relais-de-sens checklist; allowed until the hand-off is
    declined, and after it is completed to correct the record (the history keeps every
    version). With `base_revision` (the revision the edit started from), a change saved in
    between refuses the edit instead of being overwritten. Returns whether anything changed."""
    check_handoff_revision(handoff, base_revision)
    if handoff.status is HandoffStatus.declined:
        raise Conflict(
            _("This hand-off was declined: propose a new one instead."), code="handoff_declined"
        )
    values = {
        **_receiving_side(
            by.parcours_id,
            handoff.from_episode,
            to_episode_id=to_episode_id,
            receiving_organisation=receiving_organisation,
            to_person_and_family=to_person_and_family,
        ),
        "person_involved": bool(person_involved),
        "services_in_contact": bool(services_in_contact),
        "meaning_note": _note(meaning_note),
    }
    if all(getattr(handoff, name) == value for name, value in values.items()):
        return False
    redeclared = values["person_involved"] != handoff.person_involved
    for name, value in values.items():
        setattr(handoff, name, value)
    if redeclared:
        # Ticked again or unticked: the person's earlier answer no longer applies (the
        # history keeps it); they are asked again.
        _declare(handoff, by, handoff.person_involved)
    db.session.flush()
    _event(handoff, by, HandoffEventKind.edited, **_checklist(handoff))
    record(by.parcours_id, by.user, Access.change, "handoff.updated", handoff.receiving_label)
    return True


def check_handoff_revision(handoff: Handoff, base_revision: int | None) -> None:
    """Serialise edits of the plan; with `base_revision`, refuse (StaleVersion) when the
    hand-off changed since that revision."""
    lock_parcours(handoff.parcours_id)
    if base_revision is not None and base_revision != handoff_revision(handoff.id):
        db.session.refresh(handoff)
        raise StaleVersion(_("Someone changed this hand-off in the meantime."), handoff)


def handoff_of(parcours_id: int, handoff_id: int) -> Handoff:
    """A hand-off of this parcours with its history and episodes, or a 404."""
    handoff = db.session.scalar(
        select(Handoff)
        .where(Handoff.id == handoff_id, Handoff.parcours_id == parcours_id)
        .options(
            selectinload(Handoff.events),
            selectinload(Handoff.from_episode),
            selectinload(Handoff.to_episode),
        )
    )
    if handoff is None:
        raise NotFound(_("This hand-off does not exist."), code="handoff_not_found")
    return handoff


def _lock(handoff: Handoff) -> None:
    """Serialise answers to the same hand-off, and read its status as committed."""
    lock_parcours(handoff.parcours_id)
    db.session.refresh(handoff, ["status"])


def _refuse_transition(handoff: Handoff, wanted: HandoffStatus) -> Conflict:
    return Conflict(
        _(
            "This hand-off is %(status)s: it cannot be marked %(wanted)s.",
            status=handoff.status.label,
            wanted=wanted.label,
        ),
        code="invalid_transition",
    )


def receiving_members(handoff: Handoff, members: list[Member]) -> list[Member]:
    """The current members who speak for the receiving side: those of the receiving
    organisation, or the person and family when they take over themselves."""
    if handoff.receives_person_and_family:
        return [m for m in members if m.is_current and m.role in (Role.person, Role.family)]
    organisation = handoff.receiving_organisation_in_effect
    if organisation is None:
        return []
    return [m for m in members if m.is_current and m.organisation_id == organisation.id]


def may_answer(member: Member, handoff: Handoff, members: list[Member]) -> bool:
    """Whether `member` answers the hand-off themselves (a member of the receiving side)."""
    return any(m.id == member.id for m in receiving_members(handoff, members))


def _phone_name(by_phone: str | None) -> str | None:
    """The name of the receiving professional who answered by phone, cleaned (None: not by
    phone)."""
    if by_phone is None:
        return None
    name = _clean(by_phone, NAME_MAX)
    if not name:
        raise DomainError(
            _("Please give the name of the person who answered by phone."),
            code="missing_phone_name",
        )
    return name


def check_answerer(by: Member, handoff: Handoff, by_phone: str | None = None) -> str | None:
    """Refuse (403 `not_receiving_service`) an answer from anyone but the receiving side; the
    pilot may record an answer given by phone. Returns the name said on the phone, if any."""
    name = _phone_name(by_phone)
    if name is not None:
        if not by.is_pilot:
            raise Forbidden(
                _("Only the pilot records an answer given by phone."),
                code="not_receiving_service",
            )
        return name
    if not may_answer(by, handoff, current_members(by.parcours_id)):
        raise Forbidden(
            _(
                "Only the receiving service answers this hand-off. The pilot may record an "
                "answer given by phone."
            ),
            code="not_receiving_service",
        )
    return None


def accept_handoff(by: Member, handoff: Handoff, *, by_phone: str | None = None) -> None:
    """Record that the receiving side accepted a proposed hand-off: said by a member of the
    receiving side, or by phone (`by_phone`: who answered) and recorded by the pilot."""
    answered_by = check_answerer(by, handoff, by_phone)
    _lock(handoff)
    if handoff.status is not HandoffStatus.proposed:
        raise _refuse_transition(handoff, HandoffStatus.accepted)
    handoff.status = HandoffStatus.accepted
    _record_version_in_force(handoff)
    _event(handoff, by, HandoffEventKind.accepted, answered_by=answered_by)
    record(by.parcours_id, by.user, Access.change, "handoff.accepted", handoff.receiving_label)


def decline_handoff(
    by: Member,
    handoff: Handoff,
    *,
    reason: str,
    declined_by: DeclinedBy,
    by_phone: str | None = None,
) -> None:
    """Record that the receiving service, or the person, declined a proposed hand-off. Each
    refusal is said by the party it belongs to: the service's by a member of the receiving
    side, the person's by the person or their legal representative; either may be given by
    phone (`by_phone`: who said it) and recorded by the pilot."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for declining."), code="missing_reason")
    if len(reason) > TEXT_MAX:
        raise DomainError(
            _("A text can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
        )
    if not isinstance(declined_by, DeclinedBy):
        raise DomainError(
            _("Say who declined: the receiving service or the person."), code="missing_declined_by"
        )
    answered_by = None
    if declined_by is DeclinedBy.service or by_phone is not None:
        answered_by = check_answerer(by, handoff, by_phone)
    elif not speaks_for_person(by):
        raise Forbidden(
            _(
                "Only %(name)s, or their legal representative, says that they declined. The "
                "pilot may record it if they said it by phone.",
                name=by.parcours.person_name,
            ),
            code="not_the_person",
        )
    _lock(handoff)
    if handoff.status is not HandoffStatus.proposed:
        raise _refuse_transition(handoff, HandoffStatus.declined)
    handoff.status = HandoffStatus.declined
    handoff.decline_reason = reason
    handoff.declined_by = declined_by
    _event(
        handoff,
        by,
        HandoffEventKind.declined,
        decline_reason=reason,
        declined_by=declined_by,
        answered_by=answered_by,
    )
    record(by.parcours_id, by.user, Access.change, "handoff.declined", handoff.receiving_label)


def complete_handoff(by: Member, handoff: Handoff) -> None:
    """Record that an accepted hand-off took place."""
    _lock(handoff)
    if handoff.status is not HandoffStatus.accepted:
        raise _refuse_transition(handoff, HandoffStatus.completed)
    handoff.status = HandoffStatus.completed
    _record_version_in_force(handoff)
    _event(handoff, by, HandoffEventKind.completed)
    record(by.parcours_id, by.user, Access.change, "handoff.completed", handoff.receiving_label)


def _record_version_in_force(handoff: Handoff) -> None:
    """Keep the objective version in force when the hand-off is accepted (or, if none was
    then, completed): its "objective passed on" is judged against it from now on."""
    if handoff.objective_version_id is None:
        version = version_in_force(handoff.parcours_id)
        handoff.objective_version_id = version.id if version is not None else None


def confirm_person_involved(by: Member, handoff: Handoff, confirmed: bool) -> Handoff:
    """The person (or their legal representative) says whether they took part in the
    transition a member declared: only then does the relais de sens hold its element (2).
    "No" is recorded too (the element stays missing, and the page says so)."""
    _may_confirm(by, by.parcours.person_name)
    _lock(handoff)
    db.session.refresh(handoff, ["person_involved"])
    if not handoff.person_involved:
        raise Conflict(
            _("Nobody has declared that the person took part in this transition."),
            code="nothing_to_confirm",
        )
    if handoff.person_confirmed is bool(confirmed):
        return handoff  # said already (a double tap): nothing new
    handoff.confirm_for_person(by, confirmed)
    _event(handoff, by, HandoffEventKind.person_confirmed, person_confirmed=bool(confirmed))
    record(
        by.parcours_id,
        by.user,
        Access.change,
        "handoff.person_confirmed",
        handoff.receiving_label,
    )
    return handoff


TRANSITIONS = {
    HandoffStatus.accepted: accept_handoff,
    HandoffStatus.completed: complete_handoff,
}


def change_status(
    by: Member,
    handoff: Handoff,
    status: HandoffStatus,
    *,
    reason: str | None = None,
    declined_by: DeclinedBy | None = None,
    by_phone: str | None = None,
) -> None:
    """Move a hand-off to `status`: proposed → accepted or declined, accepted → completed
    (`by_phone`: the pilot records an answer given by phone by this receiving professional)."""
    if status is HandoffStatus.declined:
        decline_handoff(
            by, handoff, reason=reason or "", declined_by=declined_by, by_phone=by_phone
        )
    elif status is HandoffStatus.accepted:
        accept_handoff(by, handoff, by_phone=by_phone)
    elif status in TRANSITIONS:
        TRANSITIONS[status](by, handoff)
    else:
        raise _refuse_transition(handoff, status)


# Answering a flag ---------------------------------------------------------------------
#
# A check is answered, never silenced: the pilot or a professional member says what is being
# done (a note); the flag stays on the timeline and in the API, answered, and leaves the
# caseload's urgent order. A family member or the person cannot answer a check that protects
# them; any member sees the answer.


def can_acknowledge(member: Member) -> bool:
    return member.is_current and (member.is_pilot or member.is_professional)


def acknowledge_flag(by: Member, key: str, note: str | None, on: date | None = None) -> Flag:
    """Answer the flag `key` raised today on the plan, with a note; returns it, answered."""
    if not can_acknowledge(by):
        raise Forbidden(
            _("Only the pilot or a professional of the plan answers a check."),
            code="cannot_acknowledge",
        )
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Please say what is being done about it."), code="missing_note")
    if len(note) > TEXT_MAX:
        raise DomainError(
            _("The note can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
        )
    lock_parcours(by.parcours_id)
    timeline = load_timelines([by.parcours_id], on or today())[by.parcours_id]
    flag = next((f for f in compute_flags(timeline.input) if f.key == key), None)
    if flag is None:
        raise NotFound(_("This plan raises no such check today."), code="unknown_flag")
    if flag.acknowledged is not None:
        raise Conflict(
            _("This check was already answered by %(name)s.", name=flag.acknowledged.by),
            code="already_acknowledged",
        )
    db.session.add(FlagAcknowledgement(parcours_id=by.parcours_id, key=key, member=by, note=note))
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "flag.acknowledged", key)
    answered = AcknowledgementData(by.name, local_date(utcnow()), note)
    return replace(flag, acknowledged=answered)


# --- Answer links: the receiving service answers without an account ----------------------

ANSWER_LINK_LIFETIME = timedelta(days=30)


def _may_send(by: Member, handoff: Handoff) -> bool:
    """The sending side: whoever proposed the hand-off, a current member of the organisation
    it starts from, or the pilot."""
    organisation_id = handoff.from_episode.organisation_id if handoff.from_episode else None
    return (
        by.is_pilot
        or by.id == handoff.created_by_id
        or (organisation_id is not None and by.organisation_id == organisation_id)
    )


def create_answer_link(by: Member, handoff: Handoff) -> tuple[HandoffAnswerLink, str]:
    """A single-use link (30 days) for the receiving service to answer a proposed hand-off
    when none of its professionals is a member; any earlier link stops working. The token
    is returned once: only its digest is kept. When the plan is not shared with the
    receiving organisation yet, the person's consent is asked: the link opens once given."""
    if not _may_send(by, handoff):
        raise Forbidden(
            _("Only the sending side or the pilot creates an answer link."),
            code="not_sending_side",
        )
    _lock(handoff)
    if handoff.status is not HandoffStatus.proposed:
        raise Conflict(
            _("This hand-off is already answered: an answer link is no longer needed."),
            code="handoff_answered",
        )
    if handoff.receiving_organisation_in_effect is None:
        raise Conflict(
            _("The person and family answer this hand-off themselves, in the plan."),
            code="no_receiving_service",
        )
    if receiving_members(handoff, current_members(handoff.parcours_id)):
        raise Conflict(
            _("A member of the receiving service is in the plan: they answer it themselves."),
            code="receiving_service_in_plan",
        )
    ask_consent(by, handoff.receiving_organisation_in_effect)
    _revoke_links(handoff)
    token = secrets.token_urlsafe(24)
    link = HandoffAnswerLink(
        handoff_id=handoff.id,
        digest=hash_secret(token),
        created_by=by,
        expires_at=utcnow() + ANSWER_LINK_LIFETIME,
    )
    db.session.add(link)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "answer_link.created", handoff.receiving_label)
    return link, token


def _revoke_links(handoff: Handoff) -> int:
    links = db.session.scalars(
        select(HandoffAnswerLink).where(
            HandoffAnswerLink.handoff_id == handoff.id,
            HandoffAnswerLink.used_at.is_(None),
            HandoffAnswerLink.revoked_at.is_(None),
        )
    ).all()
    for link in links:
        link.revoked_at = utcnow()
    db.session.flush()
    return len(links)


def revoke_answer_link(by: Member, handoff: Handoff) -> None:
    """Stop the hand-off's answer link (404 when it has none that still works)."""
    if not _may_send(by, handoff):
        raise Forbidden(
            _("Only the sending side or the pilot creates an answer link."),
            code="not_sending_side",
        )
    lock_parcours(handoff.parcours_id)
    if not _revoke_links(handoff):
        raise NotFound(_("This hand-off has no answer link."), code="answer_link_not_found")
    record(by.parcours_id, by.user, Access.change, "answer_link.revoked", handoff.receiving_label)


@consent_refused.connect
def _revoke_links_of(consent: Consent, by: Member, **_extra) -> None:
    """Consent refused or withdrawn: the answer links to that organisation stop working."""
    handoffs = db.session.scalars(
        select(Handoff)
        .where(Handoff.parcours_id == consent.parcours_id)
        .options(selectinload(Handoff.to_episode))
    ).all()
    for handoff in handoffs:
        organisation = handoff.receiving_organisation_in_effect
        if organisation is None or organisation.id != consent.organisation_id:
            continue
        if _revoke_links(handoff):
            record(
                by.parcours_id,
                by.user,
                Access.change,
                "answer_link.consent_refused",
                handoff.receiving_label,
            )


def link_waits_for_consent(handoff: Handoff) -> str | None:
    """What the hand-off's answer link waits for (the person's consent), in words."""
    organisation = handoff.receiving_organisation_in_effect
    if organisation is None:
        return None
    waiting = waits_for_consent(db.session.get(Parcours, handoff.parcours_id), organisation)
    return waiting[1] if waiting else None


def active_answer_link(handoff_id: int) -> HandoffAnswerLink | None:
    """The hand-off's answer link still waiting to be used, if any."""
    now = utcnow()
    return db.session.scalar(
        select(HandoffAnswerLink).where(
            HandoffAnswerLink.handoff_id == handoff_id,
            HandoffAnswerLink.used_at.is_(None),
            HandoffAnswerLink.revoked_at.is_(None),
            HandoffAnswerLink.expires_at > now,
        )
    )


@dataclass(frozen=True)
class AnswerLinkView:
    """All an answer link shows: what the hand-off carries, nothing else of the plan."""

    link: HandoffAnswerLink
    handoff: Handoff
    objective: ObjectiveVersion | None
    contact: Member
    expires_at: datetime

    @property
    def receiving_organisation(self) -> str:
        organisation = self.handoff.receiving_organisation_in_effect
        return organisation.name if organisation else ""


def _not_found() -> NotFound:
    # The same answer for an unknown, used, revoked or expired link: no oracle.
    return NotFound(
        _(
            "This answer link does not work: it may have expired, been used or been "
            "withdrawn. Ask the person who sent it for a new one."
        ),
        code="answer_link_not_found",
    )


def open_answer_link(token: str) -> AnswerLinkView:
    """What an answer link shows, or the same 404 for any link that does not work; 409
    `consent_pending` (nothing of the plan shown) while the person has not agreed to share
    the plan with the receiving organisation. Every way in opens the link through this."""
    if not token or len(token) > 100:
        raise _not_found()
    digest = hash_secret(token)
    link = db.session.scalar(select(HandoffAnswerLink).where(HandoffAnswerLink.digest == digest))
    if link is None or not hmac.compare_digest(link.digest, digest) or not link.usable():
        raise _not_found()
    handoff = db.session.scalar(
        select(Handoff)
        .where(Handoff.id == link.handoff_id)
        .options(
            selectinload(Handoff.events),
            selectinload(Handoff.from_episode),
            selectinload(Handoff.to_episode),
        )
    )
    if handoff is None or handoff.status is not HandoffStatus.proposed:
        raise _not_found()
    if (organisation := handoff.receiving_organisation_in_effect) is not None:
        check_consent(link.created_by.parcours, organisation)
    return AnswerLinkView(
        link=link,
        handoff=handoff,
        objective=version_in_force(handoff.parcours_id),
        contact=link.created_by,
        expires_at=link.expires_at,
    )


def record_link_opened(view: AnswerLinkView) -> None:
    """The access log says the link was opened (under its creator's account: nobody is
    signed in), naming the link."""
    record(
        view.handoff.parcours_id,
        view.contact.user,
        Access.read,
        "answer_link.opened",
        _("link %(id)s, hand-off to %(to)s", id=view.link.id, to=view.handoff.receiving_label),
    )


def answer_through_link(
    token: str,
    *,
    status: HandoffStatus,
    name: str,
    function: str,
    organisation: str | None = None,
    reason: str | None = None,
    approves_objective: bool = False,
    in_contact: bool = False,
) -> AnswerLinkView:
    """The receiving professional answers through the link: accepted, or declined with a
    reason; the answer is attributed to the name, function and organisation they give. The
    link is then used up. Their contact confirmation ticks the checklist's "services in
    contact", their approval of the objective in force counts as the receiving side's
    (element 1 of the relais de sens)."""
    view = open_answer_link(token)
    handoff, link = view.handoff, view.link
    name, function = _clean(name, NAME_MAX), _clean(function, NAME_MAX)
    organisation = _clean(organisation, NAME_MAX) or view.receiving_organisation
    if not name:
        raise DomainError(_("Please give your name."), code="missing_name")
    if not function:
        raise DomainError(_("Please give your function."), code="missing_function")
    if status not in (HandoffStatus.accepted, HandoffStatus.declined):
        raise DomainError(_("Please accept or decline the hand-off."), code="invalid_status")
    reason = (reason or "").strip()
    if status is HandoffStatus.declined and not reason:
        raise DomainError(_("Please give the reason for declining."), code="missing_reason")
    if len(reason) > TEXT_MAX:
        raise DomainError(
            _("A text can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
        )
    _lock(handoff)
    db.session.refresh(link, ["used_at", "revoked_at"])
    if handoff.status is not HandoffStatus.proposed or not link.usable():
        raise _not_found()
    handoff.status = status
    if status is HandoffStatus.accepted:
        _record_version_in_force(handoff)
    if status is HandoffStatus.declined:
        handoff.decline_reason = reason
        handoff.declined_by = DeclinedBy.service
    if in_contact:
        handoff.services_in_contact = True
    if approves_objective and view.objective is not None:
        handoff.objective_approved_through_link = True
    link.used_at = utcnow()
    _event(
        handoff,
        link.created_by,
        HandoffEventKind(status.value),
        decline_reason=reason or None,
        declined_by=DeclinedBy.service if status is HandoffStatus.declined else None,
        answered_by=name,
        answer_link_id=link.id,
        answer_function=function,
        answer_organisation=organisation,
        approves_objective=bool(approves_objective),
        in_contact=bool(in_contact),
    )
    record(
        handoff.parcours_id,
        link.created_by.user,
        Access.change,
        "answer_link.answered",
        _(
            "link %(id)s: %(status)s by %(name)s, %(function)s, %(organisation)s",
            id=link.id,
            status=status.label,
            name=name,
            function=function,
            organisation=organisation,
        ),
    )
    return view
