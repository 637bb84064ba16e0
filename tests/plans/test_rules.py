"""Who may change the rules of the plan (issue 12, item 3): the tolerance, closing and
reopening are the pilot's, with a reason, shown on the timeline; closing waits for the
person's (or their legal representative's) confirmation."""

import re

import pytest

from parcours.core.audit import AccessLogEntry
from parcours.extensions import db
from parcours.plans.models import Parcours, Role, SettingsChange, SettingsChangeKind


def _base(client, url) -> str:
    return re.search(r'name="base_revision" type="hidden" value="(\d+)"', client.get(url).text)[1]


@pytest.fixture
def plan(make):
    """A plan whose professional is the pilot, with family (not a representative) and the
    person."""
    members = make.alliance()
    make.pilot(members["professional"])
    return members


def _kinds(parcours_id):
    return [
        c.kind
        for c in db.session.scalars(
            db.select(SettingsChange)
            .where(SettingsChange.parcours_id == parcours_id)
            .order_by(SettingsChange.id)
        )
    ]


class TestPilotOnly:
    @pytest.mark.parametrize("role", ["family", "person"])
    def test_a_non_pilot_does_not_see_the_forms_and_is_refused(self, plan, role, client, sign_in):
        member = plan[role]
        sign_in(member.user)
        url = f"/parcours/{member.parcours_id}/settings"
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="tolerance_days"' not in page.text
        assert 'name="closed_on"' not in page.text
        assert "Only the pilot (" in page.text
        base = "0"  # the settings are unchanged: a pilot would send this revision
        for path, data in (
            (url, {"tolerance_days": "60", "reason": "x", "base_revision": base}),
            (
                f"{url}/close",
                {"closed_on": "2026-01-31", "closing_reason": "x", "base_revision": base},
            ),
            (f"{url}/reopen", {"reopen_reason": "x", "base_revision": base}),
            (f"{url}/closing/withdraw", {}),
        ):
            refused = client.post(path, data=data)
            assert refused.status_code == 403, path
            assert "Only the pilot (" in refused.text
        parcours = db.session.get(Parcours, member.parcours_id)
        assert parcours.tolerance_days == 14 and parcours.closed_on is None
        assert _kinds(member.parcours_id) == []

    def test_the_api_refuses_non_pilots(self, plan, api):
        for role in ("family", "person"):
            client = api(plan[role].user)
            url = f"/api/v1/parcours/{plan[role].parcours_id}"
            for body in ({"tolerance_days": 60}, {"closed_on": "2026-01-31"}, {"closed_on": None}):
                refused = client.edit(url, {**body, "reason": "x"})
                assert refused.status_code == 403, (role, body)
                assert refused.json["error"] == "pilot_only"
            withdrawn = client.delete(f"{url}/closing")
            assert withdrawn.status_code == 403 and withdrawn.json["error"] == "pilot_only"
        assert client.get(url).json["tolerance_days"] == 14

    def test_without_a_pilot_nobody_changes_the_rules(self, make, api, client, sign_in):
        member = make.parcours()
        url = f"/api/v1/parcours/{member.parcours_id}"
        refused = api(member.user).edit(url, {"tolerance_days": 60, "reason": "x"})
        assert refused.status_code == 403 and refused.json["error"] == "pilot_only"
        assert "Designate a pilot first" in refused.json["message"]
        sign_in(member.user)
        page = client.get(f"/parcours/{member.parcours_id}/settings")
        assert "Designate a pilot first" in page.text and 'name="tolerance_days"' not in page.text


class TestReason:
    def test_the_reason_is_required_and_bounded_in_the_page(self, plan, client, sign_in):
        pilot = plan["professional"]
        sign_in(pilot.user)
        url = f"/parcours/{pilot.parcours_id}/settings"
        for reason in ("", "   "):
            data = {"tolerance_days": "60", "reason": reason, "base_revision": _base(client, url)}
            refused = client.post(url, data=data)
            assert refused.status_code == 422
            assert "Please say why." in refused.text
        data = {"tolerance_days": "60", "reason": "x" * 4001, "base_revision": _base(client, url)}
        assert client.post(url, data=data).status_code == 422
        data = {
            "closed_on": "2026-01-31",
            "closing_reason": "",
            "base_revision": _base(client, url),
        }
        assert client.post(f"{url}/close", data=data).status_code == 422
        assert db.session.get(Parcours, pilot.parcours_id).tolerance_days == 14

    def test_the_reason_is_required_in_the_api(self, plan, api):
        client = api(plan["professional"].user)
        url = f"/api/v1/parcours/{plan['professional'].parcours_id}"
        for body in (
            {"tolerance_days": 60},
            {"tolerance_days": 60, "reason": "  "},
            {"closed_on": "2026-01-31"},
        ):
            refused = client.edit(url, body)
            assert refused.status_code == 422, body
            assert refused.json["error"] == "missing_reason"
        assert client.edit(url, {"tolerance_days": 60, "reason": "x" * 4001}).status_code == 422
        assert client.get(url).json["tolerance_days"] == 14

    def test_the_change_is_kept_with_its_reason_in_the_log_api_and_timeline(
        self, plan, api, client, sign_in
    ):
        pilot = plan["professional"]
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        changed = api(pilot.user).edit(url, {"tolerance_days": 90, "reason": "  Été long  "})
        assert changed.status_code == 200
        (change,) = changed.json["settings_changes"]
        assert change["kind"] == "tolerance" and change["reason"] == "Été long"
        assert (change["old_value"], change["new_value"]) == ("14", "90")
        assert change["by"] == pilot.name
        entry = db.session.scalar(
            db.select(AccessLogEntry).where(AccessLogEntry.event == "rules.tolerance")
        )
        assert entry.detail == "14 → 90 — Été long"
        sign_in(plan["family"].user)
        timeline = client.get(f"/parcours/{pilot.parcours_id}/timeline").text
        assert f"{pilot.name} changed the tolerance from 14 to 90 days." in timeline
        assert "Été long" in timeline


class TestClosing:
    def test_closing_waits_for_the_person_who_confirms_it(self, plan, api):
        pilot, person = plan["professional"], plan["person"]
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        asked = api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Fin du suivi"})
        assert asked.status_code == 200
        assert asked.json["closed_on"] is None
        closing = asked.json["closing"]
        assert closing["closed_on"] == "2026-01-31" and closing["reason"] == "Fin du suivi"
        # Neither the pilot nor the family (not a legal representative) answers for the person.
        for other in (pilot, plan["family"]):
            body = {"request_id": closing["id"], "confirmed": True}
            refused = api(other.user).post(f"{url}/closing/confirmation", json=body)
            assert refused.status_code == 403 and refused.json["error"] == "not_the_person"
        assert api(pilot.user).get(url).json["closed_on"] is None
        # A second request while one waits is refused.
        again = api(pilot.user).edit(url, {"closed_on": "2026-03-01", "reason": "x"})
        assert again.status_code == 409 and again.json["error"] == "closing_pending"
        body = {"request_id": closing["id"], "confirmed": True}
        confirmed = api(person.user).post(f"{url}/closing/confirmation", json=body)
        assert confirmed.status_code == 200, confirmed.json
        assert confirmed.json["closed_on"] == "2026-01-31" and confirmed.json["closing"] is None
        assert _kinds(pilot.parcours_id) == [
            SettingsChangeKind.close_requested,
            SettingsChangeKind.close_confirmed,
        ]

    def test_a_refusal_keeps_the_plan_open_and_is_on_the_timeline(self, plan, api, client, sign_in):
        pilot, person = plan["professional"], plan["person"]
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        closing = api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Fin"})
        body = {"request_id": closing.json["closing"]["id"], "confirmed": False, "reason": "Non"}
        refused = api(person.user).post(f"{url}/closing/confirmation", json=body)
        assert refused.status_code == 200
        assert refused.json["closed_on"] is None and refused.json["closing"] is None
        late = api(person.user).post(f"{url}/closing/confirmation", json=body)
        assert late.status_code == 409 and late.json["error"] == "no_closing_pending"
        sign_in(pilot.user)
        timeline = client.get(f"/parcours/{pilot.parcours_id}/timeline").text
        assert f"{pilot.name} asked to close the plan on" in timeline
        assert f"{person.name} refused to close the plan: it stays open." in timeline

    def test_an_answer_to_another_request_is_stale(self, plan, api):
        pilot, person = plan["professional"], plan["person"]
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        first = api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "a"})
        assert api(pilot.user).delete(f"{url}/closing").json["closing"] is None
        api(pilot.user).edit(url, {"closed_on": "2026-06-30", "reason": "b"})
        body = {"request_id": first.json["closing"]["id"], "confirmed": True}
        stale = api(person.user).post(f"{url}/closing/confirmation", json=body)
        assert stale.status_code == 409 and stale.json["error"] == "stale_version"
        assert stale.json["current"]["closing"]["closed_on"] == "2026-06-30"

    def test_the_pilot_withdraws_a_pending_request(self, plan, client, sign_in):
        pilot = plan["professional"]
        sign_in(pilot.user)
        url = f"/parcours/{pilot.parcours_id}/settings"
        data = {
            "closed_on": "2026-01-31",
            "closing_reason": "Fin",
            "base_revision": _base(client, url),
        }
        asked = client.post(f"{url}/close", data=data, follow_redirects=True)
        assert "Your request is sent" in asked.text
        assert "Withdraw the request" in asked.text
        assert db.session.get(Parcours, pilot.parcours_id).closed_on is None
        withdrawn = client.post(f"{url}/closing/withdraw", follow_redirects=True)
        assert "Your request to close the plan is withdrawn." in withdrawn.text
        assert 'name="closed_on"' in withdrawn.text
        assert _kinds(pilot.parcours_id)[-1] is SettingsChangeKind.close_withdrawn

    def test_the_legal_representative_confirms_on_the_plan_page(self, make, client, sign_in):
        pilot = make.pilot(make.parcours())
        representative = make.member(pilot, Role.family, is_legal_representative=True)
        sign_in(pilot.user)
        settings = f"/parcours/{pilot.parcours_id}/settings"
        data = {
            "closed_on": "2026-01-31",
            "closing_reason": "Fin",
            "base_revision": _base(client, settings),
        }
        client.post(f"{settings}/close", data=data)
        sign_in(representative.user)
        settings_page = client.get(settings).text
        assert "Give your answer on the plan" in settings_page
        assert "Withdraw the request" not in settings_page
        page = client.get(f"/parcours/{pilot.parcours_id}")
        assert "Closing the plan: your answer" in page.text
        request_id = re.search(r'name="request_id" value="(\d+)"', page.text)[1]
        answered = client.post(
            f"/parcours/{pilot.parcours_id}/closing/answer",
            data={"request_id": request_id, "answer": "yes"},
            follow_redirects=True,
        )
        assert "Thank you. The plan is closed." in answered.text
        assert "This plan was closed on" in answered.text

    def test_the_person_answers_on_the_easy_read_card(self, plan, api, client, sign_in):
        pilot, person = plan["professional"], plan["person"]
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Tu as trouvé un travail"})
        sign_in(person.user)
        easy = client.get(f"/easy/parcours/{pilot.parcours_id}")
        assert f"{pilot.name} wants to close your plan" in easy.text
        assert "Tu as trouvé un travail" in easy.text and "Do you agree?" in easy.text
        request_id = re.search(r'name="request_id" value="(\d+)"', easy.text)[1]
        answered = client.post(
            f"/parcours/{pilot.parcours_id}/closing/answer",
            data={"request_id": request_id, "answer": "no", "from": "easy"},
        )
        assert answered.status_code == 302
        assert answered.headers["Location"].endswith(f"/easy/parcours/{pilot.parcours_id}")
        assert db.session.get(Parcours, pilot.parcours_id).closed_on is None
        assert (
            "wants to close your plan" not in client.get(f"/easy/parcours/{pilot.parcours_id}").text
        )
        # Others do not see the card, and cannot answer from the page either.
        sign_in(plan["family"].user)
        assert (
            "wants to close your plan" not in client.get(f"/easy/parcours/{pilot.parcours_id}").text
        )

    def test_others_cannot_answer_on_the_page(self, plan, api, client, sign_in):
        pilot = plan["professional"]
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        asked = api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Fin"})
        sign_in(plan["family"].user)
        page = client.get(f"/parcours/{pilot.parcours_id}")
        assert "Closing the plan: your answer" not in page.text
        refused = client.post(
            f"/parcours/{pilot.parcours_id}/closing/answer",
            data={"request_id": asked.json["closing"]["id"], "answer": "yes"},
        )
        assert refused.status_code == 403
        assert db.session.get(Parcours, pilot.parcours_id).closed_on is None

    def test_with_nobody_to_confirm_the_closing_is_immediate_and_said(
        self, make, api, client, sign_in
    ):
        pilot = make.pilot(make.parcours())
        make.member(pilot, Role.family)  # not a legal representative
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        closed = api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Déménagement"})
        assert closed.json["closed_on"] == "2026-01-31" and closed.json["closing"] is None
        sign_in(pilot.user)
        timeline = client.get(f"/parcours/{pilot.parcours_id}/timeline").text
        assert "no one could confirm it for Léa" in timeline

    def test_a_pilot_who_is_the_person_closes_at_once(self, make, api):
        pilot = make.pilot(make.parcours(role=Role.person, person_name="Thomas"))
        make.member(pilot, Role.professional)
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        closed = api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Je pars"})
        assert closed.json["closed_on"] == "2026-01-31"
        assert [c["kind"] for c in closed.json["settings_changes"]] == [
            "close_requested",
            "close_confirmed",
        ]

    def test_reopening_needs_a_closed_plan_and_a_reason(self, make, api):
        pilot = make.pilot(make.parcours())
        url = f"/api/v1/parcours/{pilot.parcours_id}"
        not_closed = api(pilot.user).edit(url, {"closed_on": None, "reason": "x"})
        assert not_closed.status_code == 409 and not_closed.json["error"] == "not_closed"
        api(pilot.user).edit(url, {"closed_on": "2026-01-31", "reason": "Fin"})
        assert api(pilot.user).edit(url, {"closed_on": None}).status_code == 422
        reopened = api(pilot.user).edit(url, {"closed_on": None, "reason": "Retour"})
        assert reopened.json["closed_on"] is None
        assert reopened.json["settings_changes"][-1]["kind"] == "reopened"
