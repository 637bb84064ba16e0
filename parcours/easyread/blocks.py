"""The easy-read pages' building blocks, for every template (`picto`, `read_aloud`,
`big_link`): a pictogram always beside a word, the read-aloud button's attributes, a big link.
Written in Python, not as Jinja macros: an easy-read page calls them thirty times, and a macro
call costs several times a function's."""

from flask import url_for
from markupsafe import Markup, escape

from parcours.core.i18n import gettext as _


def picto(name: str, size: int = 48) -> Markup:
    """A pictogram, decorative (the word beside it says it): `alt` is empty."""
    src = escape(url_for("static", filename=f"icons/{name}.svg"))
    size = int(size)
    return Markup(f'<img class="picto" src="{src}" alt="" width="{size}" height="{size}">')


def read_aloud() -> Markup:
    """The attributes that give a block its "Listen" button (static/js/read-aloud.js)."""
    icon = escape(url_for("static", filename="icons/listen.svg"))
    return Markup(f'data-read-aloud="{escape(_("Listen"))}" data-read-aloud-icon="{icon}"')


def big_link(url: str, icon: str, label: str) -> Markup:
    """A big button-like link: its pictogram, then its words."""
    return Markup(
        f'<a class="big-button" href="{escape(url)}">{picto(icon)}<span>{escape(label)}</span></a>'
    )
