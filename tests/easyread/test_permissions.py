"""Every easy-read route x anonymous, non-member and each role: members only, same rules as
the standard pages (the operations decide)."""

import pytest

from tests.helpers import logs_a_read
from tests.means.factories import MeansFactory

# One world for the whole module, each test in a savepoint of it (tests/conftest.py).
pytestmark = pytest.mark.shared_world

# (method, path, form data, status for a member). Paths: {p} parcours, {n} objective version,
# {means} an adopted proposal, {c} a commitment of the family member.
ROUTES = [
    ("get", "/easy/parcours/{p}", None, 200),
    ("get", "/easy/parcours/{p}/voice", None, 200),
    ("get", "/easy/parcours/{p}/voice/hopes", None, 200),
    ("post", "/easy/parcours/{p}/voice/hopes", {"answer": "x", "base_number": "0"}, 302),
    ("get", "/easy/parcours/{p}/objective", None, 200),
    ("post", "/easy/parcours/{p}/objective/{n}/yes", {}, 302),
    ("post", "/easy/parcours/{p}/objective/{n}/yes/withdrawal", {}, 302),
    ("get", "/easy/parcours/{p}/objective/{n}/not-yet", None, 200),
    ("post", "/easy/parcours/{p}/objective/{n}/not-yet", {"answer": "x"}, 302),
    ("get", "/easy/parcours/{p}/means", None, 200),
    ("get", "/easy/parcours/{p}/means/{means}", None, 200),
    ("post", "/easy/parcours/{p}/means/{means}", {"value": "support"}, 302),
    ("get", "/easy/parcours/{p}/commitments", None, 200),
    ("post", "/easy/parcours/{p}/commitments/{c}/done", {}, 302),
    ("post", "/easy/parcours/{p}/commitments/{c}/undo", {}, 302),
    ("get", "/easy/parcours/{p}/circle", None, 200),
]
# Not of a parcours: the switch and the home page (tests/easyread/test_easyread.py).
GLOBAL = [("post", "/easy/switch"), ("get", "/easy/")]


@pytest.fixture(scope="module")
def world(shared_make):
    mk = MeansFactory(shared_make)
    members = mk.alliance()
    adopted = mk.adopted(members)
    commitment = mk.commitment(members["pilot"], adopted, members["family"])
    return members, {
        "p": members["family"].parcours_id,
        "n": 1,
        "means": adopted.id,
        "c": commitment.id,
    }


def call(client, method, path, data, values):
    url = path.format(**values)
    return client.get(url) if method == "get" else client.post(url, data=data)


@pytest.mark.parametrize(("method", "path", "data", "status"), ROUTES)
def test_anonymous_and_non_members(world, client, sign_in, make, method, path, data, status):
    _members, values = world
    anonymous = call(client, method, path, data, values)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    sign_in(make.user())
    assert call(client, method, path, data, values).status_code == 404


@pytest.mark.parametrize("role", ["person", "family", "professional"])
@pytest.mark.parametrize(("method", "path", "data", "status"), ROUTES)
def test_members(world, client, sign_in, role, method, path, data, status):
    members, values = world
    sign_in(members[role].user)
    with logs_a_read(values["p"], method == "get" and status == 200 and "{p}" in path):
        assert call(client, method, path, data, values).status_code == status
