"""Settings that depend on the database."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from parcours import create_app
from parcours.core import database
from parcours.extensions import db


def test_engine_options_given_in_the_settings_win(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        }
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def _backend_id(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def _drop_connection(url: str, backend_id: int) -> None:
    other = create_engine(url)
    try:
        with other.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:id)"), {"id": backend_id})
    finally:
        other.dispose()


def test_a_server_connection_that_waited_is_tested_and_one_just_used_is_not(
    database_url, monkeypatch
):
    if not database_url.startswith("postgresql"):
        pytest.skip("a server's connections: PostgreSQL only (a SQLite file's cannot drop)")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        engine = db.engine
        try:
            # Given back a moment ago, then dropped by the server: taken again untested, it
            # fails on its first statement (and the pool forgets it).
            _drop_connection(database_url, _backend_id(engine))
            with pytest.raises(DBAPIError):
                _backend_id(engine)
            # Waiting longer than PING_AFTER (here, any wait): tested, found gone, replaced.
            monkeypatch.setattr(database, "PING_AFTER", 0.0)
            first = _backend_id(engine)
            _drop_connection(database_url, first)
            assert _backend_id(engine) != first
        finally:
            engine.dispose()
