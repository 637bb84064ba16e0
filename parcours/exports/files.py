"""Export files as HTTP answers, for the API and the pages alike: check, build, log, answer."""

import json

from flask import Response

from parcours.core.views import download
from parcours.exports.fhir import bundle
from parcours.exports.records import parcours_record
from parcours.plans.access import current_member

FHIR_JSON = "application/fhir+json"


def fhir_response(parcours_id: int, as_file: bool = False) -> Response:
    """The parcours as a FHIR Bundle, for a current member (else a 404); the export is logged
    once built."""
    current_member(parcours_id, reading="export.fhir")
    document = bundle(parcours_record(parcours_id))
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if as_file:
        return download(text, f"parcours-{parcours_id}.fhir.json", FHIR_JSON)
    return Response(text, mimetype=FHIR_JSON)
