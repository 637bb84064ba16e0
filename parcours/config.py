"""Configuration: defaults for a local run, everything overridable from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if not value:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Settings for a normal run; `load(instance_path)` fills what depends on the machine."""

    SIGNUP_ENABLED = _flag("PARCOURS_SIGNUP_ENABLED", True)
    INVITATION_LIFETIME = timedelta(days=int(os.environ.get("PARCOURS_INVITATION_DAYS", "7")))
    # Failed sign-ins allowed per account and client address, and per client address whatever
    # the account; sign-up requests per client address (accounts/throttling.py).
    LOGIN_ATTEMPTS_LIMIT = os.environ.get("PARCOURS_LOGIN_ATTEMPTS_LIMIT", "5 per 15 minutes")
    ADDRESS_ATTEMPTS_LIMIT = os.environ.get("PARCOURS_ADDRESS_ATTEMPTS_LIMIT", "20 per 15 minutes")
    SIGNUP_LIMIT = os.environ.get("PARCOURS_SIGNUP_LIMIT", "5 per hour")
    ANSWER_LINK_LIMIT = os.environ.get("PARCOURS_ANSWER_LINK_LIMIT", "30 per 15 minutes")
    # Requests for a password reset link per client address, and per e-mail address whatever
    # the client (nobody fills someone's mailbox); visits of reset links per client address.
    PASSWORD_RESET_LIMIT = os.environ.get("PARCOURS_PASSWORD_RESET_LIMIT", "5 per hour")
    PASSWORD_RESET_ACCOUNT_LIMIT = os.environ.get(
        "PARCOURS_PASSWORD_RESET_ACCOUNT_LIMIT", "3 per hour"
    )
    RESET_LINK_LIMIT = os.environ.get("PARCOURS_RESET_LINK_LIMIT", "30 per 15 minutes")
    # How many proxies stand before the app (nginx: 1): the client's address is then read from
    # X-Forwarded-For, and the scheme from X-Forwarded-Proto.
    PROXY_COUNT = int(os.environ.get("PARCOURS_PROXY_COUNT", "0"))
    # The site's address (https://parcours.example.org) for the links it gives out
    # (invitations); without it, the request's host, which TRUSTED_HOSTS should then restrict.
    BASE_URL = os.environ.get("PARCOURS_BASE_URL")
    TRUSTED_HOSTS = _list("PARCOURS_TRUSTED_HOSTS")
    # Login sessions end after this long without a request (unless "stay signed in"), and
    # after SESSION_LIFETIME whatever the activity (REMEMBER_COOKIE_DURATION when staying).
    SESSION_IDLE = timedelta(minutes=int(os.environ.get("PARCOURS_SESSION_IDLE_MINUTES", "30")))
    SESSION_LIFETIME = timedelta(hours=int(os.environ.get("PARCOURS_SESSION_HOURS", "12")))
    REMEMBER_COOKIE_DURATION = timedelta(
        days=int(os.environ.get("PARCOURS_STAY_SIGNED_IN_DAYS", "30"))
    )
    # Two-step sign-in required for admins and professionals.
    REQUIRE_MFA = _flag("PARCOURS_REQUIRE_MFA", False)
    # How long the logs (the security log) are kept; the CNIL's guidance for the social sector.
    LOG_RETENTION_DAYS = int(os.environ.get("PARCOURS_LOG_RETENTION_DAYS", "365"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies travel over HTTPS only; a local demo over http://127.0.0.1 opts out with
    # PARCOURS_SECURE_COOKIES=0 (scripts/demo does). HSTS is sent when they are secure.
    SESSION_COOKIE_SECURE = _flag("PARCOURS_SECURE_COOKIES", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PARCOURS_TIMEZONE", "Europe/Paris")
    LANGUAGES = ("fr", "en")
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Base URI of our identifier systems, codes and extensions in the FHIR export; by default
    # the site's own address followed by /fhir.
    FHIR_SYSTEM = os.environ.get("PARCOURS_FHIR_SYSTEM")
    # Where e-mail goes: smtp://[user:password@]host:port (?starttls=1) or smtps://…; without
    # it (the demo, a laptop) each message is written as an .eml file under instance/mail/.
    MAIL_URL = os.environ.get("PARCOURS_MAIL_URL")
    MAIL_FROM = os.environ.get("PARCOURS_MAIL_FROM", "Parcours <no-reply@localhost>")
    # `flask notifications send` gives a message up after this many failed attempts.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("PARCOURS_MAIL_MAX_ATTEMPTS", "12"))
    # The daily and weekly (Monday) digests go out from this hour (local time) on.
    DIGEST_HOUR = int(os.environ.get("PARCOURS_DIGEST_HOUR", "8"))
    TESTING = False

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        """The settings as a dict, with the database and the secret key resolved."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        settings["SECRET_KEY"] = _secret_key(instance_path)
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'parcours.sqlite'}"
        )
        return settings


def engine_options(config: dict) -> dict:
    """The engine's settings. A server's connections are not pinged each time they are taken
    from the pool (`pool_pre_ping`): those that waited a while are tested instead
    (core/database.py, `ping_idle_connections`)."""
    return dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))


class TestConfig(Config):
    """Settings for the test suite: a throwaway key, no CSRF unless a test asks for it."""

    TESTING = True
    CHEAP_PASSWORD_HASHING = True
    WTF_CSRF_ENABLED = False
    SIGNUP_ENABLED = True
    REQUIRE_MFA = False
    # The test client and the browser tests speak plain http.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    LOGIN_ATTEMPTS_LIMIT = "5 per 15 minutes"
    ADDRESS_ATTEMPTS_LIMIT = "20 per 15 minutes"
    SIGNUP_LIMIT = "5 per hour"
    ANSWER_LINK_LIMIT = "30 per 15 minutes"
    PASSWORD_RESET_LIMIT = "5 per hour"
    PASSWORD_RESET_ACCOUNT_LIMIT = "3 per hour"
    RESET_LINK_LIMIT = "30 per 15 minutes"
    PROXY_COUNT = 0
    BASE_URL = None
    TRUSTED_HOSTS = None
    MAIL_URL = None
    MAIL_FROM = "Parcours <no-reply@parcours.test>"
    MAIL_MAX_ATTEMPTS = 3
    DIGEST_HOUR = 8

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        """The test settings; the database URL is given by the test fixture."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        settings["SECRET_KEY"] = "test-secret-key"
        return settings
