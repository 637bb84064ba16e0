"""The API reference page: public, rendered on the server from the OpenAPI document, in
French and in English."""

import re

import pytest

from tests.helpers import inline_scripts


@pytest.fixture
def page(client):
    response = client.get("/developers")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.text


def test_explains_tokens_and_errors(page):
    assert "<h1>API reference</h1>" in page
    assert 'id="token">Getting a token</h2>' in page
    assert "curl -X POST http://parcours.test/api/v1/tokens" in page
    assert "Authorization: Bearer &lt;token&gt;" in page
    assert 'id="errors">Errors</h2>' in page
    assert "No valid bearer token" in page
    assert 'href="/api/v1/openapi.json"' in page


def test_lists_every_operation_by_tag(app, client, page):
    document = client.get("/api/v1/openapi.json").json
    operations = [(m.upper(), p) for p, ops in document["paths"].items() for m in ops]
    shown = re.findall(r'<span class="api-method">(\w+)</span> <code>([^<]+)</code>', page)
    assert sorted(shown) == sorted(operations)
    for tag in ("accounts", "plans", "alliance", "means", "timeline", "developers"):
        assert f'id="tag-{tag}"' in page


def test_shows_parameters_request_body_fields_and_responses(page):
    start = page.index('id="op-create-episode"')
    episode = page[start : page.index("</article>", start)]
    assert "<code>parcours_id</code>" in episode
    assert "in the path" in episode
    assert 'href="#schema-EpisodeInput"' in episode
    assert "<code>start_date</code>" in episode
    assert "string (date)" in episode
    assert "one of: school, sessad," in episode  # the kinds of episode
    assert "at most 120 characters" in episode  # the organisation's name
    assert "<strong>201</strong>" in episode
    assert 'href="#schema-Episode"' in episode
    assert "<strong>422</strong>" in episode
    token = page[page.index('id="op-create-token"') :]
    assert "No token needed." in token[: token.index("</article>")]


def test_in_french(client):
    client.set_cookie("lang", "fr", domain="parcours.test")
    page = client.get("/developers").text
    assert '<html lang="fr">' in page
    assert "<h1>Référence de l\u2019API</h1>" in page
    assert "Obtenir un jeton" in page
    assert "dans le chemin" in page
    # The endpoints keep the document's English, marked as such.
    assert '<p lang="en">Record an episode (a pause needs `person_agreed`).</p>' in page


def test_no_inline_style_or_script(page):
    assert "style=" not in page
    assert inline_scripts(page) == []
