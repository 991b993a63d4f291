from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import Form, strip
from ..proposals.forms import ProposalForm
from .models import BODY_MAX, STANCES

_BODY_HINT = _l("Plain text; lists (-) and links are allowed.")


def _body(label):
    return TextAreaField(label, filters=[strip], description=_BODY_HINT, validators=[
        DataRequired(_l("Write something first.")),
        Length(max=BODY_MAX, message=_l("Keep it under %(max)d characters."))])


class ArgumentForm(Form):
    stance = RadioField(_l("Type of argument"), choices=[SelectChoice(k, v) for k, v in STANCES.items()],
                        validators=[InputRequired(_l("Choose for, against or question."))])
    body = _body(_l("Your argument"))


class ReplyForm(Form):
    body = _body(_l("Your reply"))
    as_authors = BooleanField(_l("Answer on behalf of the demand's authors"))


class EditArgumentForm(Form):
    body = _body(_l("Your argument"))


class ThreadSortForm(Form):
    """The sort of the argument list: a GET form, no CSRF."""

    class Meta:
        csrf = False

    sort = SelectField(_l("Sort arguments by"), default="helpful", choices=[
        SelectChoice("helpful", _l("Most helpful")), SelectChoice("newest", _l("Newest"))])


class AmendmentForm(ProposalForm):
    """The demand's text as the amender would have it, and why."""

    latitude = None
    longitude = None
    centre_id = None
    attachments = None
    reason = TextAreaField(_l("Why this change?"), filters=[strip], validators=[
        DataRequired(_l("Please give a reason.")), Length(max=2000)],
        description=_l("Explain what the change improves; the authors and members read it beside the diff."))

    def validate(self, extra_validators=None) -> bool:
        return Form.validate(self, extra_validators)

    def fields_data(self) -> dict:
        return {
            "title": self.title.data, "summary": self.summary.data, "body": self.body.data or "",
            "category": self.category.data, "council_id": self.council_id.data, "place": self.place.data or "",
            "resolution": self.resolution.data,
        }

