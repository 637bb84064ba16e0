"""Consent before sharing the plan with a new organisation (Code de la santé publique, art.
L1110-4: information about a person is shared between professionals of different services
only with the person's consent).

The rule: a plan is shared with the organisations that already have a current member in it.
Inviting a professional of another organisation, or making an answer link for a hand-off to
one, asks the person (or their current legal representative) first: a `Consent` for that
organisation and plan, `pending`. Until it is given the invitation cannot be accepted and the
link cannot be opened (409 `consent_pending`). The person may refuse, or later withdraw it:
then the organisation's members leave the plan and its invitations and answer links stop
working (the `consent_refused` signal: plans/operations.py and timeline/operations.py
listen). Only the person or their legal representative answers (403 `person_only`).

When the plan has no person nor legal representative yet, the consent waits for whoever
takes that place when they join: nobody answers in the person's place (a fact belongs to the
party it concerns), and the members see what it waits for.
"""

from functools import cache

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import lazyload

from parcours.accounts.models import Organisation, User
from parcours.core.audit import Access, record
from parcours.core.errors import Conflict, Forbidden, NotFound
from parcours.core.i18n import gettext as _
from parcours.core.signals import consent_refused
from parcours.extensions import db
from parcours.plans.models import (
    Consent,
    ConsentEvent,
    ConsentEventKind,
    ConsentStatus,
    Member,
    Parcours,
    Role,
    current_person,
    lock_parcours,
)
from parcours.plans.spoken import only_the_person_consents


class ConsentPending(Conflict):
    """The organisation may not see the plan yet: the person has not agreed (409)."""

    code = "consent_pending"


class PersonOnly(Forbidden):
    """Only the person, or their legal representative, answers for the person (403)."""

    code = "person_only"


def consents_of(parcours_id: int) -> list[Consent]:
    """Every consent of the plan with its history, the pending ones first, then by name."""
    order = {ConsentStatus.pending: 0, ConsentStatus.given: 1}
    consents = db.session.scalars(select(Consent).where(Consent.parcours_id == parcours_id))
    return sorted(
        consents.unique(),
        key=lambda c: (order.get(c.status, 2), c.organisation.name.casefold(), c.id),
    )


def pending_consents_of(member: Member) -> list[Consent]:
    """The consents of the member's plan waiting for their answer (none unless they are the
    person or a legal representative)."""
    if not member.speaks_for_person:
        return []
    return list(db.session.scalars(_pending_consents(), {"parcours_id": member.parcours_id}))


@cache
def _pending_consents():
    """The statement of `pending_consents_of`, built once (the plan is bound)."""
    return (
        select(Consent)
        .join(Consent.organisation)
        .where(
            Consent.parcours_id == bindparam("parcours_id"),
            Consent.status == ConsentStatus.pending,
        )
        # The card asks, it does not tell the history; the plan is the page's own, read already.
        .options(lazyload(Consent.events), lazyload(Consent.parcours))
        .order_by(func.lower(Organisation.name), Consent.id)
    )


def consent_of(parcours_id: int, consent_id: int | None) -> Consent:
    """A consent of this plan, or a 404."""
    consent = db.session.get(Consent, consent_id) if consent_id else None
    if consent is None or consent.parcours_id != parcours_id:
        raise NotFound(_("This consent does not exist."), code="consent_not_found")
    return consent


def pending_consents_for(user: User) -> list[Consent]:
    """The consents waiting for this user's answer, in every plan where they are the person
    or a legal representative (what an inbox lists)."""
    speaks = exists().where(
        Member.parcours_id == Consent.parcours_id,
        Member.user_id == user.id,
        Member.left_at.is_(None),
        (Member.role == Role.person) | Member.is_legal_representative.is_(True),
    )
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.status == ConsentStatus.pending, speaks)
            .order_by(Consent.id)
        ).unique()
    )


def consent_for(parcours_id: int, organisation_id: int) -> Consent | None:
    """The plan's consent for an organisation, if it was ever asked."""
    return db.session.scalar(
        select(Consent).where(
            Consent.parcours_id == parcours_id, Consent.organisation_id == organisation_id
        )
    )


def _has_member(parcours_id: int, organisation_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Member.parcours_id == parcours_id,
                    Member.organisation_id == organisation_id,
                    Member.left_at.is_(None),
                )
            )
        )
    )


def shared_with(parcours_id: int, organisation: Organisation) -> bool:
    """Whether the plan may be shared with the organisation: one of its professionals is a
    current member, or the person consented."""
    consent = consent_for(parcours_id, organisation.id)
    if consent is not None and consent.is_given:
        return True
    return _has_member(parcours_id, organisation.id)


def _event(consent: Consent, kind: ConsentEventKind, by: Member) -> None:
    db.session.add(ConsentEvent(consent=consent, kind=kind, member=by))


def ask_consent(by: Member, organisation: Organisation) -> Consent | None:
    """A member is about to share the plan with an organisation (an invitation, an answer
    link): ask the person's consent, unless the plan is already shared with it. A consent
    refused or withdrawn earlier is asked again. Returns the consent (None when not
    needed)."""
    consent = consent_for(by.parcours_id, organisation.id)
    if consent is not None and consent.is_given:
        return consent
    if _has_member(by.parcours_id, organisation.id):
        return None
    if consent is not None and consent.is_pending:
        return consent
    if consent is None:
        consent = Consent(parcours_id=by.parcours_id, organisation=organisation)
        db.session.add(consent)
    consent.status = ConsentStatus.pending
    _event(consent, ConsentEventKind.asked, by)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "consent.asked", organisation.name)
    return consent


def waits_for_consent(parcours: Parcours, organisation: Organisation) -> tuple[str, str] | None:
    """Why the organisation may not see the plan yet, as (code, message): the person has not
    answered, or refused; None when the plan is shared with it. Asks without refusing
    anything, for the pages and answers that only say so."""
    if shared_with(parcours.id, organisation):
        return None
    consent = consent_for(parcours.id, organisation.id)
    if consent is None or consent.is_pending:
        message = _(
            "Waiting for %(name)s's agreement to share the plan with %(organisation)s.",
            name=parcours.person_name,
            organisation=organisation.name,
        )
        return "consent_pending", message
    message = _(
        "%(name)s did not agree to share the plan with %(organisation)s.",
        name=parcours.person_name,
        organisation=organisation.name,
    )
    return "consent_refused", message


def check_consent(parcours: Parcours, organisation: Organisation) -> None:
    """Refuse (409 `consent_pending`, or `consent_refused`) to let an organisation in while
    the plan is not shared with it."""
    if waiting := waits_for_consent(parcours, organisation):
        code, message = waiting
        raise ConsentPending(message, code=code)


def answer_consent(by: Member, consent: Consent, given: bool) -> Consent:
    """The person (or their legal representative) gives their consent, refuses it, or
    withdraws it (`given` false on a consent given): the organisation's members then leave
    the plan, its invitations and answer links stop working."""
    if not by.speaks_for_person:
        raise PersonOnly(
            only_the_person_consents(current_person(by.parcours_id), by.parcours.person_name)
        )
    lock_parcours(by.parcours_id)
    db.session.refresh(consent, ["status"])
    name = consent.organisation.name
    if given:
        if consent.is_given:
            raise Conflict(_("This consent is already given."), code="consent_already_given")
        consent.status = ConsentStatus.given
        _event(consent, ConsentEventKind.given, by)
        record(by.parcours_id, by.user, Access.change, "consent.given", name)
        db.session.flush()
        return consent
    if consent.status in (ConsentStatus.refused, ConsentStatus.withdrawn):
        raise Conflict(_("This consent is already refused."), code="consent_already_refused")
    kind = ConsentEventKind.withdrawn if consent.is_given else ConsentEventKind.refused
    consent.status = ConsentStatus(kind.value)
    _event(consent, kind, by)
    record(by.parcours_id, by.user, Access.change, f"consent.{kind.value}", name)
    db.session.flush()
    consent_refused.send(consent, by=by)
    return consent
