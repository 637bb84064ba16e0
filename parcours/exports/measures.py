"""The observatory's figures as FHIR R4B MeasureReports: one per set of figures (ruptures,
hand-offs, commitments, participation), gathered in a Bundle of type `collection`.

Pure: published figures in (already withheld and rounded by the observatory), resource dicts
out; the labels are read in the language active when it runs (the caller asks for English).
Each report is a `summary` over the period, `complete`; its `reporter` is the organisation
when the figures are about one, its `subject` the territory (a Location named by the
département code) otherwise. A figure is a `group` (code: its name in the API) with one
`initial-population`, the plans it is drawn from, and its `measureScore`; the lines of a table
(transitions, organisations) are the strata of one stratifier. A withheld figure carries no
value: its score and its count of plans are only a data-absent-reason `masked`, and the group
(or stratum) says `suppressed`.
"""

import uuid
from datetime import datetime

from parcours.exports.fhir import NAMESPACE, instant
from parcours.observatory.anonymity import Cell
from parcours.observatory.figures import Figures
from parcours.observatory.labels import (
    ELEMENTS,
    PARTICIPATION,
    RUPTURES,
    UNITS,
    committed_by,
    kind_label,
    transition_label,
)

MEASURE_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
UCUM = "http://unitsofmeasure.org"
# Each unit of UNITS as a UCUM quantity: (unit as written, UCUM code).
QUANTITIES = {
    "plans": ("plans", "{plans}"),
    "days": ("days", "d"),
    "decisions": ("decisions", "{decisions}"),
    "handoffs": ("hand-offs", "{handoffs}"),
    "commitments": ("commitments", "{commitments}"),
    "share": ("share", "1"),
}
SETS = ("ruptures", "handoffs", "commitments", "participation")


def _masked() -> dict:
    return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "masked"}]}


def _suppressed(system: str) -> dict:
    return {"url": f"{system}/StructureDefinition/suppressed", "valueBoolean": True}


def _figure(cell: Cell, unit: str, system: str) -> dict:
    """The population (the plans under the figure) and the score of a group or a stratum."""
    population = {
        "code": {"coding": [{"system": MEASURE_POPULATION, "code": "initial-population"}]}
    }
    if cell.suppressed:
        return {
            "extension": [_suppressed(system)],
            "population": [population | {"_count": _masked()}],
            "measureScore": _masked(),
        }
    written, code = QUANTITIES[unit]
    if cell.value is None:  # nothing to measure (no hand-off answered yet, say)
        score = {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "not-applicable"}]}
    else:
        score = {"value": cell.value, "unit": written, "system": UCUM, "code": code}
    return {"population": [population | {"count": cell.plans}], "measureScore": score}


def _code(system: str, key: str, label) -> dict:
    return {
        "coding": [
            {"system": f"{system}/CodeSystem/observatory", "code": key, "display": str(label)}
        ],
        "text": str(label),
    }


def _group(system: str, key: str, label, cell: Cell | None, strata: list[dict] = ()) -> dict:
    """One figure: its own value (`cell`; None when only its lines have one) and its lines."""
    group = {"code": _code(system, key, label)}
    if cell is not None:
        group |= _figure(cell, UNITS.get(key, "plans"), system)
    if strata:
        group["stratifier"] = [{"stratum": strata}]
    return group


def _stratum(system: str, label: str, cell: Cell, unit: str, components=()) -> dict:
    stratum = {"value": {"text": label}, **_figure(cell, unit, system)}
    if components:
        stratum["component"] = list(components)
    return stratum


def _kind(system: str, side: str, kind: str | None) -> dict:
    value = {"text": kind_label(kind)}
    if kind is not None:
        value["coding"] = [{"system": f"{system}/CodeSystem/episode-kind", "code": kind}]
    return {"code": {"text": side}, "value": value}


def _groups(figures: Figures, name: str, system: str) -> list[dict]:
    plans = _group(system, "plans", "Plans in scope", figures.plans)
    if name == "ruptures":
        return [plans] + [
            _group(system, key, label, figures.ruptures[key]) for key, label in RUPTURES.items()
        ]
    if name == "participation":
        return [plans] + [
            _group(system, key, label, figures.participation[key])
            for key, label in PARTICIPATION.items()
        ]
    if name == "handoffs":
        lines = [
            (
                row,
                transition_label(row.from_kind, row.to_kind),
                (_kind(system, "from", row.from_kind), _kind(system, "to", row.to_kind)),
            )
            for row in figures.transitions
        ]
        return [
            plans,
            _group(
                system,
                "handoffs",
                "Hand-offs",
                figures.handoffs_total,
                [
                    _stratum(system, label, row.count, "handoffs", kinds)
                    for row, label, kinds in lines
                ],
            ),
            _group(
                system,
                "answered_in_time",
                "Answered in time",
                None,
                [
                    _stratum(system, label, row.answered_in_time, "share", kinds)
                    for row, label, kinds in lines
                ],
            ),
        ] + [
            _group(
                system,
                f"missing_{key}",
                f"Lacking: {element}",
                None,
                [
                    _stratum(system, label, row.missing[key], "share", kinds)
                    for row, label, kinds in lines
                ],
            )
            for key, element in ELEMENTS.items()
        ]
    lines = [(row, committed_by(row.name)) for row in figures.commitments]
    return [
        plans,
        _group(
            system,
            "commitments",
            "Commitments",
            figures.commitments_total,
            [_stratum(system, label, row.count, "commitments") for row, label in lines],
        ),
        _group(
            system,
            "kept_on_time",
            "Kept on time",
            None,
            [_stratum(system, label, row.kept_on_time, "share") for row, label in lines],
        ),
    ]


def _scope_key(figures: Figures) -> str:
    scope = figures.scope
    if scope.organisation_id is not None:
        return f"organisation/{scope.organisation_id}"
    return f"territory/{scope.territory}"


def _id(figures: Figures, what: str, generated_at: datetime) -> str:
    key = f"observatory/{_scope_key(figures)}/{figures.start}/{figures.end}/{instant(generated_at)}"
    return str(uuid.uuid5(NAMESPACE, f"{key}/{what}"))


def measure_report(figures: Figures, name: str, system: str, generated_at: datetime) -> dict:
    """The MeasureReport of one set of figures."""
    scope = figures.scope
    report = {
        "resourceType": "MeasureReport",
        "id": _id(figures, name, generated_at),
        "status": "complete",
        "type": "summary",
        "measure": f"{system}/Measure/observatory-{name}",
        "date": instant(generated_at),
        "period": {"start": figures.start.isoformat(), "end": figures.end.isoformat()},
        "group": _groups(figures, name, system),
    }
    if scope.organisation_id is not None:
        report["reporter"] = {
            "reference": f"urn:uuid:{_id(figures, 'Organization', generated_at)}",
            "display": scope.name,
        }
    else:
        report["subject"] = {
            "type": "Location",
            "identifier": {"system": f"{system}/sid/territory", "value": scope.territory},
            "display": f"territory {scope.territory}",
        }
    return report


def measure_bundle(figures: Figures, system: str, generated_at: datetime) -> dict:
    """The four MeasureReports (and the organisation they are about) in a Bundle of type
    `collection`, every fullUrl a urn:uuid."""
    resources = []
    scope = figures.scope
    if scope.organisation_id is not None:
        resources.append(
            {
                "resourceType": "Organization",
                "id": _id(figures, "Organization", generated_at),
                "identifier": [
                    {"system": f"{system}/sid/organisation", "value": str(scope.organisation_id)}
                ],
                "name": scope.name,
            }
        )
    resources += [measure_report(figures, name, system, generated_at) for name in SETS]
    return {
        "resourceType": "Bundle",
        "id": _id(figures, "Bundle", generated_at),
        "type": "collection",
        "timestamp": instant(generated_at),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
