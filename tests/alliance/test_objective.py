"""The shared objective: versions, approvals, the agreement rule, no lost update."""

import threading

import pytest

from parcours.alliance.agreement import agreement_for
from parcours.plans.models import Member, Role
from tests.factories import Factory


def objective_url(member: Member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/objective"


def propose(api, member, base, text="Que Léa se développe bien.", **fields):
    return api(member.user).post(
        f"{objective_url(member)}/versions", json={"text": text, "base_version": base, **fields}
    )


def approve(api, member, number):
    return api(member.user).post(f"{objective_url(member)}/versions/{number}/approval")


class TestAgreementRule:
    """Pure rule: every current person and family member, and at least one professional."""

    def members(self):
        return [
            Member(id=1, role=Role.person),
            Member(id=2, role=Role.family),
            Member(id=3, role=Role.family),
            Member(id=4, role=Role.professional),
            Member(id=5, role=Role.professional),
        ]

    @pytest.mark.parametrize(
        ("approvers", "agreed"),
        [
            ({1, 2, 3, 4}, True),
            ({1, 2, 3, 5}, True),
            ({1, 2, 3, 4, 5}, True),
            ({1, 2, 3}, False),  # no professional
            ({2, 3, 4, 5}, False),  # not the person
            ({1, 2, 4, 5}, False),  # one family member missing
            (set(), False),
        ],
    )
    def test_rule(self, approvers, agreed):
        assert agreement_for(approvers, self.members()).is_met is agreed

    def test_former_members_do_not_count(self):
        from datetime import UTC, datetime

        members = self.members()
        members[2].left_at = datetime.now(UTC)
        assert agreement_for({1, 2, 4}, members).is_met

    def test_missing_lists_who_must_still_approve(self):
        result = agreement_for({2}, self.members())
        assert [m.id for m in result.missing] == [1, 3]
        assert result.professional_missing
        assert [m.id for m in result.professionals_to_ask] == [4, 5]


def test_a_version_becomes_agreed_when_everyone_required_approves(api, make):
    members = make.alliance()
    pro, family, person = members["professional"], members["family"], members["person"]
    assert propose(api, family, 0).status_code == 201
    state = api(pro.user).get(objective_url(pro)).json
    assert state["agreed"] is False and state["in_force"] is None
    assert {m["id"] for m in state["missing_approvals"]} == {family.id, person.id, pro.id}

    approve(api, family, 1)
    approve(api, person, 1)
    state = api(pro.user).get(objective_url(pro)).json
    assert state["agreed"] is False
    assert [m["required"] for m in state["missing_approvals"]] == ["one_professional"]

    response = approve(api, pro, 1)
    assert response.status_code == 201
    assert response.json["message"] == "Everyone approved: version 1 is now in force."
    state = api(pro.user).get(objective_url(pro)).json
    assert state["agreed"] is True
    assert state["in_force"]["number"] == 1
    assert state["missing_approvals"] == []
    assert {a["member"]["id"] for a in state["approvals"]} == {family.id, person.id, pro.id}


def test_editing_after_agreement_needs_fresh_approvals_and_keeps_the_old_in_force(api, make):
    members = make.alliance()
    make.agreed_objective(members)
    family = members["family"]
    assert (
        propose(api, family, 1, text="Que Léa se développe bien, avec ses copains.").status_code
        == 201
    )
    state = api(family.user).get(objective_url(family)).json
    assert state["latest"]["number"] == 2
    assert state["agreed"] is False
    assert state["in_force"]["number"] == 1
    assert state["approvals"] == []


def test_a_member_leaving_can_complete_the_agreement(api, make):
    members = make.alliance()
    pro, family, person = members["professional"], members["family"], members["person"]
    other_family = make.member(pro, Role.family)
    propose(api, pro, 0)
    for member in (pro, family, person):
        approve(api, member, 1)
    assert api(pro.user).get(objective_url(pro)).json["agreed"] is False
    api(other_family.user).delete(f"/api/v1/parcours/{pro.parcours_id}/members/me")
    assert api(pro.user).get(objective_url(pro)).json["agreed"] is True


def test_stale_base_version_is_refused_with_the_current_version(api, make):
    members = make.alliance()
    pro, family = members["professional"], members["family"]
    assert propose(api, pro, 0, text="Version du pro").status_code == 201
    refused = propose(api, family, 0, text="Version des parents")
    assert refused.status_code == 409
    assert refused.json["error"] == "stale_version"
    assert refused.json["current"]["text"] == "Version du pro"
    assert refused.json["current"]["number"] == 1
    assert api(pro.user).get(objective_url(pro)).json["latest"]["text"] == "Version du pro"


def test_the_page_shows_both_texts_on_a_conflict_and_the_merge_saves(client, make, sign_in, api):
    members = make.alliance()
    pro, family = members["professional"], members["family"]
    propose(api, pro, 0, text="Que Léa apprenne à lire.")
    sign_in(family.user)
    url = f"/parcours/{family.parcours_id}/objective/edit"
    conflict = client.post(url, data={"text": "Que Léa ait des copains.", "base_number": 0})
    assert conflict.status_code == 409
    assert "Someone saved a new version of the objective in the meantime." in conflict.text
    assert "Que Léa ait des copains." in conflict.text  # mine, kept in the form
    assert "apprenne" in conflict.text  # theirs, shown with the differences
    assert "<ins>" in conflict.text and "<del>" in conflict.text
    assert 'name="base_number" type="hidden" value="1"' in conflict.text
    merged = client.post(
        url,
        data={"text": "Que Léa apprenne à lire et ait des copains.", "base_number": 1},
        follow_redirects=True,
    )
    assert "Version 2 is saved." in merged.text


@pytest.mark.committing
def test_two_members_saving_at_once_one_is_refused(app):
    make = Factory(app)
    members = make.alliance()
    barrier = threading.Barrier(2)
    results = []

    def save(member, text):
        from parcours.alliance.operations import propose_version
        from parcours.core.errors import StaleVersion
        from parcours.extensions import db

        barrier.wait(timeout=10)
        with app.app_context():
            try:
                propose_version(db.session.get(Member, member.id), text=text, base_number=0)
                db.session.commit()
                results.append("saved")
            except StaleVersion:
                db.session.rollback()
                results.append("refused")

    threads = [
        threading.Thread(target=save, args=(members["professional"], "A")),
        threading.Thread(target=save, args=(members["family"], "B")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["refused", "saved"]


@pytest.mark.parametrize(
    "body",
    [
        {"base_version": 0},
        {"text": "", "base_version": 0},
        {"text": "x", "base_version": "0"},
        {"text": "x" * 4001, "base_version": 0},
        {"text": "x", "base_version": 0, "indicators": ["a"]},
        {"text": "x", "base_version": -1},
    ],
)
def test_bad_versions_are_refused(api, make, body):
    member = make.parcours()
    response = api(member.user).post(f"{objective_url(member)}/versions", json=body)
    assert response.status_code == 422
    assert response.json["message"]


@pytest.mark.parametrize("body", [{"text": "x"}, {"text": "x", "base_version": None}])
def test_a_version_without_its_base_is_428(api, make, body):
    member = make.parcours()
    response = api(member.user).post(f"{objective_url(member)}/versions", json=body)
    assert response.status_code == 428
    assert response.json["error"] == "revision_required"


def test_approval_rules(api, make):
    members = make.alliance()
    pro = members["professional"]
    propose(api, pro, 0)
    propose(api, pro, 1, text="Une deuxième version.")
    assert approve(api, pro, 9).status_code == 404
    old = approve(api, pro, 1)
    assert old.status_code == 409
    assert old.json["error"] == "not_latest_version"
    assert approve(api, pro, 2).status_code == 201
    again = approve(api, pro, 2)
    assert again.status_code == 409
    assert again.json["error"] == "already_approved"


def test_nothing_changed_is_not_a_new_version(api, make):
    member = make.parcours()
    propose(api, member, 0, text="Même texte")
    response = propose(api, member, 1, text="Même texte")
    assert response.status_code == 422
    assert response.json["error"] == "no_change"


def test_written_on_behalf_of_a_member(api, make, client, sign_in):
    members = make.alliance()
    response = propose(api, members["family"], 0, on_behalf_of=members["person"].id)
    assert response.json["on_behalf_of"]["id"] == members["person"].id
    sign_in(members["family"].user)
    page = client.get(f"/parcours/{members['family'].parcours_id}/objective")
    expected = f"written by {members['family'].user.name} for {members['person'].user.name}"
    assert expected in page.text


def test_objective_page_shows_who_approved_and_who_not_yet(client, make, sign_in, api):
    members = make.alliance()
    pro, family, person = members["professional"], members["family"], members["person"]
    propose(api, pro, 0)
    approve(api, family, 1)
    sign_in(person.user)
    url = f"/parcours/{person.parcours_id}/objective"
    page = client.get(url)
    assert "Version 1, waiting for approvals" in page.text
    approved = page.text.split("Approved</h3>")[1].split("Not yet</h3>")
    assert family.user.name in approved[0]
    assert person.user.name in approved[1]
    assert "One of the professionals" in approved[1]
    response = client.post(f"{url}/versions/1/approval", follow_redirects=True)
    assert "Your approval of version 1 is recorded." in response.text
    assert "You approved version 1." in response.text


def test_history_shows_each_version_and_what_changed(client, make, sign_in, api):
    member = make.parcours()
    propose(api, member, 0, text="Que Léa lise.")
    propose(api, member, 1, text="Que Léa lise et écrive.")
    sign_in(member.user)
    page = client.get(f"/parcours/{member.parcours_id}/objective/history")
    assert page.text.index("Version 2") < page.text.index("Version 1")
    assert "et écrive." in page.text.split("<ins>")[1]


def test_objective_page_query_count_does_not_grow(client, make, sign_in, count_queries, api):
    pro = make.parcours()
    sign_in(pro.user)
    propose(api, pro, 0)
    url = f"/parcours/{pro.parcours_id}/objective"
    client.get(url)  # the first page of a session also asks who reads easy-read
    with count_queries() as few:
        client.get(url)
    for number in range(1, 5):
        member = make.member(pro, Role.family)
        approve(api, member, number)
        propose(api, pro, number, text=f"Version {number + 1}")
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


def test_i_dont_agree_yet_is_shown_until_i_approve(client, make, sign_in, api):
    members = make.alliance()
    pro, person = members["professional"], members["person"]
    propose(api, pro, 0)
    sign_in(person.user)
    url = f"/parcours/{person.parcours_id}/objective"
    response = client.post(
        f"{url}/versions/1/disagreement",
        data={"comment": "Je veux parler du travail"},
        follow_redirects=True,
    )
    assert "you do not agree yet with version 1" in response.text
    assert f"{person.user.name}: « Je veux parler du travail »" in response.text
    state = api(pro.user).get(objective_url(pro)).json
    assert state["disagreements"][0]["comment"] == "Je veux parler du travail"
    assert state["agreed"] is False
    approve(api, person, 1)
    state = api(pro.user).get(objective_url(pro)).json
    assert state["disagreements"] == []
    refused = api(person.user).post(f"{objective_url(pro)}/versions/1/disagreement", json={})
    assert refused.status_code == 409 and refused.json["error"] == "already_approved"


def test_i_dont_agree_yet_bad_input(api, make):
    member = make.parcours()
    propose(api, member, 0)
    url = f"{objective_url(member)}/versions"
    assert api(member.user).post(f"{url}/3/disagreement", json={}).status_code == 404
    too_long = api(member.user).post(f"{url}/1/disagreement", json={"comment": "x" * 4001})
    assert too_long.status_code == 422
    assert api(member.user).post(f"{url}/1/disagreement", json={"comment": 3}).status_code == 422
