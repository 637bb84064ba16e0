"""Two-step sign-in: offered to everyone on the account page, asked at sign-in and for API
tokens, with single-use recovery codes; required for admins and professionals when the site
says so (PARCOURS_REQUIRE_MFA=1)."""

import re
import time

import pyotp
import pytest

from parcours.accounts.models import RecoveryCode, User
from parcours.accounts.two_step import new_secret
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client


def code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def with_two_step(app, user) -> str:
    """Turn two-step sign-in on for the user; the secret."""
    secret = new_secret()
    with app.app_context():
        stored = db.session.get(User, user.id)
        stored.totp_secret = secret
        stored.totp_enabled_at = stored.created_at
        db.session.commit()
    return secret


def set_up(client) -> tuple[str, list[str]]:
    """Go through the setup page as a user would; the secret and the recovery codes."""
    page = client.get("/account/two-step")
    assert page.status_code == 200
    secret = re.search(r'<p class="secret">([A-Z2-7 ]+)</p>', page.text).group(1).replace(" ", "")
    done = client.post("/account/two-step", data={"code": code(secret)})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", done.text)
    return secret, codes


def password_step(client, user, **fields):
    return client.post("/login", data={"identifier": user.email, "password": PASSWORD, **fields})


def test_set_up_from_the_account_page_with_a_picture_to_scan(app, client, make, sign_in):
    user = make.user()
    sign_in(user)
    account = client.get("/account").text
    assert "Set up two-step sign-in" in account
    page = client.get("/account/two-step").text
    assert "<svg" in page and "Scan this picture with the app" in page
    assert "You choose. Two-step sign-in is not required for your account." in page
    # The same secret until it is confirmed (reloading the page does not change the picture).
    assert (
        re.search(r'class="secret">([^<]+)<', page).group(1) in client.get("/account/two-step").text
    )
    wrong = client.post("/account/two-step", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "This code is not right." in wrong.text
    _secret, codes = set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.has_two_step
        digests = {c.digest for c in db.session.scalars(db.select(RecoveryCode))}
        assert digests and not any(c.replace("-", "") in digests for c in codes)  # hashed
    page = client.get("/account").text
    assert "10 recovery codes left." in page and "Turn off two-step sign-in" in page
    # Set up already: the setup page leads back to the account.
    assert client.get("/account/two-step").status_code == 302


def test_sign_in_asks_for_the_code_and_each_code_works_once(app, make):
    user = make.user()
    secret = with_two_step(app, user)
    client = english_client(app)
    first = password_step(client, user, next="/account")
    assert first.headers["Location"].endswith("/login/code")
    assert client.get("/account").status_code == 302  # not signed in yet
    assert "type the 6 digits it shows" in client.get("/login/code").text
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 401
    assert "This code is not right." in wrong.text
    now = code(secret)
    right = client.post("/login/code", data={"code": now})
    assert right.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200
    # The same code again, on another browser: refused (a code seen over a shoulder).
    other = english_client(app)
    password_step(other, user)
    assert other.post("/login/code", data={"code": now}).status_code == 401
    assert other.post("/login/code", data={"code": code(secret, 1)}).status_code == 302


def test_the_password_alone_gives_no_session_and_the_wait_for_a_code_ends(app, make):
    user = make.user()
    with_two_step(app, user)
    client = english_client(app)
    password_step(client, user)
    with client.session_transaction() as session:
        assert "_user_id" not in session
        session["two_step"] = session["two_step"] | {"since": session["two_step"]["since"] - 301}
    response = client.get("/login/code")
    assert response.headers["Location"].endswith("/login")


def test_a_recovery_code_works_once(app, make, client, sign_in):
    user = make.user()
    sign_in(user)
    _secret, codes = set_up(client)
    client.post("/logout")
    password_step(client, user)
    used = client.post("/login/code", data={"code": codes[0].upper()}, follow_redirects=True)
    assert "You used a recovery code: 9 left." in used.text
    client.post("/logout")
    password_step(client, user)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 401


def test_new_recovery_codes_replace_the_old_ones(app, make, client, sign_in):
    user = make.user()
    sign_in(user)
    _secret, old = set_up(client)
    refused = client.post(
        "/account/two-step/recovery-codes", data={"confirm-password": "nope"}, follow_redirects=True
    )
    assert "The current password is not right." in refused.text
    page = client.post("/account/two-step/recovery-codes", data={"confirm-password": PASSWORD})
    new = re.findall(r"<li>([a-z2-9-]{19})</li>", page.text)
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    password_step(client, user)
    assert client.post("/login/code", data={"code": old[1]}).status_code == 401
    assert client.post("/login/code", data={"code": new[1]}).status_code == 302


def test_turning_it_off_needs_the_password(app, make, client, sign_in):
    user = make.user()
    sign_in(user)
    set_up(client)
    refused = client.post(
        "/account/two-step/disable", data={"confirm-password": "nope"}, follow_redirects=True
    )
    assert "The current password is not right." in refused.text
    done = client.post(
        "/account/two-step/disable", data={"confirm-password": PASSWORD}, follow_redirects=True
    )
    assert "Two-step sign-in is off." in done.text
    client.post("/logout")
    assert password_step(client, user).headers["Location"].endswith("/")


def test_an_api_token_needs_the_code_too(app, make):
    user = make.user()
    secret = with_two_step(app, user)
    client = english_client(app)
    body = {"email": user.email, "password": PASSWORD}
    missing = client.post("/api/v1/tokens", json=body)
    assert missing.status_code == 401 and missing.json["error"] == "otp_required"
    wrong = client.post("/api/v1/tokens", json=body | {"otp": "000000"})
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid_otp"
    now = code(secret)
    right = client.post("/api/v1/tokens", json=body | {"otp": now})
    assert right.status_code == 201
    replayed = client.post("/api/v1/tokens", json=body | {"otp": now})
    assert replayed.status_code == 401


@pytest.fixture
def mfa_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_MFA", True)


def test_professionals_set_it_up_before_anything_else_when_required(
    mfa_required, app, client, make, sign_in
):
    member = make.parcours()  # a professional
    sign_in(member.user)
    for path in ("/", f"/parcours/{member.parcours_id}", "/account", "/caseload"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/two-step")
    page = client.get("/account/two-step").text
    assert "Your account needs two-step sign-in. Set it up to continue." in page
    assert "Not now" not in page
    set_up(client)
    assert client.get(f"/parcours/{member.parcours_id}").status_code == 200
    refused = client.post(
        "/account/two-step/disable", data={"confirm-password": PASSWORD}, follow_redirects=True
    )
    assert "it cannot be turned off" in refused.text


def test_admins_too_but_not_the_family(mfa_required, app, make, sign_in):
    admin = make.user()
    with app.app_context():
        db.session.get(User, admin.id).is_admin = True
        db.session.commit()
    family = make.user()
    assert sign_in(admin, on=english_client(app)).get("/admin/users").status_code == 302
    assert sign_in(family, on=english_client(app)).get("/account").status_code == 200


def test_the_api_refuses_professionals_without_it_when_required(mfa_required, app, make, api):
    pro = make.user(professional=True)
    client = api(pro)
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403 and refused.json["error"] == "two_step_required"
    new = english_client(app).post(
        "/api/v1/tokens", json={"email": pro.email, "password": PASSWORD}
    )
    assert new.status_code == 403 and new.json["error"] == "two_step_required"
    secret = with_two_step(app, pro)
    assert client.get("/api/v1/me").status_code == 200
    body = {"email": pro.email, "password": PASSWORD, "otp": code(secret)}
    assert english_client(app).post("/api/v1/tokens", json=body).status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/account/two-step"),
        ("post", "/account/two-step"),
        ("post", "/account/two-step/recovery-codes"),
        ("post", "/account/two-step/disable"),
        ("post", "/account/tokens/1/revoke"),
        ("get", "/admin/security"),
    ],
)
def test_account_pages_need_a_signed_in_user(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_code_page_needs_a_password_first(client):
    for response in (client.get("/login/code"), client.post("/login/code", data={"code": "1"})):
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login")


def test_the_token_routes_need_a_token(api):
    assert api().get("/api/v1/tokens").status_code == 401
    assert api().delete("/api/v1/tokens/1").status_code == 401
