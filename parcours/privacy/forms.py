"""Closing an account."""

from wtforms import PasswordField
from wtforms.validators import DataRequired

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l


class CloseAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        description=_l("To confirm that it is you. The account closes at once."),
        validators=[DataRequired(_l("Please give your password."))],
    )
