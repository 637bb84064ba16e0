"""Every read and change of a parcours is logged, and members can see the log."""

import re

from parcours.core.audit import EVENTS
from parcours.plans.models import Role


def test_reads_and_changes_are_logged_and_shown_to_members(client, make, sign_in, api):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    api(family.user).put(
        f"/api/v1/parcours/{pro.parcours_id}/voices/me", json={"matters": "x", "base_number": 0}
    )
    sign_in(pro.user)
    client.get(f"/parcours/{pro.parcours_id}/objective")
    page = client.get(f"/parcours/{pro.parcours_id}/log")
    assert page.status_code == 200
    rows = re.findall(
        r'data-label="Who">([^<]*)</td>\s*<td data-label="What">([^<]*)</td>', page.text
    )
    assert (pro.user.name, "read the objective") in rows
    assert (family.user.name, f"wrote the point of view of {family.user.name}") in rows
    assert (family.user.name, "joined the plan") in rows
    assert (pro.user.name, "created the plan") in rows
    # A read is written once its page is ready: the next visit shows it, first.
    again = client.get(f"/parcours/{pro.parcours_id}/log")
    rows = re.findall(
        r'data-label="Who">([^<]*)</td>\s*<td data-label="What">([^<]*)</td>', again.text
    )
    assert rows[0] == (pro.user.name, "read this log")


def test_api_access_log(api, make):
    pro = make.parcours()
    client = api(pro.user)
    client.get(f"/api/v1/parcours/{pro.parcours_id}/members")
    client.get(f"/api/v1/parcours/{pro.parcours_id}/access-log")
    entries = client.get(f"/api/v1/parcours/{pro.parcours_id}/access-log").json["entries"]
    assert entries[0]["event"] == "access_log" and entries[0]["access"] == "read"
    assert entries[1]["event"] == "members" and entries[1]["description"] == "read the members"
    assert entries[-1]["event"] == "parcours.created"
    assert entries[0]["user"] == pro.user.name
    older = client.get(
        f"/api/v1/parcours/{pro.parcours_id}/access-log?before={entries[1]['id']}"
    ).json["entries"]
    assert [e["id"] for e in older] == [e["id"] for e in entries[2:]]


def test_non_members_neither_see_the_log_nor_leave_traces(api, make):
    pro = make.parcours()
    stranger = api(make.user())
    assert stranger.get(f"/api/v1/parcours/{pro.parcours_id}/access-log").status_code == 404
    entries = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/access-log").json["entries"]
    assert all(e["user"] == pro.user.name for e in entries)


def test_every_logged_event_has_a_label(app, make, api, client, sign_in):
    """An event code without a label would show raw to the members."""
    members = make.alliance()
    make.agreed_objective(members)
    from parcours.core.audit import AccessLogEntry
    from parcours.extensions import db

    with app.app_context():
        events = set(db.session.scalars(db.select(AccessLogEntry.event).distinct()))
    assert events <= set(EVENTS)


def test_every_event_the_code_logs_has_a_label(app):
    """Read the code for every event it logs: each needs a label, or members see a code."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "parcours"
    patterns = [
        r'reading="([\w.]+)"',
        r'Access\.(?:change|read),\s*"([\w.]+)"[,)]',
        r'record_reads\([^)]*?,\s*"([\w.]+)"',
    ]
    logged = set()
    for path in root.rglob("*.py"):
        text = path.read_text()
        for pattern in patterns:
            logged.update(re.findall(pattern, text))
    assert len(logged) > 30
    assert logged <= set(EVENTS), sorted(logged - set(EVENTS))
