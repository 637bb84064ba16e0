"""Fixtures of the observatory tests: a known set of plans followed by one IME, and an
observer of that IME and of its territory."""

from dataclasses import dataclass, field

import pytest

from parcours.accounts.models import find_organisation
from parcours.accounts.operations import set_territory
from parcours.alliance.operations import save_voice
from parcours.core.models import today
from parcours.extensions import db
from parcours.means import operations as means_operations
from parcours.means.models import Commitment
from parcours.observatory import figures
from parcours.observatory.operations import add_observer
from parcours.plans.models import Member
from parcours.timeline.models import EpisodeKind
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory

IME = "IME Les Cèdres"
ESAT = "ESAT Le Val"
TERRITORY = "37"
# The days nobody accompanied the person between the IME and the ESAT, plan by plan (the
# last plan has none: the ESAT took over the next day).
GAPS = (20, 30, 40, 50, 60, 0)


@dataclass
class World:
    plans: list[dict[str, Member]] = field(default_factory=list)
    ime_id: int = 0
    observer: object = None


def _m(member: Member) -> Member:
    return db.session.get(Member, member.id)


def build_plan(make, tl: TimelineFactory, mk: MeansFactory, index: int, gap: int) -> dict:
    """One plan: 200 days at the IME, `gap` days without a service, then the ESAT; a hand-off
    IME → ESAT (answered within the tolerance in plans 0 to 2, left unanswered in 3 to 5; a meaning
    note in 0 to 3; the services in contact in all); the person's own voice in plans 0 to 4; a
    commitment of the family, kept on time in plans 0 to 3, overdue in 4 to 5."""
    members = mk.alliance()
    pro = members["professional"]
    ime = tl.episode(pro, IME, kind=EpisodeKind.ime, start=-300, end=-100)
    tl.episode(pro, ESAT, kind=EpisodeKind.esat, start=-100 + gap + 1)
    answered = index < 3
    handoff = tl.handoff(
        pro,
        ime,
        receiving_organisation=ESAT,
        proposed_on=-5 if answered else -110,
        services_in_contact=True,
        meaning_note="Ce qui compte pour lui : le jardin." if index < 4 else "",
    )
    if answered:
        tl.answer(members["pilot"], handoff, "accepted", by_phone="Mme Roy")
    if index < 5:
        person = members["person"]
        make._run(
            lambda: save_voice(
                _m(person), _m(person), matters="Le jardin", hopes="", worries="", base_number=0
            )
        )
    means = mk.adopted(members)
    commitment = mk.commitment(members["pilot"], means, members["family"])
    if index < 4:
        make._run(
            lambda: means_operations.keep_commitment(
                _m(members["family"]), db.session.get(Commitment, commitment.id)
            )
        )
        mk.set_due(commitment, today())
    else:
        mk.set_due(commitment, tl.day(-10))
    return members


@pytest.fixture
def world(app, make) -> World:
    """Six plans followed by the IME (territory 37), and an observer of the territory and of
    the IME."""
    tl, mk = TimelineFactory(app), MeansFactory(make)
    result = World()
    for index, gap in enumerate(GAPS):
        result.plans.append(build_plan(make, tl, mk, index, gap))
    observer = make.user("Nadia Roux")

    def build():
        for name in (IME, ESAT):
            set_territory(find_organisation(name), TERRITORY)
        add_observer(observer.email, territory=TERRITORY)
        add_observer(observer.email, organisation=IME)
        return find_organisation(IME)

    result.ime_id = make._run(build).id
    result.observer = observer
    return result


@pytest.fixture
def observer(make):
    """An observer of a territory where no plan is."""
    user = make.user("Observer")
    make._run(lambda: add_observer(user.email, territory="2A"))
    return user


@pytest.fixture
def unrounded(monkeypatch):
    """The figures withheld but not rounded, for the tests of exact values (the rounding has
    its own tests)."""
    monkeypatch.setattr(figures, "published", lambda computed: computed)
