"""Languages: French by default, English available; the choice is remembered."""

from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale
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


def init_i18n(app: Flask, babel: Babel, packages: tuple[str, ...]) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(app, packages))
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(language_context)
