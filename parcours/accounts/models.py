"""Users, their organisations, their login sessions and API tokens."""

import enum
import functools
import hashlib
import hmac
import secrets
from datetime import datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours.core.models import NAME_MAX, CreatedAtMixin, EnumType, UTCDateTime, utcnow
from parcours.core.names import account_name
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


def hash_password(password: str) -> str:
    """The argon2 hash of a password."""
    return _hasher.hash(password)


@functools.cache
def dummy_password_hash() -> str:
    """A hash to verify against when the account does not exist, so both take as long."""
    return _hasher.hash(secrets.token_urlsafe(16))


# What a closed account's password hash becomes: not an argon2 hash, so no password matches.
CLOSED_PASSWORD_HASH = "!closed"


def hash_secret(secret: str) -> str:
    """A SHA-256 digest for random tokens (they are long enough not to need a slow hash)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def identifier_key(identifier: str) -> str:
    """A pseudonym of what someone typed to sign in (an HMAC keyed by SECRET_KEY): the
    throttling and the security log count attempts per account without keeping the address,
    and for identifiers that belong to no account."""
    normalised = identifier.strip().lower().encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"identifier:" + normalised, hashlib.sha256).hexdigest()


def normalise_key(name: str) -> str:
    """The comparison key of an organisation name: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


class FormOfAddress(enum.Enum):
    """How the app speaks of a user where French marks it ("représentante légale", "la
    pilote"): their own choice. Not said: the neutral forms (epicene words, else both forms)."""

    feminine = "feminine"
    masculine = "masculine"
    neutral = "neutral"


class Notifications(enum.Enum):
    """How often a user wants e-mail about what waits for them (the digest; the messages they
    ask for, an invitation or a new password, go out whatever they chose)."""

    immediately = "immediately"  # as soon as something new waits
    daily = "daily"  # once a day, in the morning
    weekly = "weekly"  # on Mondays
    never = "never"  # no digest


TERRITORY_MAX = 3
# The départements: 01 to 95 (Corsica is 2A and 2B, not 20) and the five overseas ones.
TERRITORIES = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
)


def territory_code(value: str | None) -> str | None:
    """A département code as written ("37", "2a", " 971 "), normalised ("2A"); None when it
    is none of them."""
    code = (value or "").strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    return code if code in TERRITORIES else None


class Organisation(CreatedAtMixin, db.Model):
    """A service or institution professionals work for (SESSAD, IME, school, ESAT…)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    key: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    # The département it serves ("37", "2A", "971"), for the observatory of a territory.
    territory: Mapped[str | None] = mapped_column(String(TERRITORY_MAX), index=True)

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
    # The secrets (the password's digest, the two-step secret and its last step) are read
    # where a password or a code is checked only, not with every member a page shows.
    password_hash: Mapped[str] = mapped_column(String(200), deferred=True, deferred_group="secrets")
    is_professional: Mapped[bool] = mapped_column(default=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    function: Mapped[str | None] = mapped_column(String(80))
    locale: Mapped[str | None] = mapped_column(String(5))
    # None: the default for the user's roles (easy-read is offered to people accompanied).
    easy_read: Mapped[bool | None] = mapped_column()
    # None: not said, read as neutral.
    form_of_address: Mapped[FormOfAddress | None] = mapped_column(EnumType(FormOfAddress))
    notifications: Mapped[Notifications] = mapped_column(
        EnumType(Notifications), default=Notifications.daily, server_default="daily"
    )
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Set when the user closed their account: personal data erased, texts kept unnamed.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (TOTP, RFC 6238): the shared secret (base32) once confirmed, when it
    # was set up, and the last time step used (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(
        String(32), deferred=True, deferred_group="secrets"
    )
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(deferred=True, deferred_group="secrets")

    # Read when asked (a member's own organisation is the one their pages show): joined by
    # default, it came with every member and every page's signed-in user.
    organisation: Mapped[Organisation | None] = relationship()

    # Set by the user loader: the login session this request runs in.
    login_session = None

    def spoken_of(self, feminine: str, masculine: str, neutral: str) -> str:
        """Of three forms of a sentence about this user ("représentante légale", "représentant
        légal", "représentante ou représentant légal"), the one they chose; the neutral one
        when they did not say, or once their account is closed."""
        if self.closed_at is not None:
            return neutral
        return {FormOfAddress.feminine: feminine, FormOfAddress.masculine: masculine}.get(
            self.form_of_address, neutral
        )

    @hybrid_property
    def name(self) -> str:
        """The name shown everywhere: "a former member" once the account is closed."""
        return account_name(self.stored_name, self.closed_at)

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
    def has_two_step(self) -> bool:
        # Set with the secret and cleared with it (accounts/operations.py), and not secret.
        return self.totp_enabled_at is not None

    @property
    def must_have_two_step(self) -> bool:
        """Admins and professionals must set up two-step sign-in when the site requires it."""
        required = current_app.config.get("REQUIRE_MFA", False)
        return required and (self.is_admin or self.is_professional)

    @property
    def identifier(self) -> str:
        return self.email or self.login_name or ""

    def get_id(self) -> str:
        """Flask-Login stores the login session's key, so that signing out can revoke it."""
        if self.login_session is None:
            raise RuntimeError("a user is logged in only through a login session")
        return self.login_session.key

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def __str__(self) -> str:
        return self.name


class LoginSession(CreatedAtMixin, db.Model):
    """One signed-in browser. Signing out ends it, so a copied cookie stops working; it also
    ends on the server after a while without activity (unless the user chose to stay signed
    in) and, whatever the activity, at `expires_at`."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the browser last made a request (written at most once a minute).
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "Stay signed in on this device": no idle timeout, a longer lifetime.
    stay_signed_in: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="joined")


class TokenScope(enum.Enum):
    read = "read"  # GET requests only
    write = "write"  # everything the user may do


class ApiToken(CreatedAtMixin, db.Model):
    """A bearer token for the JSON API. Only its digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scope: Mapped[TokenScope] = mapped_column(EnumType(TokenScope), default=TokenScope.write)
    # What the user named it after ("DUI sync"), to recognise it in the list.
    label: Mapped[str | None] = mapped_column(String(80))
    # When a request last used it (written at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

    @property
    def read_only(self) -> bool:
        return self.scope is TokenScope.read


class RecoveryCode(CreatedAtMixin, db.Model):
    """A single-use code that replaces the authenticator app once (a lost phone). Only its
    digest is stored; the codes are shown once, when made."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResetKind(enum.Enum):
    """How a password reset reaches the owner of the account."""

    email = "email"  # a link sent to the account's e-mail address (valid one hour)
    card = "card"  # a printed card the pilot of a plan gives to a member (valid 7 days)


class ResetState(enum.Enum):
    pending = "pending"  # can still be used
    used = "used"  # a new password was set with it: it cannot be used again
    revoked = "revoked"  # replaced (a newer card, a password set) before it was used
    expired = "expired"  # past its expiry time


class PasswordReset(CreatedAtMixin, db.Model):
    """A single-use way to choose a new password without the old one: a link sent by e-mail,
    or a printed card. Only its digest is stored; the token is given once."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ResetKind] = mapped_column(EnumType(ResetKind))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def state(self, now: datetime | None = None) -> ResetState:
        if self.used_at is not None:
            return ResetState.used
        if self.revoked_at is not None:
            return ResetState.revoked
        if self.expires_at <= (now or utcnow()):
            return ResetState.expired
        return ResetState.pending


class Attempt(db.Model):
    """A failed sign-in (or a sign-up request), kept a short while to slow down guessing: in
    the database, so that the limits hold across the workers and processes of the site."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_action_address", "action", "address", "created_at"),
        Index("ix_attempts_action_account", "action", "account_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))  # "sign_in", "sign_up"
    # identifier_key() of the account tried (None for a sign-up).
    account_key: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def organisation_names(organisation_ids) -> dict[int, str]:
    """The name of each of these organisations (one query; none without ids)."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return dict(rows.all())


def find_organisation(name: str) -> Organisation | None:
    """The organisation with this name, whatever its case and spacing."""
    return db.session.scalar(db.select(Organisation).filter_by(key=normalise_key(name)))


def user_by_identifier(identifier: str) -> User | None:
    """The user signing in with this e-mail address or login name."""
    key = identifier.strip().lower()
    return db.session.scalar(db.select(User).where((User.email == key) | (User.login_name == key)))


class ObserverScope(CreatedAtMixin, db.Model):
    """What an observer sees figures of: one organisation, or one territory (a département).
    Named by a platform admin. An observer sees figures drawn from many plans, never a plan.

    Kept with the accounts, not in the observatory package: the plans refuse observers as
    members (an observer never opens a plan), and the plans stand below the observatory."""

    __tablename__ = "observer_scopes"
    __table_args__ = (
        CheckConstraint(
            "(organisation_id IS NULL) <> (territory IS NULL)", name="organisation_or_territory"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    territory: Mapped[str | None] = mapped_column(String(TERRITORY_MAX))

    user: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


def is_observer(user: User) -> bool:
    """Whether the user has an observer scope (one query)."""
    return (
        db.session.scalar(
            db.select(ObserverScope.id).where(ObserverScope.user_id == user.id).limit(1)
        )
        is not None
    )
