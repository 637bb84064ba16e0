"""Consent before sharing the plan with a new organisation (issue 12, item 6; Code de la
santé publique, art. L1110-4): asked by an invitation or an answer link, answered by the
person or their legal representative only, refusable and withdrawable."""

import pytest

from parcours.extensions import db
from parcours.plans.consent import pending_consents_for
from parcours.plans.models import Consent, ConsentStatus, Invitation, Member, Role
from tests.helpers import access_log_size

IME = "IME Les Tilleuls"


@pytest.fixture
def plan(make):
    """Léa's plan: a professional (the creator), the family and Léa herself."""
    return make.alliance()


def _invite(api, member, organisation=IME, **extra):
    response = api(member.user).post(
        f"/api/v1/parcours/{member.parcours_id}/invitations",
        json={"role": "professional", "organisation": organisation, **extra},
    )
    assert response.status_code == 201, response.json
    return response


def _consents(api, member):
    response = api(member.user).get(f"/api/v1/parcours/{member.parcours_id}/consents")
    assert response.status_code == 200
    return response.json["consents"]


def _answer(api, member, consent_id, given):
    return api(member.user).post(
        f"/api/v1/parcours/{member.parcours_id}/consents/{consent_id}", json={"given": given}
    )


def _ime_worker(make):
    return make.user(professional=True, organisation=IME)


def test_a_new_organisation_waits_for_the_person_then_joins(api, make, plan):
    pro, person = plan["professional"], plan["person"]
    invited = _invite(api, pro)
    assert "Waiting for Léa's agreement" in invited.json["waiting_for_consent"]
    [consent] = _consents(api, plan["family"])  # every member reads them
    assert consent["organisation"] == IME and consent["status"] == "pending"
    assert [e["kind"] for e in consent["history"]] == ["asked"]
    assert consent["history"][0]["by"] == pro.user.name
    worker = _ime_worker(make)
    refused = api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept")
    assert refused.status_code == 409
    assert refused.json["error"] == "consent_pending"
    assert "Léa" in refused.json["message"]
    given = _answer(api, person, consent["id"], True)
    assert given.status_code == 200 and given.json["status"] == "given"
    joined = api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept")
    assert joined.status_code == 201
    assert joined.json["me"]["organisation"] == IME
    [consent] = _consents(api, pro)
    assert [(e["kind"], e["by"]) for e in consent["history"]] == [
        ("asked", pro.user.name),
        ("given", person.user.name),
    ]


def test_an_organisation_already_in_the_plan_needs_nothing(api, make, plan):
    pro = plan["professional"]
    invited = _invite(api, pro, organisation=pro.organisation.name)
    assert invited.json["waiting_for_consent"] is None
    assert _consents(api, pro) == []
    worker = make.user(professional=True, organisation=pro.organisation.name)
    assert (
        api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept").status_code == 201
    )


def test_a_consent_given_is_not_asked_again(api, make, plan):
    pro, person = plan["professional"], plan["person"]
    _invite(api, pro)
    [consent] = _consents(api, pro)
    _answer(api, person, consent["id"], True)
    again = _invite(api, pro)
    assert again.json["waiting_for_consent"] is None
    [consent] = _consents(api, pro)
    assert len(consent["history"]) == 2


def test_the_family_and_the_family_invitations_need_no_consent(api, make, plan):
    pro = plan["professional"]
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations", json={"role": "family"}
    )
    assert response.json["waiting_for_consent"] is None
    assert _consents(api, pro) == []


def test_a_professional_invitation_names_the_organisation(api, plan):
    pro = plan["professional"]
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations", json={"role": "professional"}
    )
    assert response.status_code == 422
    assert response.json["error"] == "missing_organisation"


@pytest.mark.parametrize("role", ["professional", "family"])
def test_only_the_person_or_a_legal_representative_answers(api, plan, role):
    _invite(api, plan["professional"])
    [consent] = _consents(api, plan["professional"])
    refused = _answer(api, plan[role], consent["id"], True)
    assert refused.status_code == 403
    assert refused.json["error"] == "person_only"
    assert _consents(api, plan["professional"])[0]["status"] == "pending"


def test_the_legal_representative_answers(api, make):
    pro = make.pilot(make.parcours())
    representative = make.member(pro, Role.family, is_legal_representative=True)
    _invite(api, pro)
    [consent] = _consents(api, pro)
    assert _answer(api, representative, consent["id"], True).status_code == 200


def test_refusing_revokes_the_organisations_invitations(app, api, make, plan):
    pro, person = plan["professional"], plan["person"]
    invited = _invite(api, pro)
    [consent] = _consents(api, pro)
    refused = _answer(api, person, consent["id"], False)
    assert refused.json["status"] == "refused"
    worker = _ime_worker(make)
    gone = api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept")
    assert gone.status_code == 409 and gone.json["error"] == "invitation_revoked"
    again = _answer(api, person, consent["id"], False)
    assert again.status_code == 409 and again.json["error"] == "consent_already_refused"
    # Asked again by a new invitation, it waits again.
    _invite(api, pro)
    assert _consents(api, pro)[0]["status"] == "pending"


def test_withdrawing_removes_the_members_and_revokes_links_and_invitations(app, api, make, plan):
    pro, person = plan["professional"], plan["person"]
    invited = _invite(api, pro)
    [consent] = _consents(api, pro)
    _answer(api, person, consent["id"], True)
    worker = _ime_worker(make)
    joined = api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept").json["me"]
    pending = _invite(api, pro)  # another IME invitation, not used yet
    with app.app_context():
        log_before = access_log_size(pro.parcours_id)
    withdrawn = _answer(api, person, consent["id"], False)
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    with app.app_context():
        left = db.session.get(Member, joined["id"])
        assert left.left_at is not None
        assert db.session.get(Invitation, pending.json["id"]).revoked_at is not None
        assert access_log_size(pro.parcours_id) > log_before
    assert api(worker).get(f"/api/v1/parcours/{pro.parcours_id}").status_code == 404
    log = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/access-log").json["entries"]
    removal = next(e for e in log if e["event"] == "member.removed")
    assert removal["detail"] == f"consent withdrawn by {person.user.name}"
    assert removal["user"] == person.user.name
    assert any(e["event"] == "consent.withdrawn" for e in log)
    kinds = [e["kind"] for e in _consents(api, pro)[0]["history"]]
    assert kinds == ["asked", "given", "withdrawn"]


def test_a_plan_created_by_its_person_consents_to_nothing(api, make):
    person = make.parcours(make.user(), role=Role.person)
    invited = _invite(api, person)
    assert invited.json["waiting_for_consent"]
    [consent] = _consents(api, person)
    assert consent["status"] == "pending"


def test_without_the_person_the_consent_waits_for_them(app, api, make, sign_in, client):
    pro = make.parcours()
    invited = _invite(api, pro)
    [consent] = _consents(api, pro)
    assert consent["status"] == "pending"
    sign_in(pro.user)
    page = client.get(f"/parcours/{pro.parcours_id}/members").text
    assert "is not in the plan yet, nor a legal representative" in page
    assert "waiting for Léa's agreement" in page
    # The person joins: the question is theirs.
    person = make.member(pro, Role.person)
    with app.app_context():
        user = db.session.get(Member, person.id).user
        assert [c.id for c in pending_consents_for(user)] == [consent["id"]]
    assert _answer(api, person, consent["id"], True).status_code == 200
    worker = _ime_worker(make)
    assert (
        api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept").status_code == 201
    )


def test_the_person_answers_on_the_plan_page_and_the_easy_read_page(
    app, client, sign_in, make, api, plan
):
    pro, person = plan["professional"], plan["person"]
    invited = _invite(api, pro)
    [consent] = _consents(api, pro)
    sign_in(person.user)
    page = client.get(f"/parcours/{pro.parcours_id}")
    assert f"May {IME} see the plan?" in page.text
    easy = client.get(f"/easy/parcours/{pro.parcours_id}")
    assert f"{IME} will see your plan" in easy.text
    answered = client.post(
        f"/parcours/{pro.parcours_id}/consents/{consent['id']}/answer",
        data={"answer": "yes", "from": "easy"},
        follow_redirects=True,
    )
    assert answered.status_code == 200
    assert f"Thank you. {IME} may now see the plan." in answered.text
    assert f"{IME} will see your plan" not in answered.text
    # Others see no question, and the invitation page no longer waits.
    sign_in(plan["family"].user)
    assert "see the plan?" not in client.get(f"/parcours/{pro.parcours_id}").text
    with app.app_context():
        assert db.session.scalar(db.select(Consent)).status is ConsentStatus.given
    assert client.get(f"/invitations/{invited.json['token']}").status_code == 200


def test_the_invitation_page_says_what_it_waits_for(client, sign_in, make, api, plan):
    invited = _invite(api, plan["professional"])
    token = invited.json["token"]
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 409
    assert "Waiting for Léa&#39;s agreement to share the plan with IME Les Tilleuls." in page.text
    assert "Join the plan" not in page.text
    sign_in(_ime_worker(make))
    refused = client.post(f"/invitations/{token}/accept")
    assert refused.status_code == 409
    assert "Waiting for Léa&#39;s agreement" in refused.text


def test_the_person_withdraws_on_the_members_page(client, sign_in, make, api, plan):
    pro, person = plan["professional"], plan["person"]
    invited = _invite(api, pro)
    [consent] = _consents(api, pro)
    _answer(api, person, consent["id"], True)
    worker = _ime_worker(make)
    api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept")
    sign_in(person.user)
    page = client.get(f"/parcours/{pro.parcours_id}/members").text
    assert "Withdraw my consent" in page and worker.name in page
    done = client.post(
        f"/parcours/{pro.parcours_id}/consents/{consent['id']}/answer",
        data={"answer": "no", "from": "members"},
        follow_redirects=True,
    )
    assert f"Thank you. {IME} no longer sees the plan." in done.text
    assert worker.name not in done.text.split("Who may see the plan")[0]


def test_an_invitation_made_before_consent_was_asked_checks_the_joining_organisation(
    app, api, make, plan
):
    pro = plan["professional"]
    invited = _invite(api, pro)
    with app.app_context():
        # As migration 0015 leaves the invitations made before: no organisation named.
        db.session.get(Invitation, invited.json["id"]).organisation_id = None
        db.session.commit()
    refused = api(make.user(professional=True)).post(
        f"/api/v1/invitations/{invited.json['token']}/accept"
    )
    assert refused.status_code == 409 and refused.json["error"] == "consent_pending"
    assert "ask for a new invitation" in refused.json["message"]
    colleague = make.user(professional=True, organisation=pro.organisation.name)
    joined = api(colleague).post(f"/api/v1/invitations/{invited.json['token']}/accept")
    assert joined.status_code == 201


def test_a_pilot_whose_consent_is_withdrawn_leaves_and_is_pilot_no_more(app, api, make, plan):
    pro, person = plan["professional"], plan["person"]
    invited = _invite(api, pro)
    [consent] = _consents(api, pro)
    _answer(api, person, consent["id"], True)
    worker = _ime_worker(make)
    joined = api(worker).post(f"/api/v1/invitations/{invited.json['token']}/accept").json["me"]
    with app.app_context():
        make.pilot(db.session.get(Member, joined["id"]))
    _answer(api, person, consent["id"], False)
    parcours = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}").json
    assert parcours["pilot"] is None
