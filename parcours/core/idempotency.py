"""Once only: a request sent again with the same key gets the first answer and changes nothing.

Two kinds of key, one mechanism:

- an API client's `Idempotency-Key` header on a POST (the same key within 24 hours returns the
  first answer, marked `Idempotent-Replayed: true`; the same key with another body is refused,
  422 `idempotency_key_reused`);
- a page form's one-time token (`OnceField`, a hidden field every form that creates something
  carries): a double tap, or a reload of the page the form answered with, shows the first
  result ("already saved") instead of making a second. A form sent again with other values
  (the user went back and changed them) is a new request.

The first request with a key writes a placeholder before anything else, in the request's own
transaction. A repeat that arrives meanwhile waits for it: on SQLite behind the write lock a
POST takes at BEGIN, then finds the answer; on PostgreSQL on the unique key, then is refused
(409 `idempotency_key_in_use`, to be tried again). When the request succeeds, its answer is
kept with its change, in the same commit (core/transactions.py); when it fails, the rollback
takes the placeholder back too, and the same key can be tried again. Answers are kept 24 hours,
then purged (`flask retention purge`).

Only signed-in users' requests are remembered, under their account: a key is theirs alone.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, Response, abort, flash, g, redirect, request
from flask_login import current_user
from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import UTCDateTime, utcnow
from parcours.extensions import db

KEPT_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"
KEY_MAX = 255
KEY_PATTERN = re.compile(rf"[\x21-\x7e]{{1,{KEY_MAX}}}")  # visible ASCII characters
FORM_FIELD = "once"
# What an answer keeps: enough to send it again.
BODY_TYPES = ("application/json",)


class OnceRequest(db.Model):
    """A request made with a key, and its answer once it succeeded (`status` None meanwhile)."""

    __tablename__ = "once_requests"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_once_requests_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_MAX + 8))
    # The method, path and body it was made with: the same key means the same request.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(2000))
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_token() -> str:
    return secrets.token_urlsafe(16)


class OnceField(HiddenField):
    """A form's one-time token: a fresh one each time the form is shown anew, the same one when
    it is shown again with its errors (nothing was made then)."""

    def __init__(self, **kwargs):
        super().__init__(default=new_token, **kwargs)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status: int


KEY_REUSED = Refusal(
    "idempotency_key_reused",
    _l("This Idempotency-Key was already used for another request."),
    422,
)
KEY_IN_USE = Refusal(
    "idempotency_key_in_use",
    _l("A request with this Idempotency-Key is still being handled: try again in a moment."),
    409,
)
KEY_INVALID = Refusal(
    "invalid_idempotency_key",
    _l("An Idempotency-Key is 1 to 255 visible characters."),
    400,
)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path):
        digest.update(part.encode() + b"\0")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Parsed already (the CSRF check reads it): its fields, the tokens apart.
        for name, value in sorted(request.form.items(multi=True)):
            if name not in ("csrf_token", FORM_FIELD):
                digest.update(f"{name}={value}".encode() + b"\0")
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _previous(user_id: int, key: str) -> OnceRequest | None:
    return db.session.scalar(
        select(OnceRequest).where(
            OnceRequest.user_id == user_id,
            OnceRequest.key == key,
            OnceRequest.created_at > utcnow() - KEPT_FOR,
        )
    )


def _reserve(user_id: int, key: str, fingerprint: str) -> OnceRequest | Refusal:
    """The placeholder of a first request, or why it cannot be made now."""
    stale = delete(OnceRequest).where(
        OnceRequest.user_id == user_id,
        OnceRequest.key == key,
        OnceRequest.created_at <= utcnow() - KEPT_FOR,
    )
    db.session.execute(stale, execution_options={"synchronize_session": False})
    once = OnceRequest(user_id=user_id, key=key, fingerprint=fingerprint)
    try:
        with db.session.begin_nested():
            db.session.add(once)
    except IntegrityError:  # the same key, committed meanwhile by a request running alongside
        return KEY_IN_USE
    return once


def api_key() -> str | Refusal | None:
    """The API request's key (None without the header)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not KEY_PATTERN.fullmatch(key):
        return KEY_INVALID
    return "api:" + key


def form_key() -> str | None:
    """The page form's key: its one-time token and what it was sent with (None without). A
    form with a prefix (several forms on one page) names it `<prefix>-once`."""
    token = next(
        (
            value
            for name, value in request.form.items()
            if name == FORM_FIELD or name.endswith("-" + FORM_FIELD)
        ),
        "",
    ).strip()
    if not token or len(token) > 64:
        return None
    return f"form:{token}:{_fingerprint()[:32]}"


def replay_or_reserve(key: str) -> Response | Refusal | None:
    """The first answer to `key` when there is one; else the request goes on, its placeholder
    written (None). Only POSTs by a signed-in user are remembered."""
    if request.method != "POST" or not current_user.is_authenticated:
        return None
    fingerprint = _fingerprint()
    previous = _previous(current_user.id, key)
    if previous is not None:
        if previous.fingerprint != fingerprint:
            return KEY_REUSED
        if previous.status is None:
            return KEY_IN_USE
        return _replayed(previous)
    reserved = _reserve(current_user.id, key, fingerprint)
    if isinstance(reserved, Refusal):
        return reserved
    g.parcours_once = reserved
    return None


def _replayed(previous: OnceRequest) -> Response:
    if previous.body is not None:
        response = Response(
            previous.body, status=previous.status, content_type=previous.content_type
        )
        if previous.location:
            response.headers["Location"] = previous.location
    else:
        # A page: where the first answer went (or the page the form was on).
        response = redirect(previous.location or request.path, 303)
        g.parcours_replayed = True
    response.headers["Idempotent-Replayed"] = "true"
    return response


def keep_answer(response: Response) -> None:
    """The request succeeded: its placeholder keeps the answer, to be committed with its
    change. Bodies are kept for the API only; a page's form is answered by a redirect (to the
    page that shows what it made), or by a page that says what it created (201, its
    `Location` the page to go to when it is sent again): going there is the second answer."""
    once = g.pop("parcours_once", None)
    if once is None or inspect(once).was_deleted or inspect(once).detached:
        return  # none, or forgotten meanwhile (the account closed)
    if once.key.startswith("form:") and not (
        300 <= response.status_code < 400 or response.status_code == 201
    ):
        # A page that answers a form with itself (but to say what it created, 201) showed its
        # errors: nothing was made, and the same values may be sent again.
        db.session.delete(once)
        return
    once.status = response.status_code
    once.location = response.headers.get("Location")
    if response.mimetype in BODY_TYPES and not response.is_streamed:
        once.content_type = response.content_type
        once.body = response.get_data(as_text=True)


def was_replayed() -> bool:
    """Whether this request only showed again the answer of the first one (a page says so)."""
    return g.get("parcours_replayed", False)


def forget_once_requests(user_id: int) -> None:
    """The account is closing: nothing of its requests is kept."""
    db.session.execute(
        delete(OnceRequest).where(OnceRequest.user_id == user_id),
        execution_options={"synchronize_session": "fetch"},
    )


def purge_once_requests(before: datetime | None = None) -> int:
    """Forget the answers older than 24 hours (or than `before`)."""
    cutoff = before or utcnow() - KEPT_FOR
    result = db.session.execute(
        delete(OnceRequest).where(OnceRequest.created_at <= cutoff),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def _page_request() -> Response | None:
    """Before a page's POST: the first answer to its form's token, if it was sent before."""
    if request.blueprint == "api" or request.method != "POST":
        return None
    key = form_key()
    if key is None:
        return None
    outcome = replay_or_reserve(key)
    if isinstance(outcome, Refusal):
        abort(outcome.status)
    if outcome is not None:
        flash(_l("This was already saved: it was sent twice and kept once."), "success")
    return outcome


def init_idempotency(app: Flask) -> None:
    app.before_request(_page_request)
