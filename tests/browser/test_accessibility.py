"""Every page passes an axe-core audit with 0 violations, for each role, and reflows on a
360 px wide screen. Pages are found by following the links from the home page."""

import re
import time
from datetime import date
from urllib.parse import urlsplit

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DEMO_PASSWORD

# Demo accounts, one per kind of user (see parcours/demo.py).
VISITORS = {
    "anonymous": None,
    "person": "thomas",
    "family": "sophie@demo.parcours.test",
    "professional": "claire@demo.parcours.test",
}
# Same template, different ids: audit one of each (a discussion's subject too: means:3; a news
# item: news-812).
NUMBER = re.compile(r"([/:-])\d+")
MAX_PAGES = 80


def pattern(url: str) -> str:
    parts = urlsplit(url)
    return NUMBER.sub(r"\1N", parts.path) + ("?" + parts.query if parts.query else "")


def crawl(page, base: str, visit=None) -> tuple[list[str], list[str]]:
    """Same-site pages reachable by links from the home page, one per URL pattern, and the
    links that lead to an error. Download links are fetched, not opened as pages. `visit(path)`
    is called on each page while it is open."""
    seen, queue, pages, broken = set(), ["/"], [], []
    downloads = set()
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        response = page.goto(path)
        if response is None or response.status >= 400:
            broken.append(f"{path}: {response.status if response else 'no response'}")
            continue
        if not page.url.startswith(base):
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a document linked from a page (the OpenAPI JSON), not a page
        pages.append(path)
        if visit is not None:
            visit(path)
        title = page.title()
        if not title.strip() or "<" in title:
            broken.append(f"{path}: title {title!r}")
        for href in page.eval_on_selector_all("a[href][download]", "els => els.map(e => e.href)"):
            if pattern(href) not in downloads:
                downloads.add(pattern(href))
                status = page.request.get(href).status
                if status != 200:
                    broken.append(f"{href}: {status}")
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "els => els.map(e => e.href)"
        ):
            parts = urlsplit(href)
            if href.startswith(base) and not parts.fragment and "/static/" not in parts.path:
                target = parts.path + ("?" + parts.query if parts.query else "")
                if pattern(target) not in seen:
                    queue.append(target)
    return pages, broken


# Every field says what it holds (WCAG 1.3.5: name, email, new-password…) or "off" for what
# people write in a plan, which a shared computer's browser must not keep.
WITHOUT_AUTOCOMPLETE = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit])'
    + ':not([type=button]), textarea, select'))
  .filter(field => !field.hasAttribute('autocomplete'))
  .map(field => field.id || field.name)"""


def describe(violations) -> str:
    lines = []
    for violation in violations:
        nodes = ", ".join(node["target"][0] for node in violation["nodes"][:3])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {nodes}")
    return "\n".join(lines)


@pytest.mark.parametrize("visitor", list(VISITORS))
def test_every_page_passes_axe_and_reflows(visitor, new_page, live_server):
    page = new_page(login=VISITORS[visitor])
    narrow = new_page(login=VISITORS[visitor], width=360)
    axe = Axe()
    failures = {}
    signing = []  # the pages audited with a statement to sign (the demo has one for Thomas)

    def visit(path):
        """Audit the page the crawl has open, then the same page at 360 px."""
        if page.locator("section[aria-labelledby^=sign-statement-]").count():
            signing.append(path)
        results = axe.run(page)
        if results.violations_count:
            failures[path] = describe(results.response["violations"])
        unsaid = page.evaluate(WITHOUT_AUTOCOMPLETE)
        if unsaid:
            failures.setdefault(path, "")
            failures[path] += f"\nfields without an autocomplete attribute: {unsaid}"
        narrow.goto(path)
        narrow_results = axe.run(narrow)
        if narrow_results.violations_count:
            failures[path] = (
                failures.get(path, "")
                + "\nat 360 px:\n"
                + describe(narrow_results.response["violations"])
            )
        overflow = narrow.evaluate("document.documentElement.scrollWidth")
        if overflow > 360:
            failures.setdefault(path, "")
            failures[path] += f"\nwider than the screen at 360 px: {overflow}px"

    pages, broken = crawl(page, live_server["url"], visit)
    print(f"{visitor}: {len(pages)} pages audited: {', '.join(pages)}")
    assert not broken, f"links leading to an error: {broken}"
    assert len(pages) >= (3 if visitor == "anonymous" else 8), pages
    if visitor == "person":
        assert signing, "the easy-read card of a statement to sign was not audited"
    assert not failures, "\n\n".join(f"{path}:\n{text}" for path, text in failures.items())


def audit(page) -> str:
    """axe's violations, and the fields that do not say what they hold."""
    results = Axe().run(page)
    found = describe(results.response["violations"]) if results.violations_count else ""
    if unsaid := page.evaluate(WITHOUT_AUTOCOMPLETE):
        found += f"\nfields without an autocomplete attribute: {unsaid}"
    return found


def test_pages_not_reached_by_links_pass_axe(new_page, live_server):
    """Invitations, errors, form errors, a conflict, administration, easy-read for others,
    the API reference."""
    from parcours.accounts.operations import create_user
    from parcours.demo.people import agree
    from parcours.extensions import db
    from parcours.notifications.digests import unsubscribe_token
    from parcours.plans.models import Role
    from parcours.plans.operations import close_parcours, create_invitation, withdraw_closing
    from parcours.timeline.models import episodes_of
    from parcours.timeline.operations import create_answer_link, propose_handoff
    from tests.browser.test_journeys import demo_member

    with live_server["app"].app_context():
        claire_leo = demo_member("claire@demo.parcours.test", "Léo")
        _invitation, token = create_invitation(claire_leo, role=Role.person)
        to_foyer = propose_handoff(
            claire_leo,
            from_episode_id=episodes_of(claire_leo.parcours_id)[-1].id,
            receiving_organisation="Foyer Les Glycines",
            meaning_note="Ce qui compte pour Léo.",
        )
        _link, answer_token = create_answer_link(claire_leo, to_foyer)
        foyer = to_foyer.receiving_organisation_id
        # A professional of a service new to the plan: the invitation waits for consent.
        _waiting, waiting_token = create_invitation(
            claire_leo, role=Role.professional, organisation="SAVS Les Passerelles"
        )
        # Someone's digest unsubscribe link (a new account: the demo's stay subscribed).
        reader = create_user(
            name="Lectrice", email="lectrice@example.org", password="une phrase assez longue"
        )
        db.session.flush()
        unsubscribe = f"/unsubscribe/{unsubscribe_token(reader)}"
        db.session.commit()
    failures = {}

    def check(page, what):
        if found := audit(page):
            failures[what] = found

    visitor = new_page()
    for path in (
        f"/invitations/{token}",
        f"/invitations/{token}/card",
        f"/invitations/{waiting_token}",
        "/nowhere",
        "/developers",
        unsubscribe,
        "/unsubscribe/forged",
    ):
        visitor.goto(path)
        check(visitor, path)
    visitor.goto(unsubscribe)
    visitor.get_by_role("button", name="Arrêter ces e-mails").click()
    check(visitor, "unsubscribed")
    # The answer link waits for the consent of Léo's legal representative, then opens.
    visitor.goto(f"/handoff-answers/{answer_token}")
    check(visitor, "answer link waiting for consent (409)")
    with live_server["app"].app_context():
        sophie = demo_member("sophie@demo.parcours.test", "Léo")
        agree(sophie, foyer)
        db.session.commit()
    # The answer link: the form, the form with errors, the thank-you page, then the 404.
    visitor.goto(f"/handoff-answers/{answer_token}")
    check(visitor, "answer link")
    visitor.get_by_role("button", name="Envoyer la réponse").click()
    check(visitor, "answer link with errors")
    visitor.fill("#name", "Mme Roy")
    visitor.fill("#function", "éducatrice")
    visitor.get_by_label("Nous acceptons de prendre le relais").check()
    visitor.get_by_role("button", name="Envoyer la réponse").click()
    visitor.get_by_role("heading", name="Merci, votre réponse est enregistrée").wait_for()
    check(visitor, "answer link thank-you")
    visitor.goto(f"/handoff-answers/{answer_token}")
    check(visitor, "answer link used (404)")
    visitor.goto("/signup")
    visitor.get_by_role("button", name="Créer mon compte").click()
    check(visitor, "sign-up with errors")
    visitor.goto("/login")
    visitor.fill("#identifier", "nobody@example.org")
    visitor.fill("#password", "wrong password")
    visitor.get_by_role("button", name="Se connecter").click()
    check(visitor, "sign-in refused")
    # Getting back in: the request with an error, then its answer (the same for any address).
    visitor.goto("/password-reset")
    visitor.get_by_role("button", name="M\u2019envoyer un lien").click()
    check(visitor, "password reset request with errors")
    visitor.fill("#email", "nobody@example.org")
    visitor.get_by_role("button", name="M\u2019envoyer un lien").click()
    visitor.get_by_role("heading", name="Regardez votre boîte e-mail").wait_for()
    check(visitor, "password reset asked")
    visitor.goto("/password-reset/not-a-token")
    check(visitor, "password reset link that does not work (404)")

    claire = new_page(login="claire@demo.parcours.test")
    claire.goto("/parcours/new")
    claire.get_by_role("button", name="Créer le parcours").click()
    check(claire, "new plan with errors")
    claire.goto("/parcours/1/objective/edit")
    claire.evaluate("document.querySelector('input[name=base_number]').value = '0'")
    claire.fill("#text", "Un autre texte")
    claire.get_by_role("button", name="Enregistrer cette version").click()
    check(claire, "objective conflict")
    claire.goto("/parcours/1/members")  # Claire is the pilot: removing without a reason
    claire.get_by_role("button", name="Retirer ce membre").click()
    check(claire, "removing a member with errors")
    # Claire is the pilot: a card for Sophie to choose a new password, and its page (not
    # sent: the other tests sign in as Sophie with the demo's password).
    claire.goto("/parcours/1/members")
    claire.get_by_role("button", name="Imprimer une carte pour Sophie").click()
    claire.get_by_role("heading", name="choisissez un nouveau mot de passe").wait_for()
    check(claire, "a card to choose a new password")
    card_link = claire.locator(".link-text").inner_text()
    card_visitor = new_page()
    card_visitor.goto(card_link)
    check(card_visitor, "choosing a new password")
    card_visitor.get_by_role("button", name="Enregistrer mon nouveau mot de passe").click()
    check(card_visitor, "choosing a new password with errors")
    claire.goto("/caseload?kind=rupture")
    check(claire, "caseload filtered")
    claire.goto("/parcours/1/settings")  # Claire is the pilot: a change without a reason
    claire.locator("form[action$='/settings'] button[type=submit]").click()
    check(claire, "settings with errors")
    # Claire is the pilot: cancelling the overdue commitment without a reason.
    claire.goto("/parcours/1/commitments")
    claire.locator("tr.row--overdue a", has_text="Modifier ou annuler").first.click()
    check(claire, "a commitment, its history and its corrections")
    claire.get_by_role("button", name="Annuler l\u2019engagement").click()
    check(claire, "cancelling a commitment without a reason")
    # A request to close Léo's plan waits for Sophie, his legal representative (withdrawn
    # after: the other tests see the demo as it is).
    with live_server["app"].app_context():
        close_parcours(
            demo_member("claire@demo.parcours.test", "Léo"), date(2030, 6, 30), "Déménagement"
        )
        db.session.commit()
    claire.goto("/parcours/1/settings")
    check(claire, "settings with a pending closing")
    sophie = new_page(login="sophie@demo.parcours.test")
    for path in ("/parcours/1", "/easy/parcours/1"):
        sophie.goto(path)
        check(sophie, f"{path} with a closing to answer")
    with live_server["app"].app_context():
        withdraw_closing(demo_member("claire@demo.parcours.test", "Léo"))
        db.session.commit()
    claire.goto("/")
    claire.get_by_role("button", name="Pages faciles à lire (FALC)").click()
    for path in (
        "/easy/",
        "/easy/parcours/1",
        "/easy/parcours/1/means",
        "/easy/parcours/1/means/1",
    ):
        claire.goto(path)
        check(claire, f"{path} as a professional")
    # Back to the usual pages: the choice is kept on her account, which the other browser
    # tests share.
    claire.get_by_role("button", name="Pages habituelles").click()

    admin = new_page(login="admin@demo.parcours.test")
    for path in (
        "/admin/users",
        "/admin/organisations",
        "/admin/organisations/1",
        "/admin/security",
        "/admin/observers",
    ):
        admin.goto(path)
        check(admin, path)

    # The observatory: an observer's figures (tables, some withheld), at 360 px too.
    for width in (1280, 360):
        observer = new_page(login="observatoire@demo.parcours.test", width=width)
        for path in ("/observatory", "/observatory?territory=37&from=2000-01-01&to=2000-12-31"):
            observer.goto(path)
            check(observer, f"{path} at {width} px")
        # The statements sent to territory 37 (the demo's, from Thomas's plan, answered).
        observer.goto("/observatory/statements?territory=37")
        check(observer, f"/observatory/statements at {width} px")

    # Two-step sign-in: set up (the recovery codes), then the code asked at sign-in, and the
    # account page that lists a token; on an account of its own (the journeys sign in as the
    # demo's people with their password alone).
    with live_server["app"].app_context():
        create_user(name="Inès", email="ines@example.org", password=DEMO_PASSWORD)
        db.session.commit()
    ines = new_page(login="ines@example.org", width=360)
    ines.goto("/account/two-step")
    ines.get_by_role("button", name="Activer la connexion en deux étapes").click()
    check(ines, "two-step setup with an error")
    secret = ines.locator(".secret").inner_text().replace(" ", "")
    ines.fill("#code", pyotp.TOTP(secret).now())
    ines.get_by_role("button", name="Activer la connexion en deux étapes").click()
    ines.get_by_role("heading", name="Vos codes de secours").wait_for()
    check(ines, "recovery codes")
    made = ines.request.post(
        "/api/v1/tokens",
        data={
            "email": "ines@example.org",
            "password": DEMO_PASSWORD,
            "otp": pyotp.TOTP(secret).at(time.time() + 30),
            "label": "Logiciel du SESSAD",
        },
    )
    assert made.status == 201, made.text()
    ines.goto("/account")
    check(ines, "account with two-step sign-in and a token")
    visitor.goto("/login")
    visitor.fill("#identifier", "ines@example.org")
    visitor.fill("#password", DEMO_PASSWORD)
    visitor.get_by_role("button", name="Se connecter").click()
    visitor.wait_for_url("**/login/code")
    check(visitor, "/login/code")
    visitor.fill("#code", "000000")
    visitor.get_by_role("button", name="Se connecter").click()
    check(visitor, "/login/code refused")
    assert not failures, "\n\n".join(f"{what}:\n{text}" for what, text in failures.items())
