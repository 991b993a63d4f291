"""Who may do what: every gate of the application, as small named predicates.

Views call require(can_x(user, obj)); templates call can("x", obj). Nothing else decides.
"""
from flask import abort, g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import event, select

from .extensions import db, login_manager


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _memo() -> dict:
    """Answers already looked up in this request; emptied by every flush (see init_app)."""
    if not has_app_context():
        return {}
    return g.setdefault("_permission_memo", {})


def _forget(*_args) -> None:
    if has_app_context():
        g.pop("_permission_memo", None)


def _membership(user, community):
    from .communities.models import Membership

    if not _signed_in(user) or community is None:
        return None
    memo, key = _memo(), ("membership", user.id, community.id)
    if key not in memo:
        memo[key] = db.session.scalar(
            select(Membership).where(Membership.community_id == community.id, Membership.user_id == user.id)
        )
    return memo[key]


def is_admin(user) -> bool:
    return _signed_in(user) and user.is_admin


def is_member(user, community) -> bool:
    membership = _membership(user, community)
    return membership is not None and membership.status == "active"


def is_committee(user, community) -> bool:
    membership = _membership(user, community)
    return membership is not None and membership.status == "active" and membership.role == "committee"


def is_blocked(user, community) -> bool:
    """The committee stopped this person posting, signing and voting in the community (for now)."""
    from .moderation.services import active_block

    if not _signed_in(user) or community is None:
        return False
    memo, key = _memo(), ("blocked", user.id, community.id)
    if key not in memo:
        memo[key] = active_block(user, community) is not None
    if memo[key] and has_request_context() and getattr(current_user, "id", None) == user.id:
        # A refusal (403) then tells the person why (errors.render_error); only when they are the one blocked, not
        # when the block of someone else (a proxy's grantor) is what refuses.
        g.blocked_in = community
    return memo[key]


def _participant(user, community) -> bool:
    """An active member who is not blocked: may post, sign and vote in the community."""
    return is_member(user, community) and not is_blocked(user, community)


def is_committee_anywhere(user) -> bool:
    from .communities.models import Membership

    if not _signed_in(user):
        return False
    memo, key = _memo(), ("committee_anywhere", user.id)
    if key not in memo:
        memo[key] = db.session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.role == "committee").limit(1)) is not None
    return memo[key]


def has_pending_request(user, community) -> bool:
    membership = _membership(user, community)
    return membership is not None and membership.status == "pending"


# Accounts ------------------------------------------------------------------------------------

def can_edit_profile(user, target) -> bool:
    return _signed_in(user) and user.id == target.id


def can_delete_account(user, target) -> bool:
    return can_edit_profile(user, target)


def can_view_notifications(user) -> bool:
    return _signed_in(user)


def can_choose_notifications(user) -> bool:
    return _signed_in(user)


# Site administration -------------------------------------------------------------------------

def can_administer_site(user) -> bool:
    return is_admin(user)


def can_create_community(user) -> bool:
    return is_admin(user)


def can_create_council(user) -> bool:
    return is_admin(user)


def can_edit_council(user, council) -> bool:
    return is_admin(user)


def can_link_councils(user, community) -> bool:
    return is_admin(user)


# Communities ---------------------------------------------------------------------------------

def can_join_community(user, community) -> bool:
    return _signed_in(user) and _membership(user, community) is None


def can_leave_community(user, community) -> bool:
    return _membership(user, community) is not None


def can_edit_community(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_manage_centres(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_review_membership_requests(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_view_member_list(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_appoint_committee(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_appoint_anyone(user, community) -> bool:
    """Site administrators may appoint someone who is not yet a member (a new community's first committee)."""
    return is_admin(user)


def can_verify_in_person(user, community, membership=None) -> bool:
    """Committee members verify active members of their own community, once, never themselves."""
    if not (is_admin(user) or is_committee(user, community)):
        return False
    if membership is None:
        return True
    return (membership.community_id == community.id and membership.status == "active"
            and membership.user_id != user.id and membership.user.verified_in_person_at is None)


# Councils ------------------------------------------------------------------------------------

def staff_role(user, council) -> str | None:
    from .council.models import CouncilStaff

    if not _signed_in(user) or council is None:
        return None
    memo, key = _memo(), ("staff", user.id, council.id)
    if key not in memo:
        memo[key] = db.session.scalar(
            select(CouncilStaff.role).where(CouncilStaff.user_id == user.id, CouncilStaff.council_id == council.id)
        )
    return memo[key]


def can_invite_council_staff(user, council) -> bool:
    return is_admin(user) or staff_role(user, council) == "responder"


def can_view_council_staff(user, council) -> bool:
    return is_admin(user) or staff_role(user, council) is not None


def can_view_council_inbox(user, council) -> bool:
    """The council's own staff (viewers and responders) and site admins; anyone else is told nothing (404)."""
    return is_admin(user) or staff_role(user, council) is not None


def can_view_council_letter(user, letter) -> bool:
    """A letter in a council's inbox, with the demand's non-public data, for that council's staff only."""
    return letter.status == "sent" and letter.council is not None and can_view_council_inbox(user, letter.council)


def _responder(user, letter) -> bool:
    return letter.status == "sent" and letter.council is not None and staff_role(user, letter.council) == "responder"


def can_acknowledge_letter(user, letter) -> bool:
    return _responder(user, letter) and letter.proposal.status == "submitted"


def can_answer_letter(user, letter) -> bool:
    return (_responder(user, letter) and letter.answered_at is None
            and letter.proposal.status in {"submitted", "acknowledged", "in_progress"})


def can_post_progress(user, letter) -> bool:
    return (_responder(user, letter) and letter.answer_decision in {"accepted", "partial"}
            and letter.proposal.status in {"acknowledged", "in_progress"})


def can_view_resolution_checks(user, proposal) -> bool:
    """What contesting residents wrote (and their photos): the committee and the addressed council's staff."""
    if is_admin(user) or is_committee(user, proposal.community):
        return True
    return proposal.council is not None and staff_role(user, proposal.council) is not None


def can_check_resolution(user, proposal) -> bool:
    """Residents who co-signed are asked whether the council's "resolved" is true."""
    from .council.responses import is_signer

    if not _signed_in(user) or proposal.status != "resolved" or is_blocked(user, proposal.community):
        return False
    memo, key = _memo(), ("signer", user.id, proposal.id)
    if key not in memo:
        memo[key] = is_signer(user, proposal)
    return memo[key]


# Proposals (demands) ---------------------------------------------------------------------------

def proposal_roles(user, proposal) -> set[str]:
    """The roles `user` holds on this demand, as proposals/states.py names them."""
    from .proposals.services import is_author

    roles = set()
    if not _signed_in(user):
        return roles
    if is_author(user, proposal):
        roles.add("author")
    if is_admin(user) or is_committee(user, proposal.community):
        roles.add("committee")
    if proposal.council is not None and staff_role(user, proposal.council) == "responder":
        roles.add("council")
    return roles


def can_view_proposal(user, proposal) -> bool:
    """Public once published; drafts, reviews and rejections only for authors, committee and admins."""
    from .proposals import states

    if proposal.status in states.PUBLIC and (proposal.status != "withdrawn" or proposal.published_at):
        return True
    # An invited co-author reads the draft before answering the invitation.
    return bool(proposal_roles(user, proposal) & {"author", "committee"}) or can_answer_coauthor_invitation(
        user, proposal)


def can_draft_proposal(user, community) -> bool:
    return _participant(user, community)


def can_edit_proposal(user, proposal) -> bool:
    from .proposals import states

    return (proposal.status in states.EDITABLE and "author" in proposal_roles(user, proposal)
            and not is_blocked(user, proposal.community))


def can_invite_coauthor(user, proposal) -> bool:
    from .proposals import states

    return (proposal.status in states.EDITABLE and _signed_in(user) and user.id == proposal.author_id
            and not is_blocked(user, proposal.community))


def can_answer_coauthor_invitation(user, proposal) -> bool:
    """Invitations are answered while the demand is being written or reviewed; they lapse once it is public."""
    from .proposals import states
    from .proposals.services import invitation_for

    return (proposal.status in states.PRIVATE - {"rejected"} and _signed_in(user)
            and invitation_for(user, proposal) is not None)


def can_become_coauthor(user, proposal) -> bool:
    """Accepting an invitation makes one an author, who writes the demand: not while blocked in its community
    (declining stays possible: can_answer_coauthor_invitation)."""
    return can_answer_coauthor_invitation(user, proposal) and not is_blocked(user, proposal.community)


def can_transition_proposal(user, proposal, action: str) -> bool:
    """May `user` apply `action` (a key of states.TRANSITIONS) to this demand now?"""
    from .proposals import states

    if not states.allowed(action, proposal.status):
        return False
    if action == "submit" and is_blocked(user, proposal.community):
        return False
    return bool(proposal_roles(user, proposal) & states.TRANSITIONS[action].roles)


def can_review_proposals(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_set_signature_goal(user, proposal) -> bool:
    return proposal.status in {"in_review", "open"} and "committee" in proposal_roles(user, proposal)


# Signatures ------------------------------------------------------------------------------------

def can_sign_proposal(user, proposal) -> bool:
    """Active members sign open demands (an unverified email makes the signature pending)."""
    from .proposals import states

    return proposal.status in states.SIGNABLE and _participant(user, proposal.community)


def can_change_signature(user, proposal) -> bool:
    """Signers change how their name shows and their comment while the demand is open for signatures, unless the
    committee blocked them in its community (withdrawing the signature stays possible)."""
    from .proposals import states

    return proposal.status in states.SIGNABLE and _signed_in(user) and not is_blocked(user, proposal.community)


def can_manage_signatures(user, proposal) -> bool:
    """The committee records paper batches, voids and corrects signatures, and exports the signer list."""
    return "committee" in proposal_roles(user, proposal)


def can_see_private_contact(user) -> bool:
    """Signers' email addresses and phones: site administrators only."""
    return is_admin(user)


# Deliberation: arguments -----------------------------------------------------------------------

def can_argue(user, proposal) -> bool:
    """Members post arguments and questions on a public demand that is still alive."""
    from .proposals import states

    return proposal.status in states.ARGUABLE and _participant(user, proposal.community)


def can_reply_argument(user, argument) -> bool:
    return argument.status == "visible" and can_argue(user, argument.proposal)


def can_answer_as_authors(user, argument) -> bool:
    """An author answers anywhere in a question's thread on behalf of all the demand's authors."""
    from .deliberation.models import Argument

    root = argument if argument.root_id is None else db.session.get(Argument, argument.root_id)
    return (root.stance == "question" and can_reply_argument(user, argument)
            and "author" in proposal_roles(user, argument.proposal))


def can_edit_argument(user, argument) -> bool:
    """Its author, for a short while after posting (ARGUMENT_EDIT_MINUTES)."""
    from .deliberation.services import within_edit_window

    return (_signed_in(user) and argument.author_id == user.id and argument.status == "visible"
            and within_edit_window(argument) and not is_blocked(user, argument.proposal.community))


def can_delete_argument(user, argument) -> bool:
    return _signed_in(user) and argument.author_id == user.id and argument.status == "visible"


def can_mark_helpful(user, argument) -> bool:
    """Members mark others' visible arguments (not their own) while the demand is open to arguments."""
    return (argument.status == "visible" and can_argue(user, argument.proposal)
            and argument.author_id != user.id)


def can_remove_helpful_mark(user, argument) -> bool:
    """Taking one's own mark back is always possible (the service only ever removes the person's own mark)."""
    return _signed_in(user)


def can_moderate_argument(user, argument) -> bool:
    """The committee hides and restores arguments, and reads their edit history."""
    return "committee" in proposal_roles(user, argument.proposal)


# Deliberation: amendments ----------------------------------------------------------------------

def can_propose_amendment(user, proposal) -> bool:
    """Members who are not its authors (authors decide on amendments) amend an open demand."""
    from .proposals import states

    return (proposal.status in states.AMENDABLE and _participant(user, proposal.community)
            and "author" not in proposal_roles(user, proposal))


def can_take_position_on_amendment(user, amendment) -> bool:
    from .proposals import states

    proposal = amendment.proposal
    return (amendment.status == "proposed" and amendment.hidden_at is None and proposal.status in states.AMENDABLE
            and _participant(user, proposal.community) and amendment.author_id != user.id)


def can_view_hidden_amendment(user, amendment) -> bool:
    """An amendment hidden by moderation: its author (to read why, and appeal) and the committee."""
    return (_signed_in(user) and amendment.author_id == user.id) or can_moderate(user, amendment.proposal.community)


def can_decide_amendment(user, amendment) -> bool:
    """The demand's authors accept or decline a proposed amendment while the demand is open."""
    from .proposals import states

    return (amendment.status == "proposed" and amendment.hidden_at is None
            and amendment.proposal.status in states.AMENDABLE
            and "author" in proposal_roles(user, amendment.proposal)
            and not is_blocked(user, amendment.proposal.community))


def can_withdraw_amendment(user, amendment) -> bool:
    return _signed_in(user) and amendment.status == "proposed" and amendment.author_id == user.id


# Meetings --------------------------------------------------------------------------------------

def can_schedule_meeting(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_edit_meeting(user, meeting) -> bool:
    """Until it starts and while it is not cancelled."""
    return (meeting.status == "scheduled" and not meeting.has_started
            and can_schedule_meeting(user, meeting.community))


def can_cancel_meeting(user, meeting) -> bool:
    return can_edit_meeting(user, meeting)


def can_rsvp_meeting(user, meeting) -> bool:
    """Members answer until the meeting ends (late arrivals count too)."""
    return meeting.status == "scheduled" and not meeting.is_past and _participant(user, meeting.community)


def can_post_minutes(user, meeting) -> bool:
    """Once the meeting has started; posting again corrects them."""
    return (meeting.status == "scheduled" and meeting.has_started
            and can_schedule_meeting(user, meeting.community))


# Voting ----------------------------------------------------------------------------------------

def can_open_vote(user, proposal) -> bool:
    """The committee opens the adoption vote of an open demand (the service also wants its goal reached)."""
    return can_transition_proposal(user, proposal, "open_vote")


def can_create_priority_ballot(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_vote(user, poll) -> bool:
    """Electors (members when it opened) vote in an open vote; a non-secret ballot may be changed until it closes.
    A member who gave their proxy takes it back before voting themselves."""
    from .voting import services

    if poll.status != "open" or not _signed_in(user) or not services.is_elector(user, poll):
        return False
    if is_blocked(user, poll.community):
        return False
    if services.proxy_given(user, poll) is not None:
        return False
    participation = services.participation_of(user, poll)
    return participation is None or (not poll.secret and participation.channel == "online")


def can_vote_by_proxy(user, poll, grantor=None) -> bool:
    """A holder casts the vote of a member who gave them their proxy (of `grantor`, when named). A block stops a
    person voting in the community in person or through someone else: neither a blocked holder nor the proxy of
    a grantor blocked since it was given casts anything."""
    from .voting import services

    if poll.status != "open" or is_blocked(user, poll.community):
        return False
    return any(not proxy.used and (grantor is None or proxy.grantor_id == grantor.id)
               and not is_blocked(proxy.grantor, poll.community) for proxy in services.proxies_held(user, poll))


def can_give_proxy(user, poll) -> bool:
    """An elector who has not voted and has not given a proxy yet."""
    from .voting import services

    return (poll.status == "open" and _signed_in(user) and services.is_elector(user, poll)
            and not is_blocked(user, poll.community)
            and services.participation_of(user, poll) is None and services.proxy_given(user, poll) is None)


def can_revoke_proxy(user, poll) -> bool:
    from .voting import services

    proxy = services.proxy_given(user, poll) if poll.status == "open" else None
    return proxy is not None and not proxy.used


def can_record_assisted_ballot(user, poll) -> bool:
    return poll.status == "open" and (is_admin(user) or is_committee(user, poll.community))


def can_close_poll(user, poll) -> bool:
    return poll.status == "open" and (is_admin(user) or is_committee(user, poll.community))


def can_view_poll_votes(user, poll) -> bool:
    """Who voted what, when the vote is not secret: the community's members, its committee, site admins."""
    return not poll.secret and (is_admin(user) or is_member(user, poll.community))


# Letters ---------------------------------------------------------------------------------------

def can_draft_letter(user, proposal) -> bool:
    """The committee (or a site admin) writes the formal letter of an adopted demand, once."""
    from .letters import services

    return (proposal.status == "adopted" and "committee" in proposal_roles(user, proposal)
            and services.of(proposal) is None)


def can_view_letter(user, letter) -> bool:
    """The committee and site admins; the addressed council's staff once it is sent to them."""
    if is_admin(user) or is_committee(user, letter.community):
        return True
    return letter.status == "sent" and letter.council is not None and staff_role(user, letter.council) is not None


def can_edit_letter(user, letter) -> bool:
    return letter.status != "sent" and (is_admin(user) or is_committee(user, letter.community))


def can_approve_letter(user, letter) -> bool:
    """Four eyes: a committee member other than the one who drafted the current version."""
    return (letter.status == "draft" and (is_admin(user) or is_committee(user, letter.community))
            and letter.current.drafted_by_id != user.id)


def can_send_letter(user, letter) -> bool:
    return (letter.status == "approved" and letter.proposal.status == "adopted"
            and (is_admin(user) or is_committee(user, letter.community)))


def can_download_discussion_draft(user, proposal) -> bool:
    """The authors (and the committee) print what the letter would say today, to discuss it (a draft that is never
    sent, with no reference or verification code)."""
    return bool(proposal_roles(user, proposal) & {"author", "committee"})


# Moderation ------------------------------------------------------------------------------------

def can_moderate(user, community) -> bool:
    """The committee's moderation queue, decisions, blocks, rules and dashboard; site admins anywhere."""
    return is_admin(user) or is_committee(user, community)


def can_report(user, item) -> bool:
    """Anyone signed in reports what they can see, but not their own words (nor themselves), nor what is hidden
    already. A person blocked in the community reports nothing there. (Once per person: the service says so.)"""
    if not _signed_in(user) or item.is_hidden or is_blocked(user, item.community):
        return False
    author = item.author
    if author is not None and author.id == user.id:
        return False
    if item.kind == "user" and not is_member(item.obj, item.community):
        return False
    if item.kind == "minutes" and item.obj.minutes_posted_at is None:
        return False
    return item.kind != "argument" or item.obj.status == "visible"


def can_hide_item(user, item) -> bool:
    """The committee hides a demand, argument, amendment or minutes (or holds a person's posts) with a reason."""
    if not can_moderate(user, item.community) or not item.can_be_hidden:
        return False
    if item.kind == "user":  # nothing on the person shows it: their case does
        if not is_member(item.obj, item.community):
            return False
        from .moderation import services

        case = services.case_of(item)
        return case is None or case.status not in ("hidden", "auto_hidden")
    return not item.is_hidden


def can_view_case(user, case) -> bool:
    """The committee reads a case whole; the author reads why their item is hidden (never who reported it)."""
    return can_moderate(user, case.community) or (_signed_in(user) and case.author_id == user.id)


def can_contest_hiding(user, content) -> bool:
    """The author of a hidden argument or amendment is shown why, and where to appeal."""
    return _signed_in(user) and content.author_id == user.id


def can_decide_case(user, case) -> bool:
    return can_moderate(user, case.community)


def can_appeal(user, case) -> bool:
    """The author of what the committee keeps hidden asks once for another look."""
    from .moderation import services

    return (_signed_in(user) and case.author_id == user.id and case.status == "hidden"
            and services.appeal_of(case) is None)


def can_decide_appeal(user, appeal) -> bool:
    """The committee member the appeal went to (another than the one who hid the item, when there is one); any
    committee member if that person left the committee; site admins."""
    community = appeal.case.community
    if appeal.decision is not None or not can_moderate(user, community):
        return False
    if is_admin(user) or appeal.assignee_id == user.id:
        return True
    from .accounts.models import User

    assignee = db.session.get(User, appeal.assignee_id) if appeal.assignee_id else None
    return assignee is None or not is_committee(assignee, community)


def can_review_held(user, argument) -> bool:
    return argument.status == "held" and can_moderate(user, argument.proposal.community)


def can_block_member(user, community, membership=None) -> bool:
    """The committee blocks someone with a membership (or a request) in the community: never itself, nor another
    committee member. `membership` is theirs."""
    if not can_moderate(user, community):
        return False
    return membership is None or (membership.community_id == community.id and membership.user_id != user.id
                                  and membership.role != "committee")


def can_lift_block(user, block) -> bool:
    from .database import utcnow

    return block.active_at(utcnow()) and can_moderate(user, block.community)


def can_edit_moderation_rules(user, community) -> bool:
    return can_moderate(user, community)


def can_view_dashboard(user, community) -> bool:
    return can_moderate(user, community)


def can_request_verification(user, community) -> bool:
    """A member not yet verified in person asks the committee to check their identity at the centre."""
    from .communities.services import open_verification_request

    return (is_member(user, community) and user.verified_in_person_at is None
            and open_verification_request(user, community) is None)


# Volunteers ------------------------------------------------------------------------------------

def _volunteers_member(user, community) -> bool:
    """Who may act as a volunteer in a community (sign up, offer help, propose, give feedback): its members.
    Every volunteer write goes through here, so a person the committee blocked there does none of them."""
    return _participant(user, community)


def is_partner(user, community) -> bool:
    """A partner organisation's coordinator the committee added to this community."""
    from .volunteers.models import Coordinator

    if not _signed_in(user) or community is None:
        return False
    memo, key = _memo(), ("partner", user.id, community.id)
    if key not in memo:
        memo[key] = db.session.scalar(select(Coordinator.id).where(
            Coordinator.community_id == community.id, Coordinator.user_id == user.id)) is not None
    return memo[key]


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
    from .volunteers.models import Signup

    if not _signed_in(user):
        return None
    memo, key = _memo(), ("signup", user.id, opportunity.id)
    if key not in memo:
        memo[key] = db.session.scalar(select(Signup).where(Signup.opportunity_id == opportunity.id,
                                                           Signup.user_id == user.id))
    return memo[key]


def _own(user, row) -> bool:
    return _signed_in(user) and row.user_id == user.id


def can_edit_volunteer_profile(user) -> bool:
    return _signed_in(user)


def can_view_volunteer_profile(user, profile) -> bool:
    """Its owner; the committees of the volunteer's communities; with visibility "members", also the members and
    partner coordinators of those communities. Contact details are never part of a profile."""
    from .communities.models import Community, Membership

    if not _signed_in(user):
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


def can_manage_skills(user) -> bool:
    return is_admin(user)


def can_coordinate_volunteers(user, community) -> bool:
    """Post opportunities, approve volunteers' proposals, read the community's feedback: the committee and the
    partner coordinators it added."""
    return is_admin(user) or is_committee(user, community) or is_partner(user, community)


def can_manage_coordinators(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


def can_propose_opportunity(user, community) -> bool:
    """Members propose an opportunity; a coordinator approves it before it is open."""
    return _volunteers_member(user, community)


def can_offer_help(user, proposal) -> bool:
    """Members offer time, a skill or a resource to a public demand that is still alive."""
    from .proposals import states

    return proposal.status in states.ACTIVE_PUBLIC and _volunteers_member(user, proposal.community)


def can_withdraw_offer(user, offer) -> bool:
    return offer.status == "active" and _own(user, offer)


def can_view_opportunity(user, opportunity) -> bool:
    """Public once approved; a proposal (or a refused one) for the person who proposed it and the coordinators."""
    if opportunity.status in ("open", "closed", "cancelled"):
        return True
    return _coordinates(user, opportunity) or (_signed_in(user) and opportunity.created_by_id == user.id) or (
        opportunity.status == "proposed" and can_coordinate_volunteers(user, opportunity.community))


def can_sign_up(user, opportunity) -> bool:
    """Members sign up for an open opportunity that has not started and has a place left (an invitation is
    answered the same way); a declined volunteer does not sign up again."""
    if opportunity.status != "open" or opportunity.has_started or opportunity.places_left < 1:
        return False
    if not _volunteers_member(user, opportunity.community):
        return False
    signup = _own_signup(user, opportunity)
    return signup is None or signup.status in ("invited", "withdrawn")


def can_withdraw_signup(user, opportunity) -> bool:
    """Until it starts, a volunteer takes back their sign-up (or turns an invitation down)."""
    signup = _own_signup(user, opportunity)
    return (signup is not None and signup.status in ("invited", "pending", "confirmed")
            and opportunity.status in ("open", "closed") and not opportunity.has_started)


def can_coordinate_opportunity(user, opportunity) -> bool:
    """Its sign-ups (and their export), suggested volunteers, feedback: the opportunity's coordinators."""
    return opportunity.status != "proposed" and _coordinates(user, opportunity)


def can_edit_opportunity(user, opportunity) -> bool:
    return opportunity.status in ("open", "closed") and not opportunity.has_started and _coordinates(user, opportunity)


def can_cancel_opportunity(user, opportunity) -> bool:
    return can_edit_opportunity(user, opportunity)


def can_close_opportunity(user, opportunity) -> bool:
    """No more sign-ups: enough people, or it is over."""
    return opportunity.status == "open" and _coordinates(user, opportunity)


def can_invite_volunteers(user, opportunity) -> bool:
    return (opportunity.status == "open" and not opportunity.has_started and opportunity.places_left > 0
            and _coordinates(user, opportunity))


def can_record_hours(user, opportunity) -> bool:
    """Once it has started (an ongoing one at any time)."""
    return (opportunity.status in ("open", "closed") and (opportunity.ongoing or opportunity.has_started)
            and _coordinates(user, opportunity))


def can_decide_opportunity(user, opportunity) -> bool:
    """A volunteer's proposal is approved or refused by a coordinator of the community."""
    return opportunity.status == "proposed" and can_coordinate_volunteers(user, opportunity.community)


def can_decide_signup(user, signup) -> bool:
    """The coordinators confirm or decline a volunteer who signed up."""
    return (signup.status == "pending" and signup.opportunity.status in ("open", "closed")
            and _coordinates(user, signup.opportunity))


def can_see_volunteer_contact(user, signup) -> bool:
    """A volunteer's phone and email: only the coordinators of an opportunity they signed up for (and not once
    they withdrew or were declined)."""
    return signup.status in ("pending", "confirmed") and _coordinates(user, signup.opportunity)


def can_download_certificate(user, signup) -> bool:
    return signup.hours is not None and _own(user, signup)


def can_give_feedback(user, signup) -> bool:
    """Once, on an activity the volunteer joined (confirmed, and started or with hours recorded)."""
    opportunity = signup.opportunity
    return (_own(user, signup) and signup.status == "confirmed" and signup.feedback is None
            and (signup.hours is not None or opportunity.has_started)
            and _volunteers_member(user, opportunity.community))


def can_answer_feedback(user, feedback) -> bool:
    return _coordinates(user, feedback.signup.opportunity)


# The gate ------------------------------------------------------------------------------------

def require(allowed: bool) -> None:
    """Stop the request unless `allowed`: sign-in for visitors, 403 for everyone else."""
    if allowed:
        return
    if not _signed_in(current_user):
        abort(login_manager.unauthorized())
    abort(403)


def can(name: str, *args) -> bool:
    """Template access to the predicates: {% if can("join_community", community) %}."""
    return globals()[f"can_{name}"](current_user, *args)


def council_of(user):
    """The council `user` works for (the menu's inbox link), or None."""
    from .council.models import CouncilStaff

    if not _signed_in(user):
        return None
    memo, key = _memo(), ("council_of", user.id)
    if key not in memo:
        staff = db.session.scalar(select(CouncilStaff).where(CouncilStaff.user_id == user.id))
        memo[key] = staff.council if staff is not None else None
    return memo[key]


def block_of(user, community):
    """The block in force on `user` in `community`, to tell them why and until when (or None)."""
    from .moderation.services import active_block

    return active_block(user, community) if is_blocked(user, community) else None


def init_app(app) -> None:
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["block_of"] = lambda community: block_of(current_user, community)
    app.jinja_env.globals["council_of"] = lambda: council_of(current_user)
    factory = db.session.session_factory
    if not event.contains(factory, "after_flush", _forget):
        event.listen(factory, "after_flush", _forget)
        event.listen(factory, "after_rollback", _forget)
