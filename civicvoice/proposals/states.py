"""The lifecycle of a demand: statuses, named sets, and who may move it from where to where.

draft → in_review → (changes_requested → in_review)* → open → voting → adopted | not_adopted;
adopted → submitted → acknowledged → in_progress → resolved | declined;
rejected from review; withdrawn, merged and hidden from the states the table allows; unhidden back to where it was.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..errors import InvalidTransition

STATUSES = (
    "draft", "in_review", "changes_requested", "rejected", "open", "voting", "adopted", "not_adopted",
    "submitted", "acknowledged", "in_progress", "resolved", "declined", "withdrawn", "merged", "hidden",
)

# Only authors, the committee and site admins see these: everyone else gets a 404.
PRIVATE = frozenset({"draft", "in_review", "changes_requested", "rejected"})
EDITABLE = frozenset({"draft", "changes_requested"})
SIGNABLE = frozenset({"open"})
DELIBERATION = frozenset({"open", "voting"})
# Listed publicly; `withdrawn` too when it had been published, `hidden` never.
PUBLIC = frozenset(set(STATUSES) - PRIVATE - {"hidden"})
ACTIVE_PUBLIC = frozenset({"open", "voting", "adopted", "submitted", "acknowledged", "in_progress"})
# Arguments and questions stay open while the demand is alive (questions matter after the vote too);
# amendments only while it collects signatures, before the community votes on a fixed text.
ARGUABLE = ACTIVE_PUBLIC
AMENDABLE = frozenset({"open"})
# Over: nothing more will be asked of the council nor of the signers (a resolved demand may still be reopened by
# its residents' check, within days). Retention counts from the last move into one of these.
CLOSED = frozenset({"rejected", "not_adopted", "resolved", "declined", "withdrawn", "merged"})
HIDEABLE = frozenset(ACTIVE_PUBLIC - {"voting"} | {"not_adopted", "resolved", "declined", "withdrawn"})

LABELS = {
    "draft": _l("draft"),
    "in_review": _l("awaiting committee review"),
    "changes_requested": _l("changes requested"),
    "rejected": _l("rejected"),
    "open": _l("open for signatures"),
    "voting": _l("being voted on"),
    "adopted": _l("adopted by the community"),
    "not_adopted": _l("not adopted"),
    "submitted": _l("sent to the council"),
    "acknowledged": _l("acknowledged by the council"),
    "in_progress": _l("in progress"),
    "resolved": _l("resolved"),
    "declined": _l("declined by the council"),
    "withdrawn": _l("withdrawn"),
    "merged": _l("merged into another demand"),
    "hidden": _l("hidden by the committee"),
}

# Roles: "author" (author or accepted co-author), "committee" (of the demand's community; site admins act as
# committee), "council" (responder of the addressed council), "system" (scheduled jobs, e.g. closing a vote).


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str | None  # None: the status given when moving (only "unhide": where the demand was before)
    roles: frozenset
    needs_reason: bool = False


def _t(sources, target, roles, needs_reason=False) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles), needs_reason)


TRANSITIONS = {
    "submit": _t({"draft", "changes_requested"}, "in_review", {"author"}),
    "publish": _t({"in_review"}, "open", {"committee"}),
    "request_changes": _t({"in_review"}, "changes_requested", {"committee"}, needs_reason=True),
    "reject": _t({"in_review"}, "rejected", {"committee"}, needs_reason=True),
    "withdraw": _t({"draft", "in_review", "changes_requested", "open"}, "withdrawn", {"author"}, needs_reason=True),
    "merge": _t({"open"}, "merged", {"committee"}, needs_reason=True),
    # Moderation (moderation/services.py): the committee, or enough reports ("system"). Not while the community
    # votes on the text: its result would have nowhere to go.
    "hide": _t(HIDEABLE, "hidden", {"committee", "system"}, needs_reason=True),
    # Back to the status the demand had when it was hidden (kept by its moderation case).
    "unhide": _t({"hidden"}, None, {"committee", "system"}, needs_reason=True),
    "open_vote": _t({"open"}, "voting", {"committee"}),
    "adopt": _t({"voting"}, "adopted", {"committee", "system"}),
    "not_adopt": _t({"voting"}, "not_adopted", {"committee", "system"}),
    "send_letter": _t({"adopted"}, "submitted", {"committee"}),
    "acknowledge": _t({"submitted"}, "acknowledged", {"council"}),
    "start_work": _t({"acknowledged"}, "in_progress", {"council"}),
    "resolve": _t({"acknowledged", "in_progress"}, "resolved", {"council"}),
    "decline": _t({"submitted", "acknowledged", "in_progress"}, "declined", {"council"}, needs_reason=True),
    "reopen": _t({"resolved"}, "in_progress", {"committee", "system"}, needs_reason=True),
}


def transition(action: str, status: str) -> Transition:
    """The transition for `action` from `status`; InvalidTransition when the table has none."""
    move = TRANSITIONS.get(action)
    if move is None or status not in move.sources:
        raise InvalidTransition()
    return move


def allowed(action: str, status: str) -> bool:
    move = TRANSITIONS.get(action)
    return move is not None and status in move.sources
