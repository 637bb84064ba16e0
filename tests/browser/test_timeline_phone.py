"""The timeline on a phone: the flags first, the chart open on today and the latest services,
with a cue that it scrolls back in time; no label of the chart is cut, on a phone or a desktop.
Screenshots at 390 px go in test-artifacts/."""

import pytest
from playwright.sync_api import expect

from parcours.extensions import db
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import demo_member

# Each text of the chart, drawn: its right end, in the chart's own units.
LABELS_OUT_OF_THE_CHART = """() => {
  const svg = document.querySelector('svg.timeline-chart');
  const width = svg.viewBox.baseVal.width;
  return Array.from(svg.querySelectorAll('text'))
    .filter(text => { const box = text.getBBox(); return box.x < 0 || box.x + box.width > width; })
    .map(text => text.textContent);
}"""


def _timeline(live_server, person: str) -> str:
    with live_server["app"].app_context():
        pid = demo_member("claire@demo.parcours.test", person).parcours_id
        db.session.rollback()
    return f"/parcours/{pid}/timeline"


@pytest.fixture
def leo_timeline(live_server):
    return _timeline(live_server, "Léo")


def test_on_a_phone_the_timeline_opens_on_today_with_the_flags_first(new_page, leo_timeline):
    page = new_page(login="claire@demo.parcours.test", width=390)
    page.goto(leo_timeline)
    flags = page.get_by_role("heading", name="Ce qui demande votre attention")
    chart = page.get_by_role("heading", name="Le parcours d'un coup d'œil")
    assert flags.bounding_box()["y"] < chart.bounding_box()["y"]
    cue = "faites-le glisser vers la droite pour remonter le temps"
    expect(page.get_by_text(cue)).to_be_visible()
    scroller = page.locator(".chart-scroll")
    box = scroller.bounding_box()
    today = page.locator(".timeline-chart__today line").bounding_box()
    assert box["x"] <= today["x"] <= box["x"] + box["width"], (box, today)
    # The chart is wider than the screen and scrolls back to its start.
    assert page.evaluate("document.querySelector('.chart-scroll').scrollWidth") > box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "timeline-390")
    scroller.evaluate("box => box.scrollBy(-10000, 0)")
    screenshot(page, "timeline-390-back-in-time")
    assert page.locator(".timeline-chart__today line").bounding_box()["x"] > box["x"] + box["width"]


@pytest.mark.parametrize("width", [390, 1024, 1440])
def test_no_label_of_the_chart_is_cut(new_page, live_server, width):
    page = new_page(login="claire@demo.parcours.test", width=width)
    for person in ("Léo", "Thomas"):
        page.goto(_timeline(live_server, person))
        assert page.evaluate(LABELS_OUT_OF_THE_CHART) == []
        assert "…" not in page.locator("svg.timeline-chart").text_content()
