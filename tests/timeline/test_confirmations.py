"""Each party speaks for itself (issue 12, items 2 and 5): the person confirms that they took
part in a transition and that they chose a pause; a hand-off is judged against the objective
version in force when it was accepted; the service accompanying the person now must share
the objective in force."""

import pytest

from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.timeline import operations
from parcours.timeline.checks import FlagKind
from parcours.timeline.inputs import flags_for
from parcours.timeline.models import EpisodeChange, EpisodeKind, Handoff, HandoffEventKind
from tests.timeline.test_api import _base


@pytest.fixture
def plan(make, tl):
    """Léa's plan: the SESSAD ended, the IME (Julien is of it) took over; the professional
    declared that Léa took part in the hand-off."""
    members = make.alliance()
    pro = members["professional"]
    julien = make.member(
        pro, Role.professional, user=make.user(professional=True, organisation="IME Les Tilleuls")
    )
    members["julien"] = julien
    make.agreed_objective(members)
    sessad = tl.episode(pro, "SESSAD Les Mouettes", start=-300, end=-31)
    ime = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-30)
    handoff = tl.handoff(
        pro,
        sessad,
        to_episode=ime,
        person_involved=True,
        services_in_contact=True,
        meaning_note="Ce qui compte pour Léa.",
        proposed_on=-40,
    )
    return {**members, "pro": pro, "sessad": sessad, "ime": ime, "handoff": handoff}


def _handoff(api, plan, who="pro"):
    return api(plan[who].user).get(f"{_base(plan['pro'])}/handoffs/{plan['handoff'].id}").json


def _confirm(api, plan, who, confirmed=True, path=None):
    path = path or f"/handoffs/{plan['handoff'].id}/person-confirmation"
    return api(plan[who].user).post(_base(plan["pro"]) + path, json={"confirmed": confirmed})


# --- The person took part ------------------------------------------------------------------


def test_a_declared_part_counts_only_once_the_person_confirms_it(api, plan):
    before = _handoff(api, plan)
    assert before["person_involved"] is True
    assert before["relais"]["person"] is False and "person" in before["missing"]
    confirmation = before["person_confirmation"]
    assert confirmation["state"] == "awaiting_person"
    assert confirmation["declared_by"]["id"] == plan["pro"].id
    assert confirmation["declared_at"] and confirmation["confirmed"] is None
    assert confirmation["summary"] == (
        f"Declared by {plan['pro'].user.name}, not yet confirmed by Léa."
    )

    response = _confirm(api, plan, "person")
    assert response.status_code == 200
    assert response.json["relais"]["person"] is True
    assert response.json["person_confirmation"]["state"] == "confirmed"
    assert response.json["person_confirmation"]["confirmed_by"]["id"] == plan["person"].id
    assert response.json["events"][-1]["kind"] == "person_confirmed"
    assert response.json["events"][-1]["person_confirmed"] is True


def test_a_no_is_recorded_and_said(api, plan, client, sign_in):
    response = _confirm(api, plan, "person", confirmed=False)
    assert response.status_code == 200
    assert response.json["relais"]["person"] is False
    assert response.json["person_confirmation"]["state"] == "refused"
    name = plan["person"].user.name
    assert response.json["person_confirmation"]["summary"] == f"{name} said they were not there."
    sign_in(plan["family"].user)
    page = client.get(f"/parcours/{plan['pro'].parcours_id}/timeline")
    assert f"{name} said they were not there." in page.text


@pytest.mark.parametrize("who", ["family", "pro", "julien"])
def test_only_the_person_or_their_legal_representative_confirms(api, plan, who):
    response = _confirm(api, plan, who)
    assert response.status_code == 403
    assert response.json["error"] == "not_the_person"
    assert _handoff(api, plan)["relais"]["person"] is False


def test_the_legal_representative_confirms_for_the_person(api, make, tl, plan):
    tl.pilot(plan["pro"])  # only the pilot invites a legal representative
    representative = make.member(plan["pro"], Role.family, is_legal_representative=True)
    plan["representative"] = representative
    response = _confirm(api, plan, "representative")
    assert response.status_code == 200
    assert response.json["relais"]["person"] is True
    summary = response.json["person_confirmation"]["summary"]
    assert summary.endswith(f"confirmed by {representative.user.name}.")


def test_nothing_declared_nothing_to_confirm(api, plan, tl):
    bare = tl.handoff(plan["pro"], plan["sessad"], to_person_and_family=True)
    response = _confirm(api, plan, "person", path=f"/handoffs/{bare.id}/person-confirmation")
    assert response.status_code == 409
    assert response.json["error"] == "nothing_to_confirm"


def test_the_person_who_declares_it_themselves_has_confirmed_it(api, plan):
    created = api(plan["person"].user).post(
        _base(plan["pro"]) + "/handoffs",
        json={
            "from_episode_id": plan["sessad"].id,
            "to_person_and_family": True,
            "person_involved": True,
        },
    )
    assert created.json["relais"]["person"] is True
    assert created.json["person_confirmation"]["state"] == "confirmed"


def test_changing_the_declaration_asks_the_person_again_and_keeps_the_history(api, plan):
    assert _confirm(api, plan, "person").status_code == 200
    url = f"{_base(plan['pro'])}/handoffs/{plan['handoff'].id}"
    client = api(plan["pro"].user)
    # Another change of the checklist keeps the person's answer.
    kept = client.edit(url, json={"meaning_note": "Ce qui compte pour Léa : le dessin."})
    assert kept.json["person_confirmation"]["state"] == "confirmed"
    unticked = client.edit(url, json={"person_involved": False})
    assert unticked.json["person_confirmation"]["state"] == "not_declared"
    ticked = client.edit(url, json={"person_involved": True})
    assert ticked.json["person_confirmation"]["state"] == "awaiting_person"
    assert ticked.json["relais"]["person"] is False
    kinds = [event["kind"] for event in ticked.json["events"]]
    assert kinds == ["proposed", "person_confirmed", "edited", "edited", "edited"]


def test_a_double_tap_records_one_answer(api, plan):
    _confirm(api, plan, "person")
    again = _confirm(api, plan, "person")
    assert [e["kind"] for e in again.json["events"]].count("person_confirmed") == 1


def test_the_timeline_page_says_who_declared_it(client, sign_in, plan):
    sign_in(plan["family"].user)
    page = client.get(f"/parcours/{plan['pro'].parcours_id}/timeline")
    assert f"Declared by {plan['pro'].user.name}, not yet confirmed by Léa." in page.text


def test_every_export_uses_the_confirmed_value(api, plan, sign_in, tl):
    client = sign_in(plan["family"].user)
    pid = plan["pro"].parcours_id
    csv = client.get(f"/parcours/{pid}/export/timeline.csv").get_data(as_text=True)
    assert "Person involved" in csv
    fhir = api(plan["family"].user).get(f"/api/v1/parcours/{pid}/fhir").json
    assert _fhir_person_involved(fhir) is False
    tl.confirm(plan["person"], plan["handoff"])
    csv = client.get(f"/parcours/{pid}/export/timeline.csv").get_data(as_text=True)
    assert "Person involved" not in csv
    fhir = api(plan["family"].user).get(f"/api/v1/parcours/{pid}/fhir").json
    assert _fhir_person_involved(fhir) is True


def _fhir_person_involved(bundle) -> bool:
    [task] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    [value] = [
        i["valueBoolean"]
        for i in task["input"]
        if any(c["code"] == "person-involved" for c in i["type"].get("coding", []))
    ]
    return value


# --- A pause the person chose --------------------------------------------------------------


@pytest.fixture
def pause_plan(make, tl):
    members = make.alliance()
    pro = members["professional"]
    sessad = tl.episode(pro, "SESSAD Les Mouettes", start=-200, end=-61)
    pause = tl.episode(pro, kind=EpisodeKind.pause, start=-60, end=-31)
    tl.handoff(pro, sessad, to_episode=pause, person_involved=True, proposed_on=-62)
    tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-30)
    return {**members, "pro": pro, "pause": pause}


def _ruptures(app, pid):
    with app.app_context():
        return [f for f in flags_for([pid])[pid] if f.kind is FlagKind.RUPTURE]


def test_an_unconfirmed_pause_is_a_gap_until_the_person_says_they_chose_it(app, api, pause_plan):
    pid = pause_plan["pro"].parcours_id
    [rupture] = _ruptures(app, pid)
    assert rupture.days == 30
    url = f"{_base(pause_plan['pro'])}/episodes/{pause_plan['pause'].id}"
    read = api(pause_plan["family"].user).get(url).json
    assert read["person_confirmation"]["state"] == "awaiting_person"
    refused = api(pause_plan["person"].user).post(
        url + "/person-confirmation", json={"confirmed": False}
    )
    assert refused.status_code == 200
    assert refused.json["person_confirmation"]["summary"].endswith(
        "said they did not choose this pause."
    )
    assert len(_ruptures(app, pid)) == 1
    confirmed = api(pause_plan["person"].user).post(
        url + "/person-confirmation", json={"confirmed": True}
    )
    assert confirmed.json["person_confirmation"]["state"] == "confirmed"
    assert _ruptures(app, pid) == []


def test_the_person_confirms_a_pause_on_the_timeline_too(client, sign_in, pause_plan):
    pid = pause_plan["pro"].parcours_id
    sign_in(pause_plan["family"].user)
    assert "Did Léa choose this pause?" not in client.get(f"/parcours/{pid}/timeline").text
    sign_in(pause_plan["person"].user)
    page = client.get(f"/parcours/{pid}/timeline")
    assert "Did Léa choose this pause?" in page.text
    answered = client.post(
        f"/parcours/{pid}/timeline/episodes/{pause_plan['pause'].id}/person-confirmation",
        data={"answer": "no"},
        follow_redirects=True,
    )
    assert answered.request.path == f"/parcours/{pid}/timeline"
    assert "said they did not choose this pause." in answered.text


def test_a_service_has_nothing_to_confirm(api, pause_plan, tl):
    service = tl.episode(pause_plan["pro"], "CMP", kind=EpisodeKind.other, start=-10)
    url = f"{_base(pause_plan['pro'])}/episodes/{service.id}/person-confirmation"
    response = api(pause_plan["person"].user).post(url, json={"confirmed": True})
    assert response.status_code == 409 and response.json["error"] == "nothing_to_confirm"


def test_a_longer_pause_asks_again_a_shorter_one_does_not(app, api, pause_plan, tl):
    tl.confirm(pause_plan["person"], pause_plan["pause"])
    url = f"{_base(pause_plan['pro'])}/episodes/{pause_plan['pause'].id}"
    client = api(pause_plan["pro"].user)
    revision = client.get(url).json["revision"]
    shorter = client.edit(
        url, json={"end_date": tl.day(-40).isoformat(), "base_revision": revision}
    )
    assert shorter.json["person_confirmation"]["state"] == "confirmed"
    longer = client.edit(
        url, json={"end_date": tl.day(-20).isoformat(), "base_revision": shorter.json["revision"]}
    )
    assert longer.json["person_confirmation"]["state"] == "awaiting_person"
    with app.app_context():
        changes = db.session.scalars(
            db.select(EpisodeChange.changes)
            .where(EpisodeChange.episode_id == pause_plan["pause"].id)
            .order_by(EpisodeChange.id)
        ).all()
    assert changes[0] == {"person_confirmed": [None, True]}
    assert changes[-1]["person_confirmed"] == [True, None]


# --- The easy-read card --------------------------------------------------------------------


def test_the_person_confirms_on_their_easy_read_page(client, sign_in, plan):
    pid = plan["pro"].parcours_id
    sign_in(plan["person"].user)
    page = client.get(f"/easy/parcours/{pid}")
    assert "Were you there when we prepared your arrival at IME Les Tilleuls?" in page.text
    assert f"{plan['pro'].user.name} wrote that you took part." in page.text
    answered = client.post(
        f"/parcours/{pid}/timeline/handoffs/{plan['handoff'].id}/person-confirmation",
        data={"answer": "yes", "from": "easy"},
        follow_redirects=True,
    )
    assert answered.request.path == f"/easy/parcours/{pid}"
    assert "Your answer is saved. Thank you." in answered.text
    assert "Were you there when we prepared" not in answered.text


def test_the_easy_read_card_in_french(client, sign_in, plan):
    pid = plan["pro"].parcours_id
    sign_in(plan["person"].user)
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = client.get(f"/easy/parcours/{pid}")
    question = "Étiez-vous là quand on a préparé votre arrivée chez IME Les Tilleuls\u202f?"
    assert question in page.text


def test_the_card_is_only_for_the_person(client, sign_in, plan):
    sign_in(plan["family"].user)
    page = client.get(f"/easy/parcours/{plan['pro'].parcours_id}")
    assert "Were you there when we prepared" not in page.text


def test_a_pause_card(client, sign_in, pause_plan):
    pid = pause_plan["pro"].parcours_id
    sign_in(pause_plan["person"].user)
    page = client.get(f"/easy/parcours/{pid}")
    assert "Did you choose this pause?" in page.text
    client.post(
        f"/parcours/{pid}/timeline/episodes/{pause_plan['pause'].id}/person-confirmation",
        data={"answer": "yes", "from": "easy"},
    )
    assert "Did you choose this pause?" not in client.get(f"/easy/parcours/{pid}").text


def test_the_cards_name_the_service_left_the_dates_and_who_declared(client, sign_in, pause_plan):
    """A hand-off to a pause hands the person back to themselves: its card names the service
    they leave; the pause's card gives its dates; both say who declared it."""
    pid = pause_plan["pro"].parcours_id
    declared = pause_plan["pro"].user.name
    pause = pause_plan["pause"]
    sign_in(pause_plan["person"].user)
    page = client.get(f"/easy/parcours/{pid}").text
    assert "Were you there when we prepared the end of SESSAD Les Mouettes?" in page
    assert f"{declared} wrote that you took part." in page
    assert f"{declared} wrote that you chose it." in page
    start = f"{pause.start_date:%B} {pause.start_date.day}, {pause.start_date.year}"
    assert f"A pause from {start} to " in page


def test_a_deleted_pause_asks_nothing_on_the_easy_page(client, sign_in, make, tl, pause_plan):
    """Another pause, declared then deleted as entered by mistake: only the real one asks."""
    pid = pause_plan["pro"].parcours_id
    wrong = tl.episode(pause_plan["pro"], kind=EpisodeKind.pause, start=-20, end=-10)
    make._run(
        lambda: operations.delete_episode(
            db.session.get(Member, pause_plan["pro"].id),
            db.session.get(type(wrong), wrong.id),
            reason="Saisie en double",
        )
    )
    sign_in(pause_plan["person"].user)
    page = client.get(f"/easy/parcours/{pid}")
    assert page.text.count('id="confirm-pause-') == 1
    assert f"confirm-pause-{pause_plan['pause'].id}" in page.text
    assert f"confirm-pause-{wrong.id}" not in page.text


# --- The objective version in force when the hand-off was accepted -------------------------


def _new_version_agreed_without(make, plan, absent: str):
    version = make.version(plan["pro"], text="Que Léa apprenne à lire.")
    for name, member in plan.items():
        if (
            isinstance(member, Member)
            and name not in (absent, "pro")
            and member.role in (Role.person, Role.family)
        ):
            make.approval(member, version.number)
    make.approval(plan["pro"], version.number)
    return version


def test_a_later_version_never_flips_an_accepted_hand_off(app, make, tl, api, plan):
    tl.answer(plan["julien"], plan["handoff"], "accepted")
    assert _handoff(api, plan)["relais"]["objective"] is True
    proposed = tl.handoff(plan["pro"], plan["sessad"], to_episode=plan["ime"])
    version = _new_version_agreed_without(make, plan, "julien")
    with app.app_context():
        recorded = db.session.get(Handoff, plan["handoff"].id).objective_version_id
        assert recorded is not None and recorded != version.id
    # Accepted under version 1, which Julien approved: still passed on.
    assert _handoff(api, plan)["relais"]["objective"] is True
    assert _handoff(api, plan)["objective_version_id"] == recorded
    # Still proposed: judged against the version in force now, which Julien has not approved.
    later = api(plan["pro"].user).get(f"{_base(plan['pro'])}/handoffs/{proposed.id}").json
    assert later["relais"]["objective"] is False
    # …and the IME, which accompanies Léa now, does not share it: a flag of its own.
    pid = plan["pro"].parcours_id
    with app.app_context():
        kinds = {f.key for f in flags_for([pid])[pid]}
    assert f"objective_not_shared_with_current-e{plan['ime'].id}" in kinds
    make.approval(plan["julien"], version.number)
    with app.app_context():
        kinds = {f.key for f in flags_for([pid])[pid]}
    assert f"objective_not_shared_with_current-e{plan['ime'].id}" not in kinds


def test_completing_keeps_the_version_of_the_acceptance(app, make, tl, plan):
    tl.answer(plan["julien"], plan["handoff"], "accepted")
    with app.app_context():
        accepted_under = db.session.get(Handoff, plan["handoff"].id).objective_version_id
    _new_version_agreed_without(make, plan, "julien")
    tl.answer(plan["julien"], plan["handoff"], "completed")
    with app.app_context():
        handoff = operations.handoff_of(plan["pro"].parcours_id, plan["handoff"].id)
        assert handoff.objective_version_id == accepted_under
        assert handoff.events[-1].kind is HandoffEventKind.completed


def test_the_overview_and_the_caseload_show_the_new_flag(client, sign_in, make, plan):
    _new_version_agreed_without(make, plan, "julien")
    sign_in(plan["pro"].user)
    overview = client.get(f"/parcours/{plan['pro'].parcours_id}")
    assert "Objective not shared with the service" in overview.text
    caseload = client.get("/caseload?kind=objective_not_shared_with_current")
    assert "Léa" in caseload.text
    timeline = client.get(f"/parcours/{plan['pro'].parcours_id}/timeline").text
    assert (
        "IME Les Tilleuls, which accompanies Léa now, has not approved the objective in force."
        in timeline
    )
    assert f'href="/parcours/{plan["pro"].parcours_id}/objective">See the objective' in timeline
