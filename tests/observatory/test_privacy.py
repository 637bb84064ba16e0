"""An observer's scopes are theirs: in "my data", and taken away when the account closes."""

from sqlalchemy import select

from parcours.accounts.models import ObserverScope
from parcours.extensions import db
from tests.factories import PASSWORD


def test_my_data_says_what_the_account_observes(observer, api):
    document = api(observer).get("/api/v1/me/data").json
    [scope] = document["observes"]
    assert scope["territory"] == "2A" and scope["organisation"] is None


def test_closing_the_account_takes_its_scopes_away(app, observer, client, sign_in):
    sign_in(observer)
    response = client.post("/account/close", data={"password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ObserverScope)).all() == []
