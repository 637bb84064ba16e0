"""What each figure of the observatory is called, and what it counts: one home for the page,
the CSV table and the FHIR MeasureReports."""

from parcours.core.i18n import lazy_gettext as _l
from parcours.timeline.messages import ELEMENT_LABELS
from parcours.timeline.models import KIND_LABELS

# The four sets of figures, as the page titles them (and the MeasureReports are split).
SETS = {
    "ruptures": _l("Ruptures of accompaniment"),
    "handoffs": _l("Hand-offs by transition"),
    "commitments": _l("Commitments kept on time"),
    "participation": _l("The person's participation"),
}

RUPTURES = {
    "plans_with_rupture": _l("Plans with a rupture in the period"),
    "days_median": _l("Days without accompaniment (median)"),
    "days_p90": _l("Days without accompaniment (90th percentile)"),
    "ongoing": _l("Plans where nobody accompanies the person now"),
    "waiting_for_planned_service": _l("Plans waiting for a planned service (sans solution)"),
    "waiting_days_median": _l("Days waited so far for that service (median)"),
}

PARTICIPATION = {
    "own_voice": _l("Plans where the person wrote their own voice"),
    "without_person": _l("Decisions taken without the person's stance"),
    "over_objection": _l("Decisions taken over an objection not heard"),
    "days_to_agreement": _l("Days from the objective's first version to its agreement (median)"),
}

# The elements of a relais de sens, named as on the timeline.
ELEMENTS = ELEMENT_LABELS

# What a figure counts or measures (its unit), by figure name.
UNITS = {
    "plans": "plans",
    "plans_with_rupture": "plans",
    "days_median": "days",
    "days_p90": "days",
    "ongoing": "plans",
    "waiting_for_planned_service": "plans",
    "waiting_days_median": "days",
    "own_voice": "plans",
    "without_person": "decisions",
    "over_objection": "decisions",
    "days_to_agreement": "days",
    "handoffs": "handoffs",
    "answered_in_time": "share",
    "missing": "share",
    "commitments": "commitments",
    "kept_on_time": "share",
}
UNIT_LABELS = {
    "plans": _l("plans"),
    "days": _l("days"),
    "decisions": _l("decisions"),
    "handoffs": _l("hand-offs"),
    "commitments": _l("commitments"),
    "share": _l("share (0 to 1)"),
}


def kind_label(kind: str | None) -> str:
    """A kind of service as the tables name it (None: the receiving side has no episode)."""
    if kind is None:
        return str(_l("not recorded yet"))
    return next(str(label) for member, label in KIND_LABELS.items() if member.value == kind)


def transition_label(from_kind: str, to_kind: str | None) -> str:
    return f"{kind_label(from_kind)} → {kind_label(to_kind)}"


def committed_by(name: str | None) -> str:
    """A row of the commitments: the organisation, or the person and their family."""
    return name or str(_l("The person and their family"))
