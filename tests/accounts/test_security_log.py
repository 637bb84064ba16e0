"""The security log: failed sign-ins, throttling and denied accesses, for the admins, without
any plan content; purged after the retention period."""

from datetime import timedelta

import pytest

from parcours.accounts.models import TokenScope, User, identifier_key
from parcours.core.models import utcnow
from parcours.core.security_log import SecurityEvent, purge_security_log
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client


@pytest.fixture
def admin(app, make):
    user = make.user("Admin")
    with app.app_context():
        db.session.get(User, user.id).is_admin = True
        db.session.commit()
    return user


def events(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.event, e.user_id, e.identifier_key, e.address)
            for e in db.session.scalars(db.select(SecurityEvent).order_by(SecurityEvent.id))
        ]


def test_a_failed_sign_in_is_logged_with_a_pseudonym_of_the_identifier(app, make):
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.30"
    response = client.post(
        "/login", data={"identifier": "Someone@Example.org", "password": "wrong"}
    )
    assert response.status_code == 401  # the request is rolled back, its trace is kept
    with app.app_context():
        key = identifier_key("someone@example.org")
    assert events(app) == [("sign_in.failed", None, key, "203.0.113.30")]
    assert "someone" not in key


def test_throttling_is_logged_once_when_it_begins(app, make):
    user = make.user()
    client = english_client(app)
    for _ in range(7):
        client.post("/login", data={"identifier": user.email, "password": "wrong"})
    logged = [event for event, *_rest in events(app)]
    assert logged == ["sign_in.failed"] * 4 + ["sign_in.failed", "sign_in.throttled"]


def test_a_plan_asked_for_by_a_non_member_is_logged_without_the_plan(app, make, sign_in, api):
    member = make.parcours()
    stranger = make.user()
    browser = sign_in(stranger)
    assert browser.get(f"/parcours/{member.parcours_id}").status_code == 404
    assert api(stranger).get(f"/api/v1/parcours/{member.parcours_id}").status_code == 404
    logged = events(app)
    assert [(event, user) for event, user, *_rest in logged] == [
        ("access.denied", stranger.id),
        ("access.denied", stranger.id),
    ]
    with app.app_context():
        columns = set(SecurityEvent.__table__.columns.keys())
    assert columns == {"id", "event", "user_id", "identifier_key", "address", "created_at"}


def test_a_read_only_token_trying_to_write_is_logged(app, make, api):
    user = make.user()
    client = english_client(app)
    token = make.api_token(user, scope=TokenScope.read)
    client.post(
        "/api/v1/parcours",
        json={"role": "family", "person_name": "Léa"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [(e, u) for e, u, *_r in events(app)] == [("token.read_only", user.id)]


def test_admins_read_the_log_search_it_and_page_through_it(app, client, make, sign_in, admin):
    user = make.user("Sophie Martin")
    english_client(app).post("/login", data={"identifier": user.email, "password": "wrong"})
    english_client(app).post("/login", data={"identifier": "ghost@example.org", "password": "x"})
    sign_in(admin)
    page = client.get("/admin/security")
    assert page.status_code == 200
    refused = '<td data-label="Event">Sign-in refused: wrong identifier or password'
    assert page.text.count(refused) == 2
    assert 'aria-current="page"' in page.text and "Security log" in page.text
    found = client.get("/admin/security", query_string={"q": user.email.upper()}).text
    assert found.count(refused) == 1
    assert "ghost" not in found
    ghost = client.get("/admin/security", query_string={"q": "ghost@example.org"}).text
    assert ghost.count(refused) == 1
    only = client.get("/admin/security", query_string={"event": "access.denied"}).text
    assert "Nothing in the log." in only
    with app.app_context():
        db.session.add_all(SecurityEvent(event="access.denied") for _ in range(60))
        db.session.commit()
    first = client.get("/admin/security").text
    assert "Next page" in first
    second = client.get("/admin/security?page=2").text
    assert "Previous page" in second and "Next page" not in second


def test_only_admins_see_the_log(client, make, sign_in):
    sign_in(make.user())
    assert client.get("/admin/security").status_code == 404


def test_the_log_is_purged_after_the_retention_period(app, make):
    with app.app_context():
        db.session.add(
            SecurityEvent(event="sign_in.failed", created_at=utcnow() - timedelta(days=400))
        )
        db.session.add(
            SecurityEvent(event="sign_in.failed", created_at=utcnow() - timedelta(days=10))
        )
        db.session.commit()
        assert purge_security_log(utcnow() - timedelta(days=365)) == 1
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(SecurityEvent)) == 1


def test_the_retention_command_purges_it(app):
    with app.app_context():
        db.session.add(
            SecurityEvent(event="sign_in.failed", created_at=utcnow() - timedelta(days=40))
        )
        db.session.commit()
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["retention", "purge"])
    assert kept.exit_code == 0 and "0 entries of the security log" in kept.output
    result = runner.invoke(args=["retention", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "1 entry of the security log older than 30 days deleted." in result.output


def test_a_successful_sign_in_is_not_logged(app, make):
    user = make.user()
    english_client(app).post("/login", data={"identifier": user.email, "password": PASSWORD})
    assert events(app) == []
