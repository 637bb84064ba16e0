"""Demo data of the observatory: the demo's organisations serve Indre-et-Loire ("37"), and an
observer (an MDPH analyst) sees the figures of that territory, never a plan."""

from __future__ import annotations

from sqlalchemy import select

from parcours.accounts.models import Organisation
from parcours.accounts.operations import set_territory
from parcours.demo.people import DemoWorld, _user
from parcours.extensions import db
from parcours.observatory.operations import add_observer

TERRITORY = "37"


def build(world: DemoWorld) -> None:
    """Every demo organisation in territory 37, and its observer."""
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
