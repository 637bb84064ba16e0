"""API: the OpenAPI description of this API."""

from flask import current_app, jsonify

from parcours.core.api import Content, api, documented
from parcours.developers.spec import spec_for


@api.get("/openapi.json")
@documented(responses={200: Content(description="This document (OpenAPI 3.0).")})
def openapi():
    """The OpenAPI description of this API; no token needed."""
    return jsonify(spec_for(current_app))
