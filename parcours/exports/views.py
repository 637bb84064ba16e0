"""Pages that answer files: the printable plan and the CSV exports."""

from flask import Blueprint
from flask_login import login_required

from parcours.exports.files import fhir_response

bp = Blueprint("exports", __name__)


@bp.get("/parcours/<int:parcours_id>/export/fhir.json")
@login_required
def fhir_download(parcours_id: int):
    """The parcours as a FHIR file to download, for members without an API token."""
    return fhir_response(parcours_id, download=True)
