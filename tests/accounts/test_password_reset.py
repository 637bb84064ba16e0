"""Getting back in: "Forgot your password?" answers the same for any address and sends a
single-use link valid one hour to an active account; the link's page sets a new password,
ends every session and API token, and keeps two-step sign-in. Rate-limited, page and API."""

import re
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from parcours.accounts.models import (
    ApiToken,
    LoginSession,
    PasswordReset,
    ResetKind,
    User,
)
from parcours.accounts.password_reset import (
    KEPT,
    create_password_reset,
    purge_password_resets,
    reset_of,
)
from parcours.core.errors import Gone
from parcours.core.models import utcnow
from parcours.core.security_log import SecurityEvent
from parcours.core.signals import password_reset_requested
from parcours.extensions import db
from tests.accounts.test_two_step import code, with_two_step
from tests.factories import PASSWORD
from tests.helpers import english_client

NEW_PASSWORD = "a heron waits by the canal"


@contextmanager
def caught_tokens():
    """The tokens `password_reset_requested` carries (the e-mail receiver's part), by user id."""
    caught: list[tuple[int, str]] = []

    def receiver(user, token, **_extra):
        caught.append((user.id, token))

    password_reset_requested.connect(receiver)
    try:
        yield caught
    finally:
        password_reset_requested.disconnect(receiver)


def ask(client, email):
    return client.post("/password-reset", data={"email": email})


def visible(html: str) -> str:
    """The page without what differs from one browser to the next."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def token_for(app, user) -> str:
    """Ask for a link for the user's address through the page; the token their e-mail gets."""
    with caught_tokens() as caught:
        assert ask(english_client(app), user.email).status_code == 200
    [(user_id, token)] = caught
    assert user_id == user.id
    return token


def security_events(app, event: str) -> list[SecurityEvent]:
    with app.app_context():
        return list(db.session.scalars(select(SecurityEvent).filter_by(event=event)))


def test_the_sign_in_page_offers_it(client):
    page = client.get("/login").text
    assert 'href="/password-reset"' in page and "Forgot your password?" in page
    form = client.get("/password-reset").text
    assert 'autocomplete="email"' in form and "ask the pilot of your plan" in form


def test_the_answer_is_the_same_whether_the_address_has_an_account(app, make):
    user = make.user()
    with caught_tokens() as caught:
        known = ask(english_client(app), user.email.upper())
        unknown = ask(english_client(app), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert visible(known.text) == visible(unknown.text)
    assert "If an account has this e-mail address" in known.text
    assert [user_id for user_id, _token in caught] == [user.id]
    with app.app_context():
        [reset] = db.session.scalars(select(PasswordReset)).all()
        assert reset.user_id == user.id and reset.kind is ResetKind.email
        # Only the digest is kept.
        assert caught[0][1] not in reset.digest and len(reset.digest) == 64
    # Both are in the security log, the known one with its account.
    asked = security_events(app, "password_reset.asked")
    assert sorted(e.user_id or 0 for e in asked) == [0, user.id]
    assert all(e.identifier_key for e in asked)


def test_the_api_answers_the_same_202_either_way(app, make, api):
    user = make.user()
    with caught_tokens() as caught:
        known = api().post("/api/v1/password-reset", json={"email": user.email})
        unknown = api().post("/api/v1/password-reset", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json == unknown.json
    assert "If an account has this e-mail address" in known.json["message"]
    assert len(caught) == 1
    assert api().post("/api/v1/password-reset", json={}).status_code == 422


def test_an_inactive_or_closed_account_gets_nothing(app, make):
    deactivated, closed = make.user(), make.user()
    closed_email = closed.email
    with app.app_context():
        db.session.get(User, deactivated.id).active = False
        db.session.get(User, closed.id).closed_at = utcnow()
        db.session.get(User, closed.id).email = None
        db.session.commit()
    with caught_tokens() as caught:
        for email in (deactivated.email, closed_email):
            response = ask(english_client(app), email)
            assert "If an account has this e-mail address" in response.text
    assert caught == []
    with app.app_context():
        assert db.session.scalars(select(PasswordReset)).all() == []


def test_the_link_sets_a_new_password_once(app, make):
    user = make.user()
    token = token_for(app, user)
    client = english_client(app)
    page = client.get(f"/password-reset/{token}")
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.text and user.email in page.text
    done = client.post(f"/password-reset/{token}", data={"password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert "Your new password is saved" in client.get("/login").text
    old = {"identifier": user.email, "password": PASSWORD}
    assert english_client(app).post("/login", data=old).status_code == 401
    new = {"identifier": user.email, "password": NEW_PASSWORD}
    assert english_client(app).post("/login", data=new).status_code == 302
    # A second use fails, with a page that says so and what to do.
    again = english_client(app).get(f"/password-reset/{token}")
    assert again.status_code == 410
    assert "already used" in again.text and 'href="/password-reset"' in again.text
    assert len(security_events(app, "password_reset.done")) == 1


def test_a_weak_password_is_refused_and_the_link_still_works(app, make):
    user = make.user("Camille Martin")
    token = token_for(app, user)
    client = english_client(app)
    for weak in ("short", "camillemartin1", "password1234"):
        refused = client.post(f"/password-reset/{token}", data={"password": weak})
        assert refused.status_code == 422
        assert "password" in refused.text.lower()
    weak_api = english_client(app).post(
        f"/api/v1/password-reset/{token}", json={"password": "camillemartin1"}
    )
    assert weak_api.status_code == 422 and weak_api.json["error"] == "weak_password"
    assert (
        client.post(f"/password-reset/{token}", data={"password": NEW_PASSWORD}).status_code == 302
    )


def test_every_login_session_and_api_token_ends(app, make, sign_in, api):
    user = make.user()
    signed_in = sign_in(user)
    assert signed_in.get("/account").status_code == 200
    token_api = api(user)
    assert token_api.get("/api/v1/me").status_code == 200
    reset = token_for(app, user)
    assert (
        english_client(app)
        .post(f"/api/v1/password-reset/{reset}", json={"password": NEW_PASSWORD})
        .status_code
        == 204
    )
    assert signed_in.get("/account").status_code == 302
    assert token_api.get("/api/v1/me").status_code == 401
    with app.app_context():
        assert all(s.ended_at for s in db.session.scalars(select(LoginSession)))
        assert all(t.revoked_at for t in db.session.scalars(select(ApiToken)))


def test_other_links_waiting_stop_working(app, make):
    user = make.user()
    first, second = token_for(app, user), token_for(app, user)
    assert english_client(app).get(f"/password-reset/{first}").status_code == 200
    english_client(app).post(f"/password-reset/{second}", data={"password": NEW_PASSWORD})
    replaced = english_client(app).get(f"/password-reset/{first}")
    assert replaced.status_code == 410 and "no longer works" in replaced.text


def test_a_password_changed_ends_the_links_waiting(app, make, sign_in):
    user = make.user()
    token = token_for(app, user)
    client = sign_in(user)
    changed = client.post(
        "/account/password",
        data={"password-current": PASSWORD, "password-new": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert english_client(app).get(f"/password-reset/{token}").status_code == 410


def test_two_step_sign_in_is_kept(app, make):
    user = make.user()
    secret = with_two_step(app, user)
    token = token_for(app, user)
    page = english_client(app).get(f"/password-reset/{token}").text
    assert "your app's code is asked as usual" in page
    english_client(app).post(f"/password-reset/{token}", data={"password": NEW_PASSWORD})
    client = english_client(app)
    step = client.post("/login", data={"identifier": user.email, "password": NEW_PASSWORD})
    assert step.status_code == 302 and step.headers["Location"].endswith("/login/code")
    assert client.get("/account").status_code == 302  # not signed in before the code
    assert client.post("/login/code", data={"code": code(secret)}).status_code == 302
    assert client.get("/account").status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret == secret


def test_a_link_works_one_hour(app, make):
    user = make.user()
    token = token_for(app, user)
    with app.app_context():
        reset = db.session.scalar(select(PasswordReset))
        assert reset.expires_at - reset.created_at == timedelta(hours=1)
        assert reset_of(token, now=reset.created_at + timedelta(minutes=59)).id == reset.id
        with pytest.raises(Gone) as expired:
            reset_of(token, now=reset.created_at + timedelta(minutes=61))
        assert expired.value.code == "reset_expired"
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    page = english_client(app).get(f"/password-reset/{token}")
    assert page.status_code == 410 and "has expired" in page.text
    refused = english_client(app).post(
        f"/api/v1/password-reset/{token}", json={"password": NEW_PASSWORD}
    )
    assert refused.status_code == 410 and refused.json["error"] == "reset_expired"


def test_unknown_used_and_expired_tokens_in_the_api(app, make):
    user = make.user()
    unknown = english_client(app).post(
        "/api/v1/password-reset/not-a-token", json={"password": NEW_PASSWORD}
    )
    assert unknown.status_code == 404 and unknown.json["error"] == "reset_not_found"
    page = english_client(app).get("/password-reset/not-a-token")
    assert page.status_code == 404 and "does not work" in page.text
    assert english_client(app).get("/password-reset/" + "x" * 500).status_code == 404
    token = token_for(app, user)
    url = f"/api/v1/password-reset/{token}"
    assert english_client(app).post(url, json={"password": NEW_PASSWORD}).status_code == 204
    used = english_client(app).post(url, json={"password": "another heron by the canal"})
    assert used.status_code == 410 and used.json["error"] == "reset_used"


def test_a_deactivated_account_cannot_use_its_link(app, make):
    user = make.user()
    token = token_for(app, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert english_client(app).get(f"/password-reset/{token}").status_code == 404


@pytest.mark.committing  # one connection per request: the database keeps them apart
def test_two_requests_racing_use_the_token_once(app, make):
    """Two browsers send a new password with the same token at the same moment, 10 times:
    each time one sets it and the other gets the 410 (the token is used by an atomic
    UPDATE … WHERE used_at IS NULL)."""
    user = make.user()
    for round_ in range(10):
        with app.app_context():
            _reset, token = create_password_reset(db.session.get(User, user.id), ResetKind.card)
            db.session.commit()
        barrier = threading.Barrier(2)
        statuses = []

        def send(password, token=token, barrier=barrier, statuses=statuses):
            client = english_client(app)
            barrier.wait(timeout=10)
            url = f"/api/v1/password-reset/{token}"
            statuses.append(client.post(url, json={"password": password}).status_code)

        threads = [
            threading.Thread(target=send, args=(p,))
            for p in (NEW_PASSWORD, "another heron by the canal")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [204, 410], round_
    with app.app_context():
        resets = db.session.scalars(select(PasswordReset)).all()
        assert len(resets) == 10 and all(r.used_at for r in resets)


def test_requests_are_slowed_down_per_address_and_per_account(app, make):
    user = make.user()
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for n in range(5):
        assert ask(client, f"someone{n}@example.org").status_code == 200
    refused = ask(client, user.email)
    assert refused.status_code == 429 and "Please wait" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Per address typed, from any client: nobody fills someone's mailbox.
    with caught_tokens() as caught:
        for n in range(3):
            other = english_client(app)
            other.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
            assert ask(other, user.email).status_code == 200
        late = english_client(app)
        late.environ_base["REMOTE_ADDR"] = "198.51.100.9"
        assert ask(late, user.email).status_code == 429
        api_refused = late.post("/api/v1/password-reset", json={"email": user.email})
        assert api_refused.status_code == 429 and "Retry-After" in api_refused.headers
    assert len(caught) == 3
    assert security_events(app, "password_reset.throttled")


def test_visits_of_reset_links_are_slowed_down(app, make):
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    for _n in range(30):
        assert client.get("/password-reset/guess").status_code == 404
    assert client.get("/password-reset/guess").status_code == 429
    refused = client.post("/api/v1/password-reset/guess", json={"password": NEW_PASSWORD})
    assert refused.status_code == 429 and refused.json["error"] == "too_many_attempts"
    assert security_events(app, "reset_link.throttled")


def test_the_retention_purge_deletes_resets_ended_long_ago(app, make):
    user = make.user()
    token_for(app, user)
    token_for(app, user)
    with app.app_context():
        old, recent = db.session.scalars(select(PasswordReset).order_by(PasswordReset.id))
        old.expires_at = utcnow() - KEPT - timedelta(days=1)
        db.session.commit()
        assert purge_password_resets() == 1
        db.session.commit()
        assert [r.id for r in db.session.scalars(select(PasswordReset))] == [recent.id]
