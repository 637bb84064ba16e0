"""The printable plan: what the PDF says (full and easy-read, French and English), that its
building does not grow with the plan, that it is logged, and that WeasyPrint fetches nothing
from outside the app."""

import re
import subprocess
import sys
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from babel.dates import format_date
from pypdf import PdfReader
from sqlalchemy import select

from parcours.alliance.operations import save_voice
from parcours.core.audit import EVENTS, AccessLogEntry
from parcours.core.models import today
from parcours.exports.printable import load_plan, render_html, static_only_fetcher, static_path
from parcours.extensions import db
from parcours.means import operations as means_ops
from parcours.means.models import Commitment, Outcome, StanceValue
from parcours.plans.models import Member
from parcours.timeline import operations as timeline_ops
from parcours.timeline.models import EpisodeKind
from tests.means.factories import MeansFactory

ROOT = Path(__file__).resolve().parents[2]


def pdf_text(response) -> str:
    """The text of every page, whitespace collapsed (lines break anywhere in a PDF)."""
    assert response.status_code == 200, response.text[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def build_plan(make, size: int = 1) -> dict:
    """An agreed plan with the person's voice and `size` adopted means (each with a
    commitment) and episodes, built in one transaction."""
    mk = MeansFactory(make)
    members = mk.alliance()

    def build():
        m = {key: db.session.get(Member, member.id) for key, member in members.items()}
        save_voice(
            m["person"],
            m["person"],
            matters="Aller à l'école avec mes copains",
            hopes="Apprendre à lire",
            worries="",
            help_me="Parler doucement",
            base_number=0,
        )
        previous = None
        for n in range(size):
            means = means_ops.propose_means(
                m["professional"],
                title=f"Inclusion progressive {n}",
                description="Deux demi-journées par semaine à l'école du quartier.",
                carried_by="L'école du quartier",
            )
            for member in m.values():
                means_ops.take_stance(member, means, value=StanceValue.support, comment="")
            means_ops.decide_means(
                m["pilot"], means, outcome=Outcome.adopted, rationale="D'accord."
            )
            means_ops.add_commitment(
                m["pilot"],
                means,
                member=m["family"],
                action=f"Appeler l'école {n}",
                due_on=today() + timedelta(days=10 + n),
            )
            episode = timeline_ops.add_episode(
                m["professional"],
                kind=EpisodeKind.sessad,
                organisation=f"SESSAD {n}",
                start_date=today() - timedelta(days=400 - 30 * n),
                end_date=today() - timedelta(days=380 - 30 * n),
            )
            if previous is not None:
                timeline_ops.propose_handoff(
                    m["professional"], from_episode_id=previous.id, to_episode_id=episode.id
                )
            previous = episode

    make._run(build)
    return members


@pytest.fixture
def plan(make):
    return build_plan(make)


@pytest.fixture
def french(app, sign_in):
    """sign_in for a reader with no language chosen: French, the default."""
    return lambda user: sign_in(user, on=app.test_client())


def url(members, easy=False, lang=None):
    path = f"/parcours/{members['professional'].parcours_id}/plan{'-easy' if easy else ''}.pdf"
    return path + (f"?lang={lang}" if lang else "")


def test_the_plan_in_force_prints_in_french_by_default(plan, french):
    response = french(plan["family"].user).get(url(plan))
    text = pdf_text(response)
    assert "Que Léa se développe bien." in text
    assert "Inclusion progressive 0" in text
    assert "Appeler l'école 0" in text
    assert plan["person"].user.name in text and plan["pilot"].user.name in text
    assert "Aller à l'école avec mes copains" in text  # the person's voice
    agreed = format_date(today(), "long", locale="fr")
    assert f"Version 1, validée le {agreed}" in text  # the approval date
    assert "Signature" in text
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"plan-lea-v1-{today().isoformat()}.pdf" in disposition


def test_english_on_request(plan, french):
    text = pdf_text(french(plan["family"].user).get(url(plan, lang="en")))
    assert "Léa's plan" in text
    assert f"Version 1, agreed on {format_date(today(), 'long', locale='en')}" in text
    assert "The means adopted and the commitments" in text


def test_the_reader_s_language_without_lang(plan, sign_in):
    """The test client reads in English (its language cookie)."""
    assert "Léa's plan" in pdf_text(sign_in(plan["family"].user).get(url(plan)))


@pytest.mark.parametrize("lang", ["de", "", "EN", "x" * 300])
def test_an_unknown_language_falls_back_to_the_reader_s(plan, french, lang):
    text = pdf_text(french(plan["family"].user).get(url(plan) + f"?lang={lang}"))
    assert "Plan de Léa" in text or "Parcours de Léa" in text


def test_a_draft_is_printed_marked_not_agreed_yet(make, sign_in):
    members = make.alliance()
    make.version(members["professional"], text="Que Léa lise des albums.")
    text = pdf_text(sign_in(members["family"].user).get(url(members)))
    assert "Que Léa lise des albums." in text
    assert "Not agreed yet" in text
    assert "agreed on" not in text


def test_a_new_version_awaiting_approvals_leaves_the_agreed_one_in_force(plan, make, sign_in):
    make.version(plan["professional"], text="Un texte encore en discussion.")
    text = pdf_text(sign_in(plan["family"].user).get(url(plan)))
    assert "Que Léa se développe bien." in text
    assert "Un texte encore en discussion." not in text
    assert "A newer version (2) is waiting" in text


def test_the_easy_read_plan(plan, french, sign_in):
    text = pdf_text(sign_in(plan["person"].user).get(url(plan, easy=True)))
    for words in ("Our goal", "What matters to me", "What we will do", "Who said yes"):
        assert words in text
    assert "We all said yes to this goal." in text
    assert "Aller à l'école avec mes copains" in text
    assert "Appeler l'école 0" in text and f"Who: {plan['family'].user.name}." in text
    assert "The next dates" in text and "I sign to say: I have read this plan." in text
    french_text = pdf_text(french(plan["person"].user).get(url(plan, easy=True)))
    assert "Notre objectif" in french_text and "Ce que nous allons faire" in french_text
    disposition = french(plan["person"].user).get(url(plan, easy=True)).headers
    assert "plan-facile-a-lire-lea-v1" in disposition["Content-Disposition"]


def test_the_easy_read_draft_says_not_agreed_yet(make, sign_in):
    members = make.alliance()
    make.version(members["professional"])
    text = pdf_text(sign_in(members["person"].user).get(url(members, easy=True)))
    assert "Not agreed yet." in text
    assert "Nobody yet." in text


def test_a_plan_without_objective_nor_episode_prints(make, sign_in):
    members = make.alliance()
    text = pdf_text(sign_in(members["person"].user).get(url(members)))
    assert "No objective has been written yet." in text
    assert "No episode is recorded yet." in text


@pytest.mark.parametrize("easy", [False, True])
def test_building_the_document_does_not_grow_with_the_plan(make, sign_in, count_queries, easy):
    counts = []
    for size in (2, 6):  # both with hand-offs (their history is one more query)
        members = build_plan(make, size)
        client = sign_in(members["family"].user)
        with count_queries() as counter:
            text = pdf_text(client.get(url(members, easy=easy)))
        assert f"Appeler l'école {size - 1}" in text
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(("easy", "event"), [(False, "plan.pdf"), (True, "plan.easy_pdf")])
def test_the_export_is_in_the_access_log(app, plan, sign_in, easy, event):
    client = sign_in(plan["family"].user)
    assert client.get(url(plan, easy=easy)).status_code == 200
    with app.app_context():
        entries = db.session.scalars(
            select(AccessLogEntry).where(
                AccessLogEntry.parcours_id == plan["family"].parcours_id,
                AccessLogEntry.event == event,
            )
        ).all()
        assert [e.user_id for e in entries] == [plan["family"].user.id]
    log = client.get(f"/parcours/{plan['family'].parcours_id}/log").text
    assert str(EVENTS[event]) in log


def test_weasyprint_is_given_only_the_app_s_static_files(app):
    static = Path(app.static_folder).resolve()
    css = (static / "css" / "print.css").as_uri()
    assert static_path(css, static) == static / "css" / "print.css"
    refused = [
        "https://example.org/x.css",
        "http://127.0.0.1:5000/static/css/print.css",
        "ftp://example.org/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        static.as_uri() + "/../pyproject.toml",
        static.as_uri() + "/css/missing.css",
        "file://evil.example" + str(static / "css" / "print.css"),
    ]
    assert [u for u in refused if static_path(u, static) is not None] == []
    fetcher = static_only_fetcher(static)
    assert b"@page" in fetcher.fetch(css).read()
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.org/tracker.png")


def test_everything_weasyprint_fetches_goes_through_the_static_only_fetcher(
    app, make, sign_in, monkeypatch
):
    """The stylesheet and the pictograms come from the static folder; markup in a text is
    escaped, so it asks for nothing."""
    from parcours.exports import printable

    asked = []

    def recording(url, static):
        asked.append(url)
        return static_path(url, static)

    monkeypatch.setattr(printable, "static_path", recording)
    members = make.alliance()
    make.version(members["professional"], text='<img src="https://example.org/t.png">')
    client = sign_in(members["person"].user)
    assert '<img src="https://example.org/t.png">' in pdf_text(client.get(url(members)))
    assert pdf_text(client.get(url(members, easy=True)))
    static = Path(app.static_folder).resolve().as_uri()
    assert asked and all(u.startswith(static + "/") for u in asked), asked
    assert any(u.endswith("/icons/objective.svg") for u in asked)


def test_the_app_starts_without_weasyprint():
    """WeasyPrint (and Pango under it) is imported only to render a PDF."""
    code = (
        "import sys; from parcours import create_app;"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'});"
        "assert 'weasyprint' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def commitments_of_every_status(make) -> dict:
    """An agreed plan with a means and three commitments: one done, one due, one overdue
    (its day is past and it is not done)."""
    mk = MeansFactory(make)
    members = mk.alliance()
    means = mk.adopted(members)
    done = mk.commitment(members["pilot"], means, members["family"], action="Acheter le cahier")
    mk.commitment(
        members["pilot"], means, members["family"], "Appeler l'école", today() + timedelta(days=5)
    )
    late = mk.commitment(members["pilot"], means, members["pilot"], action="Écrire à la MDPH")
    mk.set_due(late, today() - timedelta(days=3))
    make._run(
        lambda: means_ops.keep_commitment(
            db.session.get(Member, members["family"].id), db.session.get(Commitment, done.id)
        )
    )
    return members


def test_the_easy_read_plan_tells_done_due_and_overdue_apart(app, make, french):
    members = commitments_of_every_status(make)
    text = pdf_text(french(members["person"].user).get(url(members, easy=True)))
    assert re.search(r"C'est fait\. Acheter le cahier\.", text), text
    assert re.search(r"À faire\. Appeler l'école\.", text), text
    assert re.search(r"En retard\s?: ce n'est pas encore fait\. Écrire à la MDPH\.", text), text
    # Each status has its own pictogram: a ticked box, an empty box, a warning sign.
    with app.test_request_context():
        html = render_html(load_plan(members["person"].parcours_id, today()), True, "fr")
    pictos = dict(
        re.findall(r'<li class="commitment commitment--(\w+)"><img[^>]*src="([^"]+)"', html)
    )
    assert pictos == {
        "done": "icons/done.svg",
        "due": "icons/due.svg",
        "overdue": "icons/overdue.svg",
    }
    assert "icons/commitments.svg" not in html.split("Ce que nous allons faire")[1]


def test_the_next_dates_are_only_dates_ahead(make, french):
    members = commitments_of_every_status(make)
    text = pdf_text(french(members["person"].user).get(url(members, easy=True)))
    next_dates = text.split("Les prochaines dates")[1].split("Qui a dit oui")[0]
    assert "Appeler l'école" in next_dates
    assert format_date(today() + timedelta(days=5), "long", locale="fr") in next_dates
    assert "Écrire à la MDPH" not in next_dates  # its day is past: told late above
    assert "Acheter le cahier" not in next_dates  # done
    assert format_date(today() - timedelta(days=3), "long", locale="fr") not in next_dates
