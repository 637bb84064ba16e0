"""Parcours: a shared plan co-written by a person, their family and the professionals."""

from pathlib import Path

from flask import Flask, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError

# Each package's views hold its blueprint (its pages); its `api` module, where it has one,
# adds its routes to the API blueprint when imported.
from parcours.accounts import api as _accounts_api  # noqa: F401
from parcours.accounts.models import use_cheap_password_hashing
from parcours.accounts.views import bp as accounts_pages
from parcours.alliance import api as _alliance_api  # noqa: F401
from parcours.alliance.views import bp as alliance_pages
from parcours.cli import register_cli
from parcours.config import Config, TestConfig, engine_options
from parcours.core import database  # also registers the SQLite settings
from parcours.core.api import api, domain_error, http_error
from parcours.core.errors import DomainError
from parcours.core.i18n import init_i18n
from parcours.core.models import render_migration_type
from parcours.core.navigation import App
from parcours.core.security import init_security
from parcours.core.templating import init_templating
from parcours.core.transactions import init_transactions
from parcours.developers import api as _developers_api  # noqa: F401
from parcours.developers.views import bp as developers_pages
from parcours.discussions import api as _discussions_api  # noqa: F401
from parcours.discussions.views import bp as discussions_pages
from parcours.easyread.views import bp as easyread_pages
from parcours.exports import api as _exports_api  # noqa: F401
from parcours.exports.views import bp as exports_pages
from parcours.extensions import babel, csrf, db, login_manager, migrate
from parcours.inbox import api as _inbox_api  # noqa: F401
from parcours.inbox.views import bp as inbox_pages
from parcours.means import api as _means_api  # noqa: F401
from parcours.means.views import bp as means_pages
from parcours.notifications import receivers as _notifications_receivers  # noqa: F401
from parcours.notifications.views import bp as notifications_pages
from parcours.observatory import api as _observatory_api  # noqa: F401
from parcours.observatory.views import bp as observatory_pages
from parcours.overview import api as _overview_api  # noqa: F401
from parcours.overview.views import bp as overview_pages
from parcours.plans import api as _plans_api  # noqa: F401
from parcours.plans.views import bp as plans_pages
from parcours.privacy import api as _privacy_api  # noqa: F401
from parcours.privacy.views import bp as privacy_pages
from parcours.statements import api as _statements_api  # noqa: F401
from parcours.statements.views import bp as statements_pages
from parcours.timeline import api as _timeline_api  # noqa: F401
from parcours.timeline.views import bp as timeline_pages

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (
    accounts_pages,
    plans_pages,
    alliance_pages,
    means_pages,
    timeline_pages,
    discussions_pages,
    statements_pages,
    overview_pages,
    inbox_pages,
    notifications_pages,
    observatory_pages,
    privacy_pages,
    easyread_pages,
    exports_pages,
    developers_pages,
)
# The packages that ship their own catalogue, besides the core one (parcours/translations).
CATALOGUES = (
    "means",
    "timeline",
    "discussions",
    "statements",
    "inbox",
    "notifications",
    "observatory",
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
    app = App(
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
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)

    if app.config.get("CHEAP_PASSWORD_HASHING"):
        use_cheap_password_hashing()
    if proxies := app.config.get("PROXY_COUNT"):
        # Behind nginx and the like: the client's address and scheme come from the proxies'
        # headers, trusted only as many hops deep as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    # Ids in URLs fit the database's integer columns: a huge number is a 404, not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            database.ping_idle_connections(engine)
            database.commit_without_waiting_by_default(engine)
            database.read_pages_without_transaction(engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_item=render_migration_type)
    csrf.init_app(app)
    login_manager.init_app(app)
    init_templating(app.jinja_env)
    init_i18n(app, babel, CATALOGUES)
    init_security(app)
    init_transactions(app)


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(api)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        if request_ctx.url_adapter is None:
            # A Host the site does not answer for (TRUSTED_HOSTS): no page can be built.
            return exc.description or "", exc.code, {"Content-Type": "text/plain"}
        if request.path.startswith("/api/"):
            return http_error(exc)
        # The exception's own headers (Allow on a 405) go with the page.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return render_template("error.html", error=exc), exc.code, headers

    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        if request.path.startswith("/api/"):
            return domain_error(exc)
        return render_template("error.html", error=exc), exc.status, exc.headers
