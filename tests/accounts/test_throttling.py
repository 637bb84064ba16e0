"""Failed sign-ins are counted in the database, per account and address and per address: the
limits hold across processes, slow down without locking the owner out, and say how long to
wait."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from parcours.accounts.models import Attempt
from parcours.accounts.throttling import Rate, parse_rate, wait_before_next
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5 per 15 minutes", Rate(5, timedelta(minutes=15))),
        ("20 per hour", Rate(20, timedelta(hours=1))),
        ("10/day", Rate(10, timedelta(days=1))),
        ("3 per 30 seconds", Rate(3, timedelta(seconds=30))),
    ],
)
def test_rates_read_as_written(text, rate):
    assert parse_rate(text) == rate


def test_a_rate_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("five a minute")


def test_the_wait_lasts_until_the_oldest_counted_attempt_leaves_the_window():
    rate = Rate(3, timedelta(minutes=15))
    times = [NOW - timedelta(minutes=m) for m in (20, 10, 5, 1)]
    assert wait_before_next(times, rate, NOW) == timedelta(minutes=5)
    assert wait_before_next(times[:2], rate, NOW) is None
    assert wait_before_next(times, rate, NOW + timedelta(minutes=5)) is None


def from_address(app, address: str):
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, identifier, password=PASSWORD):
    return client.post("/login", data={"identifier": identifier, "password": password})


def test_after_5_failures_one_address_waits_and_is_told_how_long(app, make):
    user = make.user()
    guesser = from_address(app, "203.0.113.7")
    for _ in range(5):
        assert login(guesser, user.email, "wrong guess").status_code == 401
    refused = login(guesser, user.email)  # even the right password: no password is checked
    assert refused.status_code == 429
    assert "Please wait 15 minutes before trying again." in refused.text
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    # The owner, from their own address, is not locked out.
    assert login(from_address(app, "198.51.100.2"), user.email).status_code == 302


def test_the_wait_ends(app, make):
    user = make.user()
    guesser = from_address(app, "203.0.113.8")
    for _ in range(5):
        login(guesser, user.email, "wrong guess")
    assert login(guesser, user.email).status_code == 429
    with app.app_context():
        for attempt in db.session.scalars(db.select(Attempt)):
            attempt.created_at -= timedelta(minutes=15)
        db.session.commit()
    assert login(guesser, user.email).status_code == 302


def test_password_spraying_from_one_address_is_limited_across_accounts(app, make):
    users = [make.user() for _ in range(21)]
    sprayer = from_address(app, "203.0.113.9")
    for user in users[:20]:
        assert login(sprayer, user.email, "Summer2026!").status_code == 401
    assert login(sprayer, users[20].email, "Summer2026!").status_code == 429
    assert login(sprayer, "nobody@example.org", "Summer2026!").status_code == 429
    assert login(from_address(app, "198.51.100.3"), users[20].email).status_code == 302


def test_a_successful_sign_in_forgives_the_failures_of_its_address(app, make):
    user = make.user()
    owner = from_address(app, "198.51.100.4")
    for _ in range(4):
        login(owner, user.email, "typo")
    assert login(owner, user.email).status_code == 302
    owner.post("/logout")
    for _ in range(4):
        assert login(owner, user.email, "typo").status_code == 401
    assert login(owner, user.email).status_code == 302


def test_the_api_says_how_long_to_wait(app, make):
    user = make.user()
    client = from_address(app, "203.0.113.10")
    for _ in range(5):
        client.post("/api/v1/tokens", json={"email": user.email, "password": "nope"})
    refused = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.json["error"] == "too_many_attempts"
    assert "Please wait 15 minutes" in refused.json["message"]
    assert int(refused.headers["Retry-After"]) > 14 * 60
    # The page and the API share the count.
    assert login(client, user.email).status_code == 429


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(make, database_url):
    from parcours import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "parcours.test",
            "PROXY_COUNT": 1,
        }
    )
    user = make.user()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"  # the proxy
    for _ in range(5):
        client.post(
            "/login",
            data={"identifier": user.email, "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.11"},
        )
    blocked = {"X-Forwarded-For": "203.0.113.11"}
    other = {"X-Forwarded-For": "198.51.100.5"}
    data = {"identifier": user.email, "password": PASSWORD}
    assert client.post("/login", data=data, headers=blocked).status_code == 429
    assert client.post("/login", data=data, headers=other).status_code == 302


OTHER_PROCESS = """
import sys
from parcours import create_app

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SERVER_NAME": "parcours.test"})
client = app.test_client()
for _ in range(int(sys.argv[3])):
    response = client.post("/login", data={"identifier": sys.argv[2], "password": "wrong"})
    assert response.status_code == 401, response.status_code
"""


@pytest.mark.committing  # another process reads and writes the same database
def test_the_limit_holds_across_processes(app, make, database_url):
    user = make.user()
    # Three failures in another process (another worker, another server)…
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(OTHER_PROCESS), database_url, user.email, "3"],
        check=True,
        timeout=120,
    )
    # …and two here, on another app instance: the sixth attempt waits.
    client = app.test_client()
    for _ in range(2):
        assert login(client, user.email, "wrong").status_code == 401
    assert login(client, user.email).status_code == 429
