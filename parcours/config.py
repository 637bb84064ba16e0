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

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SIGNUP_ENABLED = _flag("PARCOURS_SIGNUP_ENABLED", True)
    INVITATION_LIFETIME = timedelta(days=int(os.environ.get("PARCOURS_INVITATION_DAYS", "7")))
    LOGIN_ATTEMPTS_LIMIT = os.environ.get("PARCOURS_LOGIN_ATTEMPTS_LIMIT", "5 per 15 minutes")
    RATELIMIT_STORAGE_URI = os.environ.get("PARCOURS_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("PARCOURS_SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PARCOURS_TIMEZONE", "Europe/Paris")
    LANGUAGES = ("fr", "en")
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Base URI of our identifier systems, codes and extensions in the FHIR export; by default
    # the site's own address followed by /fhir.
    FHIR_SYSTEM = os.environ.get("PARCOURS_FHIR_SYSTEM")
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


class TestConfig(Config):
    """Settings for the test suite: a throwaway key, no CSRF unless a test asks for it."""

    TESTING = True
    CHEAP_PASSWORD_HASHING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SIGNUP_ENABLED = True

    @classmethod
    def load(cls, instance_path: Path) -> dict:
        """The test settings; the database URL is given by the test fixture."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        settings["SECRET_KEY"] = "test-secret-key"
        return settings
