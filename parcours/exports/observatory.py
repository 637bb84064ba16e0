"""The observatory's figures as a CSV table: the same figures as the page and the API, withheld
and rounded the same way (they come from `compute_figures` through the same reading).

Pure: figures in, rows out. One row per figure, in the page's order: the set it belongs to,
what it is, the line of its table (a transition, an organisation, the total), its value, what
it counts, and the number of plans it is drawn from. A withheld figure has an empty value and
plans, and "fewer than 5" in the last column, as on the page.
"""

from collections.abc import Iterator

from parcours.core.i18n import gettext as _
from parcours.core.i18n import lazy_gettext as _l
from parcours.exports.tables import Cell as TableCell
from parcours.observatory.anonymity import Cell
from parcours.observatory.figures import Figures, Scope
from parcours.observatory.labels import (
    ELEMENTS,
    PARTICIPATION,
    RUPTURES,
    SETS,
    UNIT_LABELS,
    UNITS,
    committed_by,
    transition_label,
)

HEADER = (
    _l("Set of figures"),
    _l("Figure"),
    _l("Line"),
    _l("Value"),
    _l("Unit"),
    _l("Plans"),
    _l("Note"),
)


def scope_name(scope: Scope) -> str:
    """The organisation's name, or "territory 37"."""
    if scope.organisation_id is not None:
        return scope.name or ""
    return _("territory %(code)s", code=scope.territory)


def file_name(figures: Figures, extension: str) -> str:
    """observatory-territory-37-2025-01-01-2025-12-31.csv (an organisation by its number)."""
    scope = figures.scope
    what = (
        f"organisation-{scope.organisation_id}"
        if scope.organisation_id is not None
        else f"territory-{scope.territory}"
    )
    return f"observatory-{what}-{figures.start.isoformat()}-{figures.end.isoformat()}.{extension}"


def number_text(value: float | int, locale: str) -> str:
    """A published figure as a spreadsheet reads it: no needless decimals, and a decimal
    comma in French."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")
    return text.replace(".", ",") if locale == "fr" else text


def preamble(figures: Figures) -> list[tuple[TableCell, ...]]:
    """The lines above the table: what the figures are about, over which period, and how they
    are protected."""
    return [
        (_("Observatory"), scope_name(figures.scope)),
        (_("Period"), figures.start, figures.end),
        (_("Figures as of"), figures.on),
        (
            _(
                "Drawn from the plans where the organisation, or an organisation of the "
                "territory, had an episode in the period. A figure drawn from fewer than 5 plans "
                "is withheld (empty, marked \u201cfewer than 5\u201d), and so is a total that "
                "would let it be worked out; every figure is rounded to the nearest 5 (a share "
                "to the nearest 0.05)."
            ),
        ),
        (),
    ]


def figure_rows(figures: Figures, locale: str) -> list[tuple[TableCell, ...]]:
    """One row per figure, in the page's order."""
    return [
        _row(str(set_label), str(label), line, cell, unit, locale)
        for set_label, label, line, cell, unit in _figures(figures)
    ]


def _figures(figures: Figures) -> Iterator[tuple]:
    """(set, figure, line, cell, unit) for every figure."""
    yield "", _l("Plans in scope"), "", figures.plans, "plans"
    for key, label in RUPTURES.items():
        yield SETS["ruptures"], label, "", figures.ruptures[key], UNITS[key]
    total = _("Total")
    for row in figures.transitions:
        line = transition_label(row.from_kind, row.to_kind)
        yield SETS["handoffs"], _l("Hand-offs"), line, row.count, "handoffs"
        yield SETS["handoffs"], _l("Answered in time"), line, row.answered_in_time, "share"
        for key, element in ELEMENTS.items():
            lacking = _("Lacking: %(element)s", element=element)
            yield SETS["handoffs"], lacking, line, row.missing[key], "share"
    yield SETS["handoffs"], _l("Hand-offs"), total, figures.handoffs_total, "handoffs"
    for row in figures.commitments:
        line = committed_by(row.name)
        yield SETS["commitments"], _l("Commitments"), line, row.count, "commitments"
        yield SETS["commitments"], _l("Kept on time"), line, row.kept_on_time, "share"
    yield SETS["commitments"], _l("Commitments"), total, figures.commitments_total, "commitments"
    for key, label in PARTICIPATION.items():
        yield SETS["participation"], label, "", figures.participation[key], UNITS[key]


def _row(
    set_label: str, label: str, line: str, cell: Cell, unit: str, locale: str
) -> tuple[TableCell, ...]:
    if cell.suppressed:
        value, plans, note = None, None, _("fewer than 5")
    elif cell.value is None:
        value, plans, note = None, cell.plans, _("nothing to measure")
    else:
        value, plans, note = number_text(cell.value, locale), cell.plans, ""
    return (set_label, label, line, value, str(UNIT_LABELS[unit]), plans, note)
