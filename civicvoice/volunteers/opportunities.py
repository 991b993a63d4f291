"""Volunteer opportunities and the partner coordinators who run them with the committee: posted, proposed and
approved, changed, closed or cancelled; the lists a community and a centre show."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import activity
from ..accounts.models import User
from ..communities import services as communities
from ..communities.models import Centre, Community
from ..database import lock_row, utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition
from ..extensions import db
from ..proposals import states
from ..proposals.models import CATEGORIES, Proposal
from . import matching, rules
from .candidates import opportunity_facts, volunteer_candidates
from .models import (
    ALL_DAYS,
    ALL_TIMES,
    HOLDING,
    MAX_CAPACITY,
    Coordinator,
    Opportunity,
    Signup,
    time_slot,
)
from .profiles import _skills_by_id


def coordinators(community: Community) -> list[Coordinator]:
    return list(db.session.scalars(select(Coordinator).where(Coordinator.community_id == community.id)
                                   .order_by(Coordinator.organisation, Coordinator.id)))


def add_coordinator(actor, community: Community, user, organisation: str) -> Coordinator:
    """The committee lets a partner organisation's person post and run opportunities; once per person."""
    if not organisation.strip():
        raise InvalidInput(_("Name the partner organisation."))
    coordinator = Coordinator(community_id=community.id, user_id=user.id, organisation=organisation.strip(),
                              added_by_id=actor.id if actor else None)
    try:
        with db.session.begin_nested():
            db.session.add(coordinator)
    except IntegrityError:
        raise Conflict(_("This person is already a coordinator here.")) from None
    activity.record(actor, "volunteering.coordinator_added", coordinator, community, user_id=user.id,
                    organisation=coordinator.organisation)
    return coordinator


def remove_coordinator(actor, coordinator: Coordinator) -> None:
    """The opportunities they ran go back to the committee alone."""
    community_id = coordinator.community_id
    db.session.execute(update(Opportunity).where(Opportunity.community_id == community_id,
                                                 Opportunity.coordinator_id == coordinator.user_id)
                       .values(coordinator_id=None))
    activity.record(actor, "volunteering.coordinator_removed", coordinator, db.session.get(Community, community_id),
                    user_id=coordinator.user_id)
    db.session.delete(coordinator)
    db.session.flush()


def _coordinators_of(opportunity: Opportunity) -> list:
    """Who runs it: the committee, and its partner coordinator."""
    people = [m.user for m in communities.committee(opportunity.community)]
    return people + ([opportunity.coordinator] if opportunity.coordinator is not None else [])


def _community_coordinators(community) -> list:
    return [m.user for m in communities.committee(community)] + [c.user for c in coordinators(community)]


def linkable_demands(community: Community, linked_to: int | None = None):
    """The demands an opportunity may be for: the community's active ones, and the one an opportunity is linked to
    already, whatever became of it. A select, by title."""
    return (select(Proposal).where(Proposal.community_id == community.id,
                                   or_(Proposal.status.in_(states.ACTIVE_PUBLIC), Proposal.id == linked_to))
            .order_by(Proposal.title))


def _local(moment: datetime, community) -> datetime:
    return moment.astimezone(ZoneInfo(community.timezone))


def _fields(actor, community, *, title: str, description: str = "", centre_id: int | None = None,
            proposal_id: int | None = None, starts_at: datetime | None = None, duration_minutes: int | None = None,
            days: int = 0, times: int = 0, category: str | None = None, capacity: int = 1, skill_ids=(),
            coordinator_id: int | None = None, check_date: bool = True, linked_to: int | None = None) -> dict:
    """The opportunity's values checked against the community; a dated one's day and time of day derived.

    `linked_to` is the demand an edited opportunity is already linked to: it may stay linked after the demand
    is no longer active. A partner coordinator runs their own opportunities, never another partner's."""
    if not title.strip():
        raise InvalidInput(_("Give the opportunity a title."))
    if centre_id is not None and centre_id not in {centre.id for centre in community.centres}:
        raise InvalidInput(_("Choose one of the community's centres."))
    proposal = None
    if proposal_id is not None:
        proposal = db.session.scalar(linkable_demands(community, linked_to).where(Proposal.id == proposal_id))
        if proposal is None:
            raise InvalidInput(_("Choose demands of this community that are still active."))
    if not 1 <= (capacity or 0) <= MAX_CAPACITY:
        raise InvalidInput(_("Ask for between 1 and %(n)s volunteers.", n=MAX_CAPACITY))
    if starts_at is not None:
        if check_date and starts_at <= utcnow():
            raise InvalidInput(_("Choose a date and time in the future."))
        local = _local(starts_at, community)
        days, times = 1 << local.weekday(), 1 << time_slot(local.hour)
    elif not (0 <= days <= ALL_DAYS and 0 <= times <= ALL_TIMES):
        raise InvalidInput(_("Choose days and times from the list."))
    category = category or (proposal.category if proposal is not None else None)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(_("Choose a category from the list."))
    if coordinator_id is not None and coordinator_id not in {c.user_id for c in coordinators(community)}:
        raise InvalidInput(_("Choose one of the community's partner coordinators."))
    if coordinator_id is not None and coordinator_id != actor.id and not rules.can_hand_over_opportunities(
            actor, community):
        raise InvalidInput(_("A partner coordinator runs their own opportunities: leave yourself as coordinator."))
    return {"title": title.strip(), "description": description.strip(), "centre_id": centre_id,
            "proposal_id": proposal_id, "starts_at": starts_at,
            "duration_minutes": duration_minutes if starts_at is not None else None, "days": days, "times": times,
            "category": category, "capacity": capacity, "coordinator_id": coordinator_id,
            "skills": _skills_by_id(skill_ids)}


def _announce(actor, opportunity: Opportunity) -> None:
    """`opportunity.posted`, to the volunteers it matches (whoever may see their profiles)."""
    event = activity.record(actor, "opportunity.posted", opportunity, opportunity.community,
                            title=opportunity.title, community_name=opportunity.community.name,
                            centre=opportunity.centre.name if opportunity.centre else "")
    facts = opportunity_facts(opportunity)
    matches = matching.rank_volunteers(facts, volunteer_candidates(opportunity))

    ids = [match.id for match in matches]
    activity.notify(event, db.session.scalars(select(User).where(User.id.in_(ids))) if ids else [])


def post(actor, community: Community, **fields) -> Opportunity:
    """An open opportunity; a partner coordinator who posts runs it. Matching volunteers are told."""
    values = _fields(actor, community, **fields)
    if values["coordinator_id"] is None and rules.is_partner(actor, community):
        values["coordinator_id"] = actor.id
    opportunity = Opportunity(community_id=community.id, created_by_id=actor.id, status="open", **values)
    db.session.add(opportunity)
    db.session.flush()
    _announce(actor, opportunity)
    return opportunity


def propose(actor, community: Community, **fields) -> Opportunity:
    """A volunteer's proposal: it waits for a coordinator's approval, and the coordinators are told."""
    values = _fields(actor, community, **{**fields, "coordinator_id": None})
    opportunity = Opportunity(community_id=community.id, created_by_id=actor.id, status="proposed", **values)
    db.session.add(opportunity)
    db.session.flush()
    event = activity.record(actor, "opportunity.proposed", opportunity, community, title=opportunity.title)
    activity.notify(event, _community_coordinators(community))
    return opportunity


def approve(actor, opportunity: Opportunity) -> None:
    """The proposal opens; its author is told, then the matching volunteers."""
    if opportunity.status != "proposed":
        raise InvalidTransition()
    if opportunity.starts_at is not None and opportunity.starts_at <= utcnow():
        raise InvalidTransition(_("Its date has passed: it can no longer be approved."))
    opportunity.status = "open"
    if rules.is_partner(actor, opportunity.community) and opportunity.coordinator_id is None:
        opportunity.coordinator_id = actor.id
    db.session.flush()
    event = activity.record(actor, "opportunity.approved", opportunity, opportunity.community,
                            title=opportunity.title)
    activity.notify(event, [opportunity.created_by])
    _announce(actor, opportunity)


def reject(actor, opportunity: Opportunity, reason: str) -> None:
    if opportunity.status != "proposed":
        raise InvalidTransition()
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    opportunity.status, opportunity.reason = "rejected", reason.strip()
    db.session.flush()
    event = activity.record(actor, "opportunity.rejected", opportunity, opportunity.community,
                            title=opportunity.title, reason=opportunity.reason)
    activity.notify(event, [opportunity.created_by])


def _holders(opportunity: Opportunity, statuses=HOLDING) -> list:
    return list(db.session.scalars(select(User).join(Signup, Signup.user_id == User.id).where(
        Signup.opportunity_id == opportunity.id, Signup.status.in_(statuses))))


def edit(actor, opportunity: Opportunity, **fields) -> None:
    """Change an opportunity that has not started; the volunteers signed up are told. The capacity never drops
    below the places already taken."""
    if opportunity.status not in ("open", "closed") or opportunity.has_started:
        raise InvalidTransition(_("This opportunity can no longer be changed."))
    values = _fields(actor, opportunity.community, linked_to=opportunity.proposal_id, **fields)
    lock_row(opportunity)
    db.session.refresh(opportunity, ["places_taken"])
    if values["capacity"] < opportunity.places_taken:
        raise InvalidInput(_("%(n)s volunteers already hold a place: ask for at least as many.",
                             n=opportunity.places_taken))
    moved = values["starts_at"] != opportunity.starts_at
    for name, value in values.items():
        setattr(opportunity, name, value)
    if moved:  # the reminder the day before goes out again, for the new date
        db.session.execute(update(Signup).where(Signup.opportunity_id == opportunity.id).values(reminded_at=None))
    db.session.flush()
    event = activity.record(actor, "opportunity.changed", opportunity, opportunity.community,
                            title=opportunity.title, change="edited")
    activity.notify(event, _holders(opportunity))


def close(actor, opportunity: Opportunity) -> None:
    """No more sign-ups; those signed up keep their place and are told."""
    if opportunity.status != "open":
        raise InvalidTransition()
    opportunity.status = "closed"
    db.session.flush()
    event = activity.record(actor, "opportunity.changed", opportunity, opportunity.community,
                            title=opportunity.title, change="closed")
    activity.notify(event, _holders(opportunity))


def cancel(actor, opportunity: Opportunity, reason: str) -> None:
    """Called off before it starts, with a reason; everyone signed up or invited is told."""
    if opportunity.status not in ("open", "closed") or opportunity.has_started:
        raise InvalidTransition(_("Only an opportunity that has not started can be cancelled."))
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    opportunity.status, opportunity.reason = "cancelled", reason.strip()
    db.session.flush()
    event = activity.record(actor, "opportunity.cancelled", opportunity, opportunity.community,
                            title=opportunity.title, reason=opportunity.reason)
    activity.notify(event, _holders(opportunity, (*HOLDING, "invited")))


def listing(community: Community, statuses=("open",)):
    """The community's opportunities, soonest first (ongoing ones after the dated); for db.paginate."""
    return (select(Opportunity).where(Opportunity.community_id == community.id, Opportunity.status.in_(statuses))
            .options(selectinload(Opportunity.skills))
            .order_by(Opportunity.starts_at.is_(None), Opportunity.starts_at, Opportunity.id))


def upcoming(centre: Centre | None = None, proposal: Proposal | None = None, limit: int = 10) -> list[Opportunity]:
    query = select(Opportunity).where(Opportunity.status == "open",
                                      or_(Opportunity.starts_at.is_(None), Opportunity.starts_at > utcnow()))
    if centre is not None:
        query = query.where(Opportunity.centre_id == centre.id)
    if proposal is not None:
        query = query.where(Opportunity.proposal_id == proposal.id)
    return list(db.session.scalars(query.order_by(Opportunity.starts_at.is_(None), Opportunity.starts_at,
                                                  Opportunity.id).limit(limit)))


def demands_at(centre: Centre):
    """Public demands raised at the centre, newest first; for db.paginate."""
    return (select(Proposal).where(Proposal.centre_id == centre.id, Proposal.status.in_(states.PUBLIC),
                                   Proposal.published_at.is_not(None))
            .order_by(Proposal.published_at.desc(), Proposal.id.desc()))
