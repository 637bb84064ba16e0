"""Export files as HTTP answers, for the API and the pages alike: check, build, log, answer."""

import json

from flask import Response
from flask_login import current_user

from parcours.core.audit import Access, record
from parcours.core.views import download
from parcours.exports.fhir import bundle
from parcours.exports.records import parcours_record
from parcours.extensions import db
from parcours.plans.access import current_member

FHIR_JSON = "application/fhir+json"


def fhir_response(parcours_id: int, as_file: bool = False) -> Response:
    """The parcours as a FHIR Bundle, for a current member (else a 404); the export is logged
    once built."""
    current_member(parcours_id)
    document = bundle(parcours_record(parcours_id))
    record(parcours_id, current_user, Access.read, "export.fhir")
    db.session.commit()
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if as_file:
        return download(text, f"parcours-{parcours_id}.fhir.json", FHIR_JSON)
    return Response(text, mimetype=FHIR_JSON)
