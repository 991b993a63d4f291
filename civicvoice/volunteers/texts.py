"""How the events of volunteers read, on a demand's timeline and in notifications."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..activity import messages
from ..activity.messages import bdi, moment
from ..i18n import format_number


def describe(event, notification: bool = False):
    data = event.data or {}
    title = bdi(data.get("title", ""))
    who = bdi(event.actor.public_name if event.actor else _("the committee"))
    hours = data.get("hours")
    when = moment(data.get("starts_at"), data.get("tz"))
    texts = {
        "opportunity.posted": lambda: _("A volunteer opportunity that matches you in %(community)s: %(title)s.",
                                        community=bdi(data.get("community_name", "")), title=title),
        "opportunity.invited": lambda: _("You are invited to volunteer: %(title)s (%(community)s).", title=title,
                                         community=bdi(data.get("community_name", ""))),
        "opportunity.signed_up": lambda: _("%(name)s signed up for %(title)s.",
                                           name=bdi(event.actor.known_name if event.actor else ""), title=title),
        "opportunity.signup_confirmed": lambda: _("Your sign-up for %(title)s is confirmed.", title=title),
        "opportunity.signup_declined": lambda: _("Your sign-up for %(title)s was declined.", title=title),
        "opportunity.reminder": lambda: (
            _("Reminder: %(title)s is %(when)s, at %(centre)s.", title=title, when=when,
              centre=bdi(data["centre"])) if data.get("centre") else
            _("Reminder: %(title)s is %(when)s.", title=title, when=when)),
        "opportunity.changed": lambda: (
            _("Sign-ups for %(title)s are closed; your place is kept.", title=title)
            if data.get("change") == "closed" else _("The opportunity %(title)s changed: see the details.",
                                                     title=title)),
        "opportunity.cancelled": lambda: _("The opportunity %(title)s is cancelled: %(reason)s", title=title,
                                           reason=bdi(data.get("reason", ""))),
        "opportunity.hours_recorded": lambda: ngettext(
            "%(hours)s hour of volunteering was recorded for you on %(title)s.",
            "%(hours)s hours of volunteering were recorded for you on %(title)s.", max(int(hours or 0), 1),
            hours=bdi(format_number(hours) if hours is not None else ""), title=title),
        "opportunity.proposed": lambda: _("%(name)s proposed a volunteer opportunity: %(title)s.", name=who,
                                          title=title),
        "opportunity.approved": lambda: _("Your proposed opportunity %(title)s is approved and open.", title=title),
        "opportunity.rejected": lambda: _("Your proposed opportunity %(title)s was not approved: %(reason)s",
                                          title=title, reason=bdi(data.get("reason", ""))),
        "opportunity.feedback_given": lambda: _("%(name)s gave feedback on %(title)s.", name=who, title=title),
        "opportunity.feedback_answered": lambda: _("The coordinator answered your feedback on %(title)s.",
                                                   title=title),
        "volunteer.help_offered": lambda: _("%(name)s offered help on %(title)s.", name=who, title=title),
    }
    text = texts.get(event.verb)
    return text() if text else None


def _opportunity_link(event) -> str:
    if event.verb == "opportunity.feedback_given":
        return url_for("volunteers.feedback", opportunity_id=event.subject_id)
    if event.verb in ("opportunity.hours_recorded", "opportunity.feedback_answered"):
        return url_for("volunteers.history")
    return url_for("volunteers.show", opportunity_id=event.subject_id)


def register() -> None:
    messages.sentences(describe, "opportunity.", "volunteer.")
    messages.links("opportunities", _opportunity_link)
    messages.links("volunteer_offers", lambda event: url_for("volunteers.offers", proposal_id=event.data["proposal_id"])
                   if (event.data or {}).get("proposal_id") else None)
