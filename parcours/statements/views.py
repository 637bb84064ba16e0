"""Pages: the plan's statements (write one, sign one) with the observers' answers."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from parcours.core.errors import DomainError
from parcours.core.i18n import gettext as _
from parcours.core.views import flash_success, perform, place_error
from parcours.plans.access import current_member, current_member_among
from parcours.plans.models import Member
from parcours.plans.operations import current_members
from parcours.statements import operations
from parcours.statements.forms import StatementForm
from parcours.statements.models import STATEMENTS_READ, Statement, side_of

bp = Blueprint("statements", __name__)

FORM_FIELDS = {
    "missing_text": "text",
    "text_too_long": "text",
    "unknown_organisation": "organisation_id",
    "invalid_territory": "territory",
}


def _organisations(members: list[Member]) -> list:
    """The organisations of the plan's members, by name."""
    found = {m.organisation.id: m.organisation for m in members if m.organisation is not None}
    return sorted(found.values(), key=lambda o: o.name.casefold())


def _form(members: list[Member], form: StatementForm | None = None) -> StatementForm:
    organisations = _organisations(members)
    if form is None:
        territory = next((o.territory for o in organisations if o.territory), None)
        form = StatementForm(formdata=None, territory=territory)
    form.organisation_id.choices = [SelectChoice(0, _("Choose an organisation"))] + [
        SelectChoice(o.id, o.name) for o in organisations
    ]
    return form


def _page(member: Member, members: list[Member], form=None, status=200):
    statements = operations.statements_of_plan(member.parcours_id)
    return render_template(
        "statements/index.html",
        member=member,
        parcours=member.parcours,
        statements=statements,
        can_sign=side_of(member) is not None,
        closed=operations.is_closed(member.parcours),
        form=_form(members, form),
    ), status


@bp.get("/parcours/<int:parcours_id>/statements")
@login_required
def index(parcours_id: int):
    """The plan's statements: who signed, whether it is sent, the answers; the form to write."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members, reading=STATEMENTS_READ)
    return _page(member, members)


@bp.post("/parcours/<int:parcours_id>/statements")
@login_required
def write(parcours_id: int):
    """Write a statement (and sign it)."""
    members = current_members(parcours_id)
    member = current_member_among(parcours_id, members)
    form = _form(members, StatementForm())
    if form.validate_on_submit():
        by_organisation = form.to.data == "organisation"
        try:
            statement: Statement = operations.write_statement(
                member,
                form.text.data,
                organisation_id=(form.organisation_id.data or None) if by_organisation else None,
                territory=None if by_organisation else form.territory.data,
            )
        except DomainError as error:
            fields = FORM_FIELDS | {
                "statement_addressee": "organisation_id" if by_organisation else "territory"
            }
            if (refusal := place_error(error, form, fields)) is not None:
                raise refusal from None
        else:
            flash_success(
                _("Your statement is written and signed: it waits for the other signature.")
            )
            return redirect(
                url_for("statements.index", parcours_id=parcours_id) + f"#statement-{statement.id}"
            )
    return _page(member, members, form, 422)


@bp.post("/parcours/<int:parcours_id>/statements/<int:statement_id>/signature")
@login_required
def sign(parcours_id: int, statement_id: int):
    """Sign a statement; the signature that completes both sides sends it."""
    member = current_member(parcours_id)
    statement = operations.statement_of(parcours_id, statement_id)
    perform(
        lambda: operations.sign_statement(member, statement),
        lambda signed: (
            _("You signed it: it is sent, without names.")
            if signed.is_sent
            else _("You signed it: it waits for the other signature.")
        ),
    )
    return redirect(
        url_for("statements.index", parcours_id=parcours_id) + f"#statement-{statement_id}"
    )
