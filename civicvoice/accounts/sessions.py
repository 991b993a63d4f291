"""Sign-in sessions kept on the server: one record per signed-in browser, which the cookie names by a secret.

How long a session lives is decided when it starts (and tightened if the account later takes on a staff role):
staff get SESSION_IDLE_MINUTES_STAFF of idleness and never the long "remember me" session; residents get
SESSION_IDLE_MINUTES, or SESSION_REMEMBER_DAYS when they ticked "remember me"; no session that is not remembered
lives more than SESSION_MAX_HOURS. `flask sessions purge` deletes the records of sessions that are over.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from .. import activity, securitylog
from ..database import utcnow
from ..extensions import db
from .models import User, UserSession
from .rules import is_staff

# last_seen_at is written at most this often (no write per page view); idle time is measured to within it.
TOUCH_EVERY = timedelta(minutes=1)

# (marker in the User-Agent, name shown), first match wins: Edge and Opera also say "Chrome", Chrome also says
# "Safari", Android also says "Linux", iPhones also say "Mac OS X".
BROWSERS = (("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("Edge/", "Edge"), ("OPR/", "Opera"),
            ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
            ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
PLATFORMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("CrOS", "ChromeOS"),
             ("Windows", "Windows"), ("Macintosh", "macOS"), ("Linux", "Linux"))


def _digest(secret: str) -> str:
    # The secret has 256 random bits: a plain hash cannot be reversed, and needs no salt nor slow hashing.
    return hashlib.sha256(secret.encode()).hexdigest()


def describe_device(user_agent: str) -> tuple[str, str]:
    """(browser, system) named from a User-Agent, or "" for what it does not tell plainly."""
    agent = user_agent or ""
    return tuple(next((name for marker, name in table if marker in agent), "") for table in (BROWSERS, PLATFORMS))


def policy(user: User, remember: bool) -> tuple[int, timedelta, bool]:
    """(idle minutes, lifetime, remembered) of a session of `user` who did or did not tick "remember me"."""
    config = current_app.config
    if is_staff(user):
        return config["SESSION_IDLE_MINUTES_STAFF"], timedelta(hours=config["SESSION_MAX_HOURS"]), False
    if remember:
        days = config["SESSION_REMEMBER_DAYS"]
        return days * 24 * 60, timedelta(days=days), True
    return config["SESSION_IDLE_MINUTES"], timedelta(hours=config["SESSION_MAX_HOURS"]), False


def start(user: User, *, remember: bool = False, user_agent: str = "") -> tuple[UserSession, str]:
    """Open a session of `user` on one browser. Returns it and its secret, for the cookie only: the secret is not
    stored and cannot be read back."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    idle_minutes, lifetime, remembered = policy(user, remember)
    browser, platform = describe_device(user_agent)
    record = UserSession(user_id=user.id, user=user, secret_hash=_digest(secret), created_at=now, last_seen_at=now,
                         idle_minutes=idle_minutes, expires_at=now + lifetime, remembered=remembered,
                         browser=browser, platform=platform)
    db.session.add(record)
    db.session.flush()
    securitylog.session_started(user.id, record.id, remembered)
    return record, secret


def find(secret) -> UserSession | None:
    """The live session of a live account whose secret this is; None for anything else (unknown, revoked, idle
    too long, too old)."""
    if not isinstance(secret, str) or not secret:
        return None
    record = db.session.scalar(select(UserSession).where(UserSession.secret_hash == _digest(secret)))
    if record is None or not record.is_live(utcnow()) or not record.user.is_active:
        return None
    return record


def due_touch(record: UserSession, now: datetime) -> dict | None:
    """What to write on the session now it is used again, if anything: the time, once a minute at most, and a
    stricter policy when the account has taken on a staff role since it signed in."""
    if now - record.last_seen_at < TOUCH_EVERY:
        return None
    values = {"last_seen_at": now}
    idle_minutes, lifetime, remembered = policy(record.user, record.remembered)
    if idle_minutes < record.idle_minutes:
        values["idle_minutes"] = idle_minutes
    if record.created_at + lifetime < record.expires_at:
        values["expires_at"] = record.created_at + lifetime
    if record.remembered and not remembered:
        values["remembered"] = False
    return values


def touch(session_id: int, values: dict) -> None:
    """Write what due_touch() found (by id: the caller may have ended the transaction that read the record)."""
    db.session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                       .values(**values).execution_options(synchronize_session=False))


def live(user: User) -> list[UserSession]:
    """The sessions of `user` still live, the last used first."""
    now = utcnow()
    records = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                           UserSession.revoked_at.is_(None))
                                 .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [record for record in records if record.is_live(now)]


def end(record: UserSession, reason: str) -> bool:
    """Revoke one session (the browser holding it is signed out); False when it was over already."""
    now = utcnow()
    if not record.is_live(now):
        return False
    record.revoked_at, record.revoked_reason = now, reason
    db.session.flush()
    securitylog.session_ended(record.user_id, record.id, reason)
    return True


def end_all(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """Revoke every session of `user` but `keep` (every device but this one); returns how many were open."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    count = db.session.execute(query.values(revoked_at=utcnow(), revoked_reason=reason)
                               .execution_options(synchronize_session="fetch")).rowcount
    if count:
        securitylog.session_ended(user.id, None, reason, count=count)
    return count


def forget_all(user: User) -> None:
    """Delete every session of `user`, device names included (the account is being erased)."""
    still_live = len(live(user))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)
                       .execution_options(synchronize_session="fetch"))
    if still_live:
        securitylog.session_ended(user.id, None, "account_deleted", count=still_live)


def sign_out_device(actor: User, record: UserSession) -> bool:
    """From "My sessions": sign out one of `actor`'s devices. False, and nothing recorded, when it was signed out
    already."""
    if not end(record, "ended_elsewhere"):
        return False
    activity.record(actor, "account.session_ended", actor, session=record.id)
    return True


def sign_out_other_devices(actor: User, current: UserSession) -> int:
    """From "My sessions": sign out every device of `actor` but the one asking. Returns how many were signed in."""
    others = [record for record in live(actor) if record.id != current.id]
    for record in others:
        end(record, "ended_elsewhere")
    if others:
        activity.record(actor, "account.other_sessions_ended", actor, sessions=[record.id for record in others])
    return len(others)


def _over(now: datetime):
    over = [UserSession.revoked_at.is_not(None), UserSession.expires_at <= now]
    # Idle limits are few (one per kind of session): one condition each keeps the SQL portable.
    for minutes in db.session.scalars(select(UserSession.idle_minutes).distinct()).all():
        over.append(and_(UserSession.idle_minutes == minutes,
                         UserSession.last_seen_at <= now - timedelta(minutes=minutes)))
    return or_(*over)


def purge(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Delete the records of the sessions that are over (revoked, idle too long, too old); returns how many
    (`dry_run`: only counts them)."""
    over = _over(now or utcnow())
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(UserSession).where(over))
    return db.session.execute(delete(UserSession).where(over)
                              .execution_options(synchronize_session=False)).rowcount
