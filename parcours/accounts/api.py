"""API: bearer tokens and the signed-in user."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from parcours.accounts import operations
from parcours.accounts.schemas import TokenRequestSchema, TokenSchema, UserSchema
from parcours.accounts.views import limit_failed_logins
from parcours.core.api import api, bearer_tokens, documented, error, load


@bearer_tokens.user_loader
def load_user(secret: str):
    """The user of a live API token (the API's `before_request` asks)."""
    return operations.user_for_api_token(secret)


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
    return TokenSchema().dump({"token": secret}), 201


@api.delete("/tokens/current")
@documented(responses={204: None})
def revoke_token():
    """Revoke the token this request was made with."""
    operations.revoke_api_token(request.headers["Authorization"].partition(" ")[2].strip())
    return "", 204


@api.get("/me")
@documented(responses={200: UserSchema})
def me():
    """The signed-in user."""
    return UserSchema().dump(current_user)
