from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, IntegerField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form, ascii_digits, strip
from .models import CHOICES, MAJORITIES

METHOD_CHOICES = [SelectChoice("ranked", _l("Ranked: each voter puts the demands in order (Schulze method)")),
                  SelectChoice("approval", _l("Approval: each voter ticks the demands they support"))]


class _VoteSettings(Form):
    closes_in_days = IntegerField(_l("Open for (days)"), default=7, filters=[ascii_digits], validators=[
        InputRequired(_l("Enter a number of days.")),
        NumberRange(min=1, max=60, message=_l("Enter a number between 1 and 60."))],
        description=_l("The vote closes automatically at the end of this period."))
    quorum_percent = IntegerField(_l("Quorum (minimum turnout, in percent of eligible members)"), default=20,
                                  filters=[ascii_digits], validators=[
        InputRequired(_l("Enter a percentage.")),
        NumberRange(min=0, max=100, message=_l("Enter a number between 0 and 100."))])
    secret = BooleanField(_l("Secret ballot (nobody can see who voted what; ballots cannot be changed)"))
    verified_only = BooleanField(_l("Only members whose identity was verified in person may vote"))


class OpenVoteForm(_VoteSettings):
    majority = RadioField(_l("Majority needed"), default="simple",
                          choices=[SelectChoice(k, v) for k, v in MAJORITIES.items()],
                          validators=[InputRequired(_l("Choose the majority needed."))])


class PriorityForm(_VoteSettings):
    title = StringField(_l("Question"), filters=[strip], validators=[
        DataRequired(_l("Write the question.")), Length(min=5, max=160)],
        description=_l("For example: Which repairs should the committee push first?"))
    description = TextAreaField(_l("Explanation (optional)"), filters=[strip], validators=[Length(max=5000)])
    method = RadioField(_l("How people vote"), default="ranked", choices=METHOD_CHOICES,
                        validators=[InputRequired(_l("Choose ranked or approval."))])
    options = SelectMultipleField(_l("Demands on the ballot"), coerce=int, choices=[],
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class YesNoForm(Form):
    choice = RadioField(_l("Your vote"), choices=[SelectChoice(k, v) for k, v in CHOICES.items()],
                        validators=[InputRequired(_l("Choose yes, no or abstain."))])


class ApprovalForm(Form):
    options = SelectMultipleField(_l("Tick every demand you support"), coerce=int, choices=[],
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def ranking_form(poll, labels: dict, ranking=None):
    """A form with one "rank" select per demand of the ballot, labelled by `labels` (works without JavaScript)."""
    size = len(poll.options)
    choices = [SelectChoice("", _l("not ranked"))] + [SelectChoice(str(n), str(n)) for n in range(1, size + 1)]

    class RankingForm(Form):
        def ranking(self) -> list[int] | None:
            """The demand ids best first; None (with an error) when two demands share a rank."""
            ranks = {option.proposal_id: getattr(self, f"rank_{option.proposal_id}").data for option in poll.options}
            given = [int(rank) for rank in ranks.values() if rank]
            if len(given) != len(set(given)):
                self.form_errors.append(_l("Give each demand a different rank."))
                return None
            return [pid for pid, rank in sorted(((p, int(r)) for p, r in ranks.items() if r), key=lambda x: x[1])]

    defaults = {}
    for position, pid in enumerate(ranking or [], start=1):
        defaults[f"rank_{pid}"] = str(position)
    for option in poll.options:
        setattr(RankingForm, f"rank_{option.proposal_id}",
                SelectField(labels[option.proposal_id], choices=choices, default=defaults.get(f"rank_{option.proposal_id}", "")))
    return RankingForm()


class ProxyForm(Form):
    email = EmailField(_l("Email address of the member you trust"), filters=[strip], validators=[
        InputRequired(_l("Enter your email address.")), Length(max=254),
        Email(_l("Enter an email address like name@example.org."), check_deliverability=False)],
        description=_l("They can vote for you in this vote only; you can take it back until they use it."))


class CloseForm(Form):
    reason = TextAreaField(_l("Why close the vote early?"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason for closing early.")), Length(max=2000)])


class AssistedVoterForm(Form):
    voter_id = SelectField(_l("Member voting at the centre"), coerce=int, choices=[],
                           validators=[InputRequired(_l("Choose the member."))],
                           description=_l("Only members verified in person who have not voted are listed."))
