"""The outbox: messages are written in the transaction of the change that causes them (a
change rolled back queues nothing), then `deliver_due` sends them, each once, retrying later
when the server fails and giving up after MAIL_MAX_ATTEMPTS.

Several runs may deliver at once: on PostgreSQL each message is taken with `SELECT … FOR
UPDATE SKIP LOCKED` and kept locked while it is sent; on SQLite (one machine, one writer) a
run claims it first by writing `claimed_at`, in a transaction of its own."""

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import Parser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import delete, or_, select, update

from parcours.core.models import utcnow
from parcours.extensions import db
from parcours.notifications.models import MessageKind, OutboxMessage

# A run that died while sending leaves its claim (SQLite); another run takes it after this.
CLAIM_LIFETIME = timedelta(minutes=15)
# The wait before the next attempt doubles from a minute up to this.
LONGEST_WAIT = timedelta(hours=6)
# Delivered and given-up messages (without their text) are kept this long, then deleted.
KEPT_DAYS = 90
SMTP_TIMEOUT = 30


class MailError(Exception):
    """The mail server could not be reached, or refused the message."""


def enqueue(kind: MessageKind, message: EmailMessage, user_id: int | None = None) -> OutboxMessage:
    """Queue a message in the current transaction (delivered once it is committed)."""
    queued = OutboxMessage(
        kind=kind,
        user_id=user_id,
        recipient=message["To"],
        content=message.as_string(policy=policy.SMTP),
        next_attempt_at=utcnow(),
        attempts=0,
    )
    db.session.add(queued)
    db.session.flush()
    return queued


def forget_messages(user_id: int, email: str | None) -> None:
    """Closing an account: its messages (and those to its address) not sent yet are dropped,
    and the sent ones forget the address."""
    to_address = [OutboxMessage.user_id == user_id]
    if email:
        to_address.append(OutboxMessage.recipient == email)
    db.session.execute(
        delete(OutboxMessage).where(or_(*to_address), OutboxMessage.sent_at.is_(None)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(OutboxMessage).where(or_(*to_address)).values(recipient=None, content=None),
        execution_options={"synchronize_session": False},
    )


# Delivering --------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What a run did."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.given_up == 0


class FileTransport:
    """Without PARCOURS_MAIL_URL: each message becomes an .eml file in instance/mail/."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return False

    def send(self, queued: OutboxMessage, message: EmailMessage) -> None:
        stamp = queued.created_at.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{queued.id}-{queued.kind.value}.eml"
        path.write_bytes(message.as_bytes(policy=policy.SMTP))


class SMTPTransport:
    """smtp://[user:password@]host:port[?starttls=1] or smtps://…; one connection per run."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise MailError(f"PARCOURS_MAIL_URL must be smtp://host:port or smtps://…: {url!r}")
        self.secure = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.secure else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["0"])[0].lower() in {"1", "true", "yes"}
        self.connection: smtplib.SMTP | None = None

    def __enter__(self):
        try:
            if self.secure:
                self.connection = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=SMTP_TIMEOUT,
                    context=ssl.create_default_context(),
                )
            else:
                self.connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
                if self.starttls:
                    self.connection.starttls(context=ssl.create_default_context())
            if self.user:
                self.connection.login(self.user, self.password or "")
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"{self.host}:{self.port}: {error}") from error
        return self

    def __exit__(self, *exc):
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        return False

    def send(self, queued: OutboxMessage, message: EmailMessage) -> None:
        try:
            self.connection.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(str(error)) from error


def transport():
    """Where the messages go: the SMTP server of PARCOURS_MAIL_URL, else instance/mail/."""
    url = current_app.config.get("MAIL_URL")
    if url:
        return SMTPTransport(url)
    return FileTransport(Path(current_app.instance_path) / "mail")


def _due(now: datetime):
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(
                OutboxMessage.claimed_at.is_(None),
                OutboxMessage.claimed_at < now - CLAIM_LIFETIME,
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )


def _next_due(now: datetime) -> OutboxMessage | None:
    """The next message to send, taken for this run (committed claim on SQLite, row lock on
    PostgreSQL, held until the message is marked sent or failed)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(_due(now).with_for_update(skip_locked=True))
    while (candidate := db.session.scalar(_due(now))) is not None:
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == candidate.id,
                or_(
                    OutboxMessage.claimed_at.is_(None),
                    OutboxMessage.claimed_at < now - CLAIM_LIFETIME,
                ),
            )
            .values(claimed_at=now),
            execution_options={"synchronize_session": False},
        ).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(OutboxMessage, candidate.id, populate_existing=True)
    return None


def _failed(queued: OutboxMessage, error: str, now: datetime, result: Delivery) -> None:
    queued.attempts += 1
    queued.last_error = error[:500]
    queued.claimed_at = None
    if queued.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        queued.gave_up_at = now
        queued.content = None
        result.given_up += 1
    else:
        wait = min(timedelta(minutes=2 ** (queued.attempts - 1)), LONGEST_WAIT)
        queued.next_attempt_at = now + wait
        result.failed += 1
    result.errors.append(f"message {queued.id}: {error}")


def deliver_due(now: datetime | None = None) -> Delivery:
    """Send every message due, each in a transaction of its own; the caller's session must
    hold nothing uncommitted. With the server unreachable, every due message counts a failed
    attempt and waits for a later run."""
    now = now or utcnow()
    result = Delivery()
    db.session.commit()
    try:
        with transport() as out:
            while (queued := _next_due(now)) is not None:
                try:
                    out.send(queued, Parser(policy=policy.SMTP).parsestr(queued.content))
                except MailError as error:
                    _failed(queued, str(error), now, result)
                else:
                    queued.sent_at = utcnow()
                    queued.claimed_at = None
                    queued.content = None  # its links are secrets given once
                    result.sent += 1
                db.session.commit()
    except MailError as error:
        db.session.rollback()
        _server_down(str(error), now, result)
    return result


def _server_down(error: str, now: datetime, result: Delivery) -> None:
    """No connection: each message due counts a failed attempt (they all waited in vain)."""
    due = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    ).all()
    for queued in due:
        _failed(queued, error, now, result)
    if not due:
        result.errors.append(error)
        result.failed += 1
    db.session.commit()


def purge_delivered(now: datetime | None = None) -> int:
    """Delivered or given-up messages older than KEPT_DAYS go (their text went already)."""
    before = (now or utcnow()) - timedelta(days=KEPT_DAYS)
    result = db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.sent_at < before, OutboxMessage.gave_up_at < before)
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0
