"""The chart's geometry: lanes, ticks, ruptures and hand-off arrows."""

from datetime import date, timedelta
from itertools import pairwise

from parcours.timeline.chart import (
    BAR_HEIGHT,
    CHAR_WIDTH,
    MARGIN,
    WIDTH,
    ChartGap,
    build_chart,
)
from parcours.timeline.checks import EpisodeData, HandoffData

ON = date(2025, 6, 1)


def ep(id: int, start: date, end: date | None, label: str = "", pause: bool = False):
    return EpisodeData(id, label or f"Service {id}", start, end, pause)


def ho(id: int, from_id: int, to_id: int | None, day: date, status: str, missing=()):
    """A hand-off whose relais de sens lacks the `missing` elements."""
    return HandoffData(
        id,
        from_id,
        to_id,
        "",
        status,
        day,
        objective_passed="objective" not in missing,
        person_involved="person" not in missing,
        has_meaning_note="meaning_note" not in missing,
        services_in_contact="contact" not in missing,
    )


def test_no_episode_no_chart():
    assert build_chart([], [], [], ON) is None


def test_following_episodes_share_a_lane_and_overlapping_ones_do_not():
    chart = build_chart(
        [
            ep(1, date(2024, 1, 1), date(2024, 6, 30)),
            ep(2, date(2024, 9, 1), date(2024, 12, 31)),
            ep(3, date(2024, 3, 1), date(2024, 10, 31)),  # overlaps both
        ],
        [],
        [],
        ON,
    )
    lanes = {bar.episode.id: bar.lane for bar in chart.bars}
    assert lanes[1] == lanes[2] != lanes[3]
    assert chart.lanes_bottom > chart.bars[0].y + BAR_HEIGHT


def test_bars_follow_the_dates_and_stay_inside_the_drawing():
    episodes = [ep(1, date(2024, 1, 1), date(2024, 6, 30)), ep(2, date(2024, 7, 1), None)]
    chart = build_chart(episodes, [], [], ON)
    first, second = chart.bars
    assert first.x < second.x
    assert abs(first.x + first.width - second.x) < 0.2  # adjacent: no gap drawn
    assert second.ongoing and not second.planned
    assert second.x + second.width <= WIDTH - MARGIN + 0.1
    assert first.x >= MARGIN and chart.start < date(2024, 1, 1) and chart.end > ON


def test_a_planned_episode_extends_the_axis_and_is_marked():
    chart = build_chart(
        [ep(1, date(2024, 1, 1), date(2025, 3, 1)), ep(2, date(2025, 9, 1), None)], [], [], ON
    )
    assert chart.bars[1].planned
    assert chart.end > date(2025, 9, 1)
    assert chart.today_x < chart.bars[1].x


def test_long_labels_are_cut_to_the_room_they_have():
    chart = build_chart(
        [
            ep(1, date(2025, 1, 1), date(2025, 1, 10), label="Institut médico-éducatif " * 4),
            ep(2, date(2025, 1, 11), None),
        ],
        [],
        [],
        ON,
    )
    bar = next(b for b in chart.bars if b.episode.id == 1)
    assert bar.text.endswith("…") or bar.lane != chart.bars[1].lane


def test_ruptures_cover_their_days_and_an_ongoing_one_reaches_today():
    episodes = [ep(1, date(2024, 1, 1), date(2024, 12, 31))]
    gaps = [
        ChartGap(date(2025, 1, 1), date(2025, 1, 31), ongoing=False),
        ChartGap(date(2025, 3, 1), None, ongoing=True),
    ]
    chart = build_chart(episodes, [], gaps, ON)
    past, ongoing = chart.gaps
    assert past.x >= chart.bars[0].x + chart.bars[0].width - 0.2
    assert abs(ongoing.x + ongoing.width - (chart.today_x + (past.width / 31))) < 1


def test_a_handoff_links_the_two_bars_with_a_badge_per_missing_element():
    episodes = [ep(1, date(2024, 1, 1), date(2024, 12, 31)), ep(2, date(2025, 1, 1), None)]
    handoffs = [
        ho(5, 1, 2, date(2024, 12, 1), "accepted", ("objective", "meaning_note")),
        ho(6, 2, None, date(2025, 5, 1), "proposed"),
        ho(7, 99, None, date(2025, 5, 1), "proposed"),  # unknown episode: skipped
    ]
    chart = build_chart(episodes, handoffs, [], ON)
    relay, open_ended = chart.links
    second = chart.bars[1]
    assert (relay.end_x, relay.end_y) == (second.x, second.y + BAR_HEIGHT / 2)
    assert [badge.element for badge in relay.badges] == ["objective", "meaning_note"]
    assert relay.path.startswith("M")
    assert open_ended.badges == ()


def test_ticks_are_months_for_a_short_span_and_years_for_a_long_one():
    short = build_chart([ep(1, date(2025, 1, 1), None)], [], [], ON)
    assert short.ticks and not any(t.yearly for t in short.ticks)
    assert all(t.day.day == 1 for t in short.ticks)
    long = build_chart([ep(1, date(2005, 1, 1), None)], [], [], ON)
    assert long.ticks and all(t.yearly and t.day.month == 1 for t in long.ticks)
    for chart in (short, long):
        xs = [t.x for t in chart.ticks]
        assert xs == sorted(xs)
        assert all(b - a >= 70 for a, b in pairwise(xs))
        assert all(chart.start <= t.day <= chart.end for t in chart.ticks)


def test_two_hundred_episodes_are_laid_out():
    start = date(2000, 1, 1)
    episodes = []
    for index in range(200):
        episodes.append(ep(index, start, start + timedelta(days=20)))
        start += timedelta(days=30)
    chart = build_chart(episodes, [], [], start)
    assert len(chart.bars) == 200
    assert chart.height < 400  # consecutive episodes reuse lanes


def _label_span(bar) -> tuple[float, float]:
    width = len(bar.text) * CHAR_WIDTH
    if bar.text_anchor == "end":
        return bar.text_x - width, bar.text_x
    return bar.text_x, bar.text_x + width


def test_no_label_is_cut_even_the_latest_services():
    """The latest label of a lane ends at the chart's end when it would run past it (issue 14:
    on desktop the recent labels were cut); labels of one lane never run into each other."""
    episodes = [
        ep(1, date(2019, 9, 1), date(2024, 6, 30), label="IME Les Tilleuls, section pré-pro"),
        ep(2, date(2024, 7, 1), None, label="ESAT Les Ateliers du Val, atelier espaces verts"),
        ep(3, date(2025, 5, 20), None, label="Foyer d'hébergement Les Glycines"),
        ep(4, date(2025, 6, 1), date(2025, 6, 10), label="Séjour de répit"),
    ]
    chart = build_chart(episodes, [], [], ON)
    assert any(bar.text_anchor == "end" for bar in chart.bars)
    for bar in chart.bars:
        assert bar.text == bar.episode.label
        left, right = _label_span(bar)
        assert left >= 0 and right <= chart.width - MARGIN
    for one in chart.bars:
        for other in chart.bars:
            if one is not other and one.lane == other.lane and one.x < other.x:
                assert _label_span(one)[1] < _label_span(other)[0]
