"""The JSON API blueprint: bearer-token authentication, input loading and JSON errors."""

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from parcours.core.errors import BadInput, DomainError
from parcours.extensions import csrf

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent by browsers on their own, so the API needs no CSRF token.
csrf.exempt(api)

# Routes that do not need a token (the one that issues it).
PUBLIC_ENDPOINTS = {"api.create_token"}


def error(code: str, message: str, status: int, **extra):
    """A JSON error response: {"error": CODE, "message": TEXT, ...}."""
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="parcours"'
    return response


@api.before_request
def authenticate():
    """Every API call but token creation needs a valid bearer token; cookies are ignored."""
    from parcours.accounts.operations import user_for_api_token

    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    user = user_for_api_token(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return error("unauthorized", _("A valid bearer token is required."), 401)
    # Flask-Login's current_user reads this; the cookie session is never consulted here.
    g._login_user = user
    return None


def load(schema: Schema, partial: bool = False) -> dict:
    """The request's JSON body validated by a schema (ValidationError becomes a 422)."""
    data = request.get_json(silent=True)
    if data is None:
        data = {} if not request.data else None
    if not isinstance(data, dict):
        raise BadInput(_("The request body must be a JSON object."))
    return schema.load(data, partial=partial)


@api.errorhandler(DomainError)
def domain_error(exc: DomainError):
    extra = {"current": exc.details} if exc.details is not None else {}
    return error(exc.code, exc.message, exc.status, **extra)


@api.errorhandler(ValidationError)
def validation_error(exc: ValidationError):
    return error("invalid", _("Some fields are missing or invalid."), 422, fields=exc.messages)


def http_error(exc: HTTPException):
    """HTTP errors under /api/v1 (404, 405, 413, 429…) answered in JSON."""
    messages = {
        400: _("The request could not be understood."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        429: _("Too many attempts. Please wait before trying again."),
    }
    code = (exc.name or "error").lower().replace(" ", "_")
    return error(code, messages.get(exc.code, exc.description), exc.code or 500)
