"""Forms to create a parcours, invite members and designate the pilot."""

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import NAME_MAX, TEXT_MAX
from parcours.plans.models import Role
from parcours.plans.operations import REASON_MAX

ROLE_CHOICES = [
    SelectChoice(Role.person.value, _l("The person accompanied (it is my own plan)")),
    SelectChoice(Role.family.value, _l("Family: a parent, a relative, a legal representative")),
    SelectChoice(Role.professional.value, _l("A professional accompanying the person")),
]


class ParcoursForm(Form):
    once = OnceField()
    person_name = StringField(
        _l("First name or pseudonym of the person accompanied"),
        description=_l("A first name or a pseudonym is enough. No surname, no date of birth."),
        validators=[Optional(), Length(max=60)],
    )
    role = RadioField(
        _l("Your place in this plan"),
        choices=ROLE_CHOICES,
        validators=[DataRequired(_l("Please choose your place in this plan."))],
    )


class InvitationForm(Form):
    once = OnceField()
    role = RadioField(
        _l("Their place in the plan"),
        choices=ROLE_CHOICES,
        validators=[DataRequired(_l("Please choose their place in the plan."))],
    )
    organisation = StringField(
        _l("Their organisation (for a professional)"),
        description=_l(
            "A service that has nobody in the plan yet sees it only once the person agrees: "
            "the person is asked first."
        ),
        validators=[Optional(), Length(max=NAME_MAX)],
    )
    email = EmailField(
        _l("Their e-mail address (optional)"),
        description=_l("If you give it, only this address can use the link."),
        validators=[Optional(), Length(max=254)],
    )
    is_legal_representative = BooleanField(
        _l("They are the person's legal representative (family only)")
    )


def _base_revision() -> IntegerField:
    # The revision the edit started from: a change saved in between refuses the save.
    return IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class PilotForm(Form):
    base_revision = _base_revision()
    member_id = SelectField(
        _l("Pilot"),
        coerce=int,
        validators=[DataRequired(_l("Please choose a member."))],
    )


class RemovalForm(Form):
    member_id = SelectField(
        _l("Member to remove"),
        coerce=int,
        validators=[DataRequired(_l("Please choose a member."))],
    )
    reason = StringField(
        _l("Why"),
        description=_l("The reason is kept in the access log, which every member can read."),
        validators=[
            DataRequired(_l("Please say why this member is removed.")),
            Length(max=REASON_MAX),
        ],
    )


def _settings_reason() -> TextAreaField:
    # The pilot says why they change a rule of the plan: every member reads it on the timeline.
    return TextAreaField(
        _l("Why"),
        description=_l("Every member reads the reason on the timeline."),
        validators=[DataRequired(_l("Please say why.")), Length(max=TEXT_MAX)],
    )


class SettingsForm(Form):
    base_revision = _base_revision()
    tolerance_days = IntegerField(
        _l("Days without a service before a rupture is flagged"),
        validators=[
            DataRequired(_l("Please give a number of days.")),
            NumberRange(1, 365, _l("Between 1 and 365 days.")),
        ],
    )
    reason = _settings_reason()


class ReopenForm(Form):
    base_revision = _base_revision()
    reopen_reason = _settings_reason()  # named apart: the page shows several reasons


class CloseForm(Form):
    base_revision = _base_revision()
    closed_on = DateField(
        _l("Closing date"),
        description=_l("After this date, the timeline raises no rupture."),
        validators=[DataRequired(_l("Please give a date, for example 2026-01-31."))],
    )
    closing_reason = _settings_reason()  # named apart: the page shows several reasons


class ClosingAnswerForm(Form):
    """The person's (or legal representative's) answer to a request to close the plan: the
    button pressed (`answer`: yes or no) says it."""

    request_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Why not (if you want to say)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )


class ConsentAnswerForm(Form):
    """Yes or no to sharing the plan with an organisation (the buttons carry the answer)."""
