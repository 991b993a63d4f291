"""What accounts stop keeping (`flask retention run`): emailed links used or expired, accounts whose address was
never verified and that hold nothing others rely on, and each account's own log once it is old.

Each function takes `dry_run`: then it only counts what would go, with the same conditions, and writes nothing.
"""
from datetime import datetime

from sqlalchemy import delete, func, or_, select

from .. import activity
from ..activity.models import Event
from ..extensions import db
from . import services, signals
from .models import AccountToken, User

CHUNK = 500  # ids per IN (...) list
# The account's log: what it did to itself (signing out elsewhere, a new password, a download of its data…).
# A deletion is kept: the record that it was done.
LOG_KEPT = ("account.deleted",)


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition))


def spent_tokens(now: datetime, *, dry_run: bool = False) -> int:
    """Emailed links (verification, password reset, council invitation) used or past their expiry: they open
    nothing any more."""
    spent = or_(AccountToken.used_at.is_not(None), AccountToken.expires_at <= now)
    if dry_run:
        return _count(AccountToken, spent)
    return db.session.execute(delete(AccountToken).where(spent)
                              .execution_options(synchronize_session=False)).rowcount


def _unconfirmed(before: datetime) -> list[int]:
    """Accounts opened before `before` whose address was never verified (nor the person in person), that hold
    nothing any package names as relied on (signals.contributors)."""
    ids = list(db.session.scalars(
        select(User.id).where(User.deleted_at.is_(None), User.email_verified_at.is_(None),
                              User.verified_in_person_at.is_(None), User.is_admin.is_(False),
                              User.created_at <= before).order_by(User.id)))
    kept = set()
    for start in range(0, len(ids), CHUNK):
        kept |= signals.contributors_among(ids[start:start + CHUNK])
    return [user_id for user_id in ids if user_id not in kept]


def unconfirmed_accounts(before: datetime, *, dry_run: bool = False) -> int:
    """Delete, as their owner would (services.erase), the accounts never verified since before `before` that hold
    nothing others rely on; returns how many."""
    ids = _unconfirmed(before)
    if not dry_run:
        for user_id in ids:
            user = db.session.get(User, user_id)
            activity.record(None, "account.deleted", user, reason="unconfirmed")
            services.erase(user, "unconfirmed")
    return len(ids)


def account_log(before: datetime, *, dry_run: bool = False) -> int:
    """Each account's own log (events about the account itself) older than `before`, but for deletions."""
    old = ((Event.subject_type == User.__tablename__) & Event.verb.like("account.%")
           & Event.verb.not_in(LOG_KEPT) & (Event.created_at <= before))
    if dry_run:
        return _count(Event, old)
    return db.session.execute(delete(Event).where(old).execution_options(synchronize_session=False)).rowcount
