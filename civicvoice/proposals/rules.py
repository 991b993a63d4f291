"""Who may read, write, review and move a demand: the roles a person holds on it (proposals/states.py)."""
from ..communities.rules import is_blocked, is_committee, is_participant, staff_role
from ..permissions import is_admin, rule, signed_in
from . import states
from .models import Coauthor


def is_author(user, proposal) -> bool:
    """The demand's author, or a co-author who accepted."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.id == proposal.author_id or any(
        c.user_id == user.id and c.status == "accepted" for c in proposal.coauthors)


def invitation_for(user, proposal) -> Coauthor | None:
    return next((c for c in proposal.coauthors if c.user_id == user.id and c.status == "invited"), None)


def proposal_roles(user, proposal) -> set[str]:
    """The roles `user` holds on this demand, as proposals/states.py names them."""
    roles = set()
    if not signed_in(user):
        return roles
    if is_author(user, proposal):
        roles.add("author")
    if is_admin(user) or is_committee(user, proposal.community):
        roles.add("committee")
    if proposal.council is not None and staff_role(user, proposal.council) == "responder":
        roles.add("council")
    return roles


@rule
def can_view_proposal(user, proposal) -> bool:
    """Public once published; drafts, reviews and rejections only for authors, committee and admins."""
    if proposal.status in states.PUBLIC and (proposal.status != "withdrawn" or proposal.published_at):
        return True
    # An invited co-author reads the draft before answering the invitation.
    return bool(proposal_roles(user, proposal) & {"author", "committee"}) or can_answer_coauthor_invitation(
        user, proposal)


@rule
def can_draft_proposal(user, community) -> bool:
    return is_participant(user, community)


@rule
def can_edit_proposal(user, proposal) -> bool:
    return (proposal.status in states.EDITABLE and "author" in proposal_roles(user, proposal)
            and not is_blocked(user, proposal.community))


@rule
def can_invite_coauthor(user, proposal) -> bool:
    return (proposal.status in states.EDITABLE and signed_in(user) and user.id == proposal.author_id
            and not is_blocked(user, proposal.community))


@rule
def can_answer_coauthor_invitation(user, proposal) -> bool:
    """Invitations are answered while the demand is being written or reviewed; they lapse once it is public."""

    return (proposal.status in states.PRIVATE - {"rejected"} and signed_in(user)
            and invitation_for(user, proposal) is not None)


@rule
def can_become_coauthor(user, proposal) -> bool:
    """Accepting an invitation makes one an author, who writes the demand: not while blocked in its community
    (declining stays possible: can_answer_coauthor_invitation)."""
    return can_answer_coauthor_invitation(user, proposal) and not is_blocked(user, proposal.community)


@rule
def can_transition_proposal(user, proposal, action: str) -> bool:
    """May `user` apply `action` (a key of states.TRANSITIONS) to this demand now?"""
    if not states.allowed(action, proposal.status):
        return False
    if action == "submit" and is_blocked(user, proposal.community):
        return False
    return bool(proposal_roles(user, proposal) & states.TRANSITIONS[action].roles)


@rule
def can_review_proposals(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_set_signature_goal(user, proposal) -> bool:
    return proposal.status in {"in_review", "open"} and "committee" in proposal_roles(user, proposal)
