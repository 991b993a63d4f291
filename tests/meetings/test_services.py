"""Meeting services: scheduling at one of the community's centres, changes and cancellations and who hears of them,
answers within capacity, minutes with an outcome per demand, the upcoming list, and the calendar file."""
from datetime import timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from civicvoice.activity.models import Event, Notification
from civicvoice.activity.services import timeline
from civicvoice.database import utcnow
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition
from civicvoice.meetings import ics, services
from civicvoice.meetings.models import Meeting, Rsvp
from tests.factories import (committee_member, make_centre, make_community, make_meeting, make_member, make_pending,
                             make_proposal)


@pytest.fixture
def community(app):
    community = make_community()
    make_centre(community)
    return community


def _schedule(community, actor=None, **fields):
    """Schedule through the service with sane defaults; `fields` override them."""
    fields = {"centre_id": community.centres[0].id, "title": "اجتماع الحي", "starts_at": utcnow() + timedelta(days=3),
              "duration_minutes": 90, **fields}
    return services.schedule(actor or committee_member(community), community, **fields)


def _update(meeting, actor=None, **changes):
    """Update through the service, keeping every field `changes` does not name."""
    fields = {"centre_id": meeting.centre_id, "title": meeting.title, "starts_at": meeting.starts_at,
              "duration_minutes": meeting.duration_minutes, "capacity": meeting.capacity,
              "description": meeting.description, "agenda_ids": [item.proposal_id for item in meeting.agenda],
              **changes}
    services.update(actor or committee_member(meeting.community), meeting, **fields)


def _notified(db, user, verb) -> int:
    return db.session.scalar(select(func.count(Notification.id)).join(Event, Event.id == Notification.event_id)
                             .where(Notification.recipient_id == user.id, Event.verb == verb))


def _verbs(db, proposal, verb) -> list[Event]:
    return [e for e in db.session.scalars(timeline("proposals", proposal.id)) if e.verb == verb]


def _fresh(db, meeting) -> Meeting:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Meeting, meeting.id)


def _answers(db, meeting) -> dict[int, str]:
    return dict(db.session.execute(select(Rsvp.user_id, Rsvp.answer).where(Rsvp.meeting_id == meeting.id)).all())


# Scheduling --------------------------------------------------------------------------------------

def test_scheduling_stores_the_meeting_at_the_centre(app, db, community):
    proposal = make_proposal(community, status="open")
    chair = committee_member(community)
    meeting = _schedule(community, chair, title="  اجتماع الحي  ", capacity=30, agenda_ids=[proposal.id])
    meeting = _fresh(db, meeting)
    assert (meeting.title, meeting.centre_id, meeting.organiser_id, meeting.capacity, meeting.status,
            meeting.sequence) == ("اجتماع الحي", community.centres[0].id, chair.id, 30, "scheduled", 0)
    assert [item.proposal_id for item in meeting.agenda] == [proposal.id]


def test_a_centre_of_another_community_is_refused(app, db, community):
    elsewhere = make_centre(make_community())
    with pytest.raises(InvalidInput):
        _schedule(community, centre_id=elsewhere.id)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


@pytest.mark.parametrize("hours", [-1, 0])
def test_a_start_that_is_not_in_the_future_is_refused(app, db, community, hours):
    with pytest.raises(InvalidInput):
        _schedule(community, starts_at=utcnow() + timedelta(hours=hours))


def test_a_demand_of_another_community_cannot_be_on_the_agenda(app, db, community):
    other = make_proposal(make_community(), status="open")
    with pytest.raises(InvalidInput):
        _schedule(community, agenda_ids=[other.id])


@pytest.mark.parametrize("status", ["draft", "in_review", "changes_requested", "rejected", "hidden"])
def test_a_demand_that_is_not_public_cannot_be_on_the_agenda(app, db, community, status):
    private = make_proposal(community, status=status)
    with pytest.raises(InvalidInput):
        _schedule(community, agenda_ids=[private.id])


@pytest.mark.parametrize("status", ["not_adopted", "resolved", "withdrawn", "merged"])
def test_a_demand_that_is_no_longer_active_cannot_be_on_the_agenda(app, db, community, status):
    finished = make_proposal(community, status=status)
    with pytest.raises(InvalidInput):
        _schedule(community, agenda_ids=[finished.id])


def test_an_agenda_has_at_most_twenty_demands(app, db, community):
    demands = [make_proposal(community, status="open") for _ in range(services.MAX_AGENDA + 1)]
    with pytest.raises(InvalidInput):
        _schedule(community, agenda_ids=[p.id for p in demands])


def test_scheduling_tells_every_active_member_but_the_organiser(app, db):
    community = make_community(is_open=False)  # so that a request to join stays pending
    make_centre(community)
    chair = committee_member(community)
    members = [make_member(community) for _ in range(3)]
    other_chair, pending, outsider = make_member(community, role="committee"), make_pending(community), \
        make_member(make_community())
    _schedule(community, chair)
    assert [_notified(db, user, "meeting.scheduled") for user in [*members, other_chair]] == [1, 1, 1, 1]
    assert [_notified(db, user, "meeting.scheduled") for user in (chair, pending, outsider)] == [0, 0, 0]


def test_each_demand_on_the_agenda_gets_a_timeline_entry(app, db, community):
    first, second = make_proposal(community, status="open"), make_proposal(community, status="voting")
    off_agenda = make_proposal(community, status="open")
    meeting = _schedule(community, agenda_ids=[second.id, first.id])
    for proposal in (first, second):
        [event] = _verbs(db, proposal, "proposal.on_agenda")
        assert (event.data["meeting_id"], event.data["centre"]) == (meeting.id, community.centres[0].name)
    assert _verbs(db, off_agenda, "proposal.on_agenda") == []
    assert [item.proposal_id for item in meeting.agenda] == [second.id, first.id]


# Changing and cancelling -------------------------------------------------------------------------

def test_every_change_bumps_the_sequence(app, db, community):
    meeting = make_meeting(community)
    _update(meeting, title="عنوان جديد")
    _update(meeting, description="تفاصيل")
    assert _fresh(db, meeting).sequence == 2


@pytest.mark.parametrize("change", ["time", "duration", "centre"])
def test_moving_a_meeting_tells_those_who_said_they_come(app, db, community, change):
    meeting = make_meeting(community)
    going, maybe, not_going = (make_member(community) for _ in range(3))
    for user, answer in ((going, "going"), (maybe, "maybe"), (not_going, "not_going")):
        services.rsvp(user, meeting, answer)
    changes = {"time": {"starts_at": meeting.starts_at + timedelta(hours=2)},
               "duration": {"duration_minutes": 120},
               "centre": {"centre_id": make_centre(community, name="مركز آخر").id}}[change]
    _update(meeting, **changes)
    assert [_notified(db, user, "meeting.changed") for user in (going, maybe, not_going)] == [1, 1, 0]


def test_a_change_of_title_only_tells_nobody(app, db, community):
    meeting = make_meeting(community)
    going = make_member(community)
    services.rsvp(going, meeting, "going")
    _update(_fresh(db, meeting), title="عنوان أوضح", description="تفاصيل")
    assert _notified(db, going, "meeting.changed") + _notified(db, going, "meeting.edited") == 0
    assert [e.verb for e in db.session.scalars(timeline("meetings", meeting.id))][-1] == "meeting.edited"


def test_a_demand_added_to_the_agenda_gets_a_timeline_entry_once(app, db, community):
    kept, added = make_proposal(community, status="open"), make_proposal(community, status="open")
    meeting = make_meeting(community, agenda=[kept])
    _update(meeting, agenda_ids=[kept.id, added.id])
    assert (len(_verbs(db, kept, "proposal.on_agenda")), len(_verbs(db, added, "proposal.on_agenda"))) == (1, 1)


def test_a_cancelled_meeting_cannot_be_changed(app, db, community):
    meeting = make_meeting(community)
    services.cancel(committee_member(community), meeting, "المركز مغلق")
    with pytest.raises(InvalidTransition):
        _update(meeting, title="عنوان")


def test_a_meeting_cannot_be_moved_into_the_past(app, db, community):
    meeting = make_meeting(community)
    with pytest.raises(InvalidInput):
        _update(meeting, starts_at=utcnow() - timedelta(hours=1))


@pytest.mark.parametrize("reason", ["", "  "])
def test_cancelling_needs_a_reason(app, db, community, reason):
    meeting = make_meeting(community)
    with pytest.raises(InvalidInput):
        services.cancel(committee_member(community), meeting, reason)
    assert _fresh(db, meeting).status == "scheduled"


def test_cancelling_records_the_reason_bumps_the_sequence_and_tells_those_coming(app, db, community):
    meeting = make_meeting(community)
    going, not_going = make_member(community), make_member(community)
    services.rsvp(going, meeting, "going")
    services.rsvp(not_going, meeting, "not_going")
    services.cancel(committee_member(community), meeting, " المركز مغلق ")
    meeting = _fresh(db, meeting)
    assert (meeting.status, meeting.cancel_reason, meeting.sequence) == ("cancelled", "المركز مغلق", 1)
    assert (_notified(db, going, "meeting.cancelled"), _notified(db, not_going, "meeting.cancelled")) == (1, 0)


def test_a_meeting_that_started_cannot_be_cancelled(app, db, community):
    meeting = make_meeting(community, starts_in_hours=-0.5)
    with pytest.raises(InvalidTransition):
        services.cancel(committee_member(community), meeting, "سبب")


def test_a_meeting_cannot_be_cancelled_twice(app, db, community):
    meeting = make_meeting(community)
    services.cancel(committee_member(community), meeting, "سبب")
    with pytest.raises(InvalidTransition):
        services.cancel(committee_member(community), meeting, "سبب")


# Answers -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["going", "maybe", "not_going"])
def test_a_member_answers(app, db, community, answer):
    meeting, member = make_meeting(community), make_member(community)
    services.rsvp(member, meeting, answer)
    assert _answers(db, meeting) == {member.id: answer}
    assert services.counts(meeting)[answer] == 1


def test_answering_again_updates_the_same_row(app, db, community):
    meeting, member = make_meeting(community), make_member(community)
    services.rsvp(member, meeting, "going")
    row_id = db.session.scalar(select(Rsvp.id))
    services.rsvp(member, meeting, "not_going")
    assert db.session.scalars(select(Rsvp.id)).all() == [row_id]
    assert services.answer_of(member, meeting) == "not_going"


def test_an_unknown_answer_is_refused(app, db, community):
    with pytest.raises(InvalidInput):
        services.rsvp(make_member(community), make_meeting(community), "perhaps")


def test_going_is_refused_when_the_meeting_is_full(app, db, community):
    meeting = make_meeting(community, capacity=2)
    for _ in range(2):
        services.rsvp(make_member(community), meeting, "going")
    late = make_member(community)
    with pytest.raises(Conflict) as refused:
        services.rsvp(late, meeting, "going")
    assert type(refused.value) is Conflict
    assert services.answer_of(late, meeting) is None


def test_maybe_is_allowed_when_the_meeting_is_full(app, db, community):
    meeting = make_meeting(community, capacity=1)
    services.rsvp(make_member(community), meeting, "going")
    late = make_member(community)
    services.rsvp(late, meeting, "maybe")
    assert services.answer_of(late, meeting) == "maybe"


def test_from_maybe_to_going_is_refused_when_full(app, db, community):
    meeting = make_meeting(community, capacity=1)
    services.rsvp(make_member(community), meeting, "going")
    late = make_member(community)
    services.rsvp(late, meeting, "maybe")
    with pytest.raises(Conflict):
        services.rsvp(late, meeting, "going")
    assert services.answer_of(late, meeting) == "maybe"


def test_answering_going_again_is_not_blocked_by_a_full_meeting(app, db, community):
    meeting = make_meeting(community, capacity=1)
    member = make_member(community)
    services.rsvp(member, meeting, "going")
    services.rsvp(member, meeting, "going")
    assert services.counts(meeting)["going"] == 1


def test_a_place_freed_by_not_going_can_be_taken(app, db, community):
    meeting = make_meeting(community, capacity=1)
    first, second = make_member(community), make_member(community)
    services.rsvp(first, meeting, "going")
    services.rsvp(first, meeting, "not_going")
    services.rsvp(second, meeting, "going")
    assert _answers(db, meeting) == {first.id: "not_going", second.id: "going"}
    assert services.places_left(meeting, services.counts(meeting)["going"]) == 0


def test_answers_are_refused_on_a_cancelled_meeting(app, db, community):
    meeting = make_meeting(community)
    services.cancel(committee_member(community), meeting, "سبب")
    with pytest.raises(InvalidTransition):
        services.rsvp(make_member(community), meeting, "going")


def test_answers_are_refused_once_the_meeting_ended(app, db, community):
    meeting = make_meeting(community, starts_in_hours=-3, duration_minutes=90)
    with pytest.raises(InvalidTransition):
        services.rsvp(make_member(community), meeting, "maybe")


def test_late_arrivals_answer_while_the_meeting_runs(app, db, community):
    meeting = make_meeting(community, starts_in_hours=-1, duration_minutes=120)
    member = make_member(community)
    services.rsvp(member, meeting, "going")
    assert services.answer_of(member, meeting) == "going"


def test_the_database_refuses_a_second_answer_row(app, db, community):
    meeting, member = make_meeting(community), make_member(community)
    row = {"meeting_id": meeting.id, "user_id": member.id, "answer": "going", "updated_at": utcnow()}
    db.session.execute(insert(Rsvp).values(**row))
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Rsvp).values(**row))
    db.session.rollback()


# Minutes -----------------------------------------------------------------------------------------

def _items(meeting) -> dict[int, int]:
    """proposal id -> agenda item id."""
    return {item.proposal_id: item.id for item in meeting.agenda}


def test_minutes_are_refused_before_the_meeting_starts(app, db, community):
    meeting = make_meeting(community)
    with pytest.raises(InvalidTransition):
        services.post_minutes(committee_member(community), meeting, "محضر", 10, {})
    assert _fresh(db, meeting).minutes_posted_at is None


def test_minutes_are_refused_for_a_cancelled_meeting(app, db, community):
    meeting = make_meeting(community)
    services.cancel(committee_member(community), meeting, "سبب")
    meeting.starts_at = utcnow() - timedelta(hours=1)
    with pytest.raises(InvalidTransition):
        services.post_minutes(committee_member(community), meeting, "محضر", 10, {})


def test_minutes_store_the_text_and_the_attendance(app, db, community):
    meeting = make_meeting(community, starts_in_hours=-2)
    services.post_minutes(committee_member(community), meeting, "  ناقشنا المطالب  ", 37, {})
    meeting = _fresh(db, meeting)
    assert (meeting.minutes, meeting.attendance, meeting.minutes_posted_at is not None) == (
        "ناقشنا المطالب", 37, True)


@pytest.mark.parametrize("minutes, attendance", [("", 5), ("  ", 5), ("محضر", -1), ("محضر", 100_001)])
def test_minutes_need_a_text_and_a_sensible_attendance(app, db, community, minutes, attendance):
    meeting = make_meeting(community, starts_in_hours=-2)
    with pytest.raises(InvalidInput):
        services.post_minutes(committee_member(community), meeting, minutes, attendance, {})


def test_an_outcome_goes_on_its_demands_timeline(app, db, community):
    voted, discussed = make_proposal(community, status="open"), make_proposal(community, status="open")
    meeting = make_meeting(community, agenda=[voted, discussed])
    meeting.starts_at = utcnow() - timedelta(hours=1)
    items = _items(meeting)
    services.post_minutes(committee_member(community), meeting, "محضر", 20,
                          {items[voted.id]: ("vote", " بالإجماع "), items[discussed.id]: (None, "")})
    db.session.commit()
    [event] = _verbs(db, voted, "proposal.meeting_outcome")
    assert (event.data["outcome"], event.data["note"], event.data["meeting_id"]) == ("vote", "بالإجماع", meeting.id)
    assert _verbs(db, discussed, "proposal.meeting_outcome") == []


def test_correcting_minutes_records_only_outcomes_that_changed(app, db, community):
    same, changed = make_proposal(community, status="open"), make_proposal(community, status="open")
    meeting = make_meeting(community, agenda=[same, changed])
    meeting.starts_at = utcnow() - timedelta(hours=1)
    items = _items(meeting)
    chair = committee_member(community)
    services.post_minutes(chair, meeting, "محضر", 20, {items[same.id]: ("support", ""),
                                                       items[changed.id]: ("more_discussion", "")})
    services.post_minutes(chair, meeting, "محضر مصحح", 21, {items[same.id]: ("support", ""),
                                                            items[changed.id]: ("vote", "")})
    db.session.commit()
    assert [e.data["outcome"] for e in _verbs(db, same, "proposal.meeting_outcome")] == ["support"]
    assert [e.data["outcome"] for e in _verbs(db, changed, "proposal.meeting_outcome")] == ["more_discussion",
                                                                                           "vote"]
    assert [e.verb for e in db.session.scalars(timeline("meetings", meeting.id))][-2:] == [
        "meeting.minutes_posted", "meeting.minutes_corrected"]


@pytest.mark.parametrize("outcome", ["unknown", "approved"])
def test_an_unknown_outcome_is_refused(app, db, community, outcome):
    proposal = make_proposal(community, status="open")
    meeting = make_meeting(community, agenda=[proposal])
    meeting.starts_at = utcnow() - timedelta(hours=1)
    with pytest.raises(InvalidInput):
        services.post_minutes(committee_member(community), meeting, "محضر", 5,
                              {_items(meeting)[proposal.id]: (outcome, "")})


def test_an_outcome_for_an_item_of_another_meeting_is_refused(app, db, community):
    proposal = make_proposal(community, status="open")
    elsewhere = make_meeting(community, agenda=[proposal])
    meeting = make_meeting(community, starts_in_hours=-1)
    with pytest.raises(InvalidInput):
        services.post_minutes(committee_member(community), meeting, "محضر", 5,
                              {_items(elsewhere)[proposal.id]: ("vote", "")})


def test_minutes_tell_those_who_said_they_come_the_first_time_only(app, db, community):
    meeting = make_meeting(community, starts_in_hours=-0.5, duration_minutes=120)
    going = make_member(community)
    services.rsvp(going, meeting, "going")
    chair = committee_member(community)
    services.post_minutes(chair, meeting, "محضر", 5, {})
    services.post_minutes(chair, meeting, "محضر مصحح", 6, {})
    assert _notified(db, going, "meeting.minutes_posted") == 1
    assert _notified(db, going, "meeting.minutes_corrected") == 0


# Lists -------------------------------------------------------------------------------------------

def test_upcoming_lists_scheduled_meetings_soonest_first(app, db, community):
    later = make_meeting(community, starts_in_hours=48)
    soon = make_meeting(community, starts_in_hours=2)
    running = make_meeting(community, starts_in_hours=-1, duration_minutes=120)
    assert [m.id for m in services.upcoming(community)] == [running.id, soon.id, later.id]


def test_upcoming_leaves_out_cancelled_and_ended_meetings(app, db, community):
    kept = make_meeting(community)
    cancelled = make_meeting(community, starts_in_hours=24)
    services.cancel(committee_member(community), cancelled, "سبب")
    make_meeting(community, starts_in_hours=-3, duration_minutes=60)  # ended an hour and a half ago
    make_meeting(community, starts_in_hours=-48)
    assert services.upcoming(community) == [kept]


def test_upcoming_is_limited_to_a_community_and_a_centre(app, db, community):
    other_centre = make_centre(community, name="مركز ثان")
    here = make_meeting(community, centre=next(c for c in community.centres if c != other_centre))
    there = make_meeting(community, centre=other_centre)
    make_meeting(make_community())
    assert {m.id for m in services.upcoming(community)} == {here.id, there.id}
    assert services.upcoming(community, centre=other_centre) == [there]


def test_upcoming_is_not_crowded_out_by_meetings_that_ended_earlier_today(app, db, community):
    for hours in (-6, -5, -4, -3):
        make_meeting(community, starts_in_hours=hours, duration_minutes=30)
    coming = make_meeting(community, starts_in_hours=24)
    assert services.upcoming(community, limit=2) == [coming]


def test_upcoming_respects_the_limit(app, db, community):
    meetings = [make_meeting(community, starts_in_hours=hours) for hours in (10, 20, 30)]
    assert services.upcoming(community, limit=2) == meetings[:2]


def test_past_lists_started_and_cancelled_meetings_newest_first(app, db, community):
    old = make_meeting(community, starts_in_hours=-48)
    recent = make_meeting(community, starts_in_hours=-2)
    cancelled = make_meeting(community, starts_in_hours=72)
    services.cancel(committee_member(community), cancelled, "سبب")
    make_meeting(community)
    assert db.session.scalars(services.past(community)).all() == [cancelled, recent, old]


def test_for_proposal_lists_the_meetings_that_discuss_it(app, db, community):
    proposal = make_proposal(community, status="open")
    later = make_meeting(community, agenda=[proposal], starts_in_hours=48)
    sooner = make_meeting(community, agenda=[proposal], starts_in_hours=24)
    make_meeting(community)
    assert services.for_proposal(proposal) == [sooner, later]


# The calendar file -------------------------------------------------------------------------------

def _vevent(app, meeting):
    with app.test_request_context():
        data = ics.calendar(meeting)
    [event] = Calendar.from_ical(data).walk("VEVENT")
    return event


def test_the_calendar_event_describes_the_meeting_in_utc(app, db, community):
    centre = community.centres[0]
    centre.address = "شارع المدرسة\nقرب الجامع"
    proposal = make_proposal(community, status="open", title="إصلاح الإنارة")
    meeting = make_meeting(community, agenda=[proposal], duration_minutes=120)
    event = _vevent(app, _fresh(db, meeting))
    assert str(event["UID"]) == f"meeting-{meeting.id}@localhost"  # the host of BASE_URL, the site's address
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == timedelta(0) and event["DTSTART"].to_ical().endswith(b"Z")
    assert start == meeting.starts_at.replace(microsecond=0).astimezone(timezone.utc)
    assert end - start == timedelta(minutes=120)
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["LOCATION"]) == f"{centre.name}, شارع المدرسة, قرب الجامع"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "إصلاح الإنارة" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/meetings/{meeting.id}")


def test_the_calendar_event_is_cancelled_with_a_higher_sequence(app, db, community):
    meeting = make_meeting(community)
    before = _vevent(app, meeting)
    services.cancel(committee_member(community), meeting, "سبب")
    after = _vevent(app, _fresh(db, meeting))
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["UID"]) == str(before["UID"])


def test_the_calendar_sequence_grows_with_each_change(app, db, community):
    meeting = make_meeting(community)
    _update(meeting, title="عنوان جديد")
    _update(meeting, starts_at=meeting.starts_at + timedelta(hours=1))
    event = _vevent(app, _fresh(db, meeting))
    assert (int(event["SEQUENCE"]), str(event["SUMMARY"])) == (2, "عنوان جديد")


# The last places, under concurrency ----------------------------------------------------------------

@pytest.mark.parametrize("people, capacity", [pytest.param(30, 7, marks=pytest.mark.postgres, id="postgres-30"),
                                              pytest.param(6, 2, marks=pytest.mark.sqlite, id="sqlite-6")])
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 40, "max_overflow": 10, "pool_timeout": 60})
def test_people_answering_going_at_once_never_exceed_the_capacity(app, db, people, capacity):
    """The meeting row is locked before counting (PostgreSQL), the write lock taken first (SQLite)."""
    from civicvoice.accounts.models import User
    from tests.signatures.test_concurrency import race

    community = make_community()
    meeting = make_meeting(community, capacity=capacity)
    meeting_id, member_ids = meeting.id, [make_member(community).id for _ in range(people)]

    def going(user_id):
        def action():
            with app.test_request_context(f"/meetings/{meeting_id}/rsvp", method="POST"):
                try:
                    services.rsvp(db.session.get(User, user_id), db.session.get(Meeting, meeting_id), "going")
                except Conflict:
                    db.session.rollback()
                    return "full"
                db.session.commit()
                return "going"
        return action

    result = race([going(uid) for uid in member_ids])
    assert result.errors == [], "\n".join(result.errors)
    assert (result.count("going"), result.count("full")) == (capacity, people - capacity)
    db.session.commit()
    assert services.counts(db.session.get(Meeting, meeting_id))["going"] == capacity
