"""API: the FHIR export of a parcours, and the observatory's figures as FHIR MeasureReports."""

from flask import request

from parcours.core.api import Content, api, documented
from parcours.exports.files import fhir_response, measure_report_response
from parcours.observatory.schemas import ObservatoryQuerySchema


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


@api.get("/observatory/measure-report")
@documented(
    responses={
        200: Content(
            "application/fhir+json",
            description="A FHIR R4B Bundle of type collection: one MeasureReport per set of "
            "figures (ruptures, handoffs, commitments, participation), and the Organization "
            "they are about when the scope is one; the README maps the groups.",
        )
    },
    query=ObservatoryQuerySchema,
    errors=(400, 404),
)
def observatory_measure_report():
    """The observatory's figures of one of your scopes (`?organisation=<id>` or
    `?territory=<code>`, required: 400 `scope_required`) over the period `?from=&to=`, as FHIR
    R4B MeasureReports (status complete, type summary), one per set of figures. The same
    figures as `GET /api/v1/observatory`, withheld and rounded the same way: a withheld figure
    has no score and no count of plans, only a data-absent-reason `masked` and the extension
    `suppressed`. 404 for anyone who is not an observer."""
    return measure_report_response(request.args)
