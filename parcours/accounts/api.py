"""API: bearer tokens and the signed-in user."""

from flask import g
from flask_login import current_user

from parcours.accounts import operations, password_reset, throttling
from parcours.accounts.schemas import (
    MePatchSchema,
    NewPasswordSchema,
    PasswordResetAskedSchema,
    PasswordResetRequestSchema,
    TokenInfoSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)
from parcours.core.api import Merged, api, bearer_tokens, documented, error, load
from parcours.core.errors import Forbidden
from parcours.core.i18n import gettext as _


def two_step_missing() -> Forbidden:
    return Forbidden(
        _("Two-step sign-in is required for your account: set it up on your account page first."),
        code="two_step_required",
    )


@bearer_tokens.token_loader
def load_token(secret: str):
    """The live API token (the API's `before_request` asks); its user must have set up
    two-step sign-in where the site requires it."""
    token = operations.api_token_for(secret)
    if token is not None and token.user.must_have_two_step and not token.user.has_two_step:
        raise two_step_missing()
    return token


def _dump(api_token, **extra):
    current = getattr(g, "api_token", None)
    return Merged(api_token, current=current is not None and current.id == api_token.id, **extra)


@api.post("/tokens")
@documented(body=TokenRequestSchema, responses={201: TokenSchema}, errors=(401, 403, 429))
def create_token():
    """Exchange an e-mail address (or login name), a password and, for users who set up
    two-step sign-in, the app's code for a bearer token that works `expires_in_days` days.
    Failed attempts are slowed down per account and address (429 with Retry-After)."""
    data = load(TokenRequestSchema())
    tally = throttling.check_sign_in(data["email"])
    user = operations.authenticate(data["email"], data["password"])
    if user is None:
        throttling.record_failure(tally, "token.failed")
        return error(
            "invalid_credentials", _("The e-mail address or the password is not right."), 401
        )
    if user.has_two_step:
        if not data.get("otp"):
            return error(
                "otp_required",
                _("Your account uses two-step sign-in: send the code of your app as `otp`."),
                401,
            )
        if not operations.check_totp(user, data["otp"]):
            throttling.record_failure(tally, "token.failed", user_id=user.id)
            return error("invalid_otp", _("This code is not right."), 401)
    elif user.must_have_two_step:
        raise two_step_missing()
    throttling.clear_failures(tally)
    token, secret = operations.issue_api_token(
        user,
        expires_in_days=data["expires_in_days"],
        scope=data["scope"],
        label=data.get("label"),
    )
    return TokenSchema().dump(_dump(token, token=secret)), 201


@api.get("/tokens")
@documented(responses={200: TokenInfoSchema(many=True)})
def list_tokens():
    """My tokens that still work (neither revoked nor expired), the latest first."""
    return TokenInfoSchema(many=True).dump(
        [_dump(token) for token in operations.live_api_tokens(current_user)]
    )


@api.delete("/tokens/<int:token_id>")
@documented(responses={204: None}, errors=(403,))
def revoke_token_by_id(token_id: int):
    """Revoke one of my tokens (a read-only token may revoke only itself)."""
    operations.revoke_api_token(operations.api_token_of(current_user, token_id))
    return "", 204


@api.delete("/tokens/current")
@documented(responses={204: None})
def revoke_token():
    """Revoke the token this request was made with (a read-only token may too)."""
    operations.revoke_api_token(g.api_token)
    return "", 204


@api.get("/me")
@documented(responses={200: UserSchema})
def me():
    """The signed-in user."""
    return UserSchema().dump(current_user)


@api.patch("/me")
@documented(body=MePatchSchema, responses={200: UserSchema})
def patch_me():
    """Change my preferences: how often I get the e-mail digest (`notifications`), how the app
    speaks of me (`form_of_address`, null: not said); either alone. 422 on a value it does not
    know."""
    operations.set_preferences(current_user, load(MePatchSchema()))
    return UserSchema().dump(current_user)


@api.post("/password-reset")
@documented(
    body=PasswordResetRequestSchema, responses={202: PasswordResetAskedSchema}, errors=(429,)
)
def request_password_reset():
    """Ask for a link to choose a new password, sent to the account with this e-mail address
    (valid one hour, once). The answer is the same whether the address has an account or not;
    requests are slowed down per client and per address (429 with Retry-After)."""
    data = load(PasswordResetRequestSchema())
    throttling.check_password_reset(data["email"])
    password_reset.request_password_reset(data["email"])
    return PasswordResetAskedSchema().dump({"message": password_reset.reset_asked_message()}), 202


@api.post("/password-reset/<token>")
@documented(body=NewPasswordSchema, responses={204: None}, errors=(410, 429))
def set_new_password(token: str):
    """Set a new password with the token of a reset link or card: every login session and
    API token of the account ends; two-step sign-in stays. 404 `reset_not_found`; 410
    `reset_used`, `reset_replaced` or `reset_expired`; 422 `weak_password`."""
    throttling.check_reset_link_visit()
    data = load(NewPasswordSchema())
    password_reset.reset_password(token, data["password"])
    return "", 204
