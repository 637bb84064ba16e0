"""Forms to propose a means, take a stance, decide, commit, and review."""

from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import NAME_MAX, TEXT_MAX
from parcours.means.models import (
    ACTION_MAX,
    CARRIED_BY_MAX,
    Category,
    Outcome,
    StanceValue,
)


def _too_long(n: int):
    return Length(max=n, message=_l("At most %(n)d characters.", n=n))


STANCE_CHOICES = [
    SelectChoice(StanceValue.support.value, _l("I support it")),
    SelectChoice(StanceValue.reservations.value, _l("I have reservations")),
    SelectChoice(StanceValue.oppose.value, _l("I oppose it")),
]
# Easy-read (FALC) wording, for the person accompanied.
EASY_STANCE_CHOICES = [
    SelectChoice(StanceValue.support.value, _l("I agree")),
    SelectChoice(StanceValue.reservations.value, _l("I'm not sure")),
    SelectChoice(StanceValue.oppose.value, _l("I don't agree")),
]
OUTCOME_CHOICES = [
    SelectChoice(Outcome.adopted.value, _l("Adopt it: we do it")),
    SelectChoice(Outcome.set_aside.value, _l("Set it aside: we do not do it")),
    SelectChoice(Outcome.to_revisit.value, _l("To revisit: we will discuss it again later")),
]


class ProposeForm(Form):
    once = OnceField()
    title = StringField(
        _l("Title"),
        description=_l("In a few words, e.g. “Ordinary class with a support worker (AESH)”."),
        validators=[DataRequired(_l("Please give the proposal a title.")), _too_long(NAME_MAX)],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What it is, how it would help reach the objective."),
        validators=[DataRequired(_l("Please describe the proposal.")), _too_long(TEXT_MAX)],
    )
    carried_by = StringField(
        _l("Who would carry it out"),
        description=_l("A service, a professional, the family…"),
        validators=[
            DataRequired(_l("Please say who would carry it out.")),
            _too_long(CARRIED_BY_MAX),
        ],
    )
    category = SelectField(
        _l("Category (optional)"),
        choices=[SelectChoice("", _l("No category"))]
        + [SelectChoice(c.value, c.label) for c in Category],
        validators=[Optional()],
        default="",
    )
    on_behalf_of = SelectField(_l("Proposed on behalf of"), coerce=int, default=0)


class StanceForm(Form):
    once = OnceField()
    value = RadioField(
        _l("Your stance"),
        choices=STANCE_CHOICES,
        validators=[DataRequired(_l("Please choose a stance."))],
    )
    comment = TextAreaField(
        _l("Comment"),
        description=_l(
            "Why? What would make it work? A reservation or an objection helps when it is "
            "explained."
        ),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    on_behalf_of = SelectField(_l("Whose stance"), coerce=int, default=0)


class DecisionForm(Form):
    once = OnceField()
    outcome = RadioField(
        _l("Decision"),
        choices=OUTCOME_CHOICES,
        validators=[DataRequired(_l("Please choose a decision."))],
    )
    rationale = TextAreaField(
        _l("Reasons for the decision"),
        description=_l("What the discussion concluded, and how divergent views were heard."),
        validators=[
            DataRequired(_l("Please give the reasons for the decision.")),
            _too_long(TEXT_MAX),
        ],
    )
    participants = SelectMultipleField(
        _l("Who took part"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


class CommitmentForm(Form):
    once = OnceField()
    member_id = SelectField(
        _l("Who commits"),
        coerce=int,
        validators=[DataRequired(_l("Please choose a member."))],
    )
    action = StringField(
        _l("What they will do"),
        validators=[DataRequired(_l("Please say what will be done.")), _too_long(ACTION_MAX)],
    )
    due_on = DateField(
        _l("By when"),
        validators=[DataRequired(_l("Please give the date it will be done by."))],
    )


class ReviewForm(Form):
    once = OnceField()
    held_on = DateField(
        _l("Date of the review"),
        validators=[DataRequired(_l("Please give the date of the review."))],
    )
    view = TextAreaField(
        _l("Your view of how it is going"),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    what_to_change = TextAreaField(
        _l("What to change"),
        description=_l("What the alliance decides to adjust after this review."),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    objective_number = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def review_form(indicators: list[str], **kwargs) -> ReviewForm:
    """The review form with one assessment field per indicator of the objective in force
    (`assessment_0`, `assessment_1`…, labelled with the indicator)."""

    class IndicatorReviewForm(ReviewForm):
        pass

    names = []
    for position, indicator in enumerate(indicators):
        names.append(f"assessment_{position}")
        setattr(
            IndicatorReviewForm,
            names[-1],
            TextAreaField(indicator, validators=[Optional(), _too_long(TEXT_MAX)]),
        )
    form = IndicatorReviewForm(**kwargs)
    form.assessment_fields = [form[name] for name in names]
    return form


class ReviewCommentForm(Form):
    once = OnceField()
    view = TextAreaField(
        _l("Your view of how it is going"),
        validators=[DataRequired(_l("Please write your view.")), _too_long(TEXT_MAX)],
    )
    on_behalf_of = SelectField(_l("Whose view"), coerce=int, default=0)


class CorrectCommitmentForm(Form):
    """A new date or another member for a commitment still to do."""

    due_on = DateField(_l("New date"), validators=[Optional()])
    member_id = SelectField(_l("Who commits"), coerce=int, validators=[Optional()])
    reason = TextAreaField(
        _l("Why (optional)"),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    base_revision = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class ReasonForm(Form):
    """Why a commitment is cancelled, or a record entered by mistake deleted."""

    reason = TextAreaField(
        _l("Why"),
        validators=[DataRequired(_l("Please say why.")), _too_long(TEXT_MAX)],
    )
    base_revision = IntegerField(widget=HiddenField.widget, validators=[Optional()])
