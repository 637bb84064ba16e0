"""What the FHIR export needs about one parcours, loaded in a fixed number of queries (however
many members, episodes, hand-offs or commitments) and handed to the pure mapping as records."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from parcours.alliance.models import ObjectiveVersion
from parcours.core.errors import NotFound
from parcours.core.models import today, utcnow
from parcours.core.navigation import site_url
from parcours.exports import fhir
from parcours.extensions import db
from parcours.means.models import adopted_means
from parcours.plans.models import Parcours
from parcours.plans.operations import members_ever
from parcours.timeline.inputs import ObjectiveApprovers, approvers_of, handoff_data
from parcours.timeline.models import HandoffEventKind, episodes_of, handoffs_of


def fhir_system() -> str:
    """Our base URI for identifiers, codes and extensions: the setting, else this site's."""
    return current_app.config.get("FHIR_SYSTEM") or f"{site_url()}/fhir"


def exported_version(parcours_id: int) -> ObjectiveVersion | None:
    """The version in force (the latest agreed), else the latest draft; with its approvals."""
    return db.session.scalar(
        select(ObjectiveVersion)
        .where(ObjectiveVersion.parcours_id == parcours_id)
        .options(selectinload(ObjectiveVersion.approvals))
        .order_by(ObjectiveVersion.agreed_at.is_(None), ObjectiveVersion.number.desc())
        .limit(1)
    )


def parcours_record(parcours_id: int) -> fhir.ParcoursRecord:
    """Everything the export says about the parcours (ten queries, whatever its size)."""
    parcours = db.session.get(Parcours, parcours_id)
    if parcours is None:
        raise NotFound()
    members = members_ever(parcours_id)
    version = exported_version(parcours_id)
    adopted = adopted_means(parcours_id)
    episodes = episodes_of(parcours_id)
    handoffs = handoffs_of(parcours_id, episodes)
    approvers = approvers_of(parcours_id)

    organisations = {}
    for owner in [*members, *episodes]:
        if owner.organisation is not None:
            organisations[owner.organisation.id] = owner.organisation.name
    for handoff in handoffs:
        if handoff.receiving_organisation is not None:
            organisations[handoff.receiving_organisation.id] = handoff.receiving_organisation.name

    return fhir.ParcoursRecord(
        pseudonym=fhir.pseudonym(parcours.id, current_app.config["SECRET_KEY"]),
        system=fhir_system(),
        today=today(),
        generated_at=utcnow(),
        created_at=parcours.created_at,
        closed_on=parcours.closed_on,
        members=tuple(
            fhir.MemberRecord(
                id=m.id,
                role=m.role.value,
                joined_at=m.joined_at,
                left_at=m.left_at,
                organisation_id=m.organisation_id,
                function=m.function,
                is_pilot=m.is_pilot,
                is_legal_representative=m.is_legal_representative,
            )
            for m in members
        ),
        organisations=tuple(
            fhir.OrganisationRecord(id, name) for id, name in sorted(organisations.items())
        ),
        objective=fhir.ObjectiveRecord(
            number=version.number,
            text=version.text,
            author_id=version.author_id,
            written_at=version.created_at,
            perimeter_in=version.perimeter_in,
            perimeter_out=version.perimeter_out,
            indicators=tuple(version.indicator_list),
            on_behalf_of_id=version.on_behalf_of_id,
            agreed_at=version.agreed_at,
            approvals=tuple(
                fhir.ApprovalRecord(a.member_id, a.created_at) for a in version.approvals
            ),
        )
        if version is not None
        else None,
        means=tuple(
            fhir.MeansRecord(
                id=m.id,
                title=m.title,
                description=m.description,
                carried_by=m.carried_by,
                author_id=m.author_id,
                category=m.category.value if m.category else None,
                category_label=str(m.category.label) if m.category else None,
                commitments=tuple(
                    fhir.CommitmentRecord(
                        id=c.id,
                        member_id=c.member_id,
                        action=c.action,
                        due_on=c.due_on,
                        made_at=c.created_at,
                        kept_at=c.kept_at,
                    )
                    for c in m.commitments
                    # A cancelled commitment is owed no more: the file carries what is owed
                    # or done (its cancellation stays in the plan's history).
                    if not c.is_cancelled
                ),
            )
            for m in adopted
        ),
        episodes=tuple(
            fhir.EpisodeRecord(
                id=e.id,
                kind=e.kind.value,
                kind_label=str(e.kind.label),
                start_date=e.start_date,
                end_date=e.end_date,
                recorded_at=e.created_at,
                label=e.label,
                organisation_id=e.organisation_id,
                referent_id=e.referent_member_id,
            )
            for e in episodes
        ),
        handoffs=tuple(_handoff_record(h, approvers) for h in handoffs),
    )


def _handoff_record(handoff, approvers: ObjectiveApprovers) -> fhir.HandoffRecord:
    relais = handoff_data(handoff, approvers).relais
    receiving = handoff.receiving_organisation_in_effect
    completed = [e.created_at for e in handoff.events if e.kind is HandoffEventKind.completed]
    return fhir.HandoffRecord(
        id=handoff.id,
        from_episode_id=handoff.from_episode_id,
        status=handoff.status.value,
        proposed_on=handoff.proposed_on,
        created_by_id=handoff.created_by_id,
        to_episode_id=handoff.to_episode_id,
        receiving_organisation_id=receiving.id if receiving else None,
        to_person_and_family=handoff.receives_person_and_family,
        objective_passed=relais["objective"],
        person_involved=relais["person"],
        services_in_contact=relais["contact"],
        meaning_note=handoff.meaning_note,
        decline_reason=handoff.decline_reason,
        declined_by=handoff.declined_by.value if handoff.declined_by else None,
        last_changed_at=max((e.created_at for e in handoff.events), default=handoff.created_at),
        completed_at=completed[-1] if completed else None,
    )
