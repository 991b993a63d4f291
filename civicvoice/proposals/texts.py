"""How the events of proposals read, on a demand's timeline and in notifications."""
from flask import url_for
from flask_babel import gettext as _

from ..activity import messages
from ..activity.messages import actor_name, bdi, number
from .models import REJECTION_REASONS


def describe(event, notification: bool = False):
    data = event.data or {}
    who = actor_name(event, _("the committee"))
    title = bdi(data.get("title", ""))
    texts = {
        "proposal.drafted": lambda: _("%(who)s started the draft.", who=who),
        "proposal.edited": lambda: _("%(who)s saved revision %(n)s.", who=who, n=number(data.get("revision"))),
        "proposal.submit": lambda: _("%(who)s submitted %(title)s for the committee's review.", who=who,
                                     title=title),
        "proposal.publish": lambda: _("The committee published %(title)s.", title=title),
        "proposal.request_changes": lambda: _("The committee asked for changes: %(reason)s",
                                              reason=bdi(data.get("reason", ""))),
        "proposal.reject": lambda: _("The committee rejected %(title)s (%(code)s): %(reason)s", title=title,
                                     code=REJECTION_REASONS.get(data.get("code"), ""),
                                     reason=bdi(data.get("reason", ""))),
        "proposal.withdraw": lambda: _("%(who)s withdrew the demand: %(reason)s", who=who,
                                       reason=bdi(data.get("reason", ""))),
        "proposal.merge": lambda: _("The committee merged this demand into %(kept)s: %(reason)s",
                                    kept=bdi(data.get("kept_title", "")), reason=bdi(data.get("reason", ""))),
        "proposal.merged_in": lambda: _("The duplicate %(title)s was merged into this demand.",
                                        title=bdi(data.get("duplicate_title", ""))),
        "proposal.hide": lambda: (
            _("The demand was hidden after several reports, until the committee reviews it.")
            if data.get("automatic") else
            _("The committee hid the demand: %(reason)s", reason=bdi(data.get("reason", "")))),
        "proposal.unhide": lambda: _("The committee made the demand public again: %(reason)s",
                                     reason=bdi(data.get("reason", ""))),
        "proposal.goal_changed": lambda: _("The committee set the signature goal to %(n)s.", n=number(data.get("after"))),
        "proposal.coauthor_invited": lambda: (
            _("%(who)s invited you to write %(title)s together.", who=who, title=title) if notification
            else _("%(who)s invited a co-author.", who=who)),
        "proposal.coauthor_accepted": lambda: _("%(who)s became a co-author.", who=who),
        "proposal.coauthor_declined": lambda: _("%(who)s declined to co-author %(title)s.", who=who, title=title),
        "proposal.goal_lost": lambda: _(
            "Voided signatures took %(title)s back below its signature goal (%(n)s): the vote waits until the goal "
            "is reached again.", title=title, n=number(data.get("goal"))),
        "proposal.goal_reached": lambda: _("The signature goal (%(n)s) was reached: the demand is ready for a vote.",
                                           n=number(data.get("goal"))),
        "proposal.attachment_added": lambda: _("%(who)s attached %(name)s.", who=who,
                                               name=bdi(data.get("filename", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else _("%(who)s updated the demand.", who=who)


def register() -> None:
    # The prefix: every other "proposal." verb a package records on the demand without phrasing it.
    messages.sentences(describe, "proposal.")
    messages.links("proposals", lambda event: url_for("proposals.show", proposal_id=event.subject_id))
