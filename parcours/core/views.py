"""Small helpers shared by the views of every domain."""

from collections.abc import Callable

from flask import Response, flash

from parcours.core.errors import DomainError
from parcours.extensions import db


def flash_success(message: str) -> None:
    flash(message, "success")


def flash_error(message: str) -> None:
    flash(message, "error")


def perform(action: Callable[[], object], success: str | Callable[[], str]) -> bool:
    """A button's one operation (CSRF is checked for every POST by CSRFProtect): commit and
    say so, or say why the domain refused it."""
    try:
        action()
    except DomainError as error:
        flash_error(error.message)
        return False
    db.session.commit()
    flash_success(success() if callable(success) else success)
    return True


def download(content: str | bytes, filename: str, mimetype: str) -> Response:
    """A file the browser saves under `filename` (ASCII: our names are slugs and dates)."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
