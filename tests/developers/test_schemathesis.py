"""Schemathesis against the WSGI app: for every operation of the generated OpenAPI document,
requests generated from it (as a member of a seeded parcours) never get a 500, and every
response conforms to the document: its status, content type, body schema and headers.

Seeded and derandomized, a few examples per operation: it runs in well under a minute.
Found this way: an id too large for the columns answered 405 instead of 404 on PATCH
(tests/developers/test_openapi.py keeps it fixed)."""

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from parcours.accounts.models import ApiToken
from parcours.extensions import db
from parcours.timeline.models import EpisodeKind
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Examples per operation: valid requests, then requests that break the document (wrong types,
# missing fields, values out of range…), which must be refused with a documented status.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
UNKNOWN_ID = 2_000_000_000


@pytest.fixture
def seeded(make, api, app):
    """A parcours with an agreed objective, a pilot, means (open and adopted), a commitment,
    a review, episodes, hand-offs and a pending invitation; the pilot's token."""
    mk = MeansFactory(make)
    members = mk.alliance()
    pilot = members["pilot"]
    open_means = mk.means(members["family"])
    adopted = mk.adopted(members)
    commitment = mk.commitment(pilot, adopted, members["family"])
    review = mk.review(members["family"])
    tl = TimelineFactory(app)
    first = tl.episode(members["professional"], start=-300, end=-100)
    second = tl.episode(members["professional"], "IME Les Tilleuls", start=-90)
    handoff = tl.handoff(members["professional"], first, to_episode=second)
    # Waiting for the person's confirmation: a hand-off they took part in, a pause.
    declared = tl.handoff(members["professional"], first, to_episode=second, person_involved=True)
    pause = tl.episode(members["professional"], kind=EpisodeKind.pause, start=-99, end=-91)
    token = make.api_token(pilot.user)
    make.api_token(pilot.user, label="another")  # one to list and revoke
    with app.app_context():
        other_token = db.session.scalar(db.select(db.func.max(ApiToken.id)))
    invitation = (
        api(pilot.user)
        .post(f"/api/v1/parcours/{pilot.parcours_id}/invitations", json={"role": "family"})
        .json
    )
    # A professional of a service new to the plan: the person's consent waits.
    api(pilot.user).post(
        f"/api/v1/parcours/{pilot.parcours_id}/invitations",
        json={"role": "professional", "organisation": "SAVS Les Passerelles"},
    )
    consents = api(pilot.user).get(f"/api/v1/parcours/{pilot.parcours_id}/consents").json
    # A discussion under the objective: the pilot's message (theirs to edit) and a reply.
    comments = f"/api/v1/parcours/{pilot.parcours_id}/comments"
    own = api(pilot.user).post(comments, json={"about": "objective", "text": "Une question."})
    reply = api(members["family"].user).post(
        comments, json={"about": "objective", "text": "Oui.", "reply_to": own.json["id"]}
    )
    # A statement the pilot wrote (it waits for the person's signature).
    statement = api(pilot.user).post(
        f"/api/v1/parcours/{pilot.parcours_id}/statements",
        json={"text": "Il manque un atelier.", "territory": "37"},
    )
    # The values each path parameter takes: a real one, and one that does not exist.
    values = {
        "parcours_id": [pilot.parcours_id],
        "means_id": [open_means.id, adopted.id],
        "commitment_id": [commitment.id],
        "review_id": [review.id],
        "comment_id": [own.json["id"], reply.json["id"]],
        "statement_id": [statement.json["id"]],
        "episode_id": [first.id, second.id, pause.id],
        "handoff_id": [handoff.id, declared.id],
        "number": [1, 2],
        "invitation_id": [invitation["id"]],
        "consent_id": [c["id"] for c in consents["consents"]],
        "member_id": [members["family"].id, pilot.id],
        "token": [invitation["token"]],
        "token_id": [other_token],
        # A flag the seeded plan raises (the hand-off's relais de sens lacks elements).
        "key": [f"missing_relais_de_sens-h{handoff.id}"],
    }
    return token, {name: [*ids, UNKNOWN_ID] for name, ids in values.items()}


def pinned(document: dict, values: dict) -> dict:
    """The document with each path parameter limited to the seeded values (the requests then
    reach real rows; the responses are checked against the document as served)."""
    document = copy.deepcopy(document)
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    ids = values[parameter["name"]]
                    if parameter["schema"]["type"] == "string":
                        ids = [str(value) for value in ids]
                    parameter["schema"] = {**parameter["schema"], "enum": ids}
    return document


def savepoint():
    """Each case starts from the seeded data: its writes are rolled back."""
    return db.session.session_factory.kw["bind"].begin_nested()


def test_the_api_conforms_to_its_description(app, client, seeded):
    token, values = seeded
    document = client.get("/api/v1/openapi.json").json
    schema = schemathesis.openapi.from_dict(pinned(document, values))
    schema.app = app
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in document["paths"].values())

    runs = [
        (operation, mode)
        for operation in operations
        for mode in EXAMPLES
        # Nothing to break in an operation that takes no input.
        if mode is GenerationMode.POSITIVE
        or operation.definition.raw.get("parameters")
        or operation.definition.raw.get("requestBody")
    ]
    for operation, mode in runs:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            transaction = savepoint()
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.rollback()

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)
