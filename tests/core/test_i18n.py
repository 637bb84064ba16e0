"""French by default, English on request, and every user-facing string translated."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import get_translations

from parcours.core.french import contract

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}


def extracted_messages():
    """Every msgid of the code and the templates, as the catalogue tools see them."""
    messages = set()
    for directory, method in ((ROOT / "parcours", "python"), (ROOT / "templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(directory), method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            messages.add(message)
    return messages


def test_every_user_facing_string_is_translated_into_french(app):
    untranslated = []
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        # Compiled catalogues hold only the translated entries (merged from every package).
        catalogue = get_translations()._catalog
        for message in sorted(extracted_messages(), key=str):
            key = (message[0], 0) if isinstance(message, tuple) else message
            if not catalogue.get(key):
                untranslated.append(key[0] if isinstance(key, tuple) else key)
    assert not untranslated, "run ./scripts/i18n and translate:\n" + "\n".join(untranslated)


def test_pages_are_in_french_by_default(app):
    response = app.test_client().get("/")
    assert '<html lang="fr">' in response.text
    assert "Se connecter" in response.text


def test_english_is_chosen_and_remembered_in_a_cookie(app):
    client = app.test_client()
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text


def test_the_choice_is_remembered_on_the_account(app, make, sign_in):
    user = make.user()
    client = sign_in(user, on=app.test_client())
    client.post("/language", data={"lang": "en", "next": "/"})
    other_device = sign_in(user, on=app.test_client())
    assert '<html lang="en">' in other_device.get("/").text


def test_unknown_language_is_refused(app):
    assert app.test_client().post("/language", data={"lang": "de"}).status_code == 400


def test_the_language_switch_never_redirects_elsewhere(app):
    response = app.test_client().post(
        "/language", data={"lang": "en", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("locale", "expected"), [("fr", "1 février 2026"), ("en", "February 1, 2026")]
)
def test_dates_are_in_the_user_s_locale(app, make, sign_in, locale, expected):
    member = make.pilot(make.parcours())
    client = sign_in(member.user, on=app.test_client())
    client.set_cookie("lang", locale, domain="parcours.test")
    data = {"closed_on": "2026-02-01", "closing_reason": "Fin", "base_revision": "0"}
    client.post(f"/parcours/{member.parcours_id}/settings/close", data=data)
    assert expected in client.get(f"/parcours/{member.parcours_id}").text


def test_api_messages_follow_accept_language(api, make):
    member = make.parcours()
    french = api(make.user()).get(
        f"/api/v1/parcours/{member.parcours_id}", headers={"Accept-Language": "fr"}
    )
    assert french.json["message"] == "Ce parcours n'existe pas, ou vous n'en êtes pas membre."


def test_the_catalogues_agree_with_each_other():
    """A string in several catalogues (the core one and a package's) reads the same in each:
    otherwise the page would depend on which catalogue is merged last."""
    seen: dict[tuple, tuple[str, str]] = {}
    clashes = []
    for path in sorted(ROOT.glob("parcours/**/translations/fr/LC_MESSAGES/messages.po")):
        with path.open("rb") as file:
            for message in read_po(file):
                if not message.id or not message.string or not any(message.string):
                    continue  # untranslated here: another catalogue has it
                # A context ("feminine") is another sentence: `pgettext` asks for it.
                key = (
                    message.context,
                    message.id if isinstance(message.id, str) else message.id[0],
                )
                if key in seen and seen[key][1] != message.string:
                    clashes.append(f"{key!r}: {seen[key]} vs {(path.parts[-5], message.string)}")
                seen.setdefault(key, (path.parts[-5], message.string))
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize(
    ("sentence", "values", "expected"),
    [
        ("Parcours de %(name)s", {"name": "Inès"}, "Parcours d'Inès"),
        ("Parcours de %(name)s", {"name": "Hugo"}, "Parcours d'Hugo"),
        ("Parcours de %(name)s", {"name": "Thomas"}, "Parcours de Thomas"),
        ("Idée de %(name)s.", {"name": "Élodie"}, "Idée d'Élodie."),
        (
            "Personne de %(organisation)s n'a validé",
            {"organisation": "IME Les Tilleuls"},
            "Personne de l'IME Les Tilleuls n'a validé",
        ),
        (
            "Personne de %(organisation)s",
            {"organisation": "SESSAD du Cher"},
            "Personne du SESSAD du Cher",
        ),
        ("De %(organisation)s", {"organisation": "ESAT Les Ateliers"}, "De l'ESAT Les Ateliers"),
        ("Passage à %(organisation)s", {"organisation": "SESSAD"}, "Passage au SESSAD"),
        ("Passage à %(organisation)s", {"organisation": "IME"}, "Passage à l'IME"),
        ("Passage à %(organisation)s", {"organisation": "Les Tilleuls"}, "Passage à Les Tilleuls"),
        (
            "Personne de %(organisation)s",
            {"organisation": "Association Arc"},
            "Personne d'Association Arc",
        ),
        ("Il dit que %(name)s viendra", {"name": "Inès"}, "Il dit qu'Inès viendra"),
        ("Réponse donnée à %(name)s", {"name": "Inès"}, "Réponse donnée à Inès"),
        ("Un code de %(n)d chiffres", {"n": 6}, "Un code de 6 chiffres"),
        ("Le mode de %(name)s", {"name": ""}, "Le mode de "),
    ],
)
def test_french_elides_and_joins_articles_before_the_values_it_takes_in(sentence, values, expected):
    assert contract(sentence, values) % values == expected


def test_pages_in_french_elide_before_a_name_and_english_is_left_alone(app, make, sign_in):
    member = make.parcours(person_name="Inès")
    french = sign_in(member.user, app.test_client())
    page = french.get(f"/parcours/{member.parcours_id}").get_data(as_text=True)
    assert "Parcours d'Inès" in page and "de Inès" not in page
    english = sign_in(member.user)
    page = english.get(f"/parcours/{member.parcours_id}").get_data(as_text=True)
    assert "Inès's plan" in page and "Plan of" not in page


# French typography: a narrow no-break space before ":", ";", "!" and "?", and inside « ».
# A colon right after a digit is a time (10:30); "://" and "?name=" belong to addresses.
_PUNCTUATION_WITHOUT_SPACE = re.compile(
    r"[^\u202f\d/](?<!https)(?<!http)[:;!?](?![/\w=])|[^\u202f][;!?]"
)
_GUILLEMETS_WITHOUT_SPACE = re.compile(r"«[^\u202f]|[^\u202f]»")


def _french_sentences():
    for path in sorted(ROOT.glob("parcours/**/fr/LC_MESSAGES/messages.po")):
        with path.open("rb") as file:
            for message in read_po(file):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for string in strings:
                    if message.id and string:
                        yield path.relative_to(ROOT), string


def test_french_sentences_keep_the_typographic_spaces():
    wrong = [
        f"{path}: {string!r}"
        for path, string in _french_sentences()
        if _PUNCTUATION_WITHOUT_SPACE.search(string) or _GUILLEMETS_WITHOUT_SPACE.search(string)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{{ _("Hand-offs") }}', "Passages de relais"),
        # A doubled sign in a sentence with nothing to put in is still one sign on the page.
        ('{{ _("a share to the nearest 5 %%") }}', "a share to the nearest 5 %"),
        ('{{ _("<b>%(n)s</b>", n="<i>") }}', "<b>&lt;i&gt;</b>"),
    ],
)
def test_template_sentences_are_formatted_only_when_they_need_it(app, source, expected):
    with app.test_request_context():
        assert render_template_string(source) == expected
