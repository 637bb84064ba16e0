"""Decisions: only the pilot decides, no decision without the person, who took part."""

import re

import pytest

from parcours.plans.models import Role


def decision_url(member, means) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/means/{means.id}/decision"


def page_url(member, means) -> str:
    return f"/parcours/{member.parcours_id}/means/{means.id}"


ADOPT = {"outcome": "adopted", "rationale": "Tout le monde y trouve son compte."}


class TestOnlyThePilotDecides:
    @pytest.mark.parametrize("role", ["person", "family", "professional"])
    def test_other_members_are_refused_with_403(self, api, mk, role):
        members = mk.alliance()
        means = mk.means(members["family"])
        mk.stance(members["person"], means)
        response = api(members[role].user).post(decision_url(members[role], means), json=ADOPT)
        assert response.status_code == 403
        assert response.json["error"] == "not_pilot"
        assert members["pilot"].user.name in response.json["message"]

    def test_the_page_says_who_decides_and_refuses_others(self, client, sign_in, mk):
        members = mk.alliance()
        family = members["family"]
        means = mk.means(family)
        sign_in(family.user)
        page = client.get(page_url(family, means))
        pilot_name = members["pilot"].user.name
        assert f"The pilot, {pilot_name}, records the decision after the discussion." in page.text
        assert "Record the decision" not in page.text
        response = client.post(
            f"{page_url(family, means)}/decision",
            data={"decision-outcome": "set_aside", "decision-rationale": "Non"},
        )
        assert response.status_code == 403
        assert f"Only the pilot ({pilot_name}) decides" in response.text

    def test_without_a_pilot_designate_one_first(self, api, client, sign_in, mk):
        members = mk.alliance(pilot=None)
        means = mk.means(members["family"])
        response = api(members["professional"].user).post(
            decision_url(members["professional"], means), json={**ADOPT, "outcome": "set_aside"}
        )
        assert response.status_code == 409
        assert response.json["error"] == "no_pilot"
        assert "Designate a pilot first" in response.json["message"]
        sign_in(members["family"].user)
        members_url = f"/parcours/{members['family'].parcours_id}/members"
        page = client.get(page_url(members["family"], means))
        assert "No pilot is designated yet." in page.text
        assert f'href="{members_url}"' in page.text
        response = client.post(
            f"{page_url(members['family'], means)}/decision",
            data={"decision-outcome": "set_aside", "decision-rationale": "Non"},
        )
        assert response.status_code == 409
        assert "Designate a pilot on the members page" in response.text


class TestNoDecisionWithoutThePerson:
    def test_adoption_waits_for_the_person_s_stance(self, api, mk):
        members = mk.alliance()
        pilot, person = members["pilot"], members["person"]
        means = mk.means(members["family"])
        for member in ("family", "professional", "pilot"):
            mk.stance(members[member], means)
        response = api(pilot.user).post(decision_url(pilot, means), json=ADOPT)
        assert response.status_code == 409
        assert response.json["error"] == "person_has_no_stance"
        assert person.user.name in response.json["message"]
        assert "No decision without the person" in response.json["message"]

        mk.stance(person, means, "reservations", "Je veux essayer quand même")
        response = api(pilot.user).post(decision_url(pilot, means), json=ADOPT)
        assert response.status_code == 201
        assert response.json["outcome"] == "adopted"
        assert response.json["means"]["status"] == "adopted"

    def test_a_stance_recorded_on_the_person_s_behalf_counts(self, api, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        mk.stance(members["professional"], means, on_behalf_of=members["person"])
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        assert response.status_code == 201

    def test_a_family_member_who_is_not_the_legal_representative_does_not_count(self, api, mk):
        members = mk.alliance(person=False)
        means = mk.means(members["family"])
        mk.stance(members["family"], means)
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        assert response.status_code == 409
        assert (
            "not a member of the plan and has no legal representative" in (response.json["message"])
        )

    def test_the_legal_representative_speaks_when_the_person_is_not_a_member(self, api, mk):
        members = mk.alliance(person=False, legal_representative=True)
        representative = members["legal_representative"]
        means = mk.means(members["family"])
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        assert response.status_code == 409
        assert representative.user.name in response.json["message"]
        assert "legal representative" in response.json["message"]
        mk.stance(representative, means, "support", "Pour Léa, oui")
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        assert response.status_code == 201

    def test_with_both_the_message_names_the_person_and_the_representative(self, api, mk):
        members = mk.alliance(legal_representative=True)
        means = mk.means(members["family"])
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        message = response.json["message"]
        assert members["person"].user.name in message
        assert members["legal_representative"].user.name in message
        mk.stance(members["legal_representative"], means)
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        assert response.status_code == 201

    @pytest.mark.parametrize("outcome", ["set_aside", "to_revisit"])
    def test_setting_aside_or_revisiting_does_not_need_it(self, api, mk, outcome):
        members = mk.alliance()
        means = mk.means(members["family"])
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json={**ADOPT, "outcome": outcome}
        )
        assert response.status_code == 201
        assert response.json["means"]["status"] == outcome

    def test_the_page_warns_before_and_refuses_with_409(self, client, sign_in, mk):
        members = mk.alliance()
        pilot, person = members["pilot"], members["person"]
        means = mk.means(members["family"])
        sign_in(pilot.user)
        page = client.get(page_url(pilot, means))
        assert f"No decision without the person: {person.user.name} must give a stance" in (
            page.text
        )
        response = client.post(
            f"{page_url(pilot, means)}/decision",
            data={"decision-outcome": "adopted", "decision-rationale": "On y va"},
        )
        assert response.status_code == 409
        assert 'role="alert"' in response.text
        assert f"{person.user.name} must give a stance" in response.text

    def test_the_table_marks_the_legal_representative(self, client, sign_in, mk):
        members = mk.alliance(person=False, legal_representative=True)
        means = mk.means(members["family"])
        mk.stance(members["legal_representative"], means)
        sign_in(members["family"].user)
        page = client.get(page_url(members["family"], means))
        assert "legal representative" in page.text


class TestTheDecision:
    def test_the_pilot_decides_from_the_page_and_it_says_who(self, client, sign_in, mk):
        members = mk.alliance()
        pilot = members["pilot"]
        means = mk.means(members["family"])
        mk.stance(members["person"], means)
        mk.stance(members["family"], means)
        sign_in(pilot.user)
        page = client.get(page_url(pilot, means))
        assert "You are the pilot" in page.text
        ticked = set(
            re.findall(
                r'<input checked id="decision-participants-\d+"[^>]*value="(\d+)"', page.text
            )
        )
        assert ticked == {str(members["person"].id), str(members["family"].id)}
        response = client.post(
            f"{page_url(pilot, means)}/decision",
            data={
                "decision-outcome": "adopted",
                "decision-rationale": "La personne et sa famille le veulent.",
                "decision-participants": [str(members["person"].id), str(members["family"].id)],
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert "The decision is recorded: Adopted." in response.text
        assert f"decided by {pilot.user.name} on" in response.text
        assert "La personne et sa famille le veulent." in response.text
        took_part = re.search(r"Took part: ([^<]*)", response.text).group(1)
        for key in ("person", "family", "pilot"):
            assert members[key].user.name in took_part
        assert members["professional"].user.name not in took_part

    def test_participants_default_to_those_with_a_stance_and_the_pilot(self, api, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        mk.stance(members["person"], means)
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json=ADOPT
        )
        ids = {p["id"] for p in response.json["participants"]}
        assert ids == {members["person"].id, members["pilot"].id}
        assert response.json["decided_by"]["id"] == members["pilot"].id

    def test_explicit_participants(self, api, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        body = {**ADOPT, "outcome": "to_revisit", "participants": [members["family"].id]}
        response = api(members["pilot"].user).post(decision_url(members["pilot"], means), json=body)
        assert {p["id"] for p in response.json["participants"]} == {
            members["family"].id,
            members["pilot"].id,
        }

    def test_a_participant_from_elsewhere_is_refused(self, api, mk):
        members = mk.alliance()
        other = mk.alliance()
        means = mk.means(members["family"])
        body = {**ADOPT, "outcome": "set_aside", "participants": [other["family"].id]}
        response = api(members["pilot"].user).post(decision_url(members["pilot"], means), json=body)
        assert response.status_code == 422
        assert response.json["error"] == "invalid_participant"

    def test_decisions_are_kept_and_the_status_follows_the_latest(self, api, client, sign_in, mk):
        members = mk.alliance()
        pilot = members["pilot"]
        means = mk.means(members["family"])
        api(pilot.user).post(
            decision_url(pilot, means), json={"outcome": "to_revisit", "rationale": "Attendons"}
        )
        again = api(pilot.user).post(
            decision_url(pilot, means), json={"outcome": "to_revisit", "rationale": "Encore"}
        )
        assert again.status_code == 409
        assert again.json["error"] == "already_decided"
        mk.stance(members["person"], means)
        api(pilot.user).post(decision_url(pilot, means), json=ADOPT)
        detail = api(pilot.user).get(f"/api/v1/parcours/{pilot.parcours_id}/means/{means.id}")
        assert detail.json["status"] == "adopted"
        assert [d["outcome"] for d in detail.json["decisions"]] == ["to_revisit", "adopted"]
        sign_in(members["family"].user)
        page = client.get(page_url(members["family"], means))
        assert page.text.index("Adopted</strong>") < page.text.index("To revisit</strong>")

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"outcome": "adopted"},
            {"outcome": "adopted", "rationale": ""},
            {"outcome": "approved", "rationale": "x"},
            {"outcome": "adopted", "rationale": "x", "participants": "all"},
            {"outcome": "adopted", "rationale": "x", "participants": ["1"]},
        ],
    )
    def test_bad_decisions_are_422(self, api, mk, body):
        members = mk.alliance()
        means = mk.means(members["family"])
        response = api(members["pilot"].user).post(decision_url(members["pilot"], means), json=body)
        assert response.status_code == 422

    def test_blank_rationale_and_bad_page_input(self, api, client, sign_in, mk):
        members = mk.alliance()
        pilot = members["pilot"]
        means = mk.means(members["family"])
        response = api(pilot.user).post(
            decision_url(pilot, means), json={"outcome": "set_aside", "rationale": "  "}
        )
        assert response.status_code == 422
        assert response.json["error"] == "missing_rationale"
        sign_in(pilot.user)
        url = f"{page_url(pilot, means)}/decision"
        for data in (
            {},
            {"decision-outcome": "nope", "decision-rationale": "x"},
            {"decision-outcome": "set_aside", "decision-rationale": ""},
            {
                "decision-outcome": "set_aside",
                "decision-rationale": "x",
                "decision-participants": "x",
            },
            {
                "decision-outcome": "set_aside",
                "decision-rationale": "x",
                # Not a member of this parcours (999 could be one, once ids have grown).
                "decision-participants": "1000000000",
            },
        ):
            assert client.post(url, data=data).status_code == 422

    def test_no_decision_before_the_objective_is_agreed(self, api, mk):
        members = mk.alliance(agreed=False)
        means = mk.means_without_objective(members["family"])
        response = api(members["pilot"].user).post(
            decision_url(members["pilot"], means), json={**ADOPT, "outcome": "set_aside"}
        )
        assert response.status_code == 409
        assert response.json["error"] == "objective_not_agreed"


def test_a_member_who_joined_later_is_offered_among_the_participants(client, sign_in, make, mk):
    members = mk.alliance()
    newcomer = make.member(members["professional"], Role.professional)
    means = mk.means(members["family"])
    sign_in(members["pilot"].user)
    page = client.get(page_url(members["pilot"], means))
    assert f'value="{newcomer.id}"' in page.text
