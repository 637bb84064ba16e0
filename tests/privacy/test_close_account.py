"""Closing one's account: personal data erased, texts kept as "a former member's"."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import undefer_group

from parcours.accounts.models import CLOSED_PASSWORD_HASH, PasswordReset, User
from parcours.alliance.models import Voice
from parcours.core.audit import Access, AccessLogEntry, record, verify_chains
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Invitation, Member, Parcours, Role
from parcours.plans.operations import (
    accept_invitation,
    create_invitation,
    create_reset_card,
    designate_pilot,
    leave_parcours,
)
from parcours.timeline.models import Episode, EpisodeKind
from parcours.timeline.operations import update_episode
from tests.factories import PASSWORD
from tests.timeline.conftest import TimelineFactory


def close(client, password=PASSWORD, **kwargs):
    return client.post("/account/close", data={"password": password}, **kwargs)


def user_row(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id, options=[undefer_group("secrets")])
        db.session.expunge(user)
        return user


def test_the_confirmation_page_says_what_happens(client, sign_in, plan):
    sign_in(plan["family"].user)
    page = client.get("/account/close")
    assert page.status_code == 200
    assert "a former member" in page.text
    assert "The plans you will leave" in page.text and "Léa" in page.text
    assert 'name="password"' in page.text
    account = client.get("/account").text
    assert 'action="/account/close"' in account and 'href="/account/data"' in account


def test_closing_erases_the_personal_data_and_keeps_the_texts(app, client, sign_in, plan):
    family = plan["family"]
    sign_in(family.user)
    response = close(client, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/account/closed"
    assert "Account closed" in response.text
    user = user_row(app, family.user.id)
    assert user.closed_at is not None
    assert (user.email, user.login_name, user.stored_name) == (None, None, "")
    assert (user.organisation_id, user.function, user.locale, user.easy_read) == (
        None,
        None,
        None,
        None,
    )
    assert user.password_hash == CLOSED_PASSWORD_HASH
    assert not user.check_password(PASSWORD)
    with app.app_context():
        member = db.session.get(Member, family.id)
        assert member.left_at is not None
        assert member.organisation_id is None and member.function is None
        texts = db.session.scalars(select(Voice.matters).where(Voice.member_id == family.id))
        assert list(texts) == ["OTHERS-voice"]
    # Signed out: the account page asks to sign in.
    assert client.get("/account").status_code == 302


def test_the_others_see_a_former_member_in_the_pages_and_the_api(app, client, sign_in, api, plan):
    family, me = plan["family"], plan["me"]
    name = family.user.name
    other = app.test_client()
    sign_in(family.user, on=other)
    assert close(other).status_code == 302
    sign_in(me.user)
    p = me.parcours_id
    # (The voices page shows the current members' points of view only, as after leaving.)
    for path in (
        f"/parcours/{p}/objective/history",
        f"/parcours/{p}/means/{plan['means'].id}",
        f"/parcours/{p}/commitments",
        f"/parcours/{p}/log",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert name not in page.text, path
        assert "a former member" in page.text, path
    assert "OTHERS-objective" in client.get(f"/parcours/{p}/objective/history").text
    french = app.test_client()
    sign_in(me.user, on=french)
    assert "un ancien membre" in french.get(f"/parcours/{p}/objective/history").text
    reader = api(me.user)
    versions = reader.get(f"/api/v1/parcours/{p}/objective/versions").get_data(as_text=True)
    assert name not in versions and "a former member" in versions
    log = reader.get(f"/api/v1/parcours/{p}/access-log").get_data(as_text=True)
    assert name not in log and "a former member" in log
    members = reader.get(f"/api/v1/parcours/{p}/members").json["members"]
    assert family.id not in [m["id"] for m in members]


def test_an_old_cookie_and_an_old_token_stop_working(app, client, sign_in, api, make, plan):
    family = plan["family"]
    old_cookie = sign_in(family.user, on=app.test_client())
    token = api(family.user)
    assert token.get("/api/v1/me").status_code == 200
    sign_in(family.user)
    assert close(client).status_code == 302
    assert old_cookie.get("/account").status_code == 302
    assert token.get("/api/v1/me").status_code == 401


def test_a_closed_account_cannot_sign_in_and_its_address_can_sign_up_again(
    app, client, sign_in, plan
):
    family = plan["family"]
    email = family.user.email
    sign_in(family.user)
    close(client)
    login = client.post("/login", data={"identifier": email, "password": PASSWORD})
    assert login.status_code == 401
    signup = client.post(
        "/signup", data={"name": "Nouveau", "email": email, "password": "another password"}
    )
    assert signup.status_code == 302
    with app.app_context():
        again = db.session.scalar(select(User).where(User.email == email))
        assert again.id != family.user.id and again.closed_at is None


def test_a_login_name_account_closes_with_its_password(app, client, sign_in, make):
    pro = make.parcours()
    thomas = make.user("Thomas", login_name="thomas")
    make.member(pro, Role.person, user=thomas)
    sign_in(thomas)
    assert close(client).status_code == 302
    user = user_row(app, thomas.id)
    assert user.login_name is None and user.closed_at is not None
    with app.app_context():
        # The person's plan goes on with the others; their place is free for a new account.
        assert db.session.get(Parcours, pro.parcours_id) is not None
        assert db.session.get(Member, pro.id).left_at is None


def test_a_pilot_hands_over_first(app, client, sign_in, plan):
    me = plan["me"]
    sign_in(me.user)
    page = client.get("/account/close")
    assert "First, hand the pilot role over" in page.text
    assert f'href="/parcours/{me.parcours_id}/members"' in page.text
    response = close(client)
    assert response.status_code == 409
    assert "You are the pilot of the plan of Léa" in response.text
    assert f'href="/parcours/{me.parcours_id}/members"' in response.text
    user = user_row(app, me.user.id)
    assert user.closed_at is None and user.email == me.user.email
    assert client.get("/account").status_code == 200  # still signed in


def test_a_wrong_password_is_refused_and_nothing_is_lost(app, client, sign_in, plan):
    family = plan["family"]
    sign_in(family.user)
    response = close(client, "not my password")
    assert response.status_code == 422
    assert "The password is not right." in response.text
    assert 'aria-invalid="true"' in response.text
    user = user_row(app, family.user.id)
    assert user.closed_at is None and user.email == family.user.email
    assert user.check_password(PASSWORD)
    with app.app_context():
        assert db.session.get(Member, family.id).left_at is None
    assert client.get("/account").status_code == 200


def test_an_admin_account_cannot_be_closed(app, client, sign_in, api, make):
    admin = make.user("Admin")
    with app.app_context():
        db.session.get(User, admin.id).is_admin = True
        db.session.commit()
    sign_in(admin)
    assert "cannot be closed here" in client.get("/account/close").text
    assert close(client).status_code == 403
    response = api(admin).delete("/api/v1/me", json={"password": PASSWORD})
    assert response.status_code == 403 and response.json["error"] == "admin_account"
    assert user_row(app, admin.id).closed_at is None


def test_the_last_member_s_plan_is_deleted(app, client, sign_in, make):
    alone = make.parcours()
    make.version(alone)
    sign_in(alone.user)
    page = client.get("/account/close").text
    assert "The plans that will be deleted" in page
    assert close(client).status_code == 302
    with app.app_context():
        assert db.session.get(Parcours, alone.parcours_id) is None
        assert db.session.get(User, alone.user.id).closed_at is not None


def test_pending_invitations_to_the_address_are_withdrawn(app, client, sign_in, make, plan):
    family = plan["family"]
    elsewhere = make.parcours()

    def invite():
        create_invitation(
            db.session.get(Member, elsewhere.id), role=Role.family, email=family.user.email
        )

    make._run(invite)
    sign_in(family.user)
    close(client)
    with app.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.parcours_id == elsewhere.parcours_id)
        )
        assert invitation.revoked_at is not None


def test_the_api_closes_the_account(app, api, plan):
    family, me = plan["family"], plan["me"]
    client = api(family.user)
    wrong = client.delete("/api/v1/me", json={"password": "nope nope"})
    assert wrong.status_code == 422 and wrong.json["error"] == "wrong_password"
    assert client.delete("/api/v1/me", json={}).status_code == 422
    assert client.delete("/api/v1/me", json={"password": PASSWORD}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert user_row(app, family.user.id).closed_at is not None
    refused = api(me.user).delete("/api/v1/me", json={"password": PASSWORD})
    assert refused.status_code == 409
    assert refused.json["parcours"] == [
        {
            "parcours_id": me.parcours_id,
            "person_name": "Léa",
            "members_url": f"/parcours/{me.parcours_id}/members",
        }
    ]


def test_the_closed_page_needs_no_account(client):
    assert client.get("/account/closed").status_code == 200
    assert client.get("/account/close").status_code == 302


def test_the_name_written_in_an_episode_s_history_is_erased(app, client, sign_in, make):
    pro = make.parcours()
    colleague = make.member(pro, Role.professional)
    name = colleague.user.name
    episode = TimelineFactory(app).episode(pro, start=-30, referent_member_id=colleague.id)

    def change_referent():
        update_episode(
            db.session.get(Member, pro.id),
            db.session.get(Episode, episode.id),
            kind=EpisodeKind.sessad,
            organisation="SESSAD Les Mouettes",
            start_date=today() - timedelta(days=30),
            end_date=None,
            referent_member_id=None,
        )

    make._run(change_referent)
    page = f"/parcours/{pro.parcours_id}/timeline/episodes/{episode.id}/edit"
    sign_in(pro.user)
    assert name in client.get(page).text
    closing = app.test_client()
    sign_in(colleague.user, on=closing)
    assert close(closing).status_code == 302
    text = client.get(page).text
    assert name not in text and "a former member" in text


def test_no_name_stays_in_the_logs_of_plans_left_earlier_nor_after_a_rename(
    app, client, sign_in, make
):
    """A member named in the log of a plan they left earlier, under a name they changed
    since: once their account is closed, no log anywhere shows either name."""
    pro = make.parcours()
    family = make.member(pro, Role.family)
    old_name = family.user.name

    def designate_then_leave():
        designate_pilot(db.session.get(Member, pro.id), db.session.get(Member, family.id))
        designate_pilot(db.session.get(Member, family.id), db.session.get(Member, pro.id))
        leave_parcours(db.session.get(Member, family.id))
        db.session.get(User, family.user.id).name = "Nouveau Nom"
        # An entry as an earlier version wrote it: the name in words.
        record(
            pro.parcours_id,
            db.session.get(User, pro.user.id),
            Access.change,
            "voice.saved",
            "Nouveau Nom",
        )

    make._run(designate_then_leave)
    sign_in(family.user)
    assert close(client).status_code == 302
    sign_in(pro.user)
    log = client.get(f"/parcours/{pro.parcours_id}/log").text
    assert old_name not in log and "Nouveau Nom" not in log
    assert "designated a former member as pilot" in log
    assert "wrote the point of view of a former member" in log
    with app.app_context():
        assert verify_chains().broken is None


def test_every_invitation_sent_to_the_address_forgets_it(app, client, sign_in, make):
    pro = make.parcours()
    invited = make.user(email="invitee@example.org")

    def invite():
        _, token = create_invitation(
            db.session.get(Member, pro.id), role=Role.family, email="invitee@example.org"
        )
        return token

    token = make._run(invite)
    make._run(invite)
    make._run(lambda: accept_invitation(token, db.session.get(User, invited.id)))
    sign_in(invited)
    assert close(client).status_code == 302
    with app.app_context():
        emails = db.session.scalars(
            select(Invitation.email).where(Invitation.parcours_id == pro.parcours_id)
        ).all()
        assert len(emails) == 2 and set(emails) == {None}


def test_a_plan_named_after_the_person_keeps_only_the_initial(app, client, sign_in, make):
    person = make.user(name="Thomas Durand")
    own = make.parcours(person, role=Role.person, person_name="")
    make.member(own, Role.family)
    chosen = make.parcours(person, role=Role.person, person_name="Tom")
    make.member(chosen, Role.family)
    with app.app_context():
        assert db.session.get(Parcours, own.parcours_id).person_name == "Thomas Durand"
    sign_in(person)
    assert close(client).status_code == 302
    with app.app_context():
        assert db.session.get(Parcours, own.parcours_id).person_name == "T."
        assert db.session.get(Parcours, chosen.parcours_id).person_name == "Tom"


def test_a_deleted_plan_s_log_is_kept_with_its_end(app, client, sign_in, make):
    alone = make.parcours()
    sign_in(alone.user)
    assert close(client).status_code == 302
    with app.app_context():
        events = db.session.scalars(
            select(AccessLogEntry.event)
            .where(AccessLogEntry.parcours_id == alone.parcours_id)
            .order_by(AccessLogEntry.seq)
        ).all()
        assert events[0] == "parcours.created" and events[-1] == "parcours.deleted"
        assert verify_chains().broken is None


def test_the_password_resets_are_deleted(app, client, sign_in, plan):
    me, family = plan["me"], plan["family"]
    with app.app_context():
        _reset, card = create_reset_card(
            db.session.get(Member, me.id), db.session.get(Member, family.id)
        )
        db.session.commit()
    sign_in(family.user)
    assert close(client).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(PasswordReset)).all() == []
    assert client.get(f"/password-reset/{card}").status_code == 404
