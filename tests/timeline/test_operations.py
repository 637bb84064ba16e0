"""The timeline operations: every rule on episodes and hand-offs, and the history they keep."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from parcours.accounts.models import Organisation
from parcours.core.audit import AccessLogEntry
from parcours.core.errors import Conflict, DomainError, Forbidden, NotFound
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.plans.operations import designate_pilot, leave_parcours
from parcours.timeline import operations
from parcours.timeline.models import (
    DeclinedBy,
    Episode,
    EpisodeKind,
    Handoff,
    HandoffEventKind,
    HandoffStatus,
)


@pytest.fixture(autouse=True)
def english(ctx):
    """Messages in English (French, the default, is checked on the pages)."""
    with force_locale("en"):
        yield


def _member(member: Member) -> Member:
    return db.session.get(Member, member.id)


def _log(parcours_id: int) -> list[tuple[str, str | None]]:
    return [
        (entry.event, entry.detail)
        for entry in db.session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.parcours_id == parcours_id, AccessLogEntry.access == "change")
            .order_by(AccessLogEntry.id)
        )
    ]


def _add(by: Member, **fields) -> Episode:
    values = {
        "kind": EpisodeKind.sessad,
        "organisation": "SESSAD Les Mouettes",
        "start_date": date(2025, 1, 1),
        "end_date": None,
    }
    return operations.add_episode(_member(by), **(values | fields))


# --- Episodes ------------------------------------------------------------------------------


def test_an_episode_is_recorded_and_logged(make, ctx):
    pro = make.parcours()
    episode = _add(pro, label="  Unité   d'enseignement ", end_date=date(2025, 6, 30))
    assert episode.organisation.name == "SESSAD Les Mouettes"
    assert episode.label == "Unité d'enseignement"
    assert episode.display_label == "Unité d'enseignement"
    assert not episode.person_agreed
    assert _log(pro.parcours_id)[-1] == ("episode.created", "Unité d'enseignement")


def test_the_organisation_is_shared_whatever_its_spelling(make, ctx):
    pro = make.parcours()
    first = _add(pro, organisation="IME Les Tilleuls")
    second = _add(pro, organisation="  ime  les TILLEULS ")
    assert first.organisation_id == second.organisation_id
    assert second.display_label == "IME Les Tilleuls"  # no label: the organisation's name
    keys = db.session.scalars(select(Organisation.key)).all()
    assert keys.count("ime les tilleuls") == 1


def test_an_episode_may_end_the_day_it_starts(make, ctx):
    pro = make.parcours()
    episode = _add(pro, start_date=date(2025, 3, 1), end_date=date(2025, 3, 1))
    assert episode.end_date == episode.start_date


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"end_date": date(2024, 12, 31)}, "end_before_start"),
        ({"organisation": ""}, "missing_organisation"),
        ({"organisation": "   "}, "missing_organisation"),
        ({"organisation": "x" * 121}, "text_too_long"),
        ({"label": "x" * 121}, "text_too_long"),
        ({"start_date": date(1899, 12, 31)}, "date_out_of_range"),
        ({"end_date": date(2200, 1, 1)}, "date_out_of_range"),
        ({"kind": EpisodeKind.pause, "organisation": None}, "pause_not_agreed"),
        (
            {"kind": EpisodeKind.pause, "organisation": "SESSAD", "person_agreed": True},
            "pause_with_organisation",
        ),
    ],
)
def test_bad_episodes_are_refused(make, ctx, fields, code):
    pro = make.parcours()
    with pytest.raises(DomainError) as refused:
        _add(pro, **fields)
    assert refused.value.code == code
    assert refused.value.status == 422


def test_a_pause_needs_the_persons_agreement_and_no_organisation(make, ctx):
    pro = make.parcours()
    pause = _add(pro, kind=EpisodeKind.pause, organisation=None, person_agreed=True)
    assert pause.is_pause and pause.person_agreed and pause.organisation is None
    assert pause.display_label == "Pause chosen by the person"


def test_the_agreement_is_kept_only_for_a_pause(make, ctx):
    pro = make.parcours()
    episode = _add(pro, person_agreed=True)
    assert not episode.person_agreed


def test_the_referent_is_a_current_member_of_this_plan(make, ctx):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    other = make.parcours()
    episode = _add(pro, referent_member_id=family.id)
    assert episode.referent_member_id == family.id
    with pytest.raises(DomainError) as refused:
        _add(pro, referent_member_id=other.id)
    assert refused.value.code == "invalid_referent"
    leave_parcours(_member(family))
    with pytest.raises(DomainError):
        _add(pro, referent_member_id=family.id)


def test_a_referent_who_left_may_stay_the_referent_of_their_episode(make, ctx):
    pro = make.parcours()
    colleague = make.member(pro, Role.professional)
    other = make.member(pro, Role.family)
    episode = _add(pro, referent_member_id=colleague.id)
    leave_parcours(_member(colleague))
    values = {
        "kind": EpisodeKind.sessad,
        "organisation": "SESSAD Les Mouettes",
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 6, 1),
    }
    operations.update_episode(_member(pro), episode, referent_member_id=colleague.id, **values)
    assert episode.referent_member_id == colleague.id
    operations.update_episode(_member(pro), episode, referent_member_id=other.id, **values)
    with pytest.raises(DomainError):  # once replaced, they cannot be chosen again
        operations.update_episode(_member(pro), episode, referent_member_id=colleague.id, **values)


def test_an_episode_is_corrected_and_the_change_logged(make, ctx):
    pro = make.parcours()
    episode = _add(pro)
    operations.update_episode(
        _member(pro),
        episode,
        kind=EpisodeKind.ime,
        organisation="IME Les Tilleuls",
        start_date=date(2025, 2, 1),
        end_date=date(2025, 9, 1),
    )
    assert (episode.kind, episode.organisation.name) == (EpisodeKind.ime, "IME Les Tilleuls")
    assert (episode.start_date, episode.end_date) == (date(2025, 2, 1), date(2025, 9, 1))
    assert _log(pro.parcours_id)[-1] == ("episode.updated", "IME Les Tilleuls")


def test_an_episode_of_another_plan_cannot_be_changed_or_read(make, ctx):
    pro, other = make.parcours(), make.parcours()
    episode = _add(other)
    with pytest.raises(NotFound):
        operations.episode_of(pro.parcours_id, episode.id)
    with pytest.raises(NotFound):
        operations.update_episode(
            _member(pro),
            episode,
            kind=EpisodeKind.ime,
            organisation="IME",
            start_date=date(2025, 1, 1),
            end_date=None,
        )


def test_the_database_refuses_an_episode_ending_before_it_starts(make, ctx):
    pro = make.parcours()
    episode = _add(pro)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        episode.end_date = episode.start_date - timedelta(days=1)
        db.session.flush()


def test_the_database_refuses_a_pause_without_agreement(make, ctx):
    pro = make.parcours()
    pause = _add(pro, kind=EpisodeKind.pause, organisation=None, person_agreed=True)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        pause.person_agreed = False
        db.session.flush()


# --- Hand-offs -----------------------------------------------------------------------------


def _propose(by: Member, from_episode: Episode, **fields) -> Handoff:
    return operations.propose_handoff(_member(by), from_episode_id=from_episode.id, **fields)


def test_a_handoff_is_proposed_today_with_its_history(make, ctx):
    pro = make.parcours()
    sessad, ime = _add(pro), _add(pro, organisation="IME Les Tilleuls")
    handoff = _propose(
        pro, sessad, to_episode_id=ime.id, person_involved=True, meaning_note="  Ce qui compte. "
    )
    assert handoff.status is HandoffStatus.proposed
    assert handoff.proposed_on == today()
    assert handoff.meaning_note == "Ce qui compte."
    assert handoff.receiving_label == "IME Les Tilleuls"
    assert handoff.receiving_organisation_in_effect.name == "IME Les Tilleuls"
    [event] = handoff.events
    assert (event.kind, event.member_id, event.person_involved, event.meaning_note) == (
        HandoffEventKind.proposed,
        pro.id,
        True,
        "Ce qui compte.",
    )
    assert _log(pro.parcours_id)[-1] == ("handoff.proposed", "IME Les Tilleuls")


def test_a_handoff_to_an_organisation_creates_it(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), receiving_organisation="ESAT Les Ateliers du Val")
    assert handoff.receiving_organisation.name == "ESAT Les Ateliers du Val"
    assert handoff.receiving_label == "ESAT Les Ateliers du Val"


def test_a_handoff_to_the_person_and_family(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    assert handoff.receives_person_and_family
    assert handoff.receiving_organisation_in_effect is None
    assert handoff.receiving_label == "the person and family"


def test_a_handoff_to_a_pause_goes_to_the_person_and_family(make, ctx):
    pro = make.parcours()
    pause = _add(pro, kind=EpisodeKind.pause, organisation=None, person_agreed=True)
    handoff = _propose(pro, _add(pro), to_episode_id=pause.id)
    assert handoff.receives_person_and_family
    assert handoff.receiving_label == "the person and family"


@pytest.mark.parametrize(
    ("receiving", "code"),
    [
        ({}, "missing_receiver"),
        ({"receiving_organisation": "  "}, "missing_receiver"),
        ({"receiving_organisation": "IME", "to_person_and_family": True}, "several_receivers"),
        ({"to_episode_id": "own", "receiving_organisation": "IME"}, "several_receivers"),
        ({"to_episode_id": "same"}, "same_episode"),
        ({"to_episode_id": "other"}, "invalid_to_episode"),
        ({"to_episode_id": 999_999}, "invalid_to_episode"),
        ({"to_person_and_family": True, "meaning_note": "x" * 4001}, "text_too_long"),
    ],
)
def test_bad_receiving_sides_are_refused(make, ctx, receiving, code):
    pro, other = make.parcours(), make.parcours()
    origin, own, elsewhere = _add(pro), _add(pro), _add(other)
    ids = {"own": own.id, "same": origin.id, "other": elsewhere.id}
    if isinstance(receiving.get("to_episode_id"), str):
        receiving["to_episode_id"] = ids[receiving["to_episode_id"]]
    with pytest.raises(DomainError) as refused:
        _propose(pro, origin, **receiving)
    assert (refused.value.code, refused.value.status) == (code, 422)


@pytest.mark.parametrize("origin", ["other plan", "missing"])
def test_a_handoff_from_an_episode_not_of_this_plan_is_refused(make, ctx, origin):
    pro, other = make.parcours(), make.parcours()
    from_id = _add(other).id if origin == "other plan" else 999_999
    with pytest.raises(DomainError) as refused:
        operations.propose_handoff(_member(pro), from_episode_id=from_id, to_person_and_family=True)
    assert (refused.value.code, refused.value.status) == ("invalid_from_episode", 422)
    assert "not part of this plan" in refused.value.message


# --- Status transitions --------------------------------------------------------------------

PATHS = {
    HandoffStatus.proposed: [],
    HandoffStatus.accepted: [HandoffStatus.accepted],
    HandoffStatus.declined: [HandoffStatus.declined],
    HandoffStatus.completed: [HandoffStatus.accepted, HandoffStatus.completed],
}
ALLOWED = {
    (HandoffStatus.proposed, HandoffStatus.accepted),
    (HandoffStatus.proposed, HandoffStatus.declined),
    (HandoffStatus.accepted, HandoffStatus.completed),
}


def _change(by: Member, handoff: Handoff, status: HandoffStatus) -> None:
    operations.change_status(
        _member(by), handoff, status, reason="Pas de place", declined_by=DeclinedBy.service
    )


@pytest.mark.parametrize("current", list(HandoffStatus))
@pytest.mark.parametrize("wanted", list(HandoffStatus))
def test_status_transitions(make, ctx, current, wanted):
    pro = make.parcours()
    # A hand-off to the person and family: they answer it themselves.
    family = make.member(pro, Role.family)
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    for step in PATHS[current]:
        _change(family, handoff, step)
    if (current, wanted) in ALLOWED:
        _change(family, handoff, wanted)
        assert handoff.status is wanted
        assert handoff.events[-1].kind.value == wanted.value
    else:
        with pytest.raises(Conflict) as refused:
            _change(family, handoff, wanted)
        assert refused.value.status == 409
        assert f"This hand-off is {current.value}" in refused.value.message
        assert handoff.status is current


# --- Who answers a hand-off ----------------------------------------------------------------


def _to_the_ime(make):
    """A hand-off from the SESSAD to an organisation with a member in the plan (Julien, of the
    IME), proposed by the SESSAD's professional, and a pilot of a third service."""
    sender = make.parcours()
    julien = make.member(
        sender,
        Role.professional,
        user=make.user(professional=True, organisation="IME Les Tilleuls"),
    )
    pilot = make.member(sender, Role.professional)
    designate_pilot(_member(sender), _member(pilot))
    handoff = _propose(sender, _add(sender), receiving_organisation="IME Les Tilleuls")
    return sender, julien, pilot, handoff


@pytest.mark.parametrize("status", [HandoffStatus.accepted, HandoffStatus.declined])
def test_only_the_receiving_service_answers(make, ctx, status):
    sender, julien, pilot, handoff = _to_the_ime(make)
    family = make.member(sender, Role.family)
    for other in (sender, pilot, family):
        with pytest.raises(DomainError) as refused:
            _change(other, handoff, status)
        assert (refused.value.code, refused.value.status) == ("not_receiving_service", 403)
        assert "Only the receiving service answers" in refused.value.message
        assert handoff.status is HandoffStatus.proposed
    _change(julien, handoff, status)
    assert handoff.status is status
    answer = handoff.answer_event
    assert (answer.member.id, answer.answered_by) == (julien.id, None)


def test_the_pilot_records_an_answer_given_by_phone(make, ctx):
    sender, _julien, pilot, handoff = _to_the_ime(make)
    with pytest.raises(DomainError) as refused:
        operations.accept_handoff(_member(sender), handoff, by_phone="Julien")
    assert (refused.value.code, refused.value.status) == ("not_receiving_service", 403)
    with pytest.raises(DomainError) as refused:
        operations.accept_handoff(_member(pilot), handoff, by_phone="   ")
    assert refused.value.code == "missing_phone_name"
    operations.accept_handoff(_member(pilot), handoff, by_phone="  Claire   Roy ")
    answer = handoff.answer_event
    assert (answer.member.id, answer.answered_by) == (pilot.id, "Claire Roy")
    assert _log(sender.parcours_id)[-1] == ("handoff.accepted", "IME Les Tilleuls")


def test_the_pilot_records_a_refusal_given_by_phone(make, ctx):
    _sender, _julien, pilot, handoff = _to_the_ime(make)
    operations.decline_handoff(
        _member(pilot),
        handoff,
        reason="Plus de place",
        declined_by=DeclinedBy.service,
        by_phone="Claire Roy",
    )
    assert handoff.status is HandoffStatus.declined
    assert handoff.answer_event.answered_by == "Claire Roy"


def test_only_the_person_or_the_pilot_by_phone_says_the_person_declined(make, ctx):
    sender, _julien, pilot, handoff = _to_the_ime(make)
    with pytest.raises(Forbidden) as refused:
        operations.decline_handoff(
            _member(sender), handoff, reason="Je ne veux pas", declined_by=DeclinedBy.person
        )
    assert refused.value.code == "not_the_person"
    operations.decline_handoff(
        _member(pilot),
        handoff,
        reason="Je ne veux pas",
        declined_by=DeclinedBy.person,
        by_phone="Léa",
    )
    assert handoff.declined_by is DeclinedBy.person
    assert handoff.events[-1].answered_by == "Léa"


def test_without_a_receiving_member_nobody_but_the_pilot_by_phone_answers(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), receiving_organisation="ESAT Les Ateliers du Val")
    with pytest.raises(DomainError) as refused:
        operations.accept_handoff(_member(pro), handoff)
    assert refused.value.code == "not_receiving_service"


def test_declining_needs_a_reason_and_who_declined(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    with pytest.raises(DomainError) as refused:
        operations.decline_handoff(
            _member(pro), handoff, reason="  ", declined_by=DeclinedBy.person
        )
    assert refused.value.code == "missing_reason"
    with pytest.raises(DomainError) as refused:
        operations.decline_handoff(_member(pro), handoff, reason="Non", declined_by=None)
    assert refused.value.code == "missing_declined_by"
    assert handoff.status is HandoffStatus.proposed


def test_the_legal_representative_records_that_the_person_declined(make, ctx):
    pro = make.parcours()
    make.pilot(pro)  # only the pilot invites a legal representative
    family = make.member(pro, Role.family, is_legal_representative=True)
    with pytest.raises(Forbidden):
        operations.decline_handoff(
            _member(make.member(pro, Role.family)),
            _propose(pro, _add(pro), receiving_organisation="ESAT Les Ateliers du Val"),
            reason="Non",
            declined_by=DeclinedBy.person,
        )
    handoff = _propose(pro, _add(pro), receiving_organisation="ESAT Les Ateliers du Val")
    operations.decline_handoff(
        _member(family), handoff, reason="Thomas préfère attendre.", declined_by=DeclinedBy.person
    )
    assert (handoff.status, handoff.declined_by, handoff.decline_reason) == (
        HandoffStatus.declined,
        DeclinedBy.person,
        "Thomas préfère attendre.",
    )
    event = handoff.events[-1]
    assert (event.kind, event.member_id, event.declined_by) == (
        HandoffEventKind.declined,
        family.id,
        DeclinedBy.person,
    )
    assert _log(pro.parcours_id)[-1] == ("handoff.declined", "ESAT Les Ateliers du Val")


def test_the_history_says_who_answered_and_when(make, ctx):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    operations.accept_handoff(_member(family), handoff)
    operations.complete_handoff(_member(pro), handoff)
    assert [(e.kind.value, e.member_id) for e in handoff.events] == [
        ("proposed", pro.id),
        ("accepted", family.id),
        ("completed", pro.id),
    ]
    assert [event for event, _ in _log(pro.parcours_id)[-3:]] == [
        "handoff.proposed",
        "handoff.accepted",
        "handoff.completed",
    ]


# --- Editing a hand-off --------------------------------------------------------------------


def _edit(by: Member, handoff: Handoff, **fields) -> bool:
    values = {
        "to_episode_id": handoff.to_episode_id,
        "receiving_organisation": None,
        "to_person_and_family": handoff.to_person_and_family,
        "person_involved": handoff.person_involved,
        "services_in_contact": handoff.services_in_contact,
        "meaning_note": handoff.meaning_note,
    }
    return operations.update_handoff(_member(by), handoff, **(values | fields))


def test_the_checklist_is_completed_and_every_version_kept(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), to_person_and_family=True, meaning_note="Première note")
    assert _edit(pro, handoff, services_in_contact=True, meaning_note="Note complétée")
    assert (handoff.services_in_contact, handoff.meaning_note) == (True, "Note complétée")
    assert [(e.kind.value, e.meaning_note) for e in handoff.events] == [
        ("proposed", "Première note"),
        ("edited", "Note complétée"),
    ]
    assert _log(pro.parcours_id)[-1] == ("handoff.updated", "the person and family")


def test_saving_an_unchanged_checklist_records_nothing(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    entries = len(_log(pro.parcours_id))
    assert not _edit(pro, handoff)
    assert len(handoff.events) == 1
    assert len(_log(pro.parcours_id)) == entries


def test_the_receiving_side_can_be_linked_to_an_episode_recorded_later(make, ctx):
    pro = make.parcours()
    origin = _add(pro)
    handoff = _propose(pro, origin, receiving_organisation="IME Les Tilleuls")
    ime = _add(pro, organisation="IME Les Tilleuls", start_date=date(2025, 9, 1))
    _edit(pro, handoff, to_episode_id=ime.id)
    assert (handoff.to_episode_id, handoff.receiving_organisation) == (ime.id, None)


def test_a_completed_handoff_can_still_be_corrected(make, ctx):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    operations.accept_handoff(_member(family), handoff)
    operations.complete_handoff(_member(pro), handoff)
    assert _edit(pro, handoff, person_involved=True)
    assert handoff.status is HandoffStatus.completed


def test_a_declined_handoff_cannot_be_edited(make, ctx):
    pro = make.parcours()
    handoff = _propose(pro, _add(pro), to_person_and_family=True)
    person = make.member(pro, Role.person)
    operations.decline_handoff(
        _member(person), handoff, reason="Non", declined_by=DeclinedBy.person
    )
    with pytest.raises(Conflict) as refused:
        _edit(pro, handoff, person_involved=True)
    assert refused.value.code == "handoff_declined"


def test_a_handoff_of_another_plan_is_not_found(make, ctx):
    pro, other = make.parcours(), make.parcours()
    handoff = _propose(other, _add(other), to_person_and_family=True)
    with pytest.raises(NotFound):
        operations.handoff_of(pro.parcours_id, handoff.id)
