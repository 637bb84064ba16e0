"""Every route of the means package, for anonymous, non-member, person, family, professional, pilot.

Anonymous visitors are sent to sign in (pages) or get a 401 (API); signed-in non-members get a
404 that reveals nothing; members may read everything and act, except that only the pilot
decides and only the member who committed (or the pilot) marks a commitment kept.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from parcours.core.models import today
from parcours.extensions import db
from parcours.means import operations
from parcours.means.models import Outcome, StanceValue
from parcours.plans.models import Member
from tests.helpers import access_log_size
from tests.means.factories import MeansFactory

WHO = ("anonymous", "outsider", "person", "family", "professional", "pilot")
MEMBERS = ("person", "family", "professional", "pilot")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    url: str  # formatted with pid, open (an open proposal), adopted, commitment, review
    data: dict | None = None
    ok: int = 200  # what a member gets
    only: tuple[str, ...] = MEMBERS  # members allowed; the others get `refused`
    refused: int = 403
    api: bool = False


def _due() -> str:
    return (today() + timedelta(days=5)).isoformat()


# One world for the whole module, each test in a savepoint of it (tests/conftest.py).
pytestmark = pytest.mark.shared_world

ROUTES = [
    # pages
    Route("table", "get", "/parcours/{pid}/means"),
    Route("propose form", "get", "/parcours/{pid}/means/new"),
    Route(
        "propose",
        "post",
        "/parcours/{pid}/means/new",
        {"title": "Un moyen", "description": "Une description", "carried_by": "Nous"},
        302,
    ),
    Route("proposal", "get", "/parcours/{pid}/means/{open}"),
    Route(
        "stance",
        "post",
        "/parcours/{pid}/means/{open}/stance",
        {"stance-value": "reservations", "stance-comment": "Je réfléchis"},
        302,
    ),
    Route(
        "decide",
        "post",
        "/parcours/{pid}/means/{open}/decision",
        {"decision-outcome": "adopted", "decision-rationale": "D'accord"},
        302,
        only=("pilot",),
    ),
    Route(
        "add commitment",
        "post",
        "/parcours/{pid}/means/{adopted}/commitments",
        {
            "commitment-member_id": "{family_id}",
            "commitment-action": "Agir",
            "commitment-due_on": "{due}",
        },
        302,
    ),
    Route(
        "keep",
        "post",
        "/parcours/{pid}/commitments/{commitment}/kept",
        {},
        302,
        only=("family", "pilot"),
    ),
    Route("commitments", "get", "/parcours/{pid}/commitments"),
    # The commitment is the family member's, written down by the pilot.
    Route("commitment", "get", "/parcours/{pid}/commitments/{commitment}"),
    Route(
        "correct",
        "post",
        "/parcours/{pid}/commitments/{commitment}/correction",
        {
            "correct-due_on": "{due}",
            "correct-member_id": "{family_id}",
            "correct-reason": "Décalé",
            "correct-base_revision": "0",
        },
        302,
        only=("family", "pilot"),
    ),
    Route(
        "cancel",
        "post",
        "/parcours/{pid}/commitments/{commitment}/cancellation",
        {"cancel-reason": "Plus utile"},
        302,
        only=("family", "pilot"),
    ),
    Route(
        "delete commitment",
        "post",
        "/parcours/{pid}/commitments/{commitment}/deletion",
        {"delete-reason": "Doublon"},
        302,
        only=("pilot",),
    ),
    # Not kept: every member is told so on the page.
    Route("undo kept", "post", "/parcours/{pid}/commitments/{commitment}/kept/undo", {}, 302),
    # Everyone gave a stance on the open proposal: its author and the pilot hear it stays.
    Route(
        "delete proposal",
        "post",
        "/parcours/{pid}/means/{open}/deletion",
        {"delete-reason": "Erreur"},
        409,
        only=("family", "pilot"),
    ),
    Route("reviews", "get", "/parcours/{pid}/reviews"),
    Route("review form", "get", "/parcours/{pid}/reviews/new"),
    Route(
        "hold review",
        "post",
        "/parcours/{pid}/reviews/new",
        {"held_on": "{today}", "view": "Ça va", "objective_number": "1"},
        302,
    ),
    Route("review", "get", "/parcours/{pid}/reviews/{review}"),
    Route("add view", "post", "/parcours/{pid}/reviews/{review}/views", {"view": "Bien"}, 302),
    # API
    Route("api table", "get", "/api/v1/parcours/{pid}/means", api=True),
    Route(
        "api propose",
        "post",
        "/api/v1/parcours/{pid}/means",
        {"title": "Un moyen", "description": "Une description", "carried_by": "Nous"},
        201,
        api=True,
    ),
    Route("api proposal", "get", "/api/v1/parcours/{pid}/means/{open}", api=True),
    Route(
        "api stance",
        "put",
        "/api/v1/parcours/{pid}/means/{open}/stance",
        {"stance": "oppose", "comment": "Non"},
        api=True,
    ),
    Route(
        "api decide",
        "post",
        "/api/v1/parcours/{pid}/means/{open}/decision",
        {"outcome": "adopted", "rationale": "D'accord"},
        201,
        only=("pilot",),
        api=True,
    ),
    Route("api commitments", "get", "/api/v1/parcours/{pid}/commitments", api=True),
    Route(
        "api add commitment",
        "post",
        "/api/v1/parcours/{pid}/commitments",
        {"means_id": "{adopted}", "member_id": "{family_id}", "action": "Agir", "due_on": "{due}"},
        201,
        api=True,
    ),
    Route(
        "api keep",
        "patch",
        "/api/v1/parcours/{pid}/commitments/{commitment}",
        {"status": "kept", "base_revision": 0},
        only=("family", "pilot"),
        api=True,
    ),
    Route(
        "api correct",
        "patch",
        "/api/v1/parcours/{pid}/commitments/{commitment}",
        {"due_on": "{due}", "reason": "Décalé", "base_revision": 0},
        only=("family", "pilot"),
        api=True,
    ),
    Route(
        "api cancel",
        "post",
        "/api/v1/parcours/{pid}/commitments/{commitment}/cancellation",
        {"reason": "Plus utile"},
        201,
        only=("family", "pilot"),
        api=True,
    ),
    Route(
        "api undo kept",
        "delete",
        "/api/v1/parcours/{pid}/commitments/{commitment}/kept",
        {},
        409,
        api=True,
    ),
    Route(
        "api delete commitment",
        "delete",
        "/api/v1/parcours/{pid}/commitments/{commitment}",
        {"reason": "Doublon"},
        204,
        only=("pilot",),
        api=True,
    ),
    Route(
        "api delete proposal",
        "delete",
        "/api/v1/parcours/{pid}/means/{open}",
        {"reason": "Erreur"},
        409,
        only=("family", "pilot"),
        api=True,
    ),
    Route("api reviews", "get", "/api/v1/parcours/{pid}/reviews", api=True),
    Route(
        "api hold review",
        "post",
        "/api/v1/parcours/{pid}/reviews",
        {"held_on": "{today}", "view": "Ça va"},
        201,
        api=True,
    ),
    Route("api review", "get", "/api/v1/parcours/{pid}/reviews/{review}", api=True),
    Route(
        "api add view",
        "post",
        "/api/v1/parcours/{pid}/reviews/{review}/views",
        {"view": "Bien"},
        201,
        api=True,
    ),
]


def _fill(value, ids):
    if isinstance(value, str):
        filled = value.format(**ids)
        # JSON ids stay integers.
        return int(filled) if value in ("{adopted}", "{family_id}") else filled
    return value


@pytest.fixture(scope="module")
def world(shared_make):
    mk = MeansFactory(shared_make)
    """An agreed alliance with an open proposal everyone took a stance on, an adopted one with
    a commitment of the family member, and a review (one transaction: it runs ~200 times)."""
    members = mk.alliance()

    def build():
        m = {key: db.session.get(Member, member.id) for key, member in members.items()}
        open_means = operations.propose_means(
            m["family"], title="Classe ordinaire", description="x", carried_by="x"
        )
        adopted = operations.propose_means(
            m["family"], title="Inclusion progressive", description="x", carried_by="x"
        )
        for member in m.values():
            for means in (open_means, adopted):
                operations.take_stance(member, means, value=StanceValue.support)
        operations.decide_means(m["pilot"], adopted, outcome=Outcome.adopted, rationale="Oui")
        commitment = operations.add_commitment(
            m["pilot"],
            adopted,
            member=m["family"],
            action="Appeler l'école",
            due_on=today() + timedelta(days=3),
        )
        review = operations.hold_review(m["family"], held_on=today(), assessments=["Ça progresse"])
        return {
            "pid": open_means.parcours_id,
            "open": open_means.id,
            "adopted": adopted.id,
            "commitment": commitment.id,
            "review": review.id,
            "family_id": m["family"].id,
            "due": _due(),
            "today": today().isoformat(),
        }

    return members, mk.make._run(build)


def _request(route: Route, who: str, world, client, api, sign_in, make):
    members, ids = world
    url = route.url.format(**ids)
    data = {k: _fill(v, ids) for k, v in (route.data or {}).items()}
    if route.api:
        user = None
        if who == "outsider":
            user = make.user()
        elif who in MEMBERS:
            user = members[who].user
        caller = api(user)
        kwargs = {"json": data} if route.method != "get" else {}
        return getattr(caller, route.method)(url, **kwargs)
    if who == "outsider":
        sign_in(make.user())
    elif who in MEMBERS:
        sign_in(members[who].user)
    kwargs = {"data": data} if route.method != "get" else {}
    return getattr(client, route.method)(url, **kwargs)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_permission_matrix(route, who, world, client, api, sign_in, make):
    logged_before = access_log_size(world[1]["pid"])
    response = _request(route, who, world, client, api, sign_in, make)
    if who == "anonymous":
        if route.api:
            assert response.status_code == 401
            assert response.json["error"] == "unauthorized"
        else:
            assert response.status_code == 302
            assert "/login" in response.headers["Location"]
        return
    if who == "outsider":
        assert response.status_code == 404
        if route.api:
            assert response.json["error"] == "not_found"
        return
    expected = route.ok if who in route.only else route.refused
    assert response.status_code == expected, response.text[:2000]
    if route.method == "get" and expected == 200 and "{pid}" in route.url:
        assert access_log_size(world[1]["pid"]) > logged_before, "no read in the access log"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("api_route", [False, True])
def test_my_commitments_matrix(who, api_route, world, client, api, sign_in, make):
    members, _ids = world
    url = "/api/v1/commitments" if api_route else "/commitments"
    if api_route:
        user = (
            None if who == "anonymous" else make.user() if who == "outsider" else members[who].user
        )
        response = api(user).get(url)
    else:
        if who == "outsider":
            sign_in(make.user())
        elif who in MEMBERS:
            sign_in(members[who].user)
        response = client.get(url)
    if who == "anonymous":
        assert response.status_code == (401 if api_route else 302)
        return
    assert response.status_code == 200
    text = response.text
    # Only the family member has a commitment: nobody else sees it on their own list.
    assert ("Appeler l" in text) is (who == "family")
