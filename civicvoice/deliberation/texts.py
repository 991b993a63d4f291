"""How the events of deliberation read, on a demand's timeline and in notifications."""
from flask import url_for
from flask_babel import gettext as _

from ..activity import messages
from ..activity.messages import actor_name, bdi, number


def describe(event, notification: bool = False):
    data = event.data or {}
    who = actor_name(event, _("the committee"))
    title = bdi(data.get("title", ""))
    texts = {
        "proposal.amendment_proposed": lambda: (
            _("%(who)s proposed an amendment to %(title)s.", who=who, title=title) if notification
            else _("%(who)s proposed an amendment.", who=who)),
        "proposal.amendment_accepted": lambda: (
            _("The authors accepted the amendment by %(amender)s: it is revision %(n)s of %(title)s.",
              amender=bdi(data.get("amender", "")), n=number(data.get("revision")), title=title)),
        "proposal.amendment_declined": lambda: _("The authors declined an amendment to %(title)s: %(reason)s",
                                                 title=title, reason=bdi(data.get("reason", ""))),
        "proposal.amendment_withdrawn": lambda: _("%(who)s withdrew their amendment.", who=who),
        "argument.replied": lambda: (
            _("The authors of %(title)s answered your question.", title=bdi(data.get("title", "")))
            if data.get("as_authors") else
            _("%(name)s replied to your argument on %(title)s.", name=bdi(event.actor.public_name if event.actor
                                                                           else ""),
              title=bdi(data.get("title", "")))),
        "argument.hidden": lambda: _("The committee hid your argument on %(title)s: %(reason)s",
                                     title=bdi(data.get("title", "")), reason=bdi(data.get("reason", ""))),
        "argument.restored": lambda: _("The committee restored your argument on %(title)s.",
                                       title=bdi(data.get("title", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else None


def _argument_link(event) -> str | None:
    proposal_id = (event.data or {}).get("proposal_id")
    return url_for("proposals.show", proposal_id=proposal_id, _anchor=f"argument-{event.subject_id}") \
        if proposal_id else None


def register() -> None:
    messages.sentences(describe, "proposal.amendment_proposed", "proposal.amendment_accepted",
                       "proposal.amendment_declined", "proposal.amendment_withdrawn", "argument.")
    messages.links("arguments", _argument_link)
