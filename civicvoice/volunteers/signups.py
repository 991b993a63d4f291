"""Signing up for an opportunity, within its capacity (a row lock, a conditional SQL increment and a CHECK), the
coordinators' confirmations and invitations, reminders the day before, and what leaving frees."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import activity
from ..accounts.models import User
from ..communities import services as communities
from ..communities.models import Community
from ..database import utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from .models import (
    HOLDING,
    Coordinator,
    Opportunity,
    Signup,
    VolunteerProfile,
)
from .opportunities import _coordinators_of, remove_coordinator
from .profiles import profile_of

REMINDER_HOURS = 24


class AlreadySignedUp(Conflict):
    pass


class Full(Conflict):
    pass


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


def on_member_left(community, user) -> None:
    forget_volunteering(user, community)


def on_account_deleted(user) -> None:
    forget_volunteering(user)


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


def send_reminders(now: datetime | None = None) -> int:
    """The day before: confirmed volunteers of opportunities starting in the next REMINDER_HOURS are told once
    (`reminded_at`, set by an UPDATE that only one run can win). Returns how many were reminded."""
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
