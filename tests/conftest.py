"""Test fixtures: one app and one migrated database per session, one rolled-back
transaction per test, factories, an HTTP client with a sign-in helper, query counting.

Runs on SQLite (a temporary file) by default, on PostgreSQL when
PARCOURS_TEST_DATABASE_URL is set.
"""

import os
from contextlib import contextmanager

import pytest
from flask import has_app_context
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import event, text
from sqlalchemy.orm import scoped_session, sessionmaker

from parcours import create_app
from parcours.extensions import db
from tests.factories import Factory
from tests.helpers import english_client


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("PARCOURS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'parcours-test.sqlite'}"


def _reset_database() -> None:
    """Drop everything, so that the schema comes from the migrations alone."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "parcours.test",
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        _reset_database()
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _sessions_joining(connection):
    """Every session the app opens (one per request) joins the connection's transaction
    through savepoints."""
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=lambda: _app_ctx_id() if has_app_context() else None,
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = original


@pytest.fixture(autouse=True)
def _isolated_database(request, app):
    """Each test runs in a transaction rolled back at its end; every session the app opens
    during the test (one per request) joins it through savepoints. In a module marked
    `shared_world`, the transaction is the module's and each test runs in a savepoint of it."""
    if request.node.get_closest_marker("browser"):
        yield  # the live server has its own database
        return
    if request.node.get_closest_marker("committing"):
        yield
        _empty_tables(app)
        return
    if request.node.get_closest_marker("shared_world"):
        connection = request.getfixturevalue("module_database")
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            db.session.remove()
            savepoint.rollback()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
    try:
        with _sessions_joining(connection):
            yield
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="module")
def module_database(request, app):
    """One transaction for a whole module marked `shared_world`, rolled back at its end: its
    module-scoped fixtures (built with `shared_make`) build their data once, and each test
    runs in a savepoint rolled back after it (the permission matrices: one world, hundreds of
    requests)."""
    assert request.node.get_closest_marker("shared_world"), (
        f"{request.node.name}: module-scoped data needs `pytestmark = pytest.mark.shared_world`"
    )
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
    try:
        with _sessions_joining(connection):
            yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="module")
def shared_make(app, module_database) -> Factory:
    """`make`, for the module-scoped fixtures of a `shared_world` module."""
    return Factory(app)


@pytest.fixture(scope="module")
def shared_api(app, shared_make):
    """`api`, for the module-scoped fixtures of a `shared_world` module."""
    return _api_clients(app, shared_make)


def _empty_tables(app) -> None:
    with app.app_context(), db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def make(app) -> Factory:
    """Factories: make.user(), make.parcours(), make.member()…"""
    return Factory(app)


@pytest.fixture
def ctx(app):
    """An application context, for tests that call operations directly (not with `client`)."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return english_client(app)


@pytest.fixture
def sign_in(app, client, make):
    """sign_in(user) signs the test client in as this user (without the password round-trip)."""

    def _sign_in(user, on=None):
        on = on or client
        key = make.login_session(user)
        with on.session_transaction() as session:
            session.clear()
            session["_user_id"] = key
            session["_fresh"] = True
        return on

    return _sign_in


class ApiClient:
    """A client whose requests carry a bearer token (none: anonymous)."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()
        self.headers = {"Accept-Language": "en"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def __getattr__(self, method):
        def call(url, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)(url, headers=headers, **kwargs)

        return call

    def edit(self, url, json):
        """PATCH a shared record from its current revision (read first), as a client does."""
        revision = self.get(url).json["revision"]
        return self.patch(url, json={"base_revision": revision, **json})

    def designate_pilot(self, parcours_id, member_id):
        """PUT the pilot from the current designation (read first), as a client does."""
        url = f"/api/v1/parcours/{parcours_id}"
        revision = self.get(url).json["pilot_revision"]
        return self.put(f"{url}/pilot", json={"member_id": member_id, "base_revision": revision})


def _api_clients(app, make: Factory):
    def _api(user=None):
        return ApiClient(app, make.api_token(user) if user is not None else None)

    return _api


@pytest.fixture
def api(app, make):
    """api(user) returns a client whose requests carry the user's bearer token."""
    return _api_clients(app, make)


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: ... ; counter.count is the number of SQL statements."""

    class Counter:
        count = 0

    @contextmanager
    def _count():
        counter = Counter()

        def before(*args, **kwargs):
            counter.count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count
