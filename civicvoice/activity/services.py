"""Record what happened, and tell the people it concerns."""
from collections.abc import Iterable

from sqlalchemy import func, select, update

from ..database import utcnow
from ..extensions import db
from .models import Event, Notification


def record(actor, verb: str, subject, community=None, **data) -> Event:
    """Append an Event; `subject` is any model with an id (its table names the type)."""
    event = Event(
        actor_id=actor.id if actor is not None else None,
        verb=verb,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        community_id=community.id if community is not None else None,
        data=data,
    )
    db.session.add(event)
    db.session.flush()
    return event


def notify(event: Event, recipients: Iterable) -> int:
    """Give each distinct recipient (but the actor) an unread notification of `event`."""
    ids = {user.id for user in recipients if user is not None and user.id != event.actor_id}
    db.session.add_all(Notification(recipient_id=uid, event_id=event.id) for uid in sorted(ids))
    db.session.flush()
    return len(ids)


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count()).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    )


def notifications_for(user):
    """Newest first; paginate with db.paginate."""
    return (
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .order_by(Notification.id.desc())
    )


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


def timeline(subject_type: str, subject_id: int):
    return (
        select(Event)
        .where(Event.subject_type == subject_type, Event.subject_id == subject_id)
        .order_by(Event.created_at, Event.id)
    )
