from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import Form, strip
from .models import BLOCK_PERIODS, REASONS


class ReportForm(Form):
    reason = RadioField(_l("What is wrong?"), choices=[SelectChoice(k, v) for k, v in REASONS.items()],
                        validators=[InputRequired(_l("Choose a reason from the list."))])
    comment = TextAreaField(_l("Anything the committee should know (optional)"), filters=[strip],
                            validators=[Optional(), Length(max=1000)])


class DecisionForm(Form):
    reason = TextAreaField(_l("Reason (shown to the author and in the public log)"), filters=[strip],
                           validators=[DataRequired(_l("Please give a reason.")), Length(max=1000)])


class BlockForm(DecisionForm):
    period = RadioField(_l("For how long?"), choices=[SelectChoice(k, v) for k, v in BLOCK_PERIODS.items()],
                        default="7", validators=[InputRequired(_l("Choose how long."))])


class AppealForm(Form):
    text = TextAreaField(_l("Why should the committee look again?"), filters=[strip], validators=[
        DataRequired(_l("Say why the decision should change.")), Length(max=2000)])


class AppealDecisionForm(DecisionForm):
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("granted", _l("Grant the appeal: show it again")),
        SelectChoice("upheld", _l("Keep it hidden"))], validators=[InputRequired(_l("Choose a decision."))])


class RulesForm(Form):
    report_threshold = IntegerField(_l("Hide an item automatically after reports from this many people"),
                                    validators=[InputRequired(_l("Enter a number between 1 and 100.")),
                                                NumberRange(1, 100, _l("Enter a number between 1 and 100."))])
    hold_account_days = IntegerField(
        _l("Hold arguments from accounts younger than (days; 0 for never)"),
        validators=[InputRequired(_l("Enter a number between 0 and 365.")),
                    NumberRange(0, 365, _l("Enter a number between 0 and 365."))])
    hold_links = BooleanField(_l("Hold arguments that contain a link"))
    hold_words = TextAreaField(_l("Hold arguments that contain one of these words (one per line)"),
                               filters=[strip], validators=[Optional(), Length(max=5000)],
                               description=_l("Spelling variants match too: with or without tashkeel, أ/ا, ة/ه, "
                                              "and with و or ال in front."))
