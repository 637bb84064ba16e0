"""E-mail through a real SMTP server: the digest of what waits (as often as each user chose,
never empty, never a word of the plans), the messages people ask for, the outbox's delivery
(once, retried when the server is down) and the one-click unsubscribe."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from parcours.accounts.models import Notifications, User
from parcours.accounts.operations import sign_up
from parcours.alliance.operations import propose_version
from parcours.core.models import utcnow
from parcours.core.signals import password_reset_requested
from parcours.extensions import db
from parcours.means.operations import propose_means
from parcours.notifications.digests import digest_due, queue_digests, unsubscribe_token
from parcours.notifications.models import DigestState, MessageKind, OutboxMessage
from parcours.notifications.outbox import deliver_due
from parcours.plans.models import Member, Role
from parcours.plans.operations import create_invitation
from parcours.privacy.mydata import my_data
from tests.factories import PASSWORD
from tests.means.factories import MeansFactory

PARIS = ZoneInfo("Europe/Paris")
# Words no message may carry: the person's and the members' names, the plan's texts.
PERSON = "Zéphyrine Quastelbaum"
WORDS = (
    "Zéphyrine",
    "Quastelbaum",
    "mirabelle",
    "xylophone",
    "trampoline",
    "cosmique",
    "Octave",
    "Brindille",
    "Hortense",
    "Pimprenelle",
)


def monday(hour: int, weeks: int = 1) -> datetime:
    """A coming Monday at `hour` o'clock in Paris, in UTC."""
    day = datetime.now(PARIS).date()
    day += timedelta(days=7 * weeks - day.weekday())
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


def _m(member: Member) -> Member:
    return db.session.get(Member, member.id)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _set(user_id: int, **values) -> None:
    user = _user(user_id)
    for key, value in values.items():
        setattr(user, key, value)
    db.session.commit()


def _queued(kind: MessageKind | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalar(query)


@pytest.fixture
def plan(make):
    """A plan about Zéphyrine, with texts of distinctive words; the family member has a new
    version of the objective and a proposal waiting for them."""
    members = MeansFactory(make).alliance()
    with make.app.app_context():
        for member in members.values():
            member.parcours.person_name = PERSON
            db.session.merge(member.parcours)
        db.session.commit()

    def build():
        author = _m(members["professional"])
        author.parcours.person_name = PERSON
        author.user.name = "Octave Brindille"
        _m(members["family"]).user.name = "Hortense Pimprenelle"
        propose_version(author, text="Une mirabelle et un xylophone pour Zéphyrine.", base_number=1)
        propose_means(
            author,
            title="Le trampoline cosmique",
            description="Quastelbaum au trampoline",
            carried_by="Le club cosmique",
        )

    make._run(build)
    return members


def _run(now):
    queued = queue_digests(now)
    db.session.commit()
    return queued, deliver_due(now)


def _waiting(api, user) -> int:
    """What the user's inbox shows: the things to do and the unread news."""
    items = api(user).get("/api/v1/me/inbox").json["items"]
    return len([item for item in items if not item.get("read")])


def _count(received) -> int:
    return int(received.message["Subject"].split()[0])


def test_a_digest_counts_what_waits_and_carries_no_word_of_the_plan(ctx, api, smtp, plan):
    family = plan["family"].user
    waiting = _waiting(api, family)
    assert waiting >= 2  # the version to approve, the proposal, the news of who joined
    queued, result = _run(monday(9))
    assert queued >= 1 and result.ok
    [received] = smtp.to(family.email)
    assert received.recipients == [family.email]
    assert received.message["To"] == family.email
    assert received.message["Subject"] == f"{waiting} choses vous attendent dans Parcours"
    body = received.message.get_content()
    assert "https://parcours.test/inbox" in body or "http://parcours.test/inbox" in body
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe_token(_user(family.id))
    assert received.message["List-Unsubscribe"].strip() == (
        f"<http://parcours.test/unsubscribe/{token}>"
    )
    for message in smtp.received:
        for word in WORDS:
            assert word not in message.text
            assert word.encode() not in message.raw


def test_an_invitation_by_e_mail_names_nobody_and_links_to_the_invitation(ctx, smtp, plan):
    _invitation, token = create_invitation(
        _m(plan["professional"]), role=Role.family, email="cousine@example.org"
    )
    db.session.commit()
    assert deliver_due().ok
    [received] = smtp.to("cousine@example.org")
    body = received.message.get_content()
    assert f"/invitations/{token}" in body or token in body
    organisation = _m(plan["professional"]).organisation.name
    assert f"{organisation} vous invite à rejoindre un parcours sur Parcours" in body
    for word in WORDS:
        assert word not in received.text
    assert "List-Unsubscribe" not in received.message
    # Sent: the link, a secret given once, is no longer stored.
    assert db.session.scalar(select(OutboxMessage.content)) is None


def test_an_invitation_without_an_address_sends_nothing(ctx, smtp, plan):
    create_invitation(_m(plan["professional"]), role=Role.family)
    db.session.commit()
    assert _queued() == 0


def test_a_rolled_back_change_queues_nothing(ctx, smtp, plan):
    create_invitation(_m(plan["professional"]), role=Role.family, email="x@example.org")
    assert _queued(MessageKind.invitation) == 1  # in the change's own transaction
    db.session.rollback()
    assert _queued() == 0
    assert deliver_due().sent == 0
    assert smtp.received == []


def test_a_refused_request_queues_nothing(api, smtp, plan, app):
    # A family member may not invite the person's legal representative: 403, rolled back.
    response = api(plan["family"].user).post(
        f"/api/v1/parcours/{plan['family'].parcours_id}/invitations",
        json={"role": "family", "email": "rep@example.org", "is_legal_representative": True},
    )
    assert response.status_code == 403
    with app.app_context():
        assert _queued() == 0


def test_running_twice_sends_nothing_twice(ctx, smtp, plan):
    now = monday(9)
    _run(now)
    count = len(smtp.received)
    assert count >= 1
    queued, result = _run(now + timedelta(minutes=5))
    assert (queued, result.sent) == (0, 0)
    assert len(smtp.received) == count


def test_the_server_down_keeps_every_message_and_a_later_run_delivers_them(ctx, smtp, plan, app):
    family = plan["family"].user
    smtp.stop()
    now = monday(9)
    queued, result = _run(now)
    assert queued >= 1 and not result.ok and result.sent == 0
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == family.id))
    assert message.attempts == 1 and message.sent_at is None
    assert "127.0.0.1" in message.last_error
    smtp.start()
    # Too early: it waits a minute before trying again.
    assert deliver_due(now + timedelta(seconds=10)).sent == 0
    result = deliver_due(now + timedelta(minutes=2))
    assert result.ok and result.sent == queued
    assert len(smtp.to(family.email)) == 1
    db.session.refresh(message)
    assert message.sent_at is not None and message.attempts == 1 and message.content is None


def test_a_message_is_given_up_after_the_last_attempt(ctx, smtp, plan, app):
    smtp.stop()
    now = monday(9)
    _run(now)
    for _attempt in range(1, app.config["MAIL_MAX_ATTEMPTS"]):
        now += timedelta(days=1)
        deliver_due(now)
    result = deliver_due(now + timedelta(days=1))
    assert result.given_up == 0  # already given up: nothing left to try
    given_up = db.session.scalars(select(OutboxMessage)).all()
    assert given_up and all(m.gave_up_at is not None and m.content is None for m in given_up)
    assert {m.attempts for m in given_up} == {app.config["MAIL_MAX_ATTEMPTS"]}
    smtp.start()
    assert deliver_due(now + timedelta(days=2)).sent == 0


def test_a_digest_with_nothing_new_is_not_sent(ctx, smtp, plan):
    family = plan["family"].user
    _run(monday(9))
    assert len(smtp.to(family.email)) == 1
    # The next morning the same two things wait: nothing new, no message.
    _run(monday(9) + timedelta(days=1))
    assert len(smtp.to(family.email)) == 1
    # Something new: the next day's digest counts everything that waits.
    make_means = _m(plan["professional"])
    propose_means(make_means, title="Autre", description="x", carried_by="y")
    db.session.commit()
    _run(monday(9) + timedelta(days=2))
    mails = smtp.to(family.email)
    assert len(mails) == 2
    assert _count(mails[1]) == _count(mails[0]) + 1


def test_daily_digests_wait_for_the_morning_hour(ctx, smtp, plan):
    family = plan["family"].user
    _run(monday(7))  # before 8 o'clock (PARCOURS_DIGEST_HOUR)
    assert smtp.to(family.email) == []
    _run(monday(8))
    assert len(smtp.to(family.email)) == 1


def test_weekly_digests_go_on_mondays(ctx, smtp, plan):
    family = plan["family"].user
    _set(family.id, notifications=Notifications.weekly)
    _run(monday(9) + timedelta(days=1))  # a Tuesday: this week's Monday passed before
    assert len(smtp.to(family.email)) == 1  # the week's digest, late but once
    _run(monday(9) + timedelta(days=2))
    propose_means(_m(plan["professional"]), title="Autre", description="x", carried_by="y")
    db.session.commit()
    _run(monday(9) + timedelta(days=3))  # something new, but not Monday yet
    assert len(smtp.to(family.email)) == 1
    _run(monday(9, weeks=2))
    assert len(smtp.to(family.email)) == 2


def test_immediately_sends_at_the_next_run_whatever_the_hour(ctx, smtp, plan):
    family = plan["family"].user
    _set(family.id, notifications=Notifications.immediately)
    _run(monday(3))
    assert len(smtp.to(family.email)) == 1
    _run(monday(3) + timedelta(minutes=5))
    assert len(smtp.to(family.email)) == 1
    propose_means(_m(plan["professional"]), title="Autre", description="x", carried_by="y")
    db.session.commit()
    _run(monday(3) + timedelta(minutes=10))
    assert len(smtp.to(family.email)) == 2


def test_never_sends_no_digest_but_the_messages_asked_for(ctx, smtp, plan):
    family = plan["family"].user
    _set(family.id, notifications=Notifications.never)
    _run(monday(9))
    assert smtp.to(family.email) == []
    sign_up(name="Autre", email=family.email, password="une phrase assez longue et rare")
    db.session.commit()
    deliver_due()
    [received] = smtp.to(family.email)
    assert "already has one" in received.message.get_content() or "déjà" in received.text


def test_the_digest_speaks_english_and_easy_read_to_who_chose_it(ctx, api, smtp, plan):
    family, person = plan["family"].user, plan["person"].user
    _set(family.id, locale="en")
    _set(person.id, easy_read=True)
    waiting = _waiting(api, family)
    _run(monday(9))
    [english] = smtp.to(family.email)
    assert english.message["Subject"] == f"{waiting} things wait for you in Parcours"
    assert english.message["Content-Language"] == "en"
    [easy] = smtp.to(person.email)
    body = easy.message.get_content()
    assert "Parcours a" in body and "pour vous" in body
    assert "/easy" in body or "/facile" in body or "easyread" in body or "falc" in body


def test_someone_signing_up_with_my_address_is_told_to_me(ctx, smtp, plan):
    family = plan["family"].user
    sign_up(name="Intrus", email=family.email, password="une phrase assez longue et rare")
    db.session.commit()
    deliver_due()
    [received] = smtp.to(family.email)
    assert "/login" in received.message.get_content()
    assert "Intrus" not in received.text
    # Tried again within the hour: the owner was told already.
    sign_up(name="Intrus", email=family.email, password="une phrase assez longue et rare")
    db.session.commit()
    deliver_due()
    assert len(smtp.to(family.email)) == 1


def test_a_password_reset_sends_its_link(ctx, smtp, plan):
    family = _user(plan["family"].user.id)
    password_reset_requested.send(family, token="le-jeton")
    db.session.commit()
    deliver_due()
    [received] = smtp.to(family.email)
    assert "/password-reset/le-jeton" in received.message.get_content()
    assert "List-Unsubscribe" not in received.message


def test_forgot_password_end_to_end_the_link_received_sets_a_new_password(app, smtp, plan):
    """Asked on the API, received by the SMTP server, used once: the link in the message is
    the one that works."""
    email = plan["family"].user.email
    client = app.test_client()
    asked = client.post("/api/v1/password-reset", json={"email": email})
    assert asked.status_code == 202
    with app.app_context():
        deliver_due()
    [received] = smtp.to(email)
    token = re.search(r"/password-reset/([\w-]+)", received.message.get_content()).group(1)
    new = {"password": "une toute nouvelle phrase de passe"}
    assert client.post(f"/api/v1/password-reset/{token}", json=new).status_code == 204
    assert client.post(f"/api/v1/password-reset/{token}", json=new).status_code == 410


def test_without_a_mail_server_messages_are_files_in_the_instance_folder(ctx, app, plan, tmp_path):
    instance = app.instance_path
    app.instance_path = str(tmp_path)
    try:
        create_invitation(_m(plan["professional"]), role=Role.family, email="eml@example.org")
        db.session.commit()
        assert deliver_due().sent == 1
    finally:
        app.instance_path = instance
    [path] = (tmp_path / "mail").glob("*.eml")
    assert "To: eml@example.org" in path.read_text()


def test_the_command_exits_non_zero_with_the_server_down_and_delivers_later(app, smtp, plan):
    runner = app.test_cli_runner()
    smtp.stop()
    with app.app_context():
        create_invitation(_m(plan["professional"]), role=Role.family, email="cli@example.org")
        db.session.commit()
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 1
    assert "kept for a later run" in result.output
    smtp.start()
    with app.app_context():
        # A minute later, as cron would run it again.
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "cli@example.org")
        )
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert len(smtp.to("cli@example.org")) == 1
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0 and len(smtp.to("cli@example.org")) == 1


def test_a_closed_account_gets_nothing_and_its_messages_go(client, sign_in, smtp, plan, app):
    family = plan["family"].user
    with app.app_context():
        queue_digests(monday(9))
        db.session.commit()
        assert _queued(MessageKind.digest) >= 1
    signed = sign_in(family)
    response = signed.post("/account/close", data={"password": PASSWORD})
    assert response.status_code in (302, 303), response.text
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(OutboxMessage.user_id == family.id)) == 0
        )
        assert _user(family.id).notifications is Notifications.daily
        deliver_due(monday(9))
    assert smtp.to(family.email) == []


# The unsubscribe link ----------------------------------------------------------------------


def test_the_unsubscribe_link_asks_then_stops_the_digests(client, app, make):
    user = make.user()
    with app.app_context():
        token = unsubscribe_token(_user(user.id))
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert "<form" in page.text and "Stop these e-mails" in page.text
    with app.app_context():
        assert _user(user.id).notifications is Notifications.daily  # GET changes nothing
    done = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no longer sends you" in done.text
    with app.app_context():
        assert _user(user.id).notifications is Notifications.never


@pytest.mark.parametrize("token", ["1", "MQ.forged", "x" * 40])
def test_a_forged_unsubscribe_link_changes_nothing(client, token):
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}").status_code == 404


def test_one_click_unsubscribe_needs_no_csrf_token(app, make):
    user = make.user()
    with app.app_context():
        token = unsubscribe_token(_user(user.id))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post(
            f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    with app.app_context():
        assert _user(user.id).notifications is Notifications.never


# The preference: account page and API ------------------------------------------------------


def test_the_account_page_offers_the_choice_and_saves_it(client, sign_in, make, app):
    user = make.user()
    signed = sign_in(user)
    page = signed.get("/account")
    assert re.search(r'<input checked[^>]*name="notifications"[^>]*value="daily"', page.text)
    response = signed.post(
        "/account",
        data={"name": user.name, "locale": "en", "easy_read": "default", "notifications": "weekly"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert _user(user.id).notifications is Notifications.weekly


def test_the_api_changes_my_preferences_either_alone(api, make):
    user = make.user()
    me = api(user)
    assert me.get("/api/v1/me").json["notifications"] == "daily"
    response = me.patch("/api/v1/me", json={"notifications": "immediately"})
    assert response.status_code == 200
    assert response.json == me.get("/api/v1/me").json
    assert response.json["notifications"] == "immediately"
    assert response.json["form_of_address"] is None
    response = me.patch("/api/v1/me", json={"form_of_address": "feminine"})
    assert response.json["form_of_address"] == "feminine"
    assert response.json["notifications"] == "immediately"
    response = me.patch("/api/v1/me", json={"form_of_address": None})
    assert response.status_code == 200 and response.json["form_of_address"] is None


@pytest.mark.parametrize(
    "body", [{"notifications": "hourly"}, {"form_of_address": "other"}, {"notifications": None}]
)
def test_the_api_refuses_an_unknown_preference(api, make, body):
    me = api(make.user())
    response = me.patch("/api/v1/me", json=body)
    assert response.status_code == 422
    assert set(body) <= set(response.json.get("fields", {}))
    assert me.get("/api/v1/me").json["notifications"] == "daily"


def test_my_data_holds_the_setting_and_my_messages_without_their_text(ctx, smtp, plan):
    family = plan["family"].user
    _set(family.id, notifications=Notifications.weekly)
    sign_up(name="Autre", email=family.email, password="une phrase assez longue et rare")
    _run(monday(9))
    document = my_data(_user(family.id))
    assert document["account"]["notifications"] == "weekly"
    kinds = sorted(message["kind"] for message in document["emails"])
    assert kinds == ["digest", "signup_attempt"]
    assert all(message["sent_at"] for message in document["emails"])
    assert all(
        set(message) == {"kind", "created_at", "sent_at", "attempts", "gave_up_at"}
        for message in document["emails"]
    )
    [digest] = [
        r
        for r in smtp.to(family.email)
        if "Parcours" in r.message["Subject"] and r.message["Subject"][0].isdigit()
    ]
    assert document["digest"]["count"] == _count(digest)
    assert unsubscribe_token(_user(family.id)) not in str(document)


def test_an_invitation_made_through_the_api_is_sent_once_committed(api, smtp, plan, app):
    response = api(plan["professional"].user).post(
        f"/api/v1/parcours/{plan['professional'].parcours_id}/invitations",
        json={"role": "family", "email": "oncle@example.org"},
    )
    assert response.status_code == 201
    with app.app_context():
        assert deliver_due().sent == 1
    [received] = smtp.to("oncle@example.org")
    assert response.json["url"] in received.message.get_content()


@pytest.mark.parametrize(
    ("frequency", "local", "checked", "due"),
    [
        (Notifications.daily, datetime(2026, 12, 7, 7, 59), None, False),
        (Notifications.daily, datetime(2026, 12, 7, 8, 0), None, True),
        (Notifications.daily, datetime(2026, 12, 7, 20), datetime(2026, 12, 7, 8, 5), False),
        (Notifications.daily, datetime(2026, 12, 8, 8), datetime(2026, 12, 7, 8, 5), True),
        (Notifications.weekly, datetime(2026, 12, 7, 7), datetime(2026, 11, 30, 9), False),
        (Notifications.weekly, datetime(2026, 12, 7, 8), datetime(2026, 11, 30, 9), True),
        (Notifications.weekly, datetime(2026, 12, 13, 23), datetime(2026, 12, 7, 9), False),
        (Notifications.weekly, datetime(2026, 12, 10, 9), datetime(2026, 11, 30, 9), True),
        # The clocks go forward on 29 March 2026: 8 o'clock is still 8 o'clock in Paris.
        (Notifications.daily, datetime(2026, 3, 29, 8), datetime(2026, 3, 28, 8), True),
        (Notifications.immediately, datetime(2026, 12, 7, 3), datetime(2026, 12, 7, 2), True),
        (Notifications.never, datetime(2026, 12, 7, 9), None, False),
    ],
)
def test_when_a_digest_is_due(ctx, frequency, local, checked, due):
    def utc(moment):
        return moment.replace(tzinfo=PARIS).astimezone(UTC) if moment else None

    state = DigestState(user_id=1, checked_at=utc(checked), count=0, seen="")
    assert digest_due(state, frequency, utc(local)) is due
