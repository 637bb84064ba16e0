"""Parcours: a shared plan co-written by a person, their family and the professionals."""

from pathlib import Path

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from parcours.config import Config, TestConfig
from parcours.core.errors import DomainError
from parcours.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

# Every package with pages registers a blueprint; an `api` module, when it has one, adds
# API routes. Easy-read is a way of showing the others' pages: no API, no catalogue of its own.
DOMAINS = (
    "accounts",
    "plans",
    "alliance",
    "means",
    "timeline",
    "easyread",
    "exports",
    "developers",
)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to 32-bit signed integers, the range of the id columns.

    A larger number is a 404 whatever the method: rejecting it as not matching (werkzeug's
    ValidationError) would let the router answer 405 when another route of the same path
    takes other methods."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; `test_config` switches to test settings and overrides them."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance = Path(app.instance_path)
    if test_config is None:
        app.config.from_mapping(Config.load(instance))
    else:
        app.config.from_mapping(TestConfig.load(instance))
        app.config.from_mapping(test_config)

    if app.config.get("CHEAP_PASSWORD_HASHING"):
        from parcours.accounts.models import use_cheap_password_hashing

        use_cheap_password_hashing()
    # Ids in URLs fit the database's integer columns: a huge number is a 404, not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    from parcours.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from parcours.core import database  # noqa: F401 - registers the SQLite engine settings
    from parcours.core.i18n import init_i18n
    from parcours.core.models import render_migration_type
    from parcours.core.security import init_security

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_item=render_migration_type)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    init_i18n(app, babel)
    init_security(app)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module
    from importlib.util import find_spec

    from parcours.core.api import api

    for name in DOMAINS:
        app.register_blueprint(import_module(f"parcours.{name}.views").bp)
        if find_spec(f"parcours.{name}.api"):
            import_module(f"parcours.{name}.api")
    app.register_blueprint(api)


def _register_errors(app: Flask) -> None:
    from parcours.core.api import http_error

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return http_error(exc)
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        if request.path.startswith("/api/"):
            from parcours.core.api import domain_error

            return domain_error(exc)
        return render_template("error.html", error=exc), exc.status
