"""Small helpers shared by the tests."""


def english_client(app):
    """A test client reading the pages in English (French, the default, has its own tests)."""
    client = app.test_client()
    client.set_cookie("lang", "en", domain="parcours.test")
    return client
