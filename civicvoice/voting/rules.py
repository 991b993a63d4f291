"""Who opens, votes in, hands a proxy for, records and closes a vote; who sees who voted what."""
from sqlalchemy import select

from ..communities.rules import is_blocked, is_committee, is_member
from ..extensions import db
from ..permissions import is_admin, rule, signed_in
from ..proposals.rules import can_transition_proposal
from .models import Elector, Participation, Poll, Proxy


def is_elector(user, poll: Poll) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Elector.id).where(Elector.poll_id == poll.id, Elector.user_id == user.id)) \
        is not None


def participation_of(user, poll: Poll) -> Participation | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Participation).where(Participation.poll_id == poll.id,
                                                         Participation.user_id == user.id))


def proxy_given(user, poll: Poll) -> Proxy | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Proxy).where(Proxy.poll_id == poll.id, Proxy.grantor_id == user.id))


def proxies_held(user, poll: Poll) -> list[Proxy]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(Proxy).where(Proxy.poll_id == poll.id, Proxy.holder_id == user.id)
                                   .order_by(Proxy.id)))


@rule
def can_open_vote(user, proposal) -> bool:
    """The committee opens the adoption vote of an open demand (the service also wants its goal reached)."""
    return can_transition_proposal(user, proposal, "open_vote")


@rule
def can_create_priority_ballot(user, community) -> bool:
    return is_admin(user) or is_committee(user, community)


@rule
def can_vote(user, poll) -> bool:
    """Electors (members when it opened) vote in an open vote; a non-secret ballot may be changed until it closes.
    A member who gave their proxy takes it back before voting themselves."""
    if poll.status != "open" or not signed_in(user) or not is_elector(user, poll):
        return False
    if is_blocked(user, poll.community):
        return False
    if proxy_given(user, poll) is not None:
        return False
    participation = participation_of(user, poll)
    return participation is None or (not poll.secret and participation.channel == "online")


@rule
def can_vote_by_proxy(user, poll, grantor=None) -> bool:
    """A holder casts the vote of a member who gave them their proxy (of `grantor`, when named). A block stops a
    person voting in the community in person or through someone else: neither a blocked holder nor the proxy of
    a grantor blocked since it was given casts anything."""
    if poll.status != "open" or is_blocked(user, poll.community):
        return False
    return any(not proxy.used and (grantor is None or proxy.grantor_id == grantor.id)
               and not is_blocked(proxy.grantor, poll.community) for proxy in proxies_held(user, poll))


@rule
def can_give_proxy(user, poll) -> bool:
    """An elector who has not voted and has not given a proxy yet."""
    return (poll.status == "open" and signed_in(user) and is_elector(user, poll)
            and not is_blocked(user, poll.community)
            and participation_of(user, poll) is None and proxy_given(user, poll) is None)


@rule
def can_revoke_proxy(user, poll) -> bool:
    proxy = proxy_given(user, poll) if poll.status == "open" else None
    return proxy is not None and not proxy.used


@rule
def can_record_assisted_ballot(user, poll) -> bool:
    return poll.status == "open" and (is_admin(user) or is_committee(user, poll.community))


@rule
def can_close_poll(user, poll) -> bool:
    return poll.status == "open" and (is_admin(user) or is_committee(user, poll.community))


@rule
def can_view_poll_votes(user, poll) -> bool:
    """Who voted what, when the vote is not secret: the community's members, its committee, site admins."""
    return not poll.secret and (is_admin(user) or is_member(user, poll.community))
