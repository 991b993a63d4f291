"""What happens to an account that packages built on accounts react to (blinker signals, as Flask's own).

Receivers are connected by the reacting package's views.init_app; they run inside the sender's transaction.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the user, before their personal data is erased. Receivers drop what the person held (memberships,
# places, roles); contributions stay.
account_deleted = _signals.signal("account-deleted")

# sender: the user whose email address was just verified. A receiver may return a message (translated) to show
# the person, e.g. that their pending signatures now count.
email_verified = _signals.signal("email-verified")


# sender: a list of account ids. A receiver returns those of them (a set) that hold something in its package others
# rely on: something they wrote or signed, a vote cast, a role. Retention deletes an unverified account only when
# no receiver names it.
contributors = _signals.signal("contributors")


def contributors_among(user_ids: list[int]) -> set[int]:
    found = set()
    for _receiver, ids in contributors.send(list(user_ids)):
        found |= set(ids or ())
    return found


# sender: a user. A receiver returns True when the person acts for others in its package (on a committee, for a
# council, as a partner coordinator): such accounts get short sign-in sessions, never remembered.
acts_for_others = _signals.signal("acts-for-others")


def acts_for_others_anywhere(user) -> bool:
    return any(answer for _receiver, answer in acts_for_others.send(user))


def announce_email_verified(user) -> list:
    """The messages receivers returned, in order (None answers left out)."""
    return [message for _receiver, message in email_verified.send(user) if message]
