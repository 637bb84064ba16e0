"""The shared world of the permission matrices (tests/conftest.py): a module's data built once,
and each test's changes — its requests' commits included — rolled back before the next test."""

import pytest
from sqlalchemy import func, select

from parcours.extensions import db
from parcours.plans.models import Invitation, Parcours

pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def world(shared_make):
    return shared_make.parcours(person_name="Léa")


def _state(app, world) -> tuple[str, int]:
    with app.app_context():
        name = db.session.get(Parcours, world.parcours_id).person_name
        invitations = db.session.scalar(
            select(func.count()).where(Invitation.parcours_id == world.parcours_id)
        )
        return name, invitations


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_starts_from_the_world_as_built(turn, app, world, api):
    assert _state(app, world) == ("Léa", 0)
    invited = api(world.user).post(
        f"/api/v1/parcours/{world.parcours_id}/invitations", json={"role": "family"}
    )
    assert invited.status_code == 201
    with app.app_context():
        db.session.get(Parcours, world.parcours_id).person_name = f"Zoé {turn}"
        db.session.commit()
    assert _state(app, world) == (f"Zoé {turn}", 1)
