"""Form pieces shared by every feature: stripping filters, a bare CSRF form for buttons."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TimeField
from wtforms.validators import ValidationError

from .i18n import to_ascii_digits


def strip(value):
    return value.strip() if isinstance(value, str) else value


def ascii_digits(value):
    return to_ascii_digits(value.strip()) if isinstance(value, str) else value


class _AsciiDigits:
    """Digits typed on an Arabic keyboard are read as ASCII before the value is parsed (filters run after)."""

    def process_formdata(self, valuelist):
        super().process_formdata([ascii_digits(value) for value in valuelist])


class AsciiDateField(_AsciiDigits, DateField):
    pass


class AsciiTimeField(_AsciiDigits, TimeField):
    pass


class ActionForm(FlaskForm):
    """A button that posts: only the CSRF token."""


def phone_number(form, field):
    """Digits, spaces, + and - only (Arabic-Indic digits are accepted and stored as ASCII)."""
    if field.data and not all(ch.isdigit() or ch in "+- ()" for ch in field.data):
        raise ValidationError(_l("Use digits only, for example +963 944 123 456."))
