"""Users, their organisations, their login sessions and API tokens."""

import functools
import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours.core.models import NAME_MAX, CreatedAtMixin, UTCDateTime
from parcours.core.names import former_member_name
from parcours.extensions import db

_hasher = PasswordHasher()


def use_cheap_password_hashing() -> None:
    """For the test suite only: argon2's cheapest parameters keep thousands of logins fast."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_password_hash() -> str:
    """A hash to verify against when the account does not exist, so both take as long."""
    return _hasher.hash(secrets.token_urlsafe(16))


# What a closed account's password hash becomes: not an argon2 hash, so no password matches.
CLOSED_PASSWORD_HASH = "!closed"


def hash_secret(secret: str) -> str:
    """A SHA-256 digest for random tokens (they are long enough not to need a slow hash)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_key(name: str) -> str:
    """The comparison key of an organisation name: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


class Organisation(CreatedAtMixin, db.Model):
    """A service or institution professionals work for (SESSAD, IME, school, ESAT…)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    key: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)

    def __str__(self) -> str:
        return self.name


class User(UserMixin, CreatedAtMixin, db.Model):
    """Someone who can sign in: a person accompanied, a relative, or a professional."""

    __tablename__ = "users"
    __table_args__ = (
        # A closed account keeps neither: its former identifiers can sign up again.
        CheckConstraint(
            "email IS NOT NULL OR login_name IS NOT NULL OR closed_at IS NOT NULL",
            name="has_identifier",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # For people without an e-mail address (often ESAT workers): a name they sign in with.
    login_name: Mapped[str | None] = mapped_column(String(60), unique=True)
    # Read through `name`, which hides it once the account is closed.
    stored_name: Mapped[str] = mapped_column("name", String(80))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_professional: Mapped[bool] = mapped_column(default=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    function: Mapped[str | None] = mapped_column(String(80))
    locale: Mapped[str | None] = mapped_column(String(5))
    # None: the default for the user's roles (easy-read is offered to people accompanied).
    easy_read: Mapped[bool | None] = mapped_column()
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Set when the user closed their account: personal data erased, texts kept unnamed.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    # Set by the user loader: the login session this request runs in.
    login_session = None

    @hybrid_property
    def name(self) -> str:
        """The name shown everywhere: "a former member" once the account is closed."""
        if self.closed_at is not None:
            return former_member_name()
        return self.stored_name

    @name.inplace.setter
    def _name_setter(self, value: str) -> None:
        self.stored_name = value

    @name.inplace.expression
    @classmethod
    def _name_expression(cls):
        # In SQL, the stored name (erased when closed): queries that show it read closed_at.
        return cls.stored_name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_active(self) -> bool:
        return self.active and self.closed_at is None

    @property
    def identifier(self) -> str:
        return self.email or self.login_name or ""

    def get_id(self) -> str:
        """Flask-Login stores the login session's key, so that signing out can revoke it."""
        if self.login_session is None:
            raise RuntimeError("a user is logged in only through a login session")
        return self.login_session.key

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def __str__(self) -> str:
        return self.name


class LoginSession(CreatedAtMixin, db.Model):
    """One signed-in browser. Signing out ends it, so a copied cookie stops working."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(CreatedAtMixin, db.Model):
    """A bearer token for the JSON API. Only its digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)


def find_organisation(name: str) -> Organisation | None:
    """The organisation with this name, whatever its case and spacing."""
    return db.session.scalar(db.select(Organisation).filter_by(key=normalise_key(name)))


def user_by_identifier(identifier: str) -> User | None:
    """The user signing in with this e-mail address or login name."""
    key = identifier.strip().lower()
    return db.session.scalar(db.select(User).where((User.email == key) | (User.login_name == key)))
