import hashlib
import json
import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..forms import AsciiDateField, Form, strip
from .approval import well_formed
from .models import LANGUAGE_LABELS

LANGUAGE_CHOICES = [SelectChoice(code, label) for code, label in LANGUAGE_LABELS.items()]
MAX_SIGNATORIES = 8
# The letter as read, carried back by the approve form: its fields are bounded (the body by 20,000 characters),
# its JSON escapes at most double that; anything longer was not produced by the page.
MAX_READ_CHARS = 200_000


def parse_signatories(text: str) -> list[dict]:
    """One signatory per line, "name | role" (the role may be left out)."""
    people = []
    for line in (text or "").splitlines():
        name, _bar, role = line.partition("|")
        if name.strip():
            people.append({"name": name.strip()[:120], "role": role.strip()[:120]})
    return people


def signatories_text(people: list[dict]) -> str:
    return "\n".join(f"{p['name']} | {p['role']}" if p.get("role") else p["name"] for p in people or [])


class CreateLetterForm(Form):
    language = RadioField(_l("Language of the letter"), default="ar", choices=LANGUAGE_CHOICES,
                          validators=[InputRequired(_l("Choose the language of the letter."))])


class LetterForm(Form):
    language = RadioField(_l("Language of the letter"), choices=LANGUAGE_CHOICES,
                          validators=[InputRequired(_l("Choose the language of the letter."))])
    letter_date = AsciiDateField(_l("Date of the letter"), validators=[InputRequired(_l("Enter the date."))])
    show_hijri = BooleanField(_l("Also give the Hijri date"))
    recipient_name = StringField(_l("Addressed to (the council)"), filters=[strip], validators=[
        DataRequired(_l("Name the council the letter is addressed to.")), Length(max=200)])
    recipient_title = StringField(_l("Title of the official (optional)"), filters=[strip], validators=[Length(max=200)],
                                  description=_l("For example: the Head of the Municipal Council"))
    recipient_address = TextAreaField(_l("Address (optional)"), filters=[strip], validators=[Length(max=1000)])
    subject = StringField(_l("Subject"), filters=[strip], validators=[
        DataRequired(_l("Write the subject.")), Length(max=300)])
    body = TextAreaField(_l("What we ask, and why"), filters=[strip], validators=[
        DataRequired(_l("Write the body of the letter.")), Length(max=20000)])
    place = StringField(_l("Where"), filters=[strip], validators=[Length(max=300)])
    resolution = TextAreaField(_l("What would count as resolved"), filters=[strip], validators=[Length(max=5000)])
    signatories = TextAreaField(_l("Signed by (one per line: name | role)"), filters=[strip], validators=[
        DataRequired(_l("At least one committee member signs the letter.")), Length(max=3000)])

    def validate_signatories(self, field):
        people = parse_signatories(field.data)
        if not people:
            raise ValidationError(_l("At least one committee member signs the letter."))
        if len(people) > MAX_SIGNATORIES:
            raise ValidationError(_l("At most %(n)d people sign the letter.", n=MAX_SIGNATORIES))

    def values(self) -> dict:
        return {"language": self.language.data, "letter_date": self.letter_date.data,
                "show_hijri": bool(self.show_hijri.data), "recipient_name": self.recipient_name.data,
                "recipient_title": self.recipient_title.data or "",
                "recipient_address": self.recipient_address.data or "", "subject": self.subject.data,
                "body": self.body.data, "place": self.place.data or "", "resolution": self.resolution.data or "",
                "signatories": parse_signatories(self.signatories.data)}


class HandDeliveryForm(Form):
    delivered_on = AsciiDateField(_l("Date it was handed in"), validators=[InputRequired(_l("Enter the date."))])
    delivered_by = StringField(_l("Delivered by"), filters=[strip], validators=[
        DataRequired(_l("Say who delivered the letter.")), Length(max=120)])
    registry_number = StringField(_l("The council's incoming registry number (optional)"), filters=[strip],
                                  validators=[Length(max=60)])
    receipt = FileField(_l("Photo of the stamped receipt (optional)"))


class VerifyCodeForm(Form):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    code = StringField(_l("Verification code"), filters=[strip], validators=[
        DataRequired(_l("Enter the code printed at the bottom of each page.")), Length(max=40)])


class VerifyFileForm(Form):
    pdf = FileField(_l("The PDF you received"))


class ApproveForm(Form):
    """The approve button of the page that shows the letter: the version number, the fingerprint of the content
    shown and that content itself (letters/approval.py), all hidden. A form that does not hold together (a
    field missing, a fingerprint that is not the content's) is refused whole: the view answers 400."""

    version = HiddenField()
    fingerprint = HiddenField()
    read = HiddenField()

    def validate_version(self, field):
        if not isinstance(field.data, str) or not re.fullmatch(r"[0-9]{1,6}", field.data):
            raise ValidationError("version")

    def validate_fingerprint(self, field):
        if not isinstance(field.data, str) or not re.fullmatch(r"[0-9a-f]{64}", field.data):
            raise ValidationError("fingerprint")

    def validate_read(self, field):
        text = field.data
        if not isinstance(text, str) or not 0 < len(text) <= MAX_READ_CHARS:
            raise ValidationError("read")
        if hashlib.sha256(text.encode()).hexdigest() != self.fingerprint.data:
            raise ValidationError("read")
        try:
            read = json.loads(text)
        except ValueError:
            raise ValidationError("read") from None
        if not well_formed(read) or str(read["version"]) != self.version.data:
            raise ValidationError("read")

    def version_number(self) -> int:
        return int(self.version.data)

    def read_content(self) -> dict:
        return json.loads(self.read.data)
