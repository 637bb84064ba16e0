"""API: everything about me, and closing my account."""

from flask import url_for
from flask_login import current_user

from parcours.core.api import Content, api, documented, error, load
from parcours.core.errors import DomainError
from parcours.privacy.closing import close_account as close
from parcours.privacy.mydata import my_data as my_data_document
from parcours.privacy.mydata import record_export
from parcours.privacy.schemas import CloseAccountSchema


@api.get("/me/data")
@documented(
    responses={
        200: Content(
            description="The account, its devices and tokens (dates only), the memberships, "
            "every text and act of the user by kind, and the access log of their plans."
        )
    }
)
def my_data():
    """Everything the app holds about the signed-in user (logged in each of their plans)."""
    document = my_data_document(current_user)
    record_export(current_user)
    return document


@api.delete("/me")
@documented(body=CloseAccountSchema, responses={204: None}, errors=(403, 409))
def close_account():
    """Close the signed-in user's account, given their password (see privacy/closing.py)."""
    data = load(CloseAccountSchema())
    try:
        close(current_user, data["password"])
    except DomainError as exc:
        extra = {}
        if exc.code == "pilot_must_hand_over":
            extra["parcours"] = [
                {**item, "members_url": url_for("plans.members", parcours_id=item["parcours_id"])}
                for item in exc.details
            ]
        return error(exc.code, exc.message, exc.status, **extra)
    return "", 204
