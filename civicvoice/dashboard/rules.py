"""Who reads a community's dashboard."""
from ..moderation.rules import can_moderate
from ..permissions import rule


@rule
def can_view_dashboard(user, community) -> bool:
    return can_moderate(user, community)
