"""Checks are answered, never silenced: the pilot or a professional answers a flag with a
note; it stays on the timeline and in the API, answered, and leaves the caseload's urgent
order."""

from parcours.core.models import today
from parcours.plans.models import Role
from parcours.timeline.snapshots import caseload
from tests.helpers import english_client


def _flags(api, member):
    return api(member.user).get(f"/api/v1/parcours/{member.parcours_id}/flags").json["flags"]


def _answer(api, member, key, note="On cherche une place avec la MDPH."):
    return api(member.user).post(
        f"/api/v1/parcours/{member.parcours_id}/flags/{key}/acknowledgement", json={"note": note}
    )


def test_a_professional_answers_a_flag_and_it_stays_answered(api, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-40)  # a rupture going on (and no hand-off)
    flag = _flags(api, pro)[0]
    assert flag["acknowledged"] is None
    answered = _answer(api, pro, flag["key"])
    assert answered.status_code == 201
    assert answered.json["acknowledged"]["note"] == "On cherche une place avec la MDPH."
    assert answered.json["acknowledged"]["at"] == today().isoformat()
    again = next(f for f in _flags(api, pro) if f["key"] == flag["key"])
    assert again["key"] == flag["key"] and again["kind"] == "ongoing_rupture"  # still there
    assert again["acknowledged"]["by"] == answered.json["acknowledged"]["by"]
    second = _answer(api, pro, flag["key"])
    assert (second.status_code, second.json["error"]) == (409, "already_acknowledged")


def test_the_family_and_the_person_cannot_silence_a_check(api, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-40)
    flag = _flags(api, pro)[0]
    for role in (Role.family, Role.person):
        member = make.member(pro, role)
        refused = _answer(api, member, flag["key"])
        assert (refused.status_code, refused.json["error"]) == (403, "cannot_acknowledge")
    assert _flags(api, pro)[0]["acknowledged"] is None


def test_an_answer_needs_a_note_and_a_flag_raised_today(api, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-40)
    flag = _flags(api, pro)[0]
    assert _answer(api, pro, flag["key"], note="").status_code == 422
    unknown = _answer(api, pro, "rupture-e999999")
    assert (unknown.status_code, unknown.json["error"]) == (404, "unknown_flag")


def test_an_answered_flag_leaves_the_urgent_order_of_the_caseload(app, api, make, tl):
    user = make.user(professional=True)
    answered = make.parcours(user, person_name="Anna")
    tl.episode(answered, start=-100, end=-40)  # ongoing rupture: the most urgent
    other = make.parcours(user, person_name="Bruno")
    first = tl.episode(other, start=-100, end=-10)
    second = tl.episode(other, "IME", start=-9)
    tl.handoff(other, first, to_episode=second, proposed_on=-30)
    with app.app_context():
        assert [e.person_name for e in caseload(user, today())] == ["Anna", "Bruno"]
    flags = _flags(api, answered)
    for flag in flags:
        assert _answer(api, answered, flag["key"]).status_code == 201
    with app.app_context():
        entries = caseload(user, today())
    assert [e.person_name for e in entries] == ["Bruno", "Anna"]
    anna = entries[1]
    assert (anna.counts, anna.answered, anna.ongoing_rupture) == ({}, len(flags), False)


def test_the_timeline_page_shows_the_answer_and_the_form(app, make, tl, sign_in):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    tl.episode(pro, start=-100, end=-40)
    client = english_client(app)
    sign_in(pro.user, on=client)
    url = f"/parcours/{pro.parcours_id}/timeline"
    page = client.get(url).text
    forms = page.count("Answer this check")
    assert forms == 2  # the rupture going on, the missing hand-off
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    key = page.split("/timeline/flags/")[1].split("/acknowledgement")[0]
    sent = client.post(
        f"{url}/flags/{key}/acknowledgement",
        data={"csrf_token": token, "note": "Une place se libère en janvier."},
    )
    assert sent.status_code == 302
    page = client.get(url).text
    assert "Une place se libère en janvier." in page
    assert page.count("Answer this check") == forms - 1
    relative = english_client(app)
    sign_in(family.user, on=relative)
    seen = relative.get(url).text
    assert "Une place se libère en janvier." in seen  # every member sees the answer
    assert "Answer this check" not in seen
