"""Pages that answer files: the printable plan, the CSV exports, and the observatory's figures
as CSV and FHIR."""

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from parcours.core.audit import record_reads
from parcours.core.i18n import gettext as _
from parcours.core.models import today
from parcours.core.views import download
from parcours.exports import observatory, tables
from parcours.exports.files import fhir_response, measure_report_response
from parcours.exports.printable import file_name, load_plan, render_html, render_pdf
from parcours.exports.tables import TimelineEntry
from parcours.observatory.reading import figures_asked
from parcours.plans.access import current_member
from parcours.plans.operations import members_ever
from parcours.timeline.checks import HANDOFF_DECLINED, HandoffData
from parcours.timeline.inputs import approvers_of, as_of, flags_for, handoff_data
from parcours.timeline.messages import ELEMENT_LABELS, describe, next_step
from parcours.timeline.models import episodes_of, handoffs_of
from parcours.timeline.snapshots import caseload as load_caseload
from parcours.timeline.snapshots import caseload_filter

bp = Blueprint("exports", __name__)


@bp.get("/parcours/<int:parcours_id>/documents")
@login_required
def index(parcours_id: int):
    """What a member can take away: the printable plan, the FHIR file, the CSV tables."""
    member = current_member(parcours_id, reading="documents")
    return render_template("exports/index.html", member=member, parcours=member.parcours)


def csv_response(header, rows, filename: str) -> Response:
    text = tables.to_csv([str(h) for h in header], rows, str(get_locale()))
    return download(text, filename, "text/csv")


@bp.get("/parcours/<int:parcours_id>/export/timeline.csv")
@login_required
def timeline_csv(parcours_id: int):
    """The episodes and hand-offs of the timeline, one per row."""
    current_member(parcours_id, reading="export", detail="timeline.csv")
    episodes = episodes_of(parcours_id)
    handoffs = handoffs_of(parcours_id, episodes)
    approvers = approvers_of(parcours_id)
    referents = {m.id: m.name for m in members_ever(parcours_id)}
    entries = [
        TimelineEntry(
            entry=_("Episode"),
            service=episode.display_label,
            kind=str(episode.kind.label),
            start=episode.start_date,
            end=episode.end_date,
            referent=referents.get(episode.referent_member_id, ""),
        )
        for episode in episodes
    ] + [
        TimelineEntry(
            entry=_("Hand-off"),
            service=handoff.from_episode.display_label,
            start=handoff.proposed_on,
            to=handoff.receiving_label,
            status=str(handoff.status.label),
            relais_de_sens=relais_summary(handoff_data(handoff, approvers)),
        )
        for handoff in handoffs
    ]
    return csv_response(
        tables.TIMELINE_HEADER,
        tables.timeline_rows(entries),
        f"timeline-{parcours_id}-{today().isoformat()}.csv",
    )


def relais_summary(handoff: HandoffData) -> str:
    """ "complete", or the missing elements; a declined hand-off needs none."""
    if handoff.status == HANDOFF_DECLINED:
        return _("not needed: declined")
    missing = handoff.missing
    if not missing:
        return _("complete")
    return _("missing: %(elements)s", elements=", ".join(str(ELEMENT_LABELS[m]) for m in missing))


@bp.get("/parcours/<int:parcours_id>/export/flags.csv")
@login_required
def flags_csv(parcours_id: int):
    """The flags of the timeline as of a day (today by default), the most urgent first."""
    member = current_member(parcours_id, reading="export", detail="flags.csv")
    on = as_of(request.args.get("today"))
    flags = flags_for([parcours_id], on)[parcours_id]
    person_name = member.parcours.person_name
    described = [(describe(flag, person_name), next_step(flag)) for flag in flags]
    return csv_response(
        tables.FLAGS_HEADER,
        tables.flag_rows(flags, described),
        f"flags-{parcours_id}-{on.isoformat()}.csv",
    )


@bp.get("/caseload.csv")
@login_required
def caseload_csv():
    """The whole caseload (every page of it), filtered and ordered like the page."""
    on = today()
    entries = load_caseload(current_user, on, caseload_filter(request.args))
    record_reads([e.parcours_id for e in entries], current_user, "export", "caseload.csv")
    return csv_response(
        tables.caseload_header(),
        tables.caseload_rows(entries),
        f"caseload-{on.isoformat()}.csv",
    )


@bp.get("/observatory/figures.csv")
@login_required
def observatory_csv():
    """The observatory's figures of one of my scopes over a period, as a CSV table (observers
    only: 404 for anyone else)."""
    figures = figures_asked(current_user, request.args)
    locale = str(get_locale())
    text = tables.to_csv(
        [str(h) for h in observatory.HEADER],
        observatory.figure_rows(figures, locale),
        locale,
        preamble=observatory.preamble(figures),
    )
    return download(text, observatory.file_name(figures, "csv"), "text/csv")


@bp.get("/observatory/measure-report.json")
@login_required
def observatory_measure_report():
    """The observatory's figures as FHIR MeasureReports to download (observers only)."""
    return measure_report_response(request.args, as_file=True)


@bp.get("/parcours/<int:parcours_id>/export/fhir.json")
@login_required
def fhir_download(parcours_id: int):
    """The parcours as a FHIR file to download, for members without an API token."""
    return fhir_response(parcours_id, as_file=True)


def _document_language() -> str:
    """`?lang=fr|en` when it names a language of the app, else the reader's language."""
    asked = request.args.get("lang", "")
    if asked in current_app.config["LANGUAGES"]:
        return asked
    return str(get_locale())


def _printable_plan(parcours_id: int, easy: bool):
    member = current_member(parcours_id, reading="plan.easy_pdf" if easy else "plan.pdf")
    locale = _document_language()
    plan = load_plan(member.parcours_id, today())
    pdf = render_pdf(render_html(plan, easy, locale))
    return download(pdf, file_name(plan, easy, locale), "application/pdf")


@bp.get("/parcours/<int:parcours_id>/plan.pdf")
@login_required
def plan_pdf(parcours_id: int):
    """The plan in force as a PDF ready to be signed."""
    return _printable_plan(parcours_id, easy=False)


@bp.get("/parcours/<int:parcours_id>/plan-easy.pdf")
@login_required
def plan_easy_pdf(parcours_id: int):
    """The plan in easy-read (big type, pictograms, short sentences), ready to be signed."""
    return _printable_plan(parcours_id, easy=True)
