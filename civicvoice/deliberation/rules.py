"""Who argues, replies, edits, marks helpful and amends, on which demands."""
from datetime import timedelta

from flask import current_app

from ..communities.rules import is_blocked, is_committee, is_participant
from ..database import utcnow
from ..extensions import db
from ..permissions import is_admin, rule, signed_in
from ..proposals import states
from ..proposals.rules import proposal_roles
from .models import Argument


def edit_window_ends(argument: Argument):
    return argument.created_at + timedelta(minutes=current_app.config["ARGUMENT_EDIT_MINUTES"])


def within_edit_window(argument: Argument) -> bool:
    return utcnow() < edit_window_ends(argument)


@rule
def can_argue(user, proposal) -> bool:
    """Members post arguments and questions on a public demand that is still alive."""
    return proposal.status in states.ARGUABLE and is_participant(user, proposal.community)


@rule
def can_reply_argument(user, argument) -> bool:
    return argument.status == "visible" and can_argue(user, argument.proposal)


@rule
def can_answer_as_authors(user, argument) -> bool:
    """An author answers anywhere in a question's thread on behalf of all the demand's authors."""
    root = argument if argument.root_id is None else db.session.get(Argument, argument.root_id)
    return (root.stance == "question" and can_reply_argument(user, argument)
            and "author" in proposal_roles(user, argument.proposal))


@rule
def can_edit_argument(user, argument) -> bool:
    """Its author, for a short while after posting (ARGUMENT_EDIT_MINUTES)."""
    return (signed_in(user) and argument.author_id == user.id and argument.status == "visible"
            and within_edit_window(argument) and not is_blocked(user, argument.proposal.community))


@rule
def can_delete_argument(user, argument) -> bool:
    return signed_in(user) and argument.author_id == user.id and argument.status == "visible"


@rule
def can_mark_helpful(user, argument) -> bool:
    """Members mark others' visible arguments (not their own) while the demand is open to arguments."""
    return (argument.status == "visible" and can_argue(user, argument.proposal)
            and argument.author_id != user.id)


@rule
def can_remove_helpful_mark(user, argument) -> bool:
    """Taking one's own mark back is always possible (the service only ever removes the person's own mark)."""
    return signed_in(user)


@rule
def can_moderate_argument(user, argument) -> bool:
    """The committee hides and restores arguments, and reads their edit history."""
    return "committee" in proposal_roles(user, argument.proposal)


@rule
def can_propose_amendment(user, proposal) -> bool:
    """Members who are not its authors (authors decide on amendments) amend an open demand."""
    return (proposal.status in states.AMENDABLE and is_participant(user, proposal.community)
            and "author" not in proposal_roles(user, proposal))


@rule
def can_take_position_on_amendment(user, amendment) -> bool:
    proposal = amendment.proposal
    return (amendment.status == "proposed" and amendment.hidden_at is None and proposal.status in states.AMENDABLE
            and is_participant(user, proposal.community) and amendment.author_id != user.id)


@rule
def can_view_hidden_amendment(user, amendment) -> bool:
    """An amendment hidden by moderation: its author (to read why, and appeal) and the committee."""
    return (signed_in(user) and amendment.author_id == user.id) or is_admin(user) \
        or is_committee(user, amendment.proposal.community)


@rule
def can_decide_amendment(user, amendment) -> bool:
    """The demand's authors accept or decline a proposed amendment while the demand is open."""
    return (amendment.status == "proposed" and amendment.hidden_at is None
            and amendment.proposal.status in states.AMENDABLE
            and "author" in proposal_roles(user, amendment.proposal)
            and not is_blocked(user, amendment.proposal.community))


@rule
def can_withdraw_amendment(user, amendment) -> bool:
    return signed_in(user) and amendment.status == "proposed" and amendment.author_id == user.id
