"""Small helpers shared by the tests."""

import re
from contextlib import contextmanager

from sqlalchemy import func, select

from parcours.core.audit import AccessLogEntry
from parcours.extensions import db


def english_client(app):
    """A test client reading the pages in English (French, the default, has its own tests)."""
    client = app.test_client()
    client.set_cookie("lang", "en", domain="parcours.test")
    return client


def access_log_size(parcours_id: int) -> int:
    return db.session.scalar(select(func.count()).where(AccessLogEntry.parcours_id == parcours_id))


@contextmanager
def logs_a_read(parcours_id: int, expected: bool = True):
    """Around a member's GET that answers 200: the plan's access log must have grown (issue
    11: every page and API answer that shows plan content is logged)."""
    before = access_log_size(parcours_id)
    yield
    if expected:
        assert access_log_size(parcours_id) > before, "this read left no entry in the access log"


def inline_scripts(html: str) -> list[str]:
    """The scripts a page runs from its own text (the CSP allows only the app's files)."""
    return [
        found
        for found in re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
        if found.strip()
    ] + re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", html)
