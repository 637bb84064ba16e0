"""Pages: the one-click unsubscribe link of the digests (no sign-in needed)."""

from flask import Blueprint, render_template

from parcours.extensions import csrf
from parcours.notifications.digests import user_of_token
from parcours.notifications.operations import unsubscribe as stop_digests

bp = Blueprint("notifications", __name__)


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """Stop the digests of the account the link was made for: a page with a button (a link
    opened by a mail scanner changes nothing)."""
    user = user_of_token(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", state="unknown"), 404
    return render_template("notifications/unsubscribe.html", state="ask", token=token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # the signed token is the proof; mail clients post it in one click (RFC 8058)
def confirm_unsubscribe(token: str):
    """No more digests for the account the link was made for."""
    user = user_of_token(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", state="unknown"), 404
    stop_digests(user)
    return render_template("notifications/unsubscribe.html", state="done")
