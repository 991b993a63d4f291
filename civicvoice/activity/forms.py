from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ..forms import Form
from .kinds import CHANNELS, KINDS


def preferences_form(kinds: list[str], data: dict[str, str], formdata=None):
    """One choice of channel per kind shown to this person (committee and council kinds only to them)."""

    class PreferencesForm(Form):
        pass

    for kind in kinds:
        spec = KINDS[kind]
        setattr(PreferencesForm, kind, RadioField(spec.label, description=spec.hint, choices=[SelectChoice(k, v) for k, v in CHANNELS.items()],
                                                  validators=[InputRequired(_l("Choose how you hear about this."))]))
    form = PreferencesForm(formdata=formdata, data=data) if formdata is not None else PreferencesForm(data=data)
    form.kinds = kinds
    return form


class NotificationFilterForm(Form):
    class Meta:
        csrf = False

    show = SelectField(_l("Show"), choices=[SelectChoice("all", _l("All")), SelectChoice("unread", _l("Unread only"))],
                       default="all")
