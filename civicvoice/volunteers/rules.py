"""Who volunteers, coordinates opportunities (the committee and the partner coordinators it adds), sees whose
contact details, and gives or answers feedback."""
from sqlalchemy import select

from ..communities.models import Community, Membership
from ..communities.rules import is_committee, is_member, is_participant
from ..extensions import db
from ..permissions import is_admin, remembered, rule, signed_in
from ..proposals import states
from .models import Coordinator, Signup


def _volunteers_member(user, community) -> bool:
    """Who may act as a volunteer in a community (sign up, offer help, propose, give feedback): its members.
    Every volunteer write goes through here, so a person the committee blocked there does none of them."""
    return is_participant(user, community)


def is_partner(user, community) -> bool:
    """A partner organisation's coordinator the committee added to this community."""
    if not signed_in(user) or community is None:
        return False
    return remembered(("partner", user.id, community.id), lambda: db.session.scalar(select(Coordinator.id).where(
        Coordinator.community_id == community.id, Coordinator.user_id == user.id)) is not None)


def is_coordinator_anywhere(user) -> bool:
    """A partner organisation's coordinator in any community (connected to accounts.signals.acts_for_others)."""
    if not signed_in(user):
        return False
    return remembered(("partner_anywhere", user.id), lambda: db.session.scalar(
        select(Coordinator.id).where(Coordinator.user_id == user.id).limit(1)) is not None)


@rule
def can_hand_over_opportunities(user, community) -> bool:
    """Name any partner coordinator to run an opportunity: the committee; a partner coordinator names only
    themselves."""
    return is_admin(user) or is_committee(user, community)


def _coordinates(user, opportunity) -> bool:
    """The committee (and site admins) run every opportunity of the community; a partner coordinator the ones
    they are named on."""
    community = opportunity.community
    if is_admin(user) or is_committee(user, community):
        return True
    return opportunity.coordinator_id is not None and opportunity.coordinator_id == getattr(
        user, "id", None) and is_partner(user, community)


def _own_signup(user, opportunity):
    if not signed_in(user):
        return None
    return remembered(("signup", user.id, opportunity.id), lambda: db.session.scalar(
        select(Signup).where(Signup.opportunity_id == opportunity.id, Signup.user_id == user.id)))


def _own(user, row) -> bool:
    return signed_in(user) and row.user_id == user.id


@rule
def can_edit_volunteer_profile(user) -> bool:
    return signed_in(user)


@rule
def can_view_volunteer_profile(user, profile) -> bool:
    """Its owner; the committees of the volunteer's communities; with visibility "members", also the members and
    partner coordinators of those communities. Contact details are never part of a profile."""
    if not signed_in(user):
        return False
    if profile.user_id == user.id or is_admin(user):
        return True
    communities = db.session.scalars(select(Community).join(Membership, Membership.community_id == Community.id)
                                     .where(Membership.user_id == profile.user_id,
                                            Membership.status == "active")).all()
    if any(is_committee(user, community) for community in communities):
        return True
    return profile.visibility == "members" and any(
        is_member(user, community) or is_partner(user, community) for community in communities)


@rule
def can_manage_skills(user) -> bool:
    return is_admin(user)


@rule
def can_coordinate_volunteers(user, community) -> bool:
    """Post opportunities, approve volunteers' proposals, read the community's feedback: the committee and the
    partner coordinators it added."""
    return is_admin(user) or is_committee(user, community) or is_partner(user, community)


@rule
def can_manage_coordinators(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_propose_opportunity(user, community) -> bool:
    """Members propose an opportunity; a coordinator approves it before it is open."""
    return _volunteers_member(user, community)


@rule
def can_offer_help(user, proposal) -> bool:
    """Members offer time, a skill or a resource to a public demand that is still alive."""
    return proposal.status in states.ACTIVE_PUBLIC and _volunteers_member(user, proposal.community)


@rule
def can_withdraw_offer(user, offer) -> bool:
    return offer.status == "active" and _own(user, offer)


@rule
def can_view_opportunity(user, opportunity) -> bool:
    """Public once approved; a proposal (or a refused one) for the person who proposed it and the coordinators."""
    if opportunity.status in ("open", "closed", "cancelled"):
        return True
    return _coordinates(user, opportunity) or (signed_in(user) and opportunity.created_by_id == user.id) or (
        opportunity.status == "proposed" and can_coordinate_volunteers(user, opportunity.community))


@rule
def can_sign_up(user, opportunity) -> bool:
    """Members sign up for an open opportunity that has not started and has a place left (an invitation is
    answered the same way); a declined volunteer does not sign up again."""
    if opportunity.status != "open" or opportunity.has_started or opportunity.places_left < 1:
        return False
    if not _volunteers_member(user, opportunity.community):
        return False
    signup = _own_signup(user, opportunity)
    return signup is None or signup.status in ("invited", "withdrawn")


@rule
def can_withdraw_signup(user, opportunity) -> bool:
    """Until it starts, a volunteer takes back their sign-up (or turns an invitation down)."""
    signup = _own_signup(user, opportunity)
    return (signup is not None and signup.status in ("invited", "pending", "confirmed")
            and opportunity.status in ("open", "closed") and not opportunity.has_started)


@rule
def can_coordinate_opportunity(user, opportunity) -> bool:
    """Its sign-ups (and their export), suggested volunteers, feedback: the opportunity's coordinators."""
    return opportunity.status != "proposed" and _coordinates(user, opportunity)


@rule
def can_edit_opportunity(user, opportunity) -> bool:
    return opportunity.status in ("open", "closed") and not opportunity.has_started and _coordinates(user, opportunity)


@rule
def can_cancel_opportunity(user, opportunity) -> bool:
    return can_edit_opportunity(user, opportunity)


@rule
def can_close_opportunity(user, opportunity) -> bool:
    """No more sign-ups: enough people, or it is over."""
    return opportunity.status == "open" and _coordinates(user, opportunity)


@rule
def can_invite_volunteers(user, opportunity) -> bool:
    return (opportunity.status == "open" and not opportunity.has_started and opportunity.places_left > 0
            and _coordinates(user, opportunity))


@rule
def can_record_hours(user, opportunity) -> bool:
    """Once it has started (an ongoing one at any time)."""
    return (opportunity.status in ("open", "closed") and (opportunity.ongoing or opportunity.has_started)
            and _coordinates(user, opportunity))


@rule
def can_decide_opportunity(user, opportunity) -> bool:
    """A volunteer's proposal is approved or refused by a coordinator of the community."""
    return opportunity.status == "proposed" and can_coordinate_volunteers(user, opportunity.community)


@rule
def can_decide_signup(user, signup) -> bool:
    """The coordinators confirm or decline a volunteer who signed up."""
    return (signup.status == "pending" and signup.opportunity.status in ("open", "closed")
            and _coordinates(user, signup.opportunity))


@rule
def can_see_volunteer_contact(user, signup) -> bool:
    """A volunteer's phone and email: only the coordinators of an opportunity they signed up for (and not once
    they withdrew or were declined)."""
    return signup.status in ("pending", "confirmed") and _coordinates(user, signup.opportunity)


@rule
def can_download_certificate(user, signup) -> bool:
    return signup.hours is not None and _own(user, signup)


@rule
def can_give_feedback(user, signup) -> bool:
    """Once, on an activity the volunteer joined (confirmed, and started or with hours recorded)."""
    opportunity = signup.opportunity
    return (_own(user, signup) and signup.status == "confirmed" and signup.feedback is None
            and (signup.hours is not None or opportunity.has_started)
            and _volunteers_member(user, opportunity.community))


@rule
def can_answer_feedback(user, feedback) -> bool:
    return _coordinates(user, feedback.signup.opportunity)
