"""Switching the language in the middle of a form keeps what was typed (and says so)."""

from playwright.sync_api import expect

from parcours.extensions import db
from tests.browser.test_journeys import demo_member


def test_what_was_typed_survives_a_change_of_language(new_page, live_server):
    with live_server["app"].app_context():
        pid = demo_member("claire@demo.parcours.test", "Léo").parcours_id
        db.session.rollback()
    page = new_page(login="claire@demo.parcours.test")
    page.goto(f"/parcours/{pid}/objective/edit")
    typed = "Que Léo apprenne à lire, à son rythme, avec ses copains."
    page.fill("#text", typed)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#text")).to_have_value(typed)
    expect(page.get_by_role("status")).to_contain_text("What you had typed is kept")
    # Still not saved: back in French, it is kept again.
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#text")).to_have_value(typed)
    expect(page.get_by_role("status")).to_contain_text("Ce que vous aviez écrit est gardé")
    # Opened again later, the page shows what is saved, without the notice.
    page.goto(f"/parcours/{pid}/objective/edit")
    expect(page.locator("#text")).not_to_have_value(typed)
    expect(page.get_by_role("status")).to_have_count(0)
