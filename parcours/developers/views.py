"""The API reference page, rendered on the server from the generated OpenAPI document."""

from flask import Blueprint, current_app, render_template

from parcours.developers.reference import reference_of
from parcours.developers.spec import spec_for

bp = Blueprint("developers", __name__)


@bp.get("/developers")
def reference():
    """How to use the API: tokens, errors, then every endpoint by package."""
    return render_template("developers/reference.html", ref=reference_of(spec_for(current_app)))
