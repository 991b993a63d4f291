"""Kinds of notification: what a person chooses to hear by email, immediately or in a daily digest.

Every event maps to one kind by its verb (exact verbs first, then prefixes). Decisions that concern a person
directly come by email at once by default; the rest waits for the daily digest. In-app notifications are always
kept, whatever the channel.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

CHANNELS = {
    "app": _l("In the app only"),
    "now": _l("Email at once"),
    "digest": _l("Daily digest email"),
}


# Who sees a kind that is not for everyone: the package that knows the audience registers how to recognise it
# (communities: "committee", council staff: "council").
AUDIENCES: dict[str, Callable[[object], bool]] = {}


def audience(name: str, recognise: Callable[[object], bool]) -> None:
    AUDIENCES[name] = recognise


def shown_to(user) -> list[str]:
    """The kinds `user` may choose about, in the order of KINDS."""
    return [kind for kind, spec in KINDS.items()
            if spec.audience == "everyone" or AUDIENCES.get(spec.audience, lambda _user: False)(user)]


@dataclass(frozen=True)
class Kind:
    label: object
    hint: object
    default: str
    # Who sees the kind on the preferences page: everyone, committee members, council staff.
    audience: str = "everyone"


KINDS = {
    "my_demands": Kind(_l("My demands"), _l("The committee's review of your demands, votes on them, co-authors, "
                                            "amendments proposed to them."), "now"),
    "council": Kind(_l("Council answers"), _l("What the council answers and reports on demands you wrote or "
                                              "signed."), "now"),
    "votes": Kind(_l("Votes"), _l("A vote opens or closes in your community; proxies given to you."), "now"),
    "moderation": Kind(_l("Moderation of my content"), _l("Your content hidden or restored, your appeals, "
                                                          "blocks."), "now"),
    "replies": Kind(_l("Replies to me"), _l("Replies to your arguments, answers to your questions, decisions on "
                                            "your amendments."), "digest"),
    "signed": Kind(_l("Demands I signed"), _l("A demand you signed changes: put to the vote, adopted or not, "
                                              "sent to the council, withdrawn, merged, your signature voided."),
                   "digest"),
    "meetings": Kind(_l("Meetings"), _l("Meetings at your centre: new, changed, cancelled, minutes."), "digest"),
    "community": Kind(_l("My communities"), _l("Your membership, the committee, your identity check."), "digest"),
    "volunteering": Kind(_l("Volunteering"), _l("Your sign-ups, reminders, hours and feedback."), "now"),
    "opportunities": Kind(_l("New volunteer opportunities"), _l("Opportunities that match your profile."),
                          "digest"),
    "committee": Kind(_l("Committee work"), _l("Drafts to review, reports, appeals, membership and identity "
                                               "requests, letters to approve."), "digest", "committee"),
    "council_inbox": Kind(_l("Council inbox"), _l("Letters sent to your council."), "now", "council"),
}

VERBS = {
    "proposal.submit": "committee",
    "proposal.letter_drafted": "committee",
    "proposal.letter_approved": "committee",
    "membership.requested": "committee",
    "identity.requested": "committee",
    "proposal.publish": "my_demands",
    "proposal.request_changes": "my_demands",
    "proposal.reject": "my_demands",
    "proposal.open_vote": "my_demands",
    "proposal.adopt": "my_demands",
    "proposal.not_adopt": "my_demands",
    "proposal.coauthor_invited": "my_demands",
    "proposal.coauthor_accepted": "my_demands",
    "proposal.coauthor_declined": "my_demands",
    "proposal.amendment_proposed": "my_demands",
    "proposal.goal_reached": "my_demands",
    "argument.replied": "replies",
    "proposal.amendment_accepted": "replies",
    "proposal.amendment_declined": "replies",
    "proposal.amendment_withdrawn": "replies",
    "proposal.withdraw": "signed",
    "proposal.merge": "signed",
    "proposal.send_letter": "signed",
    "signature.voided": "signed",
    "signature.invalidated": "signed",
    "proposal.acknowledge": "council",
    "proposal.council_answer": "council",
    "proposal.council_progress": "council",
    "proposal.start_work": "council",
    "proposal.resolve": "council",
    "proposal.decline": "council",
    "proposal.reopen": "council",
    "argument.hidden": "moderation",
    "argument.restored": "moderation",
    "opportunity.posted": "opportunities",
}
PREFIXES = (
    ("moderation.", "moderation"),
    ("proposal.", "my_demands"),
    ("resolution.", "council"),
    ("poll.", "votes"),
    ("meeting.", "meetings"),
    ("opportunity.", "volunteering"),
    ("volunteer.", "volunteering"),
)
FALLBACK = "community"  # membership, committee, identity, council staff, and anything new


def kind_of(verb: str) -> str:
    if verb in VERBS:
        return VERBS[verb]
    return next((kind for prefix, kind in PREFIXES if verb.startswith(prefix)), FALLBACK)
