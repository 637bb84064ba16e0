"""Languages: French by default, English available; the choice is remembered."""

from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user

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
    return {"current_locale": str(get_locale()), "language_names": LANGUAGE_NAMES}


class PageDomain(Domain):
    """Flask-Babel's domain, with the catalogue of the request's language looked up once per
    request: a page asks for it for every sentence it writes, in Python and in templates.
    `force_locale` sets another locale object, so a document in another language gets its
    own."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        locale = get_locale()
        kept = g.get("parcours_translations")
        if kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        g.parcours_translations = (locale, translations)
        return translations


PAGE_DOMAIN = PageDomain()


def page_translations():
    """The current request's catalogue (see PageDomain)."""
    return PAGE_DOMAIN.get_translations()


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
    app.context_processor(language_context)
