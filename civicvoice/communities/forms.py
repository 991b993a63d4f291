from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget
from zoneinfo import available_timezones

from ..forms import ascii_digits, phone_number, strip

TIMEZONES = sorted(tz for tz in available_timezones() if tz.startswith(("Asia/", "Europe/", "Africa/")) or tz == "UTC")


class CommunityForm(FlaskForm):
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


class CentreForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(_l("Enter a name.")), Length(max=120)])
    address = TextAreaField(_l("Address"), validators=[Length(max=1000)])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Length(max=1000)],
                                  description=_l("For example: Sunday to Thursday, 9:00 to 15:00"))
    phone = StringField(_l("Phone (optional)"), filters=[ascii_digits],
                        validators=[Optional(), Length(max=32), phone_number])


class CouncilLinkForm(FlaskForm):
    councils = SelectMultipleField(_l("Councils this community may address"), coerce=int,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                   validate_choice=True)

    def validate_councils(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose councils from the list."))


class AppointByEmailForm(FlaskForm):
    email = StringField(_l("Email address of the person to appoint"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254)])
