"""Export files as HTTP answers, for the API and the pages alike: check, build, log, answer."""

import json
from collections.abc import Mapping

from fhir.resources.R4B.bundle import Bundle
from flask import Response
from flask_babel import force_locale
from flask_login import current_user

from parcours.core.models import utcnow
from parcours.core.views import download
from parcours.exports.fhir import bundle
from parcours.exports.measures import measure_bundle
from parcours.exports.observatory import file_name
from parcours.exports.records import fhir_system, parcours_record
from parcours.observatory.reading import figures_asked
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


def measure_report_response(args: Mapping[str, str], as_file: bool = False) -> Response:
    """The observatory's figures of the scope and period asked, as FHIR MeasureReports in a
    Bundle, for an observer (else a 404). Checked against the R4B model before it leaves; the
    displays are in English, like the plan's export."""
    figures = figures_asked(current_user, args, required=not as_file)
    with force_locale("en"):
        document = measure_bundle(figures, fhir_system(), utcnow())
    Bundle.model_validate(document)
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if as_file:
        return download(text, file_name(figures, "fhir.json"), FHIR_JSON)
    return Response(text, mimetype=FHIR_JSON)
