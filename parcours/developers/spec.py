"""The OpenAPI 3 document of /api/v1, generated from the URL map, the routes' `@documented`
declarations and their marshmallow schemas (through apispec's MarshmallowPlugin)."""

import inspect
import re
import sys

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from marshmallow import Schema

from parcours.core.api import PUBLIC_ENDPOINTS, ApiDoc, Content, ErrorSchema
from parcours.core.fields import INT_MAX

API_PREFIX = "/api/v1"
OPENAPI_VERSION = "3.0.3"
HIDDEN_METHODS = {"HEAD", "OPTIONS"}

DESCRIPTION = """\
The JSON API of Parcours: the same plans, rules and access log as the pages.

Every request but `POST /api/v1/tokens` (and this description) carries a bearer token:
`Authorization: Bearer <token>`. Get one by posting an e-mail address (or login name) and a
password to `POST /api/v1/tokens` (with `otp`, the code of the authenticator app, for users
who set up two-step sign-in). A token works `expires_in_days` days (30 by default, 365 at
most); a `read` token makes GET requests only, a `write` token (the default) everything the
user may do. List your tokens with `GET /api/v1/tokens`, revoke one with
`DELETE /api/v1/tokens/<id>`, or the one in use with `DELETE /api/v1/tokens/current`; a
password change and "sign out my other devices" revoke them all. Failed attempts are slowed
down per account and address (429 with `Retry-After`). A person who is not a member of a
parcours gets a 404 for everything in it, as if it did not exist.

Every error is a JSON object: `{"error": "<code>", "message": "<text>"}`, with `fields` (the
messages of each invalid field) on a 422 and, on a 409 for an edit based on an old version,
`current` (the version saved in between). Every edit of a shared record sends its base:
`base_revision` (the `revision` the episode, hand-off, commitment or parcours settings had when
the edit started; the parcours' `pilot_revision` to designate the pilot), `base_number` for a
voice, `base_version` for a new version of the objective: without it the answer is a 428
`revision_required`, and when someone saved a change in between a 409 `stale_version`.
Messages follow the `Accept-Language` header (French or English).

Every POST may carry an `Idempotency-Key` header (1 to 255 visible characters of your choice,
one per thing you mean to make): sent again with the same key within 24 hours, the request
gets the first answer again (with `Idempotent-Replayed: true`) and makes nothing new, so a
client may safely retry after a lost answer. The same key with another body is refused (422
`idempotency_key_reused`); while the first request is still running, a repeat gets a 409
`idempotency_key_in_use`. An error keeps nothing: the same key can be tried again.
"""

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Send the request again with the same key: the first answer, nothing new.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}

# The errors every route may answer, by status: (component name, description).
ERRORS = {
    400: (
        "BadRequest",
        "The body is not a JSON object, is nested too deeply, or a value holds a character no "
        "database stores (NUL, a lone surrogate).",
    ),
    401: ("Unauthorized", "No valid bearer token (or, for a token, wrong credentials)."),
    403: (
        "Forbidden",
        "Not allowed: a member of the parcours who may not do this, a read-only token "
        "(`read_only_token`), or an account that must set up two-step sign-in first "
        "(`two_step_required`).",
    ),
    404: ("NotFound", "Not found, or the parcours is not one of yours."),
    409: ("Conflict", "The current state does not allow it; `current` holds a newer version."),
    410: (
        "Gone",
        "The link existed but no longer works: used, replaced or expired (the `error` code "
        "says which).",
    ),
    413: ("TooLarge", "The request body is too large."),
    422: ("Invalid", "Some fields are missing or invalid (`fields` says which) or a rule refused."),
    428: (
        "RevisionRequired",
        "An edit of a shared record must send its base (`base_revision`, the `revision` it "
        "started from; `base_number` or `base_version` where the record is numbered) "
        "(`revision_required`).",
    ),
    429: (
        "TooManyRequests",
        "Too many failed attempts from this address: wait as long as `Retry-After` says.",
    ),
}
SUCCESS = {200: "OK.", 201: "Created.", 202: "Accepted.", 204: "Done: no content."}

_PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def schema_name(schema) -> str:
    """`EpisodeSchema` -> "Episode"; a partial schema (for PATCH) gets its own name."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    if isinstance(schema, Schema) and schema.partial:
        name = f"Partial{name}"
    return name


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """A Werkzeug rule as an OpenAPI path, and its path parameters."""
    parameters = []
    for match in _PARAMETER.finditer(rule):
        if match["converter"] == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": INT_MAX}
        else:
            schema = {"type": "string"}
        parameters.append({"in": "path", "name": match["name"], "required": True, "schema": schema})
    return _PARAMETER.sub(r"{\g<name>}", rule), parameters


def summary_and_description(view) -> tuple[str, str]:
    text = " ".join(inspect.cleandoc(view.__doc__ or "").split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first.rstrip("."), text


def tag_of(view) -> tuple[str, str]:
    """The package the route belongs to, and the first line of its api module's docstring."""
    package = view.__module__.split(".")[1]
    doc = (sys.modules[view.__module__].__doc__ or "").strip().splitlines()[0]
    return package, doc.removeprefix("API: ").rstrip(".").capitalize()


def _content(value) -> dict:
    if isinstance(value, Content):
        schema = {"type": "object"} if value.schema is None else value.schema
        return {value.media_type: {"schema": schema}}
    return {"application/json": {"schema": value}}


def _responses(doc: ApiDoc, public: bool, has_path_parameters: bool, once: bool) -> dict:
    responses = {}
    for status, value in doc.responses.items():
        description = value.description if isinstance(value, Content) else ""
        response = {"description": description or SUCCESS.get(status, "OK.")}
        if value is not None:
            response["content"] = _content(value)
        responses[str(status)] = response
    errors = {400, *doc.errors}
    if not public:
        errors.add(401)
    if has_path_parameters:
        errors.add(404)
    if doc.body is not None:
        errors |= {413, 422}
    if once:
        errors |= {409, 422}
    for status in sorted(errors):
        responses[str(status)] = ERRORS[status][0]
    return responses


def operation(endpoint: str, view, method: str, path_parameters: list[dict]) -> dict:
    doc: ApiDoc = view.api_doc
    public = endpoint in PUBLIC_ENDPOINTS
    summary, description = summary_and_description(view)
    once = method == "POST" and not public
    op = {
        "operationId": endpoint.removeprefix("api."),
        "tags": [tag_of(view)[0]],
        "summary": summary,
        "parameters": list(path_parameters),
        "responses": _responses(doc, public, bool(path_parameters), once),
    }
    if description != f"{summary}.":
        op["description"] = description
    if doc.query is not None:
        op["parameters"].append({"in": "query", "schema": doc.query})
    if once:
        op["parameters"].append(IDEMPOTENCY_KEY)
    if doc.body is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": doc.body}}}
    if public:
        op["security"] = []
    return op


def build_spec(app: Flask) -> dict:
    """The OpenAPI document of every API route that has a declaration."""
    spec = APISpec(
        title="Parcours API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin(schema_name_resolver=schema_name)],
        info={"description": DESCRIPTION},
        security=[{"bearer": []}],
    )
    spec.components.security_scheme(
        "bearer",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `POST /api/v1/tokens`.",
        },
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for status, (name, description) in ERRORS.items():
        response = {
            "description": description,
            "content": {"application/json": {"schema": "Error"}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": "The scheme to authenticate with.",
                    "schema": {"type": "string"},
                }
            }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "description": "How many seconds to wait before the next attempt.",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        spec.components.response(name, response)

    tags = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions.get(rule.endpoint)
        if not rule.rule.startswith(API_PREFIX + "/") or not hasattr(view, "api_doc"):
            continue
        path, path_parameters = openapi_path(rule.rule)
        operations = {
            method.lower(): operation(rule.endpoint, view, method, path_parameters)
            for method in sorted(rule.methods - HIDDEN_METHODS)
        }
        spec.path(path=path, operations=operations)
        name, description = tag_of(view)
        tags[name] = description
    for name, description in tags.items():
        spec.tag({"name": name, "description": description})
    document = spec.to_dict()
    _require_output_fields(document)
    return document


def _schema_refs(node) -> set[str]:
    """The names of the component schemas a part of the document refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        found = {ref.rsplit("/", 1)[1]} if ref.startswith("#/components/schemas/") else set()
        return found.union(*(_schema_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_schema_refs(value) for value in node))
    return set()


def _closure(names: set[str], schemas: dict) -> set[str]:
    seen: set[str] = set()
    while names:
        name = names.pop()
        if name not in seen:
            seen.add(name)
            names |= _schema_refs(schemas[name])
    return seen


def _require_output_fields(document: dict) -> None:
    """A response dumps every field of its schema (null when empty): say so, so that a field
    missing from a response contradicts the document. Request bodies keep their own rules."""
    schemas = document["components"]["schemas"]
    inputs: set[str] = set()
    outputs: set[str] = set()
    for operations in document["paths"].values():
        for op in operations.values():
            inputs |= _schema_refs(op.get("requestBody", {}))
            outputs |= _schema_refs(op["responses"])
    for name in _closure(outputs, schemas) - _closure(inputs, schemas) - {"Error"}:
        if properties := schemas[name].get("properties"):
            schemas[name]["required"] = list(properties)


def spec_for(app: Flask) -> dict:
    """The document, built once per application."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_spec(app)
    return app.extensions["openapi"]
