"""The words French marks by who they speak of: "représentante légale", "la pilote". Each is
written in its three forms (feminine, masculine, neutral: an epicene wording, else both
forms), as `pgettext` calls the catalogues read, and the member's own choice picks one
(`User.spoken_of`). English has one form: the three are the same sentence."""

from parcours.core.i18n import pgettext
from parcours.plans.models import Member, Role


def role_label(member: Member) -> str:
    """The member's place: "professionnelle", "famille", "la personne accompagnée"."""
    if member.role is not Role.professional:
        return str(member.role.label)
    return member.user.spoken_of(
        pgettext("feminine", "professional"),
        pgettext("masculine", "professional"),
        pgettext("neutral", "professional"),
    )


def legal_representative_label(member: Member) -> str:
    return member.user.spoken_of(
        pgettext("feminine", "legal representative"),
        pgettext("masculine", "legal representative"),
        pgettext("neutral", "legal representative"),
    )


def place_of(member: Member) -> str:
    """The role, and "legal representative" where it applies: "famille, représentante
    légale"."""
    if member.is_legal_representative:
        return f"{role_label(member)}, {legal_representative_label(member)}"
    return role_label(member)


def pilot_is(pilot: Member) -> str:
    name = pilot.name
    return pilot.user.spoken_of(
        pgettext("feminine", "The pilot is %(name)s.", name=name),
        pgettext("masculine", "The pilot is %(name)s.", name=name),
        pgettext("neutral", "The pilot is %(name)s.", name=name),
    )


def pilot_now(pilot: Member) -> str:
    name = pilot.name
    return pilot.user.spoken_of(
        pgettext("feminine", "%(name)s is now the pilot.", name=name),
        pgettext("masculine", "%(name)s is now the pilot.", name=name),
        pgettext("neutral", "%(name)s is now the pilot.", name=name),
    )


def only_the_pilot_hands_over(pilot: Member) -> str:
    name = pilot.name
    return pilot.user.spoken_of(
        pgettext("feminine", "Only the pilot (%(name)s) can hand the role over.", name=name),
        pgettext("masculine", "Only the pilot (%(name)s) can hand the role over.", name=name),
        pgettext("neutral", "Only the pilot (%(name)s) can hand the role over.", name=name),
    )


def only_the_pilot_changes_rules(pilot: Member) -> str:
    name = pilot.name
    return pilot.user.spoken_of(
        pgettext(
            "feminine",
            "Only the pilot (%(name)s) changes the rules of the plan: the tolerance, closing "
            "and reopening.",
            name=name,
        ),
        pgettext(
            "masculine",
            "Only the pilot (%(name)s) changes the rules of the plan: the tolerance, closing "
            "and reopening.",
            name=name,
        ),
        pgettext(
            "neutral",
            "Only the pilot (%(name)s) changes the rules of the plan: the tolerance, closing "
            "and reopening.",
            name=name,
        ),
    )


def you_are_the_pilot_leaving(member: Member) -> str:
    return member.user.spoken_of(
        pgettext(
            "feminine", "You are the pilot: hand the role over to another member before leaving."
        ),
        pgettext(
            "masculine", "You are the pilot: hand the role over to another member before leaving."
        ),
        pgettext(
            "neutral", "You are the pilot: hand the role over to another member before leaving."
        ),
    )


def you_are_the_pilot_removing(member: Member) -> str:
    return member.user.spoken_of(
        pgettext(
            "feminine",
            "You are the pilot: hand the role over to another member, or leave the plan.",
        ),
        pgettext(
            "masculine",
            "You are the pilot: hand the role over to another member, or leave the plan.",
        ),
        pgettext(
            "neutral", "You are the pilot: hand the role over to another member, or leave the plan."
        ),
    )


def only_the_person_closes(person: Member | None, name: str) -> str:
    """Who answers a request to close the plan: the person (in their form), or whoever
    represents them legally."""
    forms = (
        pgettext(
            "feminine",
            "Only %(name)s or their legal representative can answer a request to close the plan.",
            name=name,
        ),
        pgettext(
            "masculine",
            "Only %(name)s or their legal representative can answer a request to close the plan.",
            name=name,
        ),
        pgettext(
            "neutral",
            "Only %(name)s or their legal representative can answer a request to close the plan.",
            name=name,
        ),
    )
    return person.user.spoken_of(*forms) if person is not None else forms[2]


def only_the_person_consents(person: Member | None, name: str) -> str:
    forms = (
        pgettext(
            "feminine",
            "Only %(name)s or their legal representative decides who may see the plan.",
            name=name,
        ),
        pgettext(
            "masculine",
            "Only %(name)s or their legal representative decides who may see the plan.",
            name=name,
        ),
        pgettext(
            "neutral",
            "Only %(name)s or their legal representative decides who may see the plan.",
            name=name,
        ),
    )
    return person.user.spoken_of(*forms) if person is not None else forms[2]
