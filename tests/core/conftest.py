"""Fixtures for tests that need databases of their own (migrations, backups), apart from the
suite's shared one: a file in the test's temporary folder on SQLite, a scratch database on the
suite's PostgreSQL server (named after the suite's database, dropped at the end).

A test using them is marked `committing`: the suite's rolled-back session would otherwise
stand in for `db.session` in every app, theirs included."""

import pytest
from sqlalchemy import create_engine, make_url

from parcours import create_app
from parcours.extensions import db


def _drop_database(admin, name: str) -> None:
    """Drop a scratch database, ending the sessions still connected to it."""
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """scratch_database(name) creates an empty database of the suite's kind and returns its
    URL; every database made so is dropped when the test ends."""
    suite = make_url(database_url)
    if suite.get_backend_name() == "sqlite":
        yield lambda name: suite.set(database=str(tmp_path / f"{name}.sqlite")).render_as_string(
            hide_password=False
        )
        return
    # CREATE and DROP DATABASE run outside a transaction, from the suite's own database.
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def _create(name: str) -> str:
        """Create the scratch database `<suite's database>_<name>`; its URL."""
        database = f"{suite.database}_{name}"
        _drop_database(admin, database)  # left over by an interrupted run
        with admin.connect() as connection:
            # template0 takes no connections: others' sessions on template1 cannot make the
            # creation fail.
            connection.exec_driver_sql(
                f"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8'"
            )
        created.append(database)
        return suite.set(database=database).render_as_string(hide_password=False)

    yield _create
    for database in created:
        _drop_database(admin, database)
    admin.dispose()


@pytest.fixture
def scratch_app(scratch_database, tmp_path):
    """scratch_app(name) is an app on a new empty database of its own (no schema yet)."""
    apps = []

    def _create(name: str):
        """An app on the new database `name`."""
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": scratch_database(name), "SERVER_NAME": "parcours.test"}
        )
        app.instance_path = str(tmp_path / f"instance-{name}")
        apps.append(app)
        return app

    yield _create
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
