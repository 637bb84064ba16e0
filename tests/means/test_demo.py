"""The demo: the seeds' two divergent proposals, one adopted with commitments, one review."""

from sqlalchemy import func, select

from parcours.accounts.models import User
from parcours.alliance.models import ObjectiveVersion
from parcours.core.models import today
from parcours.demo import load_demo
from parcours.demo import means as demo
from parcours.demo.people import DemoWorld, build_leo, build_people
from parcours.extensions import db
from parcours.means.models import Commitment, Means, MeansStatus, Review, current_stances
from parcours.timeline.awaiting import COMMITMENT_DUE, GIVE_STANCE, awaiting_for
from parcours.timeline.means_inputs import means_flag_inputs


def test_the_demo_tells_the_story(app, client, sign_in):
    with app.app_context():
        world = DemoWorld()
        build_people(world)
        build_leo(world)
        demo.build_leo(world)  # the means of Léo's plan
        db.session.commit()
        parcours_id = world.member("leo", "claire").parcours_id
        proposals = db.session.scalars(select(Means).order_by(Means.id)).all()
        assert [m.status for m in proposals] == [
            MeansStatus.open,
            MeansStatus.open,
            MeansStatus.adopted,
        ]
        ordinary, unit, _both = proposals
        names = {
            key: world.member("leo", key).id for key in ("sophie", "karim", "claire", "julien")
        }
        values = {k: current_stances(ordinary.id)[i].value.value for k, i in names.items()}
        assert values == {
            "sophie": "support",
            "karim": "support",
            "julien": "reservations",
            "claire": "reservations",
        }
        values = {k: current_stances(unit.id)[i].value.value for k, i in names.items()}
        assert values == {
            "sophie": "oppose",
            "karim": "reservations",
            "julien": "support",
            "claire": "support",
        }
        commitments = db.session.scalars(select(Commitment).order_by(Commitment.id)).all()
        assert [c.is_kept for c in commitments] == [True, False]
        assert commitments[1].is_overdue(today())
        review = db.session.scalar(select(Review))
        assert (today() - review.held_on).days == 30
        inputs = means_flag_inputs([parcours_id])[parcours_id]
        assert inputs.adopted_without_person == ()  # Léo is a child: his mother speaks for him
        assert len(inputs.commitments) == 2
        claire_id = world.users["claire"].id

    with app.app_context():
        claire = db.session.get(User, claire_id)  # loaded, then detached as it is
    sign_in(claire)
    page = client.get(f"/parcours/{parcours_id}/means")
    assert "Classe ordinaire avec une AESH" in page.text
    assert "Unité d&#39;enseignement interne à l&#39;IME" in page.text
    assert "views diverge" in page.text
    page = client.get(f"/parcours/{parcours_id}/commitments")
    assert "Overdue since" in page.text
    assert "Kept on" in page.text
    page = client.get(f"/parcours/{parcours_id}/reviews")
    assert "Review of" in page.text


def test_in_the_demo_thomas_has_an_idea_and_a_commitment_waiting_and_the_objective_came_first(
    app,
):
    with app.app_context():
        load_demo()
        db.session.commit()
        thomas = db.session.scalar(select(User).where(User.login_name == "thomas"))
        kinds = {item.kind for item in awaiting_for(thomas, today())}
        assert GIVE_STANCE in kinds and COMMITMENT_DUE in kinds
        for version in db.session.scalars(
            select(ObjectiveVersion).where(ObjectiveVersion.number == 1)
        ):
            first_means = db.session.scalar(
                select(func.min(Means.created_at)).where(Means.parcours_id == version.parcours_id)
            )
            assert first_means is None or version.created_at < first_means
