"""The geometry of the timeline chart: where each bar, gap, hand-off and tick goes.

Pure: plain data in, coordinates out (in SVG user units); the template draws them and writes
the words. Episodes that overlap go on separate lanes, assigned greedily in O(n log n).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from parcours.timeline.checks import EpisodeData, Flag, FlagKind, HandoffData, TimelineInput

WIDTH = 960
MARGIN = 12  # room on the right for the arrowhead of an ongoing episode
TOP = 8
LANE_HEIGHT = 46
BAR_HEIGHT = 18
BAR_OFFSET = 18  # from the top of a lane: the label sits above the bar
AXIS_HEIGHT = 44
CHAR_WIDTH = 7.0  # an estimate for a 12-unit sans-serif font
MIN_TICK_SPACING = 80
TICK_LABEL_HALF = 36  # half the width of a tick's label ("sept. 2026")
TODAY_LABEL_HALF = 45  # half the width of "Aujourd'hui" or a date, in bold
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
# Up to this many episodes, every episode keeps room for its whole label on its lane (up to
# LABEL_MAX units; the latest label of a lane may end at the chart's end rather than start at
# its bar); beyond, lanes hold bars only (labels are cut to fit) so a long path stays a few
# lanes high.
LABEL_ROOM_UP_TO = 40
LABEL_MAX = 400
BADGE_RADIUS = 8
BADGE_SPACING = 18


@dataclass(frozen=True)
class ChartGap:
    """A rupture: days covered by no episode, `end` None while it goes on."""

    start: date
    end: date | None
    ongoing: bool


@dataclass(frozen=True)
class Bar:
    episode: EpisodeData
    x: float
    width: float
    y: float
    lane: int
    text: str  # the label, cut to the room it has (whole up to LABEL_ROOM_UP_TO episodes)
    text_y: float
    ongoing: bool
    planned: bool
    text_x: float = 0.0
    text_anchor: str = "start"  # "end": the latest label of its lane, ending at the chart's end


@dataclass(frozen=True)
class GapBox:
    gap: ChartGap
    x: float
    width: float


@dataclass(frozen=True)
class Badge:
    element: str  # "objective", "person", "meaning_note" or "contact"
    x: float
    y: float


@dataclass(frozen=True)
class Link:
    handoff: HandoffData
    path: str
    end_x: float
    end_y: float
    badges: tuple[Badge, ...]


@dataclass(frozen=True)
class Tick:
    day: date
    x: float
    yearly: bool  # label with the year only


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    start: date
    end: date
    lanes_bottom: float
    axis_y: float
    today_x: float
    today_anchor: str = "middle"  # "end" or "start" near an edge, so that the label fits
    bars: tuple[Bar, ...] = ()
    gaps: tuple[GapBox, ...] = ()
    links: tuple[Link, ...] = ()
    ticks: tuple[Tick, ...] = field(default_factory=tuple)


class _Scale:
    """Days to x coordinates over [start, end + 1 day)."""

    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.days = (end - start).days + 1
        self.unit = (WIDTH - 2 * MARGIN) / self.days

    def x(self, day: date) -> float:
        return round(MARGIN + (day - self.start).days * self.unit, 1)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _ticks(scale: _Scale, start: date, end: date) -> tuple[Tick, ...]:
    """Month or year ticks, spaced enough for their labels."""
    step = next(
        (s for s in MONTH_STEPS if s * 30.4 * scale.unit >= MIN_TICK_SPACING), MONTH_STEPS[-1]
    )
    yearly = step >= 12
    first = _month_start(start)
    if yearly:
        first = date(first.year, 1, 1)
        while first.year % (step // 12):
            first = date(first.year + 1, 1, 1)
    elif step > 1:
        while (first.month - 1) % step:
            first = _add_months(first, 1)
    if first < start:
        first = _add_months(first, step)
    ticks = []
    day = first
    while day <= end:
        x = scale.x(day)
        if TICK_LABEL_HALF <= x <= WIDTH - TICK_LABEL_HALF:  # its label, centred, fits
            ticks.append(Tick(day, x, yearly))
        day = _add_months(day, step)
    return tuple(ticks)


def _label_width(label: str) -> float:
    """The units a label takes (at most LABEL_MAX)."""
    return min(len(label) * CHAR_WIDTH + CHAR_WIDTH, LABEL_MAX)


def _anchor_near_edges(x: float, half: float) -> str:
    """How a label centred on `x` is anchored so that it stays inside the chart."""
    if x + half > WIDTH:
        return "end"
    if x - half < 0:
        return "start"
    return "middle"


def _place_label(
    label: str, x: float, left: float, right: float, last: bool
) -> tuple[str, float, str]:
    """Where an episode's label goes, above its bar: from the bar's start when it fits before
    `right` (the next bar of the lane, or the chart's end); for the last bar of a lane, ending
    at the chart's end when it fits after `left` (the previous label); else cut to the room
    from the bar's start. Returns the text, its x and its text-anchor."""
    width = len(label) * CHAR_WIDTH
    if x + width <= right:
        return label, x, "start"
    if last and right - width >= max(left, MARGIN):
        return label, right, "end"
    return _cut(label, right - x), x, "start"


def _cut(text: str, room: float) -> str:
    """The text, cut with an ellipsis to fit `room` units."""
    fits = int(room // CHAR_WIDTH)
    if fits >= len(text):
        return text
    if fits <= 1:
        return ""
    return text[: fits - 1].rstrip() + "…"


RUPTURES = (FlagKind.RUPTURE, FlagKind.ONGOING_RUPTURE)


def ruptures(flags: Sequence[Flag]) -> list[Flag]:
    """The flags the chart draws as gaps, in its order (their titles go with `Chart.gaps`)."""
    return [flag for flag in flags if flag.kind in RUPTURES]


def timeline_chart(data: TimelineInput, flags: Sequence[Flag]) -> Chart | None:
    """The chart of one parcours as the checks saw it (`flags` are theirs, for `data`): the
    one drawing of the timeline page and the printable plan."""
    gaps = [ChartGap(f.start, f.end, f.kind is FlagKind.ONGOING_RUPTURE) for f in ruptures(flags)]
    return build_chart(data.episodes, data.handoffs, gaps, data.today)


def build_chart(
    episodes: Sequence[EpisodeData],
    handoffs: Sequence[HandoffData],
    gaps: Sequence[ChartGap],
    on: date,
) -> Chart | None:
    """Lay out the timeline as of `on`; None when there is no episode to draw."""
    return _layout(tuple(episodes), tuple(handoffs), tuple(gaps), on)


# A pure function of frozen data, whose result is frozen too: a page seen again (the same
# episodes, hand-offs and ruptures, the same day) takes the layout computed the first time.
@lru_cache(maxsize=512)
def _layout(
    episodes: tuple[EpisodeData, ...],
    handoffs: tuple[HandoffData, ...],
    gaps: tuple[ChartGap, ...],
    on: date,
) -> Chart | None:
    if not episodes:
        return None
    start = min(e.start for e in episodes)
    last = max(max(e.end or e.start for e in episodes), max(e.start for e in episodes), on)
    if handoffs:
        last = max(last, max(h.proposed_on for h in handoffs))
    span = (last - start).days + 1
    pad = timedelta(days=max(7, span // 25))
    start, end = start - pad, last + pad
    label_room = len(episodes) <= LABEL_ROOM_UP_TO
    scale = _Scale(start, end)

    ordered = sorted(episodes, key=lambda e: (e.start, e.end or date.max, e.id))
    # Greedy lane assignment: the lane that frees up first, if it is free by this start.
    free: list[tuple[float, int]] = []
    placed: list[tuple[EpisodeData, int, float, float]] = []
    lanes = 0
    for episode in ordered:
        x = scale.x(episode.start)
        x_end = scale.x((episode.end or end) + timedelta(days=1))
        occupied = x_end + 4
        if label_room:
            occupied = max(occupied, x + _label_width(episode.label) + 6)
        if free and free[0][0] <= x:
            _, lane = heapq.heappop(free)
        else:
            lane, lanes = lanes, lanes + 1
        heapq.heappush(free, (occupied, lane))
        placed.append((episode, lane, x, round(max(x_end - x, 2.0), 1)))

    by_lane: dict[int, list[tuple[EpisodeData, int, float, float]]] = {}
    for item in placed:
        by_lane.setdefault(item[1], []).append(item)
    bars: dict[int, Bar] = {}
    for lane, items in by_lane.items():
        items.sort(key=lambda item: item[2])
        label_end = 0.0  # where the previous label of the lane ends
        for index, (episode, _lane, x, width) in enumerate(items):
            last = index == len(items) - 1
            right = WIDTH - MARGIN if last else items[index + 1][2] - 6
            text, text_x, anchor = _place_label(episode.label, x, label_end + 6, right, last)
            if text:
                label_end = text_x + len(text) * CHAR_WIDTH if anchor == "start" else right
            y = TOP + lane * LANE_HEIGHT + BAR_OFFSET
            bars[episode.id] = Bar(
                episode=episode,
                x=x,
                width=width,
                y=y,
                lane=lane,
                text=text,
                text_y=y - 5,
                ongoing=episode.end is None,
                planned=episode.start > on,
                text_x=text_x,
                text_anchor=anchor,
            )

    lanes_bottom = TOP + max(lanes, 1) * LANE_HEIGHT
    boxes = tuple(
        GapBox(
            gap,
            scale.x(gap.start),
            round(max(scale.x((gap.end or on) + timedelta(days=1)) - scale.x(gap.start), 2.0), 1),
        )
        for gap in gaps
    )
    links = tuple(link for h in handoffs if (link := _link(h, bars, scale)) is not None)
    axis_y = lanes_bottom + 8
    return Chart(
        width=WIDTH,
        height=int(axis_y + AXIS_HEIGHT),
        start=start,
        end=end,
        lanes_bottom=lanes_bottom,
        axis_y=axis_y,
        today_x=scale.x(on),
        today_anchor=_anchor_near_edges(scale.x(on), TODAY_LABEL_HALF),
        bars=tuple(bars[e.id] for e in ordered),
        gaps=boxes,
        links=links,
        ticks=_ticks(scale, start, end),
    )


def _link(handoff: HandoffData, bars: dict[int, Bar], scale: _Scale) -> Link | None:
    """A curved arrow from the end of the outgoing bar to the start of the receiving one."""
    origin = bars.get(handoff.from_episode_id)
    if origin is None:
        return None
    y1 = origin.y + BAR_HEIGHT / 2
    x1 = origin.x + origin.width if origin.episode.end is not None else scale.x(handoff.proposed_on)
    target = bars.get(handoff.to_episode_id) if handoff.to_episode_id else None
    if target is not None:
        x2, y2 = target.x, target.y + BAR_HEIGHT / 2
    else:
        x2, y2 = min(x1 + 36, WIDTH - MARGIN), y1 - BAR_HEIGHT
    # Forwards, a smooth S from one bar to the next (a straight drop when they touch);
    # backwards (the receiving episode started earlier), a loop that stays readable.
    bend = (x2 - x1) / 2 if x2 >= x1 else 16
    path = (
        f"M{x1:.1f} {y1:.1f} C{x1 + bend:.1f} {y1:.1f} {x2 - bend:.1f} {y2:.1f} {x2:.1f} {y2:.1f}"
    )
    middle = (x1 + x2) / 2
    top = min(y1, y2) - BADGE_RADIUS - 2
    first = middle - (len(handoff.missing) - 1) * BADGE_SPACING / 2
    badges = tuple(
        Badge(element, round(first + index * BADGE_SPACING, 1), round(top, 1))
        for index, element in enumerate(handoff.missing)
    )
    return Link(handoff, path, round(x2, 1), round(y2, 1), badges)
