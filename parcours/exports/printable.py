"""The printable plan: the plan in force as a PDF ready to be signed, full or easy-read.

`load_plan` gathers everything in a fixed number of queries, whatever the number of means,
commitments, episodes and hand-offs; `render_pdf` writes the document with WeasyPrint, which
is imported only there so the app starts where Pango is missing. WeasyPrint fetches nothing
over the network: its fetcher serves the app's static files and refuses everything else.
"""

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from parcours.alliance.models import Voice, current_voices
from parcours.alliance.objective import Objective, load_objective
from parcours.core.audit import EVENTS
from parcours.core.i18n import gettext as _
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import local_date
from parcours.extensions import db
from parcours.means.models import Commitment, Decision, Means, adopted_means, latest_decisions
from parcours.plans.models import Member, Parcours, Role
from parcours.plans.operations import current_members
from parcours.timeline.chart import Chart, ruptures, timeline_chart
from parcours.timeline.checks import Flag, compute_flags
from parcours.timeline.inputs import load_timelines
from parcours.timeline.messages import BADGE_LETTERS, ELEMENT_LABELS, KIND_LABELS, describe
from parcours.timeline.models import Episode, Handoff, episodes_of, handoffs_of

EVENTS.update(
    {
        "plan.pdf": _l("printed the plan"),
        "plan.easy_pdf": _l("printed the easy-read plan"),
        "documents": _l("opened the documents page"),
    }
)


@dataclass(frozen=True)
class UpcomingDate:
    """A date ahead in the plan: a commitment to keep or a service about to start."""

    day: date
    what: str
    who: str | None


@dataclass(frozen=True)
class PrintablePlan:
    """Everything the printed plan shows, loaded and ready for the templates."""

    parcours: Parcours
    on: date
    members: list[Member]
    voices: dict[int, Voice]
    objective: Objective
    means: list[Means]
    decisions: dict[int, Decision]
    episodes: list[Episode]
    handoffs: list[Handoff]
    chart: Chart | None
    flags: list[Flag]

    @property
    def version(self):
        """The version printed: the one in force, else the latest draft."""
        return self.objective.in_force or self.objective.latest

    @property
    def approvals(self) -> list:
        """Who approved the version printed, and when (loaded with the history)."""
        number = self.version.number if self.version is not None else None
        version = next((v for v in self.objective.versions if v.number == number), None)
        return list(version.approvals) if version is not None else []

    @property
    def agreed(self) -> bool:
        return self.objective.in_force is not None

    @property
    def person(self) -> Member | None:
        return next((m for m in self.members if m.role is Role.person), None)

    @property
    def commitments(self) -> list[Commitment]:
        return sorted(
            (c for m in self.means for c in m.commitments), key=lambda c: (c.due_on, c.id)
        )

    def commitment_status(self, commitment: Commitment) -> str:
        """done, removed (cancelled), overdue (past its day, not done) or due: its
        pictogram's name in the easy-read plan."""
        if commitment.is_cancelled:
            return "removed"
        if commitment.is_kept:
            return "done"
        return "overdue" if commitment.is_overdue(self.on) else "due"

    def upcoming(self) -> list[UpcomingDate]:
        """The dates still ahead, by date: commitments not kept yet and planned services.
        A late commitment's day is past: it is told late with its means, not listed here."""
        dates = [
            UpcomingDate(c.due_on, c.action, c.member.name)
            for c in self.commitments
            if c.is_open and c.due_on >= self.on  # neither kept nor cancelled, still ahead
        ]
        dates += [
            UpcomingDate(e.start_date, e.display_label, None)
            for e in self.episodes
            if e.is_planned(self.on) and e.start_date >= self.on
        ]
        return sorted(dates, key=lambda d: d.day)


def load_plan(parcours_id: int, on: date) -> PrintablePlan:
    """The plan of a parcours as of `on`, in a fixed number of queries."""
    members = current_members(parcours_id)
    objective = load_objective(parcours_id, members, history=True)
    means = adopted_means(parcours_id)
    episodes = episodes_of(parcours_id)
    handoffs = handoffs_of(parcours_id, episodes)
    timeline = load_timelines([parcours_id], on)[parcours_id]
    flags = compute_flags(timeline.input)
    return PrintablePlan(
        parcours=members[0].parcours if members else db.session.get(Parcours, parcours_id),
        on=on,
        members=members,
        voices=current_voices(parcours_id),
        objective=objective,
        means=means,
        decisions=latest_decisions([m.id for m in means]),
        episodes=episodes,
        handoffs=handoffs,
        chart=timeline_chart(timeline.input, flags),
        flags=flags,
    )


def file_name(plan: PrintablePlan, easy: bool, locale: str) -> str:
    """A clear file name, e.g. `plan-leo-v2-2026-11-21.pdf`, in the document's language."""
    with force_locale(locale):
        kind = _("easy-read-plan") if easy else _("plan")
    parts = [kind, _slug(plan.parcours.person_name)]
    if plan.version is not None:
        parts.append(f"v{plan.version.number}")
    parts.append(plan.on.isoformat())
    return "-".join(p for p in parts if p) + ".pdf"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def render_html(plan: PrintablePlan, easy: bool, locale: str) -> str:
    """The document as HTML, in `locale`; the flags' sentences are written in it too."""
    with force_locale(locale):
        person_name = plan.parcours.person_name
        return render_template(
            "exports/plan_easy.html" if easy else "exports/plan.html",
            plan=plan,
            parcours=plan.parcours,
            lang=locale,
            flags=[(f, KIND_LABELS[f.kind], describe(f, person_name)) for f in plan.flags],
            episodes_by_id={e.id: e for e in plan.episodes},
            gap_titles=[describe(f, person_name) for f in ruptures(plan.flags)],
            badge_letters=BADGE_LETTERS,
            element_labels=ELEMENT_LABELS,
            approved_on=local_date,
        )


def render_pdf(html: str) -> bytes:
    """The PDF of a print template's HTML (A4, page numbers: see static/css/print.css)."""
    from weasyprint import HTML  # lazily: the app runs without Pango, only this needs it

    static = Path(current_app.static_folder).resolve()
    return HTML(
        string=html, base_url=static.as_uri() + "/", url_fetcher=static_only_fetcher(static)
    ).write_pdf()


def static_only_fetcher(static: Path):
    """A WeasyPrint URL fetcher that serves files under `static` and refuses the rest."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_path(url, static)
            if path is None:
                raise ValueError(f"Only the app's static files are available: {url[:100]}")
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": media_type})

    return Fetcher()


def static_path(url: str, static: Path) -> Path | None:
    """The file under `static` a `file:` URL names, or None for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(static) or not path.is_file():
        return None
    return path
