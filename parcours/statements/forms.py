"""The form to write a statement, addressed to an organisation or a territory."""

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import TEXT_MAX


class StatementForm(Form):
    once = OnceField()
    text = TextAreaField(
        _l("What is missing, or what you propose"),
        description=_l(
            "A few sentences, without names: the observers read them as written, "
            "without knowing whose plan they come from."
        ),
        validators=[
            InputRequired(_l("Please write the statement.")),
            Length(max=TEXT_MAX, message=_l("At most %(n)d characters.", n=TEXT_MAX)),
        ],
    )
    to = RadioField(
        _l("Addressed to"),
        choices=[
            SelectChoice("organisation", _l("An organisation")),
            SelectChoice("territory", _l("A territory")),
        ],
        default="territory",
    )
    organisation_id = SelectField(
        _l("Organisation"),
        description=_l("For an organisation: one of the plan's."),
        coerce=int,
        default=0,
    )
    territory = StringField(
        _l("Territory (département code)"),
        description=_l("As on a postcode: 37, 2A, 971."),
        validators=[Optional(), Length(max=10)],
    )
