"""What voting holds about a person (their download), and what keeps an unverified account.

That they voted, and how (online, by proxy, assisted), is theirs in every vote. What they chose is theirs only in a
vote that is not secret: a secret ballot carries no voter (models.py), so nothing links it to them, here neither.
"""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import Ballot, Participation, Poll, Proxy


def export(user) -> Part:
    voted = db.session.execute(select(Participation, Poll).join(Poll, Poll.id == Participation.poll_id)
                               .where(Participation.user_id == user.id).order_by(Participation.id))
    ballots = db.session.execute(select(Ballot, Poll).join(Poll, Poll.id == Ballot.poll_id)
                                 .where(Ballot.voter_id == user.id, Poll.secret.is_(False)).order_by(Poll.id))
    granted = db.session.scalars(select(Proxy).where(Proxy.grantor_id == user.id).order_by(Proxy.id))
    held = db.session.scalars(select(Proxy).where(Proxy.holder_id == user.id).order_by(Proxy.id))
    return Part({
        # Who cast a ballot for them (a proxy holder, a committee member at the centre) is another person: only
        # the channel says it.
        "participations": [row(p, "poll_id", "channel") | row(poll, "title", "secret", "closed_at")
                           for p, poll in voted],
        "ballots": [row(b, "poll_id", "receipt", "choice", "ranking") | {"title": poll.title} for b, poll in ballots],
        "proxies_given": [row(p, "poll_id", "used", "created_at") for p in granted],
        "proxies_held": [row(p, "poll_id", "used", "created_at") for p in held],
    })


def contributors(user_ids: list[int]) -> set[int]:
    """Who voted: the turnout counts them."""
    return set(db.session.scalars(select(Participation.user_id).where(Participation.user_id.in_(user_ids))))
