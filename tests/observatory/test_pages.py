"""The observatory page and API: figures for observers, nothing for anyone else, no plan for
an observer; the opt-out; a constant number of queries."""

import pytest

from parcours.extensions import db
from parcours.plans.models import Member, Role
from tests.means.factories import MeansFactory
from tests.observatory.conftest import GAPS, build_plan
from tests.timeline.conftest import TimelineFactory


def test_the_observer_sees_the_figures_as_tables(world, client, sign_in):
    sign_in(world.observer)
    page = client.get("/observatory?territory=37")
    assert page.status_code == 200
    assert "Observatory: territory 37" in page.text
    assert "Plans with a rupture in the period" in page.text
    assert "fewer than 5" in page.text  # nobody is in an ongoing rupture: too few to say
    assert "IME → not recorded yet" in page.text
    assert "50&#8239;%" in page.text or "50\u202f%" in page.text  # answered in time


def test_the_page_defaults_to_the_first_scope_and_lists_the_others(world, client, sign_in):
    sign_in(world.observer)
    page = client.get("/observatory")
    assert "Observatory: IME Les Cèdres" in page.text
    assert f"/observatory?organisation={world.ime_id}" in page.text
    assert "/observatory?territory=37" in page.text


def test_an_unknown_or_foreign_scope_is_a_404(world, client, sign_in, api):
    sign_in(world.observer)
    assert client.get("/observatory?territory=75").status_code == 404
    assert client.get("/observatory?organisation=999999").status_code == 404
    answer = api(world.observer).get("/api/v1/observatory?organisation=abc")
    assert answer.status_code == 400
    answer = api(world.observer).get("/api/v1/observatory?territory=37&from=2026-13-01")
    assert answer.status_code == 400 and answer.json["error"] == "invalid_date"


def test_the_api_lists_the_observer_s_scopes(world, api):
    answer = api(world.observer).get("/api/v1/observatory")
    assert answer.status_code == 200
    assert answer.json == {
        "scopes": [
            {"organisation_id": world.ime_id, "name": "IME Les Cèdres"},
            {"territory": "37"},
        ]
    }


@pytest.mark.parametrize("who", ["professional", "person", "nobody"])
def test_anyone_but_an_observer_gets_a_404(world, client, sign_in, api, make, who):
    user = make.user() if who == "nobody" else world.plans[0][who].user
    sign_in(user)
    assert client.get("/observatory").status_code == 404
    assert client.get("/observatory?territory=37").status_code == 404
    assert api(user).get("/api/v1/observatory").status_code == 404
    assert api(user).get("/api/v1/observatory?territory=37").status_code == 404


def test_the_observer_opens_no_plan(world, client, sign_in, api):
    sign_in(world.observer)
    parcours_id = world.plans[0]["professional"].parcours_id
    for url in ("", "/members", "/timeline", "/objective", "/log", "/means"):
        assert client.get(f"/parcours/{parcours_id}{url}").status_code == 404, url
    for url in ("", "/members", "/episodes", "/flags"):
        answer = api(world.observer).get(f"/api/v1/parcours/{parcours_id}{url}")
        assert answer.status_code == 404, url


def test_a_plan_left_out_by_its_person_counts_in_no_figure(world, client, sign_in, api, unrounded):
    person = world.plans[0]["person"]
    sign_in(person.user)
    page = client.get(f"/parcours/{person.parcours_id}/members")
    assert "This plan counts in the figures." in page.text
    page = client.post(
        f"/parcours/{person.parcours_id}/observatory",
        data={"answer": "out"},
        follow_redirects=True,
    )
    assert "The plan is left out of every figure of the observatory." in page.text
    assert "Léa left this plan out of every figure." in page.text
    log = client.get(f"/parcours/{person.parcours_id}/log")
    assert "left the plan out of the observatory&#39;s figures" in log.text

    body = api(world.observer).get("/api/v1/observatory?territory=37").json
    assert body["plans"]["value"] == 5
    # The left-out plan was the one with the shortest rupture (20 days): 4 ruptures remain.
    assert body["ruptures"]["plans_with_rupture"]["suppressed"] is True

    client.post(f"/parcours/{person.parcours_id}/observatory", data={"answer": "in"})
    body = api(world.observer).get("/api/v1/observatory?territory=37").json
    assert body["plans"]["value"] == 6


@pytest.mark.parametrize("who", ["professional", "family", "pilot"])
def test_only_the_person_or_their_legal_representative_leaves_the_plan_out(
    world, client, sign_in, who
):
    member = world.plans[0][who]
    sign_in(member.user)
    page = client.get(f"/parcours/{member.parcours_id}/members")
    assert "Leave my plan out of the figures" not in page.text
    assert "Only Léa, or their legal representative, decides this." in page.text
    page = client.post(
        f"/parcours/{member.parcours_id}/observatory",
        data={"answer": "out"},
        follow_redirects=True,
    )
    assert "Only Léa, or their legal representative, decides whether the plan counts" in (page.text)
    with client.application.app_context():
        assert not db.session.get(Member, member.id).parcours.observatory_opt_out


def test_the_page_s_queries_do_not_grow_with_the_plans(
    app, make, world, client, sign_in, count_queries, unrounded
):
    sign_in(world.observer)
    client.get("/observatory?territory=37")  # the session's first request writes its time
    with count_queries() as before:
        client.get("/observatory?territory=37")
    tl, mk = TimelineFactory(app), MeansFactory(make)
    for index, gap in enumerate(GAPS):
        build_plan(make, tl, mk, index, gap)
    client.get("/observatory?territory=37")
    with count_queries() as after:
        page = client.get("/observatory?territory=37")
    assert "12" in page.text
    assert after.count == before.count


def test_the_openapi_description_has_the_observatory(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/observatory"]["get"]
    assert operation["tags"] == ["observatory"]
    parameters = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"organisation", "territory", "from", "to"} <= parameters
    assert {"200", "400", "401", "404"} <= set(operation["responses"])


def test_the_charts_show_the_same_figures_as_the_tables(world, client, sign_in):
    sign_in(world.observer)
    page = client.get("/observatory?territory=37").text
    chart = page[page.index("Hand-offs answered in time, by transition") :]
    chart = chart[: chart.index("</figure>")]
    assert 'width="50.0"' in chart  # half of them answered in time: half a bar
    assert "50&#8239;%" in chart or "50\u202f%" in chart
    assert 'aria-hidden="true"' in chart  # the words beside each bar are its alternative


def test_an_observer_s_home_page_leads_to_the_observatory(observer, client, sign_in):
    sign_in(observer)
    page = client.get("/").text
    assert 'href="/observatory"' in page
    assert "Start a plan" not in page


def test_the_api_leaves_a_plan_out_and_lets_it_count_again(world, api, unrounded):
    person = world.plans[0]["person"]
    url = f"/api/v1/parcours/{person.parcours_id}"
    assert api(person.user).get(url).json["observatory_opt_out"] is False
    answer = api(person.user).put(f"{url}/observatory", json={"opt_out": True})
    assert answer.status_code == 200 and answer.json == {"opt_out": True}
    assert api(person.user).get(url).json["observatory_opt_out"] is True
    assert api(world.observer).get("/api/v1/observatory?territory=37").json["plans"]["value"] == 5
    entries = api(person.user).get(f"{url}/access-log").json["entries"]
    changes = [e for e in entries if e["access"] == "change"]
    assert changes[0]["event"] == "observatory.left_out"
    assert changes[0]["user"] == person.user.name

    again = api(person.user).put(f"{url}/observatory", json={"opt_out": True})
    assert again.json == {"opt_out": True}  # the same answer again changes nothing
    entries = api(person.user).get(f"{url}/access-log").json["entries"]
    assert [e["event"] for e in entries if e["access"] == "change"].count(
        "observatory.left_out"
    ) == 1

    assert api(person.user).put(f"{url}/observatory", json={"opt_out": False}).json == {
        "opt_out": False
    }
    assert api(world.observer).get("/api/v1/observatory?territory=37").json["plans"]["value"] == 6


@pytest.mark.parametrize("who", ["professional", "family", "pilot"])
def test_through_the_api_only_the_person_leaves_the_plan_out(world, api, who):
    member = world.plans[0][who]
    url = f"/api/v1/parcours/{member.parcours_id}/observatory"
    answer = api(member.user).put(url, json={"opt_out": True})
    assert answer.status_code == 403 and answer.json["error"] == "person_only"
    assert (
        api(member.user).get(f"/api/v1/parcours/{member.parcours_id}").json["observatory_opt_out"]
        is False
    )


def test_a_legal_representative_leaves_the_plan_out_through_the_api(make, api):
    pro = make.pilot(make.parcours())
    representative = make.member(pro, Role.family, is_legal_representative=True)
    url = f"/api/v1/parcours/{pro.parcours_id}/observatory"
    answer = api(representative.user).put(url, json={"opt_out": True})
    assert answer.status_code == 200 and answer.json == {"opt_out": True}


def test_the_opt_out_answers_404_to_strangers_and_observers(world, make, api):
    parcours_id = world.plans[0]["person"].parcours_id
    url = f"/api/v1/parcours/{parcours_id}/observatory"
    for user in (make.user(), world.observer):
        assert api(user).put(url, json={"opt_out": True}).status_code == 404
    answer = api(world.plans[0]["person"].user).put(url, json={"opt_out": "yes please"})
    assert answer.status_code == 422
