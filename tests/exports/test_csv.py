"""CSV exports: a parcours' timeline and flags, and a professional's caseload."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from parcours.core.audit import AccessLogEntry
from parcours.core.models import today
from parcours.exports.tables import cell_text, to_csv
from parcours.extensions import db
from parcours.plans.models import Role
from parcours.timeline.models import EpisodeKind


def rows_of(response, delimiter=","):
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def _day(offset: int):
    return today() + timedelta(days=offset)


@pytest.fixture
def leo(make, tl):
    """SESSAD until 120 days ago, then nothing for 90 days (a rupture), then the IME; the
    hand-off to the IME was accepted without a meaning note."""
    members = make.alliance()
    pro = members["professional"]
    sessad = tl.episode(pro, "SESSAD Les Mouettes", start=-700, end=-121)
    ime = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-30)
    handoff = tl.handoff(pro, sessad, to_episode=ime, person_involved=True, proposed_on=-130)
    tl.confirm(members["person"], handoff)  # Léa confirmed she took part
    # The IME is not in the plan: the pilot recorded its answer given by phone.
    tl.pilot(pro)
    tl.answer(pro, handoff, "accepted", by_phone="Mme Roy")
    return members


def test_the_timeline_lists_episodes_and_handoffs_in_date_order(leo, sign_in):
    client = sign_in(leo["family"].user)
    rows = rows_of(client.get(f"/parcours/{leo['family'].parcours_id}/export/timeline.csv"))
    header, *body = rows
    assert header == [
        "Entry",
        "Service",
        "Kind",
        "Start",
        "End",
        "Referent",
        "To",
        "Status",
        "Relais de sens",
    ]
    assert [(r[0], r[1], r[3]) for r in body] == [
        ("Episode", "SESSAD Les Mouettes", _day(-700).isoformat()),
        ("Hand-off", "SESSAD Les Mouettes", _day(-130).isoformat()),
        ("Episode", "IME Les Tilleuls", _day(-30).isoformat()),
    ]
    handoff = body[1]
    assert handoff[6] == "IME Les Tilleuls" and handoff[7] == "accepted"
    assert "Meaning note" in handoff[8] and "Person involved" not in handoff[8]
    assert body[0][4] == _day(-121).isoformat() and body[2][4] == ""


def test_the_flags_come_with_their_sentence_and_next_step(leo, sign_in):
    client = sign_in(leo["professional"].user)
    header, *body = rows_of(
        client.get(f"/parcours/{leo['professional'].parcours_id}/export/flags.csv")
    )
    assert header[:3] == ["Severity", "Flag", "Start"]
    kinds = [row[1] for row in body]
    assert "Rupture" in kinds and "Missing relais de sens" in kinds
    rupture = body[kinds.index("Rupture")]
    assert rupture[2] == _day(-120).isoformat() and rupture[4] == "90"
    assert all(row[5] and row[6] for row in body)


def test_in_french_the_columns_are_french_and_separated_by_semicolons(leo, make, sign_in):
    client = sign_in(leo["family"].user, on=make.app.test_client())
    response = client.get(f"/parcours/{leo['family'].parcours_id}/export/timeline.csv")
    header, *body = rows_of(response, delimiter=";")
    assert header[:3] == ["Élément", "Service", "Type"]
    assert body[0][0] == "Épisode"


def test_a_caseload_has_one_row_per_parcours_most_urgent_first(leo, make, sign_in):
    pro = leo["professional"]
    calm = make.parcours(person_name="Inès")
    make.member(calm, Role.professional, user=pro.user)
    header, *body = rows_of(sign_in(pro.user).get("/caseload.csv"))
    assert header[0] == "Person" and "Ongoing rupture" in header
    assert [row[0] for row in body] == [leo["person"].parcours.person_name, "Inès"]
    assert int(body[0][2]) > 0 and body[1][2] == "0"
    filtered = rows_of(sign_in(pro.user).get("/caseload.csv?kind=rupture"))
    assert [row[0] for row in filtered[1:]] == [leo["person"].parcours.person_name]


def test_an_unknown_kind_of_flag_is_a_clear_400(leo, sign_in):
    response = sign_in(leo["professional"].user).get("/caseload.csv?kind=nonsense")
    assert response.status_code == 400
    assert "Unknown kind of flag" in response.text


def test_exports_are_in_the_access_log(leo, make, sign_in):
    member = leo["family"]
    client = sign_in(member.user)
    client.get(f"/parcours/{member.parcours_id}/export/timeline.csv")
    client.get(f"/parcours/{member.parcours_id}/export/flags.csv")
    sign_in(leo["professional"].user).get("/caseload.csv")
    with make.app.app_context():
        logged = db.session.execute(
            select(AccessLogEntry.user_id, AccessLogEntry.event, AccessLogEntry.detail).where(
                AccessLogEntry.parcours_id == member.parcours_id,
                AccessLogEntry.event == "export",
            )
        ).all()
    assert sorted(logged) == sorted(
        [
            (member.user_id, "export", "timeline.csv"),
            (member.user_id, "export", "flags.csv"),
            (leo["professional"].user_id, "export", "caseload.csv"),
        ]
    )
    page = client.get(f"/parcours/{member.parcours_id}/log")
    assert "downloaded timeline.csv" in page.text


def test_the_query_count_does_not_grow_with_the_timeline(make, tl, sign_in, count_queries):
    def measure(n: int) -> int:
        members = make.alliance()
        pro = members["professional"]
        previous = None
        for i in range(n):
            episode = tl.episode(pro, f"Service {i}", start=-400 + 30 * i, end=-400 + 30 * i + 20)
            if previous is not None:
                tl.handoff(pro, previous, to_episode=episode, proposed_on=-400 + 30 * i)
            previous = episode
        client = sign_in(pro.user)
        counts = []
        for name in ("timeline", "flags"):
            with count_queries() as counter:
                response = client.get(f"/parcours/{pro.parcours_id}/export/{name}.csv")
            assert response.status_code == 200
            counts.append(counter.count)
        return counts

    assert measure(2) == measure(8)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 6 12", "'+33 6 12"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-3", "-3"),
        ("Léa", "Léa"),
        (None, ""),
        (_day(0), _day(0).isoformat()),
        (12, "12"),
    ],
)
def test_cells_never_run_as_formulas(value, text):
    assert cell_text(value) == text


def test_quotes_delimiters_and_line_breaks_survive():
    text = to_csv(["a", "b"], [['Il a dit "oui"; puis', "deux\nlignes"]], "fr")
    assert list(csv.reader(io.StringIO(text[1:]), delimiter=";")) == [
        ["a", "b"],
        ['Il a dit "oui"; puis', "deux\nlignes"],
    ]


def test_the_documents_page_links_the_tables(leo, sign_in):
    member = leo["person"]
    page = sign_in(member.user).get(f"/parcours/{member.parcours_id}/documents")
    assert page.status_code == 200
    assert f"/parcours/{member.parcours_id}/export/timeline.csv" in page.text
    assert f"/parcours/{member.parcours_id}/export/flags.csv" in page.text
    assert f"/parcours/{member.parcours_id}/export/fhir.json" in page.text
    assert f"/parcours/{member.parcours_id}/plan.pdf?lang=en" in page.text
    assert f"/parcours/{member.parcours_id}/plan-easy.pdf" in page.text
    assert 'aria-current="page"' in page.text  # its tab in the plan's navigation


def test_the_caseload_offers_its_csv_with_the_same_filter(leo, sign_in):
    page = sign_in(leo["professional"].user).get("/caseload?kind=rupture")
    assert "/caseload.csv?kind=rupture" in page.text
