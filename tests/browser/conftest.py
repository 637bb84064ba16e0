"""Browser tests: the app served on 127.0.0.1 with its own database and the demo data,
driven by Playwright in Debian's Chromium. Skipped, with a message, when Chromium is absent.
"""

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "parcours-demo-2026"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: browser tests skipped "
            "(install Debian's package: apt-get install -y chromium)"
        )
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with a fresh SQLite database built from the migrations and the demo data."""
    from flask_migrate import upgrade

    from parcours import create_app
    from parcours.demo import load_demo
    from parcours.extensions import db

    database = tmp_path_factory.mktemp("browser") / "parcours.sqlite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "WTF_CSRF_ENABLED": True,
            "LOGIN_ATTEMPTS_LIMIT": "1000 per minute",
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("browser-instance"))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        load_demo()
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app}
    server.shutdown()


def _read_whole(app):
    """The app with each response read whole before it is sent. Werkzeug's development
    server skips closing the response when the browser drops the connection while it
    drains the request (Chromium does, for a favicon it no longer wants): the static
    file stays open and its ResourceWarning fails whichever test is running."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(login=None, width=1024, locale="fr-FR") → a page, signed in if asked."""
    contexts = []

    def _new_page(login: str | None = None, width: int = 1024, locale: str = "fr-FR"):
        context = browser.new_context(
            base_url=live_server["url"],
            locale=locale,
            viewport={"width": width, "height": 800},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if login:
            sign_in(page, login)
        return page

    yield _new_page
    for context in contexts:
        context.close()


def sign_in(page, login: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#identifier", login)
    page.fill("#password", password)
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
