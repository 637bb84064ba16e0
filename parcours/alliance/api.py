"""API: voices, the objective, its versions and approvals."""

from flask_babel import gettext as _

from parcours.alliance import operations
from parcours.alliance.models import current_voices, voice_of
from parcours.alliance.objective import load_objective
from parcours.alliance.schemas import (
    ApprovalSchema,
    DisagreementInputSchema,
    DisagreementSchema,
    VersionInputSchema,
    VersionSchema,
    VoiceInputSchema,
    VoiceSchema,
)
from parcours.core.api import api, error, load
from parcours.core.errors import StaleVersion
from parcours.extensions import db
from parcours.plans.access import current_member
from parcours.plans.operations import current_members, member_of
from parcours.plans.schemas import MemberSchema


def stale(exc: StaleVersion, schema):
    """409 with the version saved in between, so the client can merge."""
    current = schema.dump(exc.current) if exc.current is not None else None
    return error(exc.code, exc.message, 409, current=current)


@api.get("/parcours/<int:parcours_id>/voices")
def list_voices(parcours_id: int):
    """Every current member with their latest voice (null if none), the person first."""
    current_member(parcours_id, reading="voices")
    voices = current_voices(parcours_id)
    return {
        "voices": [
            {
                "member": MemberSchema().dump(m),
                "voice": VoiceSchema().dump(voices[m.id]) if m.id in voices else None,
            }
            for m in current_members(parcours_id)
        ]
    }


@api.put("/parcours/<int:parcours_id>/voices/me")
def put_voice(parcours_id: int):
    """Save one's voice, or the person's on their behalf (`on_behalf_of`)."""
    member = current_member(parcours_id)
    data = load(VoiceInputSchema())
    on_behalf_of = data.pop("on_behalf_of")
    subject = member_of(parcours_id, on_behalf_of) if on_behalf_of else member
    base_number = data.pop("base_number")
    if base_number is None:
        current = voice_of(subject)
        base_number = current.number if current else 0
    try:
        voice = operations.save_voice(member, subject, **data, base_number=base_number)
    except StaleVersion as exc:
        return stale(exc, VoiceSchema())
    db.session.commit()
    return {"member": MemberSchema().dump(subject), "voice": VoiceSchema().dump(voice)}


def _objective_out(parcours_id: int) -> dict:
    state = load_objective(parcours_id, current_members(parcours_id))
    agreement = state.agreement
    missing = []
    if agreement is not None:
        missing = [{**MemberSchema().dump(m), "required": "each"} for m in agreement.missing] + [
            {**MemberSchema().dump(m), "required": "one_professional"}
            for m in agreement.professionals_to_ask
        ]
    return {
        "in_force": VersionSchema().dump(state.in_force) if state.in_force else None,
        "latest": VersionSchema().dump(state.latest) if state.latest else None,
        "agreed": state.agreed,
        "approvals": [
            ApprovalSchema().dump(a) for a in (state.latest.approvals if state.latest else [])
        ],
        "missing_approvals": missing,
        "disagreements": [DisagreementSchema().dump(d) for d in state.disagreements],
        "professional_approval_missing": bool(agreement and agreement.professional_missing),
    }


@api.get("/parcours/<int:parcours_id>/objective")
def get_objective(parcours_id: int):
    """The version in force, the latest, whether it is agreed, and who still has to approve."""
    current_member(parcours_id, reading="objective")
    return _objective_out(parcours_id)


@api.get("/parcours/<int:parcours_id>/objective/versions")
def list_versions(parcours_id: int):
    """Every version of the objective, oldest first."""
    current_member(parcours_id, reading="objective")
    state = load_objective(parcours_id, current_members(parcours_id), history=True)
    return {"versions": VersionSchema(many=True).dump(state.versions)}


@api.post("/parcours/<int:parcours_id>/objective/versions")
def create_version(parcours_id: int):
    """A new version, based on `base_version`; 409 with the current one if it is not the latest."""
    member = current_member(parcours_id)
    data = load(VersionInputSchema())
    on_behalf_of = data.pop("on_behalf_of")
    base_number = data.pop("base_version")
    try:
        version = operations.propose_version(
            member,
            **data,
            base_number=base_number,
            on_behalf_of=member_of(parcours_id, on_behalf_of) if on_behalf_of else None,
        )
    except StaleVersion as exc:
        return stale(exc, VersionSchema())
    db.session.commit()
    return VersionSchema().dump(version), 201


@api.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/approval")
def approve_version(parcours_id: int, number: int):
    """Approve a version: "I recognise myself in this objective"."""
    member = current_member(parcours_id)
    approval = operations.approve_version(member, number)
    db.session.commit()
    out = _objective_out(parcours_id)
    message = (
        _("Everyone approved: version %(n)d is now in force.", n=number)
        if out["agreed"]
        else _("Your approval of version %(n)d is recorded.", n=number)
    )
    return {"approval": ApprovalSchema().dump(approval), "message": message, "objective": out}, 201


@api.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/disagreement")
def disagree_with_version(parcours_id: int, number: int):
    """Say "I don't agree yet" to a version, with an optional comment."""
    member = current_member(parcours_id)
    data = load(DisagreementInputSchema())
    disagreement = operations.disagree_with_version(member, number, data["comment"])
    db.session.commit()
    return DisagreementSchema().dump(disagreement), 201
