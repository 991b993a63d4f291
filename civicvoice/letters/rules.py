"""Who drafts, reads, approves (four eyes) and sends a demand's letter."""
from sqlalchemy import select

from ..communities.rules import is_committee, staff_role
from ..extensions import db
from ..permissions import is_admin, rule
from ..proposals.rules import proposal_roles
from .models import Letter


def letter_of(proposal) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.proposal_id == proposal.id))


@rule
def can_draft_letter(user, proposal) -> bool:
    """The committee (or a site admin) writes the formal letter of an adopted demand, once."""
    return (proposal.status == "adopted" and "committee" in proposal_roles(user, proposal)
            and letter_of(proposal) is None)


@rule
def can_view_letter(user, letter) -> bool:
    """The committee and site admins; the addressed council's staff once it is sent to them."""
    if is_admin(user) or is_committee(user, letter.community):
        return True
    return letter.status == "sent" and letter.council is not None and staff_role(user, letter.council) is not None


@rule
def can_edit_letter(user, letter) -> bool:
    return letter.status != "sent" and (is_admin(user) or is_committee(user, letter.community))


@rule
def can_approve_letter(user, letter) -> bool:
    """Four eyes: a committee member other than the one who drafted the current version."""
    return (letter.status == "draft" and (is_admin(user) or is_committee(user, letter.community))
            and letter.current.drafted_by_id != user.id)


@rule
def can_send_letter(user, letter) -> bool:
    return (letter.status == "approved" and letter.proposal.status == "adopted"
            and (is_admin(user) or is_committee(user, letter.community)))


@rule
def can_download_discussion_draft(user, proposal) -> bool:
    """The authors (and the committee) print what the letter would say today, to discuss it (a draft that is never
    sent, with no reference or verification code)."""
    return bool(proposal_roles(user, proposal) & {"author", "committee"})
