"""The ruptures kept as of OPEN_END and cut at a day are those the checks find on that day."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.timeline.checks import OPEN_END, FlagKind, compute_flags, ruptures_on
from tests.timeline.test_checks import BASE, WINDOW, as_tuples, ep, timeline, timelines

RUPTURES = (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE)


def ruptures(flags):
    found = [flag for flag in flags if flag.kind in RUPTURES]
    return sorted(found, key=lambda flag: flag.start)


def cut(data, on):
    runs = ruptures(compute_flags(replace(data, today=OPEN_END)))
    return ruptures_on(runs, on, data.closed_on, data.tolerance_days)


@settings(max_examples=400, deadline=None)
@given(timelines(), st.integers(-10, WINDOW + 60))
def test_the_runs_cut_at_any_day_are_the_ruptures_of_that_day(data, offset):
    on = BASE + timedelta(days=offset)
    expected = ruptures(compute_flags(replace(data, today=on)))
    assert as_tuples(cut(data, on)) == as_tuples(expected)


def test_a_wait_before_a_planned_service_is_ongoing_until_it_starts():
    data = timeline(
        BASE + timedelta(days=100),
        ep(1, BASE, BASE + timedelta(days=9)),
        ep(2, BASE + timedelta(days=60), None),
    )
    [waiting] = cut(data, BASE + timedelta(days=40))
    assert (waiting.kind, waiting.days, waiting.params["next_start"]) == (
        FlagKind.ONGOING_RUPTURE,
        31,
        BASE + timedelta(days=60),
    )
    [past] = cut(data, BASE + timedelta(days=80))
    assert (past.kind, past.end, past.days) == (FlagKind.RUPTURE, BASE + timedelta(days=59), 50)
    assert cut(data, BASE + timedelta(days=20)) == []  # 10 days: within the tolerance
