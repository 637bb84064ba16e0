"""Withdraw an approval of a version not yet in force; once in force, the page explains how
to disagree instead."""

import pytest

from parcours.core.audit import AccessLogEntry
from parcours.extensions import db
from tests.means.factories import MeansFactory


@pytest.fixture
def mk(make) -> MeansFactory:
    return MeansFactory(make)


def approval_url(member, number: int) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/objective/versions/{number}/approval"


def test_a_version_not_yet_in_force(api, mk):
    members = mk.alliance(agreed=False)
    family = members["family"]
    created = api(members["professional"].user).post(
        f"/api/v1/parcours/{family.parcours_id}/objective/versions",
        json={"text": "Que Léa se développe bien.", "base_version": 0},
    )
    assert created.status_code == 201, created.json
    assert api(family.user).post(approval_url(family, 1)).status_code == 201
    response = api(family.user).delete(approval_url(family, 1))
    assert response.status_code == 200, response.json
    assert family.id not in {a["member"]["id"] for a in response.json["approvals"]}
    assert family.id in {m["id"] for m in response.json["missing_approvals"]}
    assert db.session.scalar(
        db.select(AccessLogEntry.event).where(
            AccessLogEntry.parcours_id == family.parcours_id,
            AccessLogEntry.event == "objective.approval_withdrawn",
        )
    )
    again = api(family.user).delete(approval_url(family, 1))
    assert again.status_code == 409
    assert again.json["error"] == "not_approved"
    # Approving again works.
    assert api(family.user).post(approval_url(family, 1)).status_code == 201


def test_in_force_it_stays_and_says_how_to_disagree(api, client, sign_in, mk):
    members = mk.alliance()
    family = members["family"]
    response = api(family.user).delete(approval_url(family, 1))
    assert response.status_code == 409
    assert response.json["error"] == "in_force"
    assert "propose a change" in response.json["message"]
    sign_in(family.user)
    page = client.get(f"/parcours/{family.parcours_id}/objective").text
    assert "Withdraw my approval" not in page
    assert "To disagree now, propose a change to the objective" in page


def test_an_unknown_version_is_404(api, mk):
    members = mk.alliance()
    response = api(members["family"].user).delete(approval_url(members["family"], 9))
    assert response.status_code == 404


def test_from_the_page_and_the_easy_read_page(api, client, sign_in, mk):
    members = mk.alliance(agreed=False)
    family, person = members["family"], members["person"]
    api(members["professional"].user).post(
        f"/api/v1/parcours/{family.parcours_id}/objective/versions",
        json={"text": "Que Léa se développe bien.", "base_version": 0},
    )
    api(family.user).post(approval_url(family, 1))
    sign_in(family.user)
    base = f"/parcours/{family.parcours_id}/objective"
    assert "Withdraw my approval" in client.get(base).text
    response = client.post(f"{base}/versions/1/approval/withdrawal", follow_redirects=True)
    assert "Your approval of version 1 is withdrawn." in response.text
    api(person.user).post(approval_url(person, 1))
    sign_in(person.user)
    easy = f"/easy/parcours/{person.parcours_id}/objective"
    assert "I take my yes back" in client.get(easy).text
    response = client.post(f"{easy}/1/yes/withdrawal", follow_redirects=True)
    assert "Your yes is taken back." in response.text
    assert "Yes, I agree" in response.text
