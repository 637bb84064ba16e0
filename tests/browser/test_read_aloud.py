"""Read-aloud: each easy-read block gets a "Listen" button that speaks it; without speech
synthesis the page is the same, without the buttons."""

from tests.browser.conftest import screenshot

RECORD_SPEECH = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {value: {
  speak: (utterance) => window.__spoken.push([utterance.text, utterance.lang]),
  cancel: () => {},
}});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""
NO_SPEECH = "delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;"


def test_listen_reads_the_block_aloud(new_page):
    page = new_page(login="thomas")
    page.add_init_script(RECORD_SPEECH)
    page.goto("/easy/parcours/2/objective")
    buttons = page.get_by_role("button", name="Écouter")
    assert buttons.count() >= 2
    buttons.first.click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1
    text, lang = spoken[0]
    assert "Que Thomas vive dans son" in text
    assert "Écouter" not in text
    assert lang == "fr-FR"
    assert buttons.first.get_attribute("aria-pressed") == "true"


def test_without_speech_synthesis_there_is_no_button(new_page):
    page = new_page(login="thomas")
    page.add_init_script(NO_SPEECH)
    page.goto("/easy/parcours/2/objective")
    assert page.get_by_role("button", name="Écouter").count() == 0
    assert "Que Thomas vive dans son" in page.inner_text("main")


def test_listen_says_what_a_new_goal_adds(new_page):
    """The demo's version 2 of Thomas's goal adds one line: read aloud, the block of the new
    goal says "Ajouté :" before it, once (the visible mark is hidden from the ear)."""
    page = new_page(login="thomas", width=390)
    page.add_init_script(RECORD_SPEECH)
    page.goto("/easy/parcours/2/objective")
    new_goal = page.locator("section[aria-labelledby=new]")
    new_goal.get_by_role("button", name="Écouter").click()
    [(text, _lang)] = page.evaluate("window.__spoken")
    # (The keyboard journey may have changed the goal again: the changes are counted.)
    assert "une liste Ajouté : Thomas sait qui appeler quand il a besoin d'aide chez lui" in text
    added, removed = new_goal.locator("ins"), new_goal.locator("del")
    assert text.lower().count("ajouté") == added.count() >= 1
    assert text.lower().count("enlevé") == removed.count()
    # Seen, each change has its mark (a pictogram and a word), not only a colour.
    assert added.locator("img[src$='/icons/added.svg']").count() == added.count()
    assert "ajouté" in added.last.inner_text()
    screenshot(page, "easy-read-goal-changes-390")
