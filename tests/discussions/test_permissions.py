"""Every route of the discussions, for anonymous, a non-member, a removed member and each
member: only current members read and write (others get the 404 that reveals nothing); only
the author edits their message (403 for the other members)."""

from dataclasses import dataclass

import pytest

from parcours.discussions.operations import write_comment
from parcours.extensions import db
from parcours.plans.models import Member
from parcours.plans.operations import current_members
from tests.helpers import logs_a_read
from tests.means.factories import MeansFactory

MEMBERS = ("person", "family", "professional", "pilot")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    url: str  # formatted with pid and c (a message of the professional's)
    data: dict | None = None
    ok: int = 200  # what an allowed member gets
    only: tuple[str, ...] = MEMBERS  # the members allowed; the others get 403
    api: bool = False
    reads: bool = True  # a GET answering 200 is written to the access log


# One world for the whole module, each test in a savepoint of it (tests/conftest.py).
pytestmark = pytest.mark.shared_world

ROUTES = [
    Route("thread", "get", "/parcours/{pid}/discussions/objective"),
    Route("write", "post", "/parcours/{pid}/discussions/objective", {"text": "Bonjour."}, 302),
    Route("in its thread", "get", "/parcours/{pid}/comments/{c}", ok=302, reads=False),
    Route("history", "get", "/parcours/{pid}/comments/{c}/history"),
    Route("edit form", "get", "/parcours/{pid}/comments/{c}/edit", only=("professional",)),
    Route(
        "edit",
        "post",
        "/parcours/{pid}/comments/{c}/edit",
        {"text": "Corrigé.", "revision": "0"},
        302,
        only=("professional",),
    ),
    Route("list", "get", "/api/v1/parcours/{pid}/comments?about=objective", api=True),
    Route(
        "create",
        "post",
        "/api/v1/parcours/{pid}/comments",
        {"about": "objective", "text": "Bonjour."},
        201,
        api=True,
    ),
    Route(
        "patch",
        "patch",
        "/api/v1/parcours/{pid}/comments/{c}",
        {"text": "Corrigé.", "revision": 0},
        only=("professional",),
        api=True,
    ),
]


@pytest.fixture(scope="module")
def world(shared_make):
    make = shared_make
    members = MeansFactory(make).alliance()
    pro = members["professional"]

    def build():
        me = db.session.get(Member, pro.id)
        return write_comment(
            me, "objective", text="Une question.", members=current_members(me.parcours_id)
        )

    comment = make._run(build)
    return members, {"pid": pro.parcours_id, "c": comment.id}


def _call(route: Route, client, values):
    url = route.url.format(**values)
    if route.api:
        kwargs = {"json": route.data} if route.data is not None else {}
        return getattr(client, route.method)(url, **kwargs)
    if route.method == "get":
        return client.get(url)
    return client.post(url, data=route.data)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous(route, world, client, api):
    _members, values = world
    response = _call(route, api() if route.api else client, values)
    if route.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_non_member(route, world, make, sign_in, api):
    _members, values = world
    stranger = make.user(professional=True)
    response = _call(route, api(stranger) if route.api else sign_in(stranger), values)
    assert response.status_code == 404


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_removed_member(route, world, sign_in, api):
    members, values = world
    pilot, family = members["pilot"], members["family"]
    removed = api(pilot.user).delete(
        f"/api/v1/parcours/{values['pid']}/members/{family.id}", json={"reason": "Plus concerné"}
    )
    assert removed.status_code == 204
    response = _call(route, api(family.user) if route.api else sign_in(family.user), values)
    assert response.status_code == 404


@pytest.mark.parametrize("who", MEMBERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_member(route, who, world, sign_in, api):
    members, values = world
    member = members[who]
    expected = route.ok if who in route.only else 403
    logged = route.method == "get" and expected == 200 and route.reads
    with logs_a_read(member.parcours_id, logged):
        client = api(member.user) if route.api else sign_in(member.user)
        response = _call(route, client, values)
        assert response.status_code == expected, response.get_data(as_text=True)[:300]
