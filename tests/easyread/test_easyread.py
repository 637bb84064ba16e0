"""Easy-read pages: offered by default to the person, one task per screen, nothing hidden."""

import re
from html import unescape

import pytest

from parcours.plans.models import Role


@pytest.fixture
def alliance(mk):
    return mk.alliance()


def test_the_person_lands_on_easy_read_pages_after_signing_in(app, make, alliance):
    person = alliance["person"]
    client = app.test_client()
    client.set_cookie("lang", "en", domain="parcours.test")
    login_as = client.post(
        "/login", data={"identifier": person.user.email, "password": "correct horse battery"}
    )
    assert login_as.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/easy/"
    plan = client.get("/easy/", follow_redirects=True)
    assert "Say what is important to me" in plan.text
    assert 'class="parcours-nav"' not in plan.text


def test_others_get_standard_pages_and_can_switch(client, sign_in, alliance):
    sign_in(alliance["family"].user)
    assert "My plans" in client.get("/").text
    switched = client.post("/easy/switch", data={"on": "1"}, follow_redirects=True)
    assert "Say what is important to me" in switched.text
    back = client.post("/easy/switch", data={"on": "0"}, follow_redirects=True)
    assert "Start a plan" in back.text


def test_the_person_can_switch_easy_read_off(client, sign_in, alliance):
    sign_in(alliance["person"].user)
    client.post("/easy/switch", data={"on": "0"})
    assert "Start a plan" in client.get("/").text


def test_my_words_one_question_per_screen(client, sign_in, alliance, api):
    person = alliance["person"]
    sign_in(person.user)
    url = f"/easy/parcours/{person.parcours_id}/voice"
    page = client.get(url)
    for question in ("What is important to me", "What I want", "How to help me well"):
        assert question in page.text
    form = client.get(f"{url}/matters")
    assert form.text.count("<textarea") == 1
    saved = client.post(
        f"{url}/matters",
        data={"answer": "Mon travail au jardin", "base_number": 0},
        follow_redirects=True,
    )
    assert "Saved. Thank you." in saved.text
    client.post(f"{url}/help_me", data={"answer": "Parler doucement", "base_number": 1})
    voices = api(person.user).get(f"/api/v1/parcours/{person.parcours_id}/voices").json
    mine = next(v for v in voices["voices"] if v["member"]["id"] == person.id)["voice"]
    assert mine["matters"] == "Mon travail au jardin" and mine["help_me"] == "Parler doucement"


def test_my_words_changed_meanwhile_are_not_overwritten(client, sign_in, alliance, api):
    person = alliance["person"]
    api(alliance["family"].user).put(
        f"/api/v1/parcours/{person.parcours_id}/voices/me",
        json={"matters": "Écrit par sa sœur", "on_behalf_of": person.id, "base_number": 0},
    )
    sign_in(person.user)
    response = client.post(
        f"/easy/parcours/{person.parcours_id}/voice/matters",
        data={"answer": "Mes mots", "base_number": 0},
    )
    assert response.status_code == 409
    assert "Écrit par sa sœur" in response.text and "Mes mots" in response.text


def test_approve_the_goal_or_say_not_yet(client, sign_in, mk, api):
    members = mk.alliance(agreed=False)
    person = members["person"]
    api(members["professional"].user).post(
        f"/api/v1/parcours/{person.parcours_id}/objective/versions",
        json={"text": "Que Léa vive chez elle", "base_version": 0},
    )
    sign_in(person.user)
    url = f"/easy/parcours/{person.parcours_id}/objective"
    page = client.get(url)
    assert "Que Léa vive chez elle" in page.text
    assert "Yes, I agree" in page.text and "I don't agree yet" in unescape(page.text)
    not_yet = client.post(
        f"{url}/1/not-yet", data={"answer": "Et mon travail ?"}, follow_redirects=True
    )
    assert "does not agree yet" in not_yet.text and "Et mon travail ?" in not_yet.text
    yes = client.post(f"{url}/1/yes", follow_redirects=True)
    assert "You said yes to this goal." in yes.text


def test_three_big_buttons_on_an_idea_and_nothing_hidden(client, sign_in, mk):
    members = mk.alliance()
    person = members["person"]
    adopted = mk.adopted(members)
    sign_in(person.user)
    url = f"/easy/parcours/{person.parcours_id}/means/{adopted.id}"
    page = client.get(url)
    assert re.findall(r'name="value" value="(\w+)"', page.text) == [
        "support",
        "reservations",
        "oppose",
    ]
    assert "What was decided" in page.text
    assert f"{members['pilot'].user.name} decided" in page.text
    other = mk.means(members["professional"], "Une autre idée")
    answered = client.post(
        f"/easy/parcours/{person.parcours_id}/means/{other.id}",
        data={"value": "reservations"},
        follow_redirects=True,
    )
    assert "Your answer is saved." in answered.text
    assert "My answer: I'm not sure" in unescape(answered.text)
    bad = client.post(f"/easy/parcours/{person.parcours_id}/means/{other.id}", data={"value": "x"})
    assert bad.status_code == 422
    assert "Please press one of the three buttons." in bad.text


def test_my_commitments_and_i_did_it(client, sign_in, mk):
    members = mk.alliance()
    person = members["person"]
    adopted = mk.adopted(members)
    commitment = mk.commitment(members["pilot"], adopted, person, "Visiter l'appartement")
    sign_in(person.user)
    url = f"/easy/parcours/{person.parcours_id}/commitments"
    assert "Visiter l'appartement" in unescape(client.get(url).text)
    assert 'name="base_revision" value="0"' in client.get(url).text
    data = {"base_revision": "0"}
    done = client.post(f"{url}/{commitment.id}/done", data=data, follow_redirects=True)
    assert "Well done!" in done.text and "Done." in done.text


def test_i_did_it_after_someone_else_marked_it_says_so(client, sign_in, mk, api):
    members = mk.alliance()
    person = members["person"]
    adopted = mk.adopted(members)
    commitment = mk.commitment(members["pilot"], adopted, person, "Visiter l'appartement")
    pilot_url = f"/api/v1/parcours/{person.parcours_id}/commitments/{commitment.id}"
    kept = api(members["pilot"].user).patch(pilot_url, json={"status": "kept", "base_revision": 0})
    assert kept.status_code == 200
    sign_in(person.user)
    url = f"/easy/parcours/{person.parcours_id}/commitments"
    response = client.post(
        f"{url}/{commitment.id}/done", data={"base_revision": "0"}, follow_redirects=True
    )
    assert "Someone changed this commitment in the meantime." in response.text


def test_the_circle_names_everyone_and_the_pilot(client, sign_in, alliance):
    sign_in(alliance["person"].user)
    page = client.get(f"/easy/parcours/{alliance['person'].parcours_id}/circle")
    for member in alliance.values():
        assert member.user.name in page.text
    assert "This person leads the plan (the pilot)." in page.text


def test_pictograms_have_a_text_label_and_read_aloud_is_offered(client, sign_in, alliance):
    sign_in(alliance["person"].user)
    page = client.get(f"/easy/parcours/{alliance['person'].parcours_id}")
    for button in re.findall(r'<a class="big-button".*?</a>', page.text, re.S):
        assert 'alt=""' in button and re.search(r"<span>\w", button)
    voice = client.get(f"/easy/parcours/{alliance['person'].parcours_id}/voice")
    assert "data-read-aloud=" in voice.text
    assert "js/read-aloud.js" in voice.text


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/voice",
        "/voice/matters",
        "/objective",
        "/means",
        "/commitments",
        "/circle",
    ],
)
def test_non_members_get_404_and_anonymous_sign_in(client, sign_in, make, alliance, path):
    url = f"/easy/parcours/{alliance['person'].parcours_id}{path}"
    assert client.get(url).status_code == 302
    sign_in(make.user())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.person, Role.family, Role.professional])
def test_every_member_can_use_the_easy_pages(client, sign_in, alliance, role):
    member = alliance[role.value]
    sign_in(member.user)
    for path in ("", "/voice", "/objective", "/means", "/commitments", "/circle"):
        assert client.get(f"/easy/parcours/{member.parcours_id}{path}").status_code == 200
