"""The coordinator's CSV of an opportunity's sign-ups: contact details and profiles only where the viewer may see
them, spreadsheet formulas neutralised."""
import csv
import io

from flask_babel import gettext as _

from ..i18n import language, list_separator
from ..signatures.export import cell
from . import rules


def signups_csv(viewer, opportunity, signups, profiles: dict) -> str:
    """One line per sign-up; phone and email only for the coordinators of people who signed up (not invited,
    withdrawn or declined ones), skills only when the volunteer's profile is visible to `viewer`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Number"), _("Name"), _("Status"), _("Phone"), _("Email"), _("Skills"), _("Hours"),
                     _("A word for the coordinator (optional)")])
    for number, signup in enumerate(signups, start=1):
        contact = rules.can_see_volunteer_contact(viewer, signup)
        profile = profiles.get(signup.user_id)
        skills = ""
        if profile is not None and rules.can_view_volunteer_profile(viewer, profile):
            skills = list_separator().join([skill.name(language()) for skill in profile.skills]
                                           + list(profile.tags or []))
        writer.writerow([number, cell(signup.user.known_name), cell(signup.status_label),
                         cell(signup.user.phone or "") if contact else "", cell(signup.user.email or "") if contact
                         else "", cell(skills), "" if signup.hours is None else f"{signup.hours:g}",
                         cell(signup.message)])
    return "\ufeff" + out.getvalue()
