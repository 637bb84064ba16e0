"""The timeline's JSON API: episodes, hand-offs, flags and the caseload."""

from datetime import timedelta

import pytest

from parcours.core.models import today
from parcours.plans.models import Member, Role
from parcours.timeline.models import EpisodeKind


def _day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def _base(member: Member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}"


EPISODE = {
    "organisation": "SESSAD Les Mouettes",
    "kind": "sessad",
    "label": "",
    "start_date": None,
    "end_date": None,
}


# --- Episodes ------------------------------------------------------------------------------


def test_create_list_read_and_patch_episodes(api, make):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    client = api(family.user)
    created = client.post(
        _base(pro) + "/episodes",
        json=EPISODE | {"start_date": _day(-300), "referent_member_id": pro.id},
    )
    assert created.status_code == 201
    episode = created.json
    assert episode["organisation"] == "SESSAD Les Mouettes"
    assert episode["display_label"] == "SESSAD Les Mouettes"
    assert (episode["end_date"], episode["referent_member_id"]) == (None, pro.id)
    url = f"{_base(pro)}/episodes/{episode['id']}"
    patched = client.edit(url, json={"end_date": _day(-10)})
    assert patched.status_code == 200
    assert patched.json["end_date"] == _day(-10)
    assert patched.json["organisation"] == "SESSAD Les Mouettes"  # unchanged
    assert client.get(url).json["end_date"] == _day(-10)
    listed = client.get(_base(pro) + "/episodes").json["episodes"]
    assert [e["id"] for e in listed] == [episode["id"]]
    reopened = client.edit(url, json={"end_date": None})
    assert reopened.json["end_date"] is None


def test_a_pause_through_the_api(api, make):
    pro = make.parcours()
    client = api(pro.user)
    refused = client.post(
        _base(pro) + "/episodes",
        json={"kind": "pause", "start_date": _day(-10)},
    )
    assert refused.status_code == 422
    assert refused.json["error"] == "pause_not_agreed"
    created = client.post(
        _base(pro) + "/episodes",
        json={"kind": "pause", "start_date": _day(-10), "person_agreed": True},
    )
    assert created.status_code == 201
    assert created.json["person_agreed"] is True
    assert created.json["organisation"] is None


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"start_date": "2025-02-30"}, 422, "invalid"),
        ({"start_date": "yesterday"}, 422, "invalid"),
        ({"start_date": None}, 422, "invalid"),
        ({"end_date": "2020-01-01"}, 422, "end_before_start"),
        ({"kind": "prison"}, 422, "invalid"),
        ({"kind": None}, 422, "invalid"),
        ({"organisation": None}, 422, "missing_organisation"),
        ({"organisation": "x" * 121}, 422, "invalid"),
        ({"start_date": "1800-01-01"}, 422, "date_out_of_range"),
        ({"end_date": "9999-12-31"}, 422, "date_out_of_range"),
        ({"referent_member_id": "2"}, 422, "invalid"),
        ({"referent_member_id": 999_999}, 422, "invalid_referent"),
        ({"referent_member_id": 10**20}, 422, "invalid"),
    ],
)
def test_bad_episodes_get_a_clear_error(api, make, body, status, error):
    pro = make.parcours()
    response = api(pro.user).post(
        _base(pro) + "/episodes", json=EPISODE | {"start_date": _day(-300)} | body
    )
    assert response.status_code == status
    assert response.json["error"] == error
    assert response.json["message"]


def test_a_body_that_is_not_a_json_object_is_a_400(api, make):
    pro = make.parcours()
    response = api(pro.user).post(
        _base(pro) + "/episodes", data="[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["message"] == "The request body must be a JSON object."


def test_huge_ids_in_the_url_are_a_404(api, make):
    pro = make.parcours()
    client = api(pro.user)
    assert client.get("/api/v1/parcours/99999999999999999999/flags").status_code == 404
    assert client.get(_base(pro) + "/episodes/99999999999999999999").status_code == 404


def test_an_episode_of_another_plan_is_a_404(api, make, tl):
    pro, other = make.parcours(), make.parcours()
    episode = tl.episode(other)
    client = api(pro.user)
    assert client.get(f"{_base(pro)}/episodes/{episode.id}").status_code == 404
    response = client.patch(
        f"{_base(pro)}/episodes/{episode.id}", json={"end_date": None, "base_revision": 0}
    )
    assert response.status_code == 404
    assert response.json["message"] == "This episode does not exist."


# --- Hand-offs -----------------------------------------------------------------------------


@pytest.fixture
def path(make, tl):
    members = make.alliance()
    pro = members["professional"]
    make.agreed_objective(members)
    sessad = tl.episode(pro, "SESSAD Les Mouettes", start=-300, end=-5)
    ime = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-4)
    # Julien works at the IME: he answers the hand-offs to it.
    julien = make.member(
        pro, Role.professional, user=make.user(professional=True, organisation="IME Les Tilleuls")
    )
    return {**members, "pro": pro, "sessad": sessad, "ime": ime, "julien": julien}


def test_propose_a_handoff_then_answer_it(api, path):
    client = api(path["person"].user)
    created = client.post(
        _base(path["pro"]) + "/handoffs",
        json={
            "from_episode_id": path["sessad"].id,
            "to_episode_id": path["ime"].id,
            "person_involved": True,
            "services_in_contact": False,
            "meaning_note": "Ce qui compte pour Léa.",
        },
    )
    assert created.status_code == 201
    handoff = created.json
    assert (handoff["status"], handoff["proposed_on"]) == ("proposed", _day(0))
    assert handoff["receiving_organisation"] == "IME Les Tilleuls"
    assert handoff["receiving_label"] == "IME Les Tilleuls"
    assert handoff["relais"] == {
        "objective": False,
        "person": True,
        "meaning_note": True,
        "contact": False,
    }
    assert handoff["missing"] == ["objective", "contact"]
    assert [e["kind"] for e in handoff["events"]] == ["proposed"]
    url = f"{_base(path['pro'])}/handoffs/{handoff['id']}"
    # Only the receiving service answers: the person's acceptance is refused, edit included.
    refused = client.edit(url, json={"services_in_contact": True, "status": "accepted"})
    assert refused.status_code == 403
    assert refused.json["error"] == "not_receiving_service"
    assert client.get(url).json["services_in_contact"] is False
    patched = client.edit(url, json={"services_in_contact": True})
    assert patched.status_code == 200
    accepted = api(path["julien"].user).edit(url, json={"status": "accepted"})
    assert accepted.status_code == 200
    patched = accepted
    assert patched.json["status"] == "accepted"
    assert patched.json["missing"] == ["objective"]
    assert [e["kind"] for e in patched.json["events"]] == ["proposed", "edited", "accepted"]
    assert patched.json["events"][-1]["member"]["id"] == path["julien"].id
    assert patched.json["events"][-1]["answered_by"] is None
    done = client.edit(url, json={"status": "completed"})
    assert done.json["status"] == "completed"
    assert client.get(url).json["status"] == "completed"
    listed = client.get(_base(path["pro"]) + "/handoffs").json["handoffs"]
    assert [h["id"] for h in listed] == [handoff["id"]]


def test_decline_needs_a_reason_and_who_declined(api, path, tl):
    handoff = tl.handoff(path["pro"], path["sessad"], receiving_organisation="IME Les Tilleuls")
    client = api(path["family"].user)
    url = f"{_base(path['pro'])}/handoffs/{handoff.id}"
    missing = client.edit(url, json={"status": "declined", "declined_by": "person"})
    assert missing.status_code == 422
    assert missing.json["error"] == "missing_reason"
    nobody = client.edit(url, json={"status": "declined", "reason": "Non"})
    assert nobody.status_code == 422
    assert nobody.json["error"] == "missing_declined_by"
    wrong = client.edit(url, json={"status": "declined", "reason": "Non", "declined_by": "x"})
    assert wrong.status_code == 422
    body = {"status": "declined", "reason": "Pas de place", "declined_by": "service"}
    not_theirs = client.edit(url, json=body)
    assert not_theirs.status_code == 403
    assert not_theirs.json["error"] == "not_receiving_service"
    client = api(path["julien"].user)
    declined = client.edit(url, json=body)
    assert declined.status_code == 200
    body = declined.json
    assert (body["status"], body["declined_by"], body["decline_reason"]) == (
        "declined",
        "service",
        "Pas de place",
    )
    assert body["events"][-1]["member"]["id"] == path["julien"].id


@pytest.mark.parametrize("status", ["accepted", "declined"])
def test_the_pilot_records_an_answer_given_by_phone(api, path, tl, status):
    handoff = tl.handoff(path["pro"], path["sessad"], receiving_organisation="ESAT du Val")
    url = f"{_base(path['pro'])}/handoffs/{handoff.id}"
    body = {"status": status, "reason": "Plus de place", "declined_by": "service"}
    by_phone = body | {"by_phone": {"name": "Mme Roy"}}
    # Nobody of the ESAT is a member: the sender cannot answer for it, even "by phone".
    for refused in (body, by_phone):
        response = api(path["pro"].user).edit(url, json=refused)
        assert response.status_code == 403
        assert response.json["error"] == "not_receiving_service"
    assert (
        api(path["pro"].user)
        .designate_pilot(path["pro"].parcours_id, path["family"].id)
        .status_code
        == 200
    )
    empty = api(path["family"].user).edit(url, json=body | {"by_phone": {"name": ""}})
    assert empty.status_code == 422
    answered = api(path["family"].user).edit(url, json=by_phone)
    assert answered.status_code == 200, answered.json
    assert answered.json["status"] == status
    event = answered.json["events"][-1]
    assert (event["member"]["id"], event["answered_by"]) == (path["family"].id, "Mme Roy")


@pytest.mark.parametrize(
    ("steps", "wanted"),
    [
        ([], "completed"),
        ([], "proposed"),
        (["accepted"], "accepted"),
        (["accepted"], "declined"),
        (["accepted", "completed"], "accepted"),
    ],
)
def test_transitions_out_of_order_are_a_409(api, path, tl, steps, wanted):
    handoff = tl.handoff(path["pro"], path["sessad"], to_person_and_family=True)
    # A hand-off to the person and family: they answer it.
    for step in steps:
        tl.answer(path["family"], handoff, step)
    body = {"status": wanted, "reason": "Non", "declined_by": "person"}
    response = api(path["person"].user).edit(
        f"{_base(path['pro'])}/handoffs/{handoff.id}", json=body
    )
    assert response.status_code == 409
    assert response.json["error"] == "invalid_transition"
    assert "cannot be marked" in response.json["message"]


def test_a_refused_status_change_keeps_the_checklist_unchanged(api, path, tl):
    handoff = tl.handoff(path["pro"], path["sessad"], to_person_and_family=True)
    client = api(path["pro"].user)
    url = f"{_base(path['pro'])}/handoffs/{handoff.id}"
    refused = client.edit(url, json={"meaning_note": "Une note", "status": "completed"})
    assert refused.status_code == 409
    assert client.get(url).json["meaning_note"] == ""


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"from_episode_id": "other"}, "invalid_from_episode"),
        ({"from_episode_id": 999_999}, "invalid_from_episode"),
        ({"from_episode_id": None}, "invalid"),
        ({"from_episode_id": 10**20}, "invalid"),
        ({"to_episode_id": -1}, "invalid"),
        ({"from_episode_id": "3"}, "invalid"),
        ({}, "missing_receiver"),
        ({"to_episode_id": "other"}, "invalid_to_episode"),
        ({"to_episode_id": "ime", "to_person_and_family": True}, "several_receivers"),
        ({"receiving_organisation": "x" * 121}, "invalid"),
        ({"to_person_and_family": True, "meaning_note": "x" * 4001}, "invalid"),
    ],
)
def test_bad_handoffs_get_a_clear_error(api, make, tl, path, body, error):
    other = make.parcours()
    foreign = tl.episode(other)
    ids = {"other": foreign.id, "ime": path["ime"].id}
    body = {"from_episode_id": path["sessad"].id} | {
        key: ids.get(value, value) if isinstance(value, str) and value in ids else value
        for key, value in body.items()
    }
    response = api(path["pro"].user).post(_base(path["pro"]) + "/handoffs", json=body)
    assert response.status_code == 422
    assert response.json["error"] == error
    assert response.json["message"]


def test_patching_the_receiving_side(api, path, tl):
    handoff = tl.handoff(path["pro"], path["sessad"], receiving_organisation="IME Les Tilleuls")
    client = api(path["pro"].user)
    url = f"{_base(path['pro'])}/handoffs/{handoff.id}"
    linked = client.edit(url, json={"to_episode_id": path["ime"].id})
    assert linked.status_code == 200
    assert (linked.json["to_episode_id"], linked.json["receiving_organisation"]) == (
        path["ime"].id,
        "IME Les Tilleuls",
    )
    family = client.edit(url, json={"to_person_and_family": True})
    assert family.json["to_person_and_family"] is True
    assert family.json["to_episode_id"] is None


def test_a_declined_handoff_cannot_be_patched(api, path, tl):
    handoff = tl.handoff(path["pro"], path["sessad"], to_person_and_family=True)
    from parcours.timeline.models import DeclinedBy

    tl.answer(path["person"], handoff, "declined", reason="Non", declined_by=DeclinedBy.person)
    response = api(path["pro"].user).edit(
        f"{_base(path['pro'])}/handoffs/{handoff.id}", json={"person_involved": True}
    )
    assert response.status_code == 409
    assert response.json["error"] == "handoff_declined"


# --- Flags ---------------------------------------------------------------------------------


def test_the_flags_of_a_parcours(api, path, tl):
    tl.handoff(path["pro"], path["sessad"], to_episode=path["ime"], proposed_on=-10)
    client = api(path["pro"].user)
    response = client.get(_base(path["pro"]) + "/flags")
    assert response.status_code == 200
    assert response.json["today"] == _day(0)
    flag, not_shared = response.json["flags"]
    # Julien, of the IME that accompanies Léa now, has not approved the objective in force.
    assert not_shared["kind"] == "objective_not_shared_with_current"
    assert not_shared["key"] == f"objective_not_shared_with_current-e{path['ime'].id}"
    assert not_shared["severity"] == "medium"
    assert "IME Les Tilleuls" in not_shared["message"] and not_shared["next_step"]
    assert flag["kind"] == "missing_relais_de_sens"
    assert flag["severity"] == "medium"
    assert flag["missing"] == ["objective", "person", "meaning_note", "contact"]
    assert flag["handoff_id"] and flag["episode_id"] == path["sessad"].id
    assert flag["key"] == f"missing_relais_de_sens-h{flag['handoff_id']}"
    assert flag["past"] is False
    assert flag["start"] == flag["end"] == _day(-10)
    assert flag["message"].startswith("The hand-off from SESSAD Les Mouettes to IME Les")
    assert flag["next_step"] == "Invite IME Les Tilleuls to approve the objective in force."


def test_the_flags_as_of_a_date(api, path):
    response = api(path["pro"].user).get(
        _base(path["pro"]) + "/flags", query_string={"today": _day(-2 + -2)}
    )
    # As of 4 days ago, the SESSAD had just ended with no hand-off (the IME starts today-4,
    # and does not share the objective in force).
    kinds = ["missing_handoff", "objective_not_shared_with_current"]
    assert [f["kind"] for f in response.json["flags"]] == kinds
    later = api(path["pro"].user).get(
        _base(path["pro"]) + "/flags", query_string={"today": _day(-1)}
    )
    assert [f["kind"] for f in later.json["flags"]] == kinds


def test_an_ongoing_rupture_has_no_end(api, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-30)
    flags = api(pro.user).get(_base(pro) + "/flags").json["flags"]
    ongoing = flags[0]
    assert (ongoing["kind"], ongoing["severity"], ongoing["end"]) == (
        "ongoing_rupture",
        "critical",
        None,
    )
    assert ongoing["key"] == f"rupture-e{ongoing['episode_id']}" and ongoing["past"] is False
    assert ongoing["start"] == _day(-29) and ongoing["days"] == 30


@pytest.mark.parametrize("value", ["2025-02-30", "soon", "0900-01-01"])
def test_bad_as_of_dates_are_a_400(api, path, value):
    response = api(path["pro"].user).get(
        _base(path["pro"]) + "/flags", query_string={"today": value}
    )
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert response.json["message"]


# --- Caseload ------------------------------------------------------------------------------


def test_the_caseload(api, make, tl):
    user = make.user(professional=True)
    calm = make.parcours(user, person_name="Anna")
    tl.episode(calm, "ESAT du Val", start=-100)
    waiting = make.parcours(user, person_name="Zoé")
    tl.episode(waiting, start=-100, end=-40)
    client = api(user)
    body = client.get("/api/v1/caseload").json
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    first, second = body["parcours"]
    assert first["person_name"] == "Zoé"
    assert first["ongoing_rupture"] is True
    assert first["highest_severity"] == "critical"
    assert first["counts"] == {"ongoing_rupture": 1, "missing_handoff": 1}
    assert first["current_services"] == []
    assert first["role"] == "professional"
    assert second["current_services"] == ["ESAT du Val"]
    assert second["flag_count"] == 0 and second["highest_severity"] is None
    assert second["last_handoff_on"] is None and second["days_since_last_handoff"] is None
    filtered = client.get("/api/v1/caseload?kind=missing_handoff").json
    assert [p["person_name"] for p in filtered["parcours"]] == ["Zoé"]
    bad = client.get("/api/v1/caseload?kind=nothing")
    assert bad.status_code == 400
    assert bad.json["error"] == "invalid_kind"
    empty_page = client.get("/api/v1/caseload?page=3").json
    assert empty_page["parcours"] == [] and empty_page["total"] == 2


def test_a_stale_base_revision_is_refused_with_the_current_hand_off(api, path, tl):
    handoff = tl.handoff(path["pro"], path["sessad"], receiving_organisation="ESAT du Val")
    url = f"{_base(path['pro'])}/handoffs/{handoff.id}"
    revision = api(path["pro"].user).get(url).json["revision"]
    first = api(path["family"].user).patch(
        url, json={"meaning_note": "Ses copains.", "base_revision": revision}
    )
    assert first.status_code == 200 and first.json["revision"] > revision
    second = api(path["pro"].user).patch(
        url, json={"meaning_note": "Le jardin.", "base_revision": revision}
    )
    assert second.status_code == 409
    assert second.json["error"] == "stale_version"
    assert second.json["current"]["meaning_note"] == "Ses copains."
    assert api(path["pro"].user).get(url).json["meaning_note"] == "Ses copains."


@pytest.mark.parametrize("base_revision", ["missing", None])
def test_an_edit_without_its_base_revision_is_a_428(api, path, tl, base_revision):
    handoff = tl.handoff(path["pro"], path["sessad"], receiving_organisation="ESAT du Val")
    client = api(path["pro"].user)
    extra = {} if base_revision == "missing" else {"base_revision": base_revision}
    for url, body in (
        (f"{_base(path['pro'])}/episodes/{path['sessad'].id}", {"label": "Unité A"}),
        (f"{_base(path['pro'])}/handoffs/{handoff.id}", {"meaning_note": "Ses copains."}),
        (f"{_base(path['pro'])}/handoffs/{handoff.id}", {"status": "accepted"}),
    ):
        response = client.patch(url, json=body | extra)
        assert response.status_code == 428, url
        assert response.json["error"] == "revision_required"
        assert "base_revision" in response.json["message"]
    assert client.get(f"{_base(path['pro'])}/episodes/{path['sessad'].id}").json["label"] == ""
    unchanged = client.get(f"{_base(path['pro'])}/handoffs/{handoff.id}").json
    assert (unchanged["status"], unchanged["meaning_note"]) == ("proposed", "")


def test_the_428_message_is_in_french(api, path):
    response = api(path["pro"].user).patch(
        f"{_base(path['pro'])}/episodes/{path['sessad'].id}",
        json={"label": "Unité A"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 428
    assert "Envoyez base_revision" in response.json["message"]


def test_a_stale_base_revision_is_refused_with_the_current_episode(api, path):
    url = f"{_base(path['pro'])}/episodes/{path['sessad'].id}"
    revision = api(path["pro"].user).get(url).json["revision"]
    listed = api(path["pro"].user).get(f"{_base(path['pro'])}/episodes").json["episodes"]
    assert {e["id"]: e["revision"] for e in listed}[path["sessad"].id] == revision
    first = api(path["family"].user).patch(
        url, json={"label": "Unité A", "base_revision": revision}
    )
    assert first.status_code == 200 and first.json["revision"] > revision
    second = api(path["pro"].user).patch(url, json={"label": "Unité B", "base_revision": revision})
    assert second.status_code == 409
    assert second.json["error"] == "stale_version"
    assert second.json["current"]["label"] == "Unité A"
    assert second.json["current"]["revision"] == first.json["revision"]
    assert api(path["pro"].user).get(url).json["label"] == "Unité A"
    again = api(path["pro"].user).patch(
        url, json={"label": "Unité B", "base_revision": second.json["current"]["revision"]}
    )
    assert again.status_code == 200 and again.json["label"] == "Unité B"


def test_a_stale_base_revision_refuses_a_status_change(api, path, tl):
    handoff = tl.handoff(path["pro"], path["sessad"], receiving_organisation="ESAT du Val")
    url = f"{_base(path['pro'])}/handoffs/{handoff.id}"
    revision = api(path["pro"].user).get(url).json["revision"]
    edited = api(path["family"].user).patch(
        url, json={"meaning_note": "Ses copains.", "base_revision": revision}
    )
    assert edited.status_code == 200
    refused = api(path["pro"].user).patch(
        url, json={"status": "accepted", "base_revision": revision}
    )
    assert refused.status_code == 409 and refused.json["error"] == "stale_version"
    assert api(path["pro"].user).get(url).json["status"] == "proposed"


@pytest.mark.committing
@pytest.mark.parametrize("record", ["episode", "handoff"])
def test_two_concurrent_edits_from_the_same_base_one_is_refused(api, make, tl, record):
    """On a real database (the SQLite file, or PostgreSQL with PARCOURS_TEST_DATABASE_URL),
    two members PATCH the same record from the same revision at once: one 200, one 409."""
    import threading

    members = make.alliance()
    pro = members["professional"]
    episode = tl.episode(pro, "SESSAD Les Mouettes", start=-300)
    if record == "episode":
        url = f"{_base(pro)}/episodes/{episode.id}"
        field = "label"
    else:
        handoff = tl.handoff(pro, episode, receiving_organisation="ESAT du Val")
        url = f"{_base(pro)}/handoffs/{handoff.id}"
        field = "meaning_note"
    clients = [api(members["professional"].user), api(members["family"].user)]
    base = clients[0].get(url).json["revision"]
    barrier = threading.Barrier(2)
    statuses = []

    def edit(client, text):
        barrier.wait(timeout=10)
        statuses.append(client.patch(url, json={field: text, "base_revision": base}).status_code)

    threads = [
        threading.Thread(target=edit, args=(client, text))
        for client, text in zip(clients, ("Unité A", "Unité B"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    saved = clients[0].get(url).json
    assert saved[field] in {"Unité A", "Unité B"} and saved["revision"] != base
