"""Who works for a council and what they may do with the letters it receives; who checks a reported fix."""
from sqlalchemy import select

from ..communities.rules import is_blocked, is_committee, staff_role
from ..extensions import db
from ..permissions import is_admin, remembered, rule, signed_in
from ..signatures.models import Signature


def is_signer(user, proposal) -> bool:
    """`user` co-signed `proposal` (a confirmed signature)."""
    return db.session.scalar(select(Signature.id).where(
        Signature.proposal_id == proposal.id, Signature.user_id == user.id,
        Signature.status == "confirmed")) is not None


@rule
def can_create_council(user) -> bool:
    return is_admin(user)


@rule
def can_edit_council(user, council) -> bool:
    return is_admin(user)


@rule
def can_invite_council_staff(user, council) -> bool:
    return is_admin(user) or staff_role(user, council) == "responder"


@rule
def can_view_council_staff(user, council) -> bool:
    return is_admin(user) or staff_role(user, council) is not None


@rule
def can_view_council_inbox(user, council) -> bool:
    """The council's own staff (viewers and responders) and site admins; anyone else is told nothing (404)."""
    return is_admin(user) or staff_role(user, council) is not None


@rule
def can_view_council_letter(user, letter) -> bool:
    """A letter in a council's inbox, with the demand's non-public data, for that council's staff only."""
    return letter.status == "sent" and letter.council is not None and can_view_council_inbox(user, letter.council)


def _responder(user, letter) -> bool:
    return letter.status == "sent" and letter.council is not None and staff_role(user, letter.council) == "responder"


@rule
def can_acknowledge_letter(user, letter) -> bool:
    return _responder(user, letter) and letter.proposal.status == "submitted"


@rule
def can_answer_letter(user, letter) -> bool:
    return (_responder(user, letter) and letter.answered_at is None
            and letter.proposal.status in {"submitted", "acknowledged", "in_progress"})


@rule
def can_post_progress(user, letter) -> bool:
    return (_responder(user, letter) and letter.answer_decision in {"accepted", "partial"}
            and letter.proposal.status in {"acknowledged", "in_progress"})


@rule
def can_view_resolution_checks(user, proposal) -> bool:
    """What contesting residents wrote (and their photos): the committee and the addressed council's staff."""
    if is_admin(user) or is_committee(user, proposal.community):
        return True
    return proposal.council is not None and staff_role(user, proposal.council) is not None


@rule
def can_check_resolution(user, proposal) -> bool:
    """Residents who co-signed are asked whether the council's "resolved" is true."""
    if not signed_in(user) or proposal.status != "resolved" or is_blocked(user, proposal.community):
        return False
    return remembered(("signer", user.id, proposal.id), lambda: is_signer(user, proposal))
