"""Hours given: recorded by the coordinators, a volunteer's history and totals, a centre's year."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import activity
from ..communities.models import Centre
from ..database import utcnow
from ..errors import InvalidInput, InvalidTransition
from ..extensions import db
from .models import (
    MAX_HOURS,
    Opportunity,
    Signup,
)
from .signups import confirmed


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
    zone = ZoneInfo(centre.community.timezone)
    start, end = (datetime(y, 1, 1, tzinfo=zone).astimezone(timezone.utc) for y in (year, year + 1))
    moment = func.coalesce(Opportunity.starts_at, Signup.hours_recorded_at)
    return db.session.scalar(select(func.coalesce(func.sum(Signup.hours), 0)).join(Opportunity).where(
        Opportunity.centre_id == centre.id, Signup.hours.is_not(None), moment >= start, moment < end)) or 0
