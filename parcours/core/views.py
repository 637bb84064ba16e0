"""Small helpers shared by the views of every domain."""

import io
from collections.abc import Callable, Mapping
from typing import Any

import segno
from flask import Response, flash, session
from markupsafe import Markup

from parcours.core.errors import DomainError
from parcours.core.forms import Form


def flash_success(message: str) -> None:
    flash(message, "success")


def flash_error(message: str) -> None:
    flash(message, "error")


def flash_once(message: str, category: str = "info") -> None:
    """Flash a message unless the same one already waits to be shown: a client that does not
    follow redirects (a script, a prefetch) would otherwise grow the session cookie with each
    request until the browser drops it."""
    if (category, message) not in session.get("_flashes", []):
        flash(message, category)


def perform(action: Callable[[], Any], success: str | Callable[[Any], str]) -> bool:
    """A button's one operation (CSRF is checked for every POST by CSRFProtect): say it is
    done, with a message chosen from what the operation returned, or say why the domain
    refused it (the request's changes are then rolled back: core/transactions.py)."""
    try:
        result = action()
    except DomainError as error:
        flash_error(error.message)
        return False
    flash_success(success(result) if callable(success) else success)
    return True


def place_error(
    error: DomainError,
    form: Form,
    fields: Mapping[str, str],
    default: str | None = None,
) -> DomainError | None:
    """Put a domain error on the form field it is about (by its code, else `default`), or
    return it when it concerns the whole action (a rule not met), to show above the form."""
    name = fields.get(error.code, default)
    if name is None:
        return error
    getattr(form, name).errors.append(error.message)
    return None


def download(content: str | bytes, filename: str, mimetype: str) -> Response:
    """A file the browser saves under `filename` (ASCII: our names are slugs and dates)."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A plan's file: never kept by a shared cache or the browser's.
    response.headers["Cache-Control"] = "no-store"
    return response


def qr_code(text: str, title: str) -> Markup:
    """An inline SVG QR code (no script, no style attribute: fine with the CSP)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=6, border=2, title=title
    )
    return Markup(buffer.getvalue().decode())
