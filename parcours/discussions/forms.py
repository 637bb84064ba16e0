"""Forms to write a message in a thread and to edit one's own."""

from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import TEXT_MAX

_too_long = Length(max=TEXT_MAX, message=_l("At most %(n)d characters.", n=TEXT_MAX))


class CommentForm(Form):
    once = OnceField()
    text = TextAreaField(
        _l("Your message"),
        validators=[InputRequired(_l("Please write your message.")), _too_long],
    )
    reply_to = SelectField(_l("In reply to"), coerce=int, default=0)
    mentions = SelectMultipleField(
        _l("Tell these members (they see it in “For me”)"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    on_behalf_of = SelectField(_l("In whose name"), coerce=int, default=0)


class EditCommentForm(Form):
    text = TextAreaField(
        _l("Your message"),
        validators=[InputRequired(_l("Please write your message.")), _too_long],
    )
    revision = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
