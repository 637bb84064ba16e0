"""Stances: support, reservations or oppose, with a comment; history kept; on behalf of the
person."""

import pytest

from parcours.extensions import db
from parcours.means.models import Stance
from parcours.plans.models import Role


def stance_url(member, means) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/means/{means.id}/stance"


def page_url(member, means) -> str:
    return f"/parcours/{member.parcours_id}/means/{means.id}"


def test_take_a_stance_then_change_it_the_history_is_kept(api, client, sign_in, mk):
    members = mk.alliance()
    family = members["family"]
    means = mk.means(members["pilot"])
    first = api(family.user).put(
        stance_url(family, means), json={"stance": "oppose", "comment": "Trop tôt"}
    )
    assert first.status_code == 200
    assert first.json["stance"] == "oppose"
    assert first.json["on_behalf"] is False
    second = api(family.user).put(
        stance_url(family, means), json={"stance": "support", "comment": "D'accord, essayons"}
    )
    assert second.status_code == 200

    detail = api(family.user).get(f"/api/v1/parcours/{family.parcours_id}/means/{means.id}")
    history = [s["stance"] for s in detail.json["stance_history"]]
    assert history == ["oppose", "support"]
    table = api(family.user).get(f"/api/v1/parcours/{family.parcours_id}/means").json
    (current,) = table["means"][0]["stances"]
    assert current["stance"] == "support"

    sign_in(family.user)
    page = client.get(page_url(family, means))
    assert "Change your stance" in page.text
    assert "History of the stances (2 recorded)" in page.text
    assert "Trop tôt" in page.text and "D&#39;accord, essayons" in page.text


def test_take_a_stance_from_the_page(client, sign_in, mk):
    members = mk.alliance()
    family = members["family"]
    means = mk.means(members["pilot"])
    sign_in(family.user)
    page = client.get(page_url(family, means))
    assert "Give your stance" in page.text
    assert "I support it" in page.text
    response = client.post(
        f"{page_url(family, means)}/stance",
        data={"stance-value": "reservations", "stance-comment": "Et la fatigue ?"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your stance is recorded." in response.text
    assert "Has reservations" in response.text
    assert "Et la fatigue ?" in response.text


@pytest.mark.parametrize("value", ["reservations", "oppose"])
def test_reservations_and_objections_must_say_why(api, client, sign_in, mk, value):
    members = mk.alliance()
    family = members["family"]
    means = mk.means(members["pilot"])
    response = api(family.user).put(stance_url(family, means), json={"stance": value})
    assert response.status_code == 422
    assert response.json["error"] == "missing_comment"
    assert "Please say why" in response.json["message"]
    sign_in(family.user)
    page = client.post(
        f"{page_url(family, means)}/stance", data={"stance-value": value, "stance-comment": " "}
    )
    assert page.status_code == 422
    assert "Please say why" in page.text


@pytest.mark.parametrize("value", ["reservations", "oppose"])
def test_the_person_s_own_answer_counts_without_written_reasons(api, mk, value):
    members = mk.alliance()
    person, pro = members["person"], members["professional"]
    means = mk.means(members["pilot"])
    response = api(person.user).put(stance_url(person, means), json={"stance": value})
    assert response.status_code == 200
    other = mk.means(members["pilot"], "Autre moyen")
    response = api(pro.user).put(
        stance_url(pro, other), json={"stance": value, "on_behalf_of": person.id}
    )
    assert response.status_code == 200


def test_support_needs_no_comment(api, mk):
    members = mk.alliance()
    means = mk.means(members["pilot"])
    response = api(members["family"].user).put(
        stance_url(members["family"], means), json={"stance": "support"}
    )
    assert response.status_code == 200
    assert response.json["comment"] == ""


def test_the_same_stance_twice_is_refused(api, mk):
    members = mk.alliance()
    means = mk.means(members["pilot"])
    body = {"stance": "support", "comment": "Oui"}
    client = api(members["family"].user)
    assert client.put(stance_url(members["family"], means), json=body).status_code == 200
    again = client.put(stance_url(members["family"], means), json=body)
    assert again.status_code == 422
    assert again.json["error"] == "no_change"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"stance": "maybe"},
        {"stance": "support", "comment": 3},
        {"stance": "support", "comment": "x" * 4001},
        {"stance": "support", "on_behalf_of": "person"},
        {"stance": None},
    ],
)
def test_bad_stances_are_422(api, mk, body):
    members = mk.alliance()
    means = mk.means(members["pilot"])
    response = api(members["family"].user).put(stance_url(members["family"], means), json=body)
    assert response.status_code == 422
    assert response.json["error"] == "invalid"


def test_bad_page_input_is_422_never_500(client, sign_in, mk):
    members = mk.alliance()
    means = mk.means(members["pilot"])
    sign_in(members["family"].user)
    url = f"{page_url(members['family'], means)}/stance"
    for data in (
        {},
        {"stance-value": "maybe"},
        {"stance-value": "support", "stance-on_behalf_of": "abc"},
        {"stance-value": "support", "stance-on_behalf_of": "999999"},
    ):
        assert client.post(url, data=data).status_code == 422


def test_unknown_proposal_is_404(api, client, sign_in, mk):
    members = mk.alliance()
    other = mk.alliance()
    elsewhere = mk.means(other["family"])
    response = api(members["family"].user).put(
        stance_url(members["family"], elsewhere), json={"stance": "support"}
    )
    assert response.status_code == 404
    assert response.json["error"] == "means_not_found"
    sign_in(members["family"].user)
    assert client.get(page_url(members["family"], elsewhere)).status_code == 404
    assert (
        client.post(
            f"{page_url(members['family'], elsewhere)}/stance", data={"stance-value": "support"}
        ).status_code
        == 404
    )


class TestOnBehalfOfThePerson:
    def test_recorded_for_the_person_and_it_shows(self, app, api, client, sign_in, mk):
        members = mk.alliance()
        pro, person = members["professional"], members["person"]
        means = mk.means(members["pilot"])
        response = api(pro.user).put(
            stance_url(pro, means),
            json={"stance": "support", "comment": "Il a dit oui", "on_behalf_of": person.id},
        )
        assert response.status_code == 200
        assert response.json["member"]["id"] == person.id
        assert response.json["author"]["id"] == pro.id
        assert response.json["on_behalf"] is True
        sign_in(pro.user)
        page = client.get(page_url(pro, means))
        assert f"Recorded by {pro.user.name} for {person.user.name}" in page.text
        table = client.get(f"/parcours/{pro.parcours_id}/means")
        assert f"recorded by {pro.user.name} for {person.user.name}" in table.text
        with app.app_context():
            stance = db.session.scalar(db.select(Stance))
            assert (stance.member_id, stance.author_id) == (person.id, pro.id)

    def test_from_the_page(self, client, sign_in, mk):
        members = mk.alliance()
        pro, person = members["professional"], members["person"]
        means = mk.means(members["pilot"])
        sign_in(pro.user)
        page = client.get(page_url(pro, means))
        assert "Whose stance" in page.text
        response = client.post(
            f"{page_url(pro, means)}/stance",
            data={
                "stance-value": "support",
                "stance-comment": "",
                "stance-on_behalf_of": str(person.id),
            },
            follow_redirects=True,
        )
        assert f"{person.user.name}&#39;s stance is recorded." in response.text

    def test_the_person_takes_it_over(self, api, mk):
        members = mk.alliance()
        pro, person = members["professional"], members["person"]
        means = mk.means(members["pilot"])
        mk.stance(pro, means, "support", "Il a dit oui", on_behalf_of=person)
        response = api(person.user).put(
            stance_url(person, means), json={"stance": "support", "comment": "Il a dit oui"}
        )
        assert response.status_code == 200
        assert response.json["on_behalf"] is False

    @pytest.mark.parametrize("subject", ["family", "pilot"])
    def test_only_for_the_person(self, api, mk, subject):
        members = mk.alliance()
        pro = members["professional"]
        means = mk.means(members["pilot"])
        response = api(pro.user).put(
            stance_url(pro, means),
            json={"stance": "support", "on_behalf_of": members[subject].id},
        )
        assert response.status_code == 422
        assert response.json["error"] == "invalid_on_behalf_of"

    def test_on_behalf_of_oneself_is_one_s_own_stance(self, api, mk):
        members = mk.alliance()
        pro = members["professional"]
        means = mk.means(members["pilot"])
        response = api(pro.user).put(
            stance_url(pro, means), json={"stance": "support", "on_behalf_of": pro.id}
        )
        assert response.status_code == 200
        assert response.json["on_behalf"] is False

    def test_easy_read_wording_for_the_person(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.means(members["pilot"])
        sign_in(members["person"].user)
        page = client.get(page_url(members["person"], means))
        assert "I agree" in page.text
        assert "I'm not sure" in page.text
        assert "I don't agree" in page.text
        assert "Whose stance" not in page.text


def test_a_new_member_does_not_stop_the_discussion(api, make, mk):
    members = mk.alliance()
    means = mk.means(members["pilot"])
    make.member(members["professional"], Role.family)  # the agreed version stays in force
    response = api(members["family"].user).put(
        stance_url(members["family"], means), json={"stance": "support"}
    )
    assert response.status_code == 200


def test_no_stance_before_the_objective_is_agreed(api, mk):
    members = mk.alliance(agreed=False)
    means = mk.means_without_objective(members["family"])
    response = api(members["family"].user).put(
        stance_url(members["family"], means), json={"stance": "support"}
    )
    assert response.status_code == 409
    assert response.json["error"] == "objective_not_agreed"
