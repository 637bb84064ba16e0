"""The OpenAPI document: served without a token, generated from the routes' declarations and
schemas, covering every API route; the errors it describes are the ones the API answers."""

import pytest
from flask import Flask

from parcours import create_app
from parcours.core.api import Content, api, documented
from parcours.developers.spec import build_spec, openapi_path

HIDDEN = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(api):
    response = api().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def api_rules(app: Flask):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint != "static"
    ]


def test_served_without_a_token(document):
    assert document["openapi"].startswith("3.0")
    assert document["info"]["title"] == "Parcours API"
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `POST /api/v1/tokens`.",
    }
    assert document["security"] == [{"bearer": []}]


def test_every_api_route_is_described_with_its_methods(app, document):
    """A route added without `@documented` fails here."""
    rules = api_rules(app)
    assert len(rules) >= 45
    for rule in rules:
        path, _parameters = openapi_path(rule.rule)
        assert path in document["paths"], f"{rule.rule} is not in the OpenAPI document"
        described = {method.upper() for method in document["paths"][path]}
        assert rule.methods - HIDDEN <= described, rule.rule


def test_a_route_without_a_declaration_is_left_out():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.add_url_rule("/api/v1/undeclared", "api.undeclared", lambda: {})
    assert "/api/v1/undeclared" not in build_spec(app)["paths"]


def test_a_declaration_can_give_another_media_type_and_a_free_form_object():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @documented(responses={200: Content("application/fhir+json", description="A Bundle.")})
    def fhir(parcours_id):
        """The parcours as a FHIR Bundle."""

    fhir.__module__ = "parcours.exports.api"
    app.add_url_rule(f"{api.url_prefix}/parcours/<int:parcours_id>/other-fhir", "api.fhir", fhir)
    operation = build_spec(app)["paths"]["/api/v1/parcours/{parcours_id}/other-fhir"]["get"]
    assert operation["responses"]["200"] == {
        "description": "A Bundle.",
        "content": {"application/fhir+json": {"schema": {"type": "object"}}},
    }
    assert operation["tags"] == ["exports"]
    assert operation["summary"] == "The parcours as a FHIR Bundle"
    assert operation["parameters"][0]["schema"]["type"] == "integer"
    assert set(operation["responses"]) == {"200", "400", "401", "404"}


def test_operations_come_from_the_declarations_and_docstrings(document):
    create = document["paths"]["/api/v1/parcours/{parcours_id}/episodes"]["post"]
    assert create["tags"] == ["timeline"]
    assert create["summary"] == "Record an episode (a pause needs `person_agreed`)"
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EpisodeInput"
    }
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Episode"
    }
    # 409 and 422 also for a repeated Idempotency-Key (still running, another body).
    assert set(create["responses"]) == {"201", "400", "401", "404", "409", "413", "422"}
    assert [p["name"] for p in create["parameters"]] == ["parcours_id", "Idempotency-Key"]
    assert create["parameters"][1]["in"] == "header"
    assert not create["parameters"][1]["required"]

    patch = document["paths"]["/api/v1/parcours/{parcours_id}/handoffs/{handoff_id}"]["patch"]
    # Only the receiving side answers a hand-off: anyone else gets 403 not_receiving_service.
    assert {"403", "409"} <= set(patch["responses"])
    assert patch["responses"]["403"] == {"$ref": "#/components/responses/Forbidden"}
    assert patch["responses"]["409"] == {"$ref": "#/components/responses/Conflict"}

    token = document["paths"]["/api/v1/tokens"]["post"]
    assert token["security"] == []
    assert "Idempotency-Key" not in [p["name"] for p in token.get("parameters", [])]
    assert {"401", "429"} <= set(token["responses"])

    caseload = document["paths"]["/api/v1/caseload"]["get"]
    kinds = {p["name"]: p for p in caseload["parameters"]}
    assert kinds["kind"]["in"] == "query"
    assert "rupture" in kinds["kind"]["schema"]["enum"]


def test_schemas_come_from_marshmallow(document):
    schemas = document["components"]["schemas"]
    episode_input = schemas["EpisodeInput"]
    assert set(episode_input["required"]) == {"kind", "start_date"}
    assert episode_input["properties"]["label"]["maxLength"] > 0
    # The PATCH takes any subset of the fields, and the revision the edit started from.
    assert schemas["EpisodePatch"]["required"] == ["base_revision"]
    assert schemas["HandoffPatch"]["required"] == ["base_revision"]
    assert set(schemas["EpisodePatch"]["properties"]) == {
        *episode_input["properties"],
        "base_revision",
    }
    assert "revision" in schemas["Episode"]["properties"]
    # A parcours as its member sees it: nested schemas, not a hand-written copy.
    parcours = schemas["ParcoursOut"]["properties"]
    assert parcours["me"] == {"$ref": "#/components/schemas/Member"}
    assert parcours["pilot"]["anyOf"] == [
        {"type": "object", "nullable": True},
        {"$ref": "#/components/schemas/Member"},
    ]
    # Computed values are typed; responses give every field.
    member = schemas["Member"]
    assert member["properties"]["organisation"] == {
        "type": "string",
        "nullable": True,
        "readOnly": True,
    }
    assert set(member["required"]) == set(member["properties"])
    assert member["additionalProperties"] is False


def test_every_edit_of_a_shared_record_requires_its_base_revision(document):
    """Each PATCH of an episode or a hand-off documents the required `base_revision`, its 428
    and its 409."""
    edits = {
        path: operations["patch"]
        for path, operations in document["paths"].items()
        if "patch" in operations and ("/episodes/" in path or "/handoffs/" in path)
    }
    assert len(edits) == 2
    edits["voice"] = document["paths"]["/api/v1/parcours/{parcours_id}/voices/me"]["put"]
    for path, op in edits.items():
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"base_revision", "base_number"} & set(schema["required"]), path
        assert op["responses"]["428"] == {"$ref": "#/components/responses/RevisionRequired"}
        assert op["responses"]["409"] == {"$ref": "#/components/responses/Conflict"}
    assert "base_revision" in document["components"]["responses"]["RevisionRequired"]["description"]


def test_errors_have_the_shape_of_the_error_schema(api, document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    assert set(error["properties"]) == {"error", "message", "fields", "current", "parcours"}
    unauthorized = document["components"]["responses"]["Unauthorized"]
    assert "WWW-Authenticate" in unauthorized["headers"]

    response = api().get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json) == {"error", "message"}


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_id_too_large_is_a_404_for_an_allowed_method(method, make, api):
    """Found by schemathesis: PATCH /api/v1/parcours/<an id past 2**31> answered 405."""
    user = make.user()
    response = getattr(api(user), method)("/api/v1/parcours/2212049444279", json={})
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_an_id_too_large_on_a_method_not_allowed_is_still_a_405(make, api):
    response = api(make.user()).put("/api/v1/parcours/2212049444279", json={})
    assert response.status_code == 405
