"""Demo data of the timeline: Léo's wait for an IME, Thomas's well-relayed move to the ESAT.

Runs after the foundation's demo (`build_people`, `build_leo`, `build_thomas`); dates are
relative to today so the demo always shows the same picture.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from parcours.alliance.models import latest_version
from parcours.alliance.operations import approve_version
from parcours.core.models import today
from parcours.demo.people import DemoWorld, agree
from parcours.timeline.models import EpisodeKind, HandoffStatus
from parcours.timeline.operations import (
    accept_handoff,
    acknowledge_flag,
    add_episode,
    answer_through_link,
    complete_handoff,
    confirm_person_involved,
    create_answer_link,
    propose_handoff,
)


def _days_ago(days: int) -> datetime:
    """A moment `days` ago (UTC), for the history rows the operations stamped with now."""
    return datetime.combine(today() - timedelta(days=days), time(10), tzinfo=UTC)


def _date_history(handoff, *days_ago: int) -> None:
    """Spread the hand-off's history (proposed, accepted, completed) over past days."""
    for event, days in zip(handoff.events, days_ago, strict=True):
        event.created_at = _days_ago(days)


def build(world: DemoWorld) -> None:
    """Episodes and hand-offs for Léo and Thomas; Claire's caseload shows Léo's rupture first."""
    build_leo(world)
    build_thomas(world)


def build_leo(world: DemoWorld) -> None:
    """SESSAD, then three months on a waiting list, then the IME; the hand-off carried no
    meaning note."""
    claire, julien = world.member("leo", "claire"), world.member("leo", "julien")
    day = today()
    sessad = add_episode(
        claire,
        kind=EpisodeKind.sessad,
        organisation="SESSAD Les Mouettes",
        start_date=day - timedelta(days=2 * 365),
        end_date=day - timedelta(days=122),
        referent_member_id=claire.id,
    )
    ime = add_episode(
        claire,
        kind=EpisodeKind.ime,
        organisation="IME Les Tilleuls",
        label="IME Les Tilleuls, unité d'enseignement",
        start_date=day - timedelta(days=31),
        referent_member_id=julien.id,
    )
    handoff = propose_handoff(
        claire,
        from_episode_id=sessad.id,
        to_episode_id=ime.id,
        person_involved=True,
        services_in_contact=True,
        meaning_note="",
        proposed_on=day - timedelta(days=160),
    )
    accept_handoff(julien, handoff)
    complete_handoff(julien, handoff)
    # Léo took part, Claire wrote; Sophie, his legal representative, confirmed it.
    confirm_person_involved(world.member("leo", "sophie"), handoff, True)
    _date_history(handoff, 160, 95, 31, 30)
    handoff.person_confirmed_at = _days_ago(30)
    # The three months without a service are over: Claire answers that check, it stays.
    acknowledge_flag(
        claire,
        f"rupture-e{sessad.id}",
        "Les trois mois d'attente sont derrière nous. Nous en reparlons avec les parents à la "
        "prochaine réunion, pour préparer la suite plus tôt.",
    )


MEANING_NOTE_THOMAS = (
    "Ce qui compte pour Thomas : travailler dehors, aux espaces verts, avec ses collègues "
    "de l'atelier ; qu'on lui explique avec des mots simples et qu'on lui laisse le temps.\n"
    "Ce qui a marché à l'IME : les stages courts avec un moniteur qu'il connaissait, un "
    "planning en images, le trajet appris pas à pas.\n"
    "Ce qui reste ouvert : le logement (il veut son appartement), prendre le bus seul, "
    "gérer son argent de la semaine."
)


def build_thomas(world: DemoWorld) -> None:
    """From the IME to the ESAT with a complete relais de sens.

    The objective element needs the objective in force, approved by someone from the ESAT
    (Marc did). The foundation's demo leaves version 1 waiting for Thomas's approval, so he
    approves it here.
    """
    claire, marc = world.member("thomas", "claire"), world.member("thomas", "marc")
    thomas = world.member("thomas", "thomas")
    latest = latest_version(thomas.parcours_id)
    if latest is not None and all(a.member_id != thomas.id for a in latest.approvals):
        approve_version(thomas, latest.number)
    day = today()
    ime = add_episode(
        claire,
        kind=EpisodeKind.ime,
        organisation="IME Les Tilleuls",
        label="IME Les Tilleuls, section pré-professionnelle",
        start_date=day - timedelta(days=6 * 365),
        end_date=day - timedelta(days=366),
    )
    esat = add_episode(
        claire,
        kind=EpisodeKind.esat,
        organisation="ESAT Les Ateliers du Val",
        label="ESAT Les Ateliers du Val, atelier espaces verts",
        start_date=day - timedelta(days=365),
        referent_member_id=marc.id,
    )
    handoff = propose_handoff(
        claire,
        from_episode_id=ime.id,
        to_episode_id=esat.id,
        person_involved=True,
        services_in_contact=True,
        meaning_note=MEANING_NOTE_THOMAS,
        proposed_on=day - timedelta(days=420),
    )
    accept_handoff(marc, handoff)
    complete_handoff(marc, handoff)
    # Thomas confirmed himself that he was there when his arrival at the ESAT was prepared.
    confirm_person_involved(thomas, handoff, True)
    _date_history(handoff, 420, 400, 365, 360)
    handoff.person_confirmed_at = _days_ago(360)
    # The IME's evening activities go on at a foyer, which nobody of is in the plan: Claire
    # sent it an answer link, and its educator answered through it.
    foyer = propose_handoff(
        claire,
        from_episode_id=ime.id,
        receiving_organisation="Foyer Les Glycines",
        person_involved=True,
        meaning_note=MEANING_NOTE_THOMAS,
        proposed_on=day - timedelta(days=370),
    )
    _link, token = create_answer_link(claire, foyer)
    # The foyer had nobody in the plan: Thomas agreed to share it before the link opened.
    agree(thomas, foyer.receiving_organisation_id)
    answer_through_link(
        token,
        status=HandoffStatus.accepted,
        name="Mme Roy",
        function="éducatrice",
        organisation="Foyer Les Glycines",
        approves_objective=True,
        in_contact=True,
    )
    _date_history(foyer, 370, 368)
    # Claire ticked "Thomas took part" for the foyer too: it waits for Thomas's own answer, on
    # his easy-read page (until then the relais lacks the person's part).
