"""API: the FHIR export of a parcours."""

from parcours.core.api import Content, api, documented
from parcours.exports.files import fhir_response


@api.get("/parcours/<int:parcours_id>/fhir")
@documented(
    responses={
        200: Content(
            "application/fhir+json",
            description="A FHIR R4B Bundle of type collection; the README maps its resources.",
        )
    }
)
def fhir_export(parcours_id: int):
    """The parcours as a FHIR R4B Bundle (application/fhir+json)."""
    return fhir_response(parcours_id)
