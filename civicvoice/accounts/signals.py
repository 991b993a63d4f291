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


def announce_email_verified(user) -> list:
    """The messages receivers returned, in order (None answers left out)."""
    return [message for _receiver, message in email_verified.send(user) if message]
