"""How the events of voting read, on a demand's timeline and in notifications."""
from flask import url_for
from flask_babel import gettext as _

from ..activity import messages
from ..activity.messages import bdi, moment, number


def _votes(data: dict) -> dict:
    return {key: number(data.get(key, 0)) for key in ("yes", "no", "abstain", "turnout", "electorate")}


def describe(event, notification: bool = False):
    data = event.data or {}
    title = bdi(data.get("title", ""))
    texts = {
        "proposal.open_vote": lambda: _("The committee opened the community's vote on %(title)s.", title=title),
        "proposal.adopt": lambda: _("The community adopted the demand: %(yes)s yes, %(no)s no, %(abstain)s abstentions "
                                    "(turnout %(turnout)s of %(electorate)s).", **_votes(data)),
        "proposal.not_adopt": lambda: _("The community did not adopt the demand: %(yes)s yes, %(no)s no, %(abstain)s "
                                        "abstentions (turnout %(turnout)s of %(electorate)s).", **_votes(data)),
        "poll.opened": lambda: _("The vote %(title)s is open until %(when)s: you may vote.",
                                 title=bdi(data.get("title", "")), when=moment(data.get("closes_at"), data.get("tz"))),
        "poll.closed": lambda: _("The vote %(title)s is closed: see the results.", title=bdi(data.get("title", ""))),
        "poll.proxy_given": lambda: _("%(name)s gave you their proxy for the vote %(title)s: you can vote for them.",
                                      name=bdi(data.get("name", "")), title=bdi(data.get("title", ""))),
        "poll.proxy_revoked": lambda: _("%(name)s took back their proxy for the vote %(title)s.",
                                        name=bdi(data.get("name", "")), title=bdi(data.get("title", ""))),
        "poll.proxy_used": lambda: _("%(name)s cast your vote in %(title)s with your proxy.",
                                     name=bdi(data.get("name", "")), title=bdi(data.get("title", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else None


def register() -> None:
    messages.sentences(describe, "proposal.open_vote", "proposal.adopt", "proposal.not_adopt", "poll.")
    messages.links("polls", lambda event: url_for("voting.show", poll_id=event.subject_id))
