"""Response deadlines in the council's calendar: its time zone, its working days and its weekend."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from freezegun import freeze_time

from civicvoice.letters import deadlines
from tests.factories import make_adopted, make_council, make_sent_letter

FRI_SAT = frozenset({4, 5})
SAT_SUN = frozenset({5, 6})
THURSDAY = date(2026, 1, 1)  # Thursday 1 January 2026
FRIDAY, SATURDAY, SUNDAY = THURSDAY + timedelta(days=1), THURSDAY + timedelta(days=2), THURSDAY + timedelta(days=3)


def council(**fields):
    return SimpleNamespace(**({"response_days": 30, "timezone": "Asia/Damascus", "working_days": False,
                               "weekend_days": FRI_SAT} | fields))


def test_the_dates_used_here_fall_on_the_days_their_names_say():
    assert [d.weekday() for d in (THURSDAY, FRIDAY, SATURDAY, SUNDAY)] == [3, 4, 5, 6]


# add_days -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("days, expected", [(0, THURSDAY), (1, FRIDAY), (2, SATURDAY), (30, date(2026, 1, 31))])
def test_calendar_days_count_the_weekend(days, expected):
    assert deadlines.add_days(THURSDAY, days) == expected
    assert deadlines.add_days(THURSDAY, days, working_days=False, weekend=FRI_SAT) == expected


@pytest.mark.parametrize("days, expected", [
    (1, SUNDAY),  # Friday and Saturday skipped
    (3, date(2026, 1, 6)),  # Sun, Mon, Tue
    (5, date(2026, 1, 8)),  # Sun … Thu
    (6, date(2026, 1, 11)),  # the next weekend skipped as well
    (10, date(2026, 1, 15)),
])
def test_working_days_skip_the_friday_saturday_weekend_by_default(days, expected):
    assert deadlines.add_days(THURSDAY, days, working_days=True) == expected


def test_a_custom_saturday_sunday_weekend():
    # From Friday: one working day with a Sat-Sun weekend is Monday; with the default weekend it is Sunday.
    assert deadlines.add_days(FRIDAY, 1, working_days=True, weekend=SAT_SUN) == date(2026, 1, 5)
    assert deadlines.add_days(FRIDAY, 1, working_days=True, weekend=FRI_SAT) == SUNDAY
    # Thursday + 1 working day: Friday is a working day under Sat-Sun.
    assert deadlines.add_days(THURSDAY, 1, working_days=True, weekend=SAT_SUN) == FRIDAY
    assert deadlines.add_days(THURSDAY, 5, working_days=True, weekend=SAT_SUN) == date(2026, 1, 8)


@pytest.mark.parametrize("start", [FRIDAY, SATURDAY])
def test_starting_on_a_weekend_counts_from_the_next_working_day(start):
    assert deadlines.add_days(start, 1, working_days=True) == SUNDAY
    assert deadlines.add_days(start, 5, working_days=True) == date(2026, 1, 8)


@pytest.mark.parametrize("weekend", [FRI_SAT, SAT_SUN, frozenset({6}), frozenset({0, 2, 4})])
def test_a_working_day_deadline_never_lands_on_a_weekend(weekend):
    for offset in range(14):
        start = THURSDAY + timedelta(days=offset)
        for days in range(1, 40):
            due = deadlines.add_days(start, days, working_days=True, weekend=weekend)
            assert due.weekday() not in weekend, (start, days, due)
            working = sum((start + timedelta(days=n)).weekday() not in weekend
                          for n in range(1, (due - start).days + 1))
            assert working == days, (start, days, due)


def test_a_week_of_weekend_days_falls_back_to_calendar_days():
    assert deadlines.add_days(THURSDAY, 3, working_days=True, weekend=frozenset(range(7))) == date(2026, 1, 4)


# due_date in the council's zone -------------------------------------------------------------------

def test_a_letter_sent_at_2230_utc_is_received_the_next_day_in_damascus():
    sent = datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc)
    assert deadlines.local_date(sent, "Asia/Damascus") == date(2026, 3, 11)
    assert deadlines.due_date(council(), sent) == date(2026, 4, 10)
    assert deadlines.due_date(council(timezone="UTC"), sent) == date(2026, 4, 9)


def test_the_same_instant_earlier_in_the_evening_is_still_the_same_day():
    sent = datetime(2026, 3, 10, 20, 30, tzinfo=timezone.utc)  # 23:30 in Damascus
    assert deadlines.due_date(council(), sent) == date(2026, 4, 9)


def test_due_date_in_working_days_uses_the_council_weekend():
    sent = datetime(2026, 1, 8, 22, 30, tzinfo=timezone.utc)  # Friday 9 January, 01:30 in Damascus
    assert deadlines.due_date(council(response_days=1, working_days=True), sent) == date(2026, 1, 11)
    assert deadlines.due_date(council(response_days=1, working_days=True, weekend_days=SAT_SUN),
                              sent) == date(2026, 1, 12)
    assert deadlines.due_date(council(response_days=1), sent) == date(2026, 1, 10)


def test_no_council_means_thirty_calendar_days_in_damascus():
    sent = datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc)
    assert deadlines.due_date(None, sent) == date(2026, 4, 10)


def test_the_model_weekend_property_reads_the_stored_days(app):
    assert make_council(weekend=(5, 6)).weekend_days == SAT_SUN
    assert make_council().weekend_days == FRI_SAT


# days_left and is_overdue -------------------------------------------------------------------------

def letter(due, status="sent", answered_at=None):
    return SimpleNamespace(status=status, answered_at=answered_at, response_due_on=due)


def test_days_left():
    today = date(2026, 5, 10)
    assert deadlines.days_left(date(2026, 5, 13), today) == 3
    assert deadlines.days_left(today, today) == 0
    assert deadlines.days_left(date(2026, 5, 8), today) == -2
    assert deadlines.days_left(None, today) is None


def test_due_today_is_not_overdue_and_due_yesterday_is():
    today = date(2026, 5, 10)
    assert deadlines.is_overdue(letter(today), today) is False
    assert deadlines.is_overdue(letter(today + timedelta(days=1)), today) is False
    assert deadlines.is_overdue(letter(today - timedelta(days=1)), today) is True


def test_an_answered_letter_is_never_overdue():
    today = date(2026, 5, 10)
    answered = letter(date(2026, 1, 1), answered_at=datetime(2026, 4, 1, tzinfo=timezone.utc))
    assert deadlines.is_overdue(answered, today) is False


def test_an_unsent_letter_or_one_without_a_deadline_is_not_overdue():
    today = date(2026, 5, 10)
    assert deadlines.is_overdue(letter(date(2026, 1, 1), status="approved"), today) is False
    assert deadlines.is_overdue(letter(None), today) is False


# Through the letters services ---------------------------------------------------------------------

def test_sending_a_letter_sets_its_deadline_in_the_council_working_days(app):
    board = make_council(contact_email="diwan@example.org", postal_address="دمشق", response_days=10,
                         working_days=True)
    proposal = make_adopted(council=board)
    # Thursday 8 January 2026, 22:30 UTC: already Friday 9 January in Damascus, a weekend day.
    with freeze_time("2026-01-08 22:30:00"):
        sent = make_sent_letter(proposal)
    assert sent.sent_at == datetime(2026, 1, 8, 22, 30, tzinfo=timezone.utc)
    # Ten working days from Friday 9: Sun 11 … Thu 15, Sun 18 … Thu 22.
    assert sent.response_due_on == date(2026, 1, 22)
    assert sent.response_due_on.weekday() not in board.weekend_days


def test_sending_a_letter_to_a_calendar_day_council_counts_every_day_in_its_zone(app):
    board = make_council(contact_email="diwan@example.org", postal_address="دمشق", response_days=10)
    proposal = make_adopted(council=board)
    with freeze_time("2026-01-08 22:30:00"):
        sent = make_sent_letter(proposal, method="hand")
    assert sent.response_due_on == date(2026, 1, 19)


def test_a_hand_delivery_recorded_later_counts_from_the_day_it_was_handed_in(app, db):
    from civicvoice.letters import services as letters
    from tests.factories import committee_member, make_letter

    board = make_council(contact_email="diwan@example.org", postal_address="دمشق", response_days=10)
    proposal = make_adopted(council=board)
    letter = make_letter(proposal, approve=True)
    # Recorded on Monday 12 January; it was handed in on Sunday 4 January.
    with freeze_time("2026-01-12 09:00:00"):
        letters.record_hand_delivery(committee_member(proposal.community), letter, delivered_on=date(2026, 1, 4),
                                     delivered_by="سعاد")
    db.session.commit()
    assert letter.response_due_on == date(2026, 1, 14)
    assert deadlines.due_date(board, letter.sent_at) == date(2026, 1, 22)  # what counting from the record would say


def test_due_date_from_a_given_day_of_receipt():
    board = SimpleNamespace(response_days=3, timezone="Asia/Damascus", working_days=True, weekend_days=frozenset({4, 5}))
    sent = datetime(2026, 1, 12, 9, 0, tzinfo=timezone.utc)
    # Received Wednesday 7 January: Thursday 8, (Fri, Sat skipped), Sunday 11, Monday 12.
    assert deadlines.due_date(board, sent, date(2026, 1, 7)) == date(2026, 1, 12)
