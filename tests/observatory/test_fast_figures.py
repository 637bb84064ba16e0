"""The figures drawn from the facts kept per plan are those computed straight from every
plan's timeline (tests/observatory/reference.py), on varied data, fresh or stale."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from parcours.core import models as core_models
from parcours.core.models import today
from parcours.extensions import db
from parcours.observatory.facts import FACTS
from parcours.observatory.figures import Scope, compute_figures
from parcours.plans.models import Member
from parcours.plans.operations import set_observatory_opt_out
from parcours.timeline.models import DeclinedBy, EpisodeKind
from tests.observatory.conftest import ESAT, TERRITORY
from tests.observatory.reference import reference_figures
from tests.timeline.conftest import TimelineFactory

# Compared exactly: withheld, not rounded (rounding could hide a difference).
pytestmark = pytest.mark.usefixtures("unrounded")

PERIODS = [(-365, 0), (-150, -60), (-90, 30), (-400, -200), (-20, -20)]


def assert_same_figures(app, world, periods=PERIODS):
    """Both ways agree for the territory and the IME over every period, cold then warm."""
    scopes = [Scope(territory=TERRITORY), Scope(organisation_id=world.ime_id, name="IME")]
    for _round in ("cold or stale", "warm"):
        with app.app_context():
            for scope in scopes:
                for first, last in periods:
                    start, end = today() + timedelta(first), today() + timedelta(last)
                    assert compute_figures(scope, start, end) == reference_figures(
                        scope, start, end
                    ), (scope, first, last)
            db.session.commit()


def stored_facts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FACTS))


@pytest.fixture
def varied(app, world, make):
    """The world, plus: a hand-off declined, one still within its tolerance, a service
    planned later (a wait "sans solution"), a pause, a plan closed, a professional's
    commitment."""
    tl = TimelineFactory(app)
    plans = world.plans
    pro = plans[0]["professional"]
    esat = tl.episode(pro, ESAT, kind=EpisodeKind.esat, start=-60, end=-30)
    declined = tl.handoff(pro, esat, receiving_organisation="Foyer Les Glycines")
    tl.answer(
        plans[0]["pilot"],
        declined,
        "declined",
        by_phone="Mme Roy",
        reason="Complet",
        declined_by=DeclinedBy.service,
    )
    tl.episode(plans[1]["professional"], "Foyer Les Glycines", kind=EpisodeKind.foyer, start=20)
    recent = tl.episode(plans[2]["professional"], "SAVS", kind=EpisodeKind.home_support, start=-9)
    tl.handoff(plans[2]["professional"], recent, receiving_organisation="SAMSAH", proposed_on=-2)
    tl.episode(plans[3]["professional"], kind=EpisodeKind.pause, start=-40, end=-25)
    return world


def test_the_figures_are_those_of_every_timeline(app, varied):
    assert stored_facts(app) == 0
    assert_same_figures(app, varied)
    assert stored_facts(app) == len(varied.plans)


def test_a_change_makes_the_plan_s_facts_stale(app, varied):
    assert_same_figures(app, varied, PERIODS[:2])
    tl = TimelineFactory(app)
    pro = varied.plans[4]["professional"]
    tl.episode(pro, "Hôpital de jour", kind=EpisodeKind.hospital, start=-95, end=-80)
    assert_same_figures(app, varied)


def test_a_new_day_needs_no_new_facts(app, varied, monkeypatch):
    assert_same_figures(app, varied, PERIODS[:1])
    later = core_models.utcnow() + timedelta(days=45)
    monkeypatch.setattr(core_models, "utcnow", lambda: later)
    assert_same_figures(app, varied)


def test_a_plan_left_out_is_left_out_both_ways(app, varied, make):
    assert_same_figures(app, varied, PERIODS[:1])
    person = varied.plans[0]["person"]
    make._run(lambda: set_observatory_opt_out(db.session.get(Member, person.id), True))
    assert_same_figures(app, varied)
    with app.app_context():
        figures = compute_figures(Scope(territory=TERRITORY), today() - timedelta(365), today())
        assert figures.plans.value == len(varied.plans) - 1


def test_the_nightly_refresh_stores_the_facts_of_every_plan(app, world):
    """`flask timeline refresh` computes the facts of the plans that changed, so that the
    first figures after a day of changes read them only."""
    assert stored_facts(app) == 0
    result = app.test_cli_runner().invoke(args=["timeline", "refresh"])
    assert result.exit_code == 0, result.output
    assert stored_facts(app) == len(world.plans)
    assert_same_figures(app, world, periods=[(-365, 0)])
