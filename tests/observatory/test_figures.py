"""The figures on a known set of plans: exact values, the anonymity rule, the opt-out."""

from sqlalchemy import select

from parcours.extensions import db
from parcours.observatory.figures import percentile
from parcours.timeline.models import Episode, EpisodeKind
from tests.timeline.conftest import TimelineFactory


def test_the_api_gives_the_figures_of_the_territory(world, api, unrounded):
    answer = api(world.observer).get("/api/v1/observatory?territory=37")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["scope"] == {"territory": "37"}
    assert body["plans"] == {"value": 6, "plans": 6, "suppressed": False}
    ruptures = body["ruptures"]
    assert ruptures["plans_with_rupture"] == {"value": 5, "plans": 5, "suppressed": False}
    assert ruptures["days_median"]["value"] == 40
    assert ruptures["days_p90"]["value"] == 60
    assert ruptures["ongoing"] == {"value": None, "plans": None, "suppressed": True}
    (transition,) = body["handoffs"]["transitions"]
    assert transition["from_kind"] == "ime" and transition["to_kind"] is None
    assert transition["count"] == {"value": 6, "plans": 6, "suppressed": False}
    assert transition["answered_in_time"]["value"] == 0.5
    missing = {key: figure["value"] for key, figure in transition["missing"].items()}
    assert missing == {"objective": 1.0, "person": 1.0, "meaning_note": 0.333, "contact": 0.0}
    assert body["handoffs"]["total"]["value"] == 6
    (commitments,) = body["commitments"]["organisations"]
    assert commitments["organisation_id"] is None
    assert commitments["count"]["value"] == 6
    assert commitments["kept_on_time"]["value"] == 0.667
    participation = body["participation"]
    assert participation["own_voice"] == {"value": 5, "plans": 5, "suppressed": False}
    assert participation["without_person"]["suppressed"] is True
    assert participation["days_to_agreement"] == {"value": 0, "plans": 6, "suppressed": False}


def test_the_figures_are_published_rounded_to_a_base_of_5(world, api):
    body = api(world.observer).get("/api/v1/observatory?territory=37").json
    assert body["plans"] == {"value": 5, "plans": 5, "suppressed": False}  # 6 plans
    (transition,) = body["handoffs"]["transitions"]
    assert transition["count"] == {"value": 5, "plans": 5, "suppressed": False}
    assert transition["missing"]["meaning_note"]["value"] == 0.35  # 2 of 6
    assert body["commitments"]["organisations"][0]["kept_on_time"]["value"] == 0.65  # 4 of 6
    assert body["ruptures"]["days_median"] == {"value": 40, "plans": 5, "suppressed": False}
    assert body["ruptures"]["ongoing"] == {"value": None, "plans": None, "suppressed": True}


def test_the_nearest_rank_percentile():
    assert percentile([20, 30, 40, 50, 60], 0.9) == 60
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([], 0.9) is None


def test_a_transition_under_five_plans_is_withheld_with_the_total(app, world, api, unrounded):
    pro = world.plans[0]["professional"]
    with app.app_context():
        esat = db.session.scalar(
            select(Episode).where(
                Episode.parcours_id == pro.parcours_id, Episode.kind == EpisodeKind.esat
            )
        )
    TimelineFactory(app).handoff(pro, esat, receiving_organisation="Foyer Les Glycines")
    body = api(world.observer).get("/api/v1/observatory?territory=37").json
    rows = {row["from_kind"]: row for row in body["handoffs"]["transitions"]}
    assert rows["esat"]["count"] == {"value": None, "plans": None, "suppressed": True}
    assert rows["esat"]["answered_in_time"]["suppressed"] is True
    assert rows["esat"]["missing"]["contact"]["suppressed"] is True
    # 7 hand-offs in all would give the withheld one (7 - 6): the total is withheld too.
    assert body["handoffs"]["total"]["suppressed"] is True
    assert rows["ime"]["count"]["value"] == 6


def test_an_organisation_s_figures_count_only_its_plans(world, make, api, unrounded):
    other = make.parcours()  # a plan the IME has no episode in
    assert other.parcours_id
    body = api(world.observer).get(f"/api/v1/observatory?organisation={world.ime_id}").json
    assert body["scope"] == {"organisation_id": world.ime_id, "name": "IME Les Cèdres"}
    assert body["plans"]["value"] == 6


def test_a_period_before_the_episodes_has_too_few_plans(world, api):
    body = (
        api(world.observer)
        .get("/api/v1/observatory?territory=37&from=2000-01-01&to=2000-12-31")
        .json
    )
    assert body["plans"] == {"value": None, "plans": None, "suppressed": True}
    assert body["handoffs"] == {
        "transitions": [],
        "total": {"value": None, "plans": None, "suppressed": True},
    }
