"""Proposing a means: objective first, the negotiation table, proposals on the person's behalf."""

import pytest
from flask_babel import force_locale

from parcours.core.audit import AccessLogEntry
from parcours.extensions import db
from tests.helpers import english_client


def means_url(member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/means"


PROPOSAL = {
    "title": "Classe ordinaire avec une AESH",
    "description": "Une classe de l'école du quartier, avec une AESH à mi-temps.",
    "carried_by": "L'école du quartier et l'AESH",
}


class TestObjectiveFirst:
    """Means cannot be proposed, discussed or decided before an objective version is agreed."""

    def test_the_api_refuses_with_409_and_a_message(self, api, mk):
        members = mk.alliance(agreed=False)
        response = api(members["family"].user).post(means_url(members["family"]), json=PROPOSAL)
        assert response.status_code == 409
        assert response.json["error"] == "objective_not_agreed"
        assert "shared objective is agreed" in response.json["message"]

    def test_a_written_but_not_agreed_objective_is_not_enough(self, api, make, mk):
        members = mk.alliance(agreed=False)
        make.version(members["professional"])
        make.approval(members["professional"], 1)
        response = api(members["family"].user).post(means_url(members["family"]), json=PROPOSAL)
        assert response.status_code == 409

    def test_the_page_refuses_with_a_link_to_the_objective(self, client, sign_in, mk):
        members = mk.alliance(agreed=False)
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}"
        page = client.get(f"{url}/means/new")
        assert page.status_code == 409
        assert "shared objective is agreed" in page.text
        assert f'href="{url}/objective"' in page.text
        assert "Put it on the table" not in page.text
        response = client.post(f"{url}/means/new", data=PROPOSAL)
        assert response.status_code == 409
        assert f'href="{url}/objective"' in response.text

    def test_the_table_explains_instead_of_offering_to_propose(self, client, sign_in, mk):
        members = mk.alliance(agreed=False)
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}"
        page = client.get(f"{url}/means")
        assert page.status_code == 200
        assert f'href="{url}/objective"' in page.text
        assert f'href="{url}/means/new"' not in page.text

    def test_a_new_version_awaiting_approvals_keeps_the_agreed_one_in_force(self, api, make, mk):
        members = mk.alliance()
        make.version(members["professional"], "Un nouveau texte.")
        response = api(members["family"].user).post(means_url(members["family"]), json=PROPOSAL)
        assert response.status_code == 201


def test_any_member_proposes_from_the_page(client, sign_in, mk):
    members = mk.alliance()
    family = members["family"]
    sign_in(family.user)
    url = f"/parcours/{family.parcours_id}"
    form = client.get(f"{url}/means/new")
    assert form.status_code == 200
    assert "novalidate" in form.text
    response = client.post(
        f"{url}/means/new", data={**PROPOSAL, "category": "schooling"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Your proposal is on the table" in response.text
    assert "Classe ordinaire avec une AESH" in response.text
    assert "School and learning" in response.text
    assert f"{family.user.name}, on" in response.text
    table = client.get(f"{url}/means")
    assert "Classe ordinaire avec une AESH" in table.text
    assert "Under discussion" in table.text


@pytest.mark.parametrize("role", ["person", "family", "professional", "pilot"])
def test_every_role_may_propose(api, mk, role):
    members = mk.alliance()
    response = api(members[role].user).post(means_url(members[role]), json=PROPOSAL)
    assert response.status_code == 201
    body = response.json
    assert body["title"] == PROPOSAL["title"]
    assert body["status"] == "open"
    assert body["author"]["id"] == members[role].id
    assert body["on_behalf_of"] is None
    assert body["category"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PROPOSAL, "title": ""}, "title"),
        ({**PROPOSAL, "title": "x" * 121}, "title"),
        ({**PROPOSAL, "description": ""}, "description"),
        ({**PROPOSAL, "carried_by": ""}, "carried_by"),
        ({"title": "x"}, "description"),
        ({**PROPOSAL, "category": "astrology"}, "category"),
        ({**PROPOSAL, "title": 12}, "title"),
        ({**PROPOSAL, "on_behalf_of": "me"}, "on_behalf_of"),
    ],
)
def test_bad_proposals_are_refused_with_422(api, mk, body, field):
    members = mk.alliance()
    response = api(members["family"].user).post(means_url(members["family"]), json=body)
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert field in response.json["fields"]


def test_blank_texts_are_refused_by_the_operation_too(api, mk):
    members = mk.alliance()
    response = api(members["family"].user).post(
        means_url(members["family"]), json={**PROPOSAL, "title": "   "}
    )
    assert response.status_code == 422
    assert response.json["error"] == "missing_title"


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_an_object_is_a_400(api, mk, body):
    members = mk.alliance()
    response = api(members["family"].user).post(
        means_url(members["family"]), data=body, content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert response.json["error"] in ("bad_request", "invalid")


def test_the_page_form_shows_errors_with_422(client, sign_in, mk):
    members = mk.alliance()
    sign_in(members["family"].user)
    url = f"/parcours/{members['family'].parcours_id}/means/new"
    response = client.post(url, data={"title": "", "description": "", "carried_by": ""})
    assert response.status_code == 422
    assert "Please give the proposal a title." in response.text
    assert "Please describe the proposal." in response.text
    assert "Please say who would carry it out." in response.text
    assert 'class="error-summary"' in response.text
    response = client.post(url, data={**PROPOSAL, "category": "astrology", "on_behalf_of": "x"})
    assert response.status_code == 422


class TestOnBehalf:
    def test_a_proposal_for_the_person_says_so(self, api, client, sign_in, mk):
        members = mk.alliance()
        pro, person = members["professional"], members["person"]
        response = api(pro.user).post(means_url(pro), json={**PROPOSAL, "on_behalf_of": person.id})
        assert response.status_code == 201
        assert response.json["on_behalf_of"]["id"] == person.id
        sign_in(pro.user)
        page = client.get(f"/parcours/{pro.parcours_id}/means")
        assert f"Proposed by {pro.user.name} for {person.user.name}" in page.text

    def test_only_for_the_person(self, api, mk):
        members = mk.alliance()
        pro = members["professional"]
        response = api(pro.user).post(
            means_url(pro), json={**PROPOSAL, "on_behalf_of": members["family"].id}
        )
        assert response.status_code == 422
        assert response.json["error"] == "invalid_on_behalf_of"

    def test_a_member_of_another_plan_is_not_found(self, api, mk):
        members = mk.alliance()
        other = mk.alliance()
        pro = members["professional"]
        response = api(pro.user).post(
            means_url(pro), json={**PROPOSAL, "on_behalf_of": other["person"].id}
        )
        assert response.status_code == 404

    def test_the_page_offers_the_person_only(self, client, sign_in, mk):
        members = mk.alliance()
        sign_in(members["professional"].user)
        page = client.get(f"/parcours/{members['professional'].parcours_id}/means/new")
        assert "Proposed on behalf of" in page.text
        assert f'<option value="{members["person"].id}">' in page.text
        assert f'<option value="{members["family"].id}">' not in page.text


def test_the_proposal_is_in_the_access_log(app, api, mk):
    members = mk.alliance()
    api(members["family"].user).post(means_url(members["family"]), json=PROPOSAL)
    api(members["family"].user).get(means_url(members["family"]))
    with app.app_context(), force_locale("en"):
        entries = db.session.scalars(
            db.select(AccessLogEntry)
            .where(AccessLogEntry.parcours_id == members["family"].parcours_id)
            .order_by(AccessLogEntry.id.desc())
            .limit(2)
        ).all()
        assert [e.description for e in entries] == [
            "read the means",
            "proposed the means “Classe ordinaire avec une AESH”",
        ]


class TestNegotiationTable:
    def test_proposals_as_rows_members_as_columns_the_person_first(self, client, sign_in, make, mk):
        members = mk.alliance(legal_representative=True)
        aesh = mk.means(members["family"], "Classe ordinaire avec une AESH")
        unit = mk.means(members["pilot"], "Unité d'enseignement interne")
        mk.stance(members["family"], aesh, "support", "C'est son droit")
        mk.stance(members["pilot"], aesh, "reservations", "28 élèves, c'est beaucoup")
        mk.stance(members["pilot"], unit, "support", "Petits groupes")
        mk.stance(members["family"], unit, "oppose", "Un parcours à part")
        mk.stance(members["professional"], unit, "reservations", "À voir", members["person"])
        sign_in(members["family"].user)
        page = client.get(f"/parcours/{members['family'].parcours_id}/means")
        assert page.status_code == 200
        text = page.text
        assert "<caption>Where each member stands on each proposal</caption>" in text
        head = text[text.index("<thead>") : text.index("</thead>")]
        person_at = head.index(members["person"].user.name)
        rep_at = head.index(members["legal_representative"].user.name)
        family_at = head.index(members["family"].user.name)
        pro_at = head.index(members["professional"].user.name)
        assert person_at < rep_at < family_at < pro_at
        assert "legal representative" in head
        assert "pilot" in head
        body = text[text.index("<tbody>") : text.index("</tbody>")]
        assert body.index("Classe ordinaire") < body.index("Unité d&#39;enseignement")
        assert "C&#39;est son droit" in body and "28 élèves" in body
        assert "Supports" in body and "Has reservations" in body and "Opposes" in body
        assert "views diverge" in body
        assert (
            f"recorded by {members['professional'].user.name} for {members['person'].user.name}"
            in body
        )
        assert "No stance yet" in body
        assert 'scope="row"' in body and 'scope="col"' in head

    def test_the_api_lists_each_proposal_with_the_current_stances(self, api, mk):
        members = mk.alliance()
        aesh = mk.means(members["family"])
        mk.stance(members["family"], aesh, "support", "Oui")
        mk.stance(members["family"], aesh, "reservations", "Finalement, je ne sais pas")
        mk.stance(members["pilot"], aesh, "oppose", "Non")
        response = api(members["person"].user).get(means_url(members["person"]))
        assert response.status_code == 200
        body = response.json
        assert body["objective_agreed"] is True
        assert body["members"][0]["id"] == members["person"].id
        (means,) = body["means"]
        assert means["diverges"] is True
        stances = {s["member"]["id"]: s for s in means["stances"]}
        assert stances[members["family"].id]["stance"] == "reservations"
        assert stances[members["family"].id]["comment"] == "Finalement, je ne sais pas"
        assert stances[members["pilot"].id]["stance"] == "oppose"
        assert len(stances) == 2

    def test_agreement_is_not_a_divergence(self, api, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        for member in members.values():
            mk.stance(member, means, "support")
        out = api(members["family"].user).get(means_url(members["family"])).json
        assert out["means"][0]["diverges"] is False

    def test_no_proposal_yet(self, client, sign_in, mk):
        members = mk.alliance()
        sign_in(members["family"].user)
        page = client.get(f"/parcours/{members['family'].parcours_id}/means")
        assert "No means has been proposed yet." in page.text

    def test_query_count_does_not_grow_with_proposals_and_members(
        self, app, sign_in, mk, count_queries
    ):
        def table_queries(n_proposals: int, n_members: int) -> int:
            everyone = mk.plan(n_members)
            for i in range(n_proposals):
                means = mk.means(everyone[i % n_members], f"Moyen {i}")
                for member in everyone:
                    mk.stance(member, means, "reservations", f"Avis {i}")
            on = english_client(app)
            sign_in(everyone[0].user, on=on)
            with count_queries() as counter:
                page = on.get(f"/parcours/{everyone[0].parcours_id}/means")
            assert page.status_code == 200
            assert page.text.count("Has reservations") == n_proposals * n_members
            return counter.count

        assert table_queries(2, 2) == table_queries(8, 6)

    def test_query_count_of_the_api_table_is_constant(self, api, make, mk, count_queries):
        def queries(n: int) -> int:
            members = mk.alliance()
            for i in range(n):
                means = mk.means(members["family"], f"Moyen {i}")
                for member in members.values():
                    mk.stance(member, means)
            client = api(members["family"].user)
            with count_queries() as counter:
                assert client.get(means_url(members["family"])).status_code == 200
            return counter.count

        assert queries(1) == queries(6)
