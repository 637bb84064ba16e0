"""The base of every form: Flask-WTF's, with WTForms' own messages (a number not valid, a
choice not offered) in the request's language from a catalogue loaded once per language.
Flask-WTF loads that catalogue again for each request that shows a form (a .mo file read
and parsed: a tenth of the objective page)."""

from functools import cache

from babel.support import Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _wtforms_catalogue(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _wtforms_catalogue(str(get_locale()))
