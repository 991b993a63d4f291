import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import (DecimalField, EmailField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import Form, strip
from .models import CATEGORIES, REJECTION_REASONS


class ProposalForm(Form):
    # DataRequired (not InputRequired) on stripped text: a title or reason of spaces only is missing.
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the demand a title.")), Length(min=5, max=160)],
        description=_l("Short and concrete, for example: Repair the roof of the girls' school"))
    summary = TextAreaField(_l("Summary"), filters=[strip], validators=[
        DataRequired(_l("Write a short summary.")), Length(max=500)],
        description=_l("Two or three sentences: what is asked and why."))
    body = TextAreaField(_l("Full text"), validators=[Length(max=20000)],
                         description=_l("Headings (#), lists (-) and links are allowed."))
    category = SelectField(_l("Category"), choices=[SelectChoice(k, v) for k, v in CATEGORIES.items()])
    council_id = SelectField(_l("Council addressed"), coerce=int, choices=[],
                             validators=[InputRequired(_l("Choose the council this demand is addressed to."))])
    centre_id = SelectField(_l("Community centre where it was raised (optional)"), choices=[],
                            coerce=lambda value: int(value) if value not in (None, "", "None") else None)
    place = StringField(_l("Place concerned (optional)"), filters=[strip], validators=[Length(max=300)],
                        description=_l("A street, a building, a neighbourhood…"))
    latitude = DecimalField(_l("Latitude (optional)"), places=None, validators=[
        Optional(), NumberRange(min=-90, max=90, message=_l("Enter a number between -90 and 90."))])
    longitude = DecimalField(_l("Longitude (optional)"), places=None, validators=[
        Optional(), NumberRange(min=-180, max=180, message=_l("Enter a number between -180 and 180."))])
    resolution = TextAreaField(_l("What would count as resolved"), filters=[strip], validators=[
        DataRequired(_l("Say what would count as resolved.")), Length(max=2000)])
    attachments = MultipleFileField(_l("Photos and documents (optional)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "pdf"], _l("Attach JPEG, PNG or PDF files only."))],
        description=_l("JPEG, PNG or PDF, up to 5 MB each."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (self.latitude.data is None) != (self.longitude.data is None):
            self.longitude.errors = [*self.longitude.errors, _l("Give both latitude and longitude, or neither.")]
            return False
        return valid

    def fields_data(self) -> dict:
        """The demand's own fields, as the services take them."""
        return {
            "title": self.title.data, "summary": self.summary.data, "body": self.body.data or "",
            "category": self.category.data, "council_id": self.council_id.data, "place": self.place.data or "",
            "centre_id": self.centre_id.data,
            "latitude": float(self.latitude.data) if self.latitude.data is not None else None,
            "longitude": float(self.longitude.data) if self.longitude.data is not None else None,
            "resolution": self.resolution.data,
        }


class PublishForm(Form):
    """The committee's publish button: the revision and the submission of the demand the reviewer read, hidden. A
    form without them, or with garbage, is refused whole (400)."""

    revision = HiddenField()
    submitted = HiddenField()

    def validate_revision(self, field):
        if not isinstance(field.data, str) or not re.fullmatch(r"[0-9]{1,6}", field.data):
            raise ValidationError("revision")

    def validate_submitted(self, field):
        if not isinstance(field.data, str) or len(field.data) > 40:
            raise ValidationError("submitted")


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason.")), Length(max=2000)])


class RejectForm(ReasonForm):
    code = RadioField(_l("Why is it rejected?"), choices=[SelectChoice(k, v) for k, v in REJECTION_REASONS.items()],
                      validators=[InputRequired(_l("Choose a reason from the list."))])


class MergeForm(ReasonForm):
    target = SelectField(_l("Keep this demand instead"), coerce=int, choices=[],
                         validators=[InputRequired(_l("Choose the demand to keep."))])


class GoalForm(Form):
    goal = IntegerField(_l("Signature goal"), validators=[
        InputRequired(_l("Enter a number.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a number between 1 and 1,000,000."))])


class CoauthorForm(Form):
    email = EmailField(_l("Email address of the member to invite"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254),
        Email(_l("Enter an email address like name@example.org."), check_deliverability=False)])


SORTS = {"newest": _l("Newest"), "signatures": _l("Most signed"), "active": _l("Recently active")}


class FilterForm(Form):
    """The list filters: a GET form, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    category = SelectField(_l("Category"), choices=[SelectChoice("", _l("All categories"))] +
                           [SelectChoice(k, v) for k, v in CATEGORIES.items()], default="")
    status = SelectField(_l("Status"), choices=[], default="")
    council = SelectField(_l("Council"), choices=[], default="")
    sort = SelectField(_l("Sort by"), choices=[SelectChoice(k, v) for k, v in SORTS.items()], default="newest")
