"""HTTP security headers on every response, and input no database can store refused."""

import json

from flask import Flask, Response, current_app, request

from parcours.core.errors import BadInput
from parcours.core.i18n import gettext as _

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
    if response.mimetype == "text/html" or request.path.startswith("/api/"):
        # Plans hold sensitive data: keep them out of shared caches and the back-forward cache
        # (files set it themselves: core.views.download).
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # The site is served over HTTPS (its cookies say so): browsers stay on HTTPS.
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


HSTS = "max-age=31536000; includeSubDomains"
# Deeper than this, a JSON body is no API input (ours nest three levels at most).
JSON_DEPTH_MAX = 32


def _json_problem(body: bytes) -> str | None:
    """What makes a JSON body unstorable: "depth" (nested too deep: Python's parser would
    recurse until it fails), "surrogate" (a lone UTF-16 surrogate such as "\\ud800", which
    no UTF-8 column can store); None when it is fine or not JSON at all."""
    depth = deepest = 0
    in_string = escaped = False
    openers = body.count(b"[") + body.count(b"{")
    for byte in body if openers > JSON_DEPTH_MAX else b"":
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    if deepest > JSON_DEPTH_MAX:
        return "depth"
    if b"\\u" not in body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the view answers that
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "surrogate"
    return None


def refuse_unstorable_input() -> None:
    """A NUL character cannot be stored in a text column (PostgreSQL refuses it), nor a lone
    surrogate, and a JSON body nested thousands deep breaks the parser: the request gets a
    400, whatever field it hides in, before anything reads it (even the sign-in API)."""
    values = [v for _key, vs in request.args.lists() for v in vs]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [v for _key, vs in request.form.lists() for v in vs]
    body = request.get_data(cache=True) if request.is_json else b""
    if any("\x00" in v for v in values) or b"\x00" in body or b"\\u0000" in body.lower():
        raise BadInput(
            _("The text contains a character that cannot be saved (a NUL character)."),
            code="nul_character",
        )
    problem = _json_problem(body) if body else None
    if problem == "depth":
        raise BadInput(_("The request body is nested too deeply."), code="too_deep")
    if problem == "surrogate":
        raise BadInput(
            _("The text contains a character that cannot be saved (a lone surrogate)."),
            code="invalid_character",
        )


def init_security(app: Flask) -> None:
    app.before_request(refuse_unstorable_input)
    app.after_request(add_security_headers)
