"""API: voices, the objective, its versions and approvals."""

from parcours.alliance import operations
from parcours.alliance.models import current_voices
from parcours.alliance.objective import approval_message, load_objective
from parcours.alliance.schemas import (
    ApprovalResultSchema,
    DisagreementInputSchema,
    DisagreementSchema,
    MemberVoiceSchema,
    ObjectiveSchema,
    VersionInputSchema,
    VersionListSchema,
    VersionSchema,
    VoiceInputSchema,
    VoiceListSchema,
    VoiceSchema,
)
from parcours.core.api import Merged, api, documented, error, load, load_edit
from parcours.core.errors import StaleVersion
from parcours.plans.access import current_member
from parcours.plans.operations import current_members, member_of


def stale(exc: StaleVersion, schema):
    """409 with the version saved in between, so the client can merge."""
    current = schema.dump(exc.current) if exc.current is not None else None
    return error(exc.code, exc.message, 409, current=current)


@api.get("/parcours/<int:parcours_id>/voices")
@documented(responses={200: VoiceListSchema})
def list_voices(parcours_id: int):
    """Every current member with their latest voice (null if none), the person first."""
    current_member(parcours_id, reading="voices")
    voices = current_voices(parcours_id)
    rows = [{"member": m, "voice": voices.get(m.id)} for m in current_members(parcours_id)]
    return VoiceListSchema().dump({"voices": rows})


@api.put("/parcours/<int:parcours_id>/voices/me")
@documented(body=VoiceInputSchema, responses={200: MemberVoiceSchema}, errors=(403, 409, 428))
def put_voice(parcours_id: int):
    """Save one's voice, or the person's on their behalf (`on_behalf_of`). `base_number` (the
    `number` of the voice the edit started from, 0 for a first one) is required: 409 when a
    newer one was saved in between."""
    member = current_member(parcours_id)
    data = load_edit(VoiceInputSchema(), base="base_number")
    on_behalf_of = data.pop("on_behalf_of")
    subject = member_of(parcours_id, on_behalf_of) if on_behalf_of else member
    base_number = data.pop("base_number")
    try:
        voice = operations.save_voice(member, subject, **data, base_number=base_number)
    except StaleVersion as exc:
        return stale(exc, VoiceSchema())
    return MemberVoiceSchema().dump({"member": subject, "voice": voice})


def _objective(parcours_id: int) -> dict:
    """The objective's state, to dump through ObjectiveSchema."""
    state = load_objective(parcours_id, current_members(parcours_id))
    agreement = state.agreement
    missing = []
    if agreement is not None:
        missing = [Merged(m, required="each") for m in agreement.missing] + [
            Merged(m, required="one_professional") for m in agreement.professionals_to_ask
        ]
    return {
        "in_force": state.in_force,
        "latest": state.latest,
        "agreed": state.agreed,
        "approvals": state.latest.approvals if state.latest else [],
        "missing_approvals": missing,
        "disagreements": state.disagreements,
        "professional_approval_missing": bool(agreement and agreement.professional_missing),
    }


@api.get("/parcours/<int:parcours_id>/objective")
@documented(responses={200: ObjectiveSchema})
def get_objective(parcours_id: int):
    """The version in force, the latest, whether it is agreed, and who still has to approve."""
    current_member(parcours_id, reading="objective")
    return ObjectiveSchema().dump(_objective(parcours_id))


@api.get("/parcours/<int:parcours_id>/objective/versions")
@documented(responses={200: VersionListSchema})
def list_versions(parcours_id: int):
    """Every version of the objective, oldest first."""
    current_member(parcours_id, reading="objective")
    state = load_objective(parcours_id, current_members(parcours_id), history=True)
    return VersionListSchema().dump({"versions": state.versions})


@api.post("/parcours/<int:parcours_id>/objective/versions")
@documented(body=VersionInputSchema, responses={201: VersionSchema}, errors=(409, 428))
def create_version(parcours_id: int):
    """A new version, based on `base_version` (required: 428 without it); 409 with the
    current one if it is not the latest."""
    member = current_member(parcours_id)
    data = load_edit(VersionInputSchema(), base="base_version")
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
    return VersionSchema().dump(version), 201


@api.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/approval")
@documented(responses={201: ApprovalResultSchema}, errors=(409,))
def approve_version(parcours_id: int, number: int):
    """Approve a version: "I recognise myself in this objective"."""
    member = current_member(parcours_id)
    approval = operations.approve_version(member, number)
    result = {
        "approval": approval,
        "message": approval_message(approval),
        "objective": _objective(parcours_id),
    }
    return ApprovalResultSchema().dump(result), 201


@api.delete("/parcours/<int:parcours_id>/objective/versions/<int:number>/approval")
@documented(responses={200: ObjectiveSchema}, errors=(404, 409))
def withdraw_approval(parcours_id: int, number: int):
    """Withdraw one's approval of a version not yet in force (409 `in_force` once it is, with
    how to disagree instead; 409 `not_approved` without one). Answers the objective."""
    member = current_member(parcours_id)
    operations.withdraw_approval(member, number)
    return ObjectiveSchema().dump(_objective(parcours_id))


@api.post("/parcours/<int:parcours_id>/objective/versions/<int:number>/disagreement")
@documented(body=DisagreementInputSchema, responses={201: DisagreementSchema}, errors=(409,))
def disagree_with_version(parcours_id: int, number: int):
    """Say "I don't agree yet" to a version, with an optional comment."""
    member = current_member(parcours_id)
    data = load(DisagreementInputSchema())
    disagreement = operations.disagree_with_version(member, number, data["comment"])
    return DisagreementSchema().dump(disagreement), 201
