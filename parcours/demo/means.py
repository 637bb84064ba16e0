"""Demo data for the means: the seeds' two divergent proposals for Léo, a third one adopted by
all with two commitments (one kept, one overdue), and a review held a month ago.

Built through the operations so the rules hold; dates are then moved into the past, so the
demo tells a story that took a few weeks.
"""

from datetime import UTC, datetime, time, timedelta

from parcours.alliance.models import latest_version
from parcours.alliance.operations import approve_version
from parcours.core.models import today
from parcours.demo.people import DemoWorld
from parcours.extensions import db
from parcours.means.models import Category, Outcome, StanceValue
from parcours.means.operations import (
    add_commitment,
    add_review_comment,
    decide_means,
    hold_review,
    keep_commitment,
    propose_means,
    take_stance,
)

SUPPORT, RESERVATIONS, OPPOSE = StanceValue.support, StanceValue.reservations, StanceValue.oppose


def _days_ago(days: int, hour: int = 10) -> datetime:
    """A moment `days` ago (UTC), for the rows the operations stamped with now."""
    return datetime.combine(today() - timedelta(days=days), time(hour), tzinfo=UTC)


def build(world: DemoWorld) -> None:
    """The means of both plans: Léo's, then Thomas's."""
    build_leo(world)
    build_thomas(world)


def build_thomas(world: DemoWorld) -> None:
    """Thomas's alliance, his objective agreed, has an idea waiting for his own stance (Marc
    proposed learning to take the bus alone, Amina supports it), and one adopted with him a
    month ago, with a commitment of his due in two days."""
    thomas, marc = world.member("thomas", "thomas"), world.member("thomas", "marc")
    amina = world.member("thomas", "amina")
    latest = latest_version(thomas.parcours_id)
    if latest is not None and all(a.member_id != thomas.id for a in latest.approvals):
        approve_version(thomas, latest.number)
    bus = propose_means(
        marc,
        title="Apprendre à prendre le bus seul, avec un éducateur du SAVS",
        description="Un éducateur fait le trajet avec Thomas, de chez lui à l'ESAT, trois fois "
        "par semaine, puis le suit de loin, jusqu'à ce qu'il le fasse seul.",
        carried_by="Le SAVS, avec l'ESAT pour les horaires",
        category=Category.daily_life,
    )
    amina_stance = take_stance(
        amina, bus, value=SUPPORT, comment="Il en a envie, et ce serait rassurant pour tous."
    )
    # An idea adopted with Thomas a month ago, and what he said he would do this week.
    cooking = propose_means(
        amina,
        title="Un atelier cuisine le mercredi soir au foyer",
        description="Thomas apprend à faire ses courses avec une liste et à préparer deux "
        "repas simples, avec une éducatrice du foyer.",
        carried_by="Le foyer Les Glycines",
        category=Category.daily_life,
    )
    cooking_stances = [
        take_stance(member, cooking, value=SUPPORT, comment=comment)
        for member, comment in (
            (thomas, "Oui. J'aime faire à manger."),
            (amina, "Il cuisine déjà avec moi le dimanche."),
            (marc, "Ça l'aidera pour son appartement."),
        )
    ]
    adopted = decide_means(
        marc,
        cooking,
        outcome=Outcome.adopted,
        rationale="Thomas le veut, et c'est un pas vers son appartement.",
        participant_ids=[thomas.id, amina.id, marc.id],
    )
    shopping = add_commitment(
        marc,
        cooking,
        member=thomas,
        action="Faire la liste de courses de la semaine",
        due_on=today() + timedelta(days=2),
    )
    db.session.flush()
    bus.created_at = _days_ago(6)
    amina_stance.created_at = _days_ago(5)
    cooking.created_at = _days_ago(35)
    for stance in cooking_stances:
        stance.created_at = _days_ago(33)
    adopted.created_at = _days_ago(30)
    shopping.created_at = _days_ago(30, 11)
    db.session.flush()


def build_leo(world: DemoWorld) -> None:
    """Léo's alliance negotiates the means: an ordinary class or an internal teaching unit."""
    sophie = world.member("leo", "sophie")  # mother, legal representative
    karim = world.member("leo", "karim")  # father
    claire = world.member("leo", "claire")  # coordinator, the pilot
    julien = world.member("leo", "julien")  # teacher at the IME

    ordinary = propose_means(
        sophie,
        title="Classe ordinaire avec une AESH",
        description="Léo va à l'école du quartier, dans la classe de son âge, avec une "
        "accompagnante (AESH) pour l'aider en classe et dans la cour.",
        carried_by="L'école du quartier, avec une AESH notifiée par la MDPH",
        category=Category.schooling,
    )
    unit = propose_means(
        julien,
        title="Unité d'enseignement interne à l'IME",
        description="Léo suit sa scolarité dans l'unité d'enseignement de l'IME, en petit "
        "groupe de six élèves, avec un enseignant spécialisé et les séances d'orthophonie "
        "sur place.",
        carried_by="L'IME Les Tilleuls (Julien, enseignant spécialisé)",
        category=Category.schooling,
    )
    stances = [
        (ordinary, sophie, SUPPORT, "C'est l'école de son frère : il y a ses copains."),
        (ordinary, karim, SUPPORT, "À condition que les journées ne soient pas trop longues."),
        (
            ordinary,
            julien,
            RESERVATIONS,
            "Une classe de 28 élèves toute la semaine risque de le mettre en échec.",
        ),
        (ordinary, claire, RESERVATIONS, "Il faut d'abord obtenir l'AESH : plusieurs mois."),
        (unit, julien, SUPPORT, "Il apprend à son rythme, avec l'orthophonie sur place."),
        (unit, claire, SUPPORT, "Les soins et l'école au même endroit, moins de fatigue."),
        (unit, sophie, OPPOSE, "On l'enfermerait dans un parcours à part."),
        (unit, karim, RESERVATIONS, "Bien pour les soins, mais il perdrait ses copains."),
    ]
    first_stances = [
        take_stance(member, means, value=value, comment=comment)
        for means, member, value, comment in stances
    ]

    both = propose_means(
        claire,
        title="Inclusion progressive : UE interne et deux demi-journées en classe ordinaire",
        description="Léo reste dans l'unité d'enseignement de l'IME et rejoint la classe de "
        "son âge à l'école du quartier deux demi-journées par semaine, accompagné par un "
        "éducateur. On fait le point au bilan.",
        carried_by="L'IME et l'école du quartier, ensemble",
        category=Category.schooling,
    )
    later_stances = [
        take_stance(member, both, value=SUPPORT, comment=comment)
        for member, comment in (
            (sophie, "Il garde un pied dans l'école du quartier : on essaie."),
            (karim, "Deux demi-journées, c'est raisonnable pour sa fatigue."),
            (julien, "Je peux préparer les séances avec l'enseignante de l'école."),
            (claire, "Chacun y retrouve ce qui compte pour lui."),
        )
    ]
    decision = decide_means(
        claire,
        both,
        outcome=Outcome.adopted,
        rationale="Les parents tiennent à l'école du quartier, l'équipe à un rythme adapté : "
        "l'inclusion progressive répond aux deux. Sophie a donné sa position en tant que "
        "représentante légale de Léo. On décidera au bilan s'il faut plus de temps en classe.",
        participant_ids=[sophie.id, karim.id, claire.id, julien.id],
    )
    kept = add_commitment(
        claire,
        both,
        member=julien,
        action="Organiser la rencontre avec l'école du quartier",
        due_on=today() + timedelta(days=1),
    )
    overdue = add_commitment(
        claire,
        both,
        member=claire,
        action="Déposer la demande d'AESH à la MDPH",
        due_on=today() + timedelta(days=1),
    )
    keep_commitment(julien, kept)

    review = hold_review(
        claire,
        held_on=today() - timedelta(days=30),
        assessments=[
            "Il se fait comprendre à l'école du quartier avec les gestes appris à l'IME.",
            "Il joue avec Nathan et Inès dans la cour les mardis.",
            "Il reconnaît une dizaine de mots ; pas encore de lecture suivie.",
        ],
        what_to_change="Garder les deux demi-journées ; relancer la demande d'AESH pour la "
        "rentrée ; prévoir un temps de repos le mardi après-midi.",
        view="Le démarrage est bon, la fatigue du mardi est à surveiller.",
    )
    add_review_comment(
        sophie, review, view="Il parle de ses copains de l'école tous les soirs. Contents."
    )
    add_review_comment(
        julien, review, view="Il revient de l'école ordinaire fier, mais fatigué le mercredi."
    )
    db.session.flush()

    # The story took a few weeks: move the stamps of the operations into the past.
    for means in (ordinary, unit):
        means.created_at = _days_ago(50)
    both.created_at = _days_ago(42)
    for stance in first_stances:
        stance.created_at = _days_ago(45)
    for stance in later_stances:
        stance.created_at = _days_ago(40)
    decision.created_at = _days_ago(38)
    for commitment in (kept, overdue):
        commitment.created_at = _days_ago(38, 11)
    kept.due_on = today() - timedelta(days=25)
    kept.kept_at = _days_ago(27)
    overdue.due_on = today() - timedelta(days=10)
    review.created_at = _days_ago(30, 17)
    for view in review.views:  # the author's, then the two added afterwards
        view.created_at = _days_ago(29)
    db.session.flush()
