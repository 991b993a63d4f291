from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..accounts.forms import RegisterForm
from ..forms import Form, ascii_digits, phone_number, strip
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
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    neighbourhood = StringField(_l("Neighbourhood"), filters=[strip], validators=[
        DataRequired(_l("Enter the neighbourhood.")), Length(max=120)])
    phone = StringField(_l("Phone (optional)"), filters=[ascii_digits],
                        validators=[Optional(), Length(max=32), phone_number])
