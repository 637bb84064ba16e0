"""Correct and undo, with history: a commitment gets a new date, another member, or is
cancelled; "kept" is undone within 7 days; a commitment or a proposal entered by mistake is
deleted. Each change bumps the revision and stays in the history and the access log."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from parcours.core.audit import AccessLogEntry
from parcours.core.models import today, utcnow
from parcours.extensions import db
from parcours.means.models import Commitment, Means
from parcours.timeline.means_inputs import means_flag_inputs


def url(member, commitment=None) -> str:
    base = f"/api/v1/parcours/{member.parcours_id}/commitments"
    return f"{base}/{commitment.id}" if commitment else base


def listed(api, member) -> dict:
    return api(member.user).get(url(member)).json


def events(parcours_id) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AccessLogEntry.event)
            .where(AccessLogEntry.parcours_id == parcours_id)
            .order_by(AccessLogEntry.id)
        )
    )


@pytest.fixture
def plan(mk):
    """An alliance, an adopted means and a commitment of the family member, written down by
    the professional."""
    members = mk.alliance()
    means = mk.adopted(members)
    commitment = mk.commitment(members["professional"], means, members["family"])
    return members, means, commitment


def overdue_ids(app, parcours_id) -> list[int]:
    with app.app_context():
        rows = means_flag_inputs([parcours_id])[parcours_id].commitments
    return [c.id for c in rows]


class TestRescheduling:
    @pytest.mark.parametrize("who", ["family", "professional", "pilot"])
    def test_the_member_the_author_or_the_pilot_gives_a_new_date(self, api, plan, who):
        members, _means, commitment = plan
        new = today() + timedelta(days=30)
        response = api(members[who].user).patch(
            url(members[who], commitment),
            json={"due_on": new.isoformat(), "reason": "Rendez-vous décalé", "base_revision": 0},
        )
        assert response.status_code == 200, response.json
        assert response.json["due_on"] == new.isoformat()
        assert response.json["revision"] == 1
        [row] = listed(api, members["family"])["commitments"]
        [change] = row["history"]
        assert change["kind"] == "rescheduled"
        assert change["member"]["id"] == members[who].id
        assert change["after"] == new.isoformat()
        assert change["reason"] == "Rendez-vous décalé"
        assert "commitment.rescheduled" in events(members["family"].parcours_id)

    def test_anyone_else_is_403(self, api, mk, plan):
        members, _means, commitment = plan
        response = api(members["person"].user).patch(
            url(members["person"], commitment),
            json={"due_on": (today() + timedelta(days=3)).isoformat(), "base_revision": 0},
        )
        assert response.status_code == 403
        assert response.json["error"] == "cannot_correct"

    def test_not_with_kept_at_once(self, api, plan):
        members, _means, commitment = plan
        response = api(members["family"].user).patch(
            url(members["family"], commitment),
            json={"status": "kept", "due_on": today().isoformat(), "base_revision": 0},
        )
        assert response.status_code == 422
        assert "status" in response.json["fields"]

    def test_not_in_the_past(self, api, plan):
        members, _means, commitment = plan
        response = api(members["family"].user).patch(
            url(members["family"], commitment),
            json={"due_on": (today() - timedelta(days=1)).isoformat(), "base_revision": 0},
        )
        assert response.status_code == 422
        assert response.json["error"] == "due_in_past"

    def test_an_overdue_one_is_judged_on_its_new_date(self, app, api, mk, plan):
        members, _means, commitment = plan
        mk.set_due(commitment, today() - timedelta(days=3))
        pid = members["family"].parcours_id
        assert overdue_ids(app, pid) == [commitment.id]
        response = api(members["family"].user).patch(
            url(members["family"], commitment),
            json={"due_on": (today() + timedelta(days=3)).isoformat(), "base_revision": 0},
        )
        assert response.status_code == 200
        assert response.json["overdue"] is False
        flags = api(members["family"].user).get(f"/api/v1/parcours/{pid}/flags").json
        assert "commitment_overdue" not in {f["kind"] for f in flags["flags"]}

    def test_a_stale_base_is_409(self, api, plan):
        members, _means, commitment = plan
        body = {"due_on": (today() + timedelta(days=5)).isoformat(), "base_revision": 0}
        assert api(members["family"].user).patch(url(members["family"], commitment), json=body)
        refused = api(members["pilot"].user).patch(
            url(members["pilot"], commitment),
            json={"due_on": (today() + timedelta(days=9)).isoformat(), "base_revision": 0},
        )
        assert refused.status_code == 409
        assert refused.json["error"] == "stale_version"
        assert refused.json["current"]["revision"] == 1

    def test_from_the_page(self, client, sign_in, plan):
        members, _means, commitment = plan
        sign_in(members["family"].user)
        page = f"/parcours/{members['family'].parcours_id}/commitments/{commitment.id}"
        assert "Give it a new date or another member" in client.get(page).text
        new = today() + timedelta(days=20)
        response = client.post(
            f"{page}/correction",
            data={
                "correct-due_on": new.isoformat(),
                "correct-member_id": str(members["family"].id),
                "correct-reason": "Vacances",
                "correct-base_revision": "0",
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert "The commitment is changed." in response.text
        assert "New date" in response.text
        assert "Vacances" in response.text


class TestReassigning:
    def test_to_another_current_member(self, api, plan):
        members, _means, commitment = plan
        response = api(members["pilot"].user).patch(
            url(members["pilot"], commitment),
            json={"member_id": members["professional"].id, "base_revision": 0},
        )
        assert response.status_code == 200
        assert response.json["member"]["id"] == members["professional"].id
        data = listed(api, members["professional"])
        [change] = data["commitments"][0]["history"]
        assert (change["kind"], change["before"], change["after"]) == (
            "reassigned",
            str(members["family"].id),
            str(members["professional"].id),
        )
        assert data["mine"] == [commitment.id]

    def test_not_to_someone_of_another_plan(self, api, mk, plan):
        members, _means, commitment = plan
        other = mk.alliance()
        response = api(members["pilot"].user).patch(
            url(members["pilot"], commitment),
            json={"member_id": other["family"].id, "base_revision": 0},
        )
        assert response.status_code == 404

    def test_nothing_to_change_is_422(self, api, plan):
        members, _means, commitment = plan
        response = api(members["pilot"].user).patch(
            url(members["pilot"], commitment),
            json={"member_id": members["family"].id, "base_revision": 0},
        )
        assert response.status_code == 422
        assert response.json["error"] == "no_change"


class TestCancelling:
    def test_with_a_reason_it_leaves_the_checks(self, app, api, mk, plan):
        members, _means, commitment = plan
        mk.set_due(commitment, today() - timedelta(days=3))
        pid = members["family"].parcours_id
        response = api(members["family"].user).post(
            f"{url(members['family'], commitment)}/cancellation",
            json={"reason": "L'école a fermé", "base_revision": 0},
        )
        assert response.status_code == 201, response.json
        assert response.json["status"] == "cancelled"
        assert response.json["overdue"] is False
        assert response.json["cancellation_reason"] == "L'école a fermé"
        assert overdue_ids(app, pid) == []
        trust = {r["member"]["id"]: r for r in listed(api, members["family"])["members"]}
        assert trust[members["family"].id]["overdue"] == 0
        assert "commitment.cancelled" in events(pid)

    def test_without_a_reason_is_422(self, api, plan):
        members, _means, commitment = plan
        response = api(members["family"].user).post(
            f"{url(members['family'], commitment)}/cancellation", json={"reason": "  "}
        )
        assert response.status_code == 422
        assert response.json["error"] == "missing_reason"

    def test_a_cancelled_one_is_not_kept_nor_changed(self, api, plan):
        members, _means, commitment = plan
        api(members["family"].user).post(
            f"{url(members['family'], commitment)}/cancellation", json={"reason": "Plus utile"}
        )
        kept = api(members["family"].user).patch(
            url(members["family"], commitment), json={"status": "kept", "base_revision": 1}
        )
        assert kept.status_code == 409
        assert kept.json["error"] == "commitment_cancelled"
        again = api(members["family"].user).post(
            f"{url(members['family'], commitment)}/cancellation", json={"reason": "Encore"}
        )
        assert again.json["error"] == "commitment_cancelled"

    def test_from_the_page(self, client, sign_in, plan):
        members, _means, commitment = plan
        sign_in(members["professional"].user)
        page = f"/parcours/{members['family'].parcours_id}/commitments/{commitment.id}"
        response = client.post(
            f"{page}/cancellation",
            data={"cancel-reason": "Plus nécessaire", "cancel-base_revision": "0"},
            follow_redirects=True,
        )
        assert "The commitment is cancelled." in response.text
        assert "Plus nécessaire" in response.text
        refused = client.post(f"{page}/cancellation", data={"cancel-reason": ""})
        assert refused.status_code == 422


class TestUndoingKept:
    def keep(self, api, member, commitment):
        response = api(member.user).patch(
            url(member, commitment), json={"status": "kept", "base_revision": 0}
        )
        assert response.status_code == 200
        return response.json

    def test_who_kept_it_undoes_it(self, api, plan):
        members, _means, commitment = plan
        kept = self.keep(api, members["family"], commitment)
        assert kept["undo_kept_until"] == (today() + timedelta(days=7)).isoformat()
        response = api(members["family"].user).delete(
            f"{url(members['family'], commitment)}/kept", json={"base_revision": 1}
        )
        assert response.status_code == 200, response.json
        assert response.json["status"] == "to_do"
        assert response.json["kept_by"] is None
        assert response.json["revision"] == 2
        [change] = listed(api, members["family"])["commitments"][0]["history"]
        assert change["kind"] == "unkept"
        assert "commitment.unkept" in events(members["family"].parcours_id)

    def test_the_pilot_may_undo_it(self, api, plan):
        members, _means, commitment = plan
        self.keep(api, members["family"], commitment)
        response = api(members["pilot"].user).delete(f"{url(members['pilot'], commitment)}/kept")
        assert response.status_code == 200

    @pytest.mark.parametrize("who", ["professional", "person"])
    def test_nobody_else_not_even_its_author(self, api, plan, who):
        members, _means, commitment = plan
        self.keep(api, members["family"], commitment)
        response = api(members[who].user).delete(f"{url(members[who], commitment)}/kept")
        assert response.status_code == 403
        assert response.json["error"] == "not_who_kept"

    def test_after_7_days_it_is_too_late(self, api, make, plan):
        members, _means, commitment = plan
        self.keep(api, members["family"], commitment)
        make._run(
            lambda: db.session.execute(
                update(Commitment)
                .where(Commitment.id == commitment.id)
                .values(kept_at=utcnow() - timedelta(days=8))
            )
        )
        response = api(members["family"].user).delete(f"{url(members['family'], commitment)}/kept")
        assert response.status_code == 409
        assert response.json["error"] == "undo_too_late"

    def test_not_kept_is_409(self, api, plan):
        members, _means, commitment = plan
        response = api(members["family"].user).delete(f"{url(members['family'], commitment)}/kept")
        assert response.status_code == 409
        assert response.json["error"] == "not_kept"

    def test_from_the_page_and_the_easy_read_page(self, api, client, sign_in, plan):
        members, _means, commitment = plan
        family = members["family"]
        self.keep(api, family, commitment)
        sign_in(family.user)
        page = f"/parcours/{family.parcours_id}/commitments"
        assert "Undo “kept”" in client.get(page).text
        response = client.post(
            f"{page}/{commitment.id}/kept/undo",
            data={"next": page, "base_revision": "1"},
            follow_redirects=True,
        )
        assert "“Kept” is undone: the commitment is to do again." in response.text
        assert "Mark as kept" in response.text
        self.keep_again = api(family.user).patch(
            url(family, commitment), json={"status": "kept", "base_revision": 2}
        )
        easy = f"/easy/parcours/{family.parcours_id}/commitments"
        assert "Oops, it is not done" in client.get(easy).text
        response = client.post(
            f"{easy}/{commitment.id}/undo", data={"base_revision": "3"}, follow_redirects=True
        )
        assert "OK. It is to do again." in response.text
        assert "I did it" in response.text


class TestDeleting:
    @pytest.mark.parametrize("who", ["professional", "pilot"])
    def test_its_author_or_the_pilot_deletes_it(self, app, api, mk, plan, who):
        members, _means, commitment = plan
        mk.set_due(commitment, today() - timedelta(days=3))
        pid = members["family"].parcours_id
        response = api(members[who].user).delete(
            url(members[who], commitment), json={"reason": "Saisi deux fois"}
        )
        assert response.status_code == 204
        assert listed(api, members["family"])["commitments"] == []
        assert api(members["family"].user).get("/api/v1/commitments").json["commitments"] == []
        assert overdue_ids(app, pid) == []
        row = db.session.get(Commitment, commitment.id)
        assert row.deleted_by_id == members[who].id
        assert row.deletion_reason == "Saisi deux fois"
        assert "commitment.deleted" in events(pid)
        gone = api(members["family"].user).patch(
            url(members["family"], commitment), json={"status": "kept", "base_revision": 1}
        )
        assert gone.status_code == 404

    @pytest.mark.parametrize("who", ["family", "person"])
    def test_not_the_member_who_committed_nor_others(self, api, plan, who):
        members, _means, commitment = plan
        response = api(members[who].user).delete(
            url(members[who], commitment), json={"reason": "Erreur"}
        )
        assert response.status_code == 403
        assert response.json["error"] == "cannot_delete"

    def test_without_a_reason_is_422(self, api, plan):
        members, _means, commitment = plan
        response = api(members["pilot"].user).delete(
            url(members["pilot"], commitment), json={"reason": ""}
        )
        assert response.status_code == 422

    def test_from_the_page(self, client, sign_in, plan):
        members, _means, commitment = plan
        sign_in(members["pilot"].user)
        page = f"/parcours/{members['family'].parcours_id}/commitments/{commitment.id}"
        response = client.post(
            f"{page}/deletion",
            data={"delete-reason": "Doublon", "delete-base_revision": "0"},
            follow_redirects=True,
        )
        assert "The commitment is deleted." in response.text
        assert "Appeler l'école" not in response.text
        assert client.get(page).status_code == 404


class TestDeletingAProposal:
    def test_without_stances_by_its_author(self, api, client, sign_in, mk):
        members = mk.alliance()
        means = mk.means(members["family"], "Par erreur")
        pid = members["family"].parcours_id
        base = f"/api/v1/parcours/{pid}/means"
        response = api(members["family"].user).delete(
            f"{base}/{means.id}", json={"reason": "Mauvais plan"}
        )
        assert response.status_code == 204
        assert api(members["family"].user).get(base).json["means"] == []
        assert api(members["family"].user).get(f"{base}/{means.id}").status_code == 404
        assert db.session.get(Means, means.id).deletion_reason == "Mauvais plan"
        assert "means.deleted" in events(pid)
        sign_in(members["family"].user)
        assert "Par erreur" not in client.get(f"/parcours/{pid}/means").text

    def test_with_a_stance_is_409(self, api, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        mk.stance(members["person"], means)
        response = api(members["pilot"].user).delete(
            f"/api/v1/parcours/{means.parcours_id}/means/{means.id}", json={"reason": "Non"}
        )
        assert response.status_code == 409
        assert response.json["error"] == "has_stances"

    def test_not_by_another_member(self, api, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        response = api(members["professional"].user).delete(
            f"/api/v1/parcours/{means.parcours_id}/means/{means.id}", json={"reason": "Non"}
        )
        assert response.status_code == 403
        assert response.json["error"] == "cannot_delete"

    def test_from_the_page(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.means(members["family"], "Par erreur")
        sign_in(members["pilot"].user)
        page = f"/parcours/{means.parcours_id}/means/{means.id}"
        assert "Entered by mistake?" in client.get(page).text
        response = client.post(
            f"{page}/deletion", data={"delete-reason": "Doublon"}, follow_redirects=True
        )
        assert "The proposal is deleted." in response.text
        assert "Par erreur" not in response.text
