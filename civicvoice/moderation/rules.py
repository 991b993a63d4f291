"""Who reports, who moderates (the committee of the community), who appeals and who decides an appeal."""
from sqlalchemy import select

from ..accounts.models import User
from ..communities.rules import is_blocked, is_committee, is_member
from ..database import utcnow
from ..extensions import db
from ..permissions import is_admin, rule, signed_in
from .models import Appeal, ModerationCase


def case_of(item) -> ModerationCase | None:
    return db.session.scalar(select(ModerationCase).where(
        ModerationCase.community_id == item.community.id, ModerationCase.subject_type == item.kind,
        ModerationCase.subject_id == item.id))


def appeal_of(case: ModerationCase) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.case_id == case.id))


@rule
def can_moderate(user, community) -> bool:
    """The committee's moderation queue, decisions, blocks, rules and dashboard; site admins anywhere."""
    return is_admin(user) or is_committee(user, community)


@rule
def can_report(user, item) -> bool:
    """Anyone signed in reports what they can see, but not their own words (nor themselves), nor what is hidden
    already. A person blocked in the community reports nothing there. (Once per person: the service says so.)"""
    if not signed_in(user) or item.is_hidden or is_blocked(user, item.community):
        return False
    author = item.author
    if author is not None and author.id == user.id:
        return False
    if item.kind == "user" and not is_member(item.obj, item.community):
        return False
    if item.kind == "minutes" and item.obj.minutes_posted_at is None:
        return False
    return item.kind != "argument" or item.obj.status == "visible"


@rule
def can_hide_item(user, item) -> bool:
    """The committee hides a demand, argument, amendment or minutes (or holds a person's posts) with a reason."""
    if not can_moderate(user, item.community) or not item.can_be_hidden:
        return False
    if item.kind == "user":  # nothing on the person shows it: their case does
        if not is_member(item.obj, item.community):
            return False
        case = case_of(item)
        return case is None or case.status not in ("hidden", "auto_hidden")
    return not item.is_hidden


@rule
def can_view_case(user, case) -> bool:
    """The committee reads a case whole; the author reads why their item is hidden (never who reported it)."""
    return can_moderate(user, case.community) or (signed_in(user) and case.author_id == user.id)


@rule
def can_contest_hiding(user, content) -> bool:
    """The author of a hidden argument or amendment is shown why, and where to appeal."""
    return signed_in(user) and content.author_id == user.id


@rule
def can_decide_case(user, case) -> bool:
    return can_moderate(user, case.community)


@rule
def can_appeal(user, case) -> bool:
    """The author of what the committee keeps hidden asks once for another look."""
    return (signed_in(user) and case.author_id == user.id and case.status == "hidden"
            and appeal_of(case) is None)


@rule
def can_decide_appeal(user, appeal) -> bool:
    """The committee member the appeal went to (another than the one who hid the item, when there is one); any
    committee member if that person left the committee; site admins."""
    community = appeal.case.community
    if appeal.decision is not None or not can_moderate(user, community):
        return False
    if is_admin(user) or appeal.assignee_id == user.id:
        return True
    assignee = db.session.get(User, appeal.assignee_id) if appeal.assignee_id else None
    return assignee is None or not is_committee(assignee, community)


@rule
def can_review_held(user, argument) -> bool:
    return argument.status == "held" and can_moderate(user, argument.proposal.community)


@rule
def can_block_member(user, community, membership=None) -> bool:
    """The committee blocks someone with a membership (or a request) in the community: never itself, nor another
    committee member. `membership` is theirs."""
    if not can_moderate(user, community):
        return False
    return membership is None or (membership.community_id == community.id and membership.user_id != user.id
                                  and membership.role != "committee")


@rule
def can_lift_block(user, block) -> bool:
    return block.active_at(utcnow()) and can_moderate(user, block.community)


@rule
def can_edit_moderation_rules(user, community) -> bool:
    return can_moderate(user, community)
