"""Languages: French by default, English available; the choice is remembered."""

from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, force_locale, format_date, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from parcours.core.french import contract

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def select_locale() -> str:
    """The user's saved language, else the language cookie, else French.

    API clients without a choice get the best match of their Accept-Language header.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or "fr"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def translation_directories(app: Flask, packages: tuple[str, ...]) -> str:
    """The core catalogue plus one per package that ships its own."""
    dirs = ["translations"] + [f"{name}/translations" for name in packages]
    return ";".join(d for d in dirs if (Path(app.root_path) / d).is_dir())


def language_context() -> dict:
    """What every template is given: its language, and its sentences bound to the catalogue
    of that language (the macros it imports, rendered without its context, find them through
    the environment's globals: `template_gettext`)."""
    _locale, translations, french, tag = PAGE_DOMAIN.kept()
    sentence = page_gettext(translations, french)
    return {
        "current_locale": tag if tag is not None else str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "_": sentence,
        "gettext": sentence,
    }


class PageDomain(Domain):
    """Flask-Babel's domain, with the catalogue of the request's language looked up once per
    request: a page asks for it for every sentence it writes, in Python and in templates, and
    Flask-Babel's own lookup goes through several context proxies each time. The catalogue is
    kept beside the locale in Flask-Babel's per-request namespace (`g._flask_babel`), so
    `force_locale`, which sets another locale object there, gets its own."""

    def get_translations(self):
        return self.kept()[1]

    def kept(self) -> tuple:
        """(locale, catalogue, whether it is French, the locale's tag: "fr", "en") for the
        current request."""
        if not has_app_context():
            return None, super().get_translations(), False, None
        babel_ctx = getattr(g, "_flask_babel", None)
        if babel_ctx is None:  # not asked yet in this context: Flask-Babel sets it up
            get_locale()
            babel_ctx = g._flask_babel
        kept = getattr(babel_ctx, "parcours_translations", None)
        if kept is not None and kept[0] is getattr(babel_ctx, "babel_locale", None):
            return kept
        translations = super().get_translations()
        locale = get_locale()
        french = locale is not None and locale.language == "fr"
        kept = (locale, translations, french, str(locale) if locale is not None else None)
        babel_ctx.parcours_translations = kept
        return kept


PAGE_DOMAIN = PageDomain()


def page_translations():
    """The current request's catalogue (see PageDomain)."""
    return PAGE_DOMAIN.get_translations()


def gettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext`, without looking the domain up again on every sentence (the
    app has one: PAGE_DOMAIN), with French elisions ("d'Inès"). Python code imports it as `_`
    from here."""
    _locale, translations, french, _tag = PAGE_DOMAIN.kept()
    translated = translations.ugettext(string)
    if not variables:
        return translated
    if french:
        translated = contract(translated, variables)
    return translated % variables


def pgettext(context: str, string: str, **variables) -> str:
    """The sentence in the form a context asks for (French marks who it speaks of: see
    `User.spoken_of`); the plain translation where the catalogue has no form for it."""
    _locale, translations, french, _tag = PAGE_DOMAIN.kept()
    translated = translations.upgettext(context, string)
    if translated == string:
        translated = translations.ugettext(string)
    if not variables:
        return translated
    if french:
        translated = contract(translated, variables)
    return translated % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """A sentence translated when it is shown, in the reader's language (labels defined at
    import time)."""
    return LazyString(gettext, string, **variables)


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """Jinja's newstyle gettext in one call: the sentence in the reader's language, made safe
    markup in an autoescaped template, with its `%(name)s` values put in (and escaped)."""
    _locale, translations, french, _tag = PAGE_DOMAIN.kept()
    return _sentence(eval_ctx, translations, french, string, variables)


def page_gettext(translations, french: bool):
    """`template_gettext` bound to one catalogue: what a page's own templates call (see
    `language_context`), without looking the request's catalogue up for each sentence."""

    @pass_eval_context
    def gettext_of_page(eval_ctx, string: str, **variables) -> str:
        return _sentence(eval_ctx, translations, french, string, variables)

    return gettext_of_page


def _sentence(eval_ctx, translations, french: bool, string: str, variables: dict) -> str:
    translated = translations.ugettext(string)
    if not variables and "%" not in translated:
        # Most sentences: nothing to put in, and formatting would give them back unchanged.
        return Markup(translated) if eval_ctx.autoescape else translated
    if french and variables:
        translated = contract(translated, variables)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


@lru_cache(maxsize=4096)
def _formatted_day(value: date, format: str | None, tag: str) -> str:
    with force_locale(tag):
        return format_date(value, format)


def format_day(value, format: str | None = None) -> str:
    """Flask-Babel's `format_date`, remembered for plain dates (a date written in a language
    does not change; a datetime depends on the reader's time zone and is not remembered)."""
    if type(value) is not date or not has_request_context():
        return format_date(value, format)
    tag = PAGE_DOMAIN.kept()[3]
    return _formatted_day(value, format, tag if tag is not None else str(get_locale()))


def init_i18n(app: Flask, babel: Babel, packages: tuple[str, ...]) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(app, packages))
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = PAGE_DOMAIN
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )
    # `_` and `gettext` straight to the request's catalogue: Jinja's own newstyle `_` looks
    # `gettext` up by name and calls it through the context again, on every sentence, and a
    # page says a hundred.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = template_gettext
    app.jinja_env.filters["dateformat"] = format_day
    app.context_processor(language_context)
