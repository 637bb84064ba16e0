"""API schemas for accounts."""

from marshmallow import Schema, fields, validate

from parcours.accounts.models import FormOfAddress, Notifications, TokenScope
from parcours.accounts.operations import TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX


class TokenRequestSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "The e-mail address, or the login name."},
    )
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    otp = fields.String(
        validate=validate.Length(max=20),
        metadata={
            "description": "The 6-digit code of the authenticator app, required from users "
            "who set up two-step sign-in (without it: 401 `otp_required`)."
        },
    )
    expires_in_days = fields.Integer(
        load_default=TOKEN_DAYS_DEFAULT,
        validate=validate.Range(min=1, max=TOKEN_DAYS_MAX),
        metadata={"description": f"How long the token works (default {TOKEN_DAYS_DEFAULT})."},
    )
    scope = fields.Enum(
        TokenScope,
        load_default=TokenScope.write,
        metadata={
            "description": "`read`: GET requests only (anything else answers 403 "
            "`read_only_token`); `write` (default): everything the user may do."
        },
    )
    label = fields.String(
        validate=validate.Length(max=80),
        metadata={"description": "A name to recognise the token by in the list."},
    )


class TokenInfoSchema(Schema):
    """A token as listed (never its secret)."""

    id = fields.Integer()
    label = fields.String(allow_none=True)
    scope = fields.Enum(TokenScope)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True, metadata={"description": "To the minute."})
    current = fields.Boolean(metadata={"description": "The token this request was made with."})


class TokenSchema(TokenInfoSchema):
    token = fields.String(
        metadata={"description": "Send it as `Authorization: Bearer <token>`; shown only once."}
    )


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    is_professional = fields.Boolean()
    organisation = fields.Nested(OrganisationSchema, allow_none=True)
    function = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    form_of_address = fields.Enum(
        FormOfAddress,
        allow_none=True,
        metadata={
            "description": "How the app speaks of the user where French marks it (feminine, "
            "masculine, neutral); null: not said, read as neutral."
        },
    )
    notifications = fields.Enum(
        Notifications,
        metadata={
            "description": "How often the user gets the e-mail digest of what waits for them: "
            "immediately (when something new waits), daily (the default), weekly (Mondays), "
            "never. Invitations and password links go out whatever it says."
        },
    )


class MePatchSchema(Schema):
    """What the user may change of their own preferences through the API (either alone)."""

    notifications = fields.Enum(
        Notifications, metadata={"description": "immediately, daily, weekly or never."}
    )
    form_of_address = fields.Enum(
        FormOfAddress,
        allow_none=True,
        metadata={"description": "feminine, masculine, neutral, or null (not said)."},
    )


class PasswordResetRequestSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "The e-mail address of the account."},
    )


class PasswordResetAskedSchema(Schema):
    message = fields.String(
        required=True,
        metadata={"description": "The same sentence whether the address has an account or not."},
    )


class NewPasswordSchema(Schema):
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": "At least 12 characters, and not easy to guess (else 422 "
            "`weak_password`)."
        },
    )
