"""The permission matrix: every route of a parcours x anonymous, non-member, and members with
each role. Only members see anything of a parcours; anyone else gets a 404 (pages redirect
anonymous visitors to the sign-in page, the API answers 401)."""

from dataclasses import dataclass, field

import pytest

from parcours.observatory.operations import add_observer
from parcours.plans.models import Role
from tests.helpers import logs_a_read

# One world for the whole module, each test in a savepoint of it (tests/conftest.py).
pytestmark = pytest.mark.shared_world

ROLES = ("person", "family", "professional")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # placeholders: {p} parcours, {me} own member id, {person} the person's member id,
    # {inv} a pending invitation, {n} the latest objective version, {other} another member,
    # {c} a consent waiting for the person (the invitation's organisation)
    data: dict = field(default_factory=dict)
    member_status: int | dict[str, int] = 200
    api: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    # pages
    Route("GET", "/parcours/{p}"),
    Route("GET", "/parcours/{p}/members"),
    Route("POST", "/parcours/{p}/invitations", {"role": "family"}, 201),
    Route("POST", "/parcours/{p}/invitations/{inv}/revoke", member_status=302),
    Route("POST", "/parcours/{p}/pilot", {"member_id": "{me}", "base_revision": "0"}, 302),
    Route("POST", "/parcours/{p}/leave", member_status=302),
    # Only the pilot prints a card to choose a new password (nobody is the pilot here).
    Route("POST", "/parcours/{p}/members/{person}/reset-card", member_status=403),
    # Only the pilot removes a member (nobody is the pilot here).
    Route(
        "POST",
        "/parcours/{p}/members/remove",
        {"remove-member_id": "{other}", "remove-reason": "x"},
        403,
    ),
    Route("GET", "/parcours/{p}/settings"),
    # The rules of the plan are the pilot's: with nobody the pilot here, nobody changes them.
    Route(
        "POST",
        "/parcours/{p}/settings",
        {"tolerance_days": "20", "reason": "x", "base_revision": "0"},
        403,
    ),
    Route(
        "POST",
        "/parcours/{p}/settings/close",
        {"closed_on": "2026-01-01", "closing_reason": "x", "base_revision": "0"},
        403,
    ),
    Route(
        "POST", "/parcours/{p}/settings/reopen", {"reopen_reason": "x", "base_revision": "0"}, 403
    ),
    Route("POST", "/parcours/{p}/settings/closing/withdraw", member_status=403),
    # Only the person (or a legal representative) answers a request to close (none waits).
    Route(
        "POST",
        "/parcours/{p}/closing/answer",
        {"request_id": "1", "answer": "yes"},
        {"person": 302, "family": 403, "professional": 403},
    ),
    # Only the person (or a legal representative) consents to sharing the plan.
    Route(
        "POST",
        "/parcours/{p}/consents/{c}/answer",
        {"answer": "yes"},
        {"person": 302, "family": 403, "professional": 403},
    ),
    # Only the person (or a legal representative) leaves the plan out of the observatory.
    Route(
        "POST",
        "/parcours/{p}/observatory",
        {"answer": "out"},
        {"person": 302, "family": 403, "professional": 403},
    ),
    Route("GET", "/parcours/{p}/log"),
    Route("GET", "/parcours/{p}/voices"),
    Route("GET", "/parcours/{p}/voices/{me}/edit"),
    Route("POST", "/parcours/{p}/voices/{me}/edit", {"matters": "x", "base_number": "0"}, 302),
    # Writing for the person: allowed to the others (on their behalf), and to the person.
    Route("GET", "/parcours/{p}/voices/{person}/edit"),
    Route("GET", "/parcours/{p}/objective"),
    Route("GET", "/parcours/{p}/objective/edit"),
    Route("POST", "/parcours/{p}/objective/edit", {"text": "Autre", "base_number": "{n}"}, 302),
    Route("GET", "/parcours/{p}/objective/history"),
    Route("POST", "/parcours/{p}/objective/versions/{n}/approval", member_status=302),
    Route("POST", "/parcours/{p}/objective/versions/{n}/disagreement", {"comment": "x"}, 302),
    # Nobody approved version {n} here: withdrawing says so (a message on the page, a 409).
    Route("POST", "/parcours/{p}/objective/versions/{n}/approval/withdrawal", member_status=302),
    # API
    Route("GET", "/api/v1/parcours/{p}", api=True),
    Route(
        "PATCH",
        "/api/v1/parcours/{p}",
        {"tolerance_days": 20, "reason": "x", "base_revision": 0},
        403,
        api=True,
    ),
    Route(
        "POST",
        "/api/v1/parcours/{p}/closing/confirmation",
        {"request_id": 1, "confirmed": True},
        {"person": 409, "family": 403, "professional": 403},
        api=True,
    ),
    Route("DELETE", "/api/v1/parcours/{p}/closing", member_status=403, api=True),
    Route("GET", "/api/v1/parcours/{p}/members", api=True),
    Route("DELETE", "/api/v1/parcours/{p}/members/me", member_status=204, api=True),
    Route("PUT", "/api/v1/parcours/{p}/pilot", {"member_id": "{me}", "base_revision": 0}, api=True),
    Route("DELETE", "/api/v1/parcours/{p}/members/{other}", {"reason": "x"}, 403, api=True),
    Route("POST", "/api/v1/parcours/{p}/members/{person}/reset-card", member_status=403, api=True),
    Route("POST", "/api/v1/parcours/{p}/invitations", {"role": "family"}, 201, api=True),
    Route("DELETE", "/api/v1/parcours/{p}/invitations/{inv}", member_status=204, api=True),
    Route("GET", "/api/v1/parcours/{p}/voices", api=True),
    Route("PUT", "/api/v1/parcours/{p}/voices/me", {"matters": "x", "base_number": 0}, api=True),
    Route("GET", "/api/v1/parcours/{p}/objective", api=True),
    Route("GET", "/api/v1/parcours/{p}/objective/versions", api=True),
    Route(
        "POST",
        "/api/v1/parcours/{p}/objective/versions",
        {"text": "Autre", "base_version": "{n}"},
        201,
        api=True,
    ),
    Route(
        "POST", "/api/v1/parcours/{p}/objective/versions/{n}/approval", member_status=201, api=True
    ),
    Route(
        "DELETE",
        "/api/v1/parcours/{p}/objective/versions/{n}/approval",
        member_status=409,
        api=True,
    ),
    Route(
        "POST",
        "/api/v1/parcours/{p}/objective/versions/{n}/disagreement",
        {"comment": "x"},
        201,
        api=True,
    ),
    # Only the person (or a legal representative) leaves the plan out of the observatory.
    Route(
        "PUT",
        "/api/v1/parcours/{p}/observatory",
        {"opt_out": True},
        {"person": 200, "family": 403, "professional": 403},
        api=True,
    ),
    Route("GET", "/api/v1/parcours/{p}/access-log", api=True),
    Route("GET", "/api/v1/parcours/{p}/consents", api=True),
    Route(
        "POST",
        "/api/v1/parcours/{p}/consents/{c}",
        {"given": True},
        {"person": 200, "family": 403, "professional": 403},
        api=True,
    ),
]

# Routes that belong to no parcours, each with its own tests.
GLOBAL_RULES = {
    # Answer links: the token is the credential, the same for anyone (test_answer_links.py).
    "/handoff-answers/<token>",
    "/api/v1/handoff-answers/<token>",
    # The digests' unsubscribe link: the signed token is the credential, no sign-in
    # (tests/notifications/test_notifications.py).
    "/unsubscribe/<token>",
    "/",
    "/login",
    "/logout",
    "/signup",
    "/account",
    "/account/password",
    "/account/sessions/end-others",
    "/language",
    "/parcours/new",
    "/invitations/<token>",
    "/invitations/<token>/accept",
    "/invitations/<token>/card",
    "/invitations/<token>/signup",
    "/api/v1/tokens",
    "/api/v1/tokens/current",
    "/api/v1/me",
    # credentials: tokens, two-step sign-in (tests/accounts/test_tokens.py, test_two_step.py)
    "/api/v1/tokens/<int:token_id>",
    "/login/code",
    # getting back in: the token is the credential (tests/accounts/test_password_reset.py)
    "/password-reset",
    "/password-reset/<token>",
    "/api/v1/password-reset",
    "/api/v1/password-reset/<token>",
    "/account/tokens/<int:token_id>/revoke",
    "/account/two-step",
    "/account/two-step/recovery-codes",
    "/account/two-step/disable",
    # my data and closing my account (tests/privacy/test_my_data.py, test_close_account.py)
    "/account/data",
    "/account/close",
    "/account/closed",
    "/api/v1/me/data",
    "/api/v1/parcours",
    "/api/v1/invitations/<token>/accept",
    # the API's description and its reference page (tests/developers)
    "/api/v1/openapi.json",
    "/developers",
    # platform administration (tests/accounts/test_admin.py)
    "/admin/users",
    "/admin/users/<int:user_id>/<any(deactivate, reactivate):action>",
    "/admin/organisations",
    "/admin/organisations/<int:organisation_id>",
    "/admin/security",  # tests/accounts/test_security_log.py
    # a user's own lists across their parcours (tests/means, tests/timeline, tests/easyread)
    "/commitments",
    "/api/v1/commitments",
    "/caseload",
    "/caseload.csv",
    "/api/v1/caseload",
    "/inbox",  # what waits for me, and my news (tests/inbox)
    "/api/v1/me/inbox",
    "/api/v1/me/inbox/read",
    "/inbox/news/<key>",
    "/inbox/read",
    "/easy/",
    "/easy/switch",
    # the observatory: observers only, never a plan (below, and tests/observatory)
    "/observatory",
    "/api/v1/observatory",
    "/admin/observers",
    "/admin/observers/<int:scope_id>/remove",
    # the statements sent to an observer's scopes (tests/statements/test_observer.py)
    "/observatory/statements",
    "/observatory/statements/<int:statement_id>/answer",
    "/observatory/statements/<int:statement_id>/group",
    "/api/v1/observatory/statements",
    "/api/v1/observatory/statements/<int:statement_id>/answer",
    "/api/v1/observatory/statements/<int:statement_id>/group",
    # the observatory's figures as files (below, and tests/observatory/test_exports.py)
    "/observatory/figures.csv",
    "/observatory/measure-report.json",
    "/api/v1/observatory/measure-report",
}


@pytest.fixture(scope="module")
def world(shared_make, shared_api):
    make, api = shared_make, shared_api
    members = make.alliance()
    pro = members["professional"]
    other = make.member(pro, Role.professional)
    version = make.version(pro)
    invitation = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations",
        json={"role": "professional", "organisation": "IME Les Tilleuls"},
    )
    consents = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/consents").json
    [consent] = [c for c in consents["consents"] if c["status"] == "pending"]
    return {
        "members": members,
        "values": {
            "p": pro.parcours_id,
            "person": members["person"].id,
            "inv": invitation.json["id"],
            "n": version.number,
            "other": other.id,
            "c": consent["id"],
        },
    }


def fill(template, values):
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, str):
        filled = template.format(**values)
        return int(filled) if template.startswith("{") and filled.isdigit() else filled
    return template


def call(client, route: Route, values):
    path = fill(route.path, values)
    data = fill(route.data, values)
    if route.api:
        return getattr(client, route.method.lower())(
            path, json=data if route.method != "GET" else None
        )
    if route.method == "GET":
        return client.get(path)
    return client.post(path, data={k: str(v) for k, v in data.items()})


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


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_observer(route, world, make, client, sign_in, api):
    """An observer opens no plan: a 404, like any non-member."""
    observer = make.user("Observer")
    make._run(lambda: add_observer(observer.email, territory="37"))
    values = {**world["values"], "me": world["members"]["person"].id}
    response = call(api(observer) if route.api else sign_in(observer), route, values)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_member(route, role, world, client, sign_in, api):
    member = world["members"][role]
    values = {**world["values"], "me": member.id}
    expected = route.member_status
    if isinstance(expected, dict):
        expected = expected[role]
    with logs_a_read(member.parcours_id, route.method == "GET" and expected == 200):
        response = call(api(member.user) if route.api else sign_in(member.user), route, values)
        assert response.status_code == expected, response.text[:500]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_removed_member(route, world, sign_in, api):
    """A member the pilot removed sees nothing more of the plan, like any non-member."""
    pro, family = world["members"]["professional"], world["members"]["family"]
    p = world["values"]["p"]
    assert api(pro.user).designate_pilot(p, pro.id).status_code == 200
    removed = api(pro.user).delete(
        f"/api/v1/parcours/{p}/members/{family.id}", json={"reason": "Plus concerné"}
    )
    assert removed.status_code == 204
    values = {**world["values"], "me": family.id}
    response = call(api(family.user) if route.api else sign_in(family.user), route, values)
    assert response.status_code == 404


OBSERVATORY = ("/observatory", "/observatory?territory=37", "/admin/observers")


@pytest.mark.parametrize("path", OBSERVATORY)
@pytest.mark.parametrize("who", ["anonymous", "stranger", *ROLES, "observer"])
def test_the_observatory_is_for_observers_only(path, who, world, make, client, sign_in, api):
    """Observers see the figures of their scopes (never a plan: the matrices above answer
    them 404 like any non-member); anyone else gets a 404, the anonymous the sign-in page."""
    if who == "observer":
        user = make.user("Observer")
        make._run(lambda: add_observer(user.email, territory="37"))
    elif who == "stranger":
        user = make.user(professional=True)
    elif who != "anonymous":
        user = world["members"][who].user
    if who == "anonymous":
        assert client.get(path).status_code == 302
        if "admin" not in path:
            assert api().get("/api/v1" + path).status_code == 401
        return
    expected = 200 if who == "observer" and "admin" not in path else 404
    assert sign_in(user).get(path).status_code == expected
    if "admin" not in path:
        assert api(user).get("/api/v1" + path).status_code == expected


OBSERVATORY_FILES = (
    "/observatory/figures.csv?territory=37",
    "/observatory/measure-report.json?territory=37",
    "/api/v1/observatory/measure-report?territory=37",
)


@pytest.mark.parametrize("path", OBSERVATORY_FILES)
@pytest.mark.parametrize("who", ["anonymous", "stranger", *ROLES, "observer"])
def test_the_observatory_s_files_are_for_observers_only(
    path, who, world, make, client, sign_in, api
):
    """The CSV table and the MeasureReports: observers of the scope only; anyone else gets a
    404, the anonymous the sign-in page (a 401 from the API)."""
    is_api = path.startswith("/api/")
    if who == "anonymous":
        response = (api() if is_api else client).get(path)
        assert response.status_code == (401 if is_api else 302)
        return
    if who == "observer":
        user = make.user("Observer")
        make._run(lambda: add_observer(user.email, territory="37"))
    elif who == "stranger":
        user = make.user(professional=True)
    else:
        user = world["members"][who].user
    response = (api(user) if is_api else sign_in(user)).get(path)
    assert response.status_code == (200 if who == "observer" else 404)


def matrix_paths():
    """(method, path) of every route in the permission matrices of every package."""
    from tests.discussions import test_permissions as discussions
    from tests.easyread import test_permissions as easyread
    from tests.exports import test_permissions as exports
    from tests.means import test_permissions as means
    from tests.statements import test_permissions as statements
    from tests.timeline import test_permissions as timeline

    yield from ((r.method, r.path) for r in ROUTES)
    yield from ((r.method, r.path) for r in exports.ROUTES)
    yield from ((r.method.upper(), r.url) for r in means.ROUTES)
    yield from ((method.upper(), path) for _name, method, path, *_rest in timeline.PAGES)
    yield from (
        (method.upper(), "/api/v1/parcours/{pid}" + path)
        for _name, method, path, *_rest in timeline.API
    )
    yield from ((method.upper(), path) for method, path, *_rest in easyread.ROUTES)
    yield from ((r.method.upper(), r.url) for r in discussions.ROUTES)
    yield from ((r.method.upper(), r.url) for r in statements.ROUTES)


class AnyId(dict):
    def __missing__(self, key):
        return "1"


def test_every_route_is_in_a_permission_matrix(app):
    """A new route must be added to its package's matrix (or to GLOBAL_RULES, with tests)."""
    adapter = app.url_map.bind("parcours.test")
    covered = set()
    for method, path in matrix_paths():
        rule, _arguments = adapter.match(
            path.split("?")[0].format_map(AnyId()), method=method, return_rule=True
        )
        covered.add(rule.rule)
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = rules - covered - GLOBAL_RULES
    assert not missing, f"routes missing from the permission matrices: {sorted(missing)}"


def test_roles_cover_the_domain():
    assert {r.value for r in Role} == set(ROLES)
