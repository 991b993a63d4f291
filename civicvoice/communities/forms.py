from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget
from zoneinfo import available_timezones

from ..forms import Form, ascii_digits, phone_number, strip

TIMEZONES = sorted(tz for tz in available_timezones() if tz.startswith(("Asia/", "Europe/", "Africa/")) or tz == "UTC")


class CommunityForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(_l("Enter a name.")), Length(max=120)])
    slug = StringField(_l("Web address"), filters=[strip], validators=[
        InputRequired(_l("Enter a web address.")), Length(max=64),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use lower-case Latin letters, digits and dashes."))],
        description=_l("Used in links, for example al-midan."))
    code = StringField(_l("Reference code"), filters=[strip], validators=[
        InputRequired(_l("Enter a reference code.")), Length(min=2, max=12),
        Regexp(r"^[A-Za-z0-9]+$", message=_l("Use Latin letters and digits only."))],
        description=_l("Starts the reference number of every letter, for example MDN/2026/7."))
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    is_open = BooleanField(_l("Anyone can join (otherwise the committee approves each request)"), default=True)
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(tz) for tz in TIMEZONES], default="Asia/Damascus")


class CommunityEditForm(CommunityForm):
    slug = None
    code = None
    review_due_days = IntegerField(_l("Review of a draft is due after (days)"), default=7, validators=[
        InputRequired(_l("Enter a number of days.")), NumberRange(min=1, max=90, message=_l("Enter a number between 1 and 90."))])
    review_overdue_days = IntegerField(_l("Review is overdue after (days)"), default=14, validators=[
        InputRequired(_l("Enter a number of days.")), NumberRange(min=1, max=180, message=_l("Enter a number between 1 and 180."))])
    signature_goal = IntegerField(_l("Signature goal of a new demand"), default=50, validators=[
        InputRequired(_l("Enter a number.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a number between 1 and 1,000,000."))])

    def validate_review_overdue_days(self, field):
        if self.review_due_days.data and field.data is not None and field.data < self.review_due_days.data:
            raise ValidationError(_l("Overdue must come after due."))


class CentreForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(_l("Enter a name.")), Length(max=120)])
    address = TextAreaField(_l("Address"), validators=[Length(max=1000)])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Length(max=1000)],
                                  description=_l("For example: Sunday to Thursday, 9:00 to 15:00"))
    phone = StringField(_l("Phone (optional)"), filters=[ascii_digits],
                        validators=[Optional(), Length(max=32), phone_number])


class CouncilLinkForm(Form):
    councils = SelectMultipleField(_l("Councils this community may address"), coerce=int,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                   validate_choice=True)

    def validate_councils(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose councils from the list."))


class AppointByEmailForm(Form):
    email = StringField(_l("Email address of the person to appoint"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254)])


class VerificationRequestForm(Form):
    note = TextAreaField(_l("When can you come to the centre? (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=300)])
