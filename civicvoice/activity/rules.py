"""Who reads notifications and chooses how they come."""
from ..permissions import rule, signed_in


@rule
def can_view_notifications(user) -> bool:
    return signed_in(user)


@rule
def can_choose_notifications(user) -> bool:
    return signed_in(user)
