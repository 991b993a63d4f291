"""How the events of signatures read, on a demand's timeline and in notifications."""
from flask import url_for
from flask_babel import gettext as _

from ..activity import messages
from ..activity.messages import bdi, number


def describe(event, notification: bool = False):
    data = event.data or {}
    texts = {
        "signature.paper_batch": lambda: _("The committee entered %(n)s signatures collected on paper.",
                                           n=number(data.get("count"))),
        "signature.voided": lambda: _("The committee voided your signature on %(title)s: %(reason)s",
                                      title=bdi(data.get("title", "")), reason=bdi(data.get("reason", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else None


def register() -> None:
    messages.sentences(describe, "signature.paper_batch", "signature.voided")
    messages.links("signatures", lambda event: url_for("proposals.show", proposal_id=event.data["proposal_id"])
                   if (event.data or {}).get("proposal_id") else None)
