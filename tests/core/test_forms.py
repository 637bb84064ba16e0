"""WTForms' own messages speak the request's language, from a catalogue loaded once."""

import pytest
from wtforms import IntegerField

from parcours.core.forms import Form, _wtforms_catalogue


class _Count(Form):
    count = IntegerField()


@pytest.mark.parametrize(
    ("cookie", "message"),
    [(None, "N'est pas un entier valide."), ("lang=en", "Not a valid integer value.")],
)
def test_wtforms_own_messages_speak_the_request_language(app, cookie, message):
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(2):
        with app.test_request_context("/", method="POST", data={"count": "x"}, headers=headers):
            form = _Count()
            assert not form.validate()
            assert form.count.errors == [message]
    assert _wtforms_catalogue.cache_info().hits >= 1
