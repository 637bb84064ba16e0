"""The observatory's figures as files: a CSV table and FHIR MeasureReports, with the same
figures as the API, withheld and rounded the same way; for observers only."""

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measurereport import MeasureReport

from parcours.exports.measures import DATA_ABSENT_REASON, measure_bundle
from parcours.exports.observatory import HEADER, figure_rows, number_text, preamble
from parcours.exports.tables import to_csv
from parcours.observatory.anonymity import Cell
from parcours.observatory.figures import Figures, OrganisationRow, Scope, TransitionRow

WITHHELD = Cell(None, 0, suppressed=True)
ELEMENTS = ("objective", "person", "meaning_note", "contact")
RUPTURES = (
    "plans_with_rupture",
    "days_median",
    "days_p90",
    "ongoing",
    "waiting_for_planned_service",
    "waiting_days_median",
)
PARTICIPATION = ("own_voice", "without_person", "over_objection", "days_to_agreement")


def sample(scope: Scope, organisation: str | None = None) -> Figures:
    """Figures as compute_figures publishes them: one transition shown, one withheld."""
    return Figures(
        scope=scope,
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        on=date(2025, 12, 31),
        plans=Cell(10, 10),
        ruptures={key: Cell(5, 5) for key in RUPTURES} | {"ongoing": WITHHELD},
        transitions=[
            TransitionRow(
                "ime", "esat", Cell(5, 5), Cell(0.35, 5), dict.fromkeys(ELEMENTS, Cell(0.5, 5))
            ),
            TransitionRow("esat", None, WITHHELD, WITHHELD, dict.fromkeys(ELEMENTS, WITHHELD)),
        ],
        handoffs_total=WITHHELD,
        commitments=[OrganisationRow(1, organisation, Cell(10, 5), Cell(None, 5))],
        commitments_total=Cell(10, 5),
        participation={key: Cell(5, 5) for key in PARTICIPATION},
    )


def rows_of(response, delimiter):
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def _table(rows):
    """The header and the figures by (figure, line), after the preamble's empty line."""
    start = rows.index([]) + 1
    header, *body = rows[start:]
    return header, {(row[1], row[2]): row for row in body}


# The CSV table -----------------------------------------------------------------------------


def test_the_csv_in_french_has_the_scope_the_period_and_the_figures(world, make, sign_in):
    client = sign_in(world.observer, on=make.app.test_client())  # no language chosen: French
    response = client.get("/observatory/figures.csv?territory=37&from=2025-01-01&to=2026-12-31")
    assert (
        "observatory-territory-37-2025-01-01-2026-12-31.csv"
        in (response.headers["Content-Disposition"])
    )
    rows = rows_of(response, delimiter=";")
    assert rows[0] == ["Observatoire", "territoire 37"]
    assert rows[1] == ["Période", "2025-01-01", "2026-12-31"]
    assert rows[2][0] == "Chiffres au"
    header, figures = _table(rows)
    assert header == [
        "Ensemble de chiffres",
        "Chiffre",
        "Ligne",
        "Valeur",
        "Unité",
        "Parcours",
        "Note",
    ]
    assert figures[("Parcours concernés", "")][3:] == ["5", "parcours", "5", ""]  # 6, rounded
    ongoing = figures[("Parcours où personne n'accompagne la personne aujourd'hui", "")]
    assert ongoing[0] == "Ruptures d'accompagnement"
    assert ongoing[3:] == ["", "parcours", "", "moins de 5"]
    note = figures[("Manque\u202f: Note de sens", "IME → pas encore indiqué")]
    assert note[3] == "0,35"  # 2 of 6, to the nearest 0.05, with a decimal comma


def test_the_csv_in_english(world, client, sign_in, api):
    rows = rows_of(sign_in(world.observer).get("/observatory/figures.csv?territory=37"), ",")
    assert rows[0] == ["Observatory", "territory 37"]
    header, figures = _table(rows)
    assert header == ["Set of figures", "Figure", "Line", "Value", "Unit", "Plans", "Note"]
    assert figures[("Lacking: Meaning note", "IME → not recorded yet")][3] == "0.35"
    body = api(world.observer).get("/api/v1/observatory?territory=37").json
    # The same figures as the API.
    assert figures[("Plans with a rupture in the period", "")][3] == str(
        int(body["ruptures"]["plans_with_rupture"]["value"])
    )
    assert figures[("Hand-offs", "Total")][3] == str(int(body["handoffs"]["total"]["value"]))
    kept = figures[("Kept on time", "The person and their family")]
    assert kept[3] == str(body["commitments"]["organisations"][0]["kept_on_time"]["value"])


def test_the_csv_of_an_organisation_defaults_to_the_first_scope(world, client, sign_in):
    response = sign_in(world.observer).get("/observatory/figures.csv")
    assert f"observatory-organisation-{world.ime_id}-" in response.headers["Content-Disposition"]
    assert rows_of(response, ",")[0] == ["Observatory", "IME Les Cèdres"]


def test_a_name_a_spreadsheet_would_run_is_defused():
    figures = sample(Scope(organisation_id=1, name="=HYPERLINK(1)"), organisation="+cmd")
    text = to_csv([str(h) for h in HEADER], figure_rows(figures, "en"), "en", preamble(figures))
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["Observatory", "'=HYPERLINK(1)"]
    assert ["Commitments kept on time", "Commitments", "'+cmd"] in [row[:3] for row in rows]


def test_numbers_are_written_as_a_spreadsheet_reads_them():
    assert number_text(5, "fr") == "5" and number_text(10.0, "en") == "10"
    assert number_text(0.35, "fr") == "0,35" and number_text(0.5, "en") == "0.5"


def test_a_figure_with_nothing_to_measure_says_so():
    rows = figure_rows(sample(Scope(territory="37")), "en")
    [kept] = [row for row in rows if row[1] == "Kept on time"]
    assert kept[3] is None and kept[5] == 5 and kept[6] == "nothing to measure"


@pytest.mark.parametrize("who", ["professional", "person", "nobody"])
def test_the_files_are_for_observers_only(world, make, sign_in, api, who):
    user = make.user() if who == "nobody" else world.plans[0][who].user
    client = sign_in(user)
    for url in ("/observatory/figures.csv?territory=37", "/observatory/measure-report.json"):
        assert client.get(url).status_code == 404
    answer = api(user).get("/api/v1/observatory/measure-report?territory=37")
    assert answer.status_code == 404


def test_the_page_links_to_both_files_for_its_scope_and_period(world, client, sign_in):
    page = sign_in(world.observer).get("/observatory?territory=37&from=2025-02-01&to=2025-12-31")
    assert "Download the figures (CSV)" in page.text
    assert (
        "/observatory/figures.csv?territory=37&amp;from=2025-02-01&amp;to=2025-12-31" in page.text
    )
    assert "/observatory/measure-report.json?territory=37&amp;from=2025-02-01" in page.text


# FHIR MeasureReports -----------------------------------------------------------------------


def _reports(document) -> dict[str, dict]:
    Bundle.model_validate(document)
    reports = {}
    for entry in document["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        if resource["resourceType"] == "MeasureReport":
            MeasureReport.model_validate(resource)
            reports[resource["measure"].rsplit("observatory-", 1)[1]] = resource
    return reports


def _groups(report) -> dict[str, dict]:
    return {group["code"]["coding"][0]["code"]: group for group in report["group"]}


def test_the_measure_reports_of_a_territory(world, api):
    answer = api(world.observer).get(
        "/api/v1/observatory/measure-report?territory=37&from=2025-01-01&to=2026-12-31"
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/fhir+json"
    document = answer.json
    assert document["type"] == "collection"
    reports = _reports(document)
    assert set(reports) == {"ruptures", "handoffs", "commitments", "participation"}
    body = (
        api(world.observer)
        .get("/api/v1/observatory?territory=37&from=2025-01-01&to=2026-12-31")
        .json
    )
    for report in reports.values():
        assert report["status"] == "complete" and report["type"] == "summary"
        assert report["period"] == {"start": "2025-01-01", "end": "2026-12-31"}
        assert report["subject"]["identifier"]["value"] == "37" and "reporter" not in report
    ruptures = _groups(reports["ruptures"])
    shown = ruptures["plans_with_rupture"]
    assert shown["measureScore"]["value"] == body["ruptures"]["plans_with_rupture"]["value"]
    assert shown["population"][0]["count"] == body["ruptures"]["plans_with_rupture"]["plans"]
    assert shown["population"][0]["code"]["coding"][0]["code"] == "initial-population"
    # Withheld: no value, no count of plans, only "masked" and "suppressed".
    ongoing = ruptures["ongoing"]
    assert "value" not in ongoing["measureScore"]
    assert ongoing["measureScore"]["extension"] == [
        {"url": DATA_ABSENT_REASON, "valueCode": "masked"}
    ]
    assert "count" not in ongoing["population"][0]
    assert ongoing["extension"][0]["url"].endswith("/StructureDefinition/suppressed")
    assert ongoing["extension"][0]["valueBoolean"] is True
    # The lines of a table are the strata.
    handoffs = _groups(reports["handoffs"])
    [stratum] = handoffs["missing_meaning_note"]["stratifier"][0]["stratum"]
    assert stratum["value"]["text"] == "IME → not recorded yet"
    assert stratum["measureScore"]["value"] == 0.35
    assert stratum["component"][0]["value"]["coding"][0]["code"] == "ime"
    assert handoffs["handoffs"]["measureScore"]["value"] == body["handoffs"]["total"]["value"]


def test_the_measure_reports_of_an_organisation_name_it_as_reporter(world, client, sign_in):
    response = sign_in(world.observer).get(
        f"/observatory/measure-report.json?organisation={world.ime_id}"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    document = json.loads(response.data)
    urls = {entry["fullUrl"]: entry["resource"] for entry in document["entry"]}
    for report in _reports(document).values():
        organisation = urls[report["reporter"]["reference"]]
        assert organisation["resourceType"] == "Organization"
        assert organisation["name"] == "IME Les Cèdres"
        assert "subject" not in report


def test_the_api_asks_for_a_scope(world, api):
    answer = api(world.observer).get("/api/v1/observatory/measure-report")
    assert answer.status_code == 400 and answer.json["error"] == "scope_required"
    answer = api(world.observer).get("/api/v1/observatory/measure-report?territory=75")
    assert answer.status_code == 404


def test_every_shape_of_figures_is_a_valid_r4b_bundle():
    for scope in (Scope(territory="2A"), Scope(organisation_id=4, name="ESAT")):
        document = measure_bundle(
            sample(scope, "ESAT"),
            "https://parcours.example.org/fhir",
            datetime(2026, 1, 1, tzinfo=UTC),
        )
        reports = _reports(document)
        [withheld] = _groups(reports["handoffs"])["handoffs"]["stratifier"][0]["stratum"][1:]
        assert withheld["measureScore"] == {
            "extension": [{"url": DATA_ABSENT_REASON, "valueCode": "masked"}]
        }
        kept = _groups(reports["commitments"])["kept_on_time"]["stratifier"][0]["stratum"][0]
        assert kept["measureScore"]["extension"][0]["valueCode"] == "not-applicable"
