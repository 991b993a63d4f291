"""Retention: what the site stops keeping, and when (`flask retention run [--dry-run]`, once a day from cron).

Each kind is purged by the package that owns its data, in a transaction of its own: a failure leaves the kinds
before it done. The order matters: no kind changes what a later one counts (unverified accounts come last, once
the signatures that never counted are gone), so a dry run's counts are what the run itself removes. A second run
finds nothing more to do.
"""
import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from . import mail
from .accounts import retention as accounts
from .accounts import sessions
from .database import utcnow
from .extensions import db
from .signatures import retention as signatures

log = logging.getLogger(__name__)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


def _days(setting: str) -> Callable[[datetime, dict], datetime]:
    return lambda now, config: now - timedelta(days=config[setting])


@dataclass(frozen=True)
class Kind:
    name: str
    cutoff: Callable[[datetime, dict], datetime]  # what is older than this goes
    purge: Callable[..., int]  # purge(cutoff, dry_run=…) -> how many items went (or would go)


KINDS = (
    Kind("ended_sessions", lambda now, config: now, sessions.purge),
    Kind("spent_links", lambda now, config: now, accounts.spent_tokens),
    Kind("outbox_messages", _days("RETENTION_OUTBOX_DAYS"), mail.purge),
    Kind("outbox_files", _days("RETENTION_OUTBOX_DAYS"), mail.purge_files),
    Kind("account_log", _days("RETENTION_LOG_DAYS"), accounts.account_log),
    Kind("signers_of_closed_demands",
         lambda now, config: months_before(now, config["RETENTION_SIGNER_MONTHS"]), signatures.reduce_closed),
    Kind("unconfirmed_accounts", _days("RETENTION_UNCONFIRMED_DAYS"), accounts.unconfirmed_accounts),
)


def run(*, dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Purge every kind (or, `dry_run`, count what would go and change nothing); returns the count of each."""
    now = now or utcnow()
    counts = {}
    for kind in KINDS:
        try:
            counts[kind.name] = kind.purge(kind.cutoff(now, current_app.config), dry_run=dry_run)
        except Exception:
            db.session.rollback()
            log.exception("Retention stopped at %s; the kinds before it are done", kind.name)
            raise
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    log.info("Retention%s: %s", " (dry run, nothing changed)" if dry_run else "",
             ", ".join(f"{name}={count}" for name, count in counts.items()))
    return counts
