"""How the events of council read, on a demand's timeline and in notifications."""
from flask_babel import gettext as _

from ..activity import messages
from ..activity.messages import bdi, day, ltr, number


def _answer_text(data: dict, council):
    decision = data.get("decision")
    if decision == "referred":
        return _("%(council)s referred the demand to %(body)s.", council=council,
                 body=bdi(data.get("referred_to", "")))
    if decision == "partial":
        return _("%(council)s partially accepted the demand.", council=council)
    return _("%(council)s accepted the demand.", council=council)


def _progress_text(data: dict, council):
    if data.get("stage") == "scheduled" and data.get("scheduled_for"):
        return _("%(council)s scheduled the work for %(date)s.", council=council, date=day(data["scheduled_for"]))
    return _("%(council)s reports the work in progress.", council=council)


def describe(event, notification: bool = False):
    data = event.data or {}
    council = bdi(data.get("council") or _("The council"))
    title = bdi(data.get("title", ""))
    texts = {
        "proposal.acknowledge": lambda: (
            _("%(council)s acknowledged receipt of the letter (registry number %(number)s).", council=council,
              number=ltr(data.get("registry_number"))) if data.get("registry_number") else
            _("%(council)s acknowledged receipt of the letter.", council=council)),
        "proposal.council_answer": lambda: _answer_text(data, council),
        "proposal.decline": lambda: _("%(council)s declined the demand: %(reason)s", council=council,
                                      reason=bdi(data.get("reason", ""))),
        "proposal.start_work": lambda: _progress_text(data, council),
        "proposal.council_progress": lambda: _progress_text(data, council),
        "proposal.resolve": lambda: (
            _("%(council)s reports %(title)s resolved. Is it really fixed? Tell us.", council=council, title=title)
            if notification else _("%(council)s reports the demand resolved.", council=council)),
        "proposal.reopen": lambda: (
            _("Residents contested the council's report (%(contests)s not fixed, %(confirms)s fixed): the demand is "
              "back in progress.", contests=number(data.get("contests", 0)),
              confirms=number(data.get("confirmations", 0)))
            if data.get("automatic") else
            _("The committee reopened the demand: it is not resolved. %(reason)s", reason=bdi(data.get("reason", "")))),
        "council.staff_added": lambda: _("You now have access to the inbox of %(council)s.",
                                         council=bdi(data.get("council", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else None


# The council's own voice: marked as official on the demand's timeline.
OFFICIAL = ("proposal.acknowledge", "proposal.council_answer", "proposal.decline", "proposal.start_work",
            "proposal.council_progress", "proposal.resolve")


def register() -> None:
    messages.sentences(describe, *OFFICIAL, official=True)
    messages.sentences(describe, "proposal.reopen", "council.")
