"""Form pieces shared by every feature: the base form that refuses what no browser sends, stripping filters, a bare
CSRF form for buttons, a trap for bots on the forms anyone can post."""
import math
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict
from wtforms import DateField, FieldList, FileField, FormField, MultipleFileField, StringField, TimeField
from wtforms.validators import ValidationError

from . import securitylog
from .errors import render_error
from .i18n import to_ascii_digits
from .params import MAX_ID

SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Far wider than any date the site deals in, and narrow enough that moving it by days, hours or a time zone
# stays within what Python and the databases hold.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2100, 12, 31)

NOT_A_FILE = _l("This field takes text, not a file.")
NOT_SENT_AS_FILE = _l("Choose the file again: it did not arrive as a file.")
NUMBER_OUT_OF_RANGE = _l("This number is too large, or below zero.")
NOT_A_NUMBER = _l("Enter a number.")
DATE_OUT_OF_RANGE = _l("Enter a date between 1900 and 2100.")
# Says nothing of why: a bot's author learns nothing from it, and a person who somehow filled the hidden field
# (a screen reader ignoring aria-hidden) is told to send the form again.
NOT_ACCEPTED = _l("We could not accept this form. Please check it and send it again.")

_UNSET = object()


def _posted():
    """What the browser posted, as FlaskForm reads it, but never a JSON body: forms are posted as forms (and
    JSON would put numbers, lists and objects where the fields expect text)."""
    if not has_request_context() or request.method not in SUBMIT_METHODS:
        return None
    if request.files:
        return CombinedMultiDict((request.files, request.form))
    return request.form or None


def _takes_files(field) -> bool:
    return isinstance(field, (FileField, MultipleFileField))


def _reads(field, name: str) -> bool:
    """Whether the part `name` of a post is read by `field` itself (a sub-form reads its own parts)."""
    if isinstance(field, FormField):
        return False
    if isinstance(field, FieldList):
        return field.unbound_field.field_class is not FormField and name.startswith(field.name + field._separator)
    return name == field.name


def inputs_of(form) -> list:
    """The fields of `form` that read the post themselves (a sub-form checks its own)."""
    found = []
    for field in form._fields.values():
        if isinstance(field, FieldList):
            found += [] if field.unbound_field.field_class is FormField else field.entries
        elif not isinstance(field, FormField):
            found.append(field)
    return found


def _scalars(data) -> list:
    return list(data) if isinstance(data, (list, tuple)) else [data]


def _out_of_range(data):
    """The message for a processed value no column holds or no code can reckon with, or None."""
    for value in _scalars(data):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            return NUMBER_OUT_OF_RANGE
        if isinstance(value, (Decimal, float)) and not (value.is_finite() if isinstance(value, Decimal)
                                                        else math.isfinite(value)):
            return NOT_A_NUMBER
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not FIRST_DATE <= day <= LAST_DATE:
            return DATE_OUT_OF_RANGE
    return None


class Form(FlaskForm):
    """The base of every form of the site: input no browser sends is refused, under its field, with a 400.

    A browser sends a file only for a file field, and a file there: a part of the other kind is refused. Numbers
    are ids, counts, days or percentages, kept in 32-bit INTEGER columns: one below zero or beyond them is refused,
    and so are NaN and infinities in decimal fields and dates outside 1900-2100. The field gets a translated error
    and no value, the other fields keep what was typed, and the page that shows the form again answers 400
    (init_app). A JSON body is not read as a form (_posted).
    """

    def __init__(self, formdata=_UNSET, **kwargs):
        super().__init__(formdata=_posted() if formdata is _UNSET else formdata, **kwargs)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        refused = {}
        if formdata is not None:
            formdata, refused = self._misplaced_parts(formdata)
        super().process(formdata, obj, data, extra_filters, **kwargs)
        for field in inputs_of(self):
            message = None if _takes_files(field) or not field.raw_data else _out_of_range(field.data)
            if message:
                field.data = None
                refused[field] = message
        for field, message in refused.items():
            field.process_errors.append(message)
        self._refused = refused

    def _misplaced_parts(self, formdata):
        """The post without the files sent for fields that take text, and the fields refused with their message:
        those sent a file, and the file fields sent text (a form posted without multipart encoding sends the
        chosen file's name: the file itself is lost, and must be chosen again)."""
        parts = list(formdata.items(multi=True))
        files = {name for name, value in parts if isinstance(value, FileStorage)}
        if has_request_context():
            files |= set(request.files)  # also when a view passes request.form alone
        texts = {name for name, value in parts if isinstance(value, str) and value}
        fields = self._fields.values()
        refused = {field: NOT_A_FILE for field in fields
                   if not _takes_files(field) and any(_reads(field, name) for name in files)}
        kept = MultiDict([(name, value) for name, value in parts
                          if not (isinstance(value, FileStorage) and any(_reads(field, name) for field in refused))])
        refused |= {field: NOT_SENT_AS_FILE for field in fields if _takes_files(field) and field.name in texts}
        return (kept if refused else formdata), refused

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field, message in self._refused.items():
            # A number the field's own rule also refuses is best explained by that rule ("between 1 and 90");
            # a file in a text field only by saying so (the field is empty, and "required" would mislead).
            own = [error for error in field.errors if error is not message]
            field.errors = [message] if message in (NOT_A_FILE, NOT_SENT_AS_FILE) or not own else own
        if self._refused and has_request_context():
            # Marked here, not when the post is read: a form only shown beside the one the view acts on (a
            # signing box after a withdrawal) reads the post too, and must not turn a done action into a 400.
            g.refused_input = True
        return valid and not self._refused


def _refused_is_400(response):
    """A request whose form refused input (Form) answers 400.

    The page that shows the form again keeps its body. A view that sends the browser on instead (its form lives
    on another page, a button's or a box's) answers the error page, with the messages it flashed.
    """
    if not g.get("refused_input"):
        return response
    if response.status_code == 200:
        response.status_code = 400
    elif response.status_code in (301, 302, 303, 307, 308):
        body, status = render_error(400)
        del response.headers["Location"]
        response.set_data(body)
        response.mimetype = "text/html"
        response.status_code = status
    return response


def init_app(app) -> None:
    app.after_request(_refused_is_400)


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


class BotTrap:
    """For forms anyone can post without signing in, where bots act (registering, signing in, asking for a reset):
    a text field people never see, which scripts that fill every input fill (ASVS 2.4.2). Filled, the form is
    refused, shown again with a message that gives nothing away (400, by Form's rule), and logged; nothing is done.

    The field is rendered by the `bot_trap` macro (_macros/forms.html): visually hidden, hidden from screen readers,
    out of the tab order, without autofill, and labelled "leave this empty" for whoever reaches it anyway. Forms of
    people signed in do without it: their account answers for them.
    """

    website = StringField(_l("Leave this field empty"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.website.data:
            return valid
        securitylog.bot_trap_filled(type(self).__name__)
        self.form_errors.append(NOT_ACCEPTED)
        g.refused_input = True
        return False


class ActionForm(Form):
    """A button that posts: only the CSRF token."""


def phone_number(form, field):
    """Digits, spaces, + and - only (Arabic-Indic digits are accepted and stored as ASCII)."""
    if field.data and not all(ch.isdigit() or ch in "+- ()" for ch in field.data):
        raise ValidationError(_l("Use digits only, for example +963 944 123 456."))
