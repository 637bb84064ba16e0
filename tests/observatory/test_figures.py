"""The figures on a known set of plans: exact values, the anonymity rule, the opt-out."""

from parcours.observatory.figures import percentile


def test_the_api_gives_the_figures_of_the_territory(world, api):
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


def test_the_nearest_rank_percentile():
    assert percentile([20, 30, 40, 50, 60], 0.9) == 60
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([], 0.9) is None
