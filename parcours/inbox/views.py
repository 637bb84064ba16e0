"""Pages: "For me", the list of what waits for me across my plans."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from parcours.core.audit import EVENTS, record_reads
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import today
from parcours.inbox.items import inbox_for

bp = Blueprint("inbox", __name__)

EVENTS.update({"inbox": _l("saw what waits for them in this plan")})


def read_inbox(user) -> list:
    """The user's inbox, its plans' reads written to their access logs."""
    items = inbox_for(user, today())
    record_reads([item.parcours_id for item in items], user, "inbox")
    return items


@bp.get("/inbox")
@login_required
def index():
    """Everything that waits for me, oldest first, each with a link to where it is done."""
    items = read_inbox(current_user)
    return render_template("inbox/index.html", items=items, inbox_count=len(items))
