"""Parcours operations: create a parcours, invite, join, leave or remove, designate the pilot,
change the rules of the plan."""

import secrets
from collections.abc import Iterable
from datetime import date

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import lazyload

from parcours.accounts.models import PasswordReset, ResetKind, User, hash_secret, is_observer
from parcours.accounts.operations import check_email, get_or_create_organisation
from parcours.accounts.password_reset import create_password_reset
from parcours.core.audit import EVENTS, Access, AccessLogEntry, record
from parcours.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PilotOnly,
    StaleVersion,
)
from parcours.core.i18n import gettext as _
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import TEXT_MAX, utcnow
from parcours.core.security_log import record_security_event
from parcours.core.signals import consent_refused, invitation_created, member_left
from parcours.extensions import db
from parcours.plans.consent import (
    ConsentPending,
    ask_consent,
    check_consent,
    waits_for_consent,
)
from parcours.plans.models import (
    CLOSING_ANSWERS,
    Consent,
    Invitation,
    InvitationState,
    Member,
    Parcours,
    Role,
    SettingsChange,
    SettingsChangeKind,
    current_person,
    link_members,
    lock_parcours,
)
from parcours.plans.spoken import (
    only_the_person_closes,
    only_the_pilot_changes_rules,
    only_the_pilot_hands_over,
    you_are_the_pilot_leaving,
    you_are_the_pilot_removing,
)

PERSON_NAME_MAX = 60


def _refuse_admins(user: User) -> None:
    """Platform admins manage accounts and organisations, observers see figures of many
    plans; neither sees plan contents, so they never become members of a plan."""
    if user.is_admin:
        raise Forbidden(
            _(
                "A platform admin account cannot be a member of a plan: admins manage "
                "accounts, not plans. Use a personal account to take part in a plan."
            ),
            code="admin_not_member",
        )
    if is_observer(user):
        raise Forbidden(
            _(
                "An observer account cannot be a member of a plan: observers see figures drawn "
                "from many plans, never a plan. Use a personal account to take part in a plan."
            ),
            code="observer_not_member",
        )


def create_parcours(
    user: User,
    *,
    person_name: str,
    role: Role,
    organisation: str | None = None,
    function: str | None = None,
) -> Member:
    """A new parcours for a person; its creator becomes its first member."""
    _refuse_admins(user)
    person_name = " ".join((person_name or "").split())
    if role is Role.person and not person_name:
        person_name = user.name
    if not person_name:
        raise DomainError(
            _("Please give the person's first name or a pseudonym."), code="missing_person_name"
        )
    if len(person_name) > PERSON_NAME_MAX:
        raise DomainError(
            _(
                "A first name or a pseudonym is enough (at most %(n)d characters).",
                n=PERSON_NAME_MAX,
            ),
            code="person_name_too_long",
        )
    parcours = Parcours(person_name=person_name)
    db.session.add(parcours)
    db.session.flush()
    member = _add_member(parcours, user, role, organisation=organisation, function=function)
    record(parcours.id, user, Access.change, "parcours.created")
    return member


def _add_member(
    parcours: Parcours,
    user: User,
    role: Role,
    *,
    organisation: str | None = None,
    function: str | None = None,
    is_legal_representative: bool = False,
) -> Member:
    """Add the user to the parcours, or bring a former member back with the new role."""
    if role is Role.person and current_person(parcours.id) is not None:
        raise Conflict(
            _("This plan already has its person accompanied."), code="person_already_member"
        )
    member = db.session.scalar(
        select(Member).where(Member.parcours_id == parcours.id, Member.user_id == user.id)
    )
    if member is not None and member.is_current:
        raise Conflict(_("You are already a member of this plan."), code="already_member")
    if member is None:
        member = Member(parcours=parcours, user=user)
        db.session.add(member)
    member.role = role
    member.left_at = None
    member.joined_at = utcnow()
    member.is_legal_representative = is_legal_representative and role is Role.family
    if role is Role.professional:
        org = organisation or (user.organisation.name if user.organisation else None)
        if not org:
            raise DomainError(
                _("A professional states their organisation and function."),
                code="missing_organisation",
            )
        member.organisation = get_or_create_organisation(org)
        member.function = (function or user.function or "").strip()[:80] or None
    else:
        member.organisation = None
        member.function = None
    db.session.flush()
    return member


def _invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.digest == hash_secret(token)))


def pending_invitation(token: str) -> Invitation | None:
    """The invitation behind a link, if it can still be accepted."""
    invitation = _invitation_by_token(token)
    if invitation is None or invitation.state() is not InvitationState.pending:
        return None
    return invitation


def create_invitation(
    by: Member,
    *,
    role: Role,
    email: str | None = None,
    is_legal_representative: bool = False,
    organisation: str | None = None,
) -> tuple[Invitation, str]:
    """A single-use link to join the parcours with a role; the token is returned once. A
    professional is invited for a named organisation: when the plan is not shared with it
    yet, the person's consent is asked first (plans/consent.py)."""
    organisation = " ".join((organisation or "").split())
    if role is Role.professional and not organisation:
        raise DomainError(
            _("Please give the organisation of the professional you invite."),
            code="missing_organisation",
        )
    if role is Role.person and current_person(by.parcours_id) is not None:
        raise Conflict(
            _("This plan already has its person accompanied."), code="person_already_member"
        )
    if is_legal_representative and role is Role.family and not by.is_pilot:
        raise Forbidden(
            _("Only the pilot can invite the person's legal representative."),
            code="pilot_only",
        )
    org = get_or_create_organisation(organisation) if role is Role.professional else None
    if org is not None:
        ask_consent(by, org)
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        parcours_id=by.parcours_id,
        organisation=org,
        digest=hash_secret(token),
        role=role,
        email=check_email(email) if email else None,
        is_legal_representative=is_legal_representative and role is Role.family,
        invited_by=by,
        expires_at=utcnow() + current_app.config["INVITATION_LIFETIME"],
    )
    db.session.add(invitation)
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "invitation.created")
    invitation_created.send(invitation, token=token)
    return invitation, token


def invitation_of(parcours_id: int, invitation_id: int) -> Invitation:
    """An invitation of this parcours, or a 404."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.parcours_id != parcours_id:
        raise NotFound(_("This invitation does not exist."))
    return invitation


def revoke_invitation(by: Member, invitation: Invitation) -> None:
    """Withdraw an invitation that has not been used yet."""
    if invitation.state() is not InvitationState.pending:
        raise Conflict(
            _("This invitation can no longer be revoked."), code="invitation_not_pending"
        )
    invitation.revoked_at = utcnow()
    record(by.parcours_id, by.user, Access.change, "invitation.revoked")


INVITATION_REFUSALS = {
    InvitationState.accepted: ("invitation_used", _l("This invitation has already been used.")),
    InvitationState.revoked: ("invitation_revoked", _l("This invitation was withdrawn.")),
    InvitationState.expired: ("invitation_expired", _l("This invitation has expired.")),
}


def accept_invitation(token: str, user: User) -> Member:
    """Join a parcours through an invitation link; the link cannot be used again."""
    invitation = _invitation_by_token(token)
    if invitation is None:
        raise NotFound(_("This invitation does not exist."), code="invitation_not_found")
    lock_parcours(invitation.parcours_id)
    db.session.refresh(invitation)  # another acceptance may have committed while we waited
    state = invitation.state()
    if state is not InvitationState.pending:
        code, message = INVITATION_REFUSALS[state]
        raise Conflict(str(message), code=code)
    _refuse_admins(user)
    if invitation.email and invitation.email != (user.email or ""):
        raise Forbidden(
            _("This invitation was sent to another e-mail address."), code="invitation_for_other"
        )
    organisation = invitation_organisation(invitation, user)
    if organisation is not None and invitation.organisation is None:
        # Made before consent was asked: nobody was asked about the user's organisation.
        if waits_for_consent(invitation.parcours, organisation):
            raise ConsentPending(
                _(
                    "This invitation names no organisation, and %(name)s has not agreed to "
                    "share the plan with %(organisation)s: ask for a new invitation, so that "
                    "they can be asked.",
                    name=invitation.parcours.person_name,
                    organisation=organisation.name,
                )
            )
    elif organisation is not None:
        check_consent(invitation.parcours, organisation)
    member = _add_member(
        invitation.parcours,
        user,
        invitation.role,
        organisation=invitation.organisation.name if invitation.organisation else None,
        is_legal_representative=invitation.is_legal_representative,
    )
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = member.id
    record(member.parcours_id, user, Access.change, "member.joined")
    return member


def invitation_organisation(invitation: Invitation, user: User | None = None):
    """The organisation a professional joins through the invitation: the one it names (else,
    for an invitation made before consent was asked, the user's own)."""
    if invitation.role is not Role.professional:
        return None
    return invitation.organisation or (user.organisation if user is not None else None)


def invitation_waits_for_consent(invitation: Invitation) -> str | None:
    """What the invitation waits for, in words (None when it can be accepted)."""
    if invitation.organisation is None:
        return None
    waiting = waits_for_consent(invitation.parcours, invitation.organisation)
    return waiting[1] if waiting else None


ROLE_ORDER = {Role.person: 0, Role.family: 1, Role.professional: 2}
# Built once: nearly every page of a plan asks it.
CURRENT_MEMBERS = select(Member).where(
    Member.parcours_id == bindparam("parcours_id"), Member.left_at.is_(None)
)


def current_members(parcours_id: int) -> list[Member]:
    """The current members, the person first, then family, then professionals."""
    return current_of(db.session.scalars(CURRENT_MEMBERS, {"parcours_id": parcours_id}))


def current_of(members: Iterable[Member]) -> list[Member]:
    """The current ones among `members`, the person first, then family, then professionals."""
    return sorted(
        (m for m in members if m.is_current),
        key=lambda m: (ROLE_ORDER[m.role], m.user.name.casefold(), m.id),
    )


MEMBERS_EVER = (
    select(Member).where(Member.parcours_id == bindparam("parcours_id")).order_by(Member.id)
)


def members_ever(parcours_id: int) -> list[Member]:
    """Every member the parcours has had, current or not (authors and referents may have
    left), in the order they joined."""
    return list(db.session.scalars(MEMBERS_EVER, {"parcours_id": parcours_id}))


def member_of(parcours_id: int, member_id: int | None) -> Member:
    """A current member of the parcours, or a 404."""
    member = db.session.get(Member, member_id) if member_id else None
    if member is None or member.parcours_id != parcours_id or not member.is_current:
        raise NotFound(_("This member is not part of this plan."), code="member_not_found")
    return member


def create_reset_card(by: Member, member: Member) -> tuple[PasswordReset, str]:
    """The pilot prints a card for a member who forgot their password and has no e-mail (the
    person accompanied, a parent): a single-use link to choose a new one, valid 7 days, that
    replaces the member's previous card not used yet; the token is returned once. Not for a
    platform admin's account, nor a professional's (a professional's account is theirs and
    their service's: they get back in by e-mail)."""
    if not by.is_pilot:
        raise PilotOnly(_("Only the pilot of the plan prints a card to choose a new password."))
    if member.user.is_admin:
        raise Forbidden(
            _("A platform admin's account gets back in through another admin, not a card."),
            code="admin_account",
        )
    if member.is_professional:
        raise Forbidden(
            _(
                "A professional chooses a new password through the link sent to their e-mail "
                "address (“Forgot your password?” on the sign-in page), not a card."
            ),
            code="professional_account",
        )
    if not member.user.is_active:
        raise Conflict(
            _("This account is deactivated: a card would not work."), code="account_inactive"
        )
    reset, token = create_password_reset(member.user, ResetKind.card)
    record(by.parcours_id, by.user, Access.change, "reset_card.created", subject=member.user)
    record_security_event("password_reset.card", user_id=member.user_id)
    return reset, token


def leave_parcours(member: Member) -> None:
    """A member leaves. The pilot hands over first; the last member cannot leave."""
    lock_parcours(member.parcours_id)
    others = [m for m in current_members(member.parcours_id) if m.id != member.id]
    if not others:
        raise Conflict(
            _("You are the last member: this plan would have nobody left."), code="last_member"
        )
    if member.is_pilot:
        raise Conflict(
            you_are_the_pilot_leaving(member),
            code="pilot_must_hand_over",
        )
    member.left_at = utcnow()
    record(member.parcours_id, member.user, Access.change, "member.left")
    db.session.flush()
    member_left.send(member)


REASON_MAX = 120


def remove_member(by: Member, removed: Member, reason: str) -> None:
    """The pilot removes a member, saying why; the removed member no longer sees the plan.
    The pilot does not remove themselves: they hand the role over, or leave."""
    reason = " ".join((reason or "").split())
    if not by.is_pilot:
        raise Forbidden(_("Only the pilot can remove a member."), code="pilot_only")
    if removed.parcours_id != by.parcours_id or not removed.is_current:
        raise NotFound(_("This member is not part of this plan."), code="member_not_found")
    if removed.id == by.id:
        raise Conflict(
            you_are_the_pilot_removing(by),
            code="pilot_cannot_remove_self",
        )
    if not reason:
        raise DomainError(_("Please say why this member is removed."), code="missing_reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("The reason takes at most %(n)d characters.", n=REASON_MAX), code="reason_too_long"
        )
    lock_parcours(by.parcours_id)
    _remove(by, removed, reason)


def _remove(by: Member, removed: Member, reason: str) -> None:
    """The member leaves the plan, the reason in the access log."""
    removed.left_at = utcnow()
    removed.is_pilot = False
    record(by.parcours_id, by.user, Access.change, "member.removed", reason, subject=removed.user)
    db.session.flush()
    member_left.send(removed)


@consent_refused.connect
def _stop_sharing(consent: Consent, by: Member, **_extra) -> None:
    """Consent refused or withdrawn: the organisation's invitations not used yet are
    withdrawn, and its members leave the plan, saying why."""
    now = utcnow()
    for invitation in db.session.scalars(
        select(Invitation).where(
            Invitation.parcours_id == consent.parcours_id,
            Invitation.organisation_id == consent.organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    ):
        invitation.revoked_at = now
        record(by.parcours_id, by.user, Access.change, "invitation.consent_refused")
    reason = _("consent withdrawn by %(name)s", name=by.name)
    for member in current_members(consent.parcours_id):
        if member.organisation_id == consent.organisation_id:
            _remove(by, member, reason)
    db.session.flush()


@member_left.connect
def _revoke_invitations_of(member: Member, **_extra) -> None:
    """The invitations a member created and that were not used die with their membership
    (they leave, are removed, or close their account): nobody joins on a former member's
    word."""
    now = utcnow()
    for invitation in db.session.scalars(
        select(Invitation).where(
            Invitation.invited_by_id == member.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    ):
        invitation.revoked_at = now
        record(member.parcours_id, member.user, Access.change, "invitation.inviter_gone")
    db.session.flush()


def _log_revision(parcours_id: int, *events: str) -> int:
    """How far the plan's log goes for some events (its latest such entry, 0 before any): an
    edit carries the revision it started from, so that a change saved in between is not
    overwritten."""
    return db.session.scalar(
        select(func.coalesce(func.max(AccessLogEntry.id), 0)).where(
            AccessLogEntry.parcours_id == parcours_id, AccessLogEntry.event.in_(events)
        )
    )


def settings_revision(parcours_id: int) -> int:
    """The revision of the plan's rules (tolerance, closing): its latest settings change (0
    before any)."""
    return db.session.scalar(
        select(func.coalesce(func.max(SettingsChange.id), 0)).where(
            SettingsChange.parcours_id == parcours_id
        )
    )


def pilot_revision(parcours_id: int) -> int:
    """The revision of the pilot designation: its latest designation."""
    return _log_revision(parcours_id, "pilot.designated")


def check_settings_revision(by: Member, base_revision: int | None) -> None:
    """Serialise edits of the plan; with `base_revision`, refuse (StaleVersion, with the
    parcours) when the settings changed since that revision."""
    lock_parcours(by.parcours_id)
    if base_revision is not None and base_revision != settings_revision(by.parcours_id):
        db.session.refresh(by.parcours)
        raise StaleVersion(
            _("Someone changed the settings of this plan in the meantime."), by.parcours
        )


def designate_pilot(by: Member, pilot: Member, base_revision: int | None = None) -> None:
    """Make a member the pilot. Once there is one, only the pilot can hand the role over.
    With `base_revision` (the designation the choice started from), a designation saved in
    between refuses this one."""
    if pilot.parcours_id != by.parcours_id or not pilot.is_current:
        raise NotFound(_("This member is not part of this plan."), code="member_not_found")
    lock_parcours(by.parcours_id)
    if base_revision is not None and base_revision != pilot_revision(by.parcours_id):
        raise StaleVersion(
            _("Someone designated the pilot in the meantime. Check who it is, then choose again."),
            pilot_of(by.parcours_id),
        )
    current = db.session.scalar(
        select(Member).where(Member.parcours_id == by.parcours_id, Member.is_pilot.is_(True))
    )
    if current is not None and current.id != by.id:
        raise Forbidden(
            only_the_pilot_hands_over(current),
            code="not_pilot",
        )
    if current is not None:
        current.is_pilot = False
        db.session.flush()
    pilot.is_pilot = True
    db.session.flush()
    record(by.parcours_id, by.user, Access.change, "pilot.designated", subject=pilot.user)


def pilot_of(parcours_id: int) -> Member | None:
    return db.session.scalar(
        select(Member).where(Member.parcours_id == parcours_id, Member.is_pilot.is_(True))
    )


# The rules of the plan ----------------------------------------------------------------
#
# Changing the tolerance, closing and reopening the plan are the pilot's, with a reason. While
# no pilot is designated, nobody changes them (403 `pilot_only`, "designate a pilot first").
# Closing also needs the person's (or their legal representative's) confirmation: the pilot's
# request makes the closing pending until one of them agrees (the plan closes on the requested
# date) or refuses (it stays open); the pilot may withdraw it. When the plan has no current
# person nor legal representative, nobody could confirm: the closing takes effect at once and
# the timeline says so. A pilot who is the person (or the legal representative) confirms by
# asking.

CLOSING_KINDS = (
    SettingsChangeKind.close_requested,
    *CLOSING_ANSWERS,
    SettingsChangeKind.closed_unconfirmed,
    SettingsChangeKind.reopened,
)


def check_pilot(by: Member) -> None:
    """Only the pilot changes the rules of the plan; without a pilot, nobody does."""
    if by.is_pilot:
        return
    pilot = pilot_of(by.parcours_id)
    if pilot is None:
        raise PilotOnly(
            _(
                "Designate a pilot first: only the pilot changes the rules of the plan (the "
                "tolerance, closing and reopening)."
            )
        )
    raise PilotOnly(only_the_pilot_changes_rules(pilot))


def settings_reason(reason: str | None, *, required: bool = True) -> str | None:
    """A reason, trimmed; required of the pilot, at most TEXT_MAX characters."""
    reason = (reason or "").strip()
    if not reason:
        if not required:
            return None
        raise DomainError(_("Please say why."), code="missing_reason")
    if len(reason) > TEXT_MAX:
        raise DomainError(
            _("The reason takes at most %(n)d characters.", n=TEXT_MAX), code="reason_too_long"
        )
    return reason


SETTINGS_CHANGES = (
    select(SettingsChange)
    .where(SettingsChange.parcours_id == bindparam("parcours_id"))
    .order_by(SettingsChange.id)
)
# Without their members (the page has them).
SETTINGS_CHANGES_ONLY = SETTINGS_CHANGES.options(lazyload(SettingsChange.member))


def settings_changes(
    parcours_id: int, members: Iterable[Member] | None = None
) -> list[SettingsChange]:
    """Every change of the rules of the plan, oldest first. With the plan's `members` already
    loaded (`members_ever`), each change's member is taken from them, not joined again."""
    bound = {"parcours_id": parcours_id}
    if members is None:
        return list(db.session.scalars(SETTINGS_CHANGES, bound).unique())
    changes = list(db.session.scalars(SETTINGS_CHANGES_ONLY, bound))
    link_members(changes, members)
    return changes


def pending_closing(parcours_id: int) -> SettingsChange | None:
    """The pilot's request to close the plan, while nobody has answered it."""
    latest = db.session.scalars(
        select(SettingsChange)
        .where(
            SettingsChange.parcours_id == parcours_id,
            SettingsChange.kind.in_(CLOSING_KINDS),
        )
        .order_by(SettingsChange.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.kind is SettingsChangeKind.close_requested:
        return latest
    return None


def speaks_for_person(member: Member) -> bool:
    """The person, or their current legal representative: who says what is the person's (they
    took part in a transition, they chose a pause, the plan may close, it is shared with an
    organisation)."""
    return member.speaks_for_person


def can_answer_closing(member: Member) -> bool:
    """The person, or their legal representative, answers a request to close the plan."""
    return member.speaks_for_person


def closing_answerers(parcours_id: int) -> list[Member]:
    """Who may confirm the closing of the plan: the person, their legal representatives."""
    return [m for m in current_members(parcours_id) if can_answer_closing(m)]


def _changed(
    by: Member,
    kind: SettingsChangeKind,
    old: str | None = None,
    new: str | None = None,
    reason: str | None = None,
) -> SettingsChange:
    change = SettingsChange(
        parcours_id=by.parcours_id,
        kind=kind,
        member=by,
        old_value=old,
        new_value=new,
        reason=reason,
    )
    db.session.add(change)
    db.session.flush()
    return change


def _check_rules_edit(by: Member, base_revision: int | None) -> None:
    check_pilot(by)
    check_settings_revision(by, base_revision)


EVENTS.update(
    {
        "observatory.left_out": _l("left the plan out of the observatory's figures"),
        "observatory.counted": _l("let the plan count in the observatory's figures again"),
    }
)


def set_observatory_opt_out(by: Member, left_out: bool) -> bool:
    """Leave the plan out of every observatory figure, or count it again: the person's, or
    their legal representative's, to say (a fact belongs to the party it concerns). Returns
    whether it changed."""
    if not by.speaks_for_person:
        raise Forbidden(
            _(
                "Only %(name)s, or their legal representative, decides whether the plan counts "
                "in the observatory's figures.",
                name=by.parcours.person_name,
            ),
            code="person_only",
        )
    if by.parcours.observatory_opt_out == left_out:
        return False
    by.parcours.observatory_opt_out = left_out
    event = "observatory.left_out" if left_out else "observatory.counted"
    record(by.parcours_id, by.user, Access.change, event)
    return True


def set_tolerance(
    by: Member, tolerance_days: int, reason: str | None, base_revision: int | None = None
) -> SettingsChange | None:
    """How many days without a service the timeline tolerates before flagging a rupture: the
    pilot's, with a reason. With `base_revision`, settings changed in between refuse the edit
    (StaleVersion). The same tolerance again changes nothing."""
    _check_rules_edit(by, base_revision)
    if not 1 <= tolerance_days <= 365:
        raise DomainError(
            _("The tolerance is a number of days between 1 and 365."), code="invalid_tolerance"
        )
    reason = settings_reason(reason)
    old = by.parcours.tolerance_days
    if old == tolerance_days:
        return None
    by.parcours.tolerance_days = tolerance_days
    change = _changed(by, SettingsChangeKind.tolerance, str(old), str(tolerance_days), reason)
    record(
        by.parcours_id,
        by.user,
        Access.change,
        "rules.tolerance",
        f"{old} → {tolerance_days} — {reason}",
    )
    return change


def _close(by: Member, kind: SettingsChangeKind, closed_on: date, reason=None) -> SettingsChange:
    by.parcours.closed_on = closed_on
    change = _changed(by, kind, None, closed_on.isoformat(), reason)
    record(by.parcours_id, by.user, Access.change, f"rules.{kind.value}", closed_on.isoformat())
    return change


def close_parcours(
    by: Member, closed_on: date, reason: str | None, base_revision: int | None = None
) -> SettingsChange:
    """The pilot asks to close the parcours on a date (no rupture is raised after it), with a
    reason. It closes once the person or their legal representative confirms; at once when
    the plan has none, or when the pilot is one of them. Returns the latest change."""
    _check_rules_edit(by, base_revision)
    reason = settings_reason(reason)
    if by.parcours.closed_on is not None:
        raise Conflict(_("This plan is already closed."), code="already_closed")
    if pending_closing(by.parcours_id) is not None:
        raise Conflict(
            _("A request to close this plan is already waiting for an answer."),
            code="closing_pending",
        )
    iso = closed_on.isoformat()
    if not closing_answerers(by.parcours_id):
        return _close(by, SettingsChangeKind.closed_unconfirmed, closed_on, reason)
    request = _changed(by, SettingsChangeKind.close_requested, None, iso, reason)
    record(by.parcours_id, by.user, Access.change, "rules.close_requested", f"{iso} — {reason}")
    if can_answer_closing(by):
        return _close(by, SettingsChangeKind.close_confirmed, closed_on)
    return request


def answer_closing(
    by: Member, confirmed: bool, request_id: int | None = None, reason: str | None = None
) -> SettingsChange:
    """The person (or their legal representative) agrees to close the plan — it closes on the
    date asked — or refuses, maybe saying why: it stays open. `request_id` is the request
    they answer: another one in its place refuses the answer (StaleVersion)."""
    lock_parcours(by.parcours_id)
    pending = pending_closing(by.parcours_id)
    if not can_answer_closing(by):
        raise Forbidden(
            only_the_person_closes(current_person(by.parcours_id), by.parcours.person_name),
            code="not_the_person",
        )
    if pending is None:
        raise Conflict(
            _("No request to close this plan is waiting for an answer."),
            code="no_closing_pending",
        )
    if request_id is not None and request_id != pending.id:
        raise StaleVersion(
            _("The request to close the plan changed in the meantime. Read it again."),
            by.parcours,
        )
    if confirmed:
        return _close(by, SettingsChangeKind.close_confirmed, pending.closing_date)
    change = _changed(
        by,
        SettingsChangeKind.close_refused,
        None,
        pending.new_value,
        settings_reason(reason, required=False),
    )
    record(by.parcours_id, by.user, Access.change, "rules.close_refused")
    return change


def withdraw_closing(by: Member) -> SettingsChange:
    """The pilot withdraws their request to close the plan, before it is answered."""
    check_pilot(by)
    lock_parcours(by.parcours_id)
    pending = pending_closing(by.parcours_id)
    if pending is None:
        raise Conflict(
            _("No request to close this plan is waiting for an answer."),
            code="no_closing_pending",
        )
    change = _changed(by, SettingsChangeKind.close_withdrawn, None, pending.new_value)
    record(by.parcours_id, by.user, Access.change, "rules.close_withdrawn")
    return change


def reopen_parcours(
    by: Member, reason: str | None, base_revision: int | None = None
) -> SettingsChange:
    """The pilot reopens a closed parcours, with a reason."""
    _check_rules_edit(by, base_revision)
    reason = settings_reason(reason)
    if by.parcours.closed_on is None:
        raise Conflict(_("This plan is not closed."), code="not_closed")
    old = by.parcours.closed_on.isoformat()
    by.parcours.closed_on = None
    change = _changed(by, SettingsChangeKind.reopened, old, None, reason)
    record(by.parcours_id, by.user, Access.change, "rules.reopened", reason)
    return change
