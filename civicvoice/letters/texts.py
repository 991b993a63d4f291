"""How the events of letters read, on a demand's timeline and in notifications."""
from flask_babel import gettext as _

from ..activity import messages
from ..activity.messages import actor_name, bdi, day, ltr, number


def describe(event, notification: bool = False):
    data = event.data or {}
    who = actor_name(event, _("the committee"))
    texts = {
        "proposal.letter_drafted": lambda: _("%(who)s drafted the letter %(reference)s to the council.", who=who,
                                             reference=ltr(data.get("reference", ""))),
        "proposal.letter_approved": lambda: _("%(who)s approved version %(n)s of the letter %(reference)s.", who=who,
                                              n=number(data.get("version")), reference=ltr(data.get("reference", ""))),
        "proposal.send_letter": lambda: _("The committee sent the letter %(reference)s to %(council)s. An answer is "
                                          "expected by %(due)s.", reference=ltr(data.get("reference", "")),
                                          council=bdi(data.get("council", "")), due=day(data.get("due"))),
    }
    text = texts.get(event.verb)
    return text() if text else None


def register() -> None:
    messages.sentences(describe, "proposal.letter_drafted", "proposal.letter_approved", "proposal.send_letter")
