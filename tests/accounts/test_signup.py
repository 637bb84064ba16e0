"""Open sign-up answers the same whether the e-mail address has an account or not (the owner
is told instead), and is rate-limited per address. Passwords: 12 characters at least, and not
one that is easy to guess."""

import re

import pytest

from parcours.accounts.models import User
from parcours.accounts.operations import check_password
from parcours.core.errors import DomainError
from parcours.core.signals import signup_for_existing_account
from parcours.demo.people import PASSWORD as DEMO_PASSWORD
from parcours.extensions import db
from tests.factories import PASSWORD
from tests.helpers import english_client


def sign_up(client, email, password="a quiet river at dawn", **fields):
    return client.post(
        "/signup", data={"name": "Sam", "email": email, "password": password, **fields}
    )


def answer(client, response) -> tuple:
    """What the visitor sees: the status, where it leads, the page shown there."""
    page = client.get(response.headers["Location"])
    text = re.sub(r'name="csrf_token" value="[^"]*"', "", page.text)  # one per browser
    return response.status_code, response.headers["Location"], page.status_code, text


def test_the_answer_is_the_same_whether_the_address_has_an_account(app, make):
    existing = make.user()
    received = []

    def receiver(sender, **extra):
        received.append(sender.id)

    signup_for_existing_account.connect(receiver)
    try:
        new_client, existing_client = english_client(app), english_client(app)
        for_new = answer(new_client, sign_up(new_client, "newcomer@example.org"))
        for_existing = answer(existing_client, sign_up(existing_client, existing.email.upper()))
    finally:
        signup_for_existing_account.disconnect(receiver)
    assert for_new == for_existing
    assert for_new[0] == 302 and for_new[1].endswith("/login")
    assert "If this address already had an account, nothing was changed" in for_new[3]
    # The owner is told (the e-mail receiver is issue 13's), and nothing of theirs changed.
    assert received == [existing.id]
    with app.app_context():
        owner = db.session.get(User, existing.id)
        assert owner.name != "Sam" and owner.check_password(PASSWORD)
        assert db.session.scalar(db.select(User).filter_by(email="newcomer@example.org"))
    attempt = {"identifier": existing.email, "password": "a quiet river at dawn"}
    assert english_client(app).post("/login", data=attempt).status_code == 401


def test_a_weak_password_is_refused_either_way(app, make):
    existing = make.user()
    for email in ("nobody@example.org", existing.email):
        response = sign_up(english_client(app), email, password="azertyuiop123")
        assert response.status_code == 422
        assert "This password is too easy to guess" in response.text


def test_sign_ups_are_limited_per_address(app):
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.20"
    for n in range(5):
        assert sign_up(client, f"bulk{n}@example.org").status_code == 302
    refused = sign_up(client, "bulk5@example.org")
    assert refused.status_code == 429
    assert "Please wait 60 minutes before trying again." in refused.text
    assert int(refused.headers["Retry-After"]) > 59 * 60
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email="bulk5@example.org")) is None
    elsewhere = english_client(app)
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert sign_up(elsewhere, "bulk5@example.org").status_code == 302


@pytest.mark.parametrize(
    "password",
    [
        "short1!",  # too short
        "password1234",  # a leaked password
        "123456789012",  # digits in a row
        "qwertyuiopas",  # a keyboard row
        "aaaaaaaaaaaa",  # a repetition
        "sophiemartin1",  # the user's own name
    ],
)
def test_easy_passwords_are_refused(ctx, password):
    with pytest.raises(DomainError) as refused:
        check_password(password, ("Sophie Martin", "sophie@example.org"))
    assert refused.value.code == "weak_password"


@pytest.mark.parametrize(
    "password", [PASSWORD, DEMO_PASSWORD, "le chat de Léo dort au soleil", "7xK!p2#rQ9vL"]
)
def test_good_passwords_are_accepted(ctx, password):
    check_password(password, ("Sophie Martin", "sophie@example.org"))
