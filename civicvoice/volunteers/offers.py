"""Offers of help on a demand: time, a skill or a resource the community will contribute."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import activity
from ..errors import InvalidInput, InvalidTransition
from ..extensions import db
from ..proposals import services as proposals
from ..proposals import states
from ..proposals.models import Proposal
from .models import (
    MAX_HOURS,
    OFFER_KINDS,
    VolunteerOffer,
)
from .profiles import _skills_by_id


def offer_help(user, proposal: Proposal, *, kind: str, detail: str, hours: int | None = None,
               skill_id: int | None = None) -> VolunteerOffer:
    """Time ("4 hours on Fridays"), a skill or a resource for a demand; its authors are told."""
    if proposal.status not in states.ACTIVE_PUBLIC:
        raise InvalidTransition(_("Help can be offered while the demand is active."))
    if kind not in OFFER_KINDS:
        raise InvalidInput(_("Choose time, a skill or a resource."))
    if not detail.strip():
        raise InvalidInput(_("Say what you offer."))
    if kind == "time" and not (hours and 1 <= hours <= MAX_HOURS):
        raise InvalidInput(_("Say how many hours you offer (1 to %(n)s).", n=MAX_HOURS))
    if skill_id is not None:
        _skills_by_id([skill_id])
    offer = VolunteerOffer(proposal_id=proposal.id, user_id=user.id, kind=kind, detail=detail.strip(),
                  hours=hours if kind == "time" else None, skill_id=skill_id if kind == "skill" else None)
    db.session.add(offer)
    db.session.flush()
    event = activity.record(user, "volunteer.help_offered", offer, proposal.community, proposal_id=proposal.id,
                            title=proposal.title, kind=kind, hours=offer.hours)
    activity.notify(event, proposals.authors(proposal))
    return offer


def withdraw_offer(user, offer: VolunteerOffer) -> None:
    if offer.status != "active" or offer.user_id != user.id:
        raise InvalidTransition(_("This offer is already withdrawn."))
    offer.status = "withdrawn"
    db.session.flush()
    activity.record(user, "volunteering.offer_withdrawn", offer, None, proposal_id=offer.proposal_id)


def offers_summary(proposal: Proposal) -> dict:
    """The active offers of a demand in one query: people, hours offered, skills, resources."""
    offer = VolunteerOffer
    row = db.session.execute(select(
        func.count(func.distinct(offer.user_id)), func.coalesce(func.sum(offer.hours), 0),
        func.count(offer.id).filter(offer.kind == "skill"), func.count(offer.id).filter(offer.kind == "resource"),
        func.count(offer.id)).where(offer.proposal_id == proposal.id, offer.status == "active")).one()
    return {"people": row[0], "hours": int(row[1]), "skills": row[2], "resources": row[3], "offers": row[4]}


def offers(proposal: Proposal):
    """The active offers of a demand, newest first; for db.paginate."""
    return (select(VolunteerOffer)
            .where(VolunteerOffer.proposal_id == proposal.id, VolunteerOffer.status == "active")
            .order_by(VolunteerOffer.id.desc()))


def own_offers(user, proposal: Proposal) -> list[VolunteerOffer]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(offers(proposal).where(VolunteerOffer.user_id == user.id)))
