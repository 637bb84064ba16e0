"""Differencing: an observer asks any period and each of their scopes, so a withheld figure
could be worked out by subtracting two shown ones (a longer period minus its end; a territory
minus one of its organisations; a period and the same period a day longer). The figures are
rounded to a base of 5 so that several values under 5 fit the same answers.

Each scenario runs twice: rounded, the attacker is left with several candidates; unrounded
(the figures as they were before the rounding), the same subtraction gives the exact withheld
value, which shows what the rounding is for (and that the scenario does attack something)."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.accounts.models import find_organisation
from parcours.accounts.operations import set_territory
from parcours.observatory import figures
from parcours.observatory.anonymity import BASE, THRESHOLD, Cell, publish
from parcours.timeline.models import EpisodeKind
from tests.observatory.conftest import ESAT, IME, TERRITORY
from tests.timeline.conftest import TimelineFactory

SESSAD = "SESSAD Les Mouettes"


def rounded_count(value: int) -> int:
    return publish(Cell(value, value)).shown


def consistent(whole: int, part: int, shown: Callable[[int], int] = rounded_count) -> set[int]:
    """The withheld differences (0 to 4) that fit two published counts: the whole, and a part
    of it drawn from at least 5 plans. One candidate: the attack worked."""
    return {
        difference
        for difference in range(THRESHOLD)
        # the part's true values: those a base away from its published one (or more)
        for value in range(max(THRESHOLD, int(part) - 2 * BASE), int(part) + 2 * BASE)
        if shown(value) == part and shown(value + difference) == whole
    }


@given(st.integers(min_value=THRESHOLD, max_value=10_000), st.integers(0, THRESHOLD - 1))
def test_no_subtraction_of_two_rounded_counts_gives_a_withheld_one(part, difference):
    candidates = consistent(rounded_count(part + difference), rounded_count(part))
    assert difference in candidates
    assert len(candidates) >= 2


def test_without_rounding_the_subtraction_gives_it():
    assert consistent(8, 5, shown=lambda value: value) == {3}


@pytest.fixture(params=["rounded", "unrounded"])
def rounding(request, monkeypatch) -> bool:
    if request.param == "unrounded":
        monkeypatch.setattr(figures, "published", lambda computed: computed)
    return request.param == "rounded"


def _check(rounding: bool, whole: int, part: int, withheld: int) -> None:
    shown = rounded_count if rounding else (lambda value: value)
    candidates = consistent(whole, part, shown)
    assert withheld in candidates
    if rounding:
        assert len(candidates) >= 2, candidates
    else:
        assert candidates == {withheld}  # the attack works on unrounded figures


def _extra_plan(make, tl: TimelineFactory, organisation: str, start: int, end=None, **handoff):
    """A plan followed by `organisation` from `start` (to `end`), with a hand-off to the ESAT
    when `proposed_on` is given."""
    pro = make.alliance()["professional"]
    kind = EpisodeKind.ime if organisation == IME else EpisodeKind.sessad
    episode = tl.episode(pro, organisation, kind=kind, start=start, end=end)
    if handoff:
        tl.handoff(pro, episode, receiving_organisation=ESAT, **handoff)
    return pro


def _in_territory(make, name: str) -> None:
    make._run(lambda: set_territory(find_organisation(name), TERRITORY))


def _get(api, observer, **query) -> dict:
    answer = api(observer).get("/api/v1/observatory", query_string=query)
    assert answer.status_code == 200, answer.json
    return answer.json


def _day(offset: int) -> str:
    return TimelineFactory.day(offset).isoformat()


def test_a_period_minus_its_end(app, world, make, api, rounding):
    """The hand-offs of [-120, -51] as those of [-120, today] minus those of [-50, today]."""
    tl = TimelineFactory(app)
    for _ in range(2):
        _extra_plan(make, tl, IME, -300, proposed_on=-5)
    long = _get(api, world.observer, territory=TERRITORY, **{"from": _day(-120)})
    end = _get(api, world.observer, territory=TERRITORY, **{"from": _day(-50)})
    middle = _get(api, world.observer, territory=TERRITORY, **{"from": _day(-120), "to": _day(-51)})
    (row,) = middle["handoffs"]["transitions"]
    assert row["count"]["suppressed"]  # 3 hand-offs, the world's unanswered ones
    (long_row,) = long["handoffs"]["transitions"]
    (end_row,) = end["handoffs"]["transitions"]
    _check(rounding, long_row["count"]["value"], end_row["count"]["value"], withheld=3)


def test_a_territory_minus_one_of_its_organisations(app, world, make, api, rounding):
    """The plans of the territory that the IME does not follow, and their ruptures, as the
    territory's figures minus the IME's."""
    tl = TimelineFactory(app)
    for _ in range(2):  # followed by the SESSAD until 50 days ago, then by nobody
        _extra_plan(make, tl, SESSAD, -300, end=-50)
    _in_territory(make, SESSAD)
    territory = _get(api, world.observer, territory=TERRITORY)
    ime = _get(api, world.observer, organisation=world.ime_id)
    _check(rounding, territory["plans"]["value"], ime["plans"]["value"], withheld=2)
    _check(
        rounding,
        territory["ruptures"]["plans_with_rupture"]["value"],
        ime["ruptures"]["plans_with_rupture"]["value"],
        withheld=2,
    )


def test_a_period_and_the_same_one_day_longer(app, world, make, api, rounding):
    """One plan starts on the last day of the longer period: the difference is that plan."""
    _extra_plan(make, TimelineFactory(app), SESSAD, -30)
    _in_territory(make, SESSAD)
    shorter = _get(
        api, world.observer, territory=TERRITORY, **{"from": _day(-200), "to": _day(-31)}
    )
    longer = _get(api, world.observer, territory=TERRITORY, **{"from": _day(-200), "to": _day(-30)})
    _check(rounding, longer["plans"]["value"], shorter["plans"]["value"], withheld=1)
