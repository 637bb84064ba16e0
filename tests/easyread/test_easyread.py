"""Easy-read pages: offered by default to the person, one task per screen, nothing hidden."""

import re
from html import unescape

import pytest

from parcours.demo import means as demo_means
from parcours.demo import objective as demo_objective
from parcours.demo import timeline as demo_timeline
from parcours.demo.people import DemoWorld, build_leo, build_people, build_thomas
from parcours.extensions import db
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


def test_a_new_goal_shows_what_it_adds_and_takes_away(app, sign_in, mk, make):
    """In French by default: the changes are listed one per line with their word, and marked
    in the new goal with <ins>/<del>, a pictogram, a visible word and a hidden label that
    screen readers and read-aloud say."""
    members = mk.alliance()
    in_force = members["professional"].parcours_id
    make.version(
        members["professional"],
        text="Que Léa se développe bien et qu'elle nage.",
        indicators="Léa lit des albums\nLéa va à la piscine",
    )
    client = sign_in(members["person"].user, on=app.test_client())
    page = client.get(f"/easy/parcours/{in_force}/objective").text
    ins = re.findall(r"<ins[^>]*>(.*?)</ins>", page, re.S)
    dels = re.findall(r"<del[^>]*>(.*?)</del>", page, re.S)
    added, taken = "Ajouté\u202f:", "Enlevé\u202f:"
    # The list of changes, one a line, each with its visible word.
    changes = block(page, "what-changes")
    assert "Ce qui change" in changes and "data-read-aloud=" in changes
    assert f"<strong>{added}</strong>" in changes and "icons/added.svg" in changes
    said = read_aloud_text(changes)
    assert f"{added} Léa va à la piscine" in said and f"{taken} Léa se fait comprendre" in said
    # The new goal, marked where it changed: a visible mark hidden from the ear, a hidden
    # label for it.
    marked = [i for i in ins if 'class="visually-hidden"' in i]
    assert marked and all(
        f'<span class="visually-hidden">{added} </span>' in i
        and 'aria-hidden="true"' in i
        and "ajouté" in i
        and "icons/added.svg" in i
        for i in marked
    )
    removed = [d for d in dels if 'class="visually-hidden"' in d]
    assert any(
        f'<span class="visually-hidden">{taken} </span>Léa se fait comprendre' in d
        and "icons/removed.svg" in d
        for d in removed
    )
    new = block(page, "new")
    assert "Ce qui change est marqué." in new
    # What read-aloud says for the new goal: the block's text without what is aria-hidden.
    spoken = read_aloud_text(new)
    assert f"{added} Léa va à la piscine" in spoken
    assert "Léa lit des albums" in spoken and f"{taken} Léa lit des albums" not in spoken
    assert "ajouté" not in spoken.replace(added, "")  # the visible mark is not read twice


def test_a_goal_that_takes_a_line_away_says_so(app, sign_in, mk, make):
    members = mk.alliance()
    make.version(members["professional"], text="Que Léa se développe bien.", indicators="")
    client = sign_in(members["person"].user, on=app.test_client())
    page = client.get(f"/easy/parcours/{members['person'].parcours_id}/objective").text
    assert "<del" in page and "icons/removed.svg" in page
    spoken = read_aloud_text(block(page, "new"))
    assert "Enlevé\u202f:" in spoken and "Ajouté\u202f:" not in spoken


def test_an_agreed_goal_or_a_first_draft_shows_no_change(app, sign_in, mk, make):
    for agreed in (True, False):
        members = mk.alliance(agreed=agreed)
        if not agreed:
            make.version(members["professional"], text="Que Léa vive chez elle.")
        client = sign_in(members["person"].user, on=app.test_client())
        page = client.get(f"/easy/parcours/{members['person'].parcours_id}/objective").text
        assert "<ins" not in page and "<del" not in page and "Ce qui change" not in page


def block(page: str, heading_id: str) -> str:
    """The section labelled by the heading `heading_id`."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, heading_id
    return match.group(0)


def read_aloud_text(html: str) -> str:
    """What static/js/read-aloud.js reads: the text, without what is aria-hidden."""
    html = re.sub(r'<(\w+)[^>]*aria-hidden="true"[^>]*>.*?</\1>', "", html, flags=re.S)
    return re.sub(r"[ \t\n]+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def test_the_demo_s_thomas_has_a_new_goal_to_read(app, sign_in):
    """Version 2 of Thomas's goal adds one line and waits for his yes: his easy-read goal page
    (reached by the accessibility crawl) marks it."""
    with app.app_context():
        world = DemoWorld()
        build_people(world)
        build_leo(world)
        build_thomas(world)
        demo_means.build(world)
        demo_timeline.build(world)
        demo_objective.build(world)
        db.session.commit()
        thomas = world.users["thomas"]
        parcours_id = world.member("thomas", "thomas").parcours_id
    client = sign_in(thomas, on=app.test_client())
    page = client.get(f"/easy/parcours/{parcours_id}/objective").text
    [added] = re.findall(r"<ins[^>]*>.*?</ins>", block(page, "new"), re.S)
    assert unescape(demo_objective.ADDED_INDICATOR) in unescape(added)
    assert "<del" not in page  # only one line added
    assert "Oui, je suis d&#39;accord" in page or "Oui, je suis d'accord" in page
