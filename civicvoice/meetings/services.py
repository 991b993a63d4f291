"""Meetings: scheduling at a centre, answers (RSVP) within capacity, cancelling, minutes and outcomes per demand."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import activity
from ..accounts.models import User
from ..communities import services as communities
from ..database import lock_row, utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition
from ..extensions import db
from ..proposals import states
from ..proposals.models import Proposal
from .models import ANSWERS, OUTCOMES, AgendaItem, Meeting, Rsvp

MAX_AGENDA = 20


def agenda_choices(community) -> list[Proposal]:
    """Demands a meeting may discuss: the community's public, still active ones."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id, Proposal.status.in_(states.ACTIVE_PUBLIC))
        .order_by(Proposal.published_at.desc(), Proposal.id.desc())))


def _check(community, centre_id: int, starts_at: datetime, agenda_ids: list[int]) -> list[Proposal]:
    if centre_id not in {centre.id for centre in community.centres}:
        raise InvalidInput(_("Choose one of the community's centres."))
    if starts_at <= utcnow():
        raise InvalidInput(_("Choose a date and time in the future."))
    if len(agenda_ids) > MAX_AGENDA:
        raise InvalidInput(_("Put at most %(n)s demands on one agenda.", n=MAX_AGENDA))
    allowed = {proposal.id: proposal for proposal in agenda_choices(community)}
    if any(pid not in allowed for pid in agenda_ids):
        raise InvalidInput(_("Choose demands of this community that are still active."))
    return [allowed[pid] for pid in dict.fromkeys(agenda_ids)]


def _set_agenda(meeting: Meeting, proposals: list[Proposal]) -> list[Proposal]:
    """Replace the agenda, keeping recorded outcomes of demands that stay; returns the demands newly added."""
    current = {item.proposal_id: item for item in meeting.agenda}
    wanted = [proposal.id for proposal in proposals]
    for pid, item in current.items():
        if pid not in wanted:
            meeting.agenda.remove(item)
    added = []
    for position, proposal in enumerate(proposals):
        if proposal.id in current:
            current[proposal.id].position = position
        else:
            meeting.agenda.append(AgendaItem(proposal_id=proposal.id, position=position))
            added.append(proposal)
    return added


def _announce_on_agenda(actor, meeting: Meeting, proposals: list[Proposal]) -> None:
    for proposal in proposals:
        activity.record(actor, "proposal.on_agenda", proposal, proposal.community, title=proposal.title,
                        meeting_id=meeting.id, meeting_title=meeting.title,
                        starts_at=meeting.starts_at.isoformat(), tz=meeting.community.timezone,
                        centre=meeting.centre.name)


def schedule(actor, community, *, centre_id: int, title: str, starts_at: datetime, duration_minutes: int,
             capacity: int | None = None, description: str = "", agenda_ids: list[int] = ()) -> Meeting:
    """A meeting at one of the community's centres; every member is told."""
    proposals = _check(community, centre_id, starts_at, list(agenda_ids))
    meeting = Meeting(community_id=community.id, centre_id=centre_id, organiser_id=actor.id, title=title.strip(),
                      description=description.strip(), starts_at=starts_at, duration_minutes=duration_minutes,
                      capacity=capacity)
    db.session.add(meeting)
    db.session.flush()
    _set_agenda(meeting, proposals)
    db.session.flush()
    db.session.refresh(meeting)
    event = activity.record(actor, "meeting.scheduled", meeting, community, title=meeting.title,
                            starts_at=starts_at.isoformat(), tz=community.timezone, community_name=community.name,
                            centre=meeting.centre.name)
    activity.notify(event, [m.user for m in db.session.scalars(communities.members(community))])
    _announce_on_agenda(actor, meeting, proposals)
    return meeting


def _people_coming(meeting: Meeting) -> list:
    return list(db.session.scalars(select(User).join(Rsvp, Rsvp.user_id == User.id).where(
        Rsvp.meeting_id == meeting.id, Rsvp.answer.in_(("going", "maybe")))))


def update(actor, meeting: Meeting, *, centre_id: int, title: str, starts_at: datetime, duration_minutes: int,
           capacity: int | None = None, description: str = "", agenda_ids: list[int] = ()) -> None:
    """Change a meeting that has not happened; people who said they come are told when or where changed."""
    if meeting.status != "scheduled" or meeting.minutes_posted_at is not None:
        raise InvalidTransition(_("This meeting can no longer be changed."))
    proposals = _check(meeting.community, centre_id, starts_at, list(agenda_ids))
    moved = (meeting.starts_at, meeting.centre_id, meeting.duration_minutes) != (starts_at, centre_id,
                                                                                  duration_minutes)
    meeting.centre_id, meeting.title, meeting.description = centre_id, title.strip(), description.strip()
    meeting.starts_at, meeting.duration_minutes, meeting.capacity = starts_at, duration_minutes, capacity
    meeting.sequence += 1
    added = _set_agenda(meeting, proposals)
    db.session.flush()
    db.session.expire(meeting, ["centre"])
    event = activity.record(actor, "meeting.changed" if moved else "meeting.edited", meeting, meeting.community,
                            title=meeting.title, starts_at=starts_at.isoformat(), tz=meeting.community.timezone,
                            centre=meeting.centre.name)
    if moved:
        activity.notify(event, _people_coming(meeting))
    _announce_on_agenda(actor, meeting, added)


def cancel(actor, meeting: Meeting, reason: str) -> None:
    if meeting.status != "scheduled" or meeting.has_started:
        raise InvalidTransition(_("Only a meeting that has not started can be cancelled."))
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    meeting.status = "cancelled"
    meeting.cancel_reason = reason.strip()
    meeting.sequence += 1
    event = activity.record(actor, "meeting.cancelled", meeting, meeting.community, title=meeting.title,
                            starts_at=meeting.starts_at.isoformat(), tz=meeting.community.timezone,
                            reason=reason.strip())
    activity.notify(event, _people_coming(meeting))
    db.session.flush()


# Answers ---------------------------------------------------------------------------------------

def counts(meeting: Meeting) -> dict[str, int]:
    rows = db.session.execute(select(Rsvp.answer, func.count()).where(Rsvp.meeting_id == meeting.id)
                              .group_by(Rsvp.answer))
    return {answer: 0 for answer in ANSWERS} | dict(rows.all())


def places_left(meeting: Meeting, going: int) -> int | None:
    return None if meeting.capacity is None else max(meeting.capacity - going, 0)


def answer_of(user, meeting: Meeting) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Rsvp.answer).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id))


def rsvp(user, meeting: Meeting, answer: str) -> None:
    """Going / maybe / not going; answering again changes the answer. "Going" needs a place when capacity is set.

    The meeting row is locked first (PostgreSQL) and signing-style views BEGIN IMMEDIATE (SQLite), so two last
    places cannot both be taken.
    """
    if answer not in ANSWERS:
        raise InvalidInput(_("Choose going, maybe or not going."))
    if meeting.status != "scheduled" or meeting.is_past:
        raise InvalidTransition(_("This meeting is over or cancelled."))
    lock_row(meeting)
    row = db.session.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id))
    if row is not None and row.answer == answer:
        return
    if answer == "going" and meeting.capacity is not None:
        going = db.session.scalar(select(func.count()).where(
            Rsvp.meeting_id == meeting.id, Rsvp.answer == "going", Rsvp.user_id != user.id))
        if going >= meeting.capacity:
            raise Conflict(_("The meeting is full. You can answer \"maybe\" and come if a place frees up."))
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(Rsvp(meeting_id=meeting.id, user_id=user.id, answer=answer))
        except IntegrityError:
            raise Conflict(_("Your answer was recorded a moment ago. Reload the page to see it.")) from None
    else:
        row.answer = answer
    db.session.flush()


def forget_answers(user, community=None) -> int:
    """Drop the person's answers to meetings not yet held (of one community, or all): they hold no place any more.

    Called when someone leaves a community or deletes their account.
    """
    upcoming_ids = select(Meeting.id).where(Meeting.starts_at > utcnow())
    if community is not None:
        upcoming_ids = upcoming_ids.where(Meeting.community_id == community.id)
    return db.session.execute(delete(Rsvp).where(Rsvp.user_id == user.id, Rsvp.meeting_id.in_(upcoming_ids))).rowcount


def on_member_left(community, user) -> None:
    forget_answers(user, community)


def on_account_deleted(user) -> None:
    forget_answers(user)


# Minutes ---------------------------------------------------------------------------------------

def post_minutes(actor, meeting: Meeting, minutes: str, attendance: int | None,
                 outcomes: dict[int, tuple[str | None, str]]) -> None:
    """Record what the meeting said and decided; each new or changed outcome goes on its demand's timeline.

    `outcomes` maps agenda item ids to (outcome code or None, note). Posting again corrects the minutes.
    """
    if meeting.status != "scheduled" or not meeting.has_started:
        raise InvalidTransition(_("Minutes can be posted once the meeting has started."))
    if not minutes.strip():
        raise InvalidInput(_("Write the minutes."))
    if attendance is not None and not 0 <= attendance <= 100_000:
        raise InvalidInput(_("Enter the number of people who came."))
    items = {item.id: item for item in meeting.agenda}
    for item_id, (code, note) in outcomes.items():
        if item_id not in items or (code is not None and code not in OUTCOMES):
            raise InvalidInput(_("Choose an outcome from the list."))
        item = items[item_id]
        note = (note or "").strip()[:500]
        if (item.outcome, item.outcome_note) == (code, note):
            continue
        item.outcome, item.outcome_note = code, note
        if code is not None:
            activity.record(actor, "proposal.meeting_outcome", item.proposal, meeting.community,
                            title=item.proposal.title, meeting_id=meeting.id, meeting_title=meeting.title,
                            starts_at=meeting.starts_at.isoformat(), tz=meeting.community.timezone,
                            outcome=code, note=note)
    first_time = meeting.minutes_posted_at is None
    meeting.minutes = minutes.strip()
    meeting.attendance = attendance
    meeting.minutes_posted_at = utcnow()
    event = activity.record(actor, "meeting.minutes_posted" if first_time else "meeting.minutes_corrected",
                            meeting, meeting.community, title=meeting.title, attendance=attendance)
    if first_time:
        activity.notify(event, _people_coming(meeting))
    db.session.flush()


# Lists -----------------------------------------------------------------------------------------

def upcoming(community=None, centre=None, limit: int = 5) -> list[Meeting]:
    """Scheduled meetings that have not ended, soonest first.

    The end (start + duration) is checked in Python, so the meetings that already started are read apart and
    in full: a limit on one query could be filled by meetings that ended earlier in the day, hiding those to come.
    """
    now = utcnow()
    query = select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.starts_at, Meeting.id)
    if community is not None:
        query = query.where(Meeting.community_id == community.id)
    if centre is not None:
        query = query.where(Meeting.centre_id == centre.id)
    # Meetings last at most 12 hours: one that started earlier has ended.
    started = db.session.scalars(query.where(Meeting.starts_at <= now,
                                             Meeting.starts_at > now - timedelta(hours=12))).all()
    coming = db.session.scalars(query.where(Meeting.starts_at > now).limit(limit)).all()
    return ([meeting for meeting in started if not meeting.is_past] + list(coming))[:limit]


def past(community):
    """Meetings that started (or were cancelled), newest first; for db.paginate."""
    return (select(Meeting).where(Meeting.community_id == community.id,
                                  (Meeting.starts_at < utcnow()) | (Meeting.status == "cancelled"))
            .options(selectinload(Meeting.agenda)).order_by(Meeting.starts_at.desc()))


def for_proposal(proposal) -> list[Meeting]:
    """Meetings that have the demand on their agenda, soonest first."""
    return list(db.session.scalars(
        select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.proposal_id == proposal.id).order_by(Meeting.starts_at)))
