"""One commit per request: a refused action leaves nothing behind, reads are logged once the
page is ready, and a page reads and renders without SQLite's write lock."""

import re
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
from flask import Response, template_rendered
from sqlalchemy import event, select, text

from parcours.accounts.models import Organisation
from parcours.core.audit import AccessLogEntry
from parcours.core.errors import DomainError
from parcours.core.transactions import after_response, finish_request, takes_write_lock
from parcours.extensions import db
from tests.factories import Factory
from tests.helpers import english_client


def test_a_refused_action_rolls_back_what_the_request_changed(app):
    with app.test_request_context("/anything", method="POST"):
        db.session.add(Organisation(name="Half-made", key="half-made"))
        db.session.flush()
        DomainError("refused")  # a view caught it and showed the message
        finish_request(Response(status=302))
        assert db.session.scalar(select(Organisation).filter_by(key="half-made")) is None


def test_an_accepted_action_is_committed(app):
    with app.test_request_context("/anything", method="POST"):
        db.session.add(Organisation(name="Whole", key="whole"))
        finish_request(Response(status=302))
    with app.app_context():
        assert db.session.scalar(select(Organisation).filter_by(key="whole")) is not None


def test_a_read_is_logged_even_when_the_request_then_fails(app, make, client, sign_in):
    pro = make.parcours()
    sign_in(pro.user)
    response = client.get(f"/parcours/{pro.parcours_id}/timeline?today=not-a-date")
    assert response.status_code == 400
    with app.app_context():
        events = db.session.scalars(
            select(AccessLogEntry.event).where(AccessLogEntry.parcours_id == pro.parcours_id)
        ).all()
    assert "timeline" in events


def _on_postgresql(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL: how a page reads and logs without a transaction")


@contextmanager
def _listening(app, name: str, listener):
    """The engine's `name` event goes to `listener` meanwhile."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


def _begun_during(app, action) -> list[str]:
    """The transactions `action` begins, each named by what it finally did."""
    begun = []
    with _listening(app, "begin", lambda connection: begun.append("begin")):
        action()
    return begun


@pytest.mark.committing
def test_on_postgresql_a_request_that_only_read_logs_in_the_same_transaction(app):
    _on_postgresql(app)
    settings = []

    def log():
        settings.append(db.session.scalar(text("SHOW synchronous_commit")))
        db.session.add(Organisation(name="Logged", key="logged"))
        db.session.flush()

    def request():
        with app.test_request_context("/anything"):
            db.session.scalar(select(Organisation.id).limit(1))
            after_response(log)
            finish_request(Response(status=200))

    assert len(_begun_during(app, request)) == 1
    assert settings == ["off"]  # a trace of a read: no wait for the disk
    with app.app_context():
        assert db.session.scalar(select(Organisation).filter_by(key="logged")) is not None


@pytest.mark.committing
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_on_postgresql_a_request_that_wrote_waits_for_the_disk_then_logs_apart(app, method):
    """What a request wrote commits as every change does, waiting for the disk (a page's
    transaction began as a read, without); its log follows in a transaction of its own."""
    _on_postgresql(app)
    settings, statements = [], []

    def log():
        settings.append(db.session.scalar(text("SHOW synchronous_commit")))

    def request():
        with app.test_request_context("/anything", method=method):
            db.session.add(Organisation(name="Written", key="written"))
            db.session.flush()
            after_response(log)
            finish_request(Response(status=200))

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert len(_begun_during(app, request)) == 2
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert settings == ["off"]
    assert statements.count("SET LOCAL synchronous_commit = on") == 1
    with app.app_context():
        assert db.session.scalar(select(Organisation).filter_by(key="written")) is not None


@pytest.mark.committing
def test_on_postgresql_a_page_reads_without_waiting_and_a_change_elsewhere_waits(app):
    _on_postgresql(app)
    with app.test_request_context("/anything"):
        assert db.session.scalar(text("SHOW synchronous_commit")) == "off"
        db.session.rollback()
    with app.app_context():  # the command line, a migration
        assert db.session.scalar(text("SHOW synchronous_commit")) == "on"


def _driver_states_during(app, action) -> list[tuple[str, bool, str]]:
    """For each statement `action` sends: its first word, whether the driver was outside a
    transaction (autocommit) and whether a transaction was open."""
    states = []

    def seen(conn, cursor, statement, *args):
        driver = cursor.connection
        states.append(
            (statement.split()[0], driver.autocommit, driver.info.transaction_status.name)
        )

    with _listening(app, "before_cursor_execute", seen):
        action()
    return states


@pytest.mark.committing
def test_on_postgresql_a_page_reads_and_logs_without_a_transaction(app):
    """No BEGIN, no COMMIT: each read runs alone, and the access log is one statement that
    stands alone."""
    _on_postgresql(app)
    make = Factory(app)
    pro = make.parcours()
    client = english_client(app)
    key = make.login_session(pro.user)
    with client.session_transaction() as session:
        session["_user_id"] = key
    path = f"/parcours/{pro.parcours_id}/timeline"
    client.get(path)  # the login session's first sight is written once, apart
    answers = []
    states = _driver_states_during(app, lambda: answers.append(client.get(path).status_code))
    assert answers == [200]
    assert states and all(alone and open_ == "IDLE" for _word, alone, open_ in states), states
    assert states[-1][0] == "WITH"  # the log, last
    with app.app_context():
        events = db.session.scalars(
            select(AccessLogEntry.event).where(AccessLogEntry.parcours_id == pro.parcours_id)
        ).all()
    assert events.count("timeline") == 2


@pytest.mark.committing
@pytest.mark.parametrize("first_write", ["insert", "lock"])
def test_on_postgresql_a_pages_first_write_begins_its_transaction(app, first_write):
    """A GET that changes something (or locks rows to) does it in a transaction, begun just
    before: an error after it takes the change back."""
    _on_postgresql(app)

    def request():
        with app.test_request_context("/anything"):
            db.session.scalar(select(Organisation.id).limit(1))
            if first_write == "lock":
                db.session.execute(select(Organisation.id).with_for_update())
            db.session.add(Organisation(name="Half-made", key="half-made"))
            db.session.flush()
            db.session.scalar(select(Organisation.id).limit(1))
            finish_request(Response(status=500))

    states = _driver_states_during(app, request)
    assert states[0] == ("SELECT", True, "IDLE")  # a read, alone
    assert states[1][1:] == (False, "IDLE")  # the write: the driver sends BEGIN first
    assert all(state[1:] == (False, "INTRANS") for state in states[2:]), states
    with app.app_context():
        assert db.session.scalar(select(Organisation).filter_by(key="half-made")) is None


@pytest.mark.committing
def test_on_postgresql_a_connection_given_back_is_in_the_usual_mode(app):
    """A page leaves its connection as it found it: the command line, a migration or a raw
    connection taken next run their statements in transactions."""
    _on_postgresql(app)
    given_back = []

    def checkin(dbapi_connection, record):
        given_back.append(dbapi_connection.autocommit)

    with _listening(app, "checkin", checkin), app.test_request_context("/anything"):
        db.session.scalar(select(Organisation.id).limit(1))
        finish_request(Response(status=200))
        db.session.remove()
    assert given_back == [False]


def _pages(make):
    """The main pages of a plan with a little of everything."""
    pro = make.parcours()
    pid = pro.parcours_id
    return pro, [
        "/",
        f"/parcours/{pid}",
        f"/parcours/{pid}/voices",
        f"/parcours/{pid}/objective",
        f"/parcours/{pid}/means",
        f"/parcours/{pid}/timeline",
        f"/parcours/{pid}/commitments",
        "/caseload",
    ]


@pytest.mark.committing
def test_pages_render_before_any_transaction_that_may_write(app):
    """Every transaction a GET page begins while it reads and renders is read-only; the one
    that writes (the access log) begins after the template is rendered."""
    make = Factory(app)
    pro, pages = _pages(make)
    client = english_client(app)
    key = make.login_session(pro.user)
    with client.session_transaction() as session:
        session["_user_id"] = key
    moments = []

    def begun(connection):
        moments.append("write" if takes_write_lock() else "read")

    def rendered(sender, template, context, **extra):
        moments.append("rendered")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "begin", begun)
    template_rendered.connect(rendered, app)
    try:
        for url in pages:
            moments.clear()
            assert client.get(url).status_code == 200, url
            before = moments[: moments.index("rendered")]
            assert "write" not in before, (url, moments)
            assert moments.count("write") <= 1, (url, moments)  # the access log, after
    finally:
        event.remove(engine, "begin", begun)
        template_rendered.disconnect(rendered, app)


@pytest.mark.committing
def test_a_page_renders_while_another_connection_holds_the_write_lock(app):
    """On SQLite: with a writer holding the lock, the page still reads and renders; only its
    access-log entry waits for the lock (then is written)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        path = db.engine.url.database
    make = Factory(app)
    pro, _pages_unused = _pages(make)
    client = english_client(app)
    key = make.login_session(pro.user)
    with client.session_transaction() as session:
        session["_user_id"] = key
    rendered_at = []

    def rendered(sender, **extra):
        rendered_at.append(time.monotonic())

    holder = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released_at = []

    def release():
        time.sleep(1.0)
        released_at.append(time.monotonic())
        holder.execute("COMMIT")

    releaser = threading.Thread(target=release)
    releaser.start()
    with template_rendered.connected_to(rendered, app):
        response = client.get(f"/parcours/{pro.parcours_id}/timeline")
    releaser.join()
    holder.close()
    assert response.status_code == 200
    assert rendered_at and rendered_at[0] < released_at[0]
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.event).where(AccessLogEntry.parcours_id == pro.parcours_id)
        ).all()
    assert "timeline" in logged


@pytest.mark.committing
def test_pdf_downloads_and_writes_run_side_by_side(app):
    """Several members download the printable plans while another saves the settings: no
    answer fails (the audit found three 500 "database is locked" on SQLite), because a
    download renders before any transaction that writes."""
    make = Factory(app)
    pro, _pages_unused = _pages(make)
    make.pilot(pro)  # the settings are the pilot's
    pid = pro.parcours_id
    answers = []

    def signed_in():
        client = english_client(app)
        key = make.login_session(pro.user)
        with client.session_transaction() as session:
            session["_user_id"] = key
        return client

    clients = [signed_in() for _ in range(4)]

    def download(client, url):
        for _ in range(2):
            answers.append((url, client.get(url).status_code))

    def write(client):
        url = f"/parcours/{pid}/settings"
        for days in range(20, 26):
            page = client.get(url).text
            base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page)[1]
            data = {"tolerance_days": days, "reason": "r", "base_revision": base}
            answers.append(("settings", client.post(url, data=data).status_code))

    threads = [
        threading.Thread(target=download, args=(clients[0], f"/parcours/{pid}/plan.pdf")),
        threading.Thread(target=download, args=(clients[1], f"/parcours/{pid}/plan-easy.pdf")),
        threading.Thread(target=download, args=(clients[2], f"/parcours/{pid}/plan.pdf")),
        threading.Thread(target=write, args=(clients[3],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(answers)) == [
        (f"/parcours/{pid}/plan-easy.pdf", 200),
        (f"/parcours/{pid}/plan.pdf", 200),
        ("settings", 302),
    ]
    assert len(answers) == 12
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.event).where(AccessLogEntry.parcours_id == pid)
        ).all()
    assert logged.count("plan.pdf") == 4 and logged.count("plan.easy_pdf") == 2
