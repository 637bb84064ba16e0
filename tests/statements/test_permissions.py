"""Every route of a plan's statements x anonymous, a non-member, an observer, a removed member
and each role: only current members see and write them (anyone else gets the 404 that reveals
nothing); only the person's side and the professionals sign (403 for the others). The
observers' routes (tests/statements/test_observer.py) answer 404 to anyone but an observer of
the statement's scope."""

from dataclasses import dataclass

import pytest

from parcours.observatory.operations import add_observer
from tests.helpers import logs_a_read
from tests.statements.conftest import write

ROLES = ("person", "family", "professional")


@dataclass(frozen=True)
class Route:
    method: str
    url: str  # formatted with p (the plan) and s (a statement the professional wrote)
    data: dict | None = None
    ok: dict | int = 200
    api: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


ROUTES = [
    Route("get", "/parcours/{p}/statements"),
    Route(
        "post",
        "/parcours/{p}/statements",
        {"text": "Il manque un atelier.", "to": "territory", "territory": "37"},
        {"person": 302, "family": 403, "professional": 302},
    ),
    # The page's button: a refusal is a message on the page it goes back to.
    Route("post", "/parcours/{p}/statements/{s}/signature", {}, 302),
    # The easy-read page's buttons: only the person's side signs (the author signed already).
    Route(
        "post",
        "/easy/parcours/{p}/statements/{s}/signature",
        {"answer": "yes"},
        {"person": 302, "family": 403, "professional": 302},
    ),
    Route("get", "/api/v1/parcours/{p}/statements", api=True),
    Route(
        "post",
        "/api/v1/parcours/{p}/statements",
        {"text": "Il manque un atelier.", "territory": "37"},
        {"person": 201, "family": 403, "professional": 201},
        api=True,
    ),
    Route(
        "post",
        "/api/v1/parcours/{p}/statements/{s}/signature",
        {},
        {"person": 201, "family": 403, "professional": 409},  # the author signed it already
        api=True,
    ),
]


@pytest.fixture
def world(plan, make):
    statement = write(make, plan.members["professional"])
    return plan, {"p": plan.id, "s": statement.id}


def call(client, route: Route, values: dict):
    url = route.url.format(**values)
    if route.api:
        return getattr(client, route.method)(
            url, json=route.data if route.method != "get" else None
        )
    if route.method == "get":
        return client.get(url)
    return client.post(url, data=route.data or {})


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous(route, world, client, api):
    response = call(api() if route.api else client, route, world[1])
    assert response.status_code == (401 if route.api else 302)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_non_member(route, world, make, sign_in, api):
    stranger = make.user(professional=True)
    response = call(api(stranger) if route.api else sign_in(stranger), route, world[1])
    assert response.status_code == 404


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_observer_of_the_territory(route, world, make, sign_in, api):
    """The statement is addressed to territory 37: its observer still opens no plan."""
    observer = make.user("Observer")
    make._run(lambda: add_observer(observer.email, territory="37"))
    response = call(api(observer) if route.api else sign_in(observer), route, world[1])
    assert response.status_code == 404


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_removed_member(route, world, sign_in, api):
    plan, values = world
    pro, family = plan.members["professional"], plan.members["family"]
    assert api(pro.user).designate_pilot(plan.id, pro.id).status_code == 200
    removed = api(pro.user).delete(
        f"/api/v1/parcours/{plan.id}/members/{family.id}", json={"reason": "Plus concerné"}
    )
    assert removed.status_code == 204
    response = call(api(family.user) if route.api else sign_in(family.user), route, values)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_member(route, role, world, sign_in, api):
    plan, values = world
    member = plan.members[role]
    expected = route.ok[role] if isinstance(route.ok, dict) else route.ok
    with logs_a_read(plan.id, route.method == "get"):
        response = call(api(member.user) if route.api else sign_in(member.user), route, values)
    assert response.status_code == expected, response.text[:300]
