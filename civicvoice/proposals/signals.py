"""What happens to a demand that packages built on proposals react to, or answer (blinker signals, as Flask's own).

Receivers are connected by the reacting package's views.init_app; they run inside the sender's transaction.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the demand. Receivers return the accounts that follow it besides its authors (its co-signers), who are
# told when it changes.
followers = _signals.signal("proposal-followers")

# sender: the duplicate; kept: the demand it was merged into. Receivers carry over what belonged to the duplicate.
merged = _signals.signal("proposal-merged")

# sender: the demand whose page is about to be shown. A receiver brings up to date what fell due without a request
# (the residents' check on a fix, once its days are over) and returns True when it wrote something.
viewed = _signals.signal("proposal-viewed")

# sender: the demand that just moved; before and after: its statuses (proposals/states.py).
moved = _signals.signal("proposal-moved")

# sender: the demand whose signature goal the committee changed.
goal_changed = _signals.signal("proposal-goal-changed")


def followers_of(proposal) -> list:
    """Every account a receiver names, once each, in the order they were named."""
    seen, people = set(), []
    for _receiver, accounts in followers.send(proposal):
        for person in accounts or ():
            if person.id not in seen:
                seen.add(person.id)
                people.append(person)
    return people
