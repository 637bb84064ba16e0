"""API: the FHIR export of a parcours."""

from parcours.core.api import api
from parcours.exports.files import fhir_response


@api.get("/parcours/<int:parcours_id>/fhir")
def fhir_export(parcours_id: int):
    """The parcours as a FHIR R4B Bundle (application/fhir+json)."""
    return fhir_response(parcours_id)
