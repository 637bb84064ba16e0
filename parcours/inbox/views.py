"""Pages: "For me", what waits for me across my plans, and what happened there lately."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from parcours.core.audit import EVENTS, record_reads
from parcours.core.errors import NotFound
from parcours.core.forms import Form
from parcours.core.i18n import gettext as _
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.models import today
from parcours.core.views import flash_success
from parcours.inbox.items import inbox_for
from parcours.inbox.news import mark_read, news_for, news_item

bp = Blueprint("inbox", __name__)

EVENTS.update({"inbox": _l("saw what waits for them in this plan")})


def read_inbox(user, names: dict[int, str] | None = None) -> list:
    """The user's things to do, their plans' reads written to their access logs (`names`: the
    person's name of each plan, when the page has them)."""
    items = inbox_for(user, today(), names)
    record_reads([item.parcours_id for item in items], user, "inbox")
    return items


def read_all(user) -> tuple[list, list]:
    """The user's things to do and news, their plans' reads written to their access logs
    (once per plan)."""
    items, news = inbox_for(user, today()), news_for(user)
    record_reads([item.parcours_id for item in (*items, *news)], user, "inbox")
    return items, news


@bp.get("/inbox")
@login_required
def index():
    """Everything that waits for me, oldest first, then the news of my plans, newest first."""
    items, news = read_all(current_user)
    return render_template(
        "inbox/index.html",
        items=items,
        news=news,
        unread=sum(1 for n in news if not n.read),
        inbox_count=len(items),
    )


@bp.get("/inbox/news/<key>")
@login_required
def open_news(key: str):
    """Open a news item (its id, e.g. `news-812` or `flag-31`): it is read, and the page it is
    about opens."""
    item = news_item(current_user, key)
    if item is None:
        raise NotFound(
            _("This news is not yours, or is too old: see the plan's access log."),
            code="news_not_found",
        )
    mark_read(current_user, [item.id])
    return redirect(item.url)


@bp.post("/inbox/read")
@login_required
def mark_all_read():
    """Every news item shown is read."""
    if Form().validate_on_submit():
        mark_read(current_user, [n.id for n in news_for(current_user)])
        flash_success(_("Every news item is marked read."))
    return redirect(url_for("inbox.index") + "#news-heading")
