"""Platform admins manage accounts and organisations, never plan contents."""

import pytest

from parcours.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def admin(app, make):
    user = make.user("Admin")
    with app.app_context():
        from parcours.accounts.models import User

        db.session.get(User, user.id).is_admin = True
        db.session.commit()
    return user


def test_admin_lists_and_searches_accounts(client, sign_in, admin, make):
    make.user("Sophie Martin")
    make.user("Karim")
    sign_in(admin)
    page = client.get("/admin/users?q=soph")
    assert "Sophie Martin" in page.text and "Karim" not in page.text


def test_admin_deactivates_an_account_which_is_signed_out_everywhere(
    app, client, sign_in, admin, make, api
):
    user = make.user()
    their_browser = sign_in(user, on=app.test_client())
    their_api = api(user)
    assert their_api.get("/api/v1/me").status_code == 200
    sign_in(admin)
    response = client.post(f"/admin/users/{user.id}/deactivate", follow_redirects=True)
    assert f"{user.name}&#39;s account is deactivated." in response.text
    assert their_browser.get("/account").status_code == 302
    assert their_api.get("/api/v1/me").status_code == 401
    login = app.test_client().post("/login", data={"identifier": user.email, "password": PASSWORD})
    assert login.status_code == 401
    client.post(f"/admin/users/{user.id}/reactivate")
    login = app.test_client().post("/login", data={"identifier": user.email, "password": PASSWORD})
    assert login.status_code == 302


def test_admin_cannot_deactivate_themselves(client, sign_in, admin):
    sign_in(admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.text


def test_admin_renames_an_organisation(client, sign_in, admin, make):
    pro = make.user(professional=True, organisation="Sessad mouettes")
    other = make.user(professional=True, organisation="IME Les Tilleuls")
    sign_in(admin)
    assert "Sessad mouettes" in client.get("/admin/organisations").text
    url = f"/admin/organisations/{pro.organisation_id}"
    response = client.post(url, data={"name": "SESSAD Les Mouettes"}, follow_redirects=True)
    assert "SESSAD Les Mouettes" in response.text
    clash = client.post(url, data={"name": other.organisation.name.upper()})
    assert clash.status_code == 422
    assert "Another organisation already has this name." in clash.text


def test_admin_sees_no_plan_contents(client, sign_in, admin, make):
    member = make.parcours(person_name="Secretname")
    sign_in(admin)
    assert client.get(f"/parcours/{member.parcours_id}").status_code == 404
    assert "Secretname" not in client.get("/admin/users").text


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/users"),
        ("get", "/admin/organisations"),
        ("get", "/admin/organisations/1"),
        ("post", "/admin/users/1/deactivate"),
    ],
)
def test_admin_pages_are_404_for_others(client, sign_in, make, method, url):
    sign_in(make.user(professional=True))
    assert getattr(client, method)(url).status_code == 404


def test_a_missing_page_is_a_404_for_admins_too(client, sign_in, admin):
    sign_in(admin)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
