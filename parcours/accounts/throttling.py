"""Slowing down password guessing and mass sign-ups, with limits held in the database.

The counts live in the `attempts` table, not in a worker's memory: four workers, or two
servers, share one limit. Each limit is a sliding window ("5 per 15 minutes"):

- per account *and* client address (PARCOURS_LOGIN_ATTEMPTS_LIMIT): after 5 failed sign-ins
  on one account from one address, that address waits until the oldest of them is 15 minutes
  old. The owner, from their own address, is not locked out by someone guessing elsewhere;
- per client address, whatever the account (PARCOURS_ADDRESS_ATTEMPTS_LIMIT): password
  spraying, one guess on each of many accounts, is limited too;
- sign-up requests per client address (PARCOURS_SIGNUP_LIMIT);
- visits of answer links, which need no account, per client address
  (PARCOURS_ANSWER_LINK_LIMIT);
- requests for a password reset link per client address (PARCOURS_PASSWORD_RESET_LIMIT) and
  per e-mail address typed, whatever the client (PARCOURS_PASSWORD_RESET_ACCOUNT_LIMIT: nobody
  fills someone's mailbox), and visits of reset links per client address
  (PARCOURS_RESET_LINK_LIMIT).

A refusal says how long to wait (page message, API 429 with Retry-After) and checks no
password. A successful sign-in clears the failures of its account and address. Failures are
written once the response is ready, in a transaction of their own: the request's own changes
are rolled back when it answers 401, the count must not be.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import delete, insert, select

from parcours.accounts.models import Attempt, identifier_key
from parcours.core.errors import TooManyAttempts
from parcours.core.models import utcnow
from parcours.core.security_log import client_address, record_security_event
from parcours.core.transactions import after_response
from parcours.extensions import db

SIGN_IN = "sign_in"
SIGN_UP = "sign_up"
ANSWER_LINK = "answer_link"
PASSWORD_RESET = "password_reset"
RESET_LINK = "reset_link"
# Attempts older than this are deleted as new ones come (no limit looks further back).
KEPT = timedelta(days=1)

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    """At most `count` attempts in any `window`."""

    count: int
    window: timedelta


def parse_rate(text: str) -> Rate:
    """ "5 per 15 minutes", "20 per hour", "10/day" as a Rate."""
    match = _RATE.match(text.lower())
    if match is None:
        raise ValueError(f"not a rate: {text!r} (write e.g. '5 per 15 minutes')")
    count, number, unit = match.groups()
    window = timedelta(seconds=int(number or 1) * _UNITS[unit])
    return Rate(int(count), min(window, KEPT))


def wait_before_next(times: list[datetime], rate: Rate, now: datetime) -> timedelta | None:
    """How long to wait before the next attempt, given the earlier ones, or None."""
    recent = sorted(t for t in times if t > now - rate.window)
    if len(recent) < rate.count:
        return None
    return recent[-rate.count] + rate.window - now


def _rate(setting: str) -> Rate:
    return parse_rate(current_app.config[setting])


def wait_message(wait: timedelta) -> str:
    """Please wait N minutes (or seconds), rounded up."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        return ngettext(
            "Too many attempts. Please wait %(num)d second before trying again.",
            "Too many attempts. Please wait %(num)d seconds before trying again.",
            seconds,
        )
    return ngettext(
        "Too many attempts. Please wait %(num)d minute before trying again.",
        "Too many attempts. Please wait %(num)d minutes before trying again.",
        math.ceil(seconds / 60),
    )


def _refuse(wait: timedelta) -> TooManyAttempts:
    return TooManyAttempts(wait_message(wait), retry_after=max(1, math.ceil(wait.total_seconds())))


@dataclass(frozen=True)
class SignInTally:
    """The recent failures an attempt is judged by, kept to record the next one."""

    account_key: str
    address: str
    for_account: int
    for_address: int


def check_sign_in(identifier: str) -> SignInTally:
    """Refuse (TooManyAttempts) a sign-in on this account from this address while a limit is
    reached; otherwise the tally to pass to `record_failure`."""
    key = identifier_key(identifier)
    address = client_address() or "-"
    pair, spread = _rate("LOGIN_ATTEMPTS_LIMIT"), _rate("ADDRESS_ATTEMPTS_LIMIT")
    now = utcnow()
    rows = db.session.execute(
        select(Attempt.account_key, Attempt.created_at).where(
            Attempt.action == SIGN_IN,
            Attempt.address == address,
            Attempt.created_at > now - max(pair.window, spread.window),
        )
    ).all()
    mine = [at for account, at in rows if account == key]
    waits = [
        wait_before_next(mine, pair, now),
        wait_before_next([at for _account, at in rows], spread, now),
    ]
    if any(waits):
        raise _refuse(max(w for w in waits if w))
    return SignInTally(
        key,
        address,
        sum(1 for at in mine if at > now - pair.window),
        sum(1 for _a, at in rows if at > now - spread.window),
    )


def record_failure(tally: SignInTally, event: str, user_id: int | None = None) -> None:
    """Count a failed attempt and write it to the security log; when it reaches a limit, the
    slowing down is logged too."""
    now = utcnow()
    row = {
        "action": SIGN_IN,
        "account_key": tally.account_key,
        "address": tally.address,
        "created_at": now,
    }

    def write() -> None:
        db.session.execute(insert(Attempt), [row])
        db.session.execute(
            delete(Attempt).where(Attempt.action == SIGN_IN, Attempt.created_at < now - KEPT)
        )

    after_response(write)
    record_security_event(event, user_id=user_id, identifier_key=tally.account_key)
    pair, spread = _rate("LOGIN_ATTEMPTS_LIMIT"), _rate("ADDRESS_ATTEMPTS_LIMIT")
    if tally.for_account + 1 == pair.count or tally.for_address + 1 == spread.count:
        throttled = "token.throttled" if event.startswith("token.") else "sign_in.throttled"
        record_security_event(throttled, user_id=user_id, identifier_key=tally.account_key)


def clear_failures(tally: SignInTally) -> None:
    """A successful sign-in: the failures of this account from this address are forgiven."""
    db.session.execute(
        delete(Attempt).where(
            Attempt.action == SIGN_IN,
            Attempt.account_key == tally.account_key,
            Attempt.address == tally.address,
        )
    )


def check_sign_up() -> None:
    """Count a sign-up request from this address, or refuse it (TooManyAttempts)."""
    check_address_rate(SIGN_UP, "SIGNUP_LIMIT", "signup.throttled")


def check_answer_link_visit() -> None:
    """Count a visit of an answer link (the page or the API, without an account) from this
    address, or refuse it (TooManyAttempts): the links cannot be guessed, and nobody answers
    a hand-off in more than a few requests."""
    check_address_rate(ANSWER_LINK, "ANSWER_LINK_LIMIT", "answer_link.throttled")


def check_password_reset(email: str) -> None:
    """Count a request for a password reset link, or refuse it (TooManyAttempts): per client
    address, and per address typed whatever the client. Judged on what was typed, never on
    whether it has an account, so that a refusal tells nothing either."""
    check_address_rate(
        PASSWORD_RESET,
        "PASSWORD_RESET_LIMIT",
        "password_reset.throttled",
        account_key=identifier_key(email),
        account_setting="PASSWORD_RESET_ACCOUNT_LIMIT",
    )


def check_reset_link_visit() -> None:
    """Count a visit of a password reset link (the page or the API) from this address, or
    refuse it (TooManyAttempts): the links cannot be guessed, and nobody needs many visits."""
    check_address_rate(RESET_LINK, "RESET_LINK_LIMIT", "reset_link.throttled")


def check_address_rate(
    action: str,
    setting: str,
    throttled_event: str,
    *,
    account_key: str | None = None,
    account_setting: str | None = None,
) -> None:
    """Count a request of `action` from this address within the rate `setting`, or refuse it
    (TooManyAttempts); with `account_key`, also the requests about that account from any
    address within `account_setting`. The request that reaches a limit writes
    `throttled_event` to the security log."""
    address = client_address() or "-"
    rate = _rate(setting)
    per_account = _rate(account_setting) if account_setting else None
    now = utcnow()
    about = Attempt.address == address
    if per_account is not None:
        about = about | (Attempt.account_key == account_key)
    rows = db.session.execute(
        select(Attempt.address, Attempt.account_key, Attempt.created_at).where(
            Attempt.action == action,
            about,
            Attempt.created_at
            > now - max(rate.window, per_account.window if per_account else rate.window),
        )
    ).all()
    times = [
        at for row_address, _key, at in rows if row_address == address and at > now - rate.window
    ]
    waits = [wait_before_next(times, rate, now)]
    reached = len(times) + 1 == rate.count
    if per_account is not None:
        mine = [at for _address, key, at in rows if key == account_key]
        waits.append(wait_before_next(mine, per_account, now))
        reached = (
            reached
            or sum(1 for at in mine if at > now - per_account.window) + 1 == per_account.count
        )
    if any(waits):
        raise _refuse(max(w for w in waits if w))
    if reached:
        record_security_event(throttled_event, identifier_key=account_key)
    row = {"action": action, "account_key": account_key, "address": address, "created_at": now}

    def write() -> None:
        db.session.execute(insert(Attempt), [row])
        db.session.execute(
            delete(Attempt).where(Attempt.action == action, Attempt.created_at < now - KEPT)
        )

    after_response(write)
