from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DecimalField, EmailField, FieldList, FormField, IntegerField, RadioField,
                     SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import AsciiDateField, AsciiTimeField, Form, ascii_digits, strip
from ..proposals.models import CATEGORIES
from .models import DAYS, MAX_CAPACITY, MAX_HOURS, OFFER_KINDS, TIMES, VISIBILITY


def _checkboxes(label, choices=(), coerce=str, **kwargs):
    return SelectMultipleField(label, choices=list(choices), coerce=coerce, widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput(), **kwargs)


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


DAY_CHOICES = [SelectChoice(day, label) for day, label in DAYS.items()]
TIME_CHOICES = [SelectChoice(slot, label) for slot, label in TIMES.items()]
CATEGORY_CHOICES = [SelectChoice(key, label) for key, label in CATEGORIES.items()]
DURATIONS = [SelectChoice(60, _l("1 hour")), SelectChoice(120, _l("2 hours")), SelectChoice(180, _l("3 hours")),
             SelectChoice(240, _l("4 hours")), SelectChoice(360, _l("6 hours")), SelectChoice(480, _l("8 hours"))]


class ProfileForm(Form):
    skills = _checkboxes(_l("Skills"), coerce=int)
    tags = StringField(_l("Other skills or tags (optional)"), filters=[strip], validators=[Length(max=500)],
                       description=_l("Separated by commas, for example: carpentry, sign language"))
    interests = _checkboxes(_l("What you care about"), CATEGORY_CHOICES)
    days = _checkboxes(_l("Days you are usually free"), DAY_CHOICES, coerce=int)
    times = _checkboxes(_l("Times of day"), TIME_CHOICES, coerce=int)
    centres = _checkboxes(_l("Preferred centres"), coerce=int)
    about = TextAreaField(_l("About you (optional)"), filters=[strip], validators=[Length(max=2000)])
    visibility = RadioField(_l("Who may see your profile?"),
                            choices=[SelectChoice(k, v) for k, v in VISIBILITY.items()], default="committee",
                            validators=[InputRequired(_l("Choose who may see your profile."))],
                            description=_l("Your phone and email are never on your profile: only the "
                                           "coordinators of an opportunity you sign up for see them."))


class OfferForm(Form):
    kind = RadioField(_l("What do you offer?"), choices=[SelectChoice(k, v) for k, v in OFFER_KINDS.items()],
                      default="time", validators=[InputRequired(_l("Choose time, a skill or a resource."))])
    hours = IntegerField(_l("How many hours (for time)"), filters=[ascii_digits], validators=[
        Optional(), NumberRange(min=1, max=MAX_HOURS, message=_l("Enter a number between 1 and 500."))])
    skill_id = SelectField(_l("Which skill (optional)"), coerce=_optional_int, choices=[])
    detail = TextAreaField(_l("Details"), filters=[strip], validators=[
        DataRequired(_l("Say what you offer.")), Length(max=500)],
        description=_l("For example: 4 hours on Fridays; I can repair the pump; 10 chairs; a pickup truck for a "
                       "day"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.kind.data == "time" and not self.hours.data:
            self.hours.errors = [*self.hours.errors, _l("Say how many hours you offer.")]
            return False
        return valid


class OpportunityForm(Form):
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the opportunity a title.")), Length(min=3, max=160)],
        description=_l("For example: Repair the school's water pump"))
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=5000)],
                                description=_l("What volunteers will do, what to bring. Lists (-) and links "
                                               "are allowed."))
    centre_id = SelectField(_l("Centre"), coerce=_optional_int, choices=[])
    proposal_id = SelectField(_l("Linked demand (optional)"), coerce=_optional_int, choices=[])
    date = AsciiDateField(_l("Date (leave empty when it is ongoing)"), validators=[Optional()],
                          description=_l("Year-month-day, for example 2026-12-20"))
    time = AsciiTimeField(_l("Start time"), validators=[Optional()],
                          description=_l("24-hour clock, local time, for example 09:30"))
    duration_minutes = SelectField(_l("Duration"), coerce=int, choices=DURATIONS, default=180)
    days = _checkboxes(_l("Days (for an ongoing opportunity)"), DAY_CHOICES, coerce=int)
    times = _checkboxes(_l("Times of day (for an ongoing opportunity)"), TIME_CHOICES, coerce=int)
    category = SelectField(_l("Category (optional)"), choices=[SelectChoice("", _l("The linked demand's"))]
                           + CATEGORY_CHOICES, default="")
    skills = _checkboxes(_l("Skills needed"), coerce=int)
    capacity = IntegerField(_l("Number of volunteers needed"), filters=[ascii_digits], default=1, validators=[
        InputRequired(_l("Enter a number.")),
        NumberRange(min=1, max=MAX_CAPACITY, message=_l("Enter a number between 1 and 1,000."))])
    coordinator_id = SelectField(_l("Partner coordinator (optional)"), coerce=_optional_int, choices=[])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (self.date.data is None) != (self.time.data is None):
            self.time.errors = [*self.time.errors, _l("Give both the date and the time, or neither.")]
            return False
        return valid


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason.")), Length(max=2000)],
        description=_l("Everyone who signed up or was invited is told."))


class SignupForm(Form):
    message = TextAreaField(_l("A word for the coordinator (optional)"), filters=[strip],
                            validators=[Length(max=1000)])


class HoursLine(Form):
    class Meta:
        csrf = False  # a sub-form: the hours form carries the token

    signup_id = IntegerField(validators=[InputRequired()])
    hours = DecimalField(_l("Hours"), places=None, filters=[ascii_digits], validators=[
        Optional(), NumberRange(min=0.5, max=MAX_HOURS, message=_l("Enter hours between 0.5 and 500."))])


class HoursForm(Form):
    lines = FieldList(FormField(HoursLine))


class FeedbackForm(Form):
    rating = RadioField(_l("How was it?"), coerce=int, choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)],
                        validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
                        description=_l("5 is the best."))
    went_well = TextAreaField(_l("What went well"), filters=[strip], validators=[Length(max=2000)])
    to_improve = TextAreaField(_l("What to improve"), filters=[strip], validators=[Length(max=2000)])
    ideas = TextAreaField(_l("Ideas"), filters=[strip], validators=[Length(max=2000)])


class AnswerForm(Form):
    answer = TextAreaField(_l("Your answer"), filters=[strip], validators=[
        DataRequired(_l("Write your answer.")), Length(max=2000)])


class CoordinatorForm(Form):
    email = EmailField(_l("Email address of their account"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254),
        Email(_l("Enter an email address like name@example.org."), check_deliverability=False)])
    organisation = StringField(_l("Partner organisation"), filters=[strip], validators=[
        DataRequired(_l("Name the partner organisation.")), Length(max=120)])


class SkillForm(Form):
    key = StringField(_l("Key (Latin letters, for example first_aid)"), filters=[strip], validators=[
        DataRequired(_l("Give the skill a key.")), Length(max=40)])
    name_ar = StringField(_l("Name in Arabic"), filters=[strip], validators=[
        DataRequired(_l("Name the skill in Arabic.")), Length(max=80)])
    name_en = StringField(_l("Name in English"), filters=[strip], validators=[
        DataRequired(_l("Name the skill in English.")), Length(max=80)])
    active = BooleanField(_l("On the list"), default=True)


class SkillEditForm(SkillForm):
    key = None
