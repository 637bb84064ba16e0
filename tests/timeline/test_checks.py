"""Tests for the pure timeline checks and the sentences that describe their flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.timeline.checks import (
    AcknowledgementData,
    AdoptedMeansData,
    CommitmentData,
    EpisodeData,
    Flag,
    FlagKind,
    HandoffData,
    ObjectedMeansData,
    Severity,
    TimelineInput,
    compute_flags,
    confirmed_by_person,
)
from parcours.timeline.messages import describe, next_step

RUPTURE_KINDS = {FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE}
PO_FILE = (
    Path(__file__).resolve().parents[2]
    / "parcours/timeline/translations/fr/LC_MESSAGES/messages.po"
)


def ep(
    id: int,
    start: date,
    end: date | None,
    *,
    pause: bool = False,
    label: str = "",
    confirmed: bool = True,
    shared: bool = True,
) -> EpisodeData:
    """An episode labelled "E<id>" unless told otherwise (a pause the person confirmed, a
    service that shares the objective in force)."""
    return EpisodeData(
        id,
        label or f"E{id}",
        start,
        end,
        is_pause=pause,
        person_confirmed=confirmed,
        objective_shared=shared,
    )


def handoff(
    id: int,
    from_id: int,
    *,
    to_id: int | None = None,
    status: str = "completed",
    proposed_on: date = date(2025, 1, 1),
    objective: bool = True,
    person: bool = True,
    note: bool = True,
    contact: bool = True,
) -> HandoffData:
    """A hand-off with a full relais de sens unless told otherwise."""
    return HandoffData(
        id,
        from_id,
        to_id,
        "Receiving service",
        status,
        proposed_on,
        objective,
        person,
        note,
        contact,
    )


def timeline(today: date, *episodes: EpisodeData, **fields) -> TimelineInput:
    """A parcours for "Léa" with the given episodes."""
    return TimelineInput("Léa", today, episodes=episodes, **fields)


def ruptures(data: TimelineInput) -> list[Flag]:
    """Only the rupture and ongoing rupture flags."""
    return [flag for flag in compute_flags(data) if flag.kind in RUPTURE_KINDS]


def kinds(data: TimelineInput) -> list[FlagKind]:
    """The kinds of the flags, in order."""
    return [flag.kind for flag in compute_flags(data)]


# --- Ruptures ------------------------------------------------------------------------------


def test_single_ongoing_episode_raises_nothing():
    assert compute_flags(timeline(date(2025, 6, 1), ep(1, date(2025, 1, 1), None))) == []


def test_adjacent_episodes_leave_no_gap():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 2, 1), None),
        handoffs=(handoff(1, 1, to_id=2),),
    )
    assert compute_flags(data) == []


def test_overlapping_episodes_merge():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 3, 31)),
        ep(2, date(2025, 1, 10), date(2025, 1, 20)),
        ep(3, date(2025, 3, 15), None),
    )
    assert ruptures(data) == []


def test_nested_episode_does_not_end_the_covered_block():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 3, 31)),
        ep(2, date(2025, 1, 10), date(2025, 1, 20)),
        ep(3, date(2025, 4, 20), None),
    )
    [flag] = ruptures(data)
    assert (flag.start, flag.end, flag.days, flag.episode_ids) == (
        date(2025, 4, 1),
        date(2025, 4, 19),
        19,
        (1, 3),
    )


def test_gap_of_exactly_the_tolerance_is_not_flagged():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 2, 15), None),  # uncovered: 1..14 February
    )
    assert ruptures(data) == []


def test_gap_one_day_over_the_tolerance_is_a_rupture():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 2, 16), None),  # uncovered: 1..15 February
    )
    [flag] = ruptures(data)
    assert flag == Flag(
        FlagKind.RUPTURE,
        Severity.HIGH,
        date(2025, 2, 1),
        date(2025, 2, 15),
        episode_ids=(1, 2),
        days=15,
    )
    assert dict(flag.params) == {
        "previous": "E1",
        "next": "E2",
        "next_start": date(2025, 2, 16),
    }


@pytest.mark.parametrize(("tolerance", "gap", "flagged"), [(30, 30, False), (30, 31, True)])
def test_custom_tolerance(tolerance: int, gap: int, flagged: bool):
    first_end = date(2025, 1, 31)
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), first_end),
        ep(2, first_end + timedelta(days=gap + 1), None),
        tolerance_days=tolerance,
    )
    assert bool(ruptures(data)) is flagged


def test_zero_tolerance_flags_a_single_day():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 2, 2), None),
        tolerance_days=0,
    )
    [flag] = ruptures(data)
    assert (flag.start, flag.end, flag.days) == (date(2025, 2, 1), date(2025, 2, 1), 1)


def test_gap_reaching_today_in_an_open_parcours_is_an_ongoing_rupture():
    data = timeline(date(2025, 3, 1), ep(1, date(2025, 1, 1), date(2025, 1, 31)))
    [flag] = ruptures(data)
    assert flag == Flag(
        FlagKind.ONGOING_RUPTURE,
        Severity.CRITICAL,
        date(2025, 2, 1),
        None,
        episode_ids=(1,),
        days=29,  # 1 February to 1 March, both included
    )
    assert "next" not in flag.params


def test_recent_end_within_tolerance_is_not_yet_a_rupture():
    data = timeline(date(2025, 2, 14), ep(1, date(2025, 1, 1), date(2025, 1, 31)))
    assert ruptures(data) == []


def test_wait_for_a_planned_episode_is_an_ongoing_rupture_naming_it():
    data = timeline(
        date(2025, 3, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(3, date(2025, 5, 1), None, label="IME Le Phare"),
        ep(2, date(2025, 4, 1), None, label="SESSAD Les Mouettes"),
    )
    [flag] = ruptures(data)
    assert (flag.kind, flag.start, flag.end, flag.days) == (
        FlagKind.ONGOING_RUPTURE,
        date(2025, 2, 1),
        None,
        29,
    )
    assert flag.episode_ids == (1, 2)
    assert flag.params["next"] == "SESSAD Les Mouettes"
    assert flag.params["next_start"] == date(2025, 4, 1)


def test_only_planned_episodes_mean_nothing_to_check():
    data = timeline(date(2025, 3, 1), ep(1, date(2025, 4, 1), None))
    assert compute_flags(data) == []


def test_closed_parcours_cuts_the_trailing_gap_at_its_closing_date():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        closed_on=date(2025, 3, 1),
    )
    [flag] = ruptures(data)
    assert (flag.kind, flag.start, flag.end, flag.days) == (
        FlagKind.RUPTURE,
        date(2025, 2, 1),
        date(2025, 3, 1),
        29,
    )


def test_closed_parcours_raises_no_rupture_after_closing():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        closed_on=date(2025, 2, 10),
    )
    assert ruptures(data) == []


def test_parcours_closed_today_has_a_plain_rupture():
    data = timeline(
        date(2025, 3, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        closed_on=date(2025, 3, 1),
    )
    assert [flag.kind for flag in ruptures(data)] == [FlagKind.RUPTURE]


def test_closing_date_in_the_future_behaves_as_open():
    data = timeline(
        date(2025, 3, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        closed_on=date(2025, 7, 1),
    )
    [flag] = ruptures(data)
    assert (flag.kind, flag.end, flag.days) == (FlagKind.ONGOING_RUPTURE, None, 29)


def test_pause_covers_a_gap_and_needs_no_hand_off():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 2, 1), date(2025, 2, 28), pause=True),
        ep(3, date(2025, 3, 1), None),
        handoffs=(handoff(1, 1, to_id=2),),
    )
    assert compute_flags(data) == []


@pytest.mark.parametrize(
    ("declared", "answer", "counts"),
    [(True, True, True), (True, None, False), (True, False, False), (False, True, False)],
)
def test_what_is_the_person_s_counts_once_declared_and_confirmed(declared, answer, counts):
    assert confirmed_by_person(declared, answer) is counts


def test_a_pause_the_person_has_not_confirmed_is_a_gap_like_any_other():
    def with_pause(confirmed: bool) -> TimelineInput:
        return timeline(
            date(2025, 6, 1),
            ep(1, date(2025, 1, 1), date(2025, 1, 31)),
            ep(2, date(2025, 2, 1), date(2025, 2, 28), pause=True, confirmed=confirmed),
            ep(3, date(2025, 3, 1), None),
            handoffs=(handoff(1, 1, to_id=2),),
        )

    [flag] = compute_flags(with_pause(False))
    assert (flag.kind, flag.start, flag.end, flag.days) == (
        FlagKind.RUPTURE,
        date(2025, 2, 1),
        date(2025, 2, 28),
        28,
    )
    assert flag.key == "rupture-e1"
    assert compute_flags(with_pause(True)) == []


def test_the_service_accompanying_the_person_now_must_share_the_objective_in_force():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 5, 31), shared=False),
        ep(2, date(2025, 6, 1), None, label="ESAT", shared=False),
        ep(3, date(2025, 6, 1), None, pause=True, shared=False),
        ep(4, date(2025, 5, 1), None, label="Foyer"),
        handoffs=(handoff(1, 1, to_id=2),),
    )
    [flag] = compute_flags(data)
    assert flag.kind is FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT
    assert (flag.severity, flag.start, flag.end) == (Severity.MEDIUM, date(2025, 6, 1), None)
    assert flag.key == "objective_not_shared_with_current-e2"
    assert flag.params["label"] == "ESAT"
    # Not once the plan is closed.
    assert compute_flags(replace(data, closed_on=date(2025, 6, 1))) == []


# --- Hand-offs -----------------------------------------------------------------------------


def test_missing_handoff_names_the_following_episode():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31), label="SESSAD Les Mouettes"),
        ep(2, date(2025, 2, 1), None, label="IME Le Phare"),
    )
    [flag] = compute_flags(data)
    assert flag == Flag(
        FlagKind.MISSING_HANDOFF,
        Severity.HIGH,
        date(2025, 1, 31),
        date(2025, 1, 31),
        episode_ids=(1, 2),
    )
    assert dict(flag.params) == {"from_label": "SESSAD Les Mouettes", "to_label": "IME Le Phare"}


def test_missing_handoff_skips_episodes_nested_in_the_ended_one():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 3, 31)),
        ep(2, date(2025, 2, 1), date(2025, 2, 10), pause=True),
        ep(3, date(2025, 3, 20), None),
    )
    [flag] = compute_flags(data)
    assert (flag.kind, flag.episode_ids) == (FlagKind.MISSING_HANDOFF, (1, 3))


def test_missing_handoff_without_a_following_episode():
    data = timeline(date(2025, 2, 5), ep(1, date(2025, 1, 1), date(2025, 1, 31)))
    [flag] = compute_flags(data)
    assert (flag.kind, flag.start, flag.end, flag.episode_ids) == (
        FlagKind.MISSING_HANDOFF,
        date(2025, 1, 31),
        date(2025, 1, 31),
        (1,),
    )
    assert dict(flag.params) == {"from_label": "E1"}


def test_episode_ending_on_the_horizon_needs_no_hand_off_yet():
    data = timeline(date(2025, 1, 31), ep(1, date(2025, 1, 1), date(2025, 1, 31)))
    assert compute_flags(data) == []


def test_declined_handoff_does_not_count_as_a_handoff():
    episodes = (ep(1, date(2025, 1, 1), date(2025, 1, 31)), ep(2, date(2025, 2, 1), None))
    declined = timeline(
        date(2025, 6, 1), *episodes, handoffs=(handoff(1, 1, to_id=2, status="declined"),)
    )
    assert kinds(declined) == [FlagKind.MISSING_HANDOFF]
    for status in ("proposed", "accepted", "completed"):
        relayed = timeline(
            date(2025, 2, 1),
            *episodes,
            handoffs=(handoff(1, 1, to_id=2, status=status, proposed_on=date(2025, 1, 25)),),
        )
        assert compute_flags(relayed) == []


@pytest.mark.parametrize(
    ("today", "flagged"), [(date(2025, 3, 15), False), (date(2025, 3, 16), True)]
)
def test_handoff_unanswered_after_the_tolerance(today: date, flagged: bool):
    data = timeline(
        today,
        ep(1, date(2025, 1, 1), None),
        handoffs=(handoff(7, 1, status="proposed", proposed_on=date(2025, 3, 1)),),
    )
    flags = compute_flags(data)
    assert bool(flags) is flagged
    if flagged:
        assert flags == [
            Flag(
                FlagKind.HANDOFF_UNANSWERED,
                Severity.MEDIUM,
                date(2025, 3, 1),
                today,
                episode_ids=(1,),
                handoff_id=7,
                days=15,
            )
        ]


def test_answered_handoff_is_not_unanswered():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), None),
        handoffs=(handoff(7, 1, status="accepted", proposed_on=date(2025, 3, 1)),),
    )
    assert compute_flags(data) == []


def test_missing_relais_de_sens_lists_exactly_what_is_missing_in_order():
    data = timeline(
        date(2025, 2, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 2, 1), None),
        handoffs=(
            handoff(5, 1, to_id=2, proposed_on=date(2025, 1, 20), person=False, contact=False),
        ),
    )
    [flag] = compute_flags(data)
    assert flag == Flag(
        FlagKind.MISSING_RELAIS_DE_SENS,
        Severity.MEDIUM,
        date(2025, 1, 20),
        date(2025, 1, 20),
        episode_ids=(1, 2),
        handoff_id=5,
        missing=("person", "contact"),
    )


def test_missing_relais_de_sens_with_nothing_passed_on():
    bare = handoff(5, 1, objective=False, person=False, note=False, contact=False)
    data = timeline(date(2025, 1, 2), ep(1, date(2025, 1, 1), None), handoffs=(bare,))
    [flag] = compute_flags(data)
    assert flag.missing == ("objective", "person", "meaning_note", "contact")


def test_declined_handoff_needs_no_relais_de_sens():
    bare = handoff(5, 1, status="declined", objective=False, person=False)
    data = timeline(date(2025, 1, 2), ep(1, date(2025, 1, 1), None), handoffs=(bare,))
    assert compute_flags(data) == []


# --- Decisions and commitments -------------------------------------------------------------


def test_each_means_adopted_without_the_person_is_flagged():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), None),
        adopted_without_person=(
            AdoptedMeansData(10, "Weekly speech therapy", date(2025, 3, 1)),
            AdoptedMeansData(11, "Adapted transport", date(2025, 2, 1)),
        ),
    )
    flags = compute_flags(data)
    assert [(f.kind, f.severity, f.means_id, f.start) for f in flags] == [
        (FlagKind.DECISION_WITHOUT_PERSON, Severity.MEDIUM, 11, date(2025, 2, 1)),
        (FlagKind.DECISION_WITHOUT_PERSON, Severity.MEDIUM, 10, date(2025, 3, 1)),
    ]
    assert flags[0].params["title"] == "Adapted transport"


def test_each_means_adopted_over_an_objection_not_heard_is_flagged(babel_app: Flask):
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), None),
        adopted_over_objection=(ObjectedMeansData(12, "IME", date(2025, 4, 1), ("Sophie",)),),
    )
    [flag] = compute_flags(data)
    assert (flag.kind, flag.severity, flag.means_id, flag.start) == (
        FlagKind.DECISION_OVER_OBJECTION,
        Severity.MEDIUM,
        12,
        date(2025, 4, 1),
    )
    with babel_app.app_context(), force_locale("en"):
        sentence = describe(flag, "Léa")
    assert sentence == '"IME" was adopted on April 1, 2025 without hearing Sophie, who opposed it.'
    with babel_app.app_context(), force_locale("fr"):
        plural = describe(
            compute_flags(
                timeline(
                    date(2025, 6, 1),
                    ep(1, date(2025, 1, 1), None),
                    adopted_over_objection=(
                        ObjectedMeansData(12, "IME", date(2025, 4, 1), ("Sophie", "Marc")),
                    ),
                )
            )[0],
            "Léa",
        )
    assert "sans entendre Sophie et Marc, qui s'y opposaient" in plural


def test_commitment_overdue_only_when_not_kept_and_due_before_the_horizon():
    today = date(2025, 3, 11)
    data = timeline(
        today,
        ep(1, date(2025, 1, 1), None),
        commitments=(
            CommitmentData(1, "Call the MDPH", "Samia", date(2025, 3, 1), kept=False),
            CommitmentData(2, "Send the report", "Paul", date(2025, 3, 1), kept=True),
            CommitmentData(3, "Book the visit", "Paul", today, kept=False),
        ),
    )
    [flag] = compute_flags(data)
    assert flag == Flag(
        FlagKind.COMMITMENT_OVERDUE,
        Severity.LOW,
        date(2025, 3, 1),
        today,
        commitment_id=1,
        days=10,
    )
    assert flag.params["member"] == "Samia"


def test_commitment_overdue_counts_to_the_closing_date():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), None),
        closed_on=date(2025, 3, 11),
        commitments=(CommitmentData(1, "Call", "Samia", date(2025, 3, 1), kept=False),),
    )
    [flag] = compute_flags(data)
    assert (flag.end, flag.days) == (date(2025, 3, 11), 10)


# --- Sorting -------------------------------------------------------------------------------


def test_open_flags_sorted_by_severity_then_start_then_kind_and_past_ruptures_last():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 3, 1), date(2025, 3, 31)),
        handoffs=(handoff(1, 1, to_id=2, proposed_on=date(2025, 1, 15), note=False),),
        adopted_without_person=(AdoptedMeansData(10, "Respite", date(2025, 1, 15)),),
        commitments=(CommitmentData(1, "Call", "Samia", date(2025, 1, 2), kept=False),),
    )
    flags = compute_flags(data)
    assert [(f.severity, f.start, f.kind) for f in flags] == [
        (Severity.CRITICAL, date(2025, 4, 1), FlagKind.ONGOING_RUPTURE),
        (Severity.HIGH, date(2025, 3, 31), FlagKind.MISSING_HANDOFF),
        (Severity.MEDIUM, date(2025, 1, 15), FlagKind.MISSING_RELAIS_DE_SENS),
        (Severity.MEDIUM, date(2025, 1, 15), FlagKind.DECISION_WITHOUT_PERSON),
        (Severity.LOW, date(2025, 1, 2), FlagKind.COMMITMENT_OVERDUE),
        # The rupture of February has ended: history, below anything still open.
        (Severity.HIGH, date(2025, 2, 1), FlagKind.RUPTURE),
    ]
    assert [f.is_past for f in flags] == [False] * 5 + [True]


def test_every_flag_has_a_key_naming_what_it_is_about():
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31)),
        ep(2, date(2025, 3, 1), date(2025, 3, 31)),
        handoffs=(handoff(1, 1, to_id=2, proposed_on=date(2025, 1, 15), note=False),),
        adopted_without_person=(AdoptedMeansData(10, "Respite", date(2025, 1, 15)),),
        commitments=(CommitmentData(7, "Call", "Samia", date(2025, 1, 2), kept=False),),
    )
    assert {f.key for f in compute_flags(data)} == {
        "rupture-e2",  # ongoing, after episode 2
        "rupture-e1",
        "missing_handoff-e2",
        "missing_relais_de_sens-h1",
        "decision_without_person-m10",
        "commitment_overdue-c7",
    }


def test_an_ongoing_rupture_keeps_its_key_once_it_has_ended():
    ongoing = compute_flags(timeline(date(2025, 6, 1), ep(1, date(2025, 1, 1), date(2025, 1, 31))))
    ended = compute_flags(
        timeline(
            date(2025, 6, 1),
            ep(1, date(2025, 1, 1), date(2025, 1, 31)),
            ep(2, date(2025, 5, 1), None),
        )
    )
    ruptures = [
        f for f in ongoing + ended if f.kind in (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE)
    ]
    assert [(f.kind, f.key) for f in ruptures] == [
        (FlagKind.ONGOING_RUPTURE, "rupture-e1"),
        (FlagKind.RUPTURE, "rupture-e1"),
    ]


def test_severity_labels():
    assert [s.label for s in sorted(Severity, reverse=True)] == [
        "critical",
        "high",
        "medium",
        "low",
    ]


# --- Properties ----------------------------------------------------------------------------

BASE = date(2025, 1, 1)
WINDOW = 60  # episodes start within this many days of BASE


@st.composite
def episode_lists(draw: st.DrawFn, min_size: int = 0) -> tuple[EpisodeData, ...]:
    """Valid episodes (end on or after start) with distinct ids, starting in a small window."""
    count = draw(st.integers(min_value=min_size, max_value=8))
    episodes = []
    for index in range(count):
        start = BASE + timedelta(days=draw(st.integers(0, WINDOW)))
        length = draw(st.one_of(st.none(), st.integers(0, 25)))
        end = None if length is None else start + timedelta(days=length)
        pause = draw(st.booleans())
        confirmed = draw(st.booleans()) if pause else True
        shared = draw(st.booleans())
        episodes.append(ep(index + 1, start, end, pause=pause, confirmed=confirmed, shared=shared))
    return tuple(episodes)


@st.composite
def timelines(draw: st.DrawFn, min_episodes: int = 0) -> TimelineInput:
    """A parcours with random episodes, tolerance, today and closing date."""
    today = BASE + timedelta(days=draw(st.integers(0, WINDOW + 30)))
    closed_on = draw(st.one_of(st.none(), st.integers(0, WINDOW + 40)))
    return timeline(
        today,
        *draw(episode_lists(min_episodes)),
        tolerance_days=draw(st.integers(0, 10)),
        closed_on=None if closed_on is None else BASE + timedelta(days=closed_on),
    )


def oracle_ruptures(data: TimelineInput) -> list[tuple[FlagKind, date, date | None, int]]:
    """Ruptures found by walking the days one by one over a set of covered days."""
    horizon = data.today if data.closed_on is None else min(data.today, data.closed_on)
    if not data.episodes:
        return []
    origin = min(e.start for e in data.episodes)
    covered = set()
    for e in data.episodes:
        if e.is_pause and not e.person_confirmed:
            continue  # a pause the person has not confirmed is a gap like any other
        last = horizon if e.end is None else min(e.end, horizon)
        covered.update(e.start + timedelta(days=i) for i in range((last - e.start).days + 1))
    open_ = data.closed_on is None or data.closed_on > data.today
    found, run = [], []
    for i in range((horizon - origin).days + 2):
        day = origin + timedelta(days=i)
        if day <= horizon and day not in covered:
            run.append(day)
            continue
        if len(run) > data.tolerance_days:
            if run[-1] == data.today and open_:
                found.append((FlagKind.ONGOING_RUPTURE, run[0], None, len(run)))
            else:
                found.append((FlagKind.RUPTURE, run[0], run[-1], len(run)))
        run = []
    return found


def as_tuples(flags: list[Flag]) -> list[tuple]:
    """Flags with their params, for comparisons that include them."""
    return [(flag, sorted(flag.params.items())) for flag in flags]


@settings(max_examples=300, deadline=None)
@given(timelines())
def test_ruptures_match_a_day_by_day_oracle(data: TimelineInput):
    found = [(f.kind, f.start, f.end, f.days) for f in ruptures(data)]
    assert sorted(found, key=lambda r: r[1]) == oracle_ruptures(data)


@settings(max_examples=100, deadline=None)
@given(timelines(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_episode_order(data: TimelineInput, random):
    shuffled = list(data.episodes)
    random.shuffle(shuffled)
    reordered = replace(data, episodes=tuple(shuffled))
    assert as_tuples(compute_flags(reordered)) == as_tuples(compute_flags(data))


@settings(max_examples=100, deadline=None)
@given(timelines(min_episodes=1), st.integers(0, WINDOW), st.one_of(st.none(), st.integers(0, 30)))
def test_adding_an_episode_never_adds_rupture_days(data: TimelineInput, offset: int, length):
    origin = min(e.start for e in data.episodes)
    start = origin + timedelta(days=offset)  # an earlier start would widen the checked span
    extra = ep(99, start, None if length is None else start + timedelta(days=length))
    before = sum(f.days for f in ruptures(data))
    after = sum(f.days for f in ruptures(replace(data, episodes=(*data.episodes, extra))))
    assert after <= before


@settings(max_examples=100, deadline=None)
@given(timelines())
def test_no_rupture_overlaps_a_covered_day(data: TimelineInput):
    for flag in ruptures(data):
        last = flag.end or data.today
        for e in data.episodes:
            if e.is_pause and not e.person_confirmed:
                continue
            assert e.start > last or (e.end is not None and e.end < flag.start)


@settings(max_examples=100, deadline=None)
@given(
    timelines(),
    st.lists(st.tuples(st.integers(0, WINDOW + 40), st.booleans()), max_size=3),
)
def test_no_flag_ends_after_the_closing_date(data: TimelineInput, commitments):
    data = replace(
        data,
        closed_on=data.closed_on or data.today,
        commitments=tuple(
            CommitmentData(i, "Call", "Samia", BASE + timedelta(days=due), kept)
            for i, (due, kept) in enumerate(commitments)
        ),
    )
    for flag in compute_flags(data):
        if data.closed_on <= data.today:
            assert flag.end is not None
        if flag.end is not None:
            assert flag.end <= data.closed_on


@settings(max_examples=100, deadline=None)
@given(timelines(min_episodes=1), st.data())
def test_turning_an_episode_into_a_pause_only_removes_its_missing_handoff(
    data: TimelineInput, draw
):
    target = draw.draw(st.sampled_from(data.episodes))
    # A service turned into a pause the person confirmed.
    paused = replace(
        data,
        episodes=tuple(
            replace(e, is_pause=True, person_confirmed=True) if e is target else e
            for e in data.episodes
        ),
    )
    before = replace(
        data,
        episodes=tuple(
            replace(e, person_confirmed=True) if e is target else e for e in data.episodes
        ),
    )
    about_the_service = (FlagKind.MISSING_HANDOFF, FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT)
    expected = [
        flag
        for flag in compute_flags(before)
        if not (flag.kind in about_the_service and flag.episode_ids[0] == target.id)
    ]
    assert as_tuples(compute_flags(paused)) == as_tuples(expected)


@settings(max_examples=100, deadline=None)
@given(timelines())
def test_confirming_a_pause_never_adds_rupture_days(data: TimelineInput):
    confirmed = replace(
        data, episodes=tuple(replace(e, person_confirmed=True) for e in data.episodes)
    )
    assert sum(f.days for f in ruptures(confirmed)) <= sum(f.days for f in ruptures(data))


@settings(max_examples=200, deadline=None)
@given(timelines())
def test_objective_not_shared_is_raised_on_each_service_accompanying_today(data: TimelineInput):
    found = {
        f.episode_ids[0]
        for f in compute_flags(data)
        if f.kind is FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT
    }
    open_ = data.closed_on is None or data.closed_on > data.today
    expected = {
        e.id
        for e in data.episodes
        if open_
        and not e.is_pause
        and not e.objective_shared
        and e.start <= data.today
        and (e.end is None or e.end >= data.today)
    }
    assert found == expected


@settings(max_examples=200, deadline=None)
@given(timelines())
def test_missing_handoff_names_the_earliest_episode_still_running_after(data: TimelineInput):
    by_id = {e.id: e for e in data.episodes}
    for flag in compute_flags(data):
        if flag.kind is not FlagKind.MISSING_HANDOFF:
            continue
        ended = by_id[flag.episode_ids[0]]
        followers = sorted(
            (e.start, e.id)
            for e in data.episodes
            if e.start > ended.start and (e.end is None or e.end > ended.end)
        )
        assert flag.episode_ids[1:] == tuple(i for _, i in followers[:1])


def test_ten_thousand_episodes_complete():
    episodes = []
    start = BASE
    for index in range(10_000):
        end = start + timedelta(days=20)
        episodes.append(ep(index, start, end, pause=index % 7 == 0))
        start = end + timedelta(days=1 + index % 30)  # some gaps exceed the tolerance
    data = timeline(start + timedelta(days=100), *episodes)
    flags = compute_flags(data)
    assert any(flag.kind is FlagKind.RUPTURE for flag in flags)


# --- Messages ------------------------------------------------------------------------------


def every_kind_of_flag() -> list[Flag]:
    """At least one flag of each kind, with the params compute_flags gives them."""
    data = timeline(
        date(2025, 6, 1),
        ep(1, date(2025, 1, 1), date(2025, 1, 31), label="SESSAD Les Mouettes"),
        ep(2, date(2025, 3, 1), date(2025, 3, 31), label="IME Le Phare"),
        ep(3, date(2025, 9, 1), None, label="Foyer Les Tilleuls"),
        handoffs=(
            handoff(1, 1, to_id=2, status="proposed", proposed_on=date(2025, 1, 15), note=False),
        ),
        adopted_without_person=(AdoptedMeansData(10, "Respite", date(2025, 1, 15)),),
        adopted_over_objection=(
            ObjectedMeansData(11, "IME", date(2025, 1, 20), ("Sophie", "Marc")),
        ),
        commitments=(CommitmentData(1, "Call the MDPH", "Samia", date(2025, 1, 2), kept=False),),
    )
    current = timeline(
        date(2025, 6, 1), ep(4, date(2025, 5, 1), None, label="ESAT Les Ateliers", shared=False)
    )
    flags = compute_flags(data) + compute_flags(current)
    assert {flag.kind for flag in flags} == set(FlagKind)
    return flags


@pytest.fixture
def babel_app(tmp_path: Path) -> Flask:
    """A bare Flask app with the timeline catalogue compiled into tmp_path."""
    mo_dir = tmp_path / "fr" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    with PO_FILE.open("rb") as po, (mo_dir / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po))
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path)
    Babel(app)
    return app


def test_every_flag_is_described_in_english(babel_app: Flask):
    with babel_app.app_context(), force_locale("en"):
        sentences = {flag.kind: describe(flag, "Léa") for flag in every_kind_of_flag()}
        steps = {flag.kind: next_step(flag) for flag in every_kind_of_flag()}
    assert sentences[FlagKind.ONGOING_RUPTURE] == (
        "No service has accompanied Léa since April 1, 2025 (62 days)."
        " Next planned: Foyer Les Tilleuls from September 1, 2025."
    )
    assert sentences[FlagKind.RUPTURE] == (
        "No service accompanied Léa from February 1, 2025 to February 28, 2025 (28 days)."
    )
    assert sentences[FlagKind.MISSING_RELAIS_DE_SENS] == (
        "The hand-off from SESSAD Les Mouettes to Receiving service lacks: a meaning note."
    )
    assert steps[FlagKind.MISSING_RELAIS_DE_SENS] == "Write the meaning note for this hand-off."
    assert all(sentences.values()) and all(steps.values())


def test_missing_handoff_without_a_follower_gives_the_end_date(babel_app: Flask):
    flag = Flag(
        FlagKind.MISSING_HANDOFF,
        Severity.HIGH,
        date(2025, 3, 31),
        date(2025, 3, 31),
        episode_ids=(2,),
        params={"from_label": "IME Le Phare"},
    )
    with babel_app.app_context():
        with force_locale("en"):
            assert describe(flag, "Léa") == "IME Le Phare ended on March 31, 2025 with no hand-off."
        with force_locale("fr"):
            assert describe(flag, "Léa") == (
                "L'accompagnement par IME Le Phare a pris fin le 31 mars 2025 "
                "sans passage de relais."
            )


def test_every_flag_is_described_in_french(babel_app: Flask):
    with babel_app.app_context(), force_locale("fr"):
        sentences = {flag.kind: describe(flag, "Léa") for flag in every_kind_of_flag()}
        steps = {flag.kind: next_step(flag) for flag in every_kind_of_flag()}
    assert sentences[FlagKind.MISSING_HANDOFF] == (
        "Aucun passage de relais entre IME Le Phare et Foyer Les Tilleuls."
    )
    assert sentences[FlagKind.COMMITMENT_OVERDUE] == (
        "«\u202fCall the MDPH\u202f» (Samia) était prévu pour le 2 janvier 2025\u202f: "
        "150 jours de retard."
    )
    assert steps[FlagKind.ONGOING_RUPTURE] == (
        "Trouvez un service ou enregistrez une pause choisie par la personne."
    )
    assert all(sentences.values()) and all(steps.values())


@pytest.mark.parametrize(
    ("missing", "phrase", "step"),
    [
        (("objective", "contact"), "l'objectif partagé transmis et un contact", "Invitez"),
        (("person",), "la participation de la personne", "Associez la personne"),
        (("contact",), "un contact entre les services", "Mettez les deux services"),
    ],
)
def test_relais_de_sens_message_follows_what_is_missing(
    babel_app: Flask, missing: tuple[str, ...], phrase: str, step: str
):
    flag = Flag(
        FlagKind.MISSING_RELAIS_DE_SENS,
        Severity.MEDIUM,
        date(2025, 1, 1),
        date(2025, 1, 1),
        missing=missing,
        params={"from_label": "SESSAD", "to_label": "IME"},
    )
    with babel_app.app_context(), force_locale("fr"):
        assert phrase in describe(flag, "Léa")
        assert next_step(flag).startswith(step)


@settings(max_examples=150, deadline=None)
@given(timelines(), st.data())
def test_an_answer_never_silences_a_check(data: TimelineInput, draw):
    """Answering flags (issue 12, item 4) changes only their `acknowledged`: the same flags,
    the same keys, kinds, days and params; an answer to a
    flag no longer raised is ignored."""
    flags = compute_flags(data)
    chosen = draw.draw(st.lists(st.sampled_from([f.key for f in flags] or ["none"]), unique=True))
    answers = {
        key: AcknowledgementData("Claire", BASE, "On s'en occupe.")
        for key in [*chosen, "rupture-e999"]
    }
    answered = compute_flags(replace(data, acknowledgements=answers))

    def bare(found):
        return sorted(
            (f.key, f.kind, f.start, f.end, f.days, sorted(f.params.items())) for f in found
        )

    assert bare(answered) == bare(flags)
    for flag in answered:
        assert (flag.acknowledged is not None) == (flag.key in chosen)
