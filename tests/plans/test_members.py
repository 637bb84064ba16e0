"""Invitations (single use, expiring, revocable), members, the pilot, leaving."""

import re
from datetime import timedelta

import pytest

from parcours.core.models import utcnow
from parcours.extensions import db
from parcours.plans.models import Invitation, Member, Role


def invite(client, parcours_id, **data):
    response = client.post(f"/parcours/{parcours_id}/invitations", data={"role": "family", **data})
    match = re.search(r'value="(http://parcours\.test/invitations/[^"]+)"', response.text)
    return response, (match.group(1).rsplit("/", 1)[1] if match else None)


def test_invite_then_join_through_the_link(app, client, make, sign_in):
    pro = make.parcours(person_name="Léa")
    sign_in(pro.user)
    response, token = invite(client, pro.parcours_id, role="family")
    assert response.status_code == 201
    assert "The invitation link is ready" in response.text
    assert token

    parent = make.user("Sophie")
    invited = app.test_client()
    invited.set_cookie("lang", "en", domain="parcours.test")
    page = invited.get(f"/invitations/{token}")
    assert "You are invited to Léa's plan" in page.text
    assert "Create my account" in page.text
    sign_in(parent, on=invited)
    joined = invited.post(f"/invitations/{token}/accept", follow_redirects=True)
    assert "Welcome to Léa&#39;s plan." in joined.text
    members = invited.get(f"/parcours/{pro.parcours_id}/members")
    assert "Sophie" in members.text


def test_sign_up_through_an_invitation(app, client, make, sign_in):
    pro = make.parcours(person_name="Léa")
    sign_in(pro.user)
    _response, token = invite(client, pro.parcours_id, role="family", email="sophie@example.org")
    newcomer = app.test_client()
    newcomer.set_cookie("lang", "en", domain="parcours.test")
    form = newcomer.get(f"/invitations/{token}/signup")
    assert 'value="sophie@example.org"' in form.text
    created = newcomer.post(
        f"/invitations/{token}/signup",
        data={
            "name": "Sophie",
            "email": "sophie@example.org",
            "password": "long enough password",
        },
        follow_redirects=True,
    )
    assert "Join the plan" in created.text
    joined = newcomer.post(f"/invitations/{token}/accept", follow_redirects=True)
    assert "Welcome to Léa&#39;s plan." in joined.text


@pytest.mark.parametrize("state", ["used", "expired", "revoked"])
def test_used_expired_or_revoked_invitations_are_refused(app, api, make, state):
    pro = make.parcours()
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations", json={"role": "family"}
    )
    token = response.json["token"]
    with app.app_context():
        invitation = db.session.get(Invitation, response.json["id"])
        if state == "expired":
            invitation.expires_at = utcnow() - timedelta(seconds=1)
        elif state == "revoked":
            invitation.revoked_at = utcnow()
        db.session.commit()
    if state == "used":
        assert api(make.user()).post(f"/api/v1/invitations/{token}/accept").status_code == 201
    refused = api(make.user()).post(f"/api/v1/invitations/{token}/accept")
    assert refused.status_code == 409
    assert refused.json["error"] == f"invitation_{state}"
    expected = {
        "used": "This invitation has already been used.",
        "expired": "This invitation has expired.",
        "revoked": "This invitation was withdrawn.",
    }[state]
    assert refused.json["message"] == expected


def test_expired_link_page_explains_what_to_do(client, make, app):
    pro = make.parcours()
    with app.app_context():
        from parcours.plans.operations import create_invitation

        invitation, token = create_invitation(db.session.get(Member, pro.id), role=Role.family)
        invitation.expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 410
    assert "Ask the person who invited you for a new one." in page.text


def test_invitation_lifetime_defaults_to_seven_days(app, api, make):
    pro = make.parcours()
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations",
        json={"role": "professional", "organisation": "IME Les Tilleuls"},
    )
    assert response.status_code == 201
    assert set(response.json) >= {"token", "url", "expires_at"}
    with app.app_context():
        invitation = db.session.get(Invitation, response.json["id"])
        lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=7) - timedelta(minutes=1) < lifetime <= timedelta(days=7)


def test_an_invitation_for_an_address_is_for_that_account_only(api, make):
    pro = make.parcours()
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations",
        json={"role": "family", "email": "sophie@example.org"},
    )
    token = response.json["token"]
    refused = api(make.user()).post(f"/api/v1/invitations/{token}/accept")
    assert refused.status_code == 403
    sophie = make.user(email="sophie@example.org")
    assert api(sophie).post(f"/api/v1/invitations/{token}/accept").status_code == 201


def test_revoke_from_the_members_page(client, make, sign_in):
    pro = make.parcours()
    sign_in(pro.user)
    _response, token = invite(client, pro.parcours_id)
    page = client.get(f"/parcours/{pro.parcours_id}/members")
    revoke_url = re.search(r'action="(/parcours/\d+/invitations/\d+/revoke)"', page.text).group(1)
    response = client.post(revoke_url, follow_redirects=True)
    assert "The invitation is withdrawn" in response.text
    assert client.get(f"/invitations/{token}").status_code == 410


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"role": "boss"}, 422),
        ({}, 422),
        ({"role": "family", "email": "nope"}, 422),
        ({"role": "family", "email": "a@b.c" * 60}, 422),
        ({"role": 3}, 422),
    ],
)
def test_bad_invitations_are_refused(api, make, body, status):
    pro = make.parcours()
    response = api(pro.user).post(f"/api/v1/parcours/{pro.parcours_id}/invitations", json=body)
    assert response.status_code == status
    assert response.json["message"]


def test_unknown_invitation_token(api, make):
    response = api(make.user()).post("/api/v1/invitations/nope/accept")
    assert response.status_code == 404


def test_one_person_per_parcours(api, make):
    pro = make.parcours()
    make.member(pro, Role.person)
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations", json={"role": "person"}
    )
    assert response.status_code == 409
    assert response.json["error"] == "person_already_member"


def test_already_a_member(api, make):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    response = api(pro.user).post(
        f"/api/v1/parcours/{pro.parcours_id}/invitations",
        json={"role": "professional", "organisation": pro.organisation.name},
    )
    refused = api(family.user).post(f"/api/v1/invitations/{response.json['token']}/accept")
    assert refused.status_code == 409
    assert refused.json["error"] == "already_member"


class TestPilot:
    def test_any_member_designates_the_first_pilot_then_only_the_pilot_hands_over(self, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        other = make.member(pro, Role.professional)
        pid = pro.parcours_id
        assert api(family.user).designate_pilot(pid, pro.id).status_code == 200
        refused = api(family.user).designate_pilot(pid, family.id)
        assert refused.status_code == 403
        assert refused.json["error"] == "not_pilot"
        assert api(pro.user).designate_pilot(pid, other.id).status_code == 200
        members = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/members").json["members"]
        assert [m["id"] for m in members if m["is_pilot"]] == [other.id]

    def test_pilot_is_shown_on_the_page(self, client, make, sign_in):
        pro = make.parcours()
        sign_in(pro.user)
        page = client.get(f"/parcours/{pro.parcours_id}/members").text
        base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page)[1]
        data = {"member_id": pro.id, "base_revision": base}
        client.post(f"/parcours/{pro.parcours_id}/pilot", data=data)
        page = client.get(f"/parcours/{pro.parcours_id}/members")
        assert f"The pilot is {pro.user.name}." in page.text

    def test_unknown_member(self, api, make):
        pro = make.parcours()
        stranger = make.parcours()
        url = f"/api/v1/parcours/{pro.parcours_id}/pilot"
        assert api(pro.user).designate_pilot(pro.parcours_id, stranger.id).status_code == 404
        body = {"member_id": "x", "base_revision": 0}
        assert api(pro.user).put(url, json=body).status_code == 422

    def test_a_designation_requires_its_base_revision(self, api, make):
        pro = make.parcours()
        url = f"/api/v1/parcours/{pro.parcours_id}/pilot"
        refused = api(pro.user).put(url, json={"member_id": pro.id})
        assert refused.status_code == 428
        assert refused.json["error"] == "revision_required"

    def test_a_designation_made_in_between_refuses_mine(self, api, make, client, sign_in):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        pid = pro.parcours_id
        url = f"/api/v1/parcours/{pid}/pilot"
        base = api(pro.user).get(f"/api/v1/parcours/{pid}").json["pilot_revision"]
        sign_in(family.user)
        page = client.get(f"/parcours/{pid}/members").text
        form_base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page)[1]
        saved = api(pro.user).put(url, json={"member_id": pro.id, "base_revision": base})
        assert saved.status_code == 200
        refused = api(family.user).put(url, json={"member_id": family.id, "base_revision": base})
        assert refused.status_code == 409
        assert refused.json["error"] == "stale_version"
        assert refused.json["current"]["pilot"]["id"] == pro.id
        # The same from the page: a clear message, and the pilot stays who was designated.
        data = {"member_id": family.id, "base_revision": form_base}
        response = client.post(f"/parcours/{pid}/pilot", data=data, follow_redirects=True)
        assert "Someone designated the pilot in the meantime." in response.text
        assert f"The pilot is {pro.user.name}." in response.text


class TestLeaving:
    def test_a_member_leaves_and_no_longer_sees_the_plan(self, client, make, sign_in):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        sign_in(family.user)
        response = client.post(f"/parcours/{pro.parcours_id}/leave", follow_redirects=True)
        assert "You have left Léa&#39;s plan." in response.text
        assert client.get(f"/parcours/{pro.parcours_id}").status_code == 404

    def test_the_pilot_hands_over_first(self, api, make):
        pro = make.parcours()
        make.member(pro, Role.family)
        api(pro.user).designate_pilot(pro.parcours_id, pro.id)
        refused = api(pro.user).delete(f"/api/v1/parcours/{pro.parcours_id}/members/me")
        assert refused.status_code == 409
        assert refused.json["error"] == "pilot_must_hand_over"

    def test_the_last_member_cannot_leave(self, api, make):
        pro = make.parcours()
        refused = api(pro.user).delete(f"/api/v1/parcours/{pro.parcours_id}/members/me")
        assert refused.status_code == 409
        assert refused.json["error"] == "last_member"

    def test_a_former_member_can_be_invited_back(self, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        api(family.user).delete(f"/api/v1/parcours/{pro.parcours_id}/members/me")
        back = make.member(pro, Role.family, user=family.user)
        assert back.id == family.id and back.left_at is None


def test_the_invitation_form_can_be_prefilled_with_a_role(client, make, sign_in):
    pro = make.parcours()
    sign_in(pro.user)
    page = client.get(f"/parcours/{pro.parcours_id}/members?role=professional")
    assert re.search(r'<input checked [^>]*value="professional">', page.text)


def test_a_person_without_e_mail_joins_with_a_login_name(app, client, make, sign_in):
    pro = make.parcours(person_name="Thomas")
    sign_in(pro.user)
    _response, token = invite(client, pro.parcours_id, role="person")
    card = client.get(f"/invitations/{token}/card")
    assert card.status_code == 200
    assert "<svg" in card.text and "Point it at the square." in card.text
    newcomer = app.test_client()
    newcomer.set_cookie("lang", "en", domain="parcours.test")
    missing = newcomer.post(
        f"/invitations/{token}/signup", data={"name": "Thomas", "password": "long enough password"}
    )
    assert missing.status_code == 422
    assert "Give an e-mail address, or a login name" in missing.text
    bad = newcomer.post(
        f"/invitations/{token}/signup",
        data={"name": "Thomas", "login_name": "t h", "password": "long enough password"},
    )
    assert "A login name has 3 to 60 letters" in bad.text
    newcomer.post(
        f"/invitations/{token}/signup",
        data={"name": "Thomas", "login_name": "Thomas", "password": "long enough password"},
    )
    joined = newcomer.post(f"/invitations/{token}/accept", follow_redirects=True)
    assert "Welcome to Thomas&#39;s plan." in joined.text
    again = app.test_client().post(
        "/login", data={"identifier": "thomas", "password": "long enough password"}
    )
    assert again.status_code == 302


def test_the_card_of_a_used_invitation_is_gone(client, make, sign_in, api):
    pro = make.parcours()
    token = (
        api(pro.user)
        .post(f"/api/v1/parcours/{pro.parcours_id}/invitations", json={"role": "family"})
        .json["token"]
    )
    api(make.user()).post(f"/api/v1/invitations/{token}/accept")
    assert client.get(f"/invitations/{token}/card").status_code == 410


def test_a_platform_admin_cannot_join_or_start_a_plan(app, client, api, make, sign_in):
    from parcours.accounts.models import User

    member = make.parcours()
    admin = make.user()
    with app.app_context():
        db.session.get(User, admin.id).is_admin = True
        db.session.commit()
    message = "A platform admin account cannot be a member of a plan"
    token = (
        api(member.user)
        .post(
            f"/api/v1/parcours/{member.parcours_id}/invitations",
            json={"role": "professional", "organisation": member.organisation.name},
        )
        .json["token"]
    )
    refused = api(admin).post(f"/api/v1/invitations/{token}/accept")
    assert refused.status_code == 403
    assert refused.json["error"] == "admin_not_member"
    assert message in refused.json["message"]
    sign_in(admin)
    page = client.post(f"/invitations/{token}/accept")
    assert page.status_code == 403
    assert message in page.text
    started = client.post("/parcours/new", data={"person_name": "Léa", "role": "professional"})
    assert message in started.text
    with app.app_context():
        assert db.session.scalar(db.select(Member).filter_by(user_id=admin.id)) is None
    # The invitation is still there for someone else.
    newcomer = make.user(professional=True)
    assert api(newcomer).post(f"/api/v1/invitations/{token}/accept").status_code == 201


def _pilot(api, member):
    assert api(member.user).designate_pilot(member.parcours_id, member.id).status_code == 200


def _pending_invitation(api, member, **body):
    response = api(member.user).post(
        f"/api/v1/parcours/{member.parcours_id}/invitations", json={"role": "family", **body}
    )
    assert response.status_code == 201, response.text
    return response.json


def _state(app, invitation_id):
    with app.app_context():
        return db.session.get(Invitation, invitation_id).state().value


class TestRemoving:
    def test_the_pilot_removes_a_member_who_then_sees_nothing(self, app, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        _pilot(api, pro)
        url = f"/api/v1/parcours/{pro.parcours_id}/members/{family.id}"
        assert api(pro.user).delete(url, json={"reason": "  Plus   concernée "}).status_code == 204
        assert api(family.user).get(f"/api/v1/parcours/{pro.parcours_id}").status_code == 404
        members = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/members").json
        assert [m["id"] for m in members["members"]] == [pro.id]
        log = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/access-log").json
        removal = next(e for e in log["entries"] if e["event"] == "member.removed")
        assert removal["user"] == pro.user.name
        assert (removal["subject"], removal["detail"]) == (family.user.name, "Plus concernée")
        assert removal["description"] == f"removed {family.user.name} (reason: Plus concernée)"
        # Removed once: a second removal finds nobody.
        again = api(pro.user).delete(url, json={"reason": "encore"})
        assert again.status_code == 404 and again.json["error"] == "member_not_found"

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 3}])
    def test_a_reason_is_required(self, api, make, body):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        _pilot(api, pro)
        url = f"/api/v1/parcours/{pro.parcours_id}/members/{family.id}"
        assert api(pro.user).delete(url, json=body).status_code == 422
        assert api(pro.user).delete(url, json={"reason": "x" * 121}).status_code == 422
        assert api(family.user).get(f"/api/v1/parcours/{pro.parcours_id}").status_code == 200

    def test_only_the_pilot_removes(self, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        other = make.member(pro, Role.professional)
        url = f"/api/v1/parcours/{pro.parcours_id}/members/{other.id}"
        # Nobody is the pilot yet: nobody removes.
        refused = api(pro.user).delete(url, json={"reason": "x"})
        assert refused.status_code == 403 and refused.json["error"] == "pilot_only"
        _pilot(api, pro)
        refused = api(family.user).delete(url, json={"reason": "x"})
        assert refused.status_code == 403 and refused.json["error"] == "pilot_only"
        assert api(other.user).get(f"/api/v1/parcours/{pro.parcours_id}").status_code == 200

    def test_unknown_member_and_the_pilot_themselves(self, api, make):
        pro = make.parcours()
        make.member(pro, Role.family)
        stranger = make.parcours()
        _pilot(api, pro)
        base = f"/api/v1/parcours/{pro.parcours_id}/members"
        for member_id in (stranger.id, 999999):
            unknown = api(pro.user).delete(f"{base}/{member_id}", json={"reason": "x"})
            assert unknown.status_code == 404 and unknown.json["error"] == "member_not_found"
        itself = api(pro.user).delete(f"{base}/{pro.id}", json={"reason": "x"})
        assert itself.status_code == 409 and itself.json["error"] == "pilot_cannot_remove_self"

    def test_remove_from_the_members_page(self, client, make, sign_in, api):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        _pilot(api, pro)
        sign_in(pro.user)
        page = client.get(f"/parcours/{pro.parcours_id}/members")
        assert "Remove a member" in page.text
        url = f"/parcours/{pro.parcours_id}/members/remove"
        missing = client.post(url, data={"remove-member_id": family.id, "remove-reason": ""})
        assert missing.status_code == 422
        assert "Please say why this member is removed." in missing.text
        done = client.post(
            url,
            data={"remove-member_id": family.id, "remove-reason": "A quitté la famille"},
            follow_redirects=True,
        )
        assert f"{family.user.name} is no longer a member of this plan." in done.text
        log = client.get(f"/parcours/{pro.parcours_id}/log")
        assert f"removed {family.user.name} (reason: A quitté la famille)" in log.text

    def test_the_form_is_for_the_pilot_only(self, client, make, sign_in, api):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        _pilot(api, pro)
        sign_in(family.user)
        page = client.get(f"/parcours/{pro.parcours_id}/members")
        assert "Remove a member" not in page.text
        refused = client.post(
            f"/parcours/{pro.parcours_id}/members/remove",
            data={"remove-member_id": pro.id, "remove-reason": "x"},
        )
        assert refused.status_code == 403
        assert "Only the pilot can remove a member." in refused.text


class TestInvitationsOfFormerMembers:
    def test_leaving_withdraws_ones_pending_invitations(self, app, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        mine = _pending_invitation(api, family)
        theirs = _pending_invitation(api, pro)
        assert (
            api(family.user).delete(f"/api/v1/parcours/{pro.parcours_id}/members/me").status_code
            == 204
        )
        assert _state(app, mine["id"]) == "revoked"
        assert _state(app, theirs["id"]) == "pending"
        refused = api(make.user()).post(f"/api/v1/invitations/{mine['token']}/accept")
        assert refused.status_code == 409 and refused.json["error"] == "invitation_revoked"
        log = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/access-log").json
        assert "invitation.inviter_gone" in [e["event"] for e in log["entries"]]

    def test_removal_withdraws_the_removed_members_pending_invitations(self, app, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        mine = _pending_invitation(api, family)
        used = _pending_invitation(api, family)
        assert (
            api(make.user()).post(f"/api/v1/invitations/{used['token']}/accept").status_code == 201
        )
        _pilot(api, pro)
        url = f"/api/v1/parcours/{pro.parcours_id}/members/{family.id}"
        assert api(pro.user).delete(url, json={"reason": "x"}).status_code == 204
        assert _state(app, mine["id"]) == "revoked"
        assert _state(app, used["id"]) == "accepted"


class TestLegalRepresentative:
    def test_only_the_pilot_invites_a_legal_representative(self, api, make):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        url = f"/api/v1/parcours/{pro.parcours_id}/invitations"
        body = {"role": "family", "is_legal_representative": True}
        for member in (pro, family):  # no pilot yet
            refused = api(member.user).post(url, json=body)
            assert refused.status_code == 403 and refused.json["error"] == "pilot_only"
        _pilot(api, pro)
        refused = api(family.user).post(url, json=body)
        assert refused.status_code == 403 and refused.json["error"] == "pilot_only"
        # Anyone still invites family members who are not the legal representative.
        assert api(family.user).post(url, json={"role": "family"}).status_code == 201
        invitation = api(pro.user).post(url, json=body)
        assert invitation.status_code == 201
        joined = api(make.user()).post(f"/api/v1/invitations/{invitation.json['token']}/accept")
        assert joined.json["me"]["is_legal_representative"] is True

    def test_the_checkbox_is_for_the_pilot(self, client, make, sign_in, api):
        pro = make.parcours()
        family = make.member(pro, Role.family)
        _pilot(api, pro)
        sign_in(family.user)
        page = client.get(f"/parcours/{pro.parcours_id}/members")
        assert "is_legal_representative" not in page.text
        refused = client.post(
            f"/parcours/{pro.parcours_id}/invitations",
            data={"role": "family", "is_legal_representative": "y"},
        )
        assert refused.status_code == 403
        assert "Only the pilot can invite the person&#39;s legal representative." in refused.text
        sign_in(pro.user)
        assert "is_legal_representative" in client.get(f"/parcours/{pro.parcours_id}/members").text
