"""API: what waits for me."""

from flask_login import current_user

from parcours.core.api import api, documented
from parcours.inbox.schemas import InboxSchema
from parcours.inbox.views import read_inbox


@api.get("/me/inbox")
@documented(responses={200: InboxSchema})
def get_inbox():
    """What waits for you across your plans, oldest first: an objective version to approve,
    a proposal without your stance, a hand-off to your organisation, your commitments due
    within 3 days or overdue, a closing to confirm and an organisation waiting for your
    consent (the last two for the person or their legal representative). Each item clears
    itself once done."""
    return InboxSchema().dump({"items": read_inbox(current_user)})
