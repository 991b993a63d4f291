"""Who schedules, changes and minutes meetings, and who answers whether they come."""
from ..communities.rules import is_committee, is_participant
from ..permissions import is_admin, rule


@rule
def can_schedule_meeting(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_edit_meeting(user, meeting) -> bool:
    """Until it starts and while it is not cancelled."""
    return (meeting.status == "scheduled" and not meeting.has_started
            and can_schedule_meeting(user, meeting.community))


@rule
def can_cancel_meeting(user, meeting) -> bool:
    return can_edit_meeting(user, meeting)


@rule
def can_rsvp_meeting(user, meeting) -> bool:
    """Members answer until the meeting ends (late arrivals count too)."""
    return meeting.status == "scheduled" and not meeting.is_past and is_participant(user, meeting.community)


@rule
def can_post_minutes(user, meeting) -> bool:
    """Once the meeting has started; posting again corrects them."""
    return (meeting.status == "scheduled" and meeting.has_started
            and can_schedule_meeting(user, meeting.community))
