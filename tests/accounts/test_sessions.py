"""Login sessions end on the server: after 30 minutes without a request (unless the user
stays signed in), and after 12 hours (30 days when staying signed in) whatever the activity."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event, update

from parcours.accounts.models import LoginSession
from parcours.accounts.operations import login_session_end
from parcours.core.models import utcnow
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client


def login(client, user, **fields):
    return client.post("/login", data={"identifier": user.email, "password": PASSWORD, **fields})


def session_of(app, user) -> LoginSession:
    with app.app_context():
        return db.session.scalar(
            db.select(LoginSession)
            .where(LoginSession.user_id == user.id)
            .order_by(LoginSession.id.desc())
        )


def move(app, user, **times) -> None:
    """Set the latest login session's times (e.g. last_seen_at an hour ago)."""
    with app.app_context():
        session = session_of(app, user)
        db.session.execute(
            update(LoginSession).where(LoginSession.id == session.id).values(**times)
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("stay", "since_seen", "left", "ended"),
    [
        (False, timedelta(minutes=29), timedelta(hours=1), None),
        (False, timedelta(minutes=30), timedelta(hours=1), "idle"),
        (False, timedelta(seconds=5), timedelta(0), "expired"),
        (True, timedelta(days=3), timedelta(days=1), None),
        (True, timedelta(seconds=5), timedelta(seconds=-1), "expired"),
    ],
)
def test_when_a_login_session_ends(stay, since_seen, left, ended):
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    session = LoginSession(
        last_seen_at=now - since_seen, expires_at=now + left, stay_signed_in=stay
    )
    assert login_session_end(session, now, timedelta(minutes=30)) == ended


def test_a_session_idle_for_30_minutes_is_signed_out_with_a_word(app, client, make):
    user = make.user()
    assert login(client, user).status_code == 302
    assert client.get("/account").status_code == 200
    move(app, user, last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/account", follow_redirects=True)
    assert "You were signed out after 30 minutes without activity." in response.text
    assert "Please sign in to see this page." not in response.text
    assert session_of(app, user).ended_at is not None
    # The browser is signed out for good, even once the cookie's own lifetime is long.
    assert client.get("/account").status_code == 302


def test_the_idle_timeout_is_a_setting(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE", timedelta(minutes=5))
    user = make.user()
    login(client, user)
    move(app, user, last_seen_at=utcnow() - timedelta(minutes=6))
    assert client.get("/account").status_code == 302


def test_a_session_ends_after_12_hours_however_active(app, client, make):
    user = make.user()
    login(client, user)
    session = session_of(app, user)
    assert abs(session.expires_at - session.created_at - timedelta(hours=12)) < timedelta(seconds=5)
    assert not session.stay_signed_in
    move(app, user, expires_at=utcnow() - timedelta(seconds=1))
    response = client.get("/account", follow_redirects=True)
    assert "Your session has come to its end. Please sign in again." in response.text


def test_staying_signed_in_lasts_30_days_without_idle_timeout(app, client, make):
    user = make.user()
    login(client, user, remember="y")
    session = session_of(app, user)
    assert session.stay_signed_in
    assert abs(session.expires_at - session.created_at - timedelta(days=30)) < timedelta(seconds=5)
    move(app, user, last_seen_at=utcnow() - timedelta(days=2))
    assert client.get("/account").status_code == 200
    move(app, user, expires_at=utcnow() - timedelta(seconds=1))
    assert client.get("/account").status_code == 302
    # The remember cookie does not bring it back either.
    remember = client.get_cookie("remember_token", domain="parcours.test")
    assert remember is None or not remember.value


def test_a_session_back_dated_to_2020_does_not_work(app, client, make):
    user = make.user()
    login(client, user, remember="y")
    remember = client.get_cookie("remember_token", domain="parcours.test").value
    old = datetime(2020, 1, 1, tzinfo=UTC)
    # As migration 0008 leaves a session begun in 2020: 30 days from its start.
    move(app, user, created_at=old, last_seen_at=old, expires_at=old + timedelta(days=30))
    assert client.get("/account").status_code == 302
    copied = english_client(app)
    copied.set_cookie("remember_token", remember, domain="parcours.test")
    assert copied.get("/account").status_code == 302


def updates_of_login_sessions(app, client, path):
    """The UPDATEs of login_sessions a GET makes, each with whether it ran among the writes
    left for after the response (core.transactions.after_response)."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE login_sessions"):
            seen.append(g.get("parcours_writing", False))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def test_last_seen_is_written_at_most_once_a_minute_after_the_page(app, client, make):
    user = make.user()
    login(client, user)
    # Seen a moment ago: nothing to write.
    assert updates_of_login_sessions(app, client, "/account") == []
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    move(app, user, last_seen_at=two_minutes_ago)
    # Once the page is ready, in the short transaction of the writes left for later.
    assert updates_of_login_sessions(app, client, "/account") == [True]
    assert session_of(app, user).last_seen_at > two_minutes_ago
    assert updates_of_login_sessions(app, client, "/account") == []
