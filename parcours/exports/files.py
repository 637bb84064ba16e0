"""Export files as HTTP answers, for the API and the pages alike: check, build, log, answer."""

import json

from flask import Response
from flask_login import current_user

from parcours.core.audit import Access, record
from parcours.exports.fhir import bundle
from parcours.exports.records import parcours_record
from parcours.extensions import db
from parcours.plans.access import current_member

FHIR_JSON = "application/fhir+json"


def fhir_response(parcours_id: int, download: bool = False) -> Response:
    """The parcours as a FHIR Bundle, for a current member (else a 404); the export is logged
    once built."""
    current_member(parcours_id)
    document = bundle(parcours_record(parcours_id))
    record(parcours_id, current_user, Access.read, "export.fhir")
    db.session.commit()
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype=FHIR_JSON)
    if download:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="parcours-{parcours_id}.fhir.json"'
        )
    return response
