"""Parcours operations: create a parcours, invite, join, leave or remove, designate the pilot."""

import secrets
from collections.abc import Iterable
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from parcours.accounts.models import User, hash_secret
from parcours.accounts.operations import check_email, get_or_create_organisation
from parcours.core.audit import Access, AccessLogEntry, record
from parcours.core.errors import Conflict, DomainError, Forbidden, NotFound, StaleVersion
from parcours.core.models import utcnow
from parcours.core.signals import member_left
from parcours.extensions import db
from parcours.plans.models import Invitation, InvitationState, Member, Parcours, Role

PERSON_NAME_MAX = 60


def _current_person(parcours_id: int) -> Member | None:
    return db.session.scalar(
        select(Member).where(
            Member.parcours_id == parcours_id,
            Member.role == Role.person,
            Member.left_at.is_(None),
        )
    )


def _refuse_admins(user: User) -> None:
    """Platform admins manage accounts and organisations; they see no plan contents, so they
    never become members of a plan."""
    if user.is_admin:
        raise Forbidden(
            _(
                "A platform admin account cannot be a member of a plan: admins manage "
                "accounts, not plans. Use a personal account to take part in a plan."
            ),
            code="admin_not_member",
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
    if role is Role.person and _current_person(parcours.id) is not None:
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
) -> tuple[Invitation, str]:
    """A single-use link to join the parcours with a role; the token is returned once."""
    if role is Role.person and _current_person(by.parcours_id) is not None:
        raise Conflict(
            _("This plan already has its person accompanied."), code="person_already_member"
        )
    if is_legal_representative and role is Role.family and not by.is_pilot:
        raise Forbidden(
            _("Only the pilot can invite the person's legal representative."),
            code="pilot_only",
        )
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        parcours_id=by.parcours_id,
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
    member = _add_member(
        invitation.parcours,
        user,
        invitation.role,
        is_legal_representative=invitation.is_legal_representative,
    )
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = member.id
    record(member.parcours_id, user, Access.change, "member.joined")
    return member


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


def members_ever(parcours_id: int) -> list[Member]:
    """Every member the parcours has had, current or not (authors and referents may have
    left), in the order they joined."""
    return list(
        db.session.scalars(
            select(Member).where(Member.parcours_id == parcours_id).order_by(Member.id)
        )
    )


def member_of(parcours_id: int, member_id: int | None) -> Member:
    """A current member of the parcours, or a 404."""
    member = db.session.get(Member, member_id) if member_id else None
    if member is None or member.parcours_id != parcours_id or not member.is_current:
        raise NotFound(_("This member is not part of this plan."), code="member_not_found")
    return member


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
            _("You are the pilot: hand the role over to another member before leaving."),
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
            _("You are the pilot: hand the role over to another member, or leave the plan."),
            code="pilot_cannot_remove_self",
        )
    if not reason:
        raise DomainError(_("Please say why this member is removed."), code="missing_reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("The reason takes at most %(n)d characters.", n=REASON_MAX), code="reason_too_long"
        )
    lock_parcours(by.parcours_id)
    removed.left_at = utcnow()
    record(by.parcours_id, by.user, Access.change, "member.removed", reason, subject=removed.user)
    db.session.flush()
    member_left.send(removed)


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


SETTINGS_EVENTS = ("settings.tolerance", "settings.closed", "settings.reopened")


def settings_revision(parcours_id: int) -> int:
    """The revision of the plan's settings (tolerance, closing): its latest settings change."""
    return _log_revision(parcours_id, *SETTINGS_EVENTS)


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
            _("Only the pilot (%(name)s) can hand the role over.", name=current.name),
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


def set_tolerance(by: Member, tolerance_days: int, base_revision: int | None = None) -> None:
    """How many days without a service the timeline tolerates before flagging a rupture.
    With `base_revision`, settings changed in between refuse the edit (StaleVersion)."""
    check_settings_revision(by, base_revision)
    if not 1 <= tolerance_days <= 365:
        raise DomainError(
            _("The tolerance is a number of days between 1 and 365."), code="invalid_tolerance"
        )
    by.parcours.tolerance_days = tolerance_days
    record(by.parcours_id, by.user, Access.change, "settings.tolerance", str(tolerance_days))


def close_parcours(by: Member, closed_on: date, base_revision: int | None = None) -> None:
    """Close the parcours on a date: no rupture is raised after it."""
    check_settings_revision(by, base_revision)
    by.parcours.closed_on = closed_on
    record(by.parcours_id, by.user, Access.change, "settings.closed", closed_on.isoformat())


def reopen_parcours(by: Member, base_revision: int | None = None) -> None:
    """Reopen a closed parcours."""
    check_settings_revision(by, base_revision)
    by.parcours.closed_on = None
    record(by.parcours_id, by.user, Access.change, "settings.reopened")


def lock_parcours(parcours_id: int) -> None:
    """Serialise the writes that read-then-decide on one parcours (row lock on PostgreSQL;
    SQLite transactions already take the write lock when they begin)."""
    db.session.execute(select(Parcours.id).where(Parcours.id == parcours_id).with_for_update())
