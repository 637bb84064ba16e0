"""Forms to record an episode, propose and correct a hand-off, decline one, and record an
answer given by phone."""

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from parcours.core.forms import Form
from parcours.core.i18n import lazy_gettext as _l
from parcours.core.idempotency import OnceField
from parcours.core.models import NAME_MAX, TEXT_MAX
from parcours.timeline.models import DeclinedBy, EpisodeKind

too_long = _l("At most %(n)d characters.", n=TEXT_MAX)

RECEIVER_CHOICES = [
    SelectChoice("episode", _l("A service recorded on the timeline (current or planned)")),
    SelectChoice("organisation", _l("Another organisation, not recorded yet")),
    SelectChoice("person_and_family", _l("The person and family themselves")),
]


class EpisodeForm(Form):
    once = OnceField()
    kind = SelectField(
        _l("Kind of service"),
        choices=[SelectChoice(kind.value, kind.label) for kind in EpisodeKind],
        validators=[DataRequired(_l("Please choose the kind of service."))],
    )
    organisation = StringField(
        _l("Organisation"),
        description=_l("The service or institution, e.g. IME Les Tilleuls. Empty for a pause."),
        validators=[Optional(), Length(max=NAME_MAX)],
    )
    label = StringField(
        _l("Label (optional)"),
        description=_l("E.g. the class or the unit. The organisation's name is used otherwise."),
        validators=[Optional(), Length(max=NAME_MAX)],
    )
    start_date = DateField(
        _l("Start date"),
        description=_l("A date to come makes it a planned episode (e.g. a waiting list)."),
        validators=[InputRequired(_l("Please give the start date."))],
    )
    end_date = DateField(
        _l("End date"),
        description=_l("Leave it empty while the service goes on."),
        validators=[Optional()],
    )
    referent_member_id = SelectField(_l("Referent"), coerce=int, default=0)
    person_agreed = BooleanField(
        _l("The person chose this pause and agrees to it"),
        description=_l(
            "Only for a pause. It counts once the person, or their legal representative,"
            " confirms it on their page: until then it is a gap like any other."
        ),
    )


class EditEpisodeForm(EpisodeForm):
    # The revision the edit started from: a change saved in between refuses the save.
    base_revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class HandoffForm(Form):
    """Who takes over, and the relais de sens (the objective is checked by itself)."""

    once = OnceField()

    receiver = RadioField(
        _l("Who takes over"),
        choices=RECEIVER_CHOICES,
        validators=[DataRequired(_l("Please say who takes over."))],
    )
    to_episode_id = SelectField(_l("Service recorded on the timeline"), coerce=int, default=0)
    receiving_organisation = StringField(
        _l("Other organisation"),
        description=_l("Its name, e.g. ESAT Les Ateliers du Val."),
        validators=[Optional(), Length(max=NAME_MAX)],
    )
    person_involved = BooleanField(
        _l("The person took part in the transition"),
        description=_l(
            "It counts once the person, or their legal representative, confirms it on their page."
        ),
    )
    services_in_contact = BooleanField(_l("The outgoing and incoming services were in contact"))
    meaning_note = TextAreaField(
        _l("Meaning note"),
        description=_l("What matters to the person, what worked, what remains open."),
        validators=[Optional(), Length(max=TEXT_MAX, message=too_long)],
    )


class EditHandoffForm(HandoffForm):
    # The revision the edit started from: a change saved in between refuses the save.
    base_revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class NewHandoffForm(HandoffForm):
    from_episode_id = SelectField(
        _l("From the episode"),
        coerce=int,
        validators=[DataRequired(_l("Please choose the episode the hand-off starts from."))],
    )


class DeclineForm(Form):
    declined_by = RadioField(
        _l("Who declined"),
        choices=[SelectChoice(d.value, d.label) for d in DeclinedBy],
        validators=[DataRequired(_l("Please say who declined."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Please give the reason for declining.")),
            Length(max=TEXT_MAX, message=too_long),
        ],
    )


class AcknowledgementForm(Form):
    """The answer to a flag (the page writes the fields itself: one form per flag)."""

    once = OnceField()
    note = TextAreaField(
        _l("What is being done about it"),
        validators=[
            DataRequired(_l("Please say what is being done about it.")),
            Length(max=TEXT_MAX, message=too_long),
        ],
    )


class EpisodeDeletionForm(Form):
    """Why an episode entered by mistake is deleted."""

    reason = TextAreaField(
        _l("Why"),
        validators=[DataRequired(_l("Please say why.")), Length(max=TEXT_MAX, message=too_long)],
    )


class PhoneAnswerForm(Form):
    """The pilot records an answer the receiving service gave by phone."""

    answered_by = StringField(
        _l("Who answered on the phone"),
        description=_l("The name of the professional of the receiving service."),
        validators=[
            DataRequired(_l("Please give the name of the person who answered by phone.")),
            Length(max=NAME_MAX),
        ],
    )
    answer = RadioField(
        _l("Their answer"),
        choices=[
            SelectChoice("accepted", _l("Accepted")),
            SelectChoice("declined", _l("Declined")),
        ],
        validators=[DataRequired(_l("Please give their answer."))],
    )
    reason = TextAreaField(
        _l("Reason (to decline)"),
        validators=[Optional(), Length(max=TEXT_MAX, message=too_long)],
    )


class AnswerForm(Form):
    """The receiving professional answers a hand-off through an answer link."""

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Please give your name.")), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    function = StringField(
        _l("Your function"),
        description=_l("For example: éducatrice, cheffe de service."),
        validators=[DataRequired(_l("Please give your function.")), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "organization-title"},
    )
    organisation = StringField(
        _l("Your organisation"),
        validators=[Optional(), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "organization"},
    )
    answer = RadioField(
        _l("Your answer"),
        choices=[
            SelectChoice("accepted", _l("We accept to take over")),
            SelectChoice("declined", _l("We decline")),
        ],
        validators=[DataRequired(_l("Please give your answer."))],
    )
    reason = TextAreaField(
        _l("Reason (to decline)"),
        validators=[Optional(), Length(max=TEXT_MAX, message=too_long)],
    )
    approves_objective = BooleanField(_l("I approve the shared objective shown above"))
    in_contact = BooleanField(_l("Our service has been in contact with the outgoing service"))
