"""The timeline chart drawn as SVG: the timeline page's and the printable plan's one drawing.

No script, presentation attributes only (the CSP forbids style attributes). Screen readers get
the title and the summary; the tables beside it hold the details. Written in Python rather than
in a template: the chart is a few hundred numbers and a few dozen sentences, and a template
spent a tenth of the timeline page's time writing them one expression at a time.
"""

from datetime import date
from types import SimpleNamespace

from markupsafe import Markup, escape

from parcours.core.i18n import format_day, page_translations, template_gettext
from parcours.timeline.chart import Chart

_ESCAPED = SimpleNamespace(autoescape=True)  # sentences as in an autoescaped template
_SVG_OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" role="img"\n'
    '     aria-labelledby="timeline-chart-title timeline-chart-desc"\n'
    '     viewBox="0 0 {w} {h}" width="{w}" height="{h}"\n'
    "     font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\" "
    'font-size="12">'
)
_DEFS = """  <defs>
    <pattern id="timeline-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect width="8" height="8" fill="#ffffff"/>
      <line x1="0" y1="0" x2="0" y2="8" stroke="#4a5361" stroke-width="3"/>
    </pattern>
    <marker id="timeline-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
      <path d="M0 0 L10 5 L0 10 z" fill="#1b1f24"/>
    </marker>
    <marker id="timeline-arrow-declined" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
      <path d="M0 0 L10 5 L0 10 z" fill="#767f8c"/>
    </marker>
  </defs>"""  # noqa: E501 - SVG markup, kept as it reads


def gettext(string: str, **variables) -> Markup:
    """A sentence in the reader's language, its values escaped (named so that the catalogues'
    extraction finds it)."""
    return template_gettext(_ESCAPED, string, **variables)


def _status_word(status: str) -> str:
    """The hand-off's status in words (only that one translated)."""
    if status == "proposed":
        return gettext("proposed")
    if status == "accepted":
        return gettext("accepted")
    if status == "declined":
        return gettext("declined")
    return gettext("completed")


def chart_svg(
    chart: Chart,
    parcours,
    episodes_by_id: dict,
    gap_titles: list[str],
    is_today: bool,
    on: date,
    badge_letters: dict,
    element_labels: dict,
) -> Markup:
    """The SVG of `chart` (timeline/chart.py), titled for `parcours`; `gap_titles` go with
    `chart.gaps`, `episodes_by_id` holds the episodes its bars draw."""
    out = [_SVG_OPEN.format(w=chart.width, h=chart.height)]
    title = gettext("Timeline of %(name)s", name=parcours.person_name)
    out.append(f'  <title id="timeline-chart-title">{title}</title>')
    summary = ", ".join(
        (
            ngettext("%(num)d episode", "%(num)d episodes", len(chart.bars)),
            ngettext("%(num)d hand-off", "%(num)d hand-offs", len(chart.links)),
            ngettext(
                "%(num)d rupture shown in red", "%(num)d ruptures shown in red", len(chart.gaps)
            ),
        )
    )
    same = gettext("The same information is in the tables below.")
    out.append(f'  <desc id="timeline-chart-desc">{summary}. {same}</desc>')
    out.append(_DEFS)
    for box, gap_title in zip(chart.gaps, gap_titles, strict=False):
        out.append(
            '  <g class="timeline-chart__rupture">'
            f"<title>{escape(gap_title)}</title>"
            f'<rect x="{box.x}" y="0" width="{box.width}" height="{chart.lanes_bottom}" '
            'fill="#a1231b" fill-opacity="0.14"/>'
            f'<rect x="{box.x}" y="{chart.axis_y - 5}" width="{box.width}" height="10" '
            'fill="#a1231b"/></g>'
        )
    for bar in chart.bars:
        out.append(_bar(bar, episodes_by_id[bar.episode.id]))
    for link in chart.links:
        out.append(_link(link, badge_letters, element_labels))
    out.append('  <g class="timeline-chart__axis">')
    out.append(
        f'    <line x1="0" y1="{chart.axis_y}" x2="{chart.width}" y2="{chart.axis_y}" '
        'stroke="#1b1f24"/>'
    )
    for tick in chart.ticks:
        label = format_day(tick.day, "y" if tick.yearly else "MMM y")
        out.append(
            f'    <line x1="{tick.x}" y1="{chart.axis_y}" x2="{tick.x}" y2="{chart.axis_y + 6}" '
            'stroke="#1b1f24"/>'
            f'<text x="{tick.x}" y="{chart.axis_y + 20}" text-anchor="middle" '
            f'fill="#4a5361">{escape(label)}</text>'
        )
    out.append("  </g>")
    today_label = gettext("Today") if is_today else escape(format_day(on, "medium"))
    out.append(
        '  <g class="timeline-chart__today">'
        f'<line x1="{chart.today_x}" y1="0" x2="{chart.today_x}" y2="{chart.axis_y + 24}" '
        'stroke="#1b1f24" stroke-width="1.5" stroke-dasharray="3 3"/>'
        f'<text x="{chart.today_x}" y="{chart.axis_y + 38}" '
        f'text-anchor="{chart.today_anchor}" fill="#1b1f24" font-weight="700">'
        f"{today_label}</text></g>"
    )
    out.append("</svg>")
    return Markup("\n".join(out))


def ngettext(singular: str, plural: str, num: int) -> Markup:
    """`num` of something, in the reader's language and its plural forms."""
    return Markup(page_translations().ungettext(singular, plural, num)) % {"num": num}


def _bar(bar, episode) -> str:
    data = bar.episode
    title = [escape(data.label)]
    if not episode.is_pause:
        title.append(f" ({escape(episode.kind.label)})")
    title.append(": ")
    if data.end:
        title.append(
            gettext(
                "from %(start)s to %(end)s",
                start=format_day(data.start, "long"),
                end=format_day(data.end, "long"),
            )
        )
    else:
        title.append(gettext("from %(start)s, ongoing", start=format_day(data.start, "long")))
    if bar.planned:
        title.append(" · " + gettext("planned"))
    parts = [f'  <g class="timeline-chart__episode"><title>{"".join(title)}</title>']
    if bar.text:
        anchor = ' text-anchor="end"' if bar.text_anchor == "end" else ""
        parts.append(
            f'<text x="{bar.text_x}" y="{bar.text_y}"{anchor} fill="#1b1f24">'
            f"{escape(bar.text)}</text>"
        )
    box = f'x="{bar.x}" y="{bar.y}" width="{bar.width}" height="18"'
    if data.is_pause:
        parts.append(
            f'<rect {box} fill="url(#timeline-hatch)" stroke="#4a5361" stroke-width="1.5" '
            'stroke-dasharray="4 3"/>'
        )
    elif bar.planned:
        parts.append(
            f'<rect {box} rx="3" fill="#ffffff" stroke="#1d4f91" stroke-width="2" '
            'stroke-dasharray="6 3"/>'
        )
    else:
        parts.append(f'<rect {box} rx="3" fill="#1d4f91"/>')
    if bar.ongoing:
        colour = "#4a5361" if data.is_pause else "#1d4f91"
        parts.append(f'<path d="M{bar.x + bar.width} {bar.y - 3} l9 12 l-9 12 z" fill="{colour}"/>')
    parts.append("</g>")
    return "".join(parts)


def _link(link, badge_letters: dict, element_labels: dict) -> str:
    handoff = link.handoff
    declined = handoff.status == "declined"
    title = [
        gettext(
            "Hand-off %(status)s on %(date)s",
            status=_status_word(handoff.status),
            date=format_day(handoff.proposed_on, "long"),
        )
    ]
    if link.badges:
        missing = ", ".join(str(element_labels[badge.element]) for badge in link.badges)
        title.append(". " + gettext("Missing:") + " " + escape(missing))
    stroke = "#767f8c" if declined else "#1b1f24"
    if declined:
        ends = 'stroke-dasharray="2 4" marker-end="url(#timeline-arrow-declined)"'
    else:
        ends = 'marker-end="url(#timeline-arrow)"'
    dashes = ' stroke-dasharray="6 4"' if handoff.status == "proposed" else ""
    parts = [
        f'  <g class="timeline-chart__handoff"><title>{"".join(title)}</title>',
        f'<path d="{escape(link.path)}" fill="none" stroke="{stroke}" stroke-width="2" '
        f"{ends}{dashes}/>",
    ]
    for badge in link.badges:
        parts.append(
            f'<circle cx="{badge.x}" cy="{badge.y}" r="8" fill="#8a4b00"/>'
            f'<text x="{badge.x}" y="{badge.y + 4}" text-anchor="middle" fill="#ffffff" '
            f'font-size="11" font-weight="700">{badge_letters[badge.element]}</text>'
        )
    parts.append("</g>")
    return "".join(parts)
