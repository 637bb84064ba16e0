"""The FHIR export: the pure mapping on hand-built records, then the whole Bundle through the
API and the download page (parsed by fhir.resources, every reference resolved, logged)."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from parcours.core.audit import AccessLogEntry
from parcours.exports import fhir
from parcours.exports.fhir import (
    ApprovalRecord,
    CommitmentRecord,
    EpisodeRecord,
    HandoffRecord,
    MeansRecord,
    MemberRecord,
    ObjectiveRecord,
    OrganisationRecord,
    ParcoursRecord,
)
from parcours.extensions import db
from parcours.plans.models import Role
from parcours.timeline.models import DeclinedBy, EpisodeKind
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory

SYSTEM = "https://parcours.example.org/fhir"


def moment(day: int, month: int = 1) -> datetime:
    return datetime(2025, month, day, 9, 30, tzinfo=UTC)


def sample(**changes) -> ParcoursRecord:
    """A plan with the person, a legal representative, a parent, the pilot (a professional of
    the SESSAD), a teacher who left; an agreed objective, an adopted means, two episodes and
    two hand-offs (one declined, one completed with its relais de sens)."""
    record = ParcoursRecord(
        pseudonym="3f2a" * 8,
        system=SYSTEM,
        today=date(2025, 6, 1),
        generated_at=moment(1, 6),
        created_at=moment(2),
        members=(
            MemberRecord(1, "person", moment(3)),
            MemberRecord(2, "family", moment(3), is_legal_representative=True),
            MemberRecord(3, "family", moment(4)),
            MemberRecord(4, "professional", moment(2), None, 10, "éducatrice", is_pilot=True),
            MemberRecord(5, "professional", moment(5), moment(20, 3), 11, "enseignant"),
        ),
        organisations=(
            OrganisationRecord(10, "SESSAD Les Mouettes"),
            OrganisationRecord(11, "IME"),
        ),
        objective=ObjectiveRecord(
            number=2,
            text="Que Léa se développe bien, à l'école et avec ses copains.",
            author_id=3,
            written_at=moment(10),
            perimeter_in="L'école, les loisirs",
            perimeter_out="La vie à la maison",
            indicators=("Léa se fait comprendre", "Léa a un copain"),
            agreed_at=moment(12),
            approvals=(
                ApprovalRecord(1, moment(11)),
                ApprovalRecord(2, moment(11)),
                ApprovalRecord(4, moment(12)),
            ),
        ),
        means=(
            MeansRecord(
                id=7,
                title="Inclusion progressive",
                description="Deux matinées par semaine en classe ordinaire.",
                carried_by="L'école du quartier",
                author_id=4,
                category="schooling",
                category_label="School and learning",
                commitments=(
                    CommitmentRecord(1, 4, "Appeler l'école", date(2025, 2, 1), moment(13)),
                    CommitmentRecord(
                        2, 2, "Visiter la classe", date(2025, 2, 10), moment(13), moment(9, 2)
                    ),
                ),
            ),
        ),
        episodes=(
            EpisodeRecord(
                20, "sessad", "SESSAD", date(2024, 9, 1), moment(2), date(2025, 3, 31), "", 10, 4
            ),
            EpisodeRecord(
                21, "ime", "IME", date(2025, 5, 1), moment(3), None, "Unité d'enseignement", 11
            ),
        ),
        handoffs=(
            HandoffRecord(
                id=30,
                from_episode_id=20,
                status="declined",
                proposed_on=date(2025, 2, 1),
                created_by_id=4,
                receiving_organisation_id=11,
                decline_reason="Pas de place avant septembre",
                declined_by="service",
                last_changed_at=moment(5, 2),
            ),
            HandoffRecord(
                id=31,
                from_episode_id=20,
                status="completed",
                proposed_on=date(2025, 3, 1),
                created_by_id=4,
                to_episode_id=21,
                receiving_organisation_id=11,
                objective_passed=True,
                person_involved=True,
                services_in_contact=True,
                meaning_note="Léa aime dessiner ; elle a besoin de temps le matin.",
                last_changed_at=moment(2, 5),
                completed_at=moment(2, 5),
            ),
        ),
    )
    return replace(record, **changes)


def resources_of(document: dict) -> list[dict]:
    return [entry["resource"] for entry in document["entry"]]


def only(document: dict, resource_type: str) -> list[dict]:
    return [r for r in resources_of(document) if r["resourceType"] == resource_type]


def references(value) -> list[str]:
    """Every `reference` anywhere in a resource."""
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def full_urls(document: dict) -> dict[str, dict]:
    return {entry["fullUrl"]: entry["resource"] for entry in document["entry"]}


def by_url(document: dict, reference: dict) -> dict:
    return full_urls(document)[reference["reference"]]


def assert_valid(document: dict) -> None:
    """fhir.resources parses it as an R4B Bundle, and every reference resolves inside it."""
    parsed = Bundle.model_validate(document)
    assert parsed.type == "collection"
    urls = full_urls(document)
    assert len(urls) == len(document["entry"]), "two entries share a fullUrl"
    dangling = [r for r in references(document) if r not in urls]
    assert not dangling


# The pure mapping -------------------------------------------------------------------------


def test_the_sample_bundle_is_valid_r4b_and_closed():
    document = fhir.bundle(sample())
    assert_valid(document)
    kinds = [r["resourceType"] for r in resources_of(document)]
    assert kinds.count("Patient") == 1
    assert kinds.count("RelatedPerson") == 2
    assert kinds.count("PractitionerRole") == 2
    assert kinds.count("Consent") == 3
    assert kinds.count("EpisodeOfCare") == 2
    assert kinds.count("ServiceRequest") == kinds.count("Task") == 2
    assert "Practitioner" not in kinds


def test_the_patient_is_pseudonymous():
    (patient,) = only(fhir.bundle(sample()), "Patient")
    assert set(patient) == {"resourceType", "id", "identifier", "active"}
    assert patient["identifier"] == [
        {"use": "secondary", "system": f"{SYSTEM}/sid/person-pseudonym", "value": "3f2a" * 8}
    ]
    for resource in only(fhir.bundle(sample()), "RelatedPerson"):
        assert "name" not in resource and "telecom" not in resource


def test_the_pseudonym_is_stable_keyed_and_says_nothing_of_the_id():
    assert fhir.pseudonym(42, "key") == fhir.pseudonym(42, "key")
    assert fhir.pseudonym(42, "key") != fhir.pseudonym(42, "another key")
    assert fhir.pseudonym(42, "key") != fhir.pseudonym(43, "key")
    assert "42" not in fhir.pseudonym(42, "key")[:2]


def test_full_urls_are_stable_from_one_export_to_the_next():
    first = fhir.bundle(sample())
    later = fhir.bundle(sample(generated_at=moment(2, 6)))
    assert list(full_urls(first)) == list(full_urls(later))
    assert all(url.startswith("urn:uuid:") for url in full_urls(first))
    other_person = fhir.bundle(sample(pseudonym="9" * 32))
    assert not set(full_urls(first)) & set(full_urls(other_person))


def test_an_agreed_objective_is_accepted_in_its_authors_words():
    document = fhir.bundle(sample())
    (goal,) = only(document, "Goal")
    assert goal["lifecycleStatus"] == "accepted"
    assert goal["description"] == {
        "text": "Que Léa se développe bien, à l'école et avec ses copains."
    }
    assert [t["measure"]["text"] for t in goal["target"]] == [
        "Léa se fait comprendre",
        "Léa a un copain",
    ]
    # Written by the parent (member 3), a RelatedPerson without the legal-representative flag.
    author = by_url(document, goal["expressedBy"])
    assert author["resourceType"] == "RelatedPerson"
    assert len(author["relationship"]) == 1
    (perimeter,) = goal["extension"]
    assert perimeter["url"] == f"{SYSTEM}/StructureDefinition/objective-perimeter"
    assert perimeter["extension"] == [
        {"url": "in", "valueString": "L'école, les loisirs"},
        {"url": "out", "valueString": "La vie à la maison"},
    ]
    assert goal["startDate"] == "2025-01-12"


def test_a_draft_objective_is_a_proposal_and_the_plan_a_draft():
    objective = replace(sample().objective, agreed_at=None, approvals=())
    document = fhir.bundle(sample(objective=objective))
    (goal,) = only(document, "Goal")
    assert goal["lifecycleStatus"] == "proposed"
    assert "startDate" not in goal
    assert only(document, "CarePlan")[0]["status"] == "draft"
    assert not only(document, "Consent")
    assert_valid(document)


def test_an_objective_written_for_the_person_says_so():
    objective = replace(sample().objective, author_id=4, on_behalf_of_id=1)
    document = fhir.bundle(sample(objective=objective))
    (goal,) = only(document, "Goal")
    assert by_url(document, goal["expressedBy"])["resourceType"] == "PractitionerRole"
    behalf = [e for e in goal["extension"] if e["url"].endswith("/written-on-behalf-of")]
    assert by_url(document, behalf[0]["valueReference"])["resourceType"] == "Patient"


def test_without_an_objective_there_is_no_goal_and_the_bundle_still_holds():
    document = fhir.bundle(sample(objective=None))
    assert not only(document, "Goal")
    task = only(document, "Task")[1]
    assert "valueReference" not in str(task["input"])
    assert_valid(document)


def test_each_approval_is_a_consent_of_its_member():
    document = fhir.bundle(sample())
    consents = only(document, "Consent")
    performers = [by_url(document, c["performer"][0])["resourceType"] for c in consents]
    assert performers == ["Patient", "RelatedPerson", "PractitionerRole"]
    assert [c["dateTime"] for c in consents] == [
        "2025-01-11T09:30:00+00:00",
        "2025-01-11T09:30:00+00:00",
        "2025-01-12T09:30:00+00:00",
    ]
    for consent in consents:
        assert consent["meta"]["profile"] == [fhir.PROFILE_CONSENT_ACCORD]
        assert by_url(document, consent["provision"]["data"][0]["reference"])["resourceType"] == (
            "Goal"
        )
    # The plan points to the approvals, as TDDUI's projet personnalisé points to its accords.
    (plan,) = only(document, "CarePlan")
    assert plan["supportingInfo"] == [{"reference": f"urn:uuid:{c['id']}"} for c in consents]


def test_the_legal_representative_is_flagged():
    document = fhir.bundle(sample())
    representative, parent = only(document, "RelatedPerson")
    codes = [c["code"] for r in representative["relationship"] for c in r["coding"]]
    assert codes == ["FAMMEMB", "legal-representative"]
    assert [c["code"] for r in parent["relationship"] for c in r["coding"]] == ["FAMMEMB"]


def test_the_alliance_is_a_care_team_with_periods_and_the_pilot():
    document = fhir.bundle(sample())
    (team,) = only(document, "CareTeam")
    participants = team["participant"]
    assert len(participants) == 5
    pilot = [p for p in participants if "pilot" in str(p["role"])]
    assert len(pilot) == 1
    assert by_url(document, pilot[0]["member"])["resourceType"] == "PractitionerRole"
    assert by_url(document, pilot[0]["onBehalfOf"])["name"] == "SESSAD Les Mouettes"
    teacher = participants[4]
    assert teacher["period"] == {
        "start": "2025-01-05T09:30:00+00:00",
        "end": "2025-03-20T09:30:00+00:00",
    }
    person = participants[0]
    assert by_url(document, person["member"])["resourceType"] == "Patient"
    assert person["period"] == {"start": "2025-01-03T09:30:00+00:00"}
    assert "onBehalfOf" not in person


def test_professionals_are_practitioner_roles_with_organisation_and_function():
    document = fhir.bundle(sample())
    pilot, teacher = only(document, "PractitionerRole")
    assert pilot["code"] == [{"text": "éducatrice"}]
    assert by_url(document, pilot["organization"])["name"] == "SESSAD Les Mouettes"
    assert pilot["active"] is True and teacher["active"] is False
    assert pilot["meta"]["profile"] == [fhir.PROFILE_PRACTITIONER_ROLE]


def test_the_plan_holds_the_goal_the_team_and_the_adopted_means():
    document = fhir.bundle(sample())
    (plan,) = only(document, "CarePlan")
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    assert by_url(document, plan["goal"][0])["resourceType"] == "Goal"
    assert by_url(document, plan["careTeam"][0])["resourceType"] == "CareTeam"
    assert by_url(document, plan["author"])["id"] == only(document, "PractitionerRole")[0]["id"]
    # The author of the objective, the approvers, the means' author and the committed.
    assert len(plan["contributor"]) == 4
    (activity,) = plan["activity"]
    assert activity["detail"]["code"]["text"] == "Inclusion progressive"
    assert activity["detail"]["status"] == "in-progress"
    assert activity["detail"]["scheduledPeriod"] == {"end": "2025-02-10"}
    assert [p["text"] for p in activity["progress"]] == ["Appeler l'école", "Visiter la classe"]
    kept = activity["progress"][1]["extension"][0]["extension"]
    assert {"url": "kept", "valueDateTime": "2025-02-09T09:30:00+00:00"} in kept
    assert {"url": "due", "valueDate": "2025-02-10"} in kept


def test_a_closed_plan_is_completed():
    document = fhir.bundle(sample(closed_on=date(2025, 5, 30)))
    assert only(document, "CarePlan")[0]["status"] == "completed"
    assert only(document, "CareTeam")[0]["status"] == "inactive"
    assert only(document, "Patient")[0]["active"] is False


def test_episodes_have_their_period_status_history_and_organisation():
    document = fhir.bundle(sample())
    sessad, ime = only(document, "EpisodeOfCare")
    assert sessad["status"] == "finished"
    assert sessad["period"] == {"start": "2024-09-01", "end": "2025-03-31"}
    assert sessad["statusHistory"] == [
        {"status": "active", "period": {"start": "2024-09-01", "end": "2025-03-31"}}
    ]
    assert by_url(document, sessad["managingOrganization"])["name"] == "SESSAD Les Mouettes"
    assert by_url(document, sessad["careManager"])["resourceType"] == "PractitionerRole"
    assert ime["status"] == "active"
    # Recorded in January, started in May: it was planned until then.
    assert ime["statusHistory"] == [
        {"status": "planned", "period": {"start": "2025-01-03", "end": "2025-05-01"}}
    ]
    assert ime["type"][1] == {"text": "Unité d'enseignement"}


@pytest.mark.parametrize(
    ("status", "request_status", "task_status"),
    [
        ("proposed", "active", "requested"),
        ("accepted", "active", "accepted"),
        ("declined", "revoked", "rejected"),
        ("completed", "completed", "completed"),
    ],
)
def test_handoff_statuses(status, request_status, task_status):
    handoff = replace(sample().handoffs[1], status=status, decline_reason=None)
    document = fhir.bundle(sample(handoffs=(handoff,)))
    (request,) = only(document, "ServiceRequest")
    (task,) = only(document, "Task")
    assert request["status"] == request_status
    assert task["status"] == task_status
    assert task["businessStatus"]["coding"][0]["code"] == status


def test_a_declined_handoff_has_a_status_reason():
    document = fhir.bundle(sample())
    declined = only(document, "Task")[0]
    assert declined["status"] == "rejected"
    assert declined["statusReason"]["text"] == "Pas de place avant septembre"
    assert declined["statusReason"]["coding"][0]["code"] == "declined-by-service"
    assert "statusReason" not in only(document, "Task")[1]


def test_the_relais_de_sens_travels_with_the_task():
    document = fhir.bundle(sample())
    completed = only(document, "Task")[1]
    inputs = {i["type"]["coding"][0]["code"]: i for i in completed["input"]}
    assert by_url(document, inputs["shared-objective"]["valueReference"])["resourceType"] == "Goal"
    assert inputs["meaning-note"]["valueString"] == (
        "Léa aime dessiner ; elle a besoin de temps le matin."
    )
    assert inputs["objective-passed"]["valueBoolean"] is True
    assert inputs["person-involved"]["valueBoolean"] is True
    assert inputs["services-in-contact"]["valueBoolean"] is True
    assert by_url(document, completed["basedOn"][0])["resourceType"] == "ServiceRequest"
    assert by_url(document, completed["owner"])["name"] == "IME"
    assert completed["executionPeriod"] == {"start": "2025-03-01", "end": "2025-05-02"}
    # The declined one has no meaning note: the checklist says what is missing.
    declined = {i["type"]["coding"][0]["code"]: i for i in only(document, "Task")[0]["input"]}
    assert "meaning-note" not in declined
    assert declined["person-involved"]["valueBoolean"] is False


def test_a_handoff_to_the_person_and_family_goes_to_the_patient():
    handoff = replace(
        sample().handoffs[1], to_person_and_family=True, receiving_organisation_id=None
    )
    document = fhir.bundle(sample(handoffs=(handoff,)))
    (task,) = only(document, "Task")
    assert by_url(document, task["owner"])["resourceType"] == "Patient"
    (request,) = only(document, "ServiceRequest")
    assert by_url(document, request["performer"][0])["resourceType"] == "Patient"
    assert_valid(document)


# Through the app --------------------------------------------------------------------------


@pytest.fixture
def plan(make, app):
    """A plan built through the operations: an agreed objective, an adopted means with a
    commitment, a finished episode, a hand-off declined and one completed."""
    mk = MeansFactory(make)
    tl = TimelineFactory(app)
    members = mk.alliance(legal_representative=True)
    adopted = mk.adopted(members)
    mk.commitment(members["pilot"], adopted, members["family"])
    sessad = tl.episode(members["professional"], start=-300, end=-100)
    ime = tl.episode(members["professional"], "IME Les Pins", kind=EpisodeKind.ime, start=-90)
    declined = tl.handoff(members["professional"], sessad, receiving_organisation="ESAT")
    # The receiving services are not in the plan: the pilot records their answers by phone.
    tl.answer(
        members["pilot"],
        declined,
        "declined",
        reason="Pas de place",
        declined_by=DeclinedBy.service,
        by_phone="Mme Roy",
    )
    done = tl.handoff(
        members["professional"],
        sessad,
        to_episode=ime,
        person_involved=True,
        meaning_note="Ce qui compte pour Léa : ses copains.",
    )
    tl.answer(members["pilot"], done, "accepted", by_phone="Mme Roy")
    tl.answer(members["professional"], done, "completed")
    return {"members": members, "mk": mk, "tl": tl, "sessad": sessad, "adopted": adopted}


def export_log(parcours_id: int, app) -> list[AccessLogEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AccessLogEntry).where(
                    AccessLogEntry.parcours_id == parcours_id, AccessLogEntry.event == "export.fhir"
                )
            )
        )


def test_the_api_answers_a_valid_closed_bundle(plan, api, app):
    person = plan["members"]["person"]
    response = api(person.user).get(f"/api/v1/parcours/{person.parcours_id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    document = response.json
    assert_valid(document)
    kinds = [r["resourceType"] for r in resources_of(document)]
    assert kinds.count("Task") == 2 and kinds.count("EpisodeOfCare") == 2
    (patient,) = only(document, "Patient")
    assert "name" not in patient
    # Nobody's name or address leaves with the file: not the person's, not the members'.
    for member in plan["members"].values():
        assert member.user.name not in response.text
        assert member.user.email not in response.text
    assert not {"name", "birthDate", "telecom", "address"} & set(patient)
    declined, done = only(document, "Task")
    assert declined["statusReason"]["text"] == "Pas de place"
    inputs = {i["type"]["coding"][0]["code"]: i for i in done["input"]}
    assert inputs["meaning-note"]["valueString"] == "Ce qui compte pour Léa : ses copains."
    assert only(document, "Goal")[0]["lifecycleStatus"] == "accepted"
    assert len(export_log(person.parcours_id, app)) == 1


def test_the_same_plan_exports_to_the_same_full_urls(plan, api):
    family = plan["members"]["family"]
    url = f"/api/v1/parcours/{family.parcours_id}/fhir"
    first, second = (api(family.user).get(url).json for _ in range(2))
    assert list(full_urls(first)) == list(full_urls(second))


def test_the_page_downloads_the_file_and_logs_it(plan, sign_in, app):
    family = plan["members"]["legal_representative"]
    response = sign_in(family.user).get(f"/parcours/{family.parcours_id}/export/fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="parcours-{family.parcours_id}.fhir.json"'
    )
    assert_valid(response.json)
    (entry,) = export_log(family.parcours_id, app)
    assert entry.user_id == family.user.id
    assert entry.access.value == "read"


def test_the_log_page_shows_the_export(plan, sign_in, api):
    pilot = plan["members"]["pilot"]
    api(pilot.user).get(f"/api/v1/parcours/{pilot.parcours_id}/fhir")
    page = sign_in(pilot.user).get(f"/parcours/{pilot.parcours_id}/log")
    assert "exported the plan as a FHIR file" in page.text


def test_a_non_member_learns_nothing_and_nothing_is_logged(plan, make, api, app):
    stranger = make.user(professional=True)
    parcours_id = plan["members"]["pilot"].parcours_id
    assert api(stranger).get(f"/api/v1/parcours/{parcours_id}/fhir").status_code == 404
    assert not export_log(parcours_id, app)


def test_the_number_of_queries_does_not_grow_with_the_plan(plan, api, count_queries, make):
    members, mk, tl = plan["members"], plan["mk"], plan["tl"]
    pilot = members["pilot"]
    client = api(pilot.user)
    url = f"/api/v1/parcours/{pilot.parcours_id}/fhir"
    client.get(url)
    with count_queries() as before:
        assert client.get(url).status_code == 200

    for n in range(3):
        make.member(pilot, Role.family if n else Role.professional)
        episode = tl.episode(members["professional"], f"Service {n}", start=-99 + n, end=-95 + n)
        tl.handoff(members["professional"], episode, receiving_organisation=f"Autre {n}")
        mk.commitment(pilot, plan["adopted"], members["person"], action=f"Action {n}")
    second = mk.adopted(members, "Un autre moyen")
    mk.commitment(pilot, second, members["family"])
    with count_queries() as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(only(response.json, "EpisodeOfCare")) == 5
    assert after.count == before.count
