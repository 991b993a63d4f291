"""Response deadlines in the council's own calendar: its time zone, and optionally its working days only.

Pure functions of their arguments. Whether a letter is overdue is derived from its due date and today, never stored,
so it cannot drift.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..database import utcnow

DEFAULT_ZONE = "Asia/Damascus"


def local_date(moment: datetime, zone: str | None) -> date:
    return moment.astimezone(ZoneInfo(zone or DEFAULT_ZONE)).date()


def add_days(start: date, days: int, working_days: bool = False, weekend: frozenset[int] = frozenset({4, 5})) -> date:
    """`days` calendar days after `start`, or `days` working days (weekend days skipped) when `working_days`.

    A working-day deadline never falls on a weekend: the last day counted is a working day.
    """
    if not working_days or len(weekend) >= 7:
        return start + timedelta(days=days)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() not in weekend:
            counted += 1
    return current


def due_date(council, sent_at: datetime, received_on: date | None = None) -> date:
    """The day by which `council` should answer a letter sent at `sent_at`, or handed in on `received_on` (a date
    in the council's calendar, when the delivery is recorded later than it happened)."""
    days = council.response_days if council is not None else 30
    start = received_on or local_date(sent_at, council.timezone if council is not None else None)
    if council is None:
        return add_days(start, days)
    return add_days(start, days, council.working_days, council.weekend_days)


def today(council) -> date:
    return local_date(utcnow(), council.timezone if council is not None else None)


def days_left(due: date | None, on: date) -> int | None:
    """Days until the deadline (0 on the day itself); negative once it has passed."""
    return None if due is None else (due - on).days


def is_overdue(letter, on: date) -> bool:
    """Sent, past its deadline, and still without the council's answer."""
    return (letter.status == "sent" and letter.answered_at is None and letter.response_due_on is not None
            and letter.response_due_on < on)
