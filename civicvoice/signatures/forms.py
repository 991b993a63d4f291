from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..accounts.forms import RegisterForm
from ..accounts.names import person_name
from ..forms import AsciiDateField, AsciiTimeField, Form, ascii_digits, phone_number, strip
from . import networks
from .models import VISIBILITY


def _visibility():
    return RadioField(_l("How your name appears"), default="public",
                      choices=[SelectChoice(k, v) for k, v in VISIBILITY.items()])


def _comment():
    return TextAreaField(_l("Why I sign (optional)"), filters=[strip], validators=[Length(max=280)])


class SignForm(Form):
    visibility = _visibility()
    comment = _comment()


class RegisterAndSignForm(RegisterForm):
    visibility = _visibility()
    comment = _comment()


class ReasonForm(Form):
    # DataRequired on stripped text: a reason of spaces only is missing, and said so under the field.
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason.")), Length(max=500)])


class PaperBatchForm(Form):
    centre = SelectField(_l("Centre where the sheet was signed"), coerce=int, choices=[])
    collected_on = DateField(_l("Date of the sheet"), validators=[InputRequired(_l("Enter the date of the sheet."))])
    scan = FileField(_l("Scan or photo of the sheet"), validators=[FileRequired(_l("Attach the scan of the sheet."))],
                     description=_l("JPEG, PNG or PDF, up to 5 MB."))
    rows = TextAreaField(_l("Signers, one per line"), validators=[
        InputRequired(_l("Enter at least one signer.")), Length(max=50000)],
        description=_l("Name, neighbourhood, phone (optional) — separated by commas. For example: "
                       "سعاد الأحمد، حارة الجامع، 0944123456"))


    def validate_collected_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("The date cannot be in the future."))


class CorrectPaperForm(ReasonForm):
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(_l("Enter a name.")), Length(max=120), person_name])
    neighbourhood = StringField(_l("Neighbourhood"), filters=[strip], validators=[
        DataRequired(_l("Enter the neighbourhood.")), Length(max=120)])
    phone = StringField(_l("Phone (optional)"), filters=[ascii_digits],
                        validators=[Optional(), Length(max=32), phone_number])


# Voiding signatures together (invalidation.py) -------------------------------------------------

def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _network(form, field):
    if field.data and not networks.LABEL.match(field.data):
        raise ValidationError(_l("Write the network as the list shows it: %(n)s letters and digits, for example "
                                 "3fa9c1d2.", n=networks.LABEL_LENGTH))


def _domain(form, field):
    if field.data and networks.domain(field.data) is None:
        raise ValidationError(_l("Write an email domain, for example gmail.com."))


class InvalidationFilters(Form):
    """Which signatures to look at (the page's GET form; times are the community's)."""

    network = StringField(_l("Network"), filters=[_lower], validators=[Optional(), Length(max=64), _network],
                          description=_l("As the list of busiest networks shows it."))
    domain = StringField(_l("Email domain"), filters=[strip], validators=[Optional(), Length(max=254), _domain],
                         description=_l("Of the signers' email addresses, for example gmail.com."))
    since_date = AsciiDateField(_l("From (date)"), validators=[Optional()],
                                description=_l("Year-month-day, for example 2026-12-20"))
    since_time = AsciiTimeField(_l("From (time)"), validators=[Optional()],
                                description=_l("24-hour clock, local time; midnight when empty"))
    until_date = AsciiDateField(_l("Until (date)"), validators=[Optional()])
    until_time = AsciiTimeField(_l("Until (time)"), validators=[Optional()],
                                description=_l("Not included; the end of the day when empty"))
    with_paper = BooleanField(_l("Include signatures on paper (only a time window can match them)"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        for day, hour in ((self.since_date, self.since_time), (self.until_date, self.until_time)):
            if hour.data is not None and day.data is None:
                day.errors.append(_l("Give the date of this time."))
                return False
        if not (self.network.data or self.domain.data or self.since_date.data or self.until_date.data):
            self.network.errors.append(_l("Choose a network, an email domain or a time window."))
            return False
        since, until = self.window()
        if since and until and until <= since:
            self.until_date.errors.append(_l("The end of the window must come after its start."))
            return False
        return True

    def window(self) -> tuple[datetime | None, datetime | None]:
        """(from, until) as local wall-clock times, each None when not given."""
        since = datetime.combine(self.since_date.data, self.since_time.data or time()) if self.since_date.data \
            else None
        until = None
        if self.until_date.data:
            until = (datetime.combine(self.until_date.data, self.until_time.data) if self.until_time.data
                     else datetime.combine(self.until_date.data + timedelta(days=1), time()))
        return since, until


class InvalidateForm(InvalidationFilters):
    """The confirmation: the same filters, the numbers the committee was shown, and why."""

    confirmed = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=10**9)])
    pending = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=10**9)])
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason.")), Length(max=500)],
        description=_l("Shown on the demand's timeline and in the public moderation log, and sent to each signer: "
                       "name nobody."))
