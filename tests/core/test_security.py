"""Security headers, CSRF on every form, cookie flags, errors that never leak a 500 page."""

import pytest

from tests.factories import PASSWORD


def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_on_the_api(api):
    response = api().get("/api/v1/parcours")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_no_inline_script_or_style_in_pages(client, make, sign_in):
    member = make.parcours()
    sign_in(member.user)
    for url in ("/", f"/parcours/{member.parcours_id}", f"/parcours/{member.parcours_id}/members"):
        text = client.get(url).text
        assert "<script>" not in text and " style=" not in text and "<style" not in text


@pytest.fixture
def csrf(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_forms_without_a_csrf_token_are_refused(csrf, client, make, sign_in):
    member = make.parcours()
    sign_in(member.user)
    response = client.post(f"/parcours/{member.parcours_id}/leave")
    assert response.status_code == 400
    assert "The form expired" in response.text
    response = client.post("/login", data={"identifier": "x@y.z", "password": PASSWORD})
    assert response.status_code in (400, 422)


def test_forms_with_the_csrf_token_work(csrf, client, make):
    user = make.user()
    page = client.get("/login")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"identifier": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_the_api_needs_no_csrf_token_but_a_bearer_token(csrf, api, make):
    user = make.user()
    assert (
        api(user)
        .post("/api/v1/parcours", json={"role": "family", "person_name": "Léa"})
        .status_code
        == 201
    )


def test_session_cookie_flags(client, make):
    user = make.user()
    response = client.post(
        "/login", data={"identifier": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_an_unexpected_error_is_a_plain_page_not_a_traceback(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("parcours.overview.views.render_template", boom)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "boom" not in response.text


def test_unknown_api_route_is_json(api, make):
    response = api(make.user()).get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_wrong_method_on_the_api_is_json(api, make):
    response = api(make.user()).delete("/api/v1/parcours")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"


def test_a_too_large_request_is_refused(api, make):
    response = api(make.user()).post(
        "/api/v1/parcours", json={"role": "family", "person_name": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert response.json["error"] == "request_entity_too_large"


def test_a_huge_id_is_a_404_not_an_overflow(client, api, make, sign_in):
    sign_in(make.user())
    assert client.get("/parcours/99999999999999999999/members").status_code == 404
    assert api(make.user()).get("/api/v1/parcours/99999999999999999999").status_code == 404


def test_a_nul_character_is_refused_with_a_message(client, api, make, sign_in):
    member = make.parcours()
    response = api(member.user).put(
        f"/api/v1/parcours/{member.parcours_id}/voices/me", json={"matters": "a\x00b"}
    )
    assert response.status_code == 400
    assert response.json["error"] == "nul_character"
    sign_in(member.user)
    page = client.post(
        f"/parcours/{member.parcours_id}/voices/{member.id}/edit",
        data={"matters": "a\x00b", "base_number": "0"},
    )
    assert page.status_code == 400
    assert "cannot be saved (a NUL character)" in page.text
    assert client.get("/parcours/new?x=%00").status_code == 400
