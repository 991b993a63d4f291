"""How the events of signatures read, on a demand's timeline and in notifications."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..activity import messages
from ..activity.messages import bdi, number


def describe(event, notification: bool = False):
    data = event.data or {}
    texts = {
        "signature.paper_batch": lambda: _("The committee entered %(n)s signatures collected on paper.",
                                           n=number(data.get("count"))),
        "signature.invalidated": lambda: (
            _("The committee of %(community)s voided your signature on %(title)s, with other signatures that came "
              "in the same way: %(reason)s. If you think this is a mistake, ask the committee to look at it again.",
              community=bdi(data.get("community_name", "")), title=bdi(data.get("title", "")),
              reason=bdi(data.get("reason", ""))) if notification else
            ngettext("The committee voided %(n)s signature after checking how it came in: %(reason)s",
                     "The committee voided %(n)s signatures that came in together: %(reason)s",
                     data.get("count") or 0, n=number(data.get("count")), reason=bdi(data.get("reason", "")))),
        "signature.voided": lambda: _("The committee voided your signature on %(title)s: %(reason)s",
                                      title=bdi(data.get("title", "")), reason=bdi(data.get("reason", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else None


def register() -> None:
    messages.sentences(describe, "signature.")
    messages.links("signatures", lambda event: url_for("proposals.show", proposal_id=event.data["proposal_id"])
                   if (event.data or {}).get("proposal_id") else None)
