def test_home_lists_my_parcours(make, sign_in, client):
    member = make.parcours(person_name="Léa")
    sign_in(member.user)
    page = client.get("/")
    assert page.status_code == 200
    assert "Léa" in page.text


def test_rollback_isolates_tests(make, app):
    from parcours.extensions import db
    from parcours.plans.models import Parcours

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Parcours.id))) == 0
