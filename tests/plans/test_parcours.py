"""Creating a parcours, seeing only one's own, settings."""

import re

import pytest

from parcours.extensions import db
from parcours.plans.models import Parcours, Role


def test_create_a_parcours_and_become_its_first_member(client, make, sign_in):
    user = make.user(professional=True)
    sign_in(user)
    response = client.post(
        "/parcours/new",
        data={"person_name": "  Léa ", "role": "professional"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The plan is created" in response.text
    assert "Léa's plan" in response.text
    home = client.get("/")
    assert "Léa's plan" in home.text


def test_my_own_plan_takes_my_name(client, make, sign_in):
    user = make.user("Thomas")
    sign_in(user)
    response = client.post("/parcours/new", data={"role": "person"}, follow_redirects=True)
    assert "Thomas's plan" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "family"}, "Please give the person&#39;s first name or a pseudonym."),
        ({"role": "family", "person_name": "x" * 61}, "Field cannot be longer than 60 characters."),
        ({"person_name": "Léa"}, "Please choose your place in this plan."),
        ({"person_name": "Léa", "role": "boss"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_message(client, make, sign_in, data, message):
    sign_in(make.user())
    response = client.post("/parcours/new", data=data)
    assert response.status_code == 422
    assert message in response.text


def test_a_non_member_gets_404_without_the_title(client, make, sign_in):
    member = make.parcours(person_name="Secretname")
    sign_in(make.user())
    for url in (f"/parcours/{member.parcours_id}", f"/parcours/{member.parcours_id}/objective"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Secretname" not in response.text
    assert "Secretname" not in client.get("/").text


def test_anonymous_visitors_are_sent_to_sign_in(client, make):
    member = make.parcours()
    response = client.get(f"/parcours/{member.parcours_id}")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_home_query_count_does_not_grow_with_parcours(client, make, sign_in, count_queries):
    user = make.user(professional=True)
    sign_in(user)
    first = make.parcours(user)
    make.member(first, Role.family)
    make.version(first)  # something waits for the user (their inbox is on the home page)
    client.get("/")  # the first page of a session also asks who reads easy-read
    with count_queries() as few:
        client.get("/")
    for _ in range(5):
        first = make.parcours(user)
        make.member(first, Role.family)
        make.version(first)
    with count_queries() as many:
        client.get("/")
    assert many.count == few.count


def _form_base(client, url) -> str:
    """The base revision the settings page hands its forms."""
    return re.search(r'name="base_revision" type="hidden" value="(\d+)"', client.get(url).text)[1]


def test_settings_change_the_tolerance(client, make, sign_in):
    member = make.pilot(make.parcours())
    sign_in(member.user)
    url = f"/parcours/{member.parcours_id}/settings"
    data = {"tolerance_days": "30", "reason": "Vacances", "base_revision": _form_base(client, url)}
    response = client.post(url, data=data, follow_redirects=True)
    assert "The tolerance is changed." in response.text
    assert 'value="30"' in response.text
    for bad in ("0", "abc"):
        data = {"tolerance_days": bad, "reason": "x", "base_revision": _form_base(client, url)}
        assert client.post(url, data=data).status_code == 422


def test_close_and_reopen_the_parcours(client, make, sign_in):
    """With nobody to confirm (no person, no legal representative), closing is immediate."""
    member = make.pilot(make.parcours())
    sign_in(member.user)
    url = f"/parcours/{member.parcours_id}/settings"
    data = {
        "closed_on": "2026-01-31",
        "closing_reason": "Fin de l'accompagnement",
        "base_revision": _form_base(client, url),
    }
    response = client.post(f"{url}/close", data=data, follow_redirects=True)
    assert "The plan is closed" in response.text
    overview = client.get(f"/parcours/{member.parcours_id}")
    assert "This plan was closed on" in overview.text
    data = {"reopen_reason": "Nouvelle orientation", "base_revision": _form_base(client, url)}
    response = client.post(f"{url}/reopen", data=data, follow_redirects=True)
    assert "The plan is open again." in response.text
    data = {"closed_on": "31/01", "closing_reason": "x", "base_revision": _form_base(client, url)}
    assert client.post(f"{url}/close", data=data).status_code == 422


def test_a_stale_settings_form_is_refused_and_keeps_what_was_typed(client, make, sign_in):
    member = make.pilot(make.parcours())
    sign_in(member.user)
    url = f"/parcours/{member.parcours_id}/settings"
    base = _form_base(client, url)
    saved = client.post(url, data={"tolerance_days": "30", "reason": "a", "base_revision": base})
    assert saved.status_code == 302
    refused = client.post(url, data={"tolerance_days": "45", "reason": "b", "base_revision": base})
    assert refused.status_code == 409
    assert "Someone changed the settings of this plan in the meantime." in refused.text
    assert 'value="45"' in refused.text  # what I typed
    assert "<dd>30</dd>" in refused.text  # what was saved in between
    assert db.session.get(Parcours, member.parcours_id).tolerance_days == 30
    # The form now starts from the settings saved in between: saving again works.
    again = re.search(r'name="base_revision" type="hidden" value="(\d+)"', refused.text)[1]
    assert again != base
    retry = client.post(url, data={"tolerance_days": "45", "reason": "b", "base_revision": again})
    assert retry.status_code == 302
    # Closing and reopening from an old page are refused too.
    closing = client.post(
        f"{url}/close",
        data={"closed_on": "2026-01-31", "closing_reason": "c", "base_revision": base},
    )
    assert closing.status_code == 409 and 'value="2026-01-31"' in closing.text
    reopening = client.post(f"{url}/reopen", data={"reopen_reason": "d", "base_revision": base})
    assert reopening.status_code == 409
    assert db.session.get(Parcours, member.parcours_id).closed_on is None


class TestApi:
    def test_create_list_get(self, api, make):
        user = make.user(professional=True)
        client = api(user)
        created = client.post(
            "/api/v1/parcours", json={"person_name": "Léa", "role": "professional"}
        )
        assert created.status_code == 201
        parcours_id = created.json["id"]
        assert created.json["me"]["role"] == "professional"
        listed = client.get("/api/v1/parcours").json["parcours"]
        assert [p["id"] for p in listed] == [parcours_id]
        got = client.get(f"/api/v1/parcours/{parcours_id}")
        assert got.json["person_name"] == "Léa"
        assert got.json["tolerance_days"] == 14

    def test_404_for_non_members(self, api, make):
        member = make.parcours(person_name="Secretname")
        response = api(make.user()).get(f"/api/v1/parcours/{member.parcours_id}")
        assert response.status_code == 404
        assert "Secretname" not in response.text
        assert response.json["error"] == "not_found"

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"role": "boss"},
            {"role": "family", "person_name": 12},
            {"role": "family", "person_name": "x" * 61},
            {"role": "family", "unknown": 1},
            {"role": "family", "person_name": ""},
        ],
    )
    def test_bad_input(self, api, make, body):
        response = api(make.user()).post("/api/v1/parcours", json=body)
        assert response.status_code == 422
        assert response.json["message"]

    def test_patch_tolerance_close_reopen(self, api, make):
        member = make.pilot(make.parcours())
        client = api(member.user)
        url = f"/api/v1/parcours/{member.parcours_id}"
        why = {"reason": "Parce que"}
        assert client.edit(url, {"tolerance_days": 30, **why}).json["tolerance_days"] == 30
        closed = client.edit(url, {"closed_on": "2026-02-01", **why})
        assert closed.json["closed_on"] == "2026-02-01"
        assert client.edit(url, {"closed_on": None, **why}).json["closed_on"] is None
        for bad in ({"tolerance_days": 0}, {"tolerance_days": "x"}, {"closed_on": "1 feb"}):
            response = client.edit(url, bad)
            assert response.status_code == 422, bad
        assert client.edit(url, {"base_revision": -1}).status_code == 422

    def test_patch_requires_the_base_revision(self, api, make):
        member = make.parcours()
        client = api(member.user)
        url = f"/api/v1/parcours/{member.parcours_id}"
        refused = client.patch(url, json={"tolerance_days": 30})
        assert refused.status_code == 428
        assert refused.json["error"] == "revision_required"
        assert client.get(url).json["tolerance_days"] == 14

    def test_a_stale_patch_is_refused_with_the_current_settings(self, api, make):
        member = make.pilot(make.parcours())
        client = api(member.user)
        url = f"/api/v1/parcours/{member.parcours_id}"
        base = client.get(url).json["revision"]
        body = {"tolerance_days": 30, "reason": "a", "base_revision": base}
        saved = client.patch(url, json=body)
        assert saved.status_code == 200 and saved.json["revision"] != base
        body = {"closed_on": "2026-02-01", "reason": "b", "base_revision": base}
        refused = client.patch(url, json=body)
        assert refused.status_code == 409
        assert refused.json["error"] == "stale_version"
        assert refused.json["current"]["tolerance_days"] == 30
        assert refused.json["current"]["closed_on"] is None
        assert refused.json["current"]["revision"] == saved.json["revision"]
        assert client.get(url).json["closed_on"] is None


@pytest.mark.committing
def test_concurrent_settings_edits_from_the_same_base_one_is_refused(api, make):
    """On a real database, the pilot PATCHes the settings from two clients (say, two tabs)
    from the same revision at once, 20 times: each time one 200 and one 409."""
    import threading

    pro = make.pilot(make.parcours())
    clients = [api(pro.user), api(pro.user)]
    url = f"/api/v1/parcours/{pro.parcours_id}"
    for round_ in range(20):
        base = clients[0].get(url).json["revision"]
        barrier = threading.Barrier(2)
        statuses = []

        def edit(client, days, base=base, barrier=barrier, statuses=statuses):
            barrier.wait(timeout=10)
            body = {"tolerance_days": days, "reason": "r", "base_revision": base}
            statuses.append(client.patch(url, json=body).status_code)

        days = (20 + round_, 60 + round_)
        threads = [
            threading.Thread(target=edit, args=(client, d))
            for client, d in zip(clients, days, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [200, 409], round_
        saved = clients[0].get(url).json
        assert saved["tolerance_days"] in days and saved["revision"] != base


def test_the_overview_shows_the_path_the_means_and_my_commitments(client, make, sign_in, app):
    from datetime import timedelta

    from parcours.core.models import today
    from tests.means.factories import MeansFactory
    from tests.timeline.conftest import TimelineFactory

    mk = MeansFactory(make)
    members = mk.alliance()
    adopted = mk.adopted(members)
    mk.means(members["family"], "Une autre idée")
    mk.commitment(members["pilot"], adopted, members["family"], "Appeler l'école")
    TimelineFactory(app).episode(members["professional"], start=-100, end=-30)
    sign_in(members["family"].user)
    page = client.get(f"/parcours/{members['family'].parcours_id}").text
    assert "No service accompanies Léa today." in page
    assert "Ongoing rupture" in page
    assert page.index("Under discussion: 1") < page.index("Adopted: 1")
    assert "Appeler l&#39;école" in page
    assert (today() + timedelta(days=10)).strftime("%B") in page


def test_overview_query_count_does_not_grow(client, make, sign_in, app, count_queries):
    from tests.means.factories import MeansFactory
    from tests.timeline.conftest import TimelineFactory

    mk = MeansFactory(make)
    members = mk.alliance()
    sign_in(members["professional"].user)
    url = f"/parcours/{members['professional'].parcours_id}"
    client.get(url)  # the first page of a session also asks who reads easy-read
    with count_queries() as few:
        client.get(url)
    timeline = TimelineFactory(app)
    for n in range(4):
        mk.adopted(members, f"Idée {n}")
        timeline.episode(members["professional"], start=-400 + 60 * n, end=-350 + 60 * n)
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count
