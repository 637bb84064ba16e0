"""Pages: the observatory (an observer's figures) and the admins' list of observers."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from parcours.accounts.models import ObserverScope
from parcours.accounts.views import require_admin
from parcours.core.errors import DomainError
from parcours.core.forms import Form
from parcours.core.i18n import gettext as _
from parcours.core.views import flash_success, perform, place_error
from parcours.extensions import db
from parcours.observatory import operations
from parcours.observatory.chart import bars
from parcours.observatory.forms import ObserverForm
from parcours.observatory.labels import ELEMENTS, PARTICIPATION, RUPTURES
from parcours.observatory.reading import chosen_scope, figures_for, scopes_of
from parcours.statements import operations as statement_operations
from parcours.timeline.models import KIND_LABELS

bp = Blueprint("observatory", __name__)

KINDS = {kind.value: label for kind, label in KIND_LABELS.items()}


@bp.get("/observatory")
@login_required
def index():
    """The figures of one of my scopes over a period (observers only: 404 for anyone else)."""
    scopes = scopes_of(current_user)
    scope = chosen_scope(scopes, request.args) or scopes[0]
    figures = figures_for(scope, request.args)
    kinds = KINDS | {None: _("not recorded yet")}
    return render_template(
        "observatory/index.html",
        scopes=scopes,
        scope=scope,
        figures=figures,
        kinds=KINDS,
        elements=ELEMENTS,
        download_args=(
            {"organisation": scope.organisation_id}
            if scope.organisation_id is not None
            else {"territory": scope.territory}
        )
        | {"from": figures.start.isoformat(), "to": figures.end.isoformat()},
        rupture_rows=[(label, figures.ruptures[key], False) for key, label in RUPTURES.items()],
        participation_rows=[
            (label, figures.participation[key], False) for key, label in PARTICIPATION.items()
        ],
        transition_bars=bars(
            [
                (f"{kinds[row.from_kind]} → {kinds[row.to_kind]}", row.answered_in_time)
                for row in figures.transitions
            ],
            share=True,
        ),
        commitment_bars=bars(
            [
                (row.name or _("The person and their family"), row.kept_on_time)
                for row in figures.commitments
            ],
            share=True,
        ),
    )


@bp.route("/admin/observers", methods=["GET", "POST"])
@login_required
def admin_observers():
    """Observers and what each observes; name one (admins only)."""
    require_admin()
    form = ObserverForm()
    if form.validate_on_submit():
        by_organisation = form.kind.data == "organisation"
        try:
            operations.add_observer(
                form.email.data,
                organisation=form.organisation.data if by_organisation else None,
                territory=None if by_organisation else form.territory.data,
            )
        except DomainError as error:
            place_error(
                error,
                form,
                {
                    "invalid_territory": "territory",
                    "organisation_not_found": "organisation",
                    "scope_organisation_or_territory": (
                        "organisation" if by_organisation else "territory"
                    ),
                },
                default="email",
            )
        else:
            flash_success(_("The observer is named."))
            return redirect(url_for("observatory.admin_observers"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "observatory/admin_observers.html",
        scopes=operations.all_observer_scopes(),
        form=form,
    ), status


@bp.post("/admin/observers/<int:scope_id>/remove")
@login_required
def admin_remove_observer(scope_id: int):
    """Take a scope away from an observer (admins only)."""
    require_admin()
    scope = db.get_or_404(ObserverScope, scope_id)
    if Form().validate_on_submit():
        operations.remove_observer_scope(scope)
        flash_success(_("The observer no longer sees these figures."))
    return redirect(url_for("observatory.admin_observers"))


# The statements co-signed in the plans, addressed to the observer's scopes (issue 15, part 3).


def _scope_args(scope) -> dict:
    if scope.organisation_id is not None:
        return {"organisation": scope.organisation_id}
    return {"territory": scope.territory}


@bp.get("/observatory/statements")
@login_required
def statements():
    """The statements sent to one of my scopes, by group, with the forms to group and answer
    them (observers only: 404 for anyone else). No name, no plan."""
    scopes = scopes_of(current_user)
    scope = chosen_scope(scopes, request.args) or scopes[0]
    found = statement_operations.observed_statements(scope.organisation_id, scope.territory)
    groups: dict[int, list] = {}
    for statement in found:
        groups.setdefault(statement.group, []).append(statement)
    return render_template(
        "observatory/statements.html",
        scopes=scopes,
        scope=scope,
        scope_args=_scope_args(scope),
        groups=list(groups.values()),
        statements=found,
    )


def _back() -> str:
    """The statements page of the scope the form was sent from (checked again there)."""
    args = {k: v for k, v in request.args.items() if k in ("organisation", "territory")}
    return url_for("observatory.statements", **args)


@bp.post("/observatory/statements/<int:statement_id>/answer")
@login_required
def answer_statement(statement_id: int):
    """Answer a statement and the others of its group: the answer goes back into each plan."""
    scopes_of(current_user)
    statement = statement_operations.observed_statement(current_user, statement_id)
    if Form().validate_on_submit():
        perform(
            lambda: statement_operations.answer_statement(
                current_user, statement, request.form.get("text")
            ),
            lambda answered: ngettext(
                "Your answer goes back to the plan it came from.",
                "Your answer goes back to the %(num)d plans they came from.",
                len(answered),
            ),
        )
    return redirect(_back() + f"#group-{statement.group}")


@bp.post("/observatory/statements/<int:statement_id>/group")
@login_required
def group_statement(statement_id: int):
    """Group a statement with another that says the same thing, or take it out of its group."""
    scopes_of(current_user)
    statement = statement_operations.observed_statement(current_user, statement_id)
    if Form().validate_on_submit():
        with_id = request.form.get("with", type=int) or None
        perform(
            lambda: statement_operations.group_statement(current_user, statement, with_id),
            lambda grouped: (
                _("The statement is grouped with those that say the same thing.")
                if grouped.group_id
                else _("The statement is on its own.")
            ),
        )
    return redirect(_back() + f"#statement-{statement.id}")
