"""Reset cards: the pilot prints a card for a member without e-mail (the person, a parent) to
choose a new password; single use, 7 days, a new card replaces the previous one; in the
access log; never for an admin's or a professional's account, nor by anyone but the pilot."""

import re
from datetime import timedelta

from sqlalchemy import select

from parcours.accounts.models import PasswordReset, ResetKind, User
from parcours.core.audit import AccessLogEntry
from parcours.core.security_log import SecurityEvent
from parcours.extensions import db
from parcours.plans.models import Member, Role
from tests.factories import PASSWORD
from tests.helpers import english_client

NEW_PASSWORD = "a heron waits by the canal"
LINK = re.compile(r"http://parcours\.test/password-reset/([A-Za-z0-9_-]+)")


def world(make):
    """A plan piloted by a professional, with Thomas (login name only) as its person."""
    pro = make.parcours(person_name="Thomas")
    thomas = make.member(pro, Role.person, user=make.user("Thomas", login_name="thomas.b"))
    return make.pilot(pro), thomas


def card(client, member):
    return client.post(f"/parcours/{member.parcours_id}/members/{member.id}/reset-card")


def test_the_pilot_prints_a_card_that_sets_a_new_password(app, make, sign_in):
    pilot, thomas = world(make)
    client = sign_in(pilot.user)
    members = client.get(f"/parcours/{pilot.parcours_id}/members").text
    assert f"/members/{thomas.id}/reset-card" in members and "Print a card for Thomas" in members
    # No card for the pilot's own kind: professionals get back in by e-mail.
    assert f"/members/{pilot.id}/reset-card" not in members
    printed = card(client, thomas)
    assert printed.status_code == 201
    page = printed.text
    assert "<svg" in page and "Scan the square with the camera of a phone." in page
    assert "Your login name: thomas.b" in page
    [token] = set(LINK.findall(page))
    with app.app_context():
        reset = db.session.scalar(select(PasswordReset))
        assert reset.kind is ResetKind.card and reset.user_id == thomas.user_id
        assert reset.expires_at - reset.created_at == timedelta(days=7)
        assert token not in reset.digest
        [entry] = db.session.scalars(
            select(AccessLogEntry).filter_by(event="reset_card.created")
        ).all()
        assert entry.user_id == pilot.user_id and entry.subject_id == thomas.user_id
        [logged] = db.session.scalars(select(SecurityEvent).filter_by(event="password_reset.card"))
        assert logged.user_id == thomas.user_id
    log = client.get(f"/parcours/{pilot.parcours_id}/log").text
    assert "printed a card for Thomas to choose a new password" in log
    # The card's link leads to the same page as the e-mail's.
    visitor = english_client(app)
    assert "Your account: thomas.b" in visitor.get(f"/password-reset/{token}").text
    done = visitor.post(f"/password-reset/{token}", data={"password": NEW_PASSWORD})
    assert done.status_code == 302
    new = {"identifier": "thomas.b", "password": NEW_PASSWORD}
    assert english_client(app).post("/login", data=new).status_code == 302
    assert english_client(app).get(f"/password-reset/{token}").status_code == 410


def test_a_new_card_replaces_the_previous_one(app, make, sign_in):
    pilot, thomas = world(make)
    client = sign_in(pilot.user)
    [first] = set(LINK.findall(card(client, thomas).text))
    [second] = set(LINK.findall(card(client, thomas).text))
    replaced = english_client(app).get(f"/password-reset/{first}")
    assert replaced.status_code == 410 and "a newer one replaced it" in replaced.text
    assert english_client(app).get(f"/password-reset/{second}").status_code == 200


def test_a_card_works_7_days(app, make, api):
    pilot, thomas = world(make)
    made = api(pilot.user).post(
        f"/api/v1/parcours/{pilot.parcours_id}/members/{thomas.id}/reset-card"
    )
    assert made.status_code == 201
    [token] = LINK.findall(made.json["url"])
    with app.app_context():
        reset = db.session.scalar(select(PasswordReset))
        assert made.json["expires_at"] == reset.expires_at.isoformat()
        reset.expires_at = reset.created_at + timedelta(days=7) - timedelta(days=8)
        db.session.commit()
    expired = english_client(app).post(
        f"/api/v1/password-reset/{token}", json={"password": NEW_PASSWORD}
    )
    assert expired.status_code == 410 and expired.json["error"] == "reset_expired"


def test_only_the_pilot_prints_a_card(app, make, sign_in, api):
    pilot, thomas = world(make)
    parent = make.member(pilot, Role.family)
    url = f"/api/v1/parcours/{pilot.parcours_id}/members/{thomas.id}/reset-card"
    refused = api(parent.user).post(url)
    assert refused.status_code == 403 and refused.json["error"] == "pilot_only"
    page = card(sign_in(parent.user), thomas)
    assert page.status_code == 403 and "Only the pilot" in page.text
    assert (
        "Print a card for"
        not in sign_in(parent.user).get(f"/parcours/{pilot.parcours_id}/members").text
    )
    # Nobody else sees the plan at all.
    stranger = make.user(professional=True)
    assert api(stranger).post(url).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(PasswordReset)).all() == []


def test_the_member_must_be_a_current_member_of_this_plan(app, make, api):
    pilot, thomas = world(make)
    elsewhere = make.parcours()
    outsider = make.member(elsewhere, Role.family)
    base = f"/api/v1/parcours/{pilot.parcours_id}/members"
    other_plan = api(pilot.user).post(f"{base}/{outsider.id}/reset-card")
    assert other_plan.status_code == 404 and other_plan.json["error"] == "member_not_found"
    with app.app_context():
        db.session.get(Member, thomas.id).left_at = db.func.now()
        db.session.commit()
    gone = api(pilot.user).post(f"{base}/{thomas.id}/reset-card")
    assert gone.status_code == 404 and gone.json["error"] == "member_not_found"


def test_never_for_a_professional_or_an_admin(app, make, api):
    pilot, _thomas = world(make)
    colleague = make.member(pilot, Role.professional)
    parent = make.member(pilot, Role.family)
    base = f"/api/v1/parcours/{pilot.parcours_id}/members"
    pro = api(pilot.user).post(f"{base}/{colleague.id}/reset-card")
    assert pro.status_code == 403 and pro.json["error"] == "professional_account"
    own = api(pilot.user).post(f"{base}/{pilot.id}/reset-card")
    assert own.status_code == 403 and own.json["error"] == "professional_account"
    with app.app_context():
        db.session.get(User, parent.user_id).is_admin = True
        db.session.commit()
    admin = api(pilot.user).post(f"{base}/{parent.id}/reset-card")
    assert admin.status_code == 403 and admin.json["error"] == "admin_account"
    with app.app_context():
        assert db.session.scalars(select(PasswordReset)).all() == []


def test_the_old_password_and_the_sessions_end_with_the_card(app, make, sign_in, api):
    pilot, thomas = world(make)
    thomas_client = sign_in(thomas.user, on=english_client(app))
    made = api(pilot.user).post(
        f"/api/v1/parcours/{pilot.parcours_id}/members/{thomas.id}/reset-card"
    )
    [token] = LINK.findall(made.json["url"])
    # Printing the card changes nothing yet: Thomas still signs in with his password.
    assert thomas_client.get("/account").status_code == 200
    assert (
        english_client(app)
        .post("/login", data={"identifier": "thomas.b", "password": PASSWORD})
        .status_code
        == 302
    )
    english_client(app).post(f"/password-reset/{token}", data={"password": NEW_PASSWORD})
    assert thomas_client.get("/account").status_code == 302
