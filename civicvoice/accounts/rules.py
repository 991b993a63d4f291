"""Who may change an account, and who administers the site."""
from ..permissions import is_admin, rule, signed_in


@rule
def can_edit_profile(user, target) -> bool:
    return signed_in(user) and user.id == target.id


@rule
def can_delete_account(user, target) -> bool:
    return can_edit_profile(user, target)


@rule
def can_administer_site(user) -> bool:
    return is_admin(user)
