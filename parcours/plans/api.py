"""API: parcours, members, invitations, the pilot, the access log."""

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from parcours.core.api import Merged, api, documented, error, load, load_edit
from parcours.core.audit import AccessLogEntry
from parcours.core.errors import StaleVersion
from parcours.core.navigation import external_url, id_parameter
from parcours.extensions import db
from parcours.plans import consent, operations
from parcours.plans.access import current_member
from parcours.plans.schemas import (
    AccessLogQuerySchema,
    AccessLogSchema,
    ClosingAnswerSchema,
    ConsentAnswerSchema,
    ConsentListSchema,
    ConsentSchema,
    InvitationCreateSchema,
    InvitationSchema,
    MemberListSchema,
    MemberSchema,
    MembershipSchema,
    ObservatoryOptOutSchema,
    ParcoursCreateSchema,
    ParcoursOutSchema,
    ParcoursPatchSchema,
    PilotSchema,
    RemovalSchema,
    ResetCardSchema,
)

API_LOG_PAGE_SIZE = 200


def _parcours_out(member):
    """A parcours with its revisions, the ones an edit sends back as its base."""
    pid = member.parcours_id
    return ParcoursOutSchema().dump(
        Merged(
            member.parcours,
            me=member,
            pilot=operations.pilot_of(pid),
            revision=operations.settings_revision(pid),
            pilot_revision=operations.pilot_revision(pid),
            closing=operations.pending_closing(pid),
            settings_changes=operations.settings_changes(pid),
        )
    )


@api.post("/parcours")
@documented(body=ParcoursCreateSchema, responses={201: ParcoursOutSchema})
def create_parcours():
    """Create a parcours; the user becomes its first member."""
    data = load(ParcoursCreateSchema())
    member = operations.create_parcours(current_user, **data)
    return _parcours_out(member), 201


@api.get("/parcours/<int:parcours_id>")
@documented(responses={200: ParcoursOutSchema})
def get_parcours(parcours_id: int):
    """One parcours (404 for non-members)."""
    return _parcours_out(current_member(parcours_id, reading="parcours"))


@api.patch("/parcours/<int:parcours_id>")
@documented(body=ParcoursPatchSchema, responses={200: ParcoursOutSchema}, errors=(403, 409, 428))
def patch_parcours(parcours_id: int):
    """The pilot changes the tolerance, asks to close the parcours (a date) or reopens it
    (null), with a `reason`; anyone else gets 403 `pilot_only` (also while no pilot is
    designated). A closing waits for the person's or their legal representative's answer
    (`closing`), unless the plan has neither. `base_revision` (the parcours' `revision` when
    the edit started) is required: 409 `stale_version` when the settings changed in between,
    with `current`."""
    member = current_member(parcours_id)
    data = load_edit(ParcoursPatchSchema())
    operations.check_pilot(member)
    try:
        operations.check_settings_revision(member, data["base_revision"])
    except StaleVersion as exc:
        return error(exc.code, exc.message, 409, current=_parcours_out(member))
    reason = data.get("reason")
    if "tolerance_days" in data:
        operations.set_tolerance(member, data["tolerance_days"], reason)
    if "closed_on" in data:
        if data["closed_on"] is None:
            operations.reopen_parcours(member, reason)
        else:
            operations.close_parcours(member, data["closed_on"], reason)
    return _parcours_out(member)


@api.post("/parcours/<int:parcours_id>/closing/confirmation")
@documented(body=ClosingAnswerSchema, responses={200: ParcoursOutSchema}, errors=(403, 409))
def answer_closing(parcours_id: int):
    """The person, or their legal representative, answers the pilot's request to close the
    plan: `confirmed` true closes it on the date asked, false keeps it open (with an optional
    `reason`). Anyone else gets 403 `not_the_person`; 409 `no_closing_pending` when no request
    waits, `stale_version` when `request_id` is not the request waiting."""
    member = current_member(parcours_id)
    data = load(ClosingAnswerSchema())
    try:
        operations.answer_closing(
            member, data["confirmed"], request_id=data["request_id"], reason=data["reason"]
        )
    except StaleVersion as exc:
        return error(exc.code, exc.message, 409, current=_parcours_out(member))
    return _parcours_out(member)


@api.delete("/parcours/<int:parcours_id>/closing")
@documented(responses={200: ParcoursOutSchema}, errors=(403, 409))
def withdraw_closing(parcours_id: int):
    """The pilot withdraws their request to close the plan before it is answered (403
    `pilot_only` to anyone else, 409 `no_closing_pending` when none waits)."""
    member = current_member(parcours_id)
    operations.withdraw_closing(member)
    return _parcours_out(member)


@api.get("/parcours/<int:parcours_id>/members")
@documented(responses={200: MemberListSchema})
def list_members(parcours_id: int):
    """The current members, the person first."""
    current_member(parcours_id, reading="members")
    return MemberListSchema().dump({"members": operations.current_members(parcours_id)})


@api.delete("/parcours/<int:parcours_id>/members/me")
@documented(responses={204: None}, errors=(409,))
def leave(parcours_id: int):
    """Leave the parcours."""
    operations.leave_parcours(current_member(parcours_id))
    return "", 204


@api.delete("/parcours/<int:parcours_id>/members/<int:member_id>")
@documented(body=RemovalSchema, responses={204: None}, errors=(403, 409))
def remove_member(parcours_id: int, member_id: int):
    """The pilot removes a member, with a reason (the pilot hands the role over or leaves)."""
    member = current_member(parcours_id)
    data = load(RemovalSchema())
    operations.remove_member(member, operations.member_of(parcours_id, member_id), **data)
    return "", 204


@api.put("/parcours/<int:parcours_id>/pilot")
@documented(body=PilotSchema, responses={200: MemberSchema}, errors=(403, 409, 428))
def designate_pilot(parcours_id: int):
    """Designate the pilot (or hand the role over, when one is the pilot). `base_revision`
    (the parcours' `pilot_revision` when the choice was made) is required: 409
    `stale_version` when another designation happened in between, with the parcours as
    `current`."""
    member = current_member(parcours_id)
    data = load_edit(PilotSchema())
    pilot = operations.member_of(parcours_id, data["member_id"])
    try:
        operations.designate_pilot(member, pilot, base_revision=data["base_revision"])
    except StaleVersion as exc:
        return error(exc.code, exc.message, 409, current=_parcours_out(member))
    return MemberSchema().dump(pilot)


@api.post("/parcours/<int:parcours_id>/invitations")
@documented(body=InvitationCreateSchema, responses={201: InvitationSchema}, errors=(409,))
def create_invitation(parcours_id: int):
    """A single-use invitation link; the token is returned only here."""
    member = current_member(parcours_id)
    data = load(InvitationCreateSchema())
    invitation, token = operations.create_invitation(member, **data)
    url = external_url("plans.invitation", token=token)
    waiting = operations.invitation_waits_for_consent(invitation)
    out = Merged(invitation, token=token, url=url, waiting_for_consent=waiting)
    return InvitationSchema().dump(out), 201


@api.post("/parcours/<int:parcours_id>/members/<int:member_id>/reset-card")
@documented(responses={201: ResetCardSchema}, errors=(403, 409))
def create_reset_card(parcours_id: int, member_id: int):
    """The pilot makes a card for a member without e-mail to choose a new password: a
    single-use link valid 7 days, given only here, replacing the member's previous card. 403
    `pilot_only` for anyone else, `admin_account` and `professional_account` for those
    accounts; 404 `member_not_found` for someone not a current member."""
    member = current_member(parcours_id)
    subject = operations.member_of(parcours_id, member_id)
    reset, token = operations.create_reset_card(member, subject)
    url = external_url("accounts.new_password", token=token)
    return ResetCardSchema().dump({"url": url, "expires_at": reset.expires_at}), 201


@api.delete("/parcours/<int:parcours_id>/invitations/<int:invitation_id>")
@documented(responses={204: None}, errors=(409,))
def revoke_invitation(parcours_id: int, invitation_id: int):
    """Withdraw an invitation that has not been used."""
    member = current_member(parcours_id)
    operations.revoke_invitation(member, operations.invitation_of(parcours_id, invitation_id))
    return "", 204


@api.post("/invitations/<token>/accept")
@documented(responses={201: MembershipSchema}, errors=(403, 409, 422))
def accept_invitation(token: str):
    """Join a parcours as the signed-in user. 409 `consent_pending` while the person has not
    agreed to share the plan with the invitation's organisation."""
    member = operations.accept_invitation(token, current_user)
    return MembershipSchema().dump({"parcours": member.parcours, "me": member}), 201


@api.get("/parcours/<int:parcours_id>/consents")
@documented(responses={200: ConsentListSchema})
def list_consents(parcours_id: int):
    """The person's consents to share the plan with organisations, pending first, with their
    history."""
    current_member(parcours_id, reading="consents")
    return ConsentListSchema().dump({"consents": consent.consents_of(parcours_id)})


@api.post("/parcours/<int:parcours_id>/consents/<int:consent_id>")
@documented(body=ConsentAnswerSchema, responses={200: ConsentSchema}, errors=(403, 409))
def answer_consent(parcours_id: int, consent_id: int):
    """The person, or their legal representative, gives (`given` true), refuses or withdraws
    (`given` false) the consent to share the plan with an organisation; withdrawing makes its
    members leave the plan. Anyone else gets 403 `person_only`."""
    member = current_member(parcours_id)
    data = load(ConsentAnswerSchema())
    found = consent.consent_of(parcours_id, consent_id)
    return ConsentSchema().dump(consent.answer_consent(member, found, data["given"]))


@api.put("/parcours/<int:parcours_id>/observatory")
@documented(body=ObservatoryOptOutSchema, responses={200: ObservatoryOptOutSchema}, errors=(403,))
def set_observatory_opt_out(parcours_id: int):
    """The person, or their legal representative, leaves the plan out of every figure of the
    observatory (`opt_out` true) or lets it count again (false); a change is written in the
    access log. Anyone else gets 403 `person_only`."""
    member = current_member(parcours_id)
    data = load(ObservatoryOptOutSchema())
    operations.set_observatory_opt_out(member, data["opt_out"])
    return ObservatoryOptOutSchema().dump({"opt_out": member.parcours.observatory_opt_out})


@api.get("/parcours/<int:parcours_id>/access-log")
@documented(responses={200: AccessLogSchema}, query=AccessLogQuerySchema)
def access_log(parcours_id: int):
    """Who read or changed the parcours, latest first (`?before=<entry id>` pages back)."""
    current_member(parcours_id, reading="access_log")
    query = (
        select(AccessLogEntry)
        .where(AccessLogEntry.parcours_id == parcours_id)
        .options(joinedload(AccessLogEntry.user))
        .order_by(AccessLogEntry.id.desc())
        .limit(API_LOG_PAGE_SIZE)
    )
    if before := id_parameter("before"):
        query = query.where(AccessLogEntry.id < before)
    entries = db.session.scalars(query).all()
    return AccessLogSchema().dump({"entries": entries})
