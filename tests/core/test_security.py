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
        f"/api/v1/parcours/{member.parcours_id}/voices/me",
        json={"matters": "a\x00b", "base_number": 0},
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


def test_cookies_are_secure_by_default_and_the_tests_and_demo_opt_out():
    import os
    from pathlib import Path

    from parcours.config import Config, TestConfig

    if "PARCOURS_SECURE_COOKIES" not in os.environ:
        assert Config.SESSION_COOKIE_SECURE is True
        assert Config.REMEMBER_COOKIE_SECURE is True
    assert TestConfig.SESSION_COOKIE_SECURE is False
    demo = (Path(__file__).resolve().parents[2] / "scripts" / "demo").read_text()
    assert "export PARCOURS_SECURE_COOKIES=0" in demo


@pytest.fixture
def secure(app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)


def test_secure_cookies_and_hsts_over_https(secure, app, make):
    user = make.user()
    client = app.test_client()
    response = client.post(
        "/login",
        data={"identifier": user.email, "password": PASSWORD, "remember": "y"},
        base_url="https://parcours.test",
    )
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        assert "Secure" in next(c for c in cookies if c.startswith(name))
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_hsts_when_the_site_is_served_over_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_api_answers_are_not_stored(api, make):
    user = make.user()
    for response in (
        api(user).get("/api/v1/me"),
        api().get("/api/v1/me"),  # an error too
        api().post("/api/v1/tokens", json={"email": "x@y.z", "password": "nope"}),
    ):
        assert response.headers["Cache-Control"] == "no-store"


def test_downloads_are_not_stored(app, client, make, sign_in):
    member = make.parcours()
    sign_in(member.user)
    for path in (
        "/account/data",
        f"/parcours/{member.parcours_id}/export/timeline.csv",
        f"/parcours/{member.parcours_id}/export/fhir.json",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"email": "\\ud800", "password": "x"}', "invalid_character"),
        ('{"email": "a@b.c", "password": "\\udfff"}', "invalid_character"),
        ('{"email": "a@b.c", "password": "x", "otp": ["\\udbff"]}', "invalid_character"),
        ("[" * 100_000 + "]" * 100_000, "too_deep"),
        ('{"email": ' + "[" * 50 + "]" * 50 + ', "password": "x"}', "too_deep"),
    ],
)
def test_unstorable_json_is_a_400_even_without_a_token(client, body, code):
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == code


def test_surrogate_pairs_are_fine(client, make):
    user = make.user()
    body = '{"email": "' + user.email + '", "password": "\\ud83d\\ude00 smile"}'
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 401  # read, checked, refused as a wrong password


def test_405_answers_say_which_methods_are_allowed(client, api, make):
    page = client.delete("/login")
    assert page.status_code == 405
    assert set(page.headers["Allow"].split(", ")) >= {"GET", "POST"}
    response = api(make.user()).put("/api/v1/me")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_an_untrusted_host_is_refused(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["parcours.test"])
    assert client.get("/").status_code == 200
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_invitation_links_are_built_on_the_base_url(app, api, make, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://parcours.example.org/")
    member = make.parcours()
    response = api(member.user).post(
        f"/api/v1/parcours/{member.parcours_id}/invitations",
        json={"role": "family"},
        headers={"Host": "parcours.test", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 201
    assert response.json["url"].startswith("https://parcours.example.org/invitations/")
