"""What an observer asks for: one of their scopes, a period, and the figures dumped as the
page and the API show them (one home for both)."""

from collections.abc import Mapping

from parcours.accounts.models import User
from parcours.core.errors import BadInput, NotFound
from parcours.core.i18n import gettext as _
from parcours.observatory.anonymity import Cell
from parcours.observatory.figures import Figures, Scope, compute_figures, period
from parcours.observatory.operations import observer_scopes


def scopes_of(user: User) -> list[Scope]:
    """The user's scopes; 404 for anyone who is not an observer (like a plan for a
    non-member: the observatory does not say it exists)."""
    scopes = [Scope.of(scope) for scope in observer_scopes(user)] if user.is_authenticated else []
    if not scopes:
        raise NotFound(_("This page does not exist."), code="not_found")
    return scopes


def chosen_scope(scopes: list[Scope], args: Mapping[str, str]) -> Scope | None:
    """The scope named by `?organisation=<id>` or `?territory=<code>`, which must be one of
    the observer's (404 otherwise); None when neither is given."""
    organisation, territory = args.get("organisation"), args.get("territory")
    if not organisation and not territory:
        return None
    if organisation:
        try:
            wanted = int(organisation)
        except ValueError:
            raise BadInput(
                _("The organisation is named by its number."), code="invalid_organisation"
            ) from None
        found = next((s for s in scopes if s.organisation_id == wanted), None)
    else:
        found = next((s for s in scopes if s.territory == territory.strip().upper()), None)
    if found is None:
        raise NotFound(_("You observe no such organisation or territory."), code="scope_not_found")
    return found


def figures_for(scope: Scope, args: Mapping[str, str]) -> Figures:
    """The figures of the scope over the period `?from=&to=`."""
    start, end = period(args.get("from"), args.get("to"))
    return compute_figures(scope, start, end)


def figures_asked(user: User, args: Mapping[str, str], required: bool = False) -> Figures:
    """The figures of the scope and period asked by one of the user's scopes (404 for anyone
    who is not an observer); without a scope asked, those of their first scope, or a 400
    `scope_required` when one must be named."""
    scopes = scopes_of(user)
    scope = chosen_scope(scopes, args)
    if scope is None:
        if required:
            raise BadInput(
                _("Name one of your scopes: ?organisation=<number> or ?territory=<code>."),
                code="scope_required",
            )
        scope = scopes[0]
    return figures_for(scope, args)


def figure(cell: Cell) -> dict:
    """One figure as published."""
    return {"value": cell.shown, "plans": cell.shown_plans, "suppressed": cell.suppressed}


def dumped(figures: Figures) -> dict:
    """The figures as the API answers them (FiguresSchema)."""
    return {
        "scope": figures.scope.as_dict,
        "from_": figures.start,
        "to": figures.end,
        "plans": figure(figures.plans),
        "ruptures": {key: figure(cell) for key, cell in figures.ruptures.items()},
        "handoffs": {
            "transitions": [
                {
                    "from_kind": row.from_kind,
                    "to_kind": row.to_kind,
                    "count": figure(row.count),
                    "answered_in_time": figure(row.answered_in_time),
                    "missing": {key: figure(cell) for key, cell in row.missing.items()},
                }
                for row in figures.transitions
            ],
            "total": figure(figures.handoffs_total),
        },
        "commitments": {
            "organisations": [
                {
                    "organisation_id": row.organisation_id,
                    "name": row.name,
                    "count": figure(row.count),
                    "kept_on_time": figure(row.kept_on_time),
                }
                for row in figures.commitments
            ],
            "total": figure(figures.commitments_total),
        },
        "participation": {key: figure(cell) for key, cell in figures.participation.items()},
    }
