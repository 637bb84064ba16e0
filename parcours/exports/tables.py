"""CSV tables: the timeline, its flags and a caseload, as rows for a spreadsheet.

Pure functions: they take objects already loaded and labels already translated, and return
text. Dates are ISO (a spreadsheet sorts them); the delimiter follows the reader's language,
since a French spreadsheet expects semicolons; a byte-order mark tells it the text is UTF-8.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from parcours.core.i18n import lazy_gettext as _l
from parcours.timeline.checks import Flag, FlagKind
from parcours.timeline.messages import KIND_LABELS, SEVERITY_LABELS
from parcours.timeline.snapshots import CaseloadEntry

Cell = str | int | date | None

DELIMITERS = {"fr": ";"}
# A cell a spreadsheet would run as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Cell) -> str:
    """A cell as text: dates in ISO, None empty, and a formula defused with a leading quote."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    locale: str,
    preamble: Iterable[Sequence[Cell]] = (),
) -> str:
    """The table as CSV text, with a byte-order mark, in the reader's convention; the
    `preamble`'s lines (what the table is about) come before its header."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=DELIMITERS.get(locale, ","), lineterminator="\r\n")
    writer.writerows([cell_text(value) for value in line] for line in preamble)
    writer.writerow([cell_text(h) for h in header])
    writer.writerows([cell_text(value) for value in row] for row in rows)
    return out.getvalue()


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: an episode or a hand-off."""

    entry: str  # "Episode" or "Hand-off", translated
    service: str
    kind: str = ""
    start: date | None = None
    end: date | None = None
    referent: str = ""
    to: str = ""
    status: str = ""
    relais_de_sens: str = ""

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (
            self.entry,
            self.service,
            self.kind,
            self.start,
            self.end,
            self.referent,
            self.to,
            self.status,
            self.relais_de_sens,
        )


TIMELINE_HEADER = (
    _l("Entry"),
    _l("Service"),
    _l("Kind"),
    _l("Start"),
    _l("End"),
    _l("Referent"),
    _l("To"),
    _l("Status"),
    _l("Relais de sens"),
)


def timeline_rows(entries: Iterable[TimelineEntry]) -> list[tuple[Cell, ...]]:
    """The entries in date order (an episode before a hand-off made the same day)."""
    ordered = sorted(entries, key=lambda e: (e.start or date.max, e.entry, e.service))
    return [entry.cells for entry in ordered]


FLAGS_HEADER = (
    _l("Severity"),
    _l("Flag"),
    _l("Start"),
    _l("End"),
    _l("Days"),
    _l("What happens"),
    _l("Next step"),
)


def flag_rows(
    flags: Sequence[Flag], described: Sequence[tuple[str, str]]
) -> list[tuple[Cell, ...]]:
    """One row per flag, most urgent first (the order of `flags`); `described` holds each
    flag's sentence and next step."""
    return [
        (
            str(SEVERITY_LABELS[flag.severity]),
            str(KIND_LABELS[flag.kind]),
            flag.start,
            flag.end,
            flag.days,
            sentence,
            step,
        )
        for flag, (sentence, step) in zip(flags, described, strict=True)
    ]


def caseload_header() -> tuple[str, ...]:
    return (
        str(_l("Person")),
        str(_l("My role")),
        str(_l("Open flags")),
        str(_l("Ongoing rupture")),
        str(_l("Highest severity")),
        *(str(KIND_LABELS[kind]) for kind in FlagKind),
        str(_l("Current services")),
        str(_l("Last hand-off")),
        str(_l("Days since the last hand-off")),
        str(_l("Closed on")),
    )


def caseload_rows(entries: Sequence[CaseloadEntry]) -> list[tuple[Cell, ...]]:
    """One row per parcours of the caseload, in its order (the most urgent first)."""
    yes, no = str(_l("yes")), str(_l("no"))
    return [
        (
            entry.person_name,
            str(entry.role.label),
            entry.flag_count,
            yes if entry.ongoing_rupture else no,
            str(SEVERITY_LABELS[entry.highest_severity]) if entry.highest_severity else "",
            *(entry.count(kind) for kind in FlagKind),
            ", ".join(entry.current_services),
            entry.last_handoff_on,
            entry.days_since_last_handoff,
            entry.closed_on,
        )
        for entry in entries
    ]
