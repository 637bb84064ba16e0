"""Who may do what: every timeline route (pages and API) x anonymous, a signed-in non-member,
and each role of member. Any current member may record episodes and hand-offs (the alliance
works at parity); a hand-off's answer belongs to the receiving side ("receiving": a professional
of the receiving organisation; the person and family for a hand-off to them), and the pilot may
record an answer given by phone."""

from datetime import timedelta

import pytest

from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.timeline import operations
from parcours.timeline.models import EpisodeKind, episode_revision, handoff_revision
from tests.helpers import access_log_size
from tests.timeline.conftest import TimelineFactory

# One world for the whole module, each test in a savepoint of it (tests/conftest.py).
pytestmark = pytest.mark.shared_world

ROLES = ("anonymous", "outsider", "person", "family", "professional", "receiving", "pilot")
# Only the receiving side answers; the pilot records an answer given by phone.
RECEIVING_ONLY = {role: 403 for role in ROLES} | {"receiving": 302}
PILOT_ONLY = {role: 403 for role in ROLES} | {"pilot": 302}
# The sending side (here the professional who proposed it) or the pilot sends an answer link.
SENDER = {role: 403 for role in ROLES}
# The person (or their legal representative: tests/timeline/test_confirmations.py) confirms
# what is theirs.
PERSON_ONLY = {role: 403 for role in ROLES}


def _day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def world(app, shared_make, shared_api):
    make, api, tl = shared_make, shared_api, TimelineFactory(app)
    members = make.alliance()
    pro = members["professional"]
    receiving_user = make.user(professional=True, organisation="IME Les Tilleuls")
    members["receiving"] = make.member(pro, Role.professional, user=receiving_user)
    members["pilot"] = make.member(pro, Role.professional)
    assert api(pro.user).designate_pilot(pro.parcours_id, members["pilot"].id).status_code == 200
    ended = tl.episode(pro, "SESSAD Les Mouettes", start=-300, end=-20)
    ongoing = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-19)
    proposed = tl.handoff(pro, ended, to_episode=ongoing)
    accepted = tl.handoff(pro, ended, to_person_and_family=True)
    # Declared by the professional; only the person (or a legal representative) confirms.
    declared = tl.handoff(pro, ended, to_episode=ongoing, person_involved=True)
    pause = tl.episode(pro, kind=EpisodeKind.pause, start=-400, end=-350)
    # A hand-off to the person and family: they answer it.
    tl.answer(members["family"], accepted, "accepted")
    # A hand-off to a service nobody of which is in the plan: it answers through a link.
    linkable = tl.handoff(pro, ended, receiving_organisation="Foyer Les Glycines")
    with make.app.app_context():
        operations.create_answer_link(
            db.session.get(Member, pro.id), operations.handoff_of(pro.parcours_id, linkable.id)
        )
        db.session.commit()
    with make.app.app_context():
        revision = handoff_revision(proposed.id)
        accepted_revision = handoff_revision(accepted.id)
        ended_revision = episode_revision(ended.id)
    return {
        **members,
        "pid": pro.parcours_id,
        "ended": ended.id,
        "ongoing": ongoing.id,
        "proposed": proposed.id,
        "accepted": accepted.id,
        "linkable": linkable.id,
        "declared": declared.id,
        "pause": pause.id,
        "revision": revision,
        "accepted_revision": accepted_revision,
        "ended_revision": ended_revision,
        "outsider": None,
    }


EPISODE_FORM = {
    "kind": "hospital",
    "organisation": "CHU de Nantes",
    "start_date": _day(-10),
    "end_date": _day(-5),
    "referent_member_id": "0",
}
EDIT_EPISODE_FORM = EPISODE_FORM | {"base_revision": "{ended_revision}"}

# (name, method, path, form data, success status) for the pages.
PAGES = [
    ("timeline", "get", "/parcours/{pid}/timeline", None, 200),
    ("timeline as of", "get", "/parcours/{pid}/timeline?today=2025-01-01", None, 200),
    ("new episode form", "get", "/parcours/{pid}/timeline/episodes/new", None, 200),
    ("add episode", "post", "/parcours/{pid}/timeline/episodes/new", EPISODE_FORM, 302),
    ("edit episode form", "get", "/parcours/{pid}/timeline/episodes/{ended}/edit", None, 200),
    # Hand-offs start at it: it stays, and the page says so (or who may delete it).
    (
        "delete episode",
        "post",
        "/parcours/{pid}/timeline/episodes/{ended}/deletion",
        {"reason": "Erreur"},
        302,
    ),
    (
        "edit episode",
        "post",
        "/parcours/{pid}/timeline/episodes/{ended}/edit",
        EDIT_EPISODE_FORM,
        302,
    ),
    ("new hand-off form", "get", "/parcours/{pid}/timeline/handoffs/new", None, 200),
    (
        "propose hand-off",
        "post",
        "/parcours/{pid}/timeline/handoffs/new",
        {"from_episode_id": "{ongoing}", "receiver": "person_and_family"},
        302,
    ),
    ("hand-off", "get", "/parcours/{pid}/timeline/handoffs/{proposed}", None, 200),
    ("edit hand-off form", "get", "/parcours/{pid}/timeline/handoffs/{proposed}/edit", None, 200),
    (
        "edit hand-off",
        "post",
        "/parcours/{pid}/timeline/handoffs/{proposed}/edit",
        {
            "receiver": "episode",
            "to_episode_id": "{ongoing}",
            "person_involved": "y",
            "base_revision": "{revision}",
        },
        302,
    ),
    (
        "accept",
        "post",
        "/parcours/{pid}/timeline/handoffs/{proposed}/accept",
        {},
        RECEIVING_ONLY,
    ),
    (
        "decline",
        "post",
        "/parcours/{pid}/timeline/handoffs/{proposed}/decline",
        {"declined_by": "person", "reason": "Non"},
        PERSON_ONLY | {"person": 302},
    ),
    (
        "phone answer",
        "post",
        "/parcours/{pid}/timeline/handoffs/{proposed}/phone-answer",
        {"answered_by": "Claire Roy", "answer": "accepted"},
        PILOT_ONLY,
    ),
    ("complete", "post", "/parcours/{pid}/timeline/handoffs/{accepted}/complete", {}, 302),
    # A refusal (only the pilot or a professional answers a check) is flashed on the timeline.
    (
        "answer a flag",
        "post",
        "/parcours/{pid}/timeline/flags/missing_relais_de_sens-h{proposed}/acknowledgement",
        {"note": "On s'en occupe"},
        302,
    ),
    (
        "create answer link",
        "post",
        "/parcours/{pid}/timeline/handoffs/{linkable}/answer-link",
        {},
        SENDER | {"professional": 201, "pilot": 201},
    ),
    (
        "withdraw answer link",
        "post",
        "/parcours/{pid}/timeline/handoffs/{linkable}/answer-link/revoke",
        {},
        SENDER | {"professional": 302, "pilot": 302},
    ),
    (
        "confirm taking part",
        "post",
        "/parcours/{pid}/timeline/handoffs/{declared}/person-confirmation",
        {"answer": "yes"},
        PERSON_ONLY | {"person": 302},
    ),
    (
        "confirm the pause",
        "post",
        "/parcours/{pid}/timeline/episodes/{pause}/person-confirmation",
        {"answer": "no"},
        PERSON_ONLY | {"person": 302},
    ),
]

# (name, method, path, JSON body, success status) for the API.
API = [
    ("list episodes", "get", "/episodes", None, 200),
    (
        "create episode",
        "post",
        "/episodes",
        {"kind": "school", "organisation": "École", "start_date": "2025-09-01"},
        201,
    ),
    ("read episode", "get", "/episodes/{ended}", None, 200),
    (
        "patch episode",
        "patch",
        "/episodes/{ended}",
        {"end_date": _day(-21), "base_revision": "{ended_revision}"},
        200,
    ),
    # Hand-offs start at it: its author and the pilot hear it stays, the others may not.
    (
        "delete episode",
        "delete",
        "/episodes/{ended}",
        {"reason": "Erreur"},
        {role: 403 for role in ROLES} | {"professional": 409, "pilot": 409},
    ),
    ("list hand-offs", "get", "/handoffs", None, 200),
    (
        "propose hand-off",
        "post",
        "/handoffs",
        {"from_episode_id": "{ongoing}", "to_person_and_family": True},
        201,
    ),
    ("read hand-off", "get", "/handoffs/{proposed}", None, 200),
    (
        "accept hand-off",
        "patch",
        "/handoffs/{proposed}",
        {"status": "accepted", "base_revision": "{revision}"},
        {role: 403 for role in ROLES} | {"receiving": 200},
    ),
    (
        "accept hand-off by phone",
        "patch",
        "/handoffs/{proposed}",
        {"status": "accepted", "by_phone": {"name": "Claire Roy"}, "base_revision": "{revision}"},
        {role: 403 for role in ROLES} | {"pilot": 200},
    ),
    (
        "decline hand-off",
        "patch",
        "/handoffs/{proposed}",
        {
            "status": "declined",
            "reason": "Non",
            "declined_by": "service",
            "base_revision": "{revision}",
        },
        {role: 403 for role in ROLES} | {"receiving": 200},
    ),
    (
        "decline hand-off for the person",
        "patch",
        "/handoffs/{proposed}",
        {
            "status": "declined",
            "reason": "Non",
            "declined_by": "person",
            "base_revision": "{revision}",
        },
        PERSON_ONLY | {"person": 200},
    ),
    (
        "complete hand-off",
        "patch",
        "/handoffs/{accepted}",
        {"status": "completed", "base_revision": "{accepted_revision}"},
        200,
    ),
    (
        "checklist",
        "patch",
        "/handoffs/{proposed}",
        {"services_in_contact": True, "base_revision": "{revision}"},
        200,
    ),
    (
        "create answer link",
        "post",
        "/handoffs/{linkable}/answer-link",
        None,
        SENDER | {"professional": 201, "pilot": 201},
    ),
    (
        "withdraw answer link",
        "delete",
        "/handoffs/{linkable}/answer-link",
        None,
        SENDER | {"professional": 204, "pilot": 204},
    ),
    (
        "confirm taking part",
        "post",
        "/handoffs/{declared}/person-confirmation",
        {"confirmed": True},
        PERSON_ONLY | {"person": 200},
    ),
    (
        "confirm the pause",
        "post",
        "/episodes/{pause}/person-confirmation",
        {"confirmed": False},
        PERSON_ONLY | {"person": 200},
    ),
    ("flags", "get", "/flags", None, 200),
    ("flags as of", "get", "/flags?today=2025-01-01", None, 200),
    (
        "answer a flag",
        "post",
        "/flags/missing_relais_de_sens-h{proposed}/acknowledgement",
        {"note": "On s'en occupe"},
        {"person": 403, "family": 403, "professional": 201, "receiving": 201, "pilot": 201},
    ),
]


def _fill(value, world):
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _typed(body: dict | None) -> dict | None:
    """JSON ids are numbers."""
    if body is None:
        return None
    return {k: int(v) if k.endswith("_id") or k == "base_revision" else v for k, v in body.items()}


def _user(role: str, world, make):
    if role == "anonymous":
        return None
    if role == "outsider":
        return make.user(professional=True)
    return world[role].user


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "data", "success"), PAGES, ids=[p[0] for p in PAGES]
)
def test_pages(client, sign_in, make, world, role, name, method, path, data, success):
    user = _user(role, world, make)
    if user is not None:
        sign_in(user)
    logged_before = access_log_size(world["pid"])
    response = getattr(client, method)(_fill(path, world), data=_fill(data, world))
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    elif role == "outsider":
        assert response.status_code == 404
        assert "Léa" not in response.text
    else:
        if isinstance(success, dict):
            success = success[role]
        assert response.status_code == success, response.text
        if method == "get" and success == 200 and "{pid}" in path:
            assert access_log_size(world["pid"]) > logged_before, "no read in the access log"
        if success == 302:
            assert "/login" not in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "success"), API, ids=[a[0] for a in API]
)
def test_api(api, make, world, role, name, method, path, body, success):
    user = _user(role, world, make)
    url = f"/api/v1/parcours/{world['pid']}" + _fill(path, world)
    logged_before = access_log_size(world["pid"])
    response = getattr(api(user), method)(url, json=_typed(_fill(body, world)))
    if role == "anonymous":
        assert response.status_code == 401
    elif role == "outsider":
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    else:
        if isinstance(success, dict):
            success = success[role]
        assert response.status_code == success, response.json
        if method == "get" and success == 200:
            assert access_log_size(world["pid"]) > logged_before, "no read in the access log"


@pytest.mark.parametrize("role", ROLES)
def test_caseload_page(client, sign_in, make, world, role):
    user = _user(role, world, make)
    if user is not None:
        sign_in(user)
    response = client.get("/caseload")
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
        return
    # Anyone signed in has a caseload: the plans they belong to, and only those.
    assert response.status_code == 200
    assert ("Léa" in response.text) is (role != "outsider")


@pytest.mark.parametrize("role", ROLES)
def test_caseload_api(api, make, world, role):
    response = api(_user(role, world, make)).get("/api/v1/caseload")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    names = [p["person_name"] for p in response.json["parcours"]]
    assert names == ([] if role == "outsider" else ["Léa"])


def test_a_member_who_left_loses_access(client, sign_in, make, world):
    from parcours.extensions import db
    from parcours.plans.models import Member
    from parcours.plans.operations import leave_parcours

    family = world["family"]
    make._run(lambda: leave_parcours(db.session.get(Member, family.id)))
    sign_in(family.user)
    assert client.get(f"/parcours/{world['pid']}/timeline").status_code == 404
    assert "Léa" not in client.get("/caseload").text
