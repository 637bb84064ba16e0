"""Two-step sign-in: time-based one-time codes (TOTP, RFC 6238, as authenticator apps make
them) and single-use recovery codes. Pure functions; the operations store the results."""

import hmac
import re
import secrets
from datetime import datetime

import pyotp

ISSUER = "Parcours"
RECOVERY_CODES = 10
# No 0/o, 1/l/i: the codes are read from paper. 16 characters of 31 are about 79 bits, enough
# for a plain SHA-256 digest.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16


def new_secret() -> str:
    """A new shared secret (base32, 160 bits), shown to the user's app once."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// address the QR code holds."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, to type it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step whose code this is (the current one, or one step either side for a
    clock a little off), or None. A step already used (`last_step` or before) never matches
    again: a code seen over a shoulder cannot be replayed."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Fresh recovery codes, as shown to the user (xxxx-xxxx-xxxx-xxxx)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def normalise_recovery_code(text: str) -> str:
    """What the digest is taken of: the letters and digits, in lower case."""
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def looks_like_recovery_code(text: str) -> bool:
    return len(normalise_recovery_code(text)) == RECOVERY_LENGTH
