"""API: episodes, hand-offs, the flags of a parcours, and the caseload."""

import math

from flask import request
from flask_login import current_user

from parcours.accounts.throttling import check_answer_link_visit
from parcours.core.api import Merged, api, documented, error, load, load_edit
from parcours.core.audit import record_reads
from parcours.core.errors import StaleVersion
from parcours.core.models import today
from parcours.core.navigation import external_url, page_number
from parcours.extensions import db
from parcours.plans.access import current_member
from parcours.plans.models import Parcours
from parcours.timeline import operations
from parcours.timeline.inputs import approvers_of, as_of, flags_for, handoff_data
from parcours.timeline.messages import (
    confirmation_state,
    confirmation_summary,
    describe,
    next_step,
)
from parcours.timeline.models import (
    HandoffStatus,
    episode_revision,
    episode_revisions,
    episodes_of,
    handoffs_of,
)
from parcours.timeline.schemas import (
    AcknowledgementInputSchema,
    AnswerDoneSchema,
    AnswerInputSchema,
    AnswerLinkSchema,
    AnswerLinkViewSchema,
    CaseloadQuerySchema,
    CaseloadSchema,
    EpisodeDeletionSchema,
    EpisodeInputSchema,
    EpisodeListSchema,
    EpisodePatchSchema,
    EpisodeSchema,
    FlagListSchema,
    FlagOutSchema,
    FlagsQuerySchema,
    HandoffInputSchema,
    HandoffListSchema,
    HandoffOutSchema,
    HandoffPatchSchema,
    PersonConfirmationInputSchema,
)
from parcours.timeline.snapshots import caseload, caseload_filter

CASELOAD_PAGE_SIZE = 100
RECEIVING_FIELDS = ("to_episode_id", "receiving_organisation", "to_person_and_family")
CHECKLIST_FIELDS = ("person_involved", "services_in_contact", "meaning_note")


def _confirmation(record) -> Merged:
    """What the person said of a fact that is theirs, with its state and sentence."""
    return Merged(
        record,
        state=confirmation_state(record),
        summary=confirmation_summary(record, _person_name(record)),
    )


def _person_name(record) -> str:
    return db.session.get(Parcours, record.parcours_id).person_name


def _with_relais(handoff, approvers) -> Merged:
    """A hand-off with its revision and relais de sens, to dump through HandoffOutSchema."""
    facts = handoff_data(handoff, approvers)
    return Merged(
        handoff,
        revision=max((event.id for event in handoff.events), default=0),
        relais=facts.relais,
        missing=list(facts.missing),
        person_confirmation=_confirmation(handoff),
    )


def _episode_row(episode, revision: int) -> Merged:
    return Merged(
        episode,
        revision=revision,
        person_confirmation=_confirmation(episode) if episode.is_pause else None,
    )


def _episode_out(episode, revision: int | None = None) -> dict:
    """An episode with its revision, the one an edit sends back as `base_revision`."""
    if revision is None:
        revision = episode_revision(episode.id)
    return EpisodeSchema().dump(_episode_row(episode, revision))


def _handoff_out(handoff, approvers) -> dict:
    return HandoffOutSchema().dump(_with_relais(handoff, approvers))


@api.get("/parcours/<int:parcours_id>/episodes")
@documented(responses={200: EpisodeListSchema})
def list_episodes(parcours_id: int):
    """The episodes of the parcours, by start date."""
    current_member(parcours_id, reading="timeline")
    revisions = episode_revisions(parcours_id)
    rows = [_episode_row(e, revisions.get(e.id, 0)) for e in episodes_of(parcours_id)]
    return EpisodeListSchema().dump({"episodes": rows})


@api.post("/parcours/<int:parcours_id>/episodes")
@documented(body=EpisodeInputSchema, responses={201: EpisodeSchema})
def create_episode(parcours_id: int):
    """Record an episode (a pause needs `person_agreed`)."""
    member = current_member(parcours_id)
    episode = operations.add_episode(member, **load(EpisodeInputSchema()))
    return _episode_out(episode, 0), 201


@api.get("/parcours/<int:parcours_id>/episodes/<int:episode_id>")
@documented(responses={200: EpisodeSchema})
def get_episode(parcours_id: int, episode_id: int):
    """One episode."""
    current_member(parcours_id, reading="timeline")
    return _episode_out(operations.episode_of(parcours_id, episode_id))


@api.patch("/parcours/<int:parcours_id>/episodes/<int:episode_id>")
@documented(body=EpisodePatchSchema, responses={200: EpisodeSchema}, errors=(409, 428))
def patch_episode(parcours_id: int, episode_id: int):
    """Change some fields of an episode; the others keep their values. `base_revision` (the
    episode's `revision` when the edit started) is required: 409 `stale_version` when someone
    changed it in between, with `current`."""
    member = current_member(parcours_id)
    episode = operations.episode_of(parcours_id, episode_id)
    data = load_edit(EpisodePatchSchema())
    base_revision = data.pop("base_revision")
    current = {
        "kind": episode.kind,
        "organisation": episode.organisation.name if episode.organisation else None,
        "label": episode.label,
        "start_date": episode.start_date,
        "end_date": episode.end_date,
        "referent_member_id": episode.referent_member_id,
        "person_agreed": episode.person_agreed,
    }
    try:
        operations.update_episode(member, episode, **(current | data), base_revision=base_revision)
    except StaleVersion as exc:
        return error(exc.code, exc.message, 409, current=_episode_out(exc.current))
    return _episode_out(episode)


@api.delete("/parcours/<int:parcours_id>/episodes/<int:episode_id>")
@documented(body=EpisodeDeletionSchema, responses={204: None}, errors=(403, 404, 409))
def delete_episode(parcours_id: int, episode_id: int):
    """Delete an episode entered by mistake, with a `reason`: whoever recorded it, or the pilot
    (403 `cannot_delete`); 409 `has_handoffs` when a hand-off starts or ends at it. It leaves
    the timeline, the checks, the caseload and the files; the access log keeps it."""
    member = current_member(parcours_id)
    episode = operations.episode_of(parcours_id, episode_id)
    operations.delete_episode(member, episode, **load(EpisodeDeletionSchema()))
    return "", 204


@api.get("/parcours/<int:parcours_id>/handoffs")
@documented(responses={200: HandoffListSchema})
def list_handoffs(parcours_id: int):
    """The hand-offs of the parcours with their relais de sens and history."""
    current_member(parcours_id, reading="timeline")
    approvers = approvers_of(parcours_id)
    handoffs = handoffs_of(parcours_id, episodes_of(parcours_id))
    rows = [_with_relais(h, approvers) for h in handoffs]
    return HandoffListSchema().dump({"handoffs": rows})


@api.post("/parcours/<int:parcours_id>/handoffs")
@documented(body=HandoffInputSchema, responses={201: HandoffOutSchema})
def create_handoff(parcours_id: int):
    """Propose a hand-off, dated today, status `proposed`."""
    member = current_member(parcours_id)
    handoff = operations.propose_handoff(member, **load(HandoffInputSchema()))
    return _handoff_out(handoff, approvers_of(parcours_id)), 201


@api.get("/parcours/<int:parcours_id>/handoffs/<int:handoff_id>")
@documented(responses={200: HandoffOutSchema})
def get_handoff(parcours_id: int, handoff_id: int):
    """One hand-off with its relais de sens and history."""
    current_member(parcours_id, reading="timeline")
    handoff = operations.handoff_of(parcours_id, handoff_id)
    approvers = approvers_of(parcours_id)
    return _handoff_out(handoff, approvers)


@api.patch("/parcours/<int:parcours_id>/handoffs/<int:handoff_id>")
@documented(body=HandoffPatchSchema, responses={200: HandoffOutSchema}, errors=(403, 409, 428))
def patch_handoff(parcours_id: int, handoff_id: int):
    """Change the receiving side and/or the checklist, then (optionally) the status:
    `{"status": "accepted"}`, `{"status": "declined", "reason": …, "declined_by": …}`,
    `{"status": "completed"}`. Only a member of the receiving side accepts or declines (the
    service's refusal); the pilot may record an answer given by phone with
    `"by_phone": {"name": …}` (who answered); anyone else gets 403 `not_receiving_service`.
    `base_revision` (the hand-off's `revision` when the edit
    started) is required: 409 `stale_version` when it changed in between, with `current`."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    data = load_edit(HandoffPatchSchema())
    try:
        operations.check_handoff_revision(handoff, data["base_revision"])
    except StaleVersion as exc:
        current = _handoff_out(exc.current, approvers_of(parcours_id))
        return error(exc.code, exc.message, 409, current=current)
    if any(name in data for name in RECEIVING_FIELDS + CHECKLIST_FIELDS):
        receiving = {
            "to_episode_id": handoff.to_episode_id,
            "receiving_organisation": handoff.receiving_organisation.name
            if handoff.receiving_organisation
            else None,
            "to_person_and_family": handoff.to_person_and_family,
        }
        if any(name in data for name in RECEIVING_FIELDS):
            # A new receiving side replaces the previous one.
            receiving = {name: data.get(name) for name in RECEIVING_FIELDS}
        checklist = {name: data.get(name, getattr(handoff, name)) for name in CHECKLIST_FIELDS}
        operations.update_handoff(member, handoff, **receiving, **checklist)
    if "status" in data:
        operations.change_status(
            member,
            handoff,
            data["status"],
            reason=data.get("reason"),
            declined_by=data.get("declined_by"),
            by_phone=data["by_phone"]["name"] if data.get("by_phone") else None,
        )
    return _handoff_out(handoff, approvers_of(parcours_id))


@api.post("/parcours/<int:parcours_id>/handoffs/<int:handoff_id>/person-confirmation")
@documented(
    body=PersonConfirmationInputSchema, responses={200: HandoffOutSchema}, errors=(403, 409)
)
def confirm_handoff(parcours_id: int, handoff_id: int):
    """The person, or their current legal representative, says whether they took part in the
    transition a member declared (`{"confirmed": true}` or `false`): only then does the
    relais de sens hold its element "person". 403 `not_the_person` for anyone else; 409
    `nothing_to_confirm` when nobody declared it."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    data = load(PersonConfirmationInputSchema())
    operations.confirm_person_involved(member, handoff, data["confirmed"])
    return _handoff_out(handoff, approvers_of(parcours_id))


@api.post("/parcours/<int:parcours_id>/episodes/<int:episode_id>/person-confirmation")
@documented(body=PersonConfirmationInputSchema, responses={200: EpisodeSchema}, errors=(403, 409))
def confirm_episode(parcours_id: int, episode_id: int):
    """The person, or their current legal representative, says whether they chose this pause
    (`{"confirmed": true}` or `false`): until they say yes, it is a gap like any other. 403
    `not_the_person` for anyone else; 409 `nothing_to_confirm` for a service."""
    member = current_member(parcours_id)
    episode = operations.episode_of(parcours_id, episode_id)
    data = load(PersonConfirmationInputSchema())
    operations.confirm_pause(member, episode, data["confirmed"])
    return _episode_out(episode)


@api.post("/parcours/<int:parcours_id>/handoffs/<int:handoff_id>/answer-link")
@documented(responses={201: AnswerLinkSchema}, errors=(403, 409))
def create_answer_link(parcours_id: int, handoff_id: int):
    """An answer link for the receiving service when none of its professionals is a member:
    single-use, valid 30 days, shown once (any earlier link stops working). By the sending
    side or the pilot (403 `not_sending_side`); 409 `receiving_service_in_plan` when a member
    of the receiving service answers it themselves, `handoff_answered` once answered,
    `no_receiving_service` for a hand-off to the person and family. When the plan is not
    shared with the receiving organisation yet, the person's consent is asked: the link
    opens once given (`waiting_for_consent` says so)."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    link, token = operations.create_answer_link(member, handoff)
    url = external_url("timeline.answer_page", token=token)
    waiting = operations.link_waits_for_consent(handoff)
    out = {"url": url, "expires_at": link.expires_at, "waiting_for_consent": waiting}
    return AnswerLinkSchema().dump(out), 201


@api.delete("/parcours/<int:parcours_id>/handoffs/<int:handoff_id>/answer-link")
@documented(responses={204: None}, errors=(403,))
def revoke_answer_link(parcours_id: int, handoff_id: int):
    """Withdraw the hand-off's answer link (404 `answer_link_not_found` when none works)."""
    member = current_member(parcours_id)
    handoff = operations.handoff_of(parcours_id, handoff_id)
    operations.revoke_answer_link(member, handoff)
    return "", 204


@api.get("/handoff-answers/<token>")
@documented(responses={200: AnswerLinkViewSchema}, errors=(409, 429))
def get_handoff_answer(token: str):
    """What an answer link shows, without an account: the objective in force, the meaning
    note and whom to contact. 404 `answer_link_not_found` for any link that does not work
    (unknown, expired, used or withdrawn alike); 409 `consent_pending` while the person has
    not agreed to share the plan with the receiving organisation. 429 after too many visits
    from one address (PARCOURS_ANSWER_LINK_LIMIT)."""
    check_answer_link_visit()
    view = operations.open_answer_link(token)
    operations.record_link_opened(view)
    return AnswerLinkViewSchema().dump(view)


@api.post("/handoff-answers/<token>")
@documented(body=AnswerInputSchema, responses={200: AnswerDoneSchema}, errors=(429,))
def post_handoff_answer(token: str):
    """The receiving professional answers through the link, without an account: `accepted`
    or `declined` (with a `reason`), with their `name`, `function` (and `organisation`,
    by default the receiving one), whether they approve the objective and whether the
    services were in contact. The link is then used up. 409 `consent_pending` while the
    person has not agreed to share the plan with the receiving organisation. 429 after too
    many visits from one address."""
    check_answer_link_visit()
    data = load(AnswerInputSchema())
    operations.answer_through_link(token, **(data | {"status": HandoffStatus(data["status"])}))
    return AnswerDoneSchema().dump({"status": data["status"], "answered_by": data["name"]})


@api.get("/parcours/<int:parcours_id>/flags")
@documented(responses={200: FlagListSchema}, query=FlagsQuerySchema)
def list_flags(parcours_id: int):
    """The flags of the parcours as of `?today=YYYY-MM-DD` (default today), most severe first."""
    member = current_member(parcours_id, reading="timeline")
    on = as_of(request.args.get("today"))
    flags = flags_for([parcours_id], on)[parcours_id]
    name = member.parcours.person_name
    close = not member.is_professional
    rows = [
        Merged(flag, message=describe(flag, name), next_step=next_step(flag, close))
        for flag in flags
    ]
    return FlagListSchema().dump({"today": on, "flags": rows})


@api.post("/parcours/<int:parcours_id>/flags/<key>/acknowledgement")
@documented(body=AcknowledgementInputSchema, responses={201: FlagOutSchema}, errors=(403, 409))
def acknowledge_flag(parcours_id: int, key: str):
    """Answer a flag raised today, with a note saying what is being done (the pilot or a
    professional member): it stays, answered, and leaves the caseload's urgent order."""
    member = current_member(parcours_id)
    data = load(AcknowledgementInputSchema())
    flag = operations.acknowledge_flag(member, key, data["note"])
    name = member.parcours.person_name
    out = Merged(flag, message=describe(flag, name), next_step=next_step(flag, False))
    return FlagOutSchema().dump(out), 201


@api.get("/caseload")
@documented(responses={200: CaseloadSchema}, query=CaseloadQuerySchema)
def get_caseload():
    """Every parcours of the user, most urgent first, with its open flags by kind and what
    waits for the user's answer. `?kind=` keeps those with a flag of that kind, `?q=` those
    whose person's name holds the words, `?organisation=` those where an organisation takes
    part, `?awaiting=me` those waiting for the user's answer; `?order=activity` puts the
    latest activity first, `?order=name` sorts by name; `?page=` pages through 100 at a
    time."""
    page = page_number()
    entries = caseload(current_user, today(), caseload_filter(request.args))
    pages = max(math.ceil(len(entries) / CASELOAD_PAGE_SIZE), 1)
    shown = entries[(page - 1) * CASELOAD_PAGE_SIZE : page * CASELOAD_PAGE_SIZE]
    record_reads([e.parcours_id for e in shown], current_user, "caseload")
    return CaseloadSchema().dump(
        {"parcours": shown, "total": len(entries), "page": page, "pages": pages}
    )
