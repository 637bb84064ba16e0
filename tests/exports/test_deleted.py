"""What was deleted as entered by mistake leaves the files: the FHIR export, the CSV tables
and the printable plan; a cancelled commitment is no "next date"."""

from datetime import timedelta

from parcours.core.models import today
from parcours.exports.printable import load_plan
from tests.means.factories import MeansFactory


def test_deleted_rows_leave_the_exports(app, make, api, tl, sign_in, client):
    mk = MeansFactory(make)
    members = mk.alliance()
    pilot = members["pilot"]
    pid = pilot.parcours_id
    means = mk.adopted(members)
    mk.commitment(pilot, means, members["family"], action="GARDÉ")
    deleted = mk.commitment(pilot, means, members["family"], action="SUPPRIMÉ")
    cancelled = mk.commitment(pilot, means, members["family"], action="ANNULÉ")
    tl.episode(pilot, "SESSAD Les Mouettes", start=-100)
    mistake = tl.episode(pilot, "Service SUPPRIMÉ", start=-50)
    base = f"/api/v1/parcours/{pid}"
    caller = api(pilot.user)
    assert caller.delete(f"{base}/commitments/{deleted.id}", json={"reason": "x"}).status_code
    assert caller.post(f"{base}/commitments/{cancelled.id}/cancellation", json={"reason": "x"})
    assert caller.delete(f"{base}/episodes/{mistake.id}", json={"reason": "x"}).status_code == 204
    fhir = caller.get(f"{base}/fhir").get_data(as_text=True)
    assert "GARDÉ" in fhir
    assert "SUPPRIMÉ" not in fhir
    assert "ANNULÉ" not in fhir
    sign_in(pilot.user)
    table = client.get(f"/parcours/{pid}/export/timeline.csv").get_data(as_text=True)
    assert "SESSAD" in table and "SUPPRIMÉ" not in table
    with app.test_request_context():
        plan = load_plan(pid, today() + timedelta(days=1))
        assert [c.action for c in plan.commitments] == ["GARDÉ", "ANNULÉ"]
        assert [d.what for d in plan.upcoming() if d.who] == ["GARDÉ"]
