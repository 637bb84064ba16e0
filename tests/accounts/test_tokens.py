"""API tokens: an expiry (30 days by default, a year at most), a read-only scope, a list and
revocation (API and account page); a password change or "sign out my other devices" ends
every other login session and every token."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from parcours.accounts.models import ApiToken, LoginSession, User
from parcours.accounts.operations import end_sessions_and_tokens
from parcours.core.models import utcnow
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def new_token(app, user, **body):
    return english_client(app).post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD, **body}
    )


def test_a_token_lasts_30_days_by_default_and_can_write(app, make):
    user = make.user()
    response = new_token(app, user)
    assert response.status_code == 201
    created = response.json
    assert created["scope"] == "write" and created["current"] is False
    with app.app_context():
        token = db.session.get(ApiToken, created["id"])
        assert abs(token.expires_at - utcnow() - timedelta(days=30)) < timedelta(minutes=1)


@pytest.mark.parametrize(("days", "status"), [(1, 201), (365, 201), (366, 422), (0, 422)])
def test_a_token_lasts_at_most_a_year(app, make, days, status):
    response = new_token(app, make.user(), expires_in_days=days)
    assert response.status_code == status
    if status == 422:
        assert "expires_in_days" in response.json["fields"]


def test_an_expired_token_no_longer_works(app, make, api):
    user = make.user()
    secret = new_token(app, user, expires_in_days=1).json["token"]
    client = english_client(app)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    with app.app_context():
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    refused = client.get("/api/v1/me", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.json["error"] == "unauthorized"


def test_a_read_only_token_reads_but_changes_nothing(app, make):
    member = make.parcours()
    secret = new_token(app, member.user, scope="read", label="Tableau de bord").json["token"]
    client = english_client(app)
    assert client.get("/api/v1/parcours", headers=bearer(secret)).status_code == 200
    for method, url, body in [
        ("post", "/api/v1/parcours", {"role": "family", "person_name": "Léa"}),
        (
            "patch",
            f"/api/v1/parcours/{member.parcours_id}",
            {"tolerance_days": 20, "base_revision": 0},
        ),
        ("put", f"/api/v1/parcours/{member.parcours_id}/voices/me", {"matters": "x"}),
        ("delete", "/api/v1/tokens/1", None),
    ]:
        refused = getattr(client, method)(url, json=body, headers=bearer(secret))
        assert refused.status_code == 403, url
        assert refused.json["error"] == "read_only_token"
    with app.app_context():
        assert db.session.get(User, member.user.id) is not None
    assert client.get(f"/api/v1/parcours/{member.parcours_id}/voices", headers=bearer(secret)).json
    # It may still give itself up.
    assert client.delete("/api/v1/tokens/current", headers=bearer(secret)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_an_unknown_scope_is_refused(app, make):
    response = new_token(app, make.user(), scope="admin")
    assert response.status_code == 422
    assert "scope" in response.json["fields"]


def test_list_my_tokens_and_revoke_one(app, make, api):
    user, other = make.user(), make.user()
    first = new_token(app, user, label="DUI").json
    second = new_token(app, user, scope="read").json
    theirs = new_token(app, other).json
    client = english_client(app)
    listed = client.get("/api/v1/tokens", headers=bearer(second["token"])).json
    assert [t["id"] for t in listed] == [second["id"], first["id"]]
    assert [t["current"] for t in listed] == [True, False]
    assert listed[1]["label"] == "DUI" and listed[0]["scope"] == "read"
    assert "token" not in listed[0]
    # Written once the answer is ready (at most once a minute): the next request sees it.
    assert listed[0]["last_used_at"] is None
    again = client.get("/api/v1/tokens", headers=bearer(second["token"])).json
    assert again[0]["last_used_at"] is not None and again[1]["last_used_at"] is None
    writer = bearer(first["token"])
    # Someone else's token is none of mine.
    assert client.delete(f"/api/v1/tokens/{theirs['id']}", headers=writer).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(theirs["token"])).status_code == 200
    assert client.delete(f"/api/v1/tokens/{second['id']}", headers=writer).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(second["token"])).status_code == 401
    assert [t["id"] for t in client.get("/api/v1/tokens", headers=writer).json] == [first["id"]]
    assert client.delete(f"/api/v1/tokens/{second['id']}", headers=writer).status_code == 404


def test_the_account_page_lists_my_tokens_and_revokes_them(app, client, make, sign_in):
    user = make.user()
    kept = new_token(app, user, label="Logiciel du SESSAD").json
    revoked = new_token(app, user, scope="read").json
    sign_in(user)
    page = client.get("/account").text
    assert "Logiciel du SESSAD" in page and f"Token {revoked['id']}" in page
    assert "read only" in page and "read and change" in page
    response = client.post(f"/account/tokens/{revoked['id']}/revoke", follow_redirects=True)
    assert "The token is revoked: it no longer works." in response.text
    assert f"Token {revoked['id']}" not in response.text
    api = english_client(app)
    assert api.get("/api/v1/me", headers=bearer(revoked["token"])).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(kept["token"])).status_code == 200
    other = make.user()
    theirs = new_token(app, other).json
    assert client.post(f"/account/tokens/{theirs['id']}/revoke").status_code == 404


def test_changing_the_password_ends_other_sessions_and_every_token(app, make, sign_in):
    user = make.user()
    here, elsewhere = english_client(app), english_client(app)
    sign_in(user, on=here)
    sign_in(user, on=elsewhere)
    secret = new_token(app, user).json["token"]
    response = here.post(
        "/account/password",
        data={"password-current": PASSWORD, "password-new": "a new long password"},
        follow_redirects=True,
    )
    assert "your API tokens no longer work" in response.text
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert english_client(app).get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_signing_out_other_devices_revokes_every_token(app, make, sign_in):
    user = make.user()
    here, elsewhere = english_client(app), english_client(app)
    sign_in(user, on=here)
    sign_in(user, on=elsewhere)
    secret = new_token(app, user).json["token"]
    response = here.post("/account/sessions/end-others", follow_redirects=True)
    assert "1 other device signed out. Your API tokens no longer work." in response.text
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert english_client(app).get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_one_operation_ends_every_session_and_token_of_a_user(app, make, sign_in):
    """What a password reset by e-mail calls (issue 13)."""
    user, other = make.user(), make.user()
    browser, their_browser = sign_in(user, on=english_client(app)), sign_in(other)
    secret, their_secret = make.api_token(user), make.api_token(other)
    with app.app_context():
        assert end_sessions_and_tokens(db.session.get(User, user.id)) == 1
        db.session.commit()
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(LoginSession)
                .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            )
            == 0
        )
    assert browser.get("/account").status_code == 302
    assert their_browser.get("/account").status_code == 200
    api = english_client(app)
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(their_secret)).status_code == 200
