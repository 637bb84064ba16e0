"""Forms to write a voice and a version of the objective."""

from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import TEXT_MAX

too_long = _l("At most %(n)d characters.", n=TEXT_MAX)


def _text(label, description=None, required=False):
    validators = [DataRequired(_l("Please write the objective."))] if required else [Optional()]
    return TextAreaField(
        label,
        description=description,
        validators=[*validators, Length(max=TEXT_MAX, message=too_long)],
    )


class VoiceForm(Form):
    once = OnceField()
    matters = _text(_l("What matters to me"))
    hopes = _text(_l("What I hope for"))
    worries = _text(_l("What worries me"))
    help_me = _text(_l("How to help me well"))
    base_number = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class ObjectiveForm(Form):
    once = OnceField()
    text = _text(
        _l("The shared objective"),
        _l("What we all want for the person, in a sentence or two."),
        required=True,
    )
    perimeter_in = _text(
        _l("What the accompaniment covers"), _l("The parts of life the plan is about.")
    )
    perimeter_out = _text(
        _l("What it does not cover"),
        _l("Not all of the person's life is the services' business."),
    )
    indicators = _text(_l("How we will see it progress"), _l("One indicator per line."))
    written_for = SelectField(_l("Written on behalf of"), coerce=int, default=0)
    base_number = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class DisagreementForm(Form):
    once = OnceField()
    comment = TextAreaField(
        _l("What is missing for you? (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX, message=too_long)],
    )
