"""What happens in a community that packages built on it react to (blinker signals, as Flask's own).

Receivers are connected by the reacting package's views.init_app; they run inside the sender's transaction.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the community; user: who leaves it (or withdraws their request). Receivers free what the person held
# there (places at meetings and volunteer opportunities still to come).
member_left = _signals.signal("member-left")
