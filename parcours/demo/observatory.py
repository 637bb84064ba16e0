"""Demo data of the observatory: the demo's organisations serve Indre-et-Loire ("37"), six
more plans there give the figures something to show (an IME, then an ESAT, some after a
wait), and an observer (an MDPH analyst) sees the figures of that territory, never a plan.

The six plans are generated plainly, through the operations, by a coordinator who is not a
demo login; their people have no login either.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from parcours.accounts.models import Organisation
from parcours.accounts.operations import create_user, set_territory
from parcours.alliance.operations import approve_version, propose_version, save_voice
from parcours.core.models import today
from parcours.demo.people import PASSWORD, DemoWorld, _user
from parcours.extensions import db
from parcours.means.models import Outcome, StanceValue
from parcours.means.operations import (
    add_commitment,
    decide_means,
    keep_commitment,
    propose_means,
    take_stance,
)
from parcours.observatory.operations import add_observer
from parcours.plans.models import Role
from parcours.plans.operations import (
    accept_invitation,
    create_invitation,
    create_parcours,
    designate_pilot,
)
from parcours.timeline.models import EpisodeKind, HandoffStatus
from parcours.timeline.operations import add_episode, change_status, propose_handoff

TERRITORY = "37"
IME, ESAT = "IME Les Cèdres", "ESAT Le Val de Loire"
# Each plan: the person's pseudonym, the days without a service between the IME and the ESAT
# (a wait: "sans solution" when the ESAT has not started yet), the hand-off's meaning note
# and contact, whether the ESAT answered it, whether the person wrote their own voice, and
# whether the commitment was kept on time.
PLANS = (
    ("Inès", 0, True, True, True, True, True),
    ("Hugo", 45, True, True, True, True, False),
    ("Lina", 90, False, True, False, False, True),
    ("Noé", 30, True, False, True, True, True),
    ("Jade", 20, True, True, True, False, False),
    ("Malo", 160, False, False, False, True, True),  # still waiting: the ESAT starts next month
)


def _days_ago(days: int) -> datetime:
    return datetime.combine(today() - timedelta(days=days), time(10), tzinfo=UTC)


def build(world: DemoWorld) -> None:
    """Six plans of territory 37, every demo organisation in it, and its observer."""
    coordinator = create_user(
        email="coordination.37@demo.parcours.test",
        name="Sarah Petit",
        password=PASSWORD,
        is_professional=True,
        organisation=IME,
        function="coordinatrice de parcours",
    )
    for index, plan in enumerate(PLANS):
        _build_plan(coordinator, index, *plan)
    for organisation in db.session.scalars(select(Organisation)):
        set_territory(organisation, TERRITORY)
    _user(
        world,
        "observer",
        "Nadia, MDPH analyst: the observatory of territory 37 (figures, never a plan)",
        email="observatoire@demo.parcours.test",
        name="Nadia Roux",
    )
    add_observer("observatoire@demo.parcours.test", territory=TERRITORY)


def _build_plan(coordinator, index, name, gap, note, contact, answered, own_voice, kept):
    day = today()
    pro = create_parcours(coordinator, person_name=name, role=Role.professional)
    designate_pilot(pro, pro)
    person_user = create_user(login_name=f"demo-37-{index + 1}", name=name, password=PASSWORD)
    _invitation, token = create_invitation(pro, role=Role.person)
    person = accept_invitation(token, person_user)
    version = propose_version(
        pro, text=f"Que {name} trouve un travail qui lui plaît.", base_number=0
    )
    approve_version(pro, version.number)
    approve_version(person, version.number)
    if own_voice:
        save_voice(
            person, person, matters="Travailler dehors.", hopes="", worries="", base_number=0
        )

    ime_end = day - timedelta(days=200 if gap < 100 else 130)
    ime = add_episode(
        pro,
        kind=EpisodeKind.ime,
        organisation=IME,
        start_date=ime_end - timedelta(days=700),
        end_date=ime_end,
    )
    esat = add_episode(
        pro,
        kind=EpisodeKind.esat,
        organisation=ESAT,
        start_date=ime_end + timedelta(days=gap + 1),
    )
    handoff = propose_handoff(
        pro,
        from_episode_id=ime.id,
        to_episode_id=esat.id,
        services_in_contact=contact,
        meaning_note="Ce qui compte pour lui : travailler dehors, à son rythme." if note else "",
        proposed_on=ime_end - timedelta(days=20),
    )
    if answered:
        change_status(pro, handoff, HandoffStatus.accepted, by_phone="M. Lambert")
        handoff.events[-1].created_at = _days_ago((day - handoff.proposed_on).days - 7)

    means = propose_means(
        pro,
        title="Un stage en espaces verts",
        description="Deux semaines de stage dans l'atelier espaces verts.",
        carried_by=ESAT,
    )
    take_stance(person, means, value=StanceValue.support, comment="Oui, dehors.")
    decide_means(pro, means, outcome=Outcome.adopted, rationale="Tout le monde est d'accord.")
    commitment = add_commitment(
        pro, means, member=pro, action="Appeler l'ESAT pour le stage", due_on=day + timedelta(7)
    )
    commitment.due_on = day - timedelta(days=20)
    if kept:
        keep_commitment(pro, commitment)
        commitment.kept_at = _days_ago(25)
