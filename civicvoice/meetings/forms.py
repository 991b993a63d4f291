from flask_babel import lazy_gettext as _l
from wtforms import (FieldList, FormField, IntegerField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import AsciiDateField, AsciiTimeField, Form, ascii_digits, strip
from .models import ANSWERS, OUTCOMES

DURATIONS = [SelectChoice(30, _l("30 minutes")), SelectChoice(60, _l("1 hour")),
             SelectChoice(90, _l("1 hour 30 minutes")), SelectChoice(120, _l("2 hours")),
             SelectChoice(180, _l("3 hours")), SelectChoice(240, _l("4 hours"))]


class MeetingForm(Form):
    title = StringField(_l("Meeting title"), filters=[strip], validators=[
        DataRequired(_l("Give the meeting a title.")), Length(min=3, max=160)],
        description=_l("For example: Open meeting on the water line"))
    centre_id = SelectField(_l("Centre"), coerce=int, choices=[],
                            validators=[InputRequired(_l("Choose one of the community's centres."))])
    date = AsciiDateField(_l("Date"), validators=[
        InputRequired(_l("Enter a date like 2026-12-20."))], description=_l("Year-month-day, for example 2026-12-20"))
    time = AsciiTimeField(_l("Start time"), validators=[
        InputRequired(_l("Enter a time like 17:30."))], description=_l("24-hour clock, local time, for example 17:30"))
    duration_minutes = SelectField(_l("Duration"), coerce=int, choices=DURATIONS, default=90)
    capacity = IntegerField(_l("Number of places (optional)"), filters=[ascii_digits], validators=[
        Optional(), NumberRange(min=1, max=10000, message=_l("Enter a number between 1 and 10,000."))],
        description=_l("Leave empty when there is no limit."))
    description = TextAreaField(_l("Description (optional)"), filters=[strip], validators=[Length(max=5000)])
    agenda = SelectMultipleField(_l("Demands on the agenda"), coerce=int, choices=[],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class RsvpForm(Form):
    answer = RadioField(_l("Will you come?"), choices=[SelectChoice(k, v) for k, v in ANSWERS.items()],
                        validators=[InputRequired(_l("Choose going, maybe or not going."))])


class OutcomeForm(Form):
    class Meta:
        csrf = False  # a sub-form: the minutes form carries the token

    item_id = IntegerField(validators=[InputRequired()])
    outcome = SelectField(_l("Outcome"), choices=[SelectChoice("", _l("Not discussed"))] +
                          [SelectChoice(k, v) for k, v in OUTCOMES.items()], default="")
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Length(max=500)])


class MinutesForm(Form):
    minutes = TextAreaField(_l("Minutes"), filters=[strip], validators=[
        DataRequired(_l("Write the minutes.")), Length(max=20000)],
        description=_l("What was said and decided. Headings (#), lists (-) and links are allowed."))
    attendance = IntegerField(_l("Number of people who came"), filters=[ascii_digits], validators=[
        Optional(), NumberRange(min=0, max=100000, message=_l("Enter the number of people who came."))])
    outcomes = FieldList(FormField(OutcomeForm))


class CancelForm(Form):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason.")), Length(max=2000)],
        description=_l("Everyone who said they would come is told."))
