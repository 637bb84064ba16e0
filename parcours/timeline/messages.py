"""Plain-language sentences for timeline flags, translated with Flask-Babel."""

from __future__ import annotations

from datetime import date

from babel.lists import format_list
from flask_babel import get_locale, ngettext

from parcours.core.i18n import format_day, gettext, lazy_gettext
from parcours.timeline.checks import Flag, FlagKind, Severity

# Short phrases for the elements of a relais de sens, keyed like Flag.missing.
MISSING_PHRASES = {
    "objective": lazy_gettext("the shared objective passed on"),
    "person": lazy_gettext("the person's part in the transition"),
    "meaning_note": lazy_gettext("a meaning note"),
    "contact": lazy_gettext("contact between the services"),
}

# Names of the elements of a relais de sens, for checklists and legends.
ELEMENT_LABELS = {
    "objective": lazy_gettext("Shared objective passed on"),
    "person": lazy_gettext("Person involved"),
    "meaning_note": lazy_gettext("Meaning note"),
    "contact": lazy_gettext("Services in contact"),
}

# The letter on a chart badge for each missing element: the initials are the same in French
# (Objectif, Personne, Note de sens, Contact), and the legend spells them out.
BADGE_LETTERS = {"objective": "O", "person": "P", "meaning_note": "N", "contact": "C"}

KIND_LABELS = {
    FlagKind.ONGOING_RUPTURE: lazy_gettext("Ongoing rupture"),
    FlagKind.RUPTURE: lazy_gettext("Rupture"),
    FlagKind.MISSING_HANDOFF: lazy_gettext("Missing hand-off"),
    FlagKind.HANDOFF_UNANSWERED: lazy_gettext("Hand-off unanswered"),
    FlagKind.MISSING_RELAIS_DE_SENS: lazy_gettext("Missing relais de sens"),
    FlagKind.DECISION_WITHOUT_PERSON: lazy_gettext("Decision without the person"),
    FlagKind.DECISION_OVER_OBJECTION: lazy_gettext("Decision over an objection"),
    FlagKind.COMMITMENT_OVERDUE: lazy_gettext("Commitment overdue"),
    FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT: lazy_gettext(
        "Objective not shared with the service"
    ),
}

SEVERITY_LABELS = {
    Severity.CRITICAL: lazy_gettext("critical"),
    Severity.HIGH: lazy_gettext("high"),
    Severity.MEDIUM: lazy_gettext("medium"),
    Severity.LOW: lazy_gettext("low"),
}


def _day(value: date) -> str:
    """A date written out for the current locale, e.g. "3 March 2025"."""
    return format_day(value, format="long")


def _names(names: tuple[str, ...]) -> str:
    """Names joined as the reader's language joins them ("Sophie et Marc")."""
    return format_list(list(names), locale=get_locale() or "en")


def _missing_list(missing: tuple[str, ...]) -> str:
    """The missing elements as one phrase, e.g. "a meaning note and contact between..."."""
    phrases = [str(MISSING_PHRASES[name]) for name in missing]
    return format_list(phrases, locale=get_locale() or "en")


def describe(flag: Flag, person_name: str) -> str:
    """Return one plain-language sentence (or two) explaining the flag."""
    params = flag.params
    match flag.kind:
        case FlagKind.RUPTURE:
            return ngettext(
                "No service accompanied %(name)s from %(start)s to %(end)s (%(days)d day).",
                "No service accompanied %(name)s from %(start)s to %(end)s (%(days)d days).",
                flag.days,
                name=person_name,
                start=_day(flag.start),
                end=_day(flag.end),
                days=flag.days,
            )
        case FlagKind.ONGOING_RUPTURE:
            sentence = ngettext(
                "No service has accompanied %(name)s since %(start)s (%(days)d day).",
                "No service has accompanied %(name)s since %(start)s (%(days)d days).",
                flag.days,
                name=person_name,
                start=_day(flag.start),
                days=flag.days,
            )
            if "next" in params:
                sentence += " " + gettext(
                    "Next planned: %(next)s from %(date)s.",
                    next=params["next"],
                    date=_day(params["next_start"]),
                )
            return sentence
        case FlagKind.MISSING_HANDOFF:
            if "to_label" in params:
                return gettext(
                    "From %(from_label)s to %(to_label)s without a relay.",
                    from_label=params["from_label"],
                    to_label=params["to_label"],
                )
            return gettext(
                "%(from_label)s ended on %(date)s with no hand-off.",
                from_label=params["from_label"],
                date=_day(flag.start),
            )
        case FlagKind.HANDOFF_UNANSWERED:
            return ngettext(
                "The hand-off from %(from_label)s to %(to_label)s, proposed on %(date)s, "
                "has had no answer for %(days)d day.",
                "The hand-off from %(from_label)s to %(to_label)s, proposed on %(date)s, "
                "has had no answer for %(days)d days.",
                flag.days,
                from_label=params["from_label"],
                to_label=params["to_label"],
                date=_day(params["proposed_on"]),
                days=flag.days,
            )
        case FlagKind.MISSING_RELAIS_DE_SENS:
            return gettext(
                "The hand-off from %(from_label)s to %(to_label)s lacks: %(missing)s.",
                from_label=params["from_label"],
                to_label=params["to_label"],
                missing=_missing_list(flag.missing),
            )
        case FlagKind.DECISION_WITHOUT_PERSON:
            return gettext(
                '"%(title)s" was adopted on %(date)s with no stance recorded from %(name)s.',
                title=params["title"],
                date=_day(params["decided_on"]),
                name=person_name,
            )
        case FlagKind.DECISION_OVER_OBJECTION:
            return ngettext(
                '"%(title)s" was adopted on %(date)s without hearing %(names)s, who opposed it.',
                '"%(title)s" was adopted on %(date)s without hearing %(names)s, who opposed it.',
                len(params["objectors"]),
                title=params["title"],
                date=_day(params["decided_on"]),
                names=_names(params["objectors"]),
            )
        case FlagKind.COMMITMENT_OVERDUE:
            return ngettext(
                '"%(action)s" (%(member)s) was due on %(date)s: %(days)d day overdue.',
                '"%(action)s" (%(member)s) was due on %(date)s: %(days)d days overdue.',
                flag.days,
                action=params["action"],
                member=params["member"],
                date=_day(params["due_on"]),
                days=flag.days,
            )
        case FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT:
            return gettext(
                "%(label)s, which accompanies %(name)s now, has not approved the objective in"
                " force.",
                label=params["label"],
                name=person_name,
            )
    raise ValueError(f"unknown flag kind: {flag.kind!r}")


def next_step(flag: Flag, close_to_person: bool = False) -> str:
    """Return one short sentence saying what to do next about the flag, written for its
    reader: the person and their family (`close_to_person`) are not told to "ask the person"
    about themselves or their own child."""
    if close_to_person and flag.kind is FlagKind.RUPTURE:
        return gettext(
            "If you wish, tell the professionals what happened during this period: they will"
            " record it."
        )
    if close_to_person and flag.kind is FlagKind.DECISION_WITHOUT_PERSON:
        return gettext("Say what you think of this decision: the page of the means asks it.")
    match flag.kind:
        case FlagKind.RUPTURE:
            return gettext("Ask the person what happened during this period and record it.")
        case FlagKind.ONGOING_RUPTURE:
            return gettext("Find a service or record a pause the person chose.")
        case FlagKind.MISSING_HANDOFF:
            return gettext("Record the hand-off, even if the person and family took over.")
        case FlagKind.HANDOFF_UNANSWERED:
            return gettext(
                "Contact %(to_label)s for an answer to the hand-off.",
                to_label=flag.params["to_label"],
            )
        case FlagKind.MISSING_RELAIS_DE_SENS:
            return _relais_step(flag)
        case FlagKind.DECISION_WITHOUT_PERSON:
            return gettext("Ask the person for their view on this decision and record it.")
        case FlagKind.DECISION_OVER_OBJECTION:
            return gettext("Hear the members who opposed it, then confirm or revisit the decision.")
        case FlagKind.COMMITMENT_OVERDUE:
            return gettext(
                "Check with %(member)s: mark the commitment kept or set a new date.",
                member=flag.params["member"],
            )
        case FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT:
            return gettext(
                "Ask %(label)s to read the objective in force and approve it (its members in"
                " the plan, or invite one).",
                label=flag.params["label"],
            )
    raise ValueError(f"unknown flag kind: {flag.kind!r}")


def _relais_step(flag: Flag) -> str:
    """The step for the first missing element of the relais de sens."""
    match flag.missing[0]:
        case "objective":
            return gettext(
                "Invite %(to_label)s to approve the objective in force.",
                to_label=flag.params["to_label"],
            )
        case "person":
            return gettext(
                "Involve the person in preparing the transition: they confirm it themselves, on"
                " their page."
            )
        case "meaning_note":
            return gettext("Write the meaning note for this hand-off.")
        case "contact":
            return gettext(
                "Put the two services in contact with each other.",
            )
    raise ValueError(f"unknown relais element: {flag.missing[0]!r}")


def confirmation_state(record) -> str:
    """Where a fact that is the person's stands (an Episode or a Handoff: PersonConfirmation):
    not_declared, awaiting_person, confirmed or refused."""
    declared = record.person_agreed if hasattr(record, "kind") else record.person_involved
    if hasattr(record, "kind") and not record.is_pause:
        declared = False
    if not declared:
        return "not_declared"
    if record.person_confirmed is None:
        return "awaiting_person"
    return "confirmed" if record.person_confirmed else "refused"


def confirmation_summary(record, person_name: str) -> str | None:
    """What the pages and the API say of it: "declared by Claire, not yet confirmed by
    Thomas", "Thomas said they were not there"…"""
    state = confirmation_state(record)
    if state == "not_declared":
        return None
    declared = record.person_declared_by.name if record.person_declared_by else None
    if state == "awaiting_person":
        if declared is None:
            return gettext("Declared, not yet confirmed by %(person)s.", person=person_name)
        return gettext(
            "Declared by %(declared)s, not yet confirmed by %(person)s.",
            declared=declared,
            person=person_name,
        )
    answered = record.person_confirmed_by
    himself = answered is not None and answered.is_person
    name = answered.name if answered is not None else person_name
    if state == "confirmed":
        return gettext(
            "Declared by %(declared)s, confirmed by %(name)s.",
            declared=declared or gettext("a member"),
            name=name,
        )
    pause = hasattr(record, "kind")
    if himself:
        if pause:
            return gettext("%(name)s said they did not choose this pause.", name=name)
        return gettext("%(name)s said they were not there.", name=name)
    if pause:
        return gettext(
            "%(name)s said %(person)s did not choose this pause.", name=name, person=person_name
        )
    return gettext("%(name)s said %(person)s was not there.", name=name, person=person_name)
