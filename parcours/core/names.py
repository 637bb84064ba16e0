"""How a person whose account is closed is named: their texts stay, their name does not."""

from parcours.core.i18n import gettext

# What replaces a closed account's name where a name was written down as text (the details of
# the access log, the history of an episode): shown as "a former member" in each language.
FORMER_MEMBER_MARK = "{former member}"


def former_member_name() -> str:
    """How the pages and the API name a person whose account is closed (in the reader's
    language): their texts stay in the plans, without their name."""
    return gettext("a former member")


def account_name(stored_name: str | None, closed_at) -> str | None:
    """An account's name as the pages and the API show it: its own, "a former member" once
    it is closed (`User.name`, and the queries that read the two columns as rows)."""
    return former_member_name() if closed_at is not None else stored_name


def shown_name(value: str | None) -> str | None:
    """A name written down as text, as the reader sees it."""
    return former_member_name() if value == FORMER_MEMBER_MARK else value
