from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, IntegerField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ..accounts import passwords
from ..forms import strip


class CouncilForm(FlaskForm):
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


class InviteStaffForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254),
        Email(_l("Enter an email address like name@example.org."), check_deliverability=False)])
    role = RadioField(_l("Role"), default="viewer", choices=[
        SelectChoice("viewer", _l("Viewer: reads the council inbox")),
        SelectChoice("responder", _l("Responder: acknowledges, answers and invites colleagues"))])


class AcceptInviteForm(FlaskForm):
    display_name = StringField(_l("Your name"), filters=[strip], validators=[
        InputRequired(_l("Enter your name.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password."))])

    def validate_password(self, field):
        problems = passwords.problems(field.data or "", name=self.display_name.data or "")
        if problems:
            raise ValidationError(problems[0])
