"""The FHIR export of a parcours: a pure mapping from plain records to a FHIR R4B Bundle.

No database here: `parcours.exports.loader` gathers a `ParcoursRecord` (a fixed number of
queries) and this module turns it into resource dicts. The shapes follow the French ANS guide
for the medico-social record (TDDUI, "Transfert de données DUI"); a resource claims a TDDUI
profile in `meta.profile` only where it meets that profile's own constraints (see the README,
"FHIR export").

The person stays pseudonymous: no name, e-mail or birth date for anyone, only a keyed hash of
the parcours id, and urn:uuid fullUrls derived from it, stable from one export to the next.
"""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, datetime

FHIR_VERSION = "4.3.0"  # R4B
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/"
PROFILE_CONSENT_ACCORD = TDDUI + "tddui-consent-accord"
PROFILE_PRACTITIONER_ROLE = TDDUI + "tddui-practitioner-role"

# Fixed, so that the fullUrls derived from a pseudonym never change.
NAMESPACE = uuid.UUID("6f1c5b8e-2d0a-4c51-9a57-3b8f0e7d2c41")
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"

# What a hand-off's status becomes: (ServiceRequest.status, Task.status).
HANDOFF_STATUS = {
    "proposed": ("active", "requested"),
    "accepted": ("active", "accepted"),
    "declined": ("revoked", "rejected"),
    "completed": ("completed", "completed"),
}

# Our own codes (CodeSystem `<system>/CodeSystem/parcours`), with their display.
CODES = {
    "person": "The person accompanied",
    "family": "Family",
    "professional": "Professional",
    "pilot": "Pilot of the coordination",
    "legal-representative": "Legal representative",
    "objective-approval": "Approval of the shared objective",
    "objective-agreement": "Agreed when every person and family member and a professional approve",
    "handoff": "Hand-off between services (passage de relais)",
    "shared-objective": "The shared objective passed on",
    "objective-passed": "A member of the receiving side approved the objective in force",
    "person-involved": "The person took part in the transition",
    "meaning-note": "What matters to the person, what worked, what remains open",
    "services-in-contact": "The outgoing and incoming services were in contact",
    "declined-by-service": "Declined by the receiving service",
    "declined-by-person": "Declined by the person",
    "proposed": "Hand-off proposed",
    "accepted": "Hand-off accepted",
    "declined": "Hand-off declined",
    "completed": "Hand-off completed",
}


# The records the mapping reads -----------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRecord:
    id: int
    name: str


@dataclass(frozen=True)
class MemberRecord:
    id: int
    role: str  # "person", "family" or "professional"
    joined_at: datetime
    left_at: datetime | None = None
    organisation_id: int | None = None
    function: str | None = None
    is_pilot: bool = False
    is_legal_representative: bool = False


@dataclass(frozen=True)
class ApprovalRecord:
    member_id: int
    approved_at: datetime


@dataclass(frozen=True)
class ObjectiveRecord:
    """The version exported: the one in force, else the latest draft."""

    number: int
    text: str
    author_id: int
    written_at: datetime
    perimeter_in: str = ""
    perimeter_out: str = ""
    indicators: tuple[str, ...] = ()
    on_behalf_of_id: int | None = None
    agreed_at: datetime | None = None
    approvals: tuple[ApprovalRecord, ...] = ()


@dataclass(frozen=True)
class CommitmentRecord:
    id: int
    member_id: int
    action: str
    due_on: date
    made_at: datetime
    kept_at: datetime | None = None


@dataclass(frozen=True)
class MeansRecord:
    """An adopted means and its commitments."""

    id: int
    title: str
    description: str
    carried_by: str
    author_id: int
    category: str | None = None
    category_label: str | None = None
    commitments: tuple[CommitmentRecord, ...] = ()


@dataclass(frozen=True)
class EpisodeRecord:
    id: int
    kind: str
    kind_label: str
    start_date: date
    recorded_at: datetime
    end_date: date | None = None
    label: str = ""
    organisation_id: int | None = None
    referent_id: int | None = None


@dataclass(frozen=True)
class HandoffRecord:
    id: int
    from_episode_id: int
    status: str  # "proposed", "accepted", "declined" or "completed"
    proposed_on: date
    created_by_id: int
    to_episode_id: int | None = None
    # The organisation that receives, in effect (the receiving episode's, else the one named).
    receiving_organisation_id: int | None = None
    to_person_and_family: bool = False
    # The relais de sens: the four elements of the checklist.
    objective_passed: bool = False
    person_involved: bool = False
    services_in_contact: bool = False
    meaning_note: str = ""
    decline_reason: str | None = None
    declined_by: str | None = None  # "service" or "person"
    last_changed_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class ParcoursRecord:
    """Everything the export says about one parcours, already loaded."""

    pseudonym: str
    # Our base URI: identifier systems, code systems and extensions hang under it.
    system: str
    today: date
    generated_at: datetime
    created_at: datetime
    members: tuple[MemberRecord, ...] = ()
    organisations: tuple[OrganisationRecord, ...] = ()
    objective: ObjectiveRecord | None = None
    means: tuple[MeansRecord, ...] = ()
    episodes: tuple[EpisodeRecord, ...] = ()
    handoffs: tuple[HandoffRecord, ...] = ()
    closed_on: date | None = None


# Helpers --------------------------------------------------------------------------------


def pseudonym(parcours_id: int, key: str) -> str:
    """A stable pseudonymous identifier of the person: an HMAC of the parcours id, keyed by
    the application's secret (without the key, nobody can go back to the parcours)."""
    digest = hmac.new(key.encode(), f"parcours:{parcours_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def instant(moment: datetime) -> str:
    """A FHIR dateTime, to the second."""
    return moment.replace(microsecond=0).isoformat()


def _drop_empty(resource: dict) -> dict:
    """FHIR has no empty values: leave out None, empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


class _Ids:
    """Deterministic urn:uuid fullUrls, derived from the pseudonym (not from database ids
    alone, so that two parcours never share one and the ids reveal nothing)."""

    def __init__(self, record: ParcoursRecord):
        self.pseudonym = record.pseudonym
        self.members = {m.id: m for m in record.members}

    def uuid(self, resource_type: str, local: object = "") -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.pseudonym}/{resource_type}/{local}"))

    def url(self, resource_type: str, local: object = "") -> str:
        return f"urn:uuid:{self.uuid(resource_type, local)}"

    def ref(self, resource_type: str, local: object = "") -> dict:
        return {"reference": self.url(resource_type, local)}

    def patient(self) -> dict:
        return self.ref("Patient")

    def member(self, member_id: int | None) -> dict | None:
        """The resource standing for a member: the Patient for the person, a RelatedPerson
        for family, a PractitionerRole for a professional."""
        member = self.members.get(member_id)
        if member is None:
            return None
        if member.role == "person":
            return self.patient()
        return self.ref(MEMBER_RESOURCE[member.role], member.id)

    def organisation(self, organisation_id: int | None) -> dict | None:
        return None if organisation_id is None else self.ref("Organization", organisation_id)


MEMBER_RESOURCE = {"family": "RelatedPerson", "professional": "PractitionerRole"}


def _period(start, end) -> dict | None:
    period = _drop_empty(
        {
            "start": instant(start) if isinstance(start, datetime) else _day(start),
            "end": instant(end) if isinstance(end, datetime) else _day(end),
        }
    )
    return period or None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _code(system: str, code: str) -> dict:
    return {"system": f"{system}/CodeSystem/parcours", "code": code, "display": CODES[code]}


def _concept(system: str, code: str) -> dict:
    return {"coding": [_code(system, code)]}


def _extension(system: str, name: str, **value) -> dict:
    return {"url": f"{system}/StructureDefinition/{name}", **value}


# Resources --------------------------------------------------------------------------------


def patient(record: ParcoursRecord, ids: _Ids) -> dict:
    """The person: a pseudonymous identifier only."""
    return {
        "resourceType": "Patient",
        "id": ids.uuid("Patient"),
        "identifier": [
            {
                "use": "secondary",
                "system": f"{record.system}/sid/person-pseudonym",
                "value": record.pseudonym,
            }
        ],
        "active": record.closed_on is None,
    }


def organization(organisation: OrganisationRecord, ids: _Ids) -> dict:
    return {
        "resourceType": "Organization",
        "id": ids.uuid("Organization", organisation.id),
        "active": True,
        "name": organisation.name,
    }


def related_person(member: MemberRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """A family member: their relationship, no name; the legal representative flagged."""
    relationship = [
        {"coding": [{"system": V3_ROLE_CODE, "code": "FAMMEMB", "display": "family member"}]}
    ]
    if member.is_legal_representative:
        relationship.append(_concept(record.system, "legal-representative"))
    return _drop_empty(
        {
            "resourceType": "RelatedPerson",
            "id": ids.uuid("RelatedPerson", member.id),
            "active": member.left_at is None,
            "patient": ids.patient(),
            "relationship": relationship,
            "period": _period(member.joined_at, member.left_at),
        }
    )


def practitioner_role(member: MemberRecord, ids: _Ids) -> dict:
    """A professional: their organisation and function, no Practitioner (no name to carry)."""
    return _drop_empty(
        {
            "resourceType": "PractitionerRole",
            "id": ids.uuid("PractitionerRole", member.id),
            "meta": {"profile": [PROFILE_PRACTITIONER_ROLE]},
            "active": member.left_at is None,
            "period": _period(member.joined_at, member.left_at),
            "organization": ids.organisation(member.organisation_id),
            "code": [{"text": member.function}] if member.function else None,
        }
    )


def care_team(record: ParcoursRecord, ids: _Ids) -> dict:
    """The alliance: every member, past and present, with their period; the pilot marked."""
    participants = []
    for member in record.members:
        roles = [_code(record.system, member.role)]
        if member.is_pilot:
            roles.append(_code(record.system, "pilot"))
        participants.append(
            _drop_empty(
                {
                    "role": [{"coding": roles}],
                    "member": ids.member(member.id),
                    "onBehalfOf": ids.organisation(member.organisation_id)
                    if member.role == "professional"
                    else None,
                    "period": _period(member.joined_at, member.left_at),
                }
            )
        )
    return _drop_empty(
        {
            "resourceType": "CareTeam",
            "id": ids.uuid("CareTeam"),
            "status": "active" if record.closed_on is None else "inactive",
            "name": "Alliance",
            "subject": ids.patient(),
            "period": _period(record.created_at, record.closed_on),
            "participant": participants,
        }
    )


def goal_lifecycle(objective: ObjectiveRecord) -> str:
    """An agreed version is accepted by the alliance; a draft is still a proposal."""
    return "accepted" if objective.agreed_at is not None else "proposed"


def goal(objective: ObjectiveRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """The shared objective, in its authors' own words."""
    system = record.system
    extensions = []
    if objective.perimeter_in or objective.perimeter_out:
        extensions.append(
            _extension(
                system,
                "objective-perimeter",
                extension=[
                    {"url": part, "valueString": text}
                    for part, text in (
                        ("in", objective.perimeter_in),
                        ("out", objective.perimeter_out),
                    )
                    if text
                ],
            )
        )
    if objective.on_behalf_of_id is not None:
        # "Written by Marc for Léa": the author is expressedBy, and whose words they are.
        extensions.append(
            _extension(
                system,
                "written-on-behalf-of",
                valueReference=ids.member(objective.on_behalf_of_id),
            )
        )
    status_moment = objective.agreed_at or objective.written_at
    return _drop_empty(
        {
            "resourceType": "Goal",
            "id": ids.uuid("Goal"),
            "extension": extensions,
            "identifier": [
                {
                    "system": f"{system}/sid/objective-version",
                    "value": f"{record.pseudonym}-{objective.number}",
                }
            ],
            "lifecycleStatus": goal_lifecycle(objective),
            "description": {"text": objective.text},
            "subject": ids.patient(),
            "startDate": _day(objective.agreed_at.date()) if objective.agreed_at else None,
            "statusDate": status_moment.date().isoformat(),
            "expressedBy": ids.member(objective.author_id),
            "target": [{"measure": {"text": indicator}} for indicator in objective.indicators],
        }
    )


def consent(approval: ApprovalRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """One member's "I recognise myself in this version" of the objective."""
    member = ids.members.get(approval.member_id)
    return {
        "resourceType": "Consent",
        "id": ids.uuid("Consent", approval.member_id),
        "meta": {"profile": [PROFILE_CONSENT_ACCORD]},
        "status": "active" if member is None or member.left_at is None else "inactive",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
        "category": [_concept(record.system, "objective-approval")],
        "patient": ids.patient(),
        "dateTime": instant(approval.approved_at),
        "performer": [ids.member(approval.member_id)],
        "policyRule": _concept(record.system, "objective-agreement"),
        "provision": {
            "type": "permit",
            "data": [{"meaning": "related", "reference": ids.ref("Goal")}],
        },
    }


def _activity_status(means: MeansRecord) -> str:
    if not means.commitments:
        return "not-started"
    if all(c.kept_at is not None for c in means.commitments):
        return "completed"
    return "in-progress"


def _commitment_parts(commitment: CommitmentRecord, ids: _Ids) -> list[dict]:
    """Who committed, by when, and when it was kept (the action is the note's text)."""
    parts = [{"url": "due", "valueDate": commitment.due_on.isoformat()}]
    member = ids.member(commitment.member_id)
    if member is not None:
        parts.insert(0, {"url": "member", "valueReference": member})
    if commitment.kept_at is not None:
        parts.append({"url": "kept", "valueDateTime": instant(commitment.kept_at)})
    return parts


def activity(means: MeansRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """An adopted means; its commitments (who does what by when) as progress notes."""
    system = record.system
    performers = []
    for commitment in means.commitments:
        reference = ids.member(commitment.member_id)
        if reference is not None and reference not in performers:
            performers.append(reference)
    progress = [
        {
            "extension": [_extension(system, "commitment", extension=_commitment_parts(c, ids))],
            "time": instant(c.made_at),
            "text": c.action,
        }
        for c in means.commitments
    ]
    code = {"text": means.title}
    if means.category:
        code["coding"] = [
            {"system": f"{system}/CodeSystem/means-category", "code": means.category}
            | ({"display": means.category_label} if means.category_label else {})
        ]
    due = max((c.due_on for c in means.commitments), default=None)
    detail = _drop_empty(
        {
            "extension": [_extension(system, "carried-by", valueString=means.carried_by)]
            if means.carried_by
            else None,
            "code": code,
            "goal": [ids.ref("Goal")] if record.objective else None,
            "status": _activity_status(means),
            "scheduledPeriod": {"end": due.isoformat()} if due else None,
            "performer": performers,
            "description": means.description,
        }
    )
    return _drop_empty({"progress": progress, "detail": detail})


def _contributors(record: ParcoursRecord, ids: _Ids) -> list[dict]:
    """Who wrote the plan: the objective's author and approvers, the adopted means' authors,
    the members who committed."""
    member_ids = []
    if record.objective:
        member_ids.append(record.objective.author_id)
        member_ids.extend(a.member_id for a in record.objective.approvals)
    for means in record.means:
        member_ids.append(means.author_id)
        member_ids.extend(c.member_id for c in means.commitments)
    references = []
    for member_id in member_ids:
        reference = ids.member(member_id)
        if reference is not None and reference not in references:
            references.append(reference)
    return references


def care_plan(record: ParcoursRecord, ids: _Ids) -> dict:
    """The plan: the objective, the alliance, the adopted means."""
    objective = record.objective
    if record.closed_on is not None:
        status = "completed"
    elif objective is not None and objective.agreed_at is not None:
        status = "active"
    else:
        status = "draft"
    pilot = next((m for m in record.members if m.is_pilot), None)
    return _drop_empty(
        {
            "resourceType": "CarePlan",
            "id": ids.uuid("CarePlan"),
            "identifier": [{"system": f"{record.system}/sid/parcours", "value": record.pseudonym}],
            "status": status,
            "intent": "plan",
            "subject": ids.patient(),
            "period": _period(
                objective.agreed_at.date() if objective and objective.agreed_at else None,
                record.closed_on,
            ),
            "created": instant(record.created_at),
            "author": ids.member(pilot.id) if pilot else None,
            "contributor": _contributors(record, ids),
            "careTeam": [ids.ref("CareTeam")],
            "supportingInfo": [
                ids.ref("Consent", a.member_id) for a in (objective.approvals if objective else ())
            ],
            "goal": [ids.ref("Goal")] if objective else None,
            "activity": [activity(means, record, ids) for means in record.means],
        }
    )


def episode_status(episode: EpisodeRecord, on: date) -> str:
    if episode.start_date > on:
        return "planned"
    if episode.end_date is not None and episode.end_date < on:
        return "finished"
    return "active"


def status_history(episode: EpisodeRecord, on: date) -> list[dict]:
    """The statuses before the current one, from the dates: planned while it was recorded
    ahead of its start, active from its start to its end."""
    history = []
    recorded_on = episode.recorded_at.date()
    if recorded_on < episode.start_date and episode.start_date <= on:
        history.append({"status": "planned", "period": _period(recorded_on, episode.start_date)})
    if episode_status(episode, on) == "finished":
        history.append(
            {"status": "active", "period": _period(episode.start_date, episode.end_date)}
        )
    return history


def episode_of_care(episode: EpisodeRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """A period during which one service accompanies the person (or a pause they chose)."""
    types = [
        {
            "coding": [
                {"system": f"{record.system}/CodeSystem/episode-kind", "code": episode.kind}
            ],
            "text": episode.kind_label,
        }
    ]
    if episode.label:
        types.append({"text": episode.label})
    referent = ids.members.get(episode.referent_id)
    return _drop_empty(
        {
            "resourceType": "EpisodeOfCare",
            "id": ids.uuid("EpisodeOfCare", episode.id),
            "status": episode_status(episode, record.today),
            "statusHistory": status_history(episode, record.today),
            "type": types,
            "patient": ids.patient(),
            "managingOrganization": ids.organisation(episode.organisation_id),
            "period": _period(episode.start_date, episode.end_date),
            "careManager": ids.member(referent.id)
            if referent is not None and referent.role == "professional"
            else None,
        }
    )


def _receiver(handoff: HandoffRecord, ids: _Ids) -> dict | None:
    if handoff.to_person_and_family:
        return ids.patient()
    return ids.organisation(handoff.receiving_organisation_id)


def service_request(handoff: HandoffRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """The hand-off as asked for: from one episode to the side that takes over."""
    status, _task_status = HANDOFF_STATUS[handoff.status]
    episodes = [ids.ref("EpisodeOfCare", handoff.from_episode_id)]
    if handoff.to_episode_id is not None:
        episodes.append(ids.ref("EpisodeOfCare", handoff.to_episode_id))
    receiver = _receiver(handoff, ids)
    return _drop_empty(
        {
            "resourceType": "ServiceRequest",
            "id": ids.uuid("ServiceRequest", handoff.id),
            "status": status,
            "intent": "proposal",
            "code": _concept(record.system, "handoff"),
            "subject": ids.patient(),
            "authoredOn": handoff.proposed_on.isoformat(),
            "requester": ids.member(handoff.created_by_id),
            "performer": [receiver] if receiver else None,
            "supportingInfo": episodes + ([ids.ref("Goal")] if record.objective else []),
        }
    )


def task_inputs(handoff: HandoffRecord, record: ParcoursRecord, ids: _Ids) -> list[dict]:
    """The relais de sens: the objective passed on, and the checklist."""
    system = record.system
    inputs = []
    if record.objective is not None:
        inputs.append(
            {"type": _concept(system, "shared-objective"), "valueReference": ids.ref("Goal")}
        )
    inputs += [
        {"type": _concept(system, "objective-passed"), "valueBoolean": handoff.objective_passed},
        {"type": _concept(system, "person-involved"), "valueBoolean": handoff.person_involved},
        {
            "type": _concept(system, "services-in-contact"),
            "valueBoolean": handoff.services_in_contact,
        },
    ]
    if handoff.meaning_note.strip():
        inputs.append(
            {"type": _concept(system, "meaning-note"), "valueString": handoff.meaning_note}
        )
    return inputs


def task(handoff: HandoffRecord, record: ParcoursRecord, ids: _Ids) -> dict:
    """Where the hand-off stands, and the relais de sens it carries."""
    _status, status = HANDOFF_STATUS[handoff.status]
    status_reason = None
    if handoff.status == "declined":
        status_reason = _drop_empty(
            {
                "coding": [_code(record.system, f"declined-by-{handoff.declined_by}")]
                if handoff.declined_by in ("service", "person")
                else None,
                "text": handoff.decline_reason,
            }
        )
    return _drop_empty(
        {
            "resourceType": "Task",
            "id": ids.uuid("Task", handoff.id),
            "basedOn": [ids.ref("ServiceRequest", handoff.id)],
            "status": status,
            "statusReason": status_reason,
            "businessStatus": _concept(record.system, handoff.status),
            "intent": "order",
            "code": _concept(record.system, "handoff"),
            "focus": ids.ref("ServiceRequest", handoff.id),
            "for": ids.patient(),
            "executionPeriod": _period(
                handoff.proposed_on,
                handoff.completed_at.date() if handoff.completed_at else None,
            ),
            "authoredOn": handoff.proposed_on.isoformat(),
            "lastModified": instant(handoff.last_changed_at) if handoff.last_changed_at else None,
            "requester": ids.member(handoff.created_by_id),
            "owner": _receiver(handoff, ids),
            "input": task_inputs(handoff, record, ids),
        }
    )


def resources(record: ParcoursRecord) -> list[dict]:
    """Every resource of the export, in reading order."""
    ids = _Ids(record)
    out = [patient(record, ids)]
    out += [organization(o, ids) for o in record.organisations]
    for member in record.members:
        if member.role == "family":
            out.append(related_person(member, record, ids))
        elif member.role == "professional":
            out.append(practitioner_role(member, ids))
    out.append(care_team(record, ids))
    if record.objective is not None:
        out.append(goal(record.objective, record, ids))
        out += [consent(a, record, ids) for a in record.objective.approvals]
    out.append(care_plan(record, ids))
    out += [episode_of_care(e, record, ids) for e in record.episodes]
    for handoff in record.handoffs:
        out += [service_request(handoff, record, ids), task(handoff, record, ids)]
    return out


def bundle(record: ParcoursRecord) -> dict:
    """The parcours as a FHIR R4B Bundle of type `collection`, every fullUrl a urn:uuid."""
    return {
        "resourceType": "Bundle",
        "id": str(
            uuid.uuid5(NAMESPACE, f"{record.pseudonym}/Bundle/{instant(record.generated_at)}")
        ),
        "meta": {"lastUpdated": instant(record.generated_at)},
        "type": "collection",
        "timestamp": instant(record.generated_at),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in resources(record)
        ],
    }
