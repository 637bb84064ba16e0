"""Who may export what: every export route x anonymous, a non-member and each role of member.

An export is a read: every current member may take one, and nobody else learns anything.
"""

import pytest

from tests.helpers import logs_a_read
from tests.test_permissions import Route, call

# One world for the whole module, each test in a savepoint of it (tests/conftest.py).
pytestmark = pytest.mark.shared_world

ROUTES: list[Route] = [
    Route("GET", "/parcours/{p}/documents"),
    # the FHIR export
    Route("GET", "/parcours/{p}/export/fhir.json"),
    Route("GET", "/api/v1/parcours/{p}/fhir", api=True),
    # the printable plan
    Route("GET", "/parcours/{p}/plan.pdf"),
    Route("GET", "/parcours/{p}/plan-easy.pdf"),
    Route("GET", "/parcours/{p}/plan.pdf?lang=en"),
    # CSV exports
    Route("GET", "/parcours/{p}/export/timeline.csv"),
    Route("GET", "/parcours/{p}/export/flags.csv"),
    #
]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous(route, world, client, api):
    values = {**world["values"], "me": world["members"]["person"].id}
    response = call(api() if route.api else client, route, values)
    if route.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_non_member(route, world, make, client, sign_in, api):
    stranger = make.user(professional=True)
    values = {**world["values"], "me": world["members"]["person"].id}
    response = call(api(stranger) if route.api else sign_in(stranger), route, values)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ("person", "family", "professional"))
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_member(route, role, world, client, sign_in, api):
    member = world["members"][role]
    values = {**world["values"], "me": member.id}
    with logs_a_read(member.parcours_id, route.member_status == 200):
        response = call(api(member.user) if route.api else sign_in(member.user), route, values)
        assert response.status_code == route.member_status, response.text[:300]
