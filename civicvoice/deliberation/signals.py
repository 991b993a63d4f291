"""What happens in a debate that packages built on deliberation answer (blinker signals, as Flask's own).

Receivers are connected by the answering package's views.init_app; they run inside the sender's transaction.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the argument just written or edited (not yet published); author, community and text given. A receiver
# returns why it must wait for the committee (the community's pre-moderation rules), or None.
argument_written = _signals.signal("argument-written")


def hold_reason(argument, author, community, text: str) -> str | None:
    """The first reason a receiver gives to hold the argument, or None."""
    return next((reason for _receiver, reason in argument_written.send(
        argument, author=author, community=community, text=text) if reason), None)
