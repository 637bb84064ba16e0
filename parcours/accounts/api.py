"""API: bearer tokens and the signed-in user."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from parcours.accounts import operations
from parcours.accounts.schemas import (
    CloseAccountSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)
from parcours.accounts.views import limit_failed_logins
from parcours.core.api import Content, api, documented, error, load
from parcours.core.errors import DomainError
from parcours.extensions import db


@api.post("/tokens")
@documented(body=TokenRequestSchema, responses={201: TokenSchema}, errors=(401, 429))
@limit_failed_logins
def create_token():
    """Exchange an e-mail address (or login name) and a password for a bearer token."""
    data = load(TokenRequestSchema())
    user = operations.authenticate(data["email"], data["password"])
    if user is None:
        return error(
            "invalid_credentials", _("The e-mail address or the password is not right."), 401
        )
    secret = operations.issue_api_token(user)
    db.session.commit()
    return TokenSchema().dump({"token": secret}), 201


@api.delete("/tokens/current")
@documented(responses={204: None})
def revoke_token():
    """Revoke the token this request was made with."""
    operations.revoke_api_token(request.headers["Authorization"].partition(" ")[2].strip())
    db.session.commit()
    return "", 204


@api.get("/me")
@documented(responses={200: UserSchema})
def me():
    """The signed-in user."""
    return UserSchema().dump(current_user)


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
    from parcours.accounts.mydata import my_data, record_export

    document = my_data(current_user)
    record_export(current_user)
    db.session.commit()
    return document


@api.delete("/me")
@documented(body=CloseAccountSchema, responses={204: None}, errors=(403, 409))
def close_account():
    """Close the signed-in user's account, given their password (see accounts/closing.py)."""
    from parcours.accounts.closing import close_account

    data = load(CloseAccountSchema())
    try:
        close_account(current_user, data["password"])
    except DomainError as exc:
        extra = {}
        if exc.code == "pilot_must_hand_over":
            extra["parcours"] = [
                {**item, "members_url": url_for("plans.members", parcours_id=item["parcours_id"])}
                for item in exc.details
            ]
        return error(exc.code, exc.message, exc.status, **extra)
    db.session.commit()
    return "", 204
