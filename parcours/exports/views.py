"""Pages that answer files: the printable plan and the CSV exports."""

from io import BytesIO

from flask import Blueprint, current_app, request, send_file
from flask_babel import get_locale
from flask_login import login_required

from parcours.core.models import today
from parcours.exports.printable import file_name, load_plan, render_html, render_pdf
from parcours.plans.access import current_member

bp = Blueprint("exports", __name__)


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
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=file_name(plan, easy, locale),
    )


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
