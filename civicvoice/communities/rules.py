"""Who may do what in a community, and the facts every other package's rules build on: membership, the
committee, council staff, blocks."""
from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import select

from ..database import utcnow
from ..extensions import db
from ..permissions import is_admin, remembered, rule, signed_in
from .models import Block, CouncilStaff, Membership, VerificationRequest


def membership(user, community) -> Membership | None:
    if not signed_in(user) or community is None:
        return None
    return remembered(("membership", user.id, community.id), lambda: db.session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.user_id == user.id)))


def is_member(user, community) -> bool:
    found = membership(user, community)
    return found is not None and found.status == "active"


def is_committee(user, community) -> bool:
    found = membership(user, community)
    return found is not None and found.status == "active" and found.role == "committee"


def active_block(user, community) -> Block | None:
    """The block in force on `user` in `community`, if any."""
    if user is None or not getattr(user, "is_authenticated", False) or community is None:
        return None
    return db.session.scalar(select(Block).where(Block.community_id == community.id, Block.user_id == user.id,
                                                 Block.in_force_at(utcnow())))


def is_blocked(user, community) -> bool:
    """The committee stopped this person posting, signing and voting in the community (for now)."""
    if not signed_in(user) or community is None:
        return False
    blocked = remembered(("blocked", user.id, community.id), lambda: active_block(user, community) is not None)
    if blocked and has_request_context() and getattr(current_user, "id", None) == user.id:
        # A refusal (403) then tells the person why (errors.render_error); only when they are the one blocked, not
        # when the block of someone else (a proxy's grantor) is what refuses.
        g.blocked_in = community
    return blocked


def block_of(user, community) -> Block | None:
    """The block in force on `user` in `community`, to tell them why and until when (or None)."""
    return active_block(user, community) if is_blocked(user, community) else None


def is_participant(user, community) -> bool:
    """An active member who is not blocked: may post, sign and vote in the community."""
    return is_member(user, community) and not is_blocked(user, community)


def is_committee_anywhere(user) -> bool:
    if not signed_in(user):
        return False
    return remembered(("committee_anywhere", user.id), lambda: db.session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.role == "committee").limit(1)) is not None)


def has_pending_request(user, community) -> bool:
    found = membership(user, community)
    return found is not None and found.status == "pending"


def open_verification_request(user, community) -> VerificationRequest | None:
    return db.session.scalar(select(VerificationRequest).where(
        VerificationRequest.community_id == community.id, VerificationRequest.user_id == user.id,
        VerificationRequest.resolved_at.is_(None)))


def staff_role(user, council) -> str | None:
    """"viewer" or "responder" when `user` works for `council`, else None."""
    if not signed_in(user) or council is None:
        return None
    return remembered(("staff", user.id, council.id), lambda: db.session.scalar(
        select(CouncilStaff.role).where(CouncilStaff.user_id == user.id, CouncilStaff.council_id == council.id)))


def council_of(user):
    """The council `user` works for (the menu's inbox link), or None."""
    if not signed_in(user):
        return None

    def lookup():
        staff = db.session.scalar(select(CouncilStaff).where(CouncilStaff.user_id == user.id))
        return staff.council if staff is not None else None

    return remembered(("council_of", user.id), lookup)


def acts_for_others(user) -> bool:
    """On a committee somewhere, or working for a council (connected to accounts.signals.acts_for_others)."""
    return is_committee_anywhere(user) or council_of(user) is not None


@rule
def can_create_community(user) -> bool:
    return is_admin(user)


@rule
def can_link_councils(user, community) -> bool:
    return is_admin(user)


@rule
def can_join_community(user, community) -> bool:
    return signed_in(user) and membership(user, community) is None


@rule
def can_leave_community(user, community) -> bool:
    return membership(user, community) is not None


@rule
def can_edit_community(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_manage_centres(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_review_membership_requests(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_view_member_list(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_appoint_committee(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_appoint_anyone(user, community) -> bool:
    """Site administrators may appoint someone who is not yet a member (a new community's first committee)."""
    return is_admin(user)


@rule
def can_verify_in_person(user, community, membership=None) -> bool:
    """Committee members verify active members of their own community, once, never themselves."""
    if not (is_admin(user) or is_committee(user, community)):
        return False
    if membership is None:
        return True
    return (membership.community_id == community.id and membership.status == "active"
            and membership.user_id != user.id and membership.user.verified_in_person_at is None)


@rule
def can_request_verification(user, community) -> bool:
    """A member not yet verified in person asks the committee to check their identity at the centre."""
    return (is_member(user, community) and user.verified_in_person_at is None
            and open_verification_request(user, community) is None)
