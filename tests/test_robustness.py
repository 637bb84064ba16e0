"""Bad input gets a clear answer, never a 500: every API route and every form, fed with
values of the wrong type, out of range, too long, or malformed."""

import importlib
import pkgutil

import pytest
from marshmallow import Schema

import parcours
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory

WEIRD = [
    None,
    "",
    "x" * 20_000,
    -1,
    0,
    2**40,
    1.5,
    True,
    [],
    {},
    ["a", 1],
    "2026-13-45",
    "0000-00-00",
    "9999-12-31",
    "<script>alert(1)</script>",
    "\x00",
]


def schema_fields() -> set[str]:
    """Every field name any API schema reads."""
    names = set()
    for module in pkgutil.walk_packages(parcours.__path__, "parcours."):
        if module.name.endswith(".schemas"):
            for value in vars(importlib.import_module(module.name)).values():
                if isinstance(value, type) and issubclass(value, Schema) and value is not Schema:
                    names.update(value().fields)
    return names


@pytest.fixture
def world(make, app):
    mk = MeansFactory(make)
    members = mk.alliance()
    adopted = mk.adopted(members)
    commitment = mk.commitment(members["pilot"], adopted, members["family"])
    review = mk.review(members["family"])
    timeline = TimelineFactory(app)
    episode = timeline.episode(members["professional"], start=-100, end=-10)
    handoff = timeline.handoff(members["professional"], episode, to_person_and_family=True)
    ids = {
        "parcours_id": members["pilot"].parcours_id,
        "means_id": adopted.id,
        "commitment_id": commitment.id,
        "review_id": review.id,
        "episode_id": episode.id,
        "handoff_id": handoff.id,
        "number": 1,
        "member_id": members["family"].id,
        "invitation_id": 1,
        "token": "not-a-token",
    }
    return members["pilot"], ids


def routes(app, prefix: str, methods: set[str]):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods & methods):
                yield rule, method


def test_the_api_never_answers_500(app, api, world):
    pilot, ids = world
    client = api(pilot.user)
    fields = schema_fields()
    failures, reached = [], set()
    for rule, method in routes(app, "/api/v1", {"POST", "PUT", "PATCH"}):
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        bodies = [[], "text", {"unknown": 1}] + [dict.fromkeys(fields, v) for v in WEIRD]
        # One field at a time too: an id too large for the database, the rest left out.
        bodies += [{name: 2**40} for name in fields]
        bodies += [{name: "a\x00b"} for name in fields]  # PostgreSQL cannot store a NUL
        for body in bodies:
            response = getattr(client, method.lower())(url, json=body)
            if response.status_code >= 500 or not response.is_json:
                failures.append(f"{method} {url} {str(body)[:80]}: {response.status_code}")
            if response.status_code != 404:
                reached.add((method, rule.rule))
    assert not failures, "\n".join(failures[:20])
    # The ids of the world lead to real objects: the bodies reach the routes' validation.
    assert len(reached) >= 20, reached


def test_forms_never_answer_500(app, client, sign_in, world):
    pilot, ids = world
    sign_in(pilot.user)
    failures, reached = [], set()
    skip = ("/logout", "/language", "/easy/switch", "/login", "/signup", "/leave")
    for rule, _method in routes(app, "/", {"POST"}):
        if rule.rule.startswith("/api/") or rule.rule.endswith(skip):
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        url = url.replace("<any(deactivate, reactivate):action>", "deactivate")
        for value in ("", "x" * 20_000, "-1", "99999999999999999999", "2026-13-45", "\x00"):
            data = {name: value for name in FORM_FIELDS}
            response = client.post(url, data=data)
            if response.status_code >= 500:
                failures.append(f"POST {url} {value[:20]!r}: {response.status_code}")
            if response.status_code != 404:
                reached.add(rule.rule)
    assert not failures, "\n".join(failures[:20])
    assert len(reached) >= 25, reached


# The names of the fields the forms read (a superset is fine: unknown ones are ignored).
FORM_FIELDS = [
    "role",
    "email",
    "is_legal_representative",
    "member_id",
    "person_name",
    "tolerance_days",
    "closed_on",
    "matters",
    "hopes",
    "worries",
    "help_me",
    "base_number",
    "base_revision",
    "text",
    "perimeter_in",
    "perimeter_out",
    "indicators",
    "written_for",
    "comment",
    "answer",
    "value",
    "title",
    "description",
    "carried_by",
    "category",
    "on_behalf_of",
    "stance-value",
    "stance-comment",
    "stance-on_behalf_of",
    "decision-outcome",
    "decision-rationale",
    "decision-participants",
    "commitment-member_id",
    "commitment-action",
    "commitment-due_on",
    "held_on",
    "objective_number",
    "view",
    "what_to_change",
    "kind",
    "organisation",
    "label",
    "start_date",
    "end_date",
    "referent_member_id",
    "person_agreed",
    "receiver",
    "to_episode_id",
    "receiving_organisation",
    "person_involved",
    "services_in_contact",
    "meaning_note",
    "from_episode_id",
    "declined_by",
    "reason",
    "name",
    "locale",
    "easy_read",
    "function",
    "password-current",
    "password-new",
]


QUERY = (
    "?page=99999999999999999999&today=99999-01-01&kind=nothing&q=%00&role=boss"
    "&from=99999999999999999999&before=99999999999999999999&next=//evil.example"
)


def test_pages_and_api_reads_with_odd_query_parameters_never_answer_500(
    app, client, sign_in, api, world, make
):
    pilot, ids = world
    admin = make.user("Admin")
    with app.app_context():
        from parcours.accounts.models import User
        from parcours.extensions import db

        db.session.get(User, admin.id).is_admin = True
        db.session.commit()
    failures = []
    readers = {
        "page": sign_in(pilot.user),
        "admin": sign_in(admin, on=app.test_client()),
        "api": api(pilot.user),
    }
    for rule, _method in routes(app, "/", {"GET"}):
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        url = url.replace("<any(matters, hopes, help_me):question>", "hopes")
        reader = readers[
            "api" if url.startswith("/api/") else "admin" if url.startswith("/admin") else "page"
        ]
        response = reader.get(url + QUERY)
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
