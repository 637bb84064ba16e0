"""Every page passes an axe-core audit with 0 violations, for each role, and reflows on a
360 px wide screen. Pages are found by following the links from the home page."""

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

# Demo accounts, one per kind of user (see parcours/demo.py).
VISITORS = {
    "anonymous": None,
    "person": "thomas",
    "family": "sophie@demo.parcours.test",
    "professional": "claire@demo.parcours.test",
}
# Same template, different ids: audit one of each.
NUMBER = re.compile(r"/\d+")
MAX_PAGES = 80


def pattern(url: str) -> str:
    parts = urlsplit(url)
    return NUMBER.sub("/N", parts.path) + ("?" + parts.query if parts.query else "")


def crawl(page, base: str) -> list[str]:
    """Same-site pages reachable by links from the home page, one per URL pattern."""
    seen, queue, pages = set(), ["/"], []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        response = page.goto(path)
        if response is None or response.status >= 400 or not page.url.startswith(base):
            continue
        pages.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if href.startswith(base) and not parts.fragment and "/static/" not in parts.path:
                target = parts.path + ("?" + parts.query if parts.query else "")
                if pattern(target) not in seen:
                    queue.append(target)
    return pages


def describe(violations) -> str:
    lines = []
    for violation in violations:
        nodes = ", ".join(node["target"][0] for node in violation["nodes"][:3])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {nodes}")
    return "\n".join(lines)


@pytest.mark.parametrize("visitor", list(VISITORS))
def test_every_page_passes_axe_and_reflows(visitor, new_page, live_server):
    page = new_page(login=VISITORS[visitor])
    pages = crawl(page, live_server["url"])
    assert len(pages) >= (3 if visitor == "anonymous" else 8), pages
    axe = Axe()
    failures = {}
    narrow = new_page(login=VISITORS[visitor], width=360)
    for path in pages:
        page.goto(path)
        results = axe.run(page)
        if results.violations_count:
            failures[path] = describe(results.response["violations"])
        narrow.goto(path)
        overflow = narrow.evaluate("document.documentElement.scrollWidth")
        if overflow > 360:
            failures.setdefault(path, "")
            failures[path] += f"\nwider than the screen at 360 px: {overflow}px"
    assert not failures, "\n\n".join(f"{path}:\n{text}" for path, text in failures.items())
