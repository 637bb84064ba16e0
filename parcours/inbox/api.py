"""API: what waits for me."""

from flask_login import current_user

from parcours.core.api import api, documented, load
from parcours.inbox.news import mark_read, news_for
from parcours.inbox.schemas import InboxSchema, MarkReadSchema
from parcours.inbox.views import read_all


@api.get("/me/inbox")
@documented(responses={200: InboxSchema})
def get_inbox():
    """What waits for you across your plans, oldest first: an objective version to approve,
    a proposal without your stance, a hand-off to your organisation, your commitments due
    within 3 days or overdue, a closing to confirm and an organisation waiting for your
    consent, and what a member declared of them that only they confirm (these for the person
    or their legal representative). Each clears itself once done. Then the news of the last
    30 days, newest first (a member joined — a legal representative named —, a decision, a
    pilot designated, a closing asked, a reply to you or a mention of you, and for the pilot a
    new flag on the plan), `read` once opened or marked read."""
    items, news = read_all(current_user)
    return InboxSchema().dump({"items": [*items, *news]})


@api.post("/me/inbox/read")
@documented(body=MarkReadSchema, responses={204: None})
def mark_inbox_read():
    """Mark news read: those of `ids`, or every one shown when `ids` is absent."""
    data = load(MarkReadSchema())
    shown = {n.id for n in news_for(current_user)}
    wanted = data.get("ids")
    mark_read(current_user, [key for key in (wanted or shown) if key in shown])
    return "", 204
