"""Finding a plan: search by the person's name (accents and case aside), the caseload filtered
by organisation, by kind of flag and by "waits for my answer", sorted by urgency, by last
activity or by name; the same in the page, the API and the CSV; bad parameters get a 400."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from parcours.accounts.models import Organisation
from parcours.alliance.operations import approve_version, propose_version
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.timeline.awaiting import ANSWER_HANDOFF, APPROVE_OBJECTIVE, GIVE_STANCE
from tests.means.factories import MeansFactory


@pytest.fixture
def plans(make, tl):
    """A professional's three plans: Inès (an IME takes part), Thomas and Zoé."""
    user = make.user(professional=True, organisation="SESSAD Les Mouettes")
    ines = make.parcours(user, person_name="Inès Martin")
    tl.episode(ines, "IME Les Tilleuls", start=-30)
    thomas = make.parcours(user, person_name="Thomas")
    tl.episode(thomas, "ESAT Les Ateliers", start=-30)
    zoe = make.parcours(user, person_name="Zoé")
    return {"user": user, "ines": ines, "thomas": thomas, "zoe": zoe}


def _names(entries) -> list[str]:
    return [entry["person_name"] for entry in entries]


def test_the_search_finds_a_plan_by_the_persons_name_without_case_or_accents(api, plans):
    client = api(plans["user"])
    assert _names(client.get("/api/v1/caseload?q=ines").json["parcours"]) == ["Inès Martin"]
    assert _names(client.get("/api/v1/caseload?q=MARTIN  inès").json["parcours"]) == ["Inès Martin"]
    assert client.get("/api/v1/caseload?q=nobody").json["total"] == 0


def test_the_home_page_finds_a_plan_by_the_persons_name(client, sign_in, plans):
    sign_in(plans["user"])
    page = client.get("/?q=zoe").text
    assert "Zoé's plan" in page and "Thomas's plan" not in page
    empty = client.get("/?q=nobody").text
    assert "No plan of yours is for a person named" in empty
    assert "Thomas's plan" in client.get("/").text


def test_the_caseload_filters_by_an_organisation_taking_part(app, api, client, sign_in, plans):
    with app.app_context():
        ids = dict(db.session.execute(select(Organisation.name, Organisation.id)).all())
    client_api = api(plans["user"])
    ime = client_api.get(f"/api/v1/caseload?organisation={ids['IME Les Tilleuls']}")
    assert _names(ime.json["parcours"]) == ["Inès Martin"]  # one of its services accompanies
    # The professional's own organisation takes part in all three, through them.
    sessad = client_api.get(f"/api/v1/caseload?organisation={ids['SESSAD Les Mouettes']}")
    assert sessad.json["total"] == 3
    sign_in(plans["user"])
    page = client.get("/caseload").text
    for name in ("IME Les Tilleuls", "ESAT Les Ateliers", "SESSAD Les Mouettes"):
        assert f'<option value="{ids[name]}">{name}</option>' in page
    filtered = client.get(f"/caseload?organisation={ids['ESAT Les Ateliers']}").text
    assert f'<option value="{ids["ESAT Les Ateliers"]}" selected>' in filtered
    assert "1 plan matches" in filtered


def test_waits_for_my_answer_lists_what_is_mine_to_answer_and_clears_itself(api, app, make, tl):
    mk = MeansFactory(make)
    members = mk.alliance()
    family = members["family"]
    client = api(family.user)
    [entry] = client.get("/api/v1/caseload").json["parcours"]
    assert entry["awaiting"] == []  # the objective is agreed, nothing is proposed
    assert client.get("/api/v1/caseload?awaiting=me").json["total"] == 0

    means = mk.means(members["professional"])
    version = make._run(
        lambda: propose_version(
            db.session.get(Member, members["professional"].id), text="Un autre texte", base_number=1
        )
    )
    [entry] = client.get("/api/v1/caseload?awaiting=me").json["parcours"]
    assert entry["awaiting"] == sorted([APPROVE_OBJECTIVE, GIVE_STANCE])

    make._run(lambda: approve_version(db.session.get(Member, family.id), version.number))
    mk.stance(family, means)
    assert client.get("/api/v1/caseload?awaiting=me").json["total"] == 0

    # A hand-off to the organisation of a professional member waits for their answer.
    ime = make.member(
        members["professional"],
        Role.professional,
        user=make.user(professional=True, organisation="IME Les Tilleuls"),
    )
    first = tl.episode(members["professional"], start=-60, end=-5)
    handoff = tl.handoff(
        members["professional"], first, receiving_organisation="IME Les Tilleuls", proposed_on=-6
    )
    ime_client = api(ime.user)
    [entry] = ime_client.get("/api/v1/caseload?awaiting=me").json["parcours"]
    assert ANSWER_HANDOFF in entry["awaiting"]
    assert ANSWER_HANDOFF not in client.get("/api/v1/caseload").json["parcours"][0]["awaiting"]
    tl.answer(ime, handoff, "accepted")
    [entry] = ime_client.get("/api/v1/caseload").json["parcours"]
    assert ANSWER_HANDOFF not in entry["awaiting"]


def test_the_caseload_page_says_what_waits_for_me(client, sign_in, make):
    mk = MeansFactory(make)
    members = mk.alliance()
    mk.means(members["professional"])
    sign_in(members["family"].user)
    page = client.get("/caseload?awaiting=me").text
    assert "Waiting for your answer:" in page
    assert "a proposal to give your stance on" in page
    assert "1 plan matches" in page


def test_the_caseload_sorts_by_last_activity_and_by_name(api, plans, tl):
    client = api(plans["user"])
    tl.episode(plans["zoe"], start=-10)  # Zoé's plan changed last
    by_activity = client.get("/api/v1/caseload?order=activity").json["parcours"]
    assert by_activity[0]["person_name"] == "Zoé"
    assert by_activity[0]["changed_at"] >= by_activity[1]["changed_at"]
    tl.episode(plans["thomas"], "Foyer", start=-5)
    assert _names(client.get("/api/v1/caseload?order=activity").json["parcours"])[0] == "Thomas"
    assert _names(client.get("/api/v1/caseload?order=name").json["parcours"]) == [
        "Inès Martin",
        "Thomas",
        "Zoé",
    ]


def test_the_csv_keeps_the_filter_of_the_page(client, sign_in, plans):
    sign_in(plans["user"])
    page = client.get("/caseload?q=thomas&order=name").text
    assert 'href="/caseload.csv?q=thomas&amp;order=name"' in page
    rows = list(csv.reader(io.StringIO(client.get("/caseload.csv?q=thomas").text)))
    assert len(rows) == 2 and "Thomas" in rows[1]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("organisation=abc", "invalid_organisation"),
        ("organisation=99999999999", "invalid_organisation"),
        ("order=random", "invalid_order"),
        ("awaiting=you", "invalid_awaiting"),
        ("kind=nothing", "invalid_kind"),
    ],
)
def test_a_bad_caseload_parameter_is_a_400_that_names_it(api, client, sign_in, plans, query, code):
    answer = api(plans["user"]).get(f"/api/v1/caseload?{query}")
    assert answer.status_code == 400 and answer.json["error"] == code
    sign_in(plans["user"])
    assert client.get(f"/caseload?{query}").status_code == 400


def test_the_caseload_reads_as_much_for_two_plans_as_for_twelve(
    app, client, sign_in, make, tl, count_queries
):
    user = make.user(professional=True)
    for n in range(2):
        tl.episode(make.parcours(user, person_name=f"Personne {n}"), start=-20)
    sign_in(user)
    query = "/caseload?q=personne&order=activity&awaiting=me"
    client.get(query)  # the snapshots are computed and stored
    with count_queries() as small:
        client.get(query)
    for n in range(10):
        tl.episode(make.parcours(user, person_name=f"Personne {n + 2}"), start=-20)
    client.get(query)
    with count_queries() as large:
        client.get(query)
    assert large.count == small.count


def test_the_caseload_names_every_kind_that_waits_for_me(client, sign_in, make):
    mk = MeansFactory(make)
    members = mk.alliance()
    means = mk.adopted(members)
    mk.commitment(members["pilot"], means, members["pilot"], due_on=today() + timedelta(days=1))
    sign_in(members["pilot"].user)
    page = client.get("/caseload?awaiting=me").text
    assert "Waiting for your answer:" in page
    assert "a commitment of yours due soon or late" in page
