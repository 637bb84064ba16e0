"""The words of each message, in the reader's language, standard or easy-read. They never
carry a person's name, a plan's name or anything written in a plan: an e-mail travels and is
kept outside the app, and an address can be mistyped; the pages behind the links say the rest
to whoever may read it."""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app
from flask_babel import force_locale

from parcours.accounts.models import Notifications, User
from parcours.core.i18n import gettext as _


@dataclass(frozen=True)
class Words:
    """A message's subject and plain-text body."""

    subject: str
    body: str


def language_of(user: User | None) -> str:
    """The user's language, else the site's (French)."""
    languages = current_app.config["LANGUAGES"]
    if user is not None and user.locale in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _signature() -> str:
    return _("Parcours — this message was sent automatically; replies are not read.")


def digest_words(
    count: int, frequency: Notifications, link: str, settings: str, stop: str, *, easy_read: bool
) -> Words:
    """How many things wait, and where to see them; how to change or stop these messages."""
    if easy_read:
        subject = (
            _("Parcours has 1 thing for you.")
            if count == 1
            else _("Parcours has %(n)d things for you.", n=count)
        )
        lines = [
            _("Hello,"),
            subject,
            _("Look at it here:") if count == 1 else _("Look at them here:"),
            link,
            _("You do not want these e-mails any more? Open this link:"),
            stop,
        ]
    else:
        subject = (
            _("One thing waits for you in Parcours")
            if count == 1
            else _("%(n)d things wait for you in Parcours", n=count)
        )
        often = {
            Notifications.immediately: _("You get this message when something new waits."),
            Notifications.daily: _("You get this message once a day when something new waits."),
            Notifications.weekly: _("You get this message on Mondays when something new waits."),
        }[frequency]
        lines = [
            _("Hello,"),
            (
                _("One thing waits for you in your plans (something to do, or news).")
                if count == 1
                else _("%(n)d things wait for you in your plans (things to do and news).", n=count)
            ),
            _("See them in Parcours: %(link)s", link=link),
            "",
            often,
            _("To choose how often, go to your account: %(link)s", link=settings),
            _("To stop these messages: %(link)s", link=stop),
        ]
    return Words(subject, "\n".join([*lines, "", _signature()]) + "\n")


def invitation_words(link: str, organisation: str | None, expires_on: str) -> Words:
    """The invitation's link. Who invites is told by their organisation only (a professional's
    service; a relative is "a member of the plan"): never a person's name."""
    invites = (
        _(
            "Someone from %(organisation)s invites you to join a plan on Parcours.",
            organisation=organisation,
        )
        if organisation
        else _("A member of a plan invites you to join it on Parcours.")
    )
    lines = [
        _("Hello,"),
        invites,
        _("Open the invitation to see who invites you and to accept it: %(link)s", link=link),
        _("The link works once, until %(date)s.", date=expires_on),
        "",
        _("You did not expect this message? Ignore it: nothing happens without you."),
    ]
    return Words(
        _("You are invited to join a plan on Parcours"),
        "\n".join([*lines, "", _signature()]) + "\n",
    )


def signup_attempt_words(sign_in: str, *, easy_read: bool) -> Words:
    """Someone asked for an account with the user's address, which has one."""
    if easy_read:
        lines = [
            _("Hello,"),
            _("Someone wanted to make a new Parcours account with your e-mail address."),
            _("You already have an account."),
            _("Was it you? Sign in here:"),
            sign_in,
            _("It was not you? Do nothing."),
        ]
    else:
        lines = [
            _("Hello,"),
            _(
                "Someone asked to create a Parcours account with this e-mail address, which "
                "already has one. No new account was created."
            ),
            _(
                "If it was you, sign in (the sign-in page lets you ask for a new password if "
                "you forgot it): %(link)s",
                link=sign_in,
            ),
            _("If it was not you, you need not do anything."),
        ]
    return Words(_("Your Parcours account"), "\n".join([*lines, "", _signature()]) + "\n")


def password_reset_words(link: str, *, easy_read: bool) -> Words:
    """The link to choose a new password."""
    if easy_read:
        lines = [
            _("Hello,"),
            _("You asked for a new password."),
            _("Open this link to choose it:"),
            link,
            _("You did not ask? Do nothing."),
        ]
    else:
        lines = [
            _("Hello,"),
            _("Someone asked for a new password for your Parcours account."),
            _(
                "To choose a new password, open this link (it works once, for a short time): "
                "%(link)s",
                link=link,
            ),
            _("If you did not ask, ignore this message: your password stays the same."),
        ]
    return Words(_("A new password for Parcours"), "\n".join([*lines, "", _signature()]) + "\n")


def in_language(locale: str, words, *args, **kwargs) -> Words:
    """`words(*args, **kwargs)` in the given language."""
    with force_locale(locale):
        return words(*args, **kwargs)


def compose(to: str, words: Words, locale: str, unsubscribe: str | None = None) -> EmailMessage:
    """The e-mail, with the one-click unsubscribe headers (RFC 8058) for the digests."""
    message = EmailMessage()
    sender = current_app.config["MAIL_FROM"]
    message["From"] = sender
    message["To"] = to
    message["Subject"] = words.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable: 7-bit safe for every server, still readable as text.
    message.set_content(words.body, cte="quoted-printable")
    message["Content-Language"] = locale  # after the content, which resets Content-*
    return message
