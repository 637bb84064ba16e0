"""Forms of the observatory: an admin names an observer."""

from wtforms import EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField


class ObserverForm(Form):
    once = OnceField()
    email = EmailField(
        _l("The observer's e-mail address"),
        validators=[
            DataRequired(_l("Please give the observer's e-mail address.")),
            Length(max=254),
        ],
    )
    kind = RadioField(
        _l("They observe"),
        choices=[
            SelectChoice("organisation", _l("An organisation")),
            SelectChoice("territory", _l("A territory")),
        ],
        default="territory",
    )
    organisation = StringField(
        _l("Organisation"),
        description=_l("Its name, for an organisation."),
        validators=[Optional(), Length(max=200)],
    )
    territory = StringField(
        _l("Territory (département code)"),
        description=_l("As on a postcode: 37, 2A, 971."),
        validators=[Optional(), Length(max=10)],
    )
