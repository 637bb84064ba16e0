"""The three journeys of issue 5, in a real browser against the app served on 127.0.0.1.
Each saves a screenshot of its last page in test-artifacts/."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from parcours.alliance.models import latest_version
from parcours.alliance.operations import propose_version
from parcours.core.models import today
from parcours.extensions import db
from parcours.means.models import Outcome, StanceValue
from parcours.means.operations import add_commitment, decide_means, propose_means, take_stance
from tests.browser.conftest import DEMO_PASSWORD, screenshot


def in_app(live_server, build):
    """Run `build` against the live server's database (setup the story needs)."""
    with live_server["app"].app_context():
        result = build()
        db.session.commit()
        return result


def demo_member(login: str, person_name: str):
    from parcours.accounts.models import user_by_identifier
    from parcours.plans.models import Member, Parcours

    user = user_by_identifier(login)
    return db.session.scalar(
        db.select(Member)
        .join(Parcours)
        .where(Member.user_id == user.id, Parcours.person_name == person_name)
    )


def tab_to(page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text (or value) contains `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; "
            "return (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(); }"
        )
        if text in focused:
            return
    pytest.fail(f"could not reach {text!r} with the keyboard")


def option_value(page, select: str, text: str) -> str:
    """The value of the option of a <select> whose label contains `text`."""
    return page.locator(f"{select} option", has_text=text).first.get_attribute("value")


def follow(page) -> None:
    """Press Enter on the focused link or button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def tab_to_field(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches the selector."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"could not reach {selector} with the keyboard")


def test_journey_1_parents_co_edit_their_plan(new_page, live_server):
    """A parent accepts an invitation, writes their voice, edits the objective, meets a
    conflicting edit from a professional and merges it, approves: the objective is agreed."""
    from parcours.alliance.operations import approve_version, propose_version
    from parcours.plans.models import Role
    from parcours.plans.operations import create_invitation, create_parcours

    def setup():
        from parcours.accounts.models import user_by_identifier

        claire = create_parcours(
            user_by_identifier("claire@demo.parcours.test"),
            person_name="Nina",
            role=Role.professional,
        )
        propose_version(claire, text="Que Nina apprenne à lire.", base_number=0)
        approve_version(claire, 1)
        _invitation, token = create_invitation(claire, role=Role.family)
        return claire.parcours_id, token

    parcours_id, token = in_app(live_server, setup)
    parent = new_page()
    parent.goto(f"/invitations/{token}")
    parent.get_by_role("link", name="Créer mon compte").click()
    parent.fill("#name", "Aïcha")
    parent.fill("#email", "aicha@example.org")
    parent.fill("#password", "un mot de passe assez long")
    parent.get_by_role("button", name="Créer mon compte").click()
    parent.get_by_role("button", name="Rejoindre le parcours").click()
    expect(parent.locator("main")).to_contain_text("Bienvenue dans le parcours de Nina.")

    parent.get_by_role("link", name="Points de vue").click()
    parent.get_by_role("link", name="Écrire mon point de vue").click()
    parent.fill("#matters", "Qu'elle ait des amies à l'école.")
    parent.get_by_role("button", name="Enregistrer").click()
    expect(parent.locator("main")).to_contain_text("Qu'elle ait des amies à l'école.")

    parent.get_by_role("link", name="Objectif", exact=True).click()
    parent.get_by_role("link", name="Proposer une modification").click()
    parent.fill("#text", "Que Nina apprenne à lire et ait des amies.")

    # Meanwhile, the professional saves another version.
    claire = new_page(login="claire@demo.parcours.test")
    claire.goto(f"/parcours/{parcours_id}/objective/edit")
    claire.fill("#text", "Que Nina apprenne à lire et à compter.")
    claire.get_by_role("button", name="Enregistrer cette version").click()
    expect(claire.locator("main")).to_contain_text("La version 2 est enregistrée")

    parent.get_by_role("button", name="Enregistrer cette version").click()
    conflict = parent.locator("#conflict")
    expect(conflict).to_contain_text("Quelqu'un a enregistré une nouvelle version")
    expect(conflict).to_contain_text("compter")  # the professional's text, beside the parent's
    expect(parent.locator("#text")).to_have_value("Que Nina apprenne à lire et ait des amies.")
    parent.fill("#text", "Que Nina apprenne à lire et à compter, et ait des amies.")
    parent.get_by_role("button", name="Enregistrer cette version").click()
    expect(parent.locator("main")).to_contain_text("La version 3 est enregistrée")
    parent.get_by_role("button", name="Je me reconnais dans cet objectif").click()
    expect(parent.locator("main")).to_contain_text("Vous avez approuvé la version 3.")

    # What waits for Claire: the version the parent saved, in "For me" (the whole list: the
    # home page shows its first five, and the demo gives Claire more than that).
    claire.goto("/inbox")
    to_do = "section[aria-labelledby=todo-heading] li.inbox__item"
    waiting = claire.locator(to_do, has_text="Parcours de Nina")
    expect(waiting).to_contain_text("La version 3 de l'objectif commun attend votre accord.")
    waiting.get_by_role("link").click()
    claire.get_by_role("button", name="Je me reconnais dans cet objectif").click()
    expect(claire.locator("main")).to_contain_text("Tout le monde a approuvé")
    claire.goto("/inbox")
    expect(claire.locator(to_do, has_text="Parcours de Nina")).to_have_count(0)
    parent.goto(f"/parcours/{parcours_id}/objective")
    in_force = parent.locator("section[aria-labelledby=in-force-heading]")
    expect(in_force).to_contain_text("Que Nina apprenne à lire et à compter, et ait des amies.")
    expect(in_force).to_contain_text("Validé le")
    screenshot(parent, "journey-1-parents")


def test_journey_2_an_esat_worker_voices_his_view_with_the_keyboard(new_page, live_server):
    """In easy-read mode, keyboard only: he writes what matters to him, approves the
    objective, says "I'm not sure" on a means, says "I did it" of his commitment by mistake
    and takes it back."""

    def setup():
        marc = demo_member("marc@demo.parcours.test", "Thomas")
        latest = latest_version(marc.parcours_id)
        propose_version(
            marc,
            text="Que Thomas vive dans son appartement et garde son travail à l'ESAT.",
            indicators=latest.indicators,
            base_number=latest.number,
        )
        propose_means(
            marc,
            title="Visiter un appartement avec le SAVS",
            description="Une visite avec une éducatrice du SAVS, un mercredi après-midi.",
            carried_by="Le SAVS",
        )
        # An adopted means with a commitment of his (Marc is the pilot of his plan).
        thomas = demo_member("thomas", "Thomas")
        bus = propose_means(
            marc,
            title="Aller seul à l'ESAT en bus",
            description="Le bus 12, avec Marc les premières fois.",
            carried_by="Thomas et l'ESAT",
        )
        take_stance(thomas, bus, value=StanceValue.support)
        decide_means(marc, bus, outcome=Outcome.adopted, rationale="Thomas le veut.")
        add_commitment(
            marc,
            bus,
            member=thomas,
            action="Prendre le bus 12 un matin",
            due_on=today() + timedelta(days=14),
        )
        return marc.parcours_id

    parcours_id = in_app(live_server, setup)
    page = new_page()
    page.goto("/login")
    page.focus("#identifier")
    page.keyboard.type("thomas")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    follow(page)
    assert page.url.endswith(f"/easy/parcours/{parcours_id}")
    # What waits for him, as big cards: the new version of the objective among them.
    for_me = page.locator("section[aria-labelledby=for-me]")
    expect(for_me.locator("h2")).to_contain_text("choses vous attendent")
    expect(for_me).to_contain_text("Lisez le nouveau but, et dites si vous êtes d'accord.")

    tab_to(page, "Dire ce qui est important pour moi")
    follow(page)
    tab_to(page, "Changer")  # the first question: what is important to me
    follow(page)
    tab_to_field(page, "#answer")
    page.keyboard.press("Control+A")
    page.keyboard.type("Mon travail aux espaces verts. Mes collègues. Le foot le samedi.")
    tab_to(page, "Enregistrer")
    follow(page)
    expect(page.locator("main")).to_contain_text("Le foot le samedi.")

    tab_to(page, "Retour à mon parcours")
    follow(page)
    tab_to(page, "Lire notre objectif")
    follow(page)
    expect(page.locator("main")).to_contain_text("garde son travail")
    tab_to(page, "Oui, je suis d'accord")
    follow(page)
    expect(page.locator("main")).to_contain_text("Vous avez dit oui à cet objectif.")

    tab_to(page, "Retour à mon parcours")
    follow(page)
    # Done, so no longer waiting.
    expect(page.locator("main")).not_to_contain_text("Lisez le nouveau but")
    tab_to(page, "Donner mon avis sur les idées")
    follow(page)
    tab_to(page, "Visiter un appartement avec le SAVS")
    follow(page)
    tab_to(page, "Je ne sais pas")
    follow(page)
    expect(page.locator("main")).to_contain_text("Votre réponse est enregistrée.")
    expect(page.locator("main")).to_contain_text("Ma réponse\u202f: Je ne sais pas")

    # "I did it", by mistake, then taken back.
    tab_to(page, "Retour à mon parcours")
    follow(page)
    tab_to(page, "Voir ce que nous avons promis de faire")
    follow(page)
    expect(page.locator("main")).to_contain_text("Prendre le bus 12 un matin")
    tab_to(page, "Je l'ai fait")
    follow(page)
    expect(page.locator("main")).to_contain_text("C'est noté comme fait.")
    tab_to(page, "Oups, ce n\u2019est pas fait")
    follow(page)
    expect(page.locator("main")).to_contain_text("D\u2019accord. C\u2019est de nouveau à faire.")
    # Both his commitments are to do again: the one he had marked, and the demo's own.
    expect(page.get_by_role("button", name="Je l'ai fait")).to_have_count(2)
    screenshot(page, "journey-2-esat-worker")


def test_journey_3_a_professional_logs_a_transition(new_page, live_server):
    """She adds the next service's episode, proposes a hand-off with the checklist, and sees
    the flag change on the timeline and in the caseload."""
    from parcours.plans.models import Role
    from parcours.plans.operations import create_parcours
    from parcours.timeline.models import EpisodeKind
    from parcours.timeline.operations import add_episode

    def setup():
        from parcours.accounts.models import user_by_identifier
        from parcours.accounts.operations import create_user
        from parcours.plans.operations import accept_invitation
        from tests.factories import invite_consented

        claire = create_parcours(
            user_by_identifier("claire@demo.parcours.test"),
            person_name="Sami",
            role=Role.professional,
        )
        # A monitor of the ESAT that will take over, already a member of the plan.
        lucas = create_user(
            name="Lucas",
            email="lucas@esat.example.org",
            password=DEMO_PASSWORD,
            is_professional=True,
            organisation="ESAT Les Ateliers du Val",
            function="moniteur d'atelier",
        )
        accept_invitation(invite_consented(claire, lucas, Role.professional), lucas)
        add_episode(
            claire,
            kind=EpisodeKind.ime,
            organisation="IME Les Tilleuls",
            start_date=today() - timedelta(days=400),
            end_date=today() - timedelta(days=5),
        )
        return claire.parcours_id

    parcours_id = in_app(live_server, setup)
    page = new_page(login="claire@demo.parcours.test")
    page.goto(f"/parcours/{parcours_id}/timeline")
    assert "Passage de relais manquant" in page.inner_text("main")

    page.goto("/caseload")
    sami_before = page.inner_text("tr:has-text('Sami')")

    page.goto(f"/parcours/{parcours_id}/timeline")
    page.get_by_role("link", name="Ajouter un accompagnement").click()
    page.select_option("#kind", "esat")
    page.fill("#organisation", "ESAT Les Ateliers du Val")
    page.fill("#start_date", (today() - timedelta(days=4)).isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("L'accompagnement ESAT Les Ateliers du Val")

    page.get_by_role("link", name="Proposer un passage de relais").click()
    page.select_option("#from_episode_id", option_value(page, "#from_episode_id", "IME"))
    page.check("input[name=receiver][value=episode]")
    page.select_option("#to_episode_id", option_value(page, "#to_episode_id", "ESAT"))
    page.check("#person_involved")
    page.check("#services_in_contact")
    page.fill(
        "#meaning_note",
        "Sami aime le travail en extérieur ; il a besoin qu'on lui explique pas à pas.",
    )
    page.get_by_role("button", name="Proposer le passage de relais").click()
    expect(page.locator("main")).to_contain_text("Le passage de relais est proposé.")

    page.goto(f"/parcours/{parcours_id}/timeline")
    attention = page.inner_text("main")
    assert "Relais de sens incomplet" in attention
    assert "l'objectif partagé transmis" in attention
    assert "Passage de relais manquant" not in attention

    page.goto("/caseload")
    sami_after = page.inner_text("tr:has-text('Sami')")
    assert sami_after != sami_before
    assert "Relais de sens incomplet" in sami_after
    screenshot(page, "journey-3-professional")

    # The receiving service: the hand-off waits for its answer in "For me".
    lucas = new_page(login="lucas@esat.example.org")
    lucas.goto("/inbox")
    to_do = "section[aria-labelledby=todo-heading] li.inbox__item"
    waiting = lucas.locator(to_do, has_text="Parcours de Sami")
    expect(waiting).to_contain_text(
        "Un passage de relais vers votre organisation attend sa réponse."
    )
    waiting.get_by_role("link").click()
    lucas.get_by_role("button", name="Accepter le passage de relais").click()
    lucas.goto("/inbox")
    expect(lucas.locator(to_do, has_text="Parcours de Sami")).to_have_count(0)
