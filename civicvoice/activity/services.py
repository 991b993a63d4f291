"""Record what happened, and tell the people it concerns (in the app, and by email as each of them chose)."""
import logging
from collections.abc import Iterable

from sqlalchemy import func, insert, select, update

from .. import jobs
from ..database import after_commit, utcnow
from ..errors import InvalidInput
from ..extensions import db
from .emails import send_now
from .kinds import KINDS, kind_of
from .models import Event, Notification, NotificationPreference
from .recipients import can_be_mailed

CHUNK = 500  # ids per IN (...) list: far below SQLite's limit on bound parameters


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


def notify(event: Event, recipients: Iterable, kind: str | None = None) -> int:
    """Give each distinct recipient (but the actor) one notification of `event`, of `kind` (by default the kind
    of its verb), to be mailed as their preference for that kind says. Returns how many were added.

    The rows are written in the caller's transaction; the mail leaves only once it commits (see emails.py).
    Someone already notified of this event is not notified twice.
    """
    kind = kind or kind_of(event.verb)
    people = {user.id: user for user in recipients if user is not None and user.id != event.actor_id}
    if people:
        already = set()
        for chunk in _chunks(sorted(people)):
            already |= set(db.session.scalars(select(Notification.recipient_id).where(
                Notification.event_id == event.id, Notification.recipient_id.in_(chunk))))
        people = {uid: user for uid, user in people.items() if uid not in already}
    if not people:
        return 0
    chosen = channels(kind, list(people))
    now = utcnow()
    rows = [{"recipient_id": uid, "event_id": event.id, "kind": kind, "created_at": now,
             "email": chosen[uid] if chosen[uid] != "app" and can_be_mailed(people[uid]) else "none"}
            for uid in sorted(people)]
    db.session.execute(insert(Notification), rows)
    if any(row["email"] == "now" for row in rows):
        event_id = event.id
        after_commit(lambda: _start(send_now, event_id))
    return len(rows)


def _start(job, *args) -> None:
    """Start a mail job after the commit; if it cannot even start, the sweep (`flask mail deliver`) will."""
    try:
        jobs.run_later(job, *args)
    except Exception:  # noqa: BLE001 - the notifications wait, unmailed, for the sweep
        logging.getLogger(__name__).exception("Could not start %s%s", job.__name__, args)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# Preferences -----------------------------------------------------------------------------------

def channels(kind: str, user_ids: list[int]) -> dict[int, str]:
    """Each person's channel for `kind`: their choice, or the kind's default."""
    chosen = {}
    for chunk in _chunks(user_ids):
        chosen.update(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.channel)
                                         .where(NotificationPreference.kind == kind,
                                                NotificationPreference.user_id.in_(chunk))).all())
    default = KINDS[kind].default
    return {uid: chosen.get(uid, default) for uid in user_ids}


def preferences(user) -> dict[str, str]:
    """kind -> channel for every kind, defaults filled in."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, spec.default) for kind, spec in KINDS.items()}


def set_preference(user, kind: str, channel: str) -> bool:
    """Choose how `user` hears about `kind`; True when it changed. Switching a kind to "in the app only" also
    cancels the mail of its notifications not sent yet (a digest waiting for the morning)."""
    if kind not in KINDS or channel not in ("app", "now", "digest"):
        raise InvalidInput()
    current = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                                     NotificationPreference.kind == kind))
    if current is None:
        if channel == KINDS[kind].default:
            return False
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
    elif current.channel == channel:
        return False
    else:
        current.channel = channel
    if channel == "app":
        db.session.execute(update(Notification).where(
            Notification.recipient_id == user.id, Notification.kind == kind, Notification.mailed_at.is_(None),
            Notification.email != "none").values(email="none"))
    db.session.flush()
    return True


def set_preferences(user, choices: dict[str, str]) -> int:
    return sum(set_preference(user, kind, channel) for kind, channel in choices.items())


def unsubscribe(user, kind: str) -> list[str]:
    """Stop the email of `kind` (in-app notifications stay); "digest" stops every kind mailed in the digest.
    Returns the kinds changed."""
    kinds = [k for k, channel in preferences(user).items() if channel == "digest"] if kind == "digest" else [kind]
    return [k for k in kinds if set_preference(user, k, "app")]


# Reading ---------------------------------------------------------------------------------------

def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count()).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    )


def notifications_for(user, unread_only: bool = False):
    """Newest first; paginate with db.paginate."""
    query = select(Notification).where(Notification.recipient_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def mark_read(user, notification: Notification) -> bool:
    """Mark one of `user`'s own notifications read; False when it already was."""
    return bool(db.session.execute(
        update(Notification).where(Notification.id == notification.id, Notification.recipient_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow())).rowcount)


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
