"""An episode entered by mistake is deleted (whoever recorded it, or the pilot), with why: it
leaves the timeline, its checks, the caseload and the files; one a hand-off starts or ends at
stays."""

import pytest

from parcours.core.audit import AccessLogEntry
from parcours.extensions import db
from parcours.timeline.models import Episode


def url(member, episode) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/episodes/{episode.id}"


@pytest.fixture
def plan(make, tl):
    members = make.alliance()
    first = tl.episode(members["professional"], start=-200, end=-100)
    mistake = tl.episode(members["professional"], "IME Les Tilleuls", start=-20)
    return members, first, mistake


def kinds(api, member) -> list[str]:
    flags = api(member.user).get(f"/api/v1/parcours/{member.parcours_id}/flags").json
    return [f["kind"] for f in flags["flags"]]


def test_whoever_recorded_it_deletes_it_and_the_checks_forget_it(api, plan):
    members, _first, mistake = plan
    pro = members["professional"]
    # With it, the wait before it is a past rupture; without it, an ongoing one.
    assert "ongoing_rupture" not in kinds(api, pro)
    response = api(pro.user).delete(url(pro, mistake), json={"reason": "Mauvais service"})
    assert response.status_code == 204
    listed = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/episodes").json
    assert mistake.id not in [e["id"] for e in listed["episodes"]]
    assert api(pro.user).get(url(pro, mistake)).status_code == 404
    assert "ongoing_rupture" in kinds(api, pro)
    row = db.session.get(Episode, mistake.id)
    assert (row.deleted_by_id, row.deletion_reason) == (pro.id, "Mauvais service")
    assert db.session.scalar(
        db.select(AccessLogEntry.id).where(AccessLogEntry.event == "episode.deleted")
    )


def test_not_by_another_member(api, plan):
    members, _first, mistake = plan
    family = members["family"]
    response = api(family.user).delete(url(family, mistake), json={"reason": "Erreur"})
    assert response.status_code == 403
    assert response.json["error"] == "cannot_delete"


def test_the_pilot_may(api, make, plan):
    members, _first, mistake = plan
    family = make.pilot(members["family"])
    response = api(family.user).delete(url(family, mistake), json={"reason": "Erreur"})
    assert response.status_code == 204


def test_without_a_reason_is_422(api, plan):
    members, _first, mistake = plan
    pro = members["professional"]
    response = api(pro.user).delete(url(pro, mistake), json={"reason": " "})
    assert response.status_code == 422
    assert response.json["error"] == "missing_reason"


def test_one_with_a_handoff_stays(api, tl, plan):
    members, first, mistake = plan
    pro = members["professional"]
    tl.handoff(pro, first, to_episode=mistake)
    for episode in (first, mistake):
        response = api(pro.user).delete(url(pro, episode), json={"reason": "Erreur"})
        assert response.status_code == 409
        assert response.json["error"] == "has_handoffs"


def test_from_the_page(client, sign_in, plan):
    members, _first, mistake = plan
    pro = members["professional"]
    sign_in(pro.user)
    edit = f"/parcours/{pro.parcours_id}/timeline/episodes/{mistake.id}/edit"
    assert "Recorded by mistake?" in client.get(edit).text
    response = client.post(
        f"/parcours/{pro.parcours_id}/timeline/episodes/{mistake.id}/deletion",
        data={"reason": "Doublon"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The episode IME Les Tilleuls is deleted." in response.text
    assert response.text.count("IME Les Tilleuls") == 1
    assert client.get(edit).status_code == 404


def test_the_caseload_snapshot_forgets_it(api, plan):
    members, _first, mistake = plan
    pro = members["professional"]

    def ongoing() -> bool:
        [entry] = api(pro.user).get("/api/v1/caseload").json["parcours"]
        return entry["ongoing_rupture"]

    assert not ongoing()  # the snapshot is taken
    api(pro.user).delete(url(pro, mistake), json={"reason": "Erreur"})
    assert ongoing()
