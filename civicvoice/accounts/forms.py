from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, SelectChoice, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..forms import BotTrap, Form, ascii_digits, phone_number, strip
from ..i18n import format_number
from . import passwords
from .names import person_name

LANGUAGE_CHOICES = [SelectChoice("ar", "العربية", {"lang": "ar"}), SelectChoice("en", "English", {"lang": "en"})]


def _email_field(label=_l("Email address")):
    return EmailField(label, filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")),
        Length(max=254),
        Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
    ])


class _NewPasswordMixin:
    def _password_problems(self, field, email="", name=""):
        problems = passwords.problems(field.data or "", email=email, name=name)
        if problems:
            raise ValidationError(problems[0])


class RegisterForm(BotTrap, _NewPasswordMixin, Form):
    display_name = StringField(_l("Your name"), filters=[strip], validators=[
        InputRequired(_l("Enter your name.")), Length(max=80), person_name])
    email = _email_field()
    phone = StringField(_l("Phone (optional)"), filters=[ascii_digits],
                        validators=[Optional(), Length(max=32), phone_number])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password."))],
                             description=_l("At least 10 characters. A short sentence you will remember works well."))

    def validate_password(self, field):
        self._password_problems(field, email=self.email.data or "", name=self.display_name.data or "")


class LoginForm(BotTrap, Form):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = current_app.config["SESSION_REMEMBER_DAYS"]
        self.remember.description = " ".join((
            ngettext("Stay signed in on this device for up to %(n)s day. Not on a shared computer.",
                     "Stay signed in on this device for up to %(n)s days. Not on a shared computer.", days,
                     n=format_number(days)),
            _("Accounts of committees, councils and partner organisations are signed out after a few hours "
              "without use."),
        ))


class ResetRequestForm(BotTrap, Form):
    email = _email_field()


class ResetForm(_NewPasswordMixin, Form):
    password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a password."))])

    def validate_password(self, field):
        self._password_problems(field)


class ProfileForm(Form):
    display_name = StringField(_l("Your name"), filters=[strip], validators=[
        InputRequired(_l("Enter your name.")), Length(max=80), person_name])
    phone = StringField(_l("Phone (optional)"), filters=[ascii_digits],
                        validators=[Optional(), Length(max=32), phone_number])
    locale = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="ar")
    digits = RadioField(_l("Digits on Arabic pages"), default="arab", choices=[
        SelectChoice("arab", _l("Arabic-Indic (١٢٣)")), SelectChoice("latn", _l("Latin (123)"))])
    show_name_publicly = BooleanField(_l("Show my name publicly (otherwise others see \"a resident\")"))


class ChangePasswordForm(_NewPasswordMixin, Form):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(_l("Enter your password."))])
    new_password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a password."))])

    def validate_new_password(self, field):
        self._password_problems(field)


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password, to confirm"),
                             validators=[InputRequired(_l("Enter your password."))])
    confirm = BooleanField(_l("I understand that my account and personal data will be erased"),
                           validators=[InputRequired(_l("Tick the box to confirm."))])


class LanguageForm(Form):
    locale = HiddenField(validators=[InputRequired()])
    next = HiddenField()
