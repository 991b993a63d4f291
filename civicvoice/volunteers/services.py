"""Volunteering: profiles, offers of help on demands, opportunities and their sign-ups within capacity, matching
candidates, hours, feedback, reminders, and what a centre's page shows."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import activity, permissions
from ..communities import services as communities
from ..communities.models import Centre, Community, Membership
from ..database import lock_row, utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..proposals import states
from ..proposals.models import CATEGORIES, Proposal
from . import matching
from .models import (ALL_DAYS, ALL_TIMES, DEFAULT_SKILLS, HOLDING, MAX_CAPACITY, MAX_HOURS, OFFER_KINDS, VISIBILITY,
                     Coordinator, Feedback, Opportunity, Signup, Skill, VolunteerOffer, VolunteerProfile, category_bits,
                     opportunity_skills, profile_centres, profile_skills, time_slot)

MAX_TAGS = 10
REMINDER_HOURS = 24


class AlreadySignedUp(Conflict):
    pass


class Full(Conflict):
    pass


# Skills --------------------------------------------------------------------------------------------

def skills(active_only: bool = True) -> list[Skill]:
    query = select(Skill).order_by(Skill.key)
    return list(db.session.scalars(query.where(Skill.active.is_(True)) if active_only else query))


def add_default_skills() -> int:
    """Put back any skill of DEFAULT_SKILLS missing from the list (the demo on an emptied database); returns how
    many were added. Skills an administrator renamed or took off the list are left as they are."""
    known = set(db.session.scalars(select(Skill.key)))
    missing = [Skill(key=key, name_ar=ar, name_en=en, active=True) for key, ar, en in DEFAULT_SKILLS
               if key not in known]
    db.session.add_all(missing)
    db.session.flush()
    return len(missing)


def add_skill(actor, *, key: str, name_ar: str, name_en: str) -> Skill:
    """A new skill on the site's list; a key already used is refused."""
    key = key.strip().lower()
    if not key or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in key):
        raise InvalidInput(_("Use lower-case Latin letters, digits and _ for the key."))
    skill = Skill(key=key, name_ar=name_ar.strip(), name_en=name_en.strip(), active=True)
    try:
        with db.session.begin_nested():
            db.session.add(skill)
    except IntegrityError:
        raise InvalidInput(_("A skill with this key already exists.")) from None
    activity.record(actor, "volunteering.skill_added", skill, None, key=key)
    return skill


def update_skill(actor, skill: Skill, *, name_ar: str, name_en: str, active: bool) -> None:
    """Rename a skill or take it off the list (profiles and opportunities that have it keep it)."""
    skill.name_ar, skill.name_en, skill.active = name_ar.strip(), name_en.strip(), active
    db.session.flush()
    activity.record(actor, "volunteering.skill_changed", skill, None, key=skill.key, active=active)


def _skills_by_id(ids) -> list[Skill]:
    ids = set(ids or ())
    if not ids:
        return []
    found = list(db.session.scalars(select(Skill).where(Skill.id.in_(ids), Skill.active.is_(True))))
    if len(found) != len(ids):
        raise InvalidInput(_("Choose skills from the list."))
    return found


# Profiles ------------------------------------------------------------------------------------------

def profile_of(user) -> VolunteerProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))


def centre_choices(user) -> list[Centre]:
    """Centres of the communities the person is an active member of (their preferred centres come from these)."""
    return list(db.session.scalars(
        select(Centre).join(Membership, Membership.community_id == Centre.community_id)
        .where(Membership.user_id == user.id, Membership.status == "active").order_by(Centre.name, Centre.id)))


def parse_tags(text: str) -> list[str]:
    """Free tags typed as "tag, tag، tag": trimmed, without duplicates, at most MAX_TAGS of 40 characters."""
    parts = [part.strip() for part in (text or "").replace("،", ",").split(",")]
    tags = list(dict.fromkeys(part[:40] for part in parts if part))
    if len(tags) > MAX_TAGS:
        raise InvalidInput(_("Give at most %(n)s free tags.", n=MAX_TAGS))
    return tags


def mask(bits) -> int:
    return sum(1 << int(bit) for bit in set(bits or ()))


def save_profile(user, *, skill_ids=(), tags=(), interests=(), days: int = 0, times: int = 0, centre_ids=(),
                 about: str = "", visibility: str = "committee") -> VolunteerProfile:
    """Create or replace the person's volunteer profile; refuses skills, centres or choices not on the lists."""
    if visibility not in VISIBILITY:
        raise InvalidInput(_("Choose who may see your profile."))
    if not (0 <= days <= ALL_DAYS and 0 <= times <= ALL_TIMES):
        raise InvalidInput(_("Choose days and times from the list."))
    bits = category_bits()
    if any(key not in bits for key in interests):
        raise InvalidInput(_("Choose a category from the list."))
    allowed = {centre.id: centre for centre in centre_choices(user)}
    if any(cid not in allowed for cid in centre_ids):
        raise InvalidInput(_("Choose centres of your communities."))
    profile = profile_of(user)
    created = profile is None
    if created:
        profile = VolunteerProfile(user_id=user.id)
        db.session.add(profile)
    profile.skills = _skills_by_id(skill_ids)
    profile.centres = [allowed[cid] for cid in dict.fromkeys(centre_ids)]
    profile.tags = list(tags)
    profile.interests = sum(bits[key] for key in set(interests))
    profile.days, profile.times = days, times
    profile.about, profile.visibility = about.strip(), visibility
    db.session.flush()
    activity.record(user, "volunteering.profile_created" if created else "volunteering.profile_changed", profile)
    return profile


def forget_volunteering(user, community: Community | None = None) -> int:
    """Someone leaves a community (or deletes their account, `community` None): their places on opportunities
    still to come are freed, their preferred centres there dropped; on deletion their profile and their partner
    coordinator roles go too. Hours and feedback already given stay, as contributions do. Returns the sign-ups
    withdrawn."""
    query = select(Signup).join(Opportunity).where(
        Signup.user_id == user.id, Signup.status.in_(("invited", *HOLDING)),
        Opportunity.status.in_(("open", "closed", "proposed")),
        or_(Opportunity.starts_at.is_(None), Opportunity.starts_at > utcnow()))
    if community is not None:
        query = query.where(Opportunity.community_id == community.id)
    withdrawn = 0
    for signup in db.session.scalars(query).all():
        if signup.status in HOLDING:
            _free_place(signup.opportunity)
        signup.status = "withdrawn"
        withdrawn += 1
    profile = profile_of(user) if community is not None else db.session.scalar(
        select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    if profile is not None and community is None:
        db.session.delete(profile)
    elif profile is not None:
        profile.centres = [centre for centre in profile.centres if centre.community_id != community.id]
    if community is None:
        for coordinator in db.session.scalars(select(Coordinator).where(Coordinator.user_id == user.id)).all():
            remove_coordinator(None, coordinator)
    db.session.flush()
    return withdrawn


# Offers of help on a demand ------------------------------------------------------------------------

def offer_help(user, proposal: Proposal, *, kind: str, detail: str, hours: int | None = None,
               skill_id: int | None = None) -> VolunteerOffer:
    """Time ("4 hours on Fridays"), a skill or a resource for a demand; its authors are told."""
    from ..proposals import services as proposals

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


# Coordinators --------------------------------------------------------------------------------------

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


# Opportunities -------------------------------------------------------------------------------------

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
    if coordinator_id is not None and coordinator_id != actor.id and not permissions.can_hand_over_opportunities(
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
    from ..accounts.models import User

    ids = [match.id for match in matches]
    activity.notify(event, db.session.scalars(select(User).where(User.id.in_(ids))) if ids else [])


def post(actor, community: Community, **fields) -> Opportunity:
    """An open opportunity; a partner coordinator who posts runs it. Matching volunteers are told."""
    values = _fields(actor, community, **fields)
    if values["coordinator_id"] is None and permissions.is_partner(actor, community):
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
    if permissions.is_partner(actor, opportunity.community) and opportunity.coordinator_id is None:
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
    from ..accounts.models import User

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


# Sign-ups ------------------------------------------------------------------------------------------

def signup_of(user, opportunity: Opportunity) -> Signup | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Signup).where(Signup.opportunity_id == opportunity.id,
                                                  Signup.user_id == user.id))


def _lock(opportunity: Opportunity) -> tuple[str, int, int]:
    """Lock the opportunity's row (PostgreSQL; SQLite views BEGIN IMMEDIATE) and read its state afresh."""
    row = db.session.execute(select(Opportunity.status, Opportunity.places_taken, Opportunity.capacity)
                             .where(Opportunity.id == opportunity.id).with_for_update()).one()
    return row.status, row.places_taken, row.capacity


def _take_place(opportunity: Opportunity) -> None:
    """One more place taken, in SQL and only while one is left (the check constraint backs it)."""
    taken = db.session.execute(update(Opportunity).where(
        Opportunity.id == opportunity.id, Opportunity.places_taken < Opportunity.capacity)
        .values(places_taken=Opportunity.places_taken + 1)).rowcount
    if taken != 1:
        raise Full(_("All the places are taken. Thank you: look at the other opportunities."))


def _free_place(opportunity: Opportunity) -> None:
    db.session.execute(update(Opportunity).where(Opportunity.id == opportunity.id, Opportunity.places_taken > 0)
                       .values(places_taken=Opportunity.places_taken - 1))


def sign_up(user, opportunity: Opportunity, message: str = "") -> Signup:
    """Take a place: awaiting the coordinator's confirmation, or confirmed at once when the coordinator invited
    the person. Refused when full, started, or already signed up.

    The row is locked and the count of places taken changes in SQL only while a place is left, with a check
    constraint (places_taken <= capacity) and the unique (opportunity, volunteer) behind it: racing sign-ups
    never exceed the capacity and a person is never in twice.
    """
    status, taken, capacity = _lock(opportunity)
    if status != "open" or opportunity.has_started:
        raise InvalidTransition(_("This opportunity is not open for sign-ups."))
    signup = signup_of(user, opportunity)
    if signup is not None and signup.status in HOLDING:
        raise AlreadySignedUp(_("You already signed up for this opportunity."))
    if signup is not None and signup.status == "declined":
        raise NotAllowed(_("The coordinator declined your sign-up for this opportunity."))
    if taken >= capacity:
        raise Full(_("All the places are taken. Thank you: look at the other opportunities."))
    invited = signup is not None and signup.status == "invited"
    try:
        with db.session.begin_nested():
            _take_place(opportunity)
            if signup is None:
                signup = Signup(opportunity_id=opportunity.id, user_id=user.id, status="pending")
                db.session.add(signup)
            signup.status = "confirmed" if invited else "pending"
            signup.message = (message or "").strip()[:1000]
            signup.decided_at = utcnow() if invited else None
            db.session.flush()
    except IntegrityError:
        raise AlreadySignedUp(_("You already signed up for this opportunity.")) from None
    db.session.refresh(opportunity)
    event = activity.record(user, "opportunity.signed_up", opportunity, opportunity.community,
                            title=opportunity.title, invited=invited)
    activity.notify(event, _coordinators_of(opportunity))
    return signup


def withdraw(user, opportunity: Opportunity) -> None:
    """Take back a sign-up (the place is freed) or turn an invitation down, before it starts."""
    _lock(opportunity)
    signup = signup_of(user, opportunity)
    if signup is None or signup.status not in ("invited", *HOLDING) or opportunity.has_started:
        raise InvalidTransition(_("There is no sign-up to withdraw."))
    if signup.status in HOLDING:
        _free_place(opportunity)
    signup.status = "withdrawn"
    db.session.flush()
    db.session.refresh(opportunity)
    activity.record(user, "volunteering.signup_withdrawn", opportunity, opportunity.community, signup_id=signup.id)


def confirm(actor, signup: Signup) -> None:
    if signup.status != "pending":
        raise InvalidTransition()
    signup.status, signup.decided_by_id, signup.decided_at = "confirmed", actor.id, utcnow()
    db.session.flush()
    opportunity = signup.opportunity
    event = activity.record(actor, "opportunity.signup_confirmed", opportunity, opportunity.community,
                            title=opportunity.title)
    activity.notify(event, [signup.user])


def decline(actor, signup: Signup) -> None:
    """The volunteer is told; their place is freed for someone else."""
    if signup.status != "pending":
        raise InvalidTransition()
    opportunity = signup.opportunity
    _lock(opportunity)
    _free_place(opportunity)
    signup.status, signup.decided_by_id, signup.decided_at = "declined", actor.id, utcnow()
    db.session.flush()
    event = activity.record(actor, "opportunity.signup_declined", opportunity, opportunity.community,
                            title=opportunity.title)
    activity.notify(event, [signup.user])


def invite(actor, opportunity: Opportunity, user) -> Signup:
    """Ask a member to come (they answer by signing up); once per person."""
    if opportunity.status != "open" or opportunity.has_started:
        raise InvalidTransition(_("This opportunity is not open for sign-ups."))
    if not communities.is_active_member(opportunity.community, user):
        raise InvalidInput(_("Only members of the community can be invited."))
    signup = signup_of(user, opportunity)
    if signup is not None and signup.status != "withdrawn":
        raise Conflict(_("This person is already invited or signed up."))
    if signup is None:
        signup = Signup(opportunity_id=opportunity.id, user_id=user.id, status="invited")
        try:
            with db.session.begin_nested():
                db.session.add(signup)
        except IntegrityError:
            raise Conflict(_("This person is already invited or signed up.")) from None
    signup.status, signup.invited_by_id = "invited", actor.id
    db.session.flush()
    event = activity.record(actor, "opportunity.invited", opportunity, opportunity.community,
                            title=opportunity.title, community_name=opportunity.community.name)
    activity.notify(event, [user])
    return signup


def signups(opportunity: Opportunity):
    """Everyone on an opportunity, those holding a place first; for db.paginate."""
    order = db.case((Signup.status == "confirmed", 0), (Signup.status == "pending", 1), (Signup.status == "invited", 2),
                    else_=3)
    return select(Signup).where(Signup.opportunity_id == opportunity.id).order_by(order, Signup.id)


def confirmed(opportunity: Opportunity) -> list[Signup]:
    return list(db.session.scalars(select(Signup).where(Signup.opportunity_id == opportunity.id,
                                                        Signup.status == "confirmed").order_by(Signup.id)))


# Hours ---------------------------------------------------------------------------------------------

def record_hours(actor, opportunity: Opportunity, hours: dict[int, float | None]) -> int:
    """Hours per confirmed volunteer (sign-up id -> hours; None leaves a line as it is); each volunteer whose
    hours changed is told. Returns how many changed."""
    if opportunity.status not in ("open", "closed") or not (opportunity.ongoing or opportunity.has_started):
        raise InvalidTransition(_("Hours are recorded once the activity has started."))
    rows = {signup.id: signup for signup in confirmed(opportunity)}
    changed = 0
    for signup_id, value in hours.items():
        if signup_id not in rows:
            raise InvalidInput(_("Hours are recorded for confirmed volunteers only."))
        if value is None:
            continue
        if not 0 < value <= MAX_HOURS:
            raise InvalidInput(_("Enter hours between 0.5 and %(n)s.", n=MAX_HOURS))
        signup = rows[signup_id]
        if signup.hours == value:
            continue
        signup.hours, signup.hours_recorded_at, signup.hours_recorded_by_id = value, utcnow(), actor.id
        db.session.flush()
        event = activity.record(actor, "opportunity.hours_recorded", opportunity, opportunity.community,
                                title=opportunity.title, hours=value, signup_id=signup.id)
        activity.notify(event, [signup.user])
        changed += 1
    return changed


def history(user):
    """The person's sign-ups (not bare invitations), newest first; for db.paginate."""
    return (select(Signup).where(Signup.user_id == user.id, Signup.status != "invited")
            .options(selectinload(Signup.feedback)).order_by(Signup.id.desc()))


def invitations(user) -> list[Signup]:
    return list(db.session.scalars(select(Signup).join(Opportunity).where(
        Signup.user_id == user.id, Signup.status == "invited", Opportunity.status == "open").order_by(Signup.id)))


def total_hours(user) -> float:
    return db.session.scalar(select(func.coalesce(func.sum(Signup.hours), 0)).where(Signup.user_id == user.id)) or 0


def hours_at_centre(centre: Centre, year: int) -> float:
    """Hours given at the centre in a calendar year of its community's zone (by the activity's date, or by when
    they were recorded for an ongoing one)."""
    from datetime import timezone

    zone = ZoneInfo(centre.community.timezone)
    start, end = (datetime(y, 1, 1, tzinfo=zone).astimezone(timezone.utc) for y in (year, year + 1))
    moment = func.coalesce(Opportunity.starts_at, Signup.hours_recorded_at)
    return db.session.scalar(select(func.coalesce(func.sum(Signup.hours), 0)).join(Opportunity).where(
        Opportunity.centre_id == centre.id, Signup.hours.is_not(None), moment >= start, moment < end)) or 0


# Feedback ------------------------------------------------------------------------------------------

def give_feedback(user, signup: Signup, *, rating: int, went_well: str = "", to_improve: str = "",
                  ideas: str = "") -> Feedback:
    """Once per activity joined; the coordinators are told."""
    if signup.user_id != user.id or signup.status != "confirmed":
        raise NotAllowed()
    if not 1 <= rating <= 5:
        raise InvalidInput(_("Choose a rating from 1 to 5."))
    feedback = Feedback(signup_id=signup.id, opportunity_id=signup.opportunity_id, rating=rating,
                        went_well=went_well.strip(), to_improve=to_improve.strip(), ideas=ideas.strip())
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
    except IntegrityError:
        raise Conflict(_("You already gave your feedback on this activity.")) from None
    opportunity = signup.opportunity
    event = activity.record(user, "opportunity.feedback_given", opportunity, opportunity.community,
                            title=opportunity.title, rating=rating)
    activity.notify(event, _coordinators_of(opportunity))
    return feedback


def answer_feedback(actor, feedback: Feedback, answer: str) -> None:
    """The coordinator's answer, which the volunteer reads in their history (and is told of)."""
    if not answer.strip():
        raise InvalidInput(_("Write your answer."))
    feedback.answer, feedback.answered_by_id, feedback.answered_at = answer.strip(), actor.id, utcnow()
    db.session.flush()
    opportunity = feedback.signup.opportunity
    event = activity.record(actor, "opportunity.feedback_answered", opportunity, opportunity.community,
                            title=opportunity.title)
    activity.notify(event, [feedback.signup.user])


def feedback_of(opportunity: Opportunity):
    return select(Feedback).where(Feedback.opportunity_id == opportunity.id).order_by(Feedback.id.desc())


def _summary(query) -> dict:
    rows = dict(db.session.execute(query.group_by(Feedback.rating)).all())
    count = sum(rows.values())
    average = sum(rating * n for rating, n in rows.items()) / count if count else None
    return {"count": count, "average": average, "ratings": {n: rows.get(n, 0) for n in range(5, 0, -1)}}


def feedback_summary(opportunity: Opportunity) -> dict:
    return _summary(select(Feedback.rating, func.count()).where(Feedback.opportunity_id == opportunity.id))


def feedback_by_centre(community: Community) -> list[tuple]:
    """(centre or None, count, average rating) for every centre of the community that had feedback."""
    rows = db.session.execute(
        select(Opportunity.centre_id, func.count(Feedback.id), func.avg(Feedback.rating))
        .join(Feedback, Feedback.opportunity_id == Opportunity.id).where(Opportunity.community_id == community.id)
        .group_by(Opportunity.centre_id)).all()
    centres = {centre.id: centre for centre in community.centres}
    return sorted(((centres.get(cid), n, float(avg)) for cid, n, avg in rows),
                  key=lambda row: (row[0] is None, row[0].name if row[0] else ""))


# Reminders -----------------------------------------------------------------------------------------

def send_reminders(now: datetime | None = None) -> int:
    """The day before: confirmed volunteers of opportunities starting in the next REMINDER_HOURS are told once
    (`reminded_at`, set by an UPDATE that only one run can win). Returns how many were reminded."""
    from ..accounts.models import User

    now = now or utcnow()
    due = db.session.execute(select(Signup.id, Signup.opportunity_id, Signup.user_id).join(Opportunity).where(
        Signup.status == "confirmed", Signup.reminded_at.is_(None), Opportunity.status.in_(("open", "closed")),
        Opportunity.starts_at > now, Opportunity.starts_at <= now + timedelta(hours=REMINDER_HOURS))
        .order_by(Signup.opportunity_id, Signup.id)).all()
    by_opportunity: dict[int, list[int]] = {}
    for signup_id, opportunity_id, user_id in due:
        won = db.session.execute(update(Signup).where(Signup.id == signup_id, Signup.reminded_at.is_(None))
                                 .values(reminded_at=now)).rowcount
        if won:
            by_opportunity.setdefault(opportunity_id, []).append(user_id)
    for opportunity_id, user_ids in by_opportunity.items():
        opportunity = db.session.get(Opportunity, opportunity_id)
        event = activity.record(None, "opportunity.reminder", opportunity, opportunity.community,
                                title=opportunity.title, starts_at=opportunity.starts_at.isoformat(),
                                tz=opportunity.community.timezone,
                                centre=opportunity.centre.name if opportunity.centre else "")
        activity.notify(event, db.session.scalars(select(User).where(User.id.in_(user_ids))))
    db.session.flush()
    return sum(len(ids) for ids in by_opportunity.values())


# Matching: SQL chooses the candidates, matching.py scores them ---------------------------------------

def _skill_keys(link_table, column, owners) -> dict[int, set[str]]:
    """Skill keys per owner (a profile or an opportunity); `owners` is a subquery of their ids (one query)."""
    keys: dict[int, set[str]] = {}
    for owner, key in _rows(select(column, Skill.key).join(Skill, Skill.id == link_table.c.skill_id)
                            .where(column.in_(owners))):
        keys.setdefault(owner, set()).add(key)
    return keys


def _rows(query) -> list:
    """Plain rows through the session's connection: thousands of candidates need no ORM objects."""
    return db.session.connection().execute(query).all()


def _interest_keys(mask_value: int, cache: dict = {}) -> frozenset:  # noqa: B006 (a deliberate memo)
    if mask_value not in cache:
        cache[mask_value] = frozenset(key for key, bit in category_bits().items() if mask_value & bit)
    return cache[mask_value]


def volunteer_facts(profile: VolunteerProfile) -> matching.VolunteerFacts:
    return matching.VolunteerFacts(
        id=profile.user_id, skills=frozenset(skill.key for skill in profile.skills),
        interests=frozenset(profile.interest_keys), days=profile.days, times=profile.times,
        centres=frozenset(centre.id for centre in profile.centres), since=profile.created_at)


def opportunity_facts(opportunity: Opportunity) -> matching.OpportunityFacts:
    return matching.OpportunityFacts(
        id=opportunity.id, skills=frozenset(skill.key for skill in opportunity.skills),
        category=opportunity.category, days=opportunity.days, times=opportunity.times,
        centre_id=opportunity.centre_id, starts_at=opportunity.starts_at)


def opportunity_candidates(profile: VolunteerProfile) -> list[matching.OpportunityFacts]:
    """Open opportunities with a place left, not started, of the volunteer's communities, that they have no
    sign-up or invitation on and that share a skill, the category or a centre with the profile (a shared day or
    time of day adds to the score but is not enough alone, unless the profile gives nothing else): two queries,
    whatever the number of opportunities."""
    skill_ids = [skill.id for skill in profile.skills]
    centre_ids = [centre.id for centre in profile.centres]
    bits = category_bits()
    categories = [key for key, bit in bits.items() if profile.interests & bit]
    communities = select(Membership.community_id).where(Membership.user_id == profile.user_id,
                                                        Membership.status == "active")
    taken = select(Signup.opportunity_id).where(Signup.user_id == profile.user_id)
    common = []
    if skill_ids:
        common.append(Opportunity.id.in_(select(opportunity_skills.c.opportunity_id)
                                         .where(opportunity_skills.c.skill_id.in_(skill_ids))))
    if categories:
        common.append(Opportunity.category.in_(categories))
    if centre_ids:
        common.append(Opportunity.centre_id.in_(centre_ids))
    if not common:  # a profile with only days and times: those are what it shares
        common = [Opportunity.days.op("&")(profile.days) != 0, Opportunity.times.op("&")(profile.times) != 0]
    where = (Opportunity.status == "open", Opportunity.places_taken < Opportunity.capacity,
             or_(Opportunity.starts_at.is_(None), Opportunity.starts_at > utcnow()),
             Opportunity.community_id.in_(communities), Opportunity.id.not_in(taken), or_(*common))
    rows = _rows(select(Opportunity.id, Opportunity.category, Opportunity.days, Opportunity.times,
                        Opportunity.centre_id, Opportunity.starts_at).where(*where))
    keys = _skill_keys(opportunity_skills, opportunity_skills.c.opportunity_id, select(Opportunity.id).where(*where))
    return [matching.OpportunityFacts(id=row.id, skills=frozenset(keys.get(row.id, ())), category=row.category,
                                      days=row.days, times=row.times, centre_id=row.centre_id,
                                      starts_at=_utc(row.starts_at)) for row in rows]


def volunteer_candidates(opportunity: Opportunity, committee_only_too: bool = True) -> list[matching.VolunteerFacts]:
    """Profiles of the community's active members with no sign-up or invitation on the opportunity, sharing a
    skill, the category or the centre with it (days and times alone when it names none of those); profiles visible
    to the committee only are left out unless `committee_only_too`. Three queries, whatever the numbers."""
    skill_ids = [skill.id for skill in opportunity.skills]
    bit = category_bits().get(opportunity.category or "", 0)
    members = select(Membership.user_id).where(Membership.community_id == opportunity.community_id,
                                               Membership.status == "active")
    taken = select(Signup.user_id).where(Signup.opportunity_id == opportunity.id)
    common = []
    if skill_ids:
        common.append(VolunteerProfile.id.in_(select(profile_skills.c.profile_id)
                                              .where(profile_skills.c.skill_id.in_(skill_ids))))
    if bit:
        common.append(VolunteerProfile.interests.op("&")(bit) != 0)
    if opportunity.centre_id is not None:
        common.append(VolunteerProfile.id.in_(select(profile_centres.c.profile_id)
                                              .where(profile_centres.c.centre_id == opportunity.centre_id)))
    if not common:  # an opportunity with no skill, category or centre: its days and times are what it shares
        common = [VolunteerProfile.days.op("&")(opportunity.days) != 0,
                  VolunteerProfile.times.op("&")(opportunity.times) != 0]
    where = [VolunteerProfile.user_id.in_(members), VolunteerProfile.user_id.not_in(taken), or_(*common)]
    if not committee_only_too:
        where.append(VolunteerProfile.visibility == "members")
    rows = _rows(select(VolunteerProfile.id, VolunteerProfile.user_id, VolunteerProfile.interests,
                        VolunteerProfile.days, VolunteerProfile.times, VolunteerProfile.created_at).where(*where))
    ids = select(VolunteerProfile.id).where(*where)
    keys = _skill_keys(profile_skills, profile_skills.c.profile_id, ids)
    centres: dict[int, set[int]] = {}
    if opportunity.centre_id is not None and rows:
        # Only the opportunity's centre counts: one column of the link table, read for the candidates at once.
        for (profile_id,) in _rows(select(profile_centres.c.profile_id).where(
                profile_centres.c.profile_id.in_(ids), profile_centres.c.centre_id == opportunity.centre_id)):
            centres[profile_id] = {opportunity.centre_id}
    return [matching.VolunteerFacts(
        id=row.user_id, skills=frozenset(keys.get(row.id, ())), interests=_interest_keys(row.interests),
        days=row.days, times=row.times, centres=frozenset(centres.get(row.id, ())),
        since=_utc(row.created_at)) for row in rows]


def _utc(moment):
    """A time read through a plain connection: SQLite gives it naive (it is UTC), PostgreSQL aware."""
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def suggestions(user) -> list[matching.Match]:
    """Open opportunities for the person, best first, with the reasons; none without a profile."""
    profile = profile_of(user)
    if profile is None:
        return []
    return matching.rank_opportunities(volunteer_facts(profile), opportunity_candidates(profile))


def suggested_volunteers(viewer, opportunity: Opportunity) -> list[matching.Match]:
    """Volunteers for an opportunity, best first; a partner coordinator sees only the profiles open to them."""
    everyone = permissions.is_admin(viewer) or permissions.is_committee(viewer, opportunity.community)
    return matching.rank_volunteers(opportunity_facts(opportunity),
                                    volunteer_candidates(opportunity, committee_only_too=everyone))


# Lists ---------------------------------------------------------------------------------------------

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
