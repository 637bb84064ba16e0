"""Sign-up, sign-in and profile forms."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from parcours.accounts.operations import PASSWORD_MIN
from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import NAME_MAX


class ProfessionalFields:
    """Organisation and function, required for professionals."""

    # Not Optional(): the sign-up form's own validators require them for professionals.
    organisation = StringField(
        _l("Organisation"),
        validators=[Length(max=NAME_MAX)],
        render_kw={"autocomplete": "organization"},
    )
    function = StringField(
        _l("Function"),
        description=_l("For example: éducatrice spécialisée, assistant social, enseignante."),
        validators=[Length(max=80)],
        render_kw={"autocomplete": "organization-title"},
    )


class SignupForm(ProfessionalFields, Form):
    name = StringField(
        _l("Your name"),
        description=_l("The name the other members will see."),
        validators=[DataRequired(_l("Please give your name.")), Length(max=80)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail address"), validators=[Length(max=254)], render_kw={"autocomplete": "email"}
    )
    login_name = StringField(
        _l("Login name (if you have no e-mail address)"),
        description=_l("3 to 60 letters or digits, without spaces. You will sign in with it."),
        validators=[Length(max=60)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        description=_l(
            "At least %(n)d characters. A few words that go together only for you are easy "
            "to remember and hard to guess.",
            n=PASSWORD_MIN,
        ),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(min=PASSWORD_MIN, message=_l("At least %(n)d characters.", n=PASSWORD_MIN)),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    is_professional = BooleanField(_l("I am a professional (I work for a service)"))

    def validate_email(self, field) -> None:
        if not (field.data or "").strip() and not (self.login_name.data or "").strip():
            raise ValidationError(
                _l("Give an e-mail address, or a login name if you have no e-mail address.")
            )

    def validate_organisation(self, field) -> None:
        if self.is_professional.data and not (field.data or "").strip():
            raise ValidationError(_l("A professional states their organisation."))

    def validate_function(self, field) -> None:
        if self.is_professional.data and not (field.data or "").strip():
            raise ValidationError(_l("A professional states their function."))


class LoginForm(Form):
    identifier = StringField(
        _l("E-mail address or login name"),
        validators=[DataRequired(_l("Please give your e-mail address or login name."))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please give your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(
        _l("Stay signed in on this device"),
        description=_l("For 30 days. Not on a computer others use."),
    )
    next = HiddenField()


class CodeForm(Form):
    code = StringField(
        _l("Code"),
        description=_l("The 6 digits your app shows now, or one of your recovery codes."),
        validators=[DataRequired(_l("Please type the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class TwoStepSetupForm(Form):
    code = StringField(
        _l("The 6 digits your app shows"),
        validators=[DataRequired(_l("Please type the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmPasswordForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Please give your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ProfileForm(ProfessionalFields, Form):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Please give your name.")), Length(max=80)],
        render_kw={"autocomplete": "name"},
    )
    locale = RadioField(
        _l("Language"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
        default="fr",
    )
    easy_read = RadioField(
        _l("Easy-read pages"),
        choices=[
            SelectChoice("default", _l("As suits my role")),
            SelectChoice("on", _l("Always")),
            SelectChoice("off", _l("Never")),
        ],
        default="default",
    )
    form_of_address = RadioField(
        _l("How should Parcours speak of you?"),
        description=_l(
            "In French, some words change: “représentante” or “représentant”, “la” or “le” pilote."
        ),
        choices=[
            SelectChoice("feminine", _l("She (feminine forms)")),
            SelectChoice("masculine", _l("He (masculine forms)")),
            SelectChoice("neutral", _l("Neither (neutral forms)")),
        ],
        default="neutral",
        validators=[Optional()],  # not sent: unchanged
    )
    notifications = RadioField(
        _l("E-mail about what waits for you"),
        description=_l(
            "How many things wait for you, never what they say. Invitations and password "
            "links you ask for come whatever you choose."
        ),
        choices=[
            SelectChoice("immediately", _l("As soon as something new waits")),
            SelectChoice("daily", _l("Once a day, in the morning")),
            SelectChoice("weekly", _l("Once a week, on Mondays")),
            SelectChoice("never", _l("Never")),
        ],
        default="daily",
        validators=[Optional()],  # not sent: unchanged
    )


class PasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please give your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        description=_l(
            "At least %(n)d characters. Your other devices are signed out and your API tokens "
            "stop working.",
            n=PASSWORD_MIN,
        ),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(min=PASSWORD_MIN, message=_l("At least %(n)d characters.", n=PASSWORD_MIN)),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class OrganisationForm(Form):
    once = OnceField()
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please give the organisation's name.")), Length(max=NAME_MAX)],
    )
    territory = StringField(
        _l("Territory (département code)"),
        description=_l("As on a postcode: 37, 2A, 971. Leave it empty if it serves none."),
        validators=[Optional(), Length(max=10)],
    )


class PasswordResetRequestForm(Form):
    email = EmailField(
        _l("E-mail address"),
        description=_l("The address of your account."),
        validators=[DataRequired(_l("Please give your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        description=_l(
            "At least %(n)d characters. A few words that go together only for you are easy "
            "to remember and hard to guess. Every device signed in to your account is then "
            "signed out.",
            n=PASSWORD_MIN,
        ),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(min=PASSWORD_MIN, message=_l("At least %(n)d characters.", n=PASSWORD_MIN)),
        ],
        render_kw={"autocomplete": "new-password"},
    )
