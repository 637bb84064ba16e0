"""The OpenAPI document turned into what the reference page shows: pure functions."""

from dataclasses import dataclass, field

from parcours.core.i18n import gettext as _
from parcours.developers.spec import ERRORS

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@dataclass
class Field:
    name: str
    type: str
    required: bool
    constraints: list[str]
    description: str = ""


@dataclass
class Response:
    status: str
    description: str
    media_type: str | None = None
    schema: str | None = None  # the name of a component schema, or a type


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    public: bool
    parameters: list[Field]
    body: str | None  # the component schema of the request body
    responses: list[Response]


@dataclass
class Tag:
    name: str
    description: str
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Reference:
    description: str
    tags: list[Tag]
    schemas: dict[str, list[Field]]
    errors: list[Response]


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def type_of(schema: dict) -> str:
    """A property's type in words: "string (date)", "list of Member", "Member or null"."""
    if "$ref" in schema:
        return _name(schema["$ref"])
    if "anyOf" in schema:
        kinds = [type_of(s) for s in schema["anyOf"] if not s.get("nullable")]
        return _("%(type)s or null", type=" | ".join(kinds))
    kind = schema.get("type", _("any"))
    if kind == "array":
        kind = _("list of %(type)s", type=type_of(schema.get("items", {})))
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        kind = _("object of %(type)s", type=type_of(schema["additionalProperties"]))
    if "format" in schema:
        kind = f"{kind} ({schema['format']})"
    if schema.get("nullable"):
        kind = _("%(type)s or null", type=kind)
    return kind


def constraints_of(schema: dict) -> list[str]:
    out = []
    if "enum" in schema:
        values = ", ".join("null" if v is None else str(v) for v in schema["enum"])
        out.append(_("one of: %(values)s", values=values))
    if "minLength" in schema:
        out.append(_("at least %(n)d characters", n=schema["minLength"]))
    if "maxLength" in schema:
        out.append(_("at most %(n)d characters", n=schema["maxLength"]))
    if "minimum" in schema:
        out.append(_("from %(n)d", n=schema["minimum"]))
    if "maximum" in schema:
        out.append(_("up to %(n)d", n=schema["maximum"]))
    if "maxItems" in schema:
        out.append(_("at most %(n)d items", n=schema["maxItems"]))
    return out


def fields_of(schema: dict) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(
            name,
            type_of(prop),
            name in required,
            constraints_of(prop),
            prop.get("description", ""),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def _response(status: str, response: dict, document: dict) -> Response:
    if "$ref" in response:
        response = document["components"]["responses"][_name(response["$ref"])]
    out = Response(status, response.get("description", ""))
    for media_type, content in response.get("content", {}).items():
        out.media_type = media_type
        out.schema = type_of(content.get("schema", {}))
    return out


def _operation(path: str, method: str, op: dict, document: dict) -> Operation:
    parameters = [
        Field(
            p["name"],
            type_of(p.get("schema", {})),
            p.get("required", False),
            [
                _("in the path") if p["in"] == "path" else _("in the query string"),
                *constraints_of(p.get("schema", {})),
            ],
            p.get("description", ""),
        )
        for p in op.get("parameters", [])
    ]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return Operation(
        method=method.upper(),
        path=path,
        anchor=op["operationId"].replace("_", "-"),
        summary=op.get("summary", ""),
        description=op.get("description", ""),
        public=op.get("security") == [],
        parameters=parameters,
        body=_name(body["schema"]["$ref"]) if "$ref" in body.get("schema", {}) else None,
        responses=[_response(s, r, document) for s, r in op["responses"].items()],
    )


def reference_of(document: dict) -> Reference:
    tags = {t["name"]: Tag(t["name"], t.get("description", "")) for t in document["tags"]}
    for path, operations in sorted(document["paths"].items()):
        for method in sorted(operations, key=METHOD_ORDER.index):
            op = operations[method]
            tags[op["tags"][0]].operations.append(_operation(path, method, op, document))
    components = document["components"]
    return Reference(
        description=document["info"].get("description", ""),
        tags=sorted(tags.values(), key=lambda t: t.name),
        schemas={name: fields_of(s) for name, s in sorted(components["schemas"].items())},
        errors=[Response(str(status), text) for status, (_code, text) in ERRORS.items()],
    )
