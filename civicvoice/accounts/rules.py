"""Who may change an account, and who administers the site."""
from ..permissions import is_admin, remembered, rule, signed_in
from . import signals


@rule
def can_edit_profile(user, target) -> bool:
    return signed_in(user) and user.id == target.id


@rule
def can_delete_account(user, target) -> bool:
    return can_edit_profile(user, target)


def is_staff(user) -> bool:
    """Someone who acts for others: a site admin, or whoever a package says acts for others there (a committee
    member of any community, a council's staff, a partner coordinator). Their sign-in sessions are short and never
    remembered (accounts/sessions.py)."""
    if not signed_in(user):
        return False
    return is_admin(user) or remembered(("staff", user.id), lambda: signals.acts_for_others_anywhere(user))


@rule
def can_manage_sessions(user) -> bool:
    """See where one's account is signed in ("My sessions") and sign the other devices out."""
    return signed_in(user)


@rule
def can_download_own_data(user) -> bool:
    """Download everything the site holds about oneself ("Download my data"): one's own, never anyone else's."""
    return signed_in(user)


@rule
def can_end_session(user, user_session) -> bool:
    """Sign out one device: one's own sessions only (anyone else's is not even shown to exist)."""
    return signed_in(user) and user_session.user_id == user.id


@rule
def can_administer_site(user) -> bool:
    return is_admin(user)
