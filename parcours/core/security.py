"""HTTP security headers on every response, and input no database can store refused."""

from flask import Flask, Response, request
from flask_babel import gettext as _

from parcours.core.errors import BadInput

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        # Plans hold sensitive data: keep them out of shared caches and the back-forward cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def refuse_nul_characters() -> None:
    """A NUL character cannot be stored in a text column (PostgreSQL refuses it): the request
    gets a 400, whatever field it hides in."""
    values = [v for _key, vs in request.args.lists() for v in vs]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [v for _key, vs in request.form.lists() for v in vs]
    body = request.get_data(cache=True) if request.is_json else b""
    if any("\x00" in v for v in values) or b"\x00" in body or b"\\u0000" in body.lower():
        raise BadInput(
            _("The text contains a character that cannot be saved (a NUL character)."),
            code="nul_character",
        )


def init_security(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
