"""Answer links: the receiving service answers a hand-off without an account, when none of
its professionals is a member of the plan."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from parcours.core.models import utcnow
from parcours.core.security_log import SecurityEvent
from parcours.extensions import db
from parcours.plans.models import Role
from parcours.timeline.models import EpisodeKind, HandoffAnswerLink, HandoffEvent
from tests.helpers import access_log_size


@pytest.fixture
def thomas(make, tl):
    """Thomas leaves the IME for a foyer nobody of which is in the plan; Claire sends it."""
    members = make.alliance()
    claire = members["professional"]
    make.agreed_objective(members)
    ime = tl.episode(claire, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-300)
    handoff = tl.handoff(
        claire, ime, receiving_organisation="Foyer Les Glycines", meaning_note="Ses copains."
    )
    base = f"/api/v1/parcours/{claire.parcours_id}/handoffs/{handoff.id}"
    return {**members, "claire": claire, "handoff": handoff, "base": base}


ANSWER = {
    "status": "accepted",
    "name": "Mme Roy",
    "function": "éducatrice",
    "approves_objective": True,
    "in_contact": True,
}


def _link(api, thomas, consent: bool = True) -> str:
    """A new answer link; with `consent`, the person agrees to share the plan with the
    foyer, so that the link opens (tests/plans/test_consent.py tests the wait)."""
    created = api(thomas["claire"].user).post(thomas["base"] + "/answer-link")
    assert created.status_code == 201, created.json
    assert set(created.json) == {"url", "expires_at", "waiting_for_consent"}
    if consent:
        agree(api, thomas, "Foyer Les Glycines")
    return created.json["url"].rsplit("/", 1)[1]


def agree(api, thomas, organisation: str) -> None:
    """The person consents to sharing the plan with the organisation, through the API."""
    person = api(thomas["person"].user)
    consents = person.get(f"/api/v1/parcours/{thomas['claire'].parcours_id}/consents").json
    [waiting] = [c for c in consents["consents"] if c["organisation"] == organisation]
    if waiting["status"] != "given":
        url = f"/api/v1/parcours/{thomas['claire'].parcours_id}/consents/{waiting['id']}"
        assert person.post(url, json={"given": True}).status_code == 200


def test_the_sender_creates_a_link_stored_hashed_for_30_days(app, api, thomas):
    created = api(thomas["claire"].user).post(thomas["base"] + "/answer-link")
    assert created.status_code == 201
    token = created.json["url"].rsplit("/", 1)[1]
    assert created.json["url"].endswith(f"/handoff-answers/{token}")
    with app.app_context():
        [link] = db.session.scalars(db.select(HandoffAnswerLink)).all()
        assert token not in link.digest and len(link.digest) == 64
        lifetime = link.expires_at - utcnow()
        assert timedelta(days=29) < lifetime <= timedelta(days=30)


def test_the_answer_is_attributed_logged_and_feeds_the_relais(app, api, thomas):
    token = _link(api, thomas)
    anonymous = api()
    shown = anonymous.get(f"/api/v1/handoff-answers/{token}")
    assert shown.status_code == 200
    assert set(shown.json) == {
        "receiving_organisation",
        "objective",
        "meaning_note",
        "contact",
        "expires_at",
    }
    assert shown.json["meaning_note"] == "Ses copains."
    assert shown.json["contact"]["name"] == thomas["claire"].user.name
    before = access_log_size(thomas["claire"].parcours_id)
    answered = anonymous.post(f"/api/v1/handoff-answers/{token}", json=ANSWER)
    assert answered.status_code == 200, answered.json
    assert access_log_size(thomas["claire"].parcours_id) > before
    handoff = api(thomas["claire"].user).get(thomas["base"]).json
    assert handoff["status"] == "accepted"
    # The objective approved and the contact confirmed: only the person's part is missing.
    assert handoff["missing"] == ["person"]
    event = handoff["events"][-1]
    assert (event["answered_by"], event["answer_function"], event["answer_organisation"]) == (
        "Mme Roy",
        "éducatrice",
        "Foyer Les Glycines",
    )
    assert event["through_link"] is True
    # Single use: the same 404 as any other link that does not work.
    again = anonymous.post(f"/api/v1/handoff-answers/{token}", json=ANSWER)
    assert again.status_code == 404
    assert again.json["error"] == "answer_link_not_found"


def test_declining_needs_a_reason_and_bad_input_is_a_400_or_422(api, thomas):
    token = _link(api, thomas)
    url = f"/api/v1/handoff-answers/{token}"
    missing = api().post(url, json=ANSWER | {"status": "declined"})
    assert missing.status_code == 422
    assert missing.json["error"] == "missing_reason"
    wrong = api().post(url, json={"status": "maybe"})
    assert wrong.status_code in (400, 422)
    declined = api().post(url, json=ANSWER | {"status": "declined", "reason": "Complet"})
    assert declined.status_code == 200
    handoff = api(thomas["claire"].user).get(thomas["base"]).json
    assert (handoff["status"], handoff["declined_by"]) == ("declined", "service")


@pytest.mark.parametrize("state", ["unknown", "revoked", "expired", "replaced"])
def test_a_link_that_does_not_work_is_the_same_404(app, api, thomas, state):
    token = _link(api, thomas)
    if state == "unknown":
        token = "x" + token[1:]
    elif state == "revoked":
        assert api(thomas["claire"].user).delete(thomas["base"] + "/answer-link").status_code == 204
    elif state == "expired":
        with app.app_context():
            link = db.session.scalars(db.select(HandoffAnswerLink)).one()
            link.expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
    else:
        _link(api, thomas)
    response = api().get(f"/api/v1/handoff-answers/{token}")
    assert (response.status_code, response.json["error"]) == (404, "answer_link_not_found")
    page = api().get(f"/handoff-answers/{token}")
    assert page.status_code == 404


def test_no_link_when_the_receiving_service_is_in_the_plan_or_once_answered(make, api, thomas, tl):
    make.member(
        thomas["claire"],
        Role.professional,
        user=make.user(professional=True, organisation="Foyer Les Glycines"),
    )
    refused = api(thomas["claire"].user).post(thomas["base"] + "/answer-link")
    assert (refused.status_code, refused.json["error"]) == (409, "receiving_service_in_plan")


def test_only_the_sending_side_or_the_pilot_creates_a_link(api, thomas):
    refused = api(thomas["family"].user).post(thomas["base"] + "/answer-link")
    assert (refused.status_code, refused.json["error"]) == (403, "not_sending_side")


def test_the_pages_link_answer_thanks_and_attribution(app, client, sign_in, api, thomas):
    sign_in(thomas["claire"].user)
    pid, hid = thomas["claire"].parcours_id, thomas["handoff"].id
    page = client.get(f"/parcours/{pid}/timeline/handoffs/{hid}")
    assert "Create an answer link" in page.text
    created = client.post(f"/parcours/{pid}/timeline/handoffs/{hid}/answer-link")
    assert created.status_code == 201
    assert "it will not be shown again" in created.text
    field = 'id="answer-link-url" type="text" readonly autocomplete="off" value="'
    url = created.text.split(field)[1].split('"')[0]
    token = url.rsplit("/", 1)[1]
    again = client.get(f"/parcours/{pid}/timeline/handoffs/{hid}")
    assert token not in again.text
    assert "Withdraw the answer link" in again.text
    assert "Waiting for Léa&#39;s agreement to share the plan with Foyer" in again.text
    visitor = app.test_client()
    waiting = visitor.get(f"/handoff-answers/{token}")
    assert waiting.status_code == 409
    assert "En attente de l\u2019accord de Léa" in waiting.text  # French for a visitor
    assert "Ses copains" not in waiting.text
    agree(api, thomas, "Foyer Les Glycines")
    form = visitor.get(f"/handoff-answers/{token}")
    assert form.status_code == 200
    assert "Ses copains." in form.text and 'value="Foyer Les Glycines"' in form.text
    assert thomas["claire"].user.name in form.text
    assert "IME Les Tilleuls" not in form.text  # nothing else of the plan (its episodes)
    thanks = visitor.post(
        f"/handoff-answers/{token}",
        data={
            "name": "Mme Roy",
            "function": "éducatrice",
            "organisation": "Foyer Les Glycines",
            "answer": "accepted",
            "approves_objective": "y",
            "in_contact": "y",
        },
    )
    assert thanks.status_code == 200, thanks.text
    assert "Rejoindre le parcours" in thanks.text  # French by default, signed out
    assert 'href="/login"' in thanks.text
    shown = client.get(f"/parcours/{pid}/timeline/handoffs/{hid}")
    assert "Answered by Mme Roy, éducatrice, Foyer Les Glycines, through the link." in shown.text
    with app.app_context():
        event = db.session.scalars(db.select(HandoffEvent).order_by(HandoffEvent.id.desc())).first()
        assert event.approves_objective and event.in_contact
    gone = visitor.get(f"/handoff-answers/{token}")
    assert gone.status_code == 404
    assert "Ce lien ne fonctionne pas" in gone.text  # French by default, signed out


@pytest.mark.parametrize("visitor", ["anonymous", "outsider", "member"])
def test_the_token_is_the_credential_whoever_opens_it(make, api, client, sign_in, thomas, visitor):
    """The link works the same for anyone holding it, signed in or not; nothing else of the
    plan opens with it (the plan's own pages stay closed to a non-member)."""
    token = _link(api, thomas)
    user = {
        "anonymous": None,
        "outsider": make.user(professional=True),
        "member": thomas["family"].user,
    }[visitor]
    if user is not None:
        sign_in(user)
    assert client.get(f"/handoff-answers/{token}").status_code == 200
    assert api(user).get(f"/api/v1/handoff-answers/{token}").status_code == 200
    if visitor == "outsider":
        pid = thomas["claire"].parcours_id
        assert client.get(f"/parcours/{pid}/timeline").status_code == 404


def test_the_timeline_attributes_the_answer(client, sign_in, api, thomas):
    token = _link(api, thomas)
    assert api().post(f"/api/v1/handoff-answers/{token}", json=ANSWER).status_code == 200
    sign_in(thomas["claire"].user)
    page = client.get(f"/parcours/{thomas['claire'].parcours_id}/timeline")
    assert "Answered by Mme Roy, éducatrice, Foyer Les Glycines, through the link." in page.text


def test_the_link_opens_once_the_person_agrees_and_stops_when_they_withdraw(app, api, thomas):
    token = _link(api, thomas, consent=False)
    visitor = app.test_client()
    waiting = visitor.get(f"/api/v1/handoff-answers/{token}")
    assert waiting.status_code == 409 and waiting.json["error"] == "consent_pending"
    assert "objective" not in waiting.json and "Ses copains" not in waiting.text
    answered = visitor.post(f"/api/v1/handoff-answers/{token}", json=ANSWER)
    assert answered.status_code == 409 and answered.json["error"] == "consent_pending"
    agree(api, thomas, "Foyer Les Glycines")
    assert visitor.get(f"/api/v1/handoff-answers/{token}").status_code == 200
    person = api(thomas["person"].user)
    pid = thomas["claire"].parcours_id
    [consent] = person.get(f"/api/v1/parcours/{pid}/consents").json["consents"]
    withdrawn = person.post(
        f"/api/v1/parcours/{pid}/consents/{consent['id']}", json={"given": False}
    )
    assert withdrawn.json["status"] == "withdrawn"
    assert visitor.get(f"/api/v1/handoff-answers/{token}").status_code == 404
    with app.app_context():
        [link] = db.session.scalars(db.select(HandoffAnswerLink)).all()
        assert link.revoked_at is not None


def test_answer_links_are_rate_limited_per_address_page_and_api_alike(app, client, monkeypatch):
    """The links need no account: one address gets a limited number of visits, then a 429
    that says how long to wait, and the slowing down is in the security log."""
    monkeypatch.setitem(app.config, "ANSWER_LINK_LIMIT", "3 per 15 minutes")
    for _ in range(2):
        assert client.get("/handoff-answers/not-a-token").status_code == 404
    assert client.get("/api/v1/handoff-answers/not-a-token").status_code == 404
    page = client.get("/handoff-answers/not-a-token")
    assert page.status_code == 429 and "Please wait" in page.text
    api = client.get("/api/v1/handoff-answers/not-a-token")
    assert api.status_code == 429 and api.headers["Retry-After"]
    posted = client.post("/api/v1/handoff-answers/not-a-token", json={})
    assert posted.status_code == 429
    with app.app_context():
        events = db.session.scalars(select(SecurityEvent.event)).all()
    assert "answer_link.throttled" in events
