"""Sign-up, sign-in, sign-out, sessions, rate limiting, the users CLI and API tokens."""

import pytest

from parcours.accounts.models import User
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client


def login(client, identifier, password=PASSWORD, follow_redirects=False, **fields):
    return client.post(
        "/login",
        data={"identifier": identifier, "password": password, **fields},
        follow_redirects=follow_redirects,
    )


def test_sign_up_as_a_professional_then_see_my_plans(client, app):
    response = client.post(
        "/signup",
        data={
            "name": "Claire Dubois",
            "email": "Claire@Example.org ",
            "password": "long enough password",
            "is_professional": "y",
            "organisation": "SESSAD  Les Mouettes",
            "function": "éducatrice",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Sign in with your e-mail address and the password you chose." in response.text
    assert login(client, "claire@example.org", "long enough password").status_code == 302
    assert "Claire Dubois" in client.get("/account").text
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="claire@example.org"))
        assert user.organisation.name == "SESSAD Les Mouettes"
        assert user.function == "éducatrice"
        assert user.password_hash.startswith("$argon2")


def test_a_professional_must_state_organisation_and_function(client):
    response = client.post(
        "/signup",
        data={
            "name": "Claire",
            "email": "c@example.org",
            "password": "long enough password",
            "is_professional": "y",
        },
    )
    assert response.status_code == 422
    assert "A professional states their organisation." in response.text
    assert "A professional states their function." in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "This is not a valid e-mail address."),
        ({"password": "short"}, "At least 12 characters."),
        ({"password": "password1234"}, "This password is too easy to guess"),
        ({"password": "samsamsamsam"}, "This password is too easy to guess"),
        ({"name": ""}, "Please give your name."),
    ],
)
def test_sign_up_refuses_bad_input_with_a_message(client, data, message):
    form = {"name": "Sam", "email": "sam@example.org", "password": "long enough password"}
    response = client.post("/signup", data=form | data)
    assert response.status_code == 422
    assert message in response.text
    assert 'role="alert"' in response.text


def test_sign_up_refuses_a_login_name_already_taken(client, make):
    make.user(login_name="thomas")
    response = client.post(
        "/signup",
        data={"name": "Thomas", "login_name": "Thomas", "password": "long enough password"},
    )
    assert response.status_code == 422
    assert "An account already exists" in response.text


def test_sign_up_with_a_login_name_signs_in_at_once(client):
    response = client.post(
        "/signup",
        data={"name": "Inès", "login_name": "ines", "password": "long enough password"},
        follow_redirects=True,
    )
    assert "Welcome, Inès. Your account is ready." in response.text
    assert client.get("/account").status_code == 200


def test_sign_up_can_be_switched_off(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_ENABLED", False)
    assert client.get("/signup").status_code == 403
    response = client.post(
        "/signup",
        data={"name": "Sam", "email": "sam@example.org", "password": "long enough password"},
    )
    assert response.status_code == 403
    assert "Sign-up is closed" in response.text


def test_sign_up_stays_open_through_an_invitation_when_switched_off(client, app, make, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_ENABLED", False)
    inviter = make.parcours()
    with app.app_context():
        from parcours.plans.models import Member, Role
        from parcours.plans.operations import create_invitation

        _invitation, token = create_invitation(db.session.get(Member, inviter.id), role=Role.family)
        db.session.commit()
    response = client.post(
        f"/invitations/{token}/signup",
        data={"name": "Sam", "email": "sam@example.org", "password": "long enough password"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/invitations/{token}")


def test_sign_in_with_email_or_login_name(client, make):
    user = make.user()
    response = login(client, user.email.upper(), follow_redirects=True)
    assert response.status_code == 200
    assert "My plans" in response.text
    make.user(login_name="thomas")
    other = english_client(client.application)
    assert login(other, "Thomas").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make):
    user = make.user()
    response = login(client, user.email, "wrong password")
    assert response.status_code == 401
    assert "The e-mail address or the password is not right." in response.text
    assert client.get("/account").status_code == 302


def test_a_new_session_at_login(client, make):
    user = make.user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_sign_out_ends_the_session_on_the_server(client, make, app):
    user = make.user()
    login(client, user.email)
    cookie = client.get_cookie("session", domain="parcours.test").value
    assert client.get("/account").status_code == 200
    client.post("/logout")
    copied = english_client(app)
    copied.set_cookie("session", cookie, domain="parcours.test")
    response = copied.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_me_cookie_stops_working_after_sign_out(client, make, app):
    user = make.user()
    login(client, user.email, remember="y")
    remember = client.get_cookie("remember_token", domain="parcours.test").value
    client.post("/logout")
    copied = english_client(app)
    copied.set_cookie("remember_token", remember, domain="parcours.test")
    assert copied.get("/account").status_code == 302


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/parcours/1", True),
        ("/account?tab=1", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_next_redirects_only_to_this_site(client, make, target, safe):
    user = make.user()
    response = login(client, user.email, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    if safe:
        assert location.endswith(target)
    else:
        assert location in ("/", "http://parcours.test/")


def test_failed_logins_are_limited_per_account(client, make, app):
    user = make.user()
    other = make.user()
    for _ in range(5):
        assert login(client, user.email, "wrong").status_code == 401
    # Even the right password is refused now, for this account from this address only.
    blocked = login(client, user.email)
    assert blocked.status_code == 429
    assert "Too many" in blocked.text
    assert login(english_client(app), other.email).status_code == 302


def test_successful_logins_do_not_count_against_the_limit(app, make):
    user = make.user()
    for _ in range(8):
        assert login(english_client(app), user.email).status_code == 302


def test_cli_creates_a_professional_asking_the_password_twice_hidden(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "marc@example.org",
            "--name",
            "Marc",
            "--professional",
            "--organisation",
            "ESAT du Val",
            "--function",
            "moniteur",
        ],
        input="long enough password\nlong enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "long enough password" not in result.output  # hidden as typed
    assert "Repeat for confirmation" in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="marc@example.org"))
        assert user.is_professional and user.organisation.name == "ESAT du Val"
        assert user.check_password("long enough password")


def test_cli_takes_no_password_on_the_command_line_but_reads_the_environment(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "ana@example.org", "--name", "Ana"]
    refused = runner.invoke(args=[*args, "--password", "long enough password"])
    assert refused.exit_code != 0
    assert "No such option '--password'" in refused.output
    result = runner.invoke(args=args, env={"PARCOURS_NEW_USER_PASSWORD": "long enough password"})
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="ana@example.org"))
        assert user.check_password("long enough password")


def test_cli_refuses_bad_input_with_a_message(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "bad", "--name", "X"],
        env={"PARCOURS_NEW_USER_PASSWORD": "long enough password"},
    )
    assert result.exit_code != 0
    assert "Cette adresse e-mail n'est pas valide." in result.output  # French by default


def test_profile_and_language_are_saved(client, make, sign_in):
    user = make.user(professional=True)
    sign_in(user)
    response = client.post(
        "/account",
        data={
            "name": "New Name",
            "locale": "en",
            "easy_read": "on",
            "organisation": "IME X",
            "function": "psychologue",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your profile is saved." in response.text
    assert 'value="New Name"' in response.text


def test_changing_password_signs_out_other_devices(app, make, sign_in):
    user = make.user()
    first, second = english_client(app), english_client(app)
    sign_in(user, on=first)
    sign_in(user, on=second)
    response = first.post(
        "/account/password",
        data={"password-current": PASSWORD, "password-new": "a new long password"},
    )
    assert response.status_code == 302
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302


def test_changing_password_needs_the_current_one(client, make, sign_in):
    sign_in(make.user())
    response = client.post(
        "/account/password",
        data={"password-current": "nope", "password-new": "a new long password"},
    )
    assert response.status_code == 422
    assert "The current password is not right." in response.text


class TestApiTokens:
    def test_create_use_and_revoke(self, app, make):
        user = make.user()
        client = english_client(app)
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 201
        token = response.json["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=headers).json["name"] == user.name
        assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
        refused = client.get("/api/v1/me", headers=headers)
        assert refused.status_code == 401
        assert refused.json["error"] == "unauthorized"

    def test_wrong_password(self, app, make):
        user = make.user()
        response = english_client(app).post(
            "/api/v1/tokens", json={"email": user.email, "password": "nope"}
        )
        assert response.status_code == 401
        assert response.json == {
            "error": "invalid_credentials",
            "message": "The e-mail address or the password is not right.",
        }

    @pytest.mark.parametrize(
        ("body", "status"),
        [({}, 422), ({"email": "a@b.c"}, 422), ({"email": 3, "password": "x"}, 422), ([], 400)],
    )
    def test_bad_input(self, app, body, status):
        response = english_client(app).post("/api/v1/tokens", json=body)
        assert response.status_code == status
        assert set(response.json) >= {"error", "message"}

    def test_not_json(self, app):
        response = english_client(app).post(
            "/api/v1/tokens", data="email=x", content_type="text/plain"
        )
        assert response.status_code == 400
        assert response.json["error"] == "bad_request"

    def test_the_session_cookie_is_not_enough_for_the_api(self, client, make, sign_in):
        sign_in(make.user())
        assert client.get("/api/v1/me").status_code == 401

    def test_token_attempts_are_limited_per_account(self, app, make):
        user = make.user()
        client = english_client(app)
        for _ in range(5):
            client.post("/api/v1/tokens", json={"email": user.email, "password": "nope"})
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 429
        assert response.json["error"] == "too_many_attempts"
        assert int(response.headers["Retry-After"]) > 0


def test_visits_that_do_not_follow_the_redirect_do_not_grow_the_session(client):
    for _ in range(30):
        assert client.get("/caseload").status_code == 302
    with client.session_transaction() as session:
        assert session["_flashes"] == [("info", "Please sign in to see this page.")]
    assert client.get("/login").text.count("Please sign in to see this page.") == 1
