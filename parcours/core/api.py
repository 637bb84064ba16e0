"""The JSON API blueprint: bearer-token authentication, input loading, JSON errors, and the
declarations the OpenAPI description is generated from.

Every API route carries a `@documented(...)` declaration, written right under its
`@api.get(...)` (or post, put…) line:

    @api.post("/parcours/<int:parcours_id>/episodes")
    @documented(body=EpisodeInputSchema, responses={201: EpisodeSchema}, errors=(403,))
    def create_episode(parcours_id): ...

- `body`: the marshmallow schema the route loads its JSON body with (a class, or an instance
  such as `Schema(partial=True)` for a PATCH that takes any subset of the fields).
- `responses`: status -> what the route answers: a marshmallow schema (class or instance) it
  dumps its JSON through, `None` for no content (204), or `Content(media_type, schema)` for
  anything else: another media type (`Content("application/fhir+json")`), a free-form object
  (`schema=None`), or a raw JSON Schema dict.
- `errors`: the error statuses the route answers beyond those added for it: 400 (a NUL
  character, and a body that is not a JSON object), 401 without a valid token (unless the
  endpoint is in PUBLIC_ENDPOINTS), 404 when the path has parameters, 413 and 422 when it
  reads a body. Every error has the shape of ErrorSchema.
- `query`: a schema describing the query-string parameters.

The summary and description come from the view's docstring, the path parameters and methods
from the URL map, the tag from the package. parcours/developers/spec.py turns all this into
the OpenAPI document; a test fails for any API route without a declaration.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import HTTPException

from parcours.core.errors import BadInput, DomainError, RevisionRequired
from parcours.core.i18n import gettext as _
from parcours.core.idempotency import Refusal, api_key, replay_or_reserve
from parcours.core.security_log import record_security_event
from parcours.core.transactions import READ_ONLY_METHODS
from parcours.extensions import csrf

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent by browsers on their own, so the API needs no CSRF token.
csrf.exempt(api)

# Routes that do not need a token (the one that issues it, the API's own description).
# The hand-off answer links are opened without an account (the token is the credential).
PUBLIC_ENDPOINTS = {
    "api.create_token",
    "api.openapi",
    "api.get_handoff_answer",
    "api.post_handoff_answer",
    # Getting back in: no account signed in (the reset token is the credential).
    "api.request_password_reset",
    "api.set_new_password",
}
# What a read-only token may do besides reading: give itself up.
READ_ONLY_ALSO = {"api.revoke_token"}


class ErrorSchema(Schema):
    """Every error the API answers: a stable code, a message for people, and sometimes the
    invalid fields (422) or the current state of what was edited in between (409)."""

    error = fields.String(required=True, metadata={"description": "A stable code."})
    message = fields.String(
        required=True, metadata={"description": "For people, in the request's language."}
    )
    fields_ = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "422 only: the messages of each invalid field."},
    )
    current = fields.Raw(
        allow_none=True,
        metadata={"description": "409 only: the version saved in between, to merge with."},
    )
    parcours = fields.List(
        fields.Dict(keys=fields.String(), values=fields.Raw()),
        metadata={
            "description": "409 pilot_must_hand_over only: the plans where the user is the "
            "pilot, each with the link to its members page, to hand the role over first."
        },
    )


@dataclass(frozen=True)
class Content:
    """A response body that is not dumped through one of the API's marshmallow schemas."""

    media_type: str = "application/json"
    schema: type[Schema] | Schema | dict | None = None  # None: any JSON object
    description: str = ""


@dataclass(frozen=True)
class ApiDoc:
    body: type[Schema] | Schema | None = None
    responses: dict[int, Any] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    query: type[Schema] | Schema | None = None


def documented(*, body=None, responses=None, errors=(), query=None):
    """Declare what an API route reads and answers (see the module's docstring)."""

    def decorate(view):
        view.api_doc = ApiDoc(body, dict(responses or {200: None}), tuple(errors), query)
        return view

    return decorate


class Merged:
    """An object's attributes plus a few more, to dump through a schema that extends the
    object's own (e.g. a parcours with `me` and `pilot`)."""

    def __init__(self, base, **extra):
        self._base = base
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._base, name)


def error(code: str, message: str, status: int, **extra):
    """A JSON error response: {"error": CODE, "message": TEXT, ...} (ErrorSchema)."""
    response = jsonify(ErrorSchema().dump({"error": code, "message": message, **extra}))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="parcours"'
    return response


class BearerTokens:
    """Which token a bearer secret is: the accounts package registers the loader (the API's
    foot knows no accounts), as Flask-Login's `user_loader` does for cookies. The loader
    returns a live token, with its `user` and whether it is `read_only`, or None."""

    loader: Callable[[str], Any] | None = None

    def token_loader(self, loader: Callable[[str], Any]) -> Callable[[str], Any]:
        self.loader = loader
        return loader

    def token_for(self, secret: str):
        return self.loader(secret) if self.loader is not None and secret else None


bearer_tokens = BearerTokens()


@api.before_request
def authenticate():
    """Every API call but token creation needs a valid bearer token; cookies are ignored. A
    read-only token is refused anything but reading."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    token = bearer_tokens.token_for(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return error("unauthorized", _("A valid bearer token is required."), 401)
    if (
        token.read_only
        and request.method not in READ_ONLY_METHODS
        and request.endpoint not in READ_ONLY_ALSO
    ):
        record_security_event("token.read_only", user_id=token.user.id)
        return error(
            "read_only_token",
            _("This token can only read. Make a token with the write scope to change things."),
            403,
        )
    # Flask-Login's current_user reads this; the cookie session is never consulted here.
    g._login_user = token.user
    g.api_token = token
    return None


@api.before_request
def once_only():
    """A POST sent again with the same `Idempotency-Key` gets the first answer (see
    core/idempotency.py)."""
    if request.method != "POST" or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    key = api_key()
    outcome = replay_or_reserve(key) if isinstance(key, str) else key
    if isinstance(outcome, Refusal):
        return error(outcome.code, str(outcome.message), outcome.status)
    return outcome


def _body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        data = {} if not request.data else None
    if not isinstance(data, dict):
        raise BadInput(_("The request body must be a JSON object."))
    return data


def load(schema: Schema, partial: bool = False) -> dict:
    """The request's JSON body validated by a schema (ValidationError becomes a 422)."""
    return schema.load(_body(), partial=partial)


def load_edit(schema: Schema, base: str = "base_revision") -> dict:
    """The body of an edit of a shared record, which must carry its base (`base_revision`, the
    revision the edit started from): without it, a 428 `revision_required`, before any other
    check."""
    data = _body()
    if data.get(base) is None:
        raise RevisionRequired(
            _(
                "Send %(field)s, the revision of the record your edit starts from "
                "(read the record first): this keeps two edits from overwriting each other.",
                field=base,
            )
        )
    return schema.load(data)


@api.errorhandler(DomainError)
def domain_error(exc: DomainError):
    extra = {"current": exc.details} if exc.details is not None else {}
    response = error(exc.code, exc.message, exc.status, **extra)
    response.headers.update(exc.headers)
    return response


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
    response = error(code, messages.get(exc.code, exc.description), exc.code or 500)
    # The exception's own headers: Allow on a 405, Retry-After on a 429.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
