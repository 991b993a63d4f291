from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (BooleanField, EmailField, IntegerField, PasswordField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts import passwords
from ..accounts.names import person_name
from ..communities.forms import TIMEZONES
from ..forms import AsciiDateField, Form, strip
from .models import DECISION_LABELS, STAGE_LABELS

WEEKDAYS = ((5, _l("Saturday")), (6, _l("Sunday")), (0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")),
            (3, _l("Thursday")), (4, _l("Friday")))


class CouncilForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(_l("Enter a name.")), Length(max=160)])
    jurisdiction = StringField(_l("Jurisdiction"), filters=[strip], validators=[Length(max=160)],
                               description=_l("The area it serves, for example: Damascus, Al-Midan district"))
    contact_email = EmailField(_l("Contact email"), filters=[strip], validators=[
        Optional(), Length(max=254), Email(_l("Enter an email address like name@example.org."),
                                          check_deliverability=False)])
    postal_address = TextAreaField(_l("Postal address"), validators=[Length(max=1000)])
    response_days = IntegerField(_l("Response deadline in days"), default=30, validators=[
        InputRequired(_l("Enter a number of days.")),
        NumberRange(min=1, max=365, message=_l("Enter a number between 1 and 365."))])
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(tz) for tz in TIMEZONES], default="Asia/Damascus")
    working_days = BooleanField(_l("Count the deadline in working days (weekends not counted)"))
    weekend = SelectMultipleField(_l("Weekend days"), coerce=int, default=[4, 5],
                                  choices=[SelectChoice(day, label) for day, label in WEEKDAYS],
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def validate_weekend(self, field):
        if field.data is not None and len(field.data) >= 7:
            raise ValidationError(_l("Leave at least one working day."))


class InviteStaffForm(Form):
    email = EmailField(_l("Email address"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254),
        Email(_l("Enter an email address like name@example.org."), check_deliverability=False)])
    role = RadioField(_l("Role"), default="viewer", choices=[
        SelectChoice("viewer", _l("Viewer: reads the council inbox")),
        SelectChoice("responder", _l("Responder: acknowledges, answers and invites colleagues"))])


class AcceptInviteForm(Form):
    display_name = StringField(_l("Your name"), filters=[strip], validators=[
        InputRequired(_l("Enter your name.")), Length(max=80), person_name])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password."))])

    def validate_password(self, field):
        problems = passwords.problems(field.data or "", name=self.display_name.data or "")
        if problems:
            raise ValidationError(problems[0])


LANGUAGE_CHOICES = [SelectChoice("ar", _l("Arabic")), SelectChoice("en", _l("English"))]


class AcknowledgeForm(Form):
    registry_number = StringField(_l("The council's incoming registry number (optional)"), filters=[strip],
                                  validators=[Length(max=60)])
    body = TextAreaField(_l("Message to the residents (optional)"), filters=[strip], validators=[Length(max=2000)])
    language = RadioField(_l("Language of your message"), choices=LANGUAGE_CHOICES, default="ar")


class AnswerForm(Form):
    decision = RadioField(_l("Decision"), choices=[SelectChoice(k, v) for k, v in DECISION_LABELS.items()],
                          validators=[InputRequired(_l("Choose a decision."))])
    body = TextAreaField(_l("The council's answer"), filters=[strip], validators=[Length(max=10000)],
                         description=_l("Published on the demand's page. Required when declining: give the reason."))
    referred_to = StringField(_l("Referred to (the body now in charge)"), filters=[strip], validators=[Length(max=200)])
    language = RadioField(_l("Language of your answer"), choices=LANGUAGE_CHOICES, default="ar")
    photos = MultipleFileField(_l("Photos (optional, up to 4)"))

    def validate_body(self, field):
        if self.decision.data == "declined" and not field.data:
            raise ValidationError(_l("Give the reason for declining: residents read it."))

    def validate_referred_to(self, field):
        if self.decision.data == "referred" and not field.data:
            raise ValidationError(_l("Name the body the demand was referred to."))


class ProgressForm(Form):
    stage = RadioField(_l("Stage"), choices=[SelectChoice(k, v) for k, v in STAGE_LABELS.items()],
                       validators=[InputRequired(_l("Choose a stage."))])
    scheduled_for = AsciiDateField(_l("Scheduled for"), validators=[Optional()])
    body = TextAreaField(_l("What was done or planned"), filters=[strip], validators=[
        DataRequired(_l("Say what was done or planned.")), Length(max=10000)])
    language = RadioField(_l("Language of your update"), choices=LANGUAGE_CHOICES, default="ar")
    photos = MultipleFileField(_l("Photos (optional, up to 4)"))

    def validate_scheduled_for(self, field):
        if self.stage.data == "scheduled" and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the date the work is scheduled for."))


class CheckForm(Form):
    verdict = RadioField(_l("Is it really fixed?"), choices=[
        SelectChoice("confirm", _l("Yes, it is fixed")), SelectChoice("contest", _l("No, it is not fixed"))],
        validators=[InputRequired(_l("Choose whether it is fixed."))])
    comment = TextAreaField(_l("What you saw"), filters=[strip], validators=[Length(max=2000)],
                            description=_l("Required if it is not fixed: say what is still wrong."))
    photo = FileField(_l("Photo (optional)"))

    def validate_comment(self, field):
        if self.verdict.data == "contest" and not field.data:
            raise ValidationError(_l("Say what is still wrong."))


class InboxFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter: it changes nothing

    community = SelectField(_l("Community"), coerce=int, choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
