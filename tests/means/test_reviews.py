"""Reviews (bilans): the objective's indicators assessed on a date, each member's view, changes."""

from datetime import timedelta

import pytest

from parcours.core.models import today
from tests.means.factories import INDICATORS

INDICATOR_LIST = INDICATORS.splitlines()


def reviews_url(member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/reviews"


def review_body(**extra):
    return {
        "held_on": (today() - timedelta(days=1)).isoformat(),
        "assessments": [
            {"indicator": INDICATOR_LIST[0], "assessment": "Oui, avec les gestes"},
            {"indicator": INDICATOR_LIST[2], "assessment": "Pas encore"},
        ],
        "what_to_change": "Plus de temps en classe ordinaire",
        "view": "Ça avance",
        **extra,
    }


def test_record_a_review_from_the_page_and_read_it(client, sign_in, mk):
    members = mk.alliance()
    family = members["family"]
    sign_in(family.user)
    url = f"/parcours/{family.parcours_id}/reviews"
    form = client.get(f"{url}/new")
    assert form.status_code == 200
    for indicator in INDICATOR_LIST:
        assert indicator in form.text
    held_on = today() - timedelta(days=30)
    response = client.post(
        f"{url}/new",
        data={
            "held_on": held_on.isoformat(),
            "assessment_0": "Il se fait mieux comprendre",
            "assessment_1": "",
            "assessment_2": "Quelques mots",
            "view": "Je suis contente",
            "what_to_change": "Ajouter une séance d'orthophonie",
            "objective_number": "1",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The review is recorded." in response.text
    assert "Il se fait mieux comprendre" in response.text
    assert "not assessed" in response.text
    assert "Je suis contente" in response.text
    assert "Ajouter une séance d&#39;orthophonie" in response.text
    assert "Indicators of version 1 of the objective" in response.text
    listing = client.get(url)
    assert "Review of" in listing.text
    assert f"recorded by {family.user.name}" in listing.text


def test_past_reviews_stay_readable_after_a_new_objective(api, client, sign_in, make, mk):
    members = mk.alliance()
    review = mk.review(members["family"], held_on=today() - timedelta(days=60))
    version = make.version(members["professional"], "Un nouvel objectif", indicators="Autre")
    for member in members.values():
        make.approval(member, version.number)
    sign_in(members["pilot"].user)
    page = client.get(f"/parcours/{members['pilot'].parcours_id}/reviews/{review.id}")
    assert page.status_code == 200
    assert INDICATOR_LIST[0] in page.text
    assert "Ça progresse" in page.text
    out = api(members["pilot"].user).get(f"{reviews_url(members['pilot'])}/{review.id}").json
    assert out["objective_version"] == 1
    assert [a["indicator"] for a in out["assessments"]] == INDICATOR_LIST


def test_members_add_their_view_later_even_for_the_person(api, client, sign_in, mk):
    members = mk.alliance()
    review = mk.review(members["family"], view="Bien")
    pro, person = members["professional"], members["person"]
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/reviews/{review.id}"
    response = client.post(f"{url}/views", data={"view": "Des progrès nets"}, follow_redirects=True)
    assert "The view is added to the review." in response.text
    assert "Des progrès nets" in response.text
    response = client.post(
        f"{url}/views",
        data={"view": "Il aime l'école", "on_behalf_of": str(person.id)},
        follow_redirects=True,
    )
    assert f"Written by {pro.user.name} for {person.user.name}" in response.text
    out = api(person.user).post(
        f"{reviews_url(person)}/{review.id}/views", json={"view": "J'aime l'école"}
    )
    assert out.status_code == 201
    assert out.json["member"]["id"] == person.id and out.json["on_behalf"] is False
    detail = api(person.user).get(f"{reviews_url(person)}/{review.id}").json
    assert len(detail["views"]) == 4


def test_a_view_for_someone_else_than_the_person_is_refused(api, client, sign_in, mk):
    members = mk.alliance()
    review = mk.review(members["family"])
    response = api(members["pilot"].user).post(
        f"{reviews_url(members['pilot'])}/{review.id}/views",
        json={"view": "x", "on_behalf_of": members["family"].id},
    )
    assert response.status_code == 422
    assert response.json["error"] == "invalid_on_behalf_of"
    sign_in(members["pilot"].user)
    url = f"/parcours/{members['pilot'].parcours_id}/reviews/{review.id}/views"
    for data in ({}, {"view": " "}, {"view": "x", "on_behalf_of": str(members["family"].id)}):
        assert client.post(url, data=data).status_code == 422


def test_the_api_records_a_review(api, mk):
    members = mk.alliance()
    response = api(members["family"].user).post(
        reviews_url(members["family"]), json=review_body(objective_version=1)
    )
    assert response.status_code == 201
    out = response.json
    assert [a["assessment"] for a in out["assessments"]] == [
        "Oui, avec les gestes",
        "",
        "Pas encore",
    ]
    assert out["views"][0]["view"] == "Ça avance"
    listing = api(members["pilot"].user).get(reviews_url(members["pilot"])).json
    assert [r["id"] for r in listing["reviews"]] == [out["id"]]


class TestRules:
    def test_objective_first(self, api, client, sign_in, mk):
        members = mk.alliance(agreed=False)
        response = api(members["family"].user).post(
            reviews_url(members["family"]), json=review_body()
        )
        assert response.status_code == 409
        assert response.json["error"] == "objective_not_agreed"
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}"
        page = client.get(f"{url}/reviews/new")
        assert page.status_code == 409
        assert f'href="{url}/objective"' in page.text
        assert client.post(f"{url}/reviews/new", data={}).status_code == 409
        listing = client.get(f"{url}/reviews")
        assert f'href="{url}/reviews/new"' not in listing.text

    def test_not_in_the_future(self, api, mk):
        members = mk.alliance()
        tomorrow = (today() + timedelta(days=1)).isoformat()
        response = api(members["family"].user).post(
            reviews_url(members["family"]), json=review_body(held_on=tomorrow)
        )
        assert response.status_code == 422
        assert response.json["error"] == "review_in_future"

    def test_the_version_reviewed_must_still_be_in_force(self, api, client, sign_in, make, mk):
        members = mk.alliance()
        version = make.version(members["professional"], "Nouveau", indicators="Autre")
        for member in members.values():
            make.approval(member, version.number)
        response = api(members["family"].user).post(
            reviews_url(members["family"]), json=review_body(objective_version=1)
        )
        assert response.status_code == 409
        assert response.json["error"] == "objective_changed"
        sign_in(members["family"].user)
        page = client.post(
            f"/parcours/{members['family'].parcours_id}/reviews/new",
            data={"held_on": today().isoformat(), "view": "x", "objective_number": "1"},
        )
        assert page.status_code == 409
        assert "Version 2 of the objective is now in force" in page.text

    def test_an_empty_review_is_refused(self, api, client, sign_in, mk):
        members = mk.alliance()
        response = api(members["family"].user).post(
            reviews_url(members["family"]),
            json={"held_on": today().isoformat()},
        )
        assert response.status_code == 422
        assert response.json["error"] == "empty_review"
        sign_in(members["family"].user)
        page = client.post(
            f"/parcours/{members['family'].parcours_id}/reviews/new",
            data={"held_on": today().isoformat(), "objective_number": "1"},
        )
        assert page.status_code == 422
        assert "Write at least one assessment" in page.text

    @pytest.mark.parametrize(
        "changes",
        [
            {"assessments": [{"indicator": "Inconnu", "assessment": "x"}]},
            {
                "assessments": [
                    {"indicator": INDICATOR_LIST[0], "assessment": "x"},
                    {"indicator": INDICATOR_LIST[0], "assessment": "y"},
                ]
            },
        ],
    )
    def test_unknown_or_repeated_indicators(self, api, mk, changes):
        members = mk.alliance()
        response = api(members["family"].user).post(
            reviews_url(members["family"]), json=review_body(**changes)
        )
        assert response.status_code == 422
        assert response.json["error"] == "unknown_indicator"

    @pytest.mark.parametrize(
        "changes",
        [
            {"held_on": "yesterday"},
            {"held_on": None},
            {"assessments": "all good"},
            {"assessments": [{"assessment": "x"}]},
            {"view": "x" * 4001},
            {"objective_version": "1"},
        ],
    )
    def test_bad_input_is_422(self, api, mk, changes):
        members = mk.alliance()
        response = api(members["family"].user).post(
            reviews_url(members["family"]), json=review_body(**changes)
        )
        assert response.status_code == 422
        assert response.json["error"] == "invalid"

    def test_bad_page_input_is_422(self, client, sign_in, mk):
        members = mk.alliance()
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/reviews/new"
        for data in (
            {},
            {"held_on": "hier", "view": "x", "objective_number": "1"},
            {"held_on": today().isoformat(), "view": "x", "objective_number": "un"},
            {
                "held_on": (today() + timedelta(days=3)).isoformat(),
                "view": "x",
                "objective_number": "1",
            },
        ):
            assert client.post(url, data=data).status_code == 422

    def test_extra_assessment_fields_are_ignored(self, client, sign_in, mk):
        members = mk.alliance()
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/reviews/new"
        response = client.post(
            url,
            data={
                "held_on": today().isoformat(),
                "assessment_0": "Bien",
                "assessment_7": "En trop",
                "objective_number": "1",
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert "En trop" not in response.text

    def test_unknown_review_is_404(self, api, client, sign_in, mk):
        members = mk.alliance()
        other = mk.alliance()
        review = mk.review(other["family"])
        assert (
            api(members["family"].user)
            .get(f"{reviews_url(members['family'])}/{review.id}")
            .status_code
            == 404
        )
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/reviews/{review.id}"
        assert client.get(url).status_code == 404
        assert client.post(f"{url}/views", data={"view": "x"}).status_code == 404
