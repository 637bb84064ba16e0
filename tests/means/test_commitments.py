"""Commitments: on an adopted means, kept by the member, overdue shown everywhere, trust counts."""

import re
from datetime import timedelta

import pytest

from parcours.core.audit import AccessLogEntry
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Role


def commitments_url(member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/commitments"


def body(means, member, **extra):
    return {
        "means_id": means.id,
        "member_id": member.id,
        "action": "Rencontrer l'école du quartier",
        "due_on": (today() + timedelta(days=14)).isoformat(),
        **extra,
    }


class TestCreating:
    @pytest.mark.parametrize("role", ["person", "family", "professional", "pilot"])
    def test_any_member_records_one_for_any_member(self, api, mk, role):
        members = mk.alliance()
        means = mk.adopted(members)
        response = api(members[role].user).post(
            commitments_url(members[role]), json=body(means, members["professional"])
        )
        assert response.status_code == 201
        out = response.json
        assert out["member"]["id"] == members["professional"].id
        assert out["created_by"]["id"] == members[role].id
        assert out["status"] == "to_do"
        assert out["overdue"] is False
        assert out["means_title"] == "Inclusion progressive"

    @pytest.mark.parametrize("outcome", [None, "set_aside", "to_revisit"])
    def test_only_for_an_adopted_means(self, api, mk, outcome):
        members = mk.alliance()
        means = mk.means(members["family"])
        if outcome:
            mk.decide(members["pilot"], means, outcome)
        response = api(members["family"].user).post(
            commitments_url(members["family"]), json=body(means, members["family"])
        )
        assert response.status_code == 409
        assert response.json["error"] == "means_not_adopted"

    def test_from_the_page(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        family = members["family"]
        sign_in(family.user)
        url = f"/parcours/{family.parcours_id}/means/{means.id}"
        due = today() + timedelta(days=7)
        response = client.post(
            f"{url}/commitments",
            data={
                "commitment-member_id": str(members["pilot"].id),
                "commitment-action": "Déposer la demande à la MDPH",
                "commitment-due_on": due.isoformat(),
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert "The commitment is recorded." in response.text
        assert "Déposer la demande à la MDPH" in response.text
        assert "To do" in response.text

    def test_the_page_explains_before_adoption(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.means(members["family"])
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/means/{means.id}"
        page = client.get(url)
        assert "Commitments are recorded once the proposal is adopted." in page.text
        assert "Add a commitment" not in page.text
        response = client.post(
            f"{url}/commitments",
            data={
                "commitment-member_id": str(members["family"].id),
                "commitment-action": "x",
                "commitment-due_on": (today() + timedelta(days=3)).isoformat(),
            },
        )
        assert response.status_code == 409
        assert "Commitments follow an adopted means" in response.text

    @pytest.mark.parametrize(
        ("changes", "status"),
        [
            ({"due_on": "2001-01-01"}, 422),
            ({"due_on": "tomorrow"}, 422),
            ({"due_on": None}, 422),
            ({"action": ""}, 422),
            ({"action": "x" * 301}, 422),
            ({"member_id": "2"}, 422),
            ({"means_id": 999999}, 404),
            ({"member_id": 999999}, 404),
        ],
    )
    def test_bad_commitments(self, api, mk, changes, status):
        members = mk.alliance()
        means = mk.adopted(members)
        response = api(members["family"].user).post(
            commitments_url(members["family"]), json=body(means, members["family"], **changes)
        )
        assert response.status_code == status

    def test_a_date_in_the_past_says_why(self, api, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        yesterday = (today() - timedelta(days=1)).isoformat()
        response = api(members["family"].user).post(
            commitments_url(members["family"]),
            json=body(means, members["family"], due_on=yesterday),
        )
        assert response.json["error"] == "due_in_past"

    def test_bad_page_input(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/means/{means.id}/commitments"
        for data in (
            {},
            {
                "commitment-member_id": "x",
                "commitment-action": "a",
                "commitment-due_on": "2999-01-01",
            },
            {
                "commitment-member_id": str(members["family"].id),
                "commitment-action": "a",
                "commitment-due_on": "31/12/2999",
            },
            {
                "commitment-member_id": str(members["family"].id),
                "commitment-action": "a",
                "commitment-due_on": "2001-01-01",
            },
        ):
            assert client.post(url, data=data).status_code == 422

    def test_a_member_of_another_plan_cannot_be_committed(self, api, mk):
        members = mk.alliance()
        other = mk.alliance()
        means = mk.adopted(members)
        response = api(members["family"].user).post(
            commitments_url(members["family"]), json=body(means, other["family"])
        )
        assert response.status_code == 404


class TestOverdue:
    def test_overdue_shows_everywhere(self, api, client, sign_in, mk):
        members = mk.alliance()
        family = members["family"]
        means = mk.adopted(members)
        commitment = mk.commitment(family, means, family, "Appeler l'AESH")
        mk.set_due(commitment, today() - timedelta(days=3))
        sign_in(family.user)
        pages = [
            f"/parcours/{family.parcours_id}/means/{means.id}",
            f"/parcours/{family.parcours_id}/commitments",
            "/commitments",
        ]
        for url in pages:
            page = client.get(url)
            assert page.status_code == 200
            assert "Overdue since" in page.text, url
        listed = api(family.user).get(commitments_url(family)).json
        (row,) = listed["commitments"]
        assert row["status"] == "overdue" and row["overdue"] is True
        assert api(family.user).get("/api/v1/commitments").json["commitments"][0]["overdue"]
        detail = api(family.user).get(f"/api/v1/parcours/{family.parcours_id}/means/{means.id}")
        assert detail.json["commitments"][0]["status"] == "overdue"

    def test_due_today_is_not_overdue(self, api, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        mk.set_due(commitment, today())
        row = api(members["family"].user).get(commitments_url(members["family"])).json
        assert row["commitments"][0]["status"] == "to_do"

    def test_kept_late(self, api, client, sign_in, mk):
        members = mk.alliance()
        family = members["family"]
        means = mk.adopted(members)
        commitment = mk.commitment(family, means, family)
        mk.set_due(commitment, today() - timedelta(days=2))
        response = api(family.user).patch(
            f"{commitments_url(family)}/{commitment.id}",
            json={"status": "kept", "base_revision": 0},
        )
        assert response.status_code == 200
        assert response.json["status"] == "kept"
        assert response.json["kept_late"] is True
        assert response.json["overdue"] is False
        sign_in(family.user)
        page = client.get(f"/parcours/{family.parcours_id}/commitments")
        assert "kept late" in page.text
        assert "Overdue since" not in page.text


class TestKeeping:
    def test_the_member_who_committed_marks_it_kept_from_the_page(self, client, sign_in, mk):
        members = mk.alliance()
        family = members["family"]
        means = mk.adopted(members)
        commitment = mk.commitment(members["pilot"], means, family)
        sign_in(family.user)
        url = f"/parcours/{family.parcours_id}/commitments"
        page = client.get(url)
        assert "Mark as kept" in page.text
        response = client.post(
            f"{url}/{commitment.id}/kept", data={"next": url}, follow_redirects=True
        )
        assert response.status_code == 200
        assert "The commitment is marked kept. Thank you." in response.text
        assert "Kept on" in response.text
        assert "Mark as kept" not in response.text

    def test_the_pilot_may_mark_it_kept_and_it_says_so(self, api, client, sign_in, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        response = api(members["pilot"].user).patch(
            f"{commitments_url(members['pilot'])}/{commitment.id}",
            json={"status": "kept", "base_revision": 0},
        )
        assert response.status_code == 200
        assert response.json["kept_by"]["id"] == members["pilot"].id
        sign_in(members["family"].user)
        page = client.get(f"/parcours/{members['family'].parcours_id}/means/{means.id}")
        assert f"Marked kept by {members['pilot'].user.name}" in page.text

    @pytest.mark.parametrize("role", ["person", "professional"])
    def test_others_may_not(self, api, client, sign_in, mk, role):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        response = api(members[role].user).patch(
            f"{commitments_url(members[role])}/{commitment.id}",
            json={"status": "kept", "base_revision": 0},
        )
        assert response.status_code == 403
        assert response.json["error"] == "not_your_commitment"
        sign_in(members[role].user)
        url = f"/parcours/{members[role].parcours_id}/commitments"
        assert "Mark as kept" not in client.get(url).text
        response = client.post(f"{url}/{commitment.id}/kept")
        assert response.status_code == 403
        assert "or the pilot can mark it kept" in response.text
        assert "Kept on" not in client.get(url).text

    def test_twice_on_the_page_says_it_is_already_kept(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/commitments/{commitment.id}/kept"
        client.post(url)
        response = client.post(url, follow_redirects=True)
        assert response.status_code == 200
        assert "This commitment is already marked kept." in response.text

    def test_twice_is_a_conflict(self, api, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        url = f"{commitments_url(members['family'])}/{commitment.id}"
        assert (
            api(members["family"].user)
            .patch(url, json={"status": "kept", "base_revision": 0})
            .status_code
            == 200
        )
        client = api(members["family"].user)
        again = client.patch(url, json={"status": "kept", "base_revision": 1})
        assert again.status_code == 409
        assert again.json["error"] == "already_kept"

    def test_without_its_base_revision_is_428(self, api, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        url = f"{commitments_url(members['family'])}/{commitment.id}"
        refused = api(members["family"].user).patch(url, json={"status": "kept"})
        assert refused.status_code == 428
        assert refused.json["error"] == "revision_required"
        listed = api(members["family"].user).get(commitments_url(members["family"])).json
        assert [c["revision"] for c in listed["commitments"]] == [0]

    def test_kept_in_between_is_stale_with_the_current_commitment(self, api, mk, client, sign_in):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        url = f"{commitments_url(members['family'])}/{commitment.id}"
        listed = api(members["family"].user).get(commitments_url(members["family"])).json
        base = listed["commitments"][0]["revision"]
        sign_in(members["pilot"].user)
        kept = {"status": "kept", "base_revision": base}
        assert api(members["pilot"].user).patch(url, json=kept).status_code == 200
        refused = api(members["family"].user).patch(url, json=kept)
        assert refused.status_code == 409
        assert refused.json["error"] == "stale_version"
        assert refused.json["current"]["status"] == "kept"
        assert refused.json["current"]["revision"] == 1
        # The page's button from before says so too.
        form = f"/parcours/{members['pilot'].parcours_id}/commitments/{commitment.id}/kept"
        response = client.post(form, data={"base_revision": "0"}, follow_redirects=True)
        assert "Someone changed this commitment in the meantime." in response.text

    @pytest.mark.parametrize("payload", [{}, {"status": "done"}, {"status": None}, {"kept": True}])
    def test_bad_patches(self, api, mk, payload):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        response = api(members["family"].user).patch(
            f"{commitments_url(members['family'])}/{commitment.id}",
            json={"base_revision": 0, **payload},
        )
        assert response.status_code == 422

    def test_unknown_commitment(self, api, client, sign_in, mk):
        members = mk.alliance()
        other = mk.alliance()
        means = mk.adopted(other)
        commitment = mk.commitment(other["family"], means, other["family"])
        response = api(members["family"].user).patch(
            f"{commitments_url(members['family'])}/{commitment.id}",
            json={"status": "kept", "base_revision": 0},
        )
        assert response.status_code == 404
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/commitments/{commitment.id}/kept"
        response = client.post(url)
        assert response.status_code == 404
        assert "This commitment does not exist." in response.text

    def test_an_unsafe_next_is_ignored(self, client, sign_in, mk):
        members = mk.alliance()
        means = mk.adopted(members)
        commitment = mk.commitment(members["family"], means, members["family"])
        sign_in(members["family"].user)
        url = f"/parcours/{members['family'].parcours_id}/commitments"
        response = client.post(
            f"{url}/{commitment.id}/kept", data={"next": "https://evil.example/"}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(url)


def test_trust_counts_per_member(api, client, sign_in, mk):
    members = mk.alliance()
    family, pilot = members["family"], members["pilot"]
    means = mk.adopted(members)
    kept = mk.commitment(pilot, means, pilot, "Organiser la rencontre")
    overdue = mk.commitment(pilot, means, pilot, "Déposer la demande")
    mk.commitment(pilot, means, family, "Visiter la classe")
    mk.set_due(overdue, today() - timedelta(days=5))
    api(pilot.user).patch(
        f"{commitments_url(pilot)}/{kept.id}", json={"status": "kept", "base_revision": 0}
    )

    out = api(family.user).get(commitments_url(family)).json
    counts = {row["member"]["id"]: row for row in out["members"]}
    assert (counts[pilot.id]["kept"], counts[pilot.id]["overdue"], counts[pilot.id]["to_do"]) == (
        1,
        1,
        0,
    )
    assert (
        counts[family.id]["kept"],
        counts[family.id]["overdue"],
        counts[family.id]["to_do"],
    ) == (
        0,
        0,
        1,
    )
    assert len(out["mine"]) == 1

    sign_in(family.user)
    page = client.get(f"/parcours/{family.parcours_id}/commitments")
    row = re.search(
        rf"<th scope=\"row\">{re.escape(pilot.user.name)}</th>(.*?)</tr>", page.text, re.S
    ).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[0].strip() == "1"
    assert ">1<" in cells[1]
    assert cells[2].strip() == "0"
    mine = page.text[page.text.index('id="mine-heading"') : page.text.index('id="trust-heading"')]
    assert "Visiter la classe" in mine
    assert "Organiser la rencontre" not in mine


def test_my_commitments_across_plans(app, client, sign_in, make, mk):
    first = mk.alliance()
    user = first["family"].user
    second = mk.alliance()
    joined = make.member(second["professional"], Role.family, user=user)
    means_a = mk.adopted(first, "Moyen A")
    means_b = mk.adopted({**second, "family": joined}, "Moyen B")
    mk.commitment(first["pilot"], means_a, first["family"], "Action dans le plan A")
    mk.commitment(second["pilot"], means_b, joined, "Action dans le plan B")
    mk.commitment(second["pilot"], means_b, second["pilot"], "Pas la mienne")
    sign_in(user)
    page = client.get("/commitments")
    assert page.status_code == 200
    assert "Action dans le plan A" in page.text
    assert "Action dans le plan B" in page.text
    assert "Pas la mienne" not in page.text
    assert page.text.count("Commitments in ") == 2
    assert 'href="/commitments" aria-current="page"' in page.text
    with app.app_context():
        logged = db.session.scalars(
            db.select(AccessLogEntry.parcours_id).where(AccessLogEntry.event == "my_commitments")
        ).all()
        assert set(logged) == {first["family"].parcours_id, second["family"].parcours_id}


def test_my_commitments_leave_out_plans_i_left(client, sign_in, make, mk):
    members = mk.alliance()
    means = mk.adopted(members)
    mk.commitment(members["pilot"], means, members["professional"], "Ancienne action")
    from parcours.extensions import db as _db
    from parcours.plans.models import Member
    from parcours.plans.operations import leave_parcours

    with make.app.app_context():
        leave_parcours(_db.session.get(Member, members["professional"].id))
        _db.session.commit()
    sign_in(members["professional"].user)
    page = client.get("/commitments")
    assert "Ancienne action" not in page.text
    assert "You have no commitment yet." in page.text


def test_a_commitment_form_sent_twice_makes_one_commitment(client, sign_in, mk, api):
    """The proposal page holds several forms, each with its prefix: the commitment form's
    one-time token (`commitment-once`) counts as the others' do."""
    members = mk.alliance()
    means = mk.adopted(members)
    family = members["family"]
    sign_in(family.user)
    url = f"/parcours/{family.parcours_id}/means/{means.id}"
    page = client.get(url).text
    hidden = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
        for name in ("csrf_token", "commitment-once")
    }
    data = hidden | {
        "commitment-member_id": str(members["pilot"].id),
        "commitment-action": "Déposer la demande à la MDPH",
        "commitment-due_on": (today() + timedelta(days=7)).isoformat(),
    }
    assert client.post(f"{url}/commitments", data=data).status_code in (302, 303)
    again = client.post(f"{url}/commitments", data=data, follow_redirects=True)
    assert "already saved" in again.text
    listed = api(family.user).get(commitments_url(family)).json
    actions = [c["action"] for c in listed["commitments"]]
    assert actions.count("Déposer la demande à la MDPH") == 1
