"""Meetings through the web: the committee schedules in the community's local time, members answer within the
places left, the calendar file, minutes once the meeting started with outcomes on each demand's timeline, the
lists on the community and centre pages, cancelling; refusals are 403, 404 or 409 with a message, never
500."""
import re
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from civicvoice.extensions import db
from civicvoice.meetings import services as meetings
from civicvoice.meetings.models import AgendaItem, Meeting, Rsvp
from tests.factories import (make_centre, make_committee, make_community, make_meeting, make_member,
                             make_proposal, make_user)

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true"}
NEXT_YEAR = date.today().year + 1


@pytest.fixture
def w(app):
    """`midan` (Asia/Damascus, the default zone) with a centre, its committee, two members, an open demand; a
    resident of no community and the committee of another community. Everyone reads English."""
    community = make_community(slug="midan")
    centre = make_centre(community, name="Manara centre", address="Main square")
    committee = make_committee(community, make_user(name="Chair", locale="en"))
    return SimpleNamespace(
        community=community, centre=centre, committee=committee,
        member=make_member(community, make_user(name="Member", locale="en")),
        other=make_member(community, make_user(name="Other", locale="en")),
        demand=make_proposal(community, status="open", title="Light the main street"),
        outsider=make_user(name="Outsider", locale="en"),
        other_committee=make_committee(make_community(slug="elsewhere"), make_user(locale="en")),
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def reload(meeting) -> Meeting:
    db.session.expire_all()
    return db.session.get(Meeting, meeting.id)


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def form(w, **fields) -> dict:
    return {"title": "Open meeting on the lights", "centre_id": str(w.centre.id),
            "date": f"{NEXT_YEAR}-03-10", "time": "17:00", "duration_minutes": "90", "capacity": "",
            "description": "Bring your ideas.", **fields}


def schedule(client, w, slug="midan", **fields):
    return client.post(f"/communities/{slug}/meetings/new", data=form(w, **fields))


def timeline_of(client, demand) -> str:
    """The timeline section of the demand page."""
    return text_of(client.get(f"/demands/{demand.id}", headers=EN)).split('id="timeline-title"', 1)[1]


def utc_of(day: date, local: time, zone: str) -> datetime:
    return datetime.combine(day, local, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


# Scheduling. ------------------------------------------------------------------------------------------------

def test_the_committee_schedules_a_meeting(client, login_as, w):
    login_as(w.committee)
    assert client.get("/communities/midan/meetings/new").status_code == 200
    response = schedule(client, w, agenda=[str(w.demand.id)])
    meeting = db.session.scalar(select(Meeting))
    assert response.status_code == 303 and response.headers["Location"] == f"/meetings/{meeting.id}"
    assert (meeting.title, meeting.centre_id, meeting.duration_minutes, meeting.capacity) == (
        "Open meeting on the lights", w.centre.id, 90, None)
    assert [item.proposal_id for item in meeting.agenda] == [w.demand.id]


@pytest.mark.parametrize("month", [1, 7], ids=["winter", "summer"])
def test_the_time_typed_is_local_to_the_communitys_zone(client, login_as, w, month):
    """17:00 in Damascus is 14:00 UTC (15:00 UTC in a year the zone keeps summer time in winter)."""
    login_as(w.committee)
    day = date(NEXT_YEAR, month, 15)
    schedule(client, w, date=day.isoformat(), time="17:00")
    starts_at = db.session.scalar(select(Meeting.starts_at))
    assert starts_at == utc_of(day, time(17), "Asia/Damascus")
    assert starts_at.astimezone(timezone.utc).hour in (14, 15)


@pytest.mark.parametrize("month, utc_hour", [(1, 16), (7, 15)], ids=["winter", "summer"])
def test_another_zone_follows_its_own_summer_time(client, login_as, month, utc_hour):
    community = make_community(slug="berlin", timezone="Europe/Berlin")
    centre = make_centre(community)
    login_as(make_committee(community))
    day = date(NEXT_YEAR, month, 15)
    response = client.post("/communities/berlin/meetings/new", data={
        "title": "Treffen", "centre_id": str(centre.id), "date": day.isoformat(), "time": "17:00",
        "duration_minutes": "60"})
    assert response.status_code == 303
    starts_at = db.session.scalar(select(Meeting.starts_at))
    assert starts_at == utc_of(day, time(17), "Europe/Berlin")
    assert starts_at.astimezone(timezone.utc).hour == utc_hour


def test_the_meeting_page_shows_the_local_time(client, w):
    meeting = make_meeting(w.community)
    meeting.starts_at = utc_of(date(NEXT_YEAR, 3, 10), time(17, 30), "Asia/Damascus")
    db.session.commit()
    html = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert "5:30" in html and "PM" in html
    assert f'datetime="{meeting.starts_at.isoformat()}"' in html


def test_arabic_indic_digits_are_accepted_in_the_date_and_time(client, login_as, w):
    login_as(w.committee)
    day = date(NEXT_YEAR, 3, 10)
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    response = schedule(client, w, date=day.isoformat().translate(arabic), time="17:00".translate(arabic),
                        capacity="٣٠")
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert (meeting.starts_at, meeting.capacity) == (utc_of(day, time(17), "Asia/Damascus"), 30)


def test_a_date_in_the_past_is_a_form_error_keeping_what_was_typed(client, login_as, w):
    login_as(w.committee)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = schedule(client, w, date=yesterday, title="Typed title", description="Typed description")
    html = text_of(response)
    assert response.status_code == 200
    assert "Choose a date and time in the future." in html
    assert 'value="Typed title"' in html and "Typed description" in html and f'value="{yesterday}"' in html
    assert count(Meeting) == 0


@pytest.mark.parametrize("field, value", [
    ("date", "2026-13-45"), ("date", "tomorrow"), ("time", "25:99"), ("date", ""), ("title", ""),
    ("capacity", "0"), ("capacity", "many"), ("duration_minutes", "7")])
def test_invalid_fields_are_form_errors_not_500(client, login_as, w, field, value):
    login_as(w.committee)
    response = schedule(client, w, **{field: value})
    assert response.status_code == 200
    assert 'class="error-message"' in text_of(response)
    assert count(Meeting) == 0


def test_a_centre_of_another_community_is_refused(client, login_as, w):
    foreign = make_centre(make_community())
    login_as(w.committee)
    response = schedule(client, w, centre_id=str(foreign.id))
    assert response.status_code == 200 and count(Meeting) == 0


@pytest.mark.parametrize("status", ["draft", "in_review", "rejected"])
def test_a_private_demand_cannot_be_put_on_the_agenda(client, login_as, w, status):
    private = make_proposal(w.community, status=status, title="A private demand")
    login_as(w.committee)
    assert "A private demand" not in text_of(client.get("/communities/midan/meetings/new"))
    response = schedule(client, w, agenda=[str(private.id)])
    assert response.status_code == 200 and count(Meeting) == 0


def test_a_demand_of_another_community_cannot_be_put_on_the_agenda(client, login_as, w):
    foreign = make_proposal(make_community(), status="open")
    login_as(w.committee)
    response = schedule(client, w, agenda=[str(foreign.id)])
    assert response.status_code == 200 and count(Meeting) == 0


@pytest.mark.parametrize("who, status", [(None, 302), ("member", 403), ("outsider", 403),
                                         ("other_committee", 403)])
def test_only_the_committee_of_the_community_schedules(client, login_as, w, who, status):
    if who:
        login_as(getattr(w, who))
    assert client.get("/communities/midan/meetings/new").status_code == status
    assert schedule(client, w).status_code == status
    assert count(Meeting) == 0


def test_members_are_not_offered_to_schedule(client, login_as, w):
    login_as(w.member)
    assert "/communities/midan/meetings/new" not in text_of(client.get("/communities/midan/meetings"))
    login_as(w.committee)
    assert "/communities/midan/meetings/new" in text_of(client.get("/communities/midan/meetings"))


def test_scheduling_tells_the_members(client, login_as, w):
    from civicvoice.activity.models import Notification

    login_as(w.committee)
    schedule(client, w)
    assert count(Notification, recipient_id=w.member.id) == 1
    login_as(w.member)
    assert "Open meeting on the lights" in text_of(client.get("/notifications"))


def test_an_unknown_community_or_meeting_is_404(client, login_as, w):
    login_as(w.committee)
    assert client.get("/communities/nowhere/meetings").status_code == 404
    assert client.get("/communities/nowhere/meetings/new").status_code == 404
    for url in ("/meetings/999999", "/meetings/999999.ics", "/meetings/999999/edit",
                "/meetings/999999/minutes"):
        assert client.get(url).status_code == 404, url


# Editing and cancelling. ------------------------------------------------------------------------------------

def test_the_edit_form_shows_the_local_date_and_time(client, login_as, w):
    meeting = make_meeting(w.community)
    meeting.starts_at = utc_of(date(NEXT_YEAR, 3, 10), time(17, 30), "Asia/Damascus")
    db.session.commit()
    login_as(w.committee)
    html = text_of(client.get(f"/meetings/{meeting.id}/edit"))
    assert f'value="{NEXT_YEAR}-03-10"' in html and 'value="17:30"' in html


def test_the_committee_moves_a_meeting(client, login_as, w):
    meeting = make_meeting(w.community)
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/edit", data=form(w, time="18:00", title="Moved meeting"))
    assert response.status_code == 303
    meeting = reload(meeting)
    assert meeting.title == "Moved meeting"
    assert meeting.starts_at == utc_of(date(NEXT_YEAR, 3, 10), time(18), "Asia/Damascus")
    assert meeting.sequence == 1


def test_moving_a_meeting_into_the_past_is_a_form_error(client, login_as, w):
    meeting = make_meeting(w.community)
    before = meeting.starts_at
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/edit",
                           data=form(w, date=(date.today() - timedelta(days=2)).isoformat(), title="Kept"))
    assert response.status_code == 200 and "Choose a date and time in the future." in text_of(response)
    assert 'value="Kept"' in text_of(response)
    assert reload(meeting).starts_at == before


@pytest.mark.parametrize("who, status", [(None, 302), ("member", 403), ("other_committee", 403)])
def test_only_the_committee_edits_or_cancels(client, login_as, w, who, status):
    meeting = make_meeting(w.community)
    if who:
        login_as(getattr(w, who))
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == status
    assert client.post(f"/meetings/{meeting.id}/edit", data=form(w, title="Hijacked")).status_code == status
    assert client.get(f"/meetings/{meeting.id}/cancel").status_code == status
    assert client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "No"}).status_code == status
    assert (reload(meeting).title, reload(meeting).status) == ("اجتماع مفتوح في المنارة", "scheduled")


def test_a_meeting_that_started_can_no_longer_be_edited(client, login_as, w):
    meeting = make_meeting(w.community, starts_in_hours=-1)
    login_as(w.committee)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Late"}).status_code == 403


def test_cancelling_needs_a_reason(client, login_as, w):
    meeting = make_meeting(w.community)
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/cancel", data={"reason": " "})
    assert response.status_code == 200 and "Please give a reason." in text_of(response)
    assert reload(meeting).status == "scheduled"


def test_a_cancelled_meeting_shows_the_reason(client, login_as, w):
    meeting = make_meeting(w.community, title="Lights meeting")
    meetings.rsvp(w.member, meeting, "going")
    db.session.commit()
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/cancel",
                           data={"reason": "The centre is closed for repairs."})
    assert response.status_code == 303 and response.headers["Location"] == f"/meetings/{meeting.id}"
    assert reload(meeting).status == "cancelled"
    html = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert "This meeting is cancelled:" in html and "The centre is closed for repairs." in html
    login_as(w.member)
    assert "The centre is closed for repairs." in text_of(client.get("/notifications"))
    assert client.post(f"/meetings/{meeting.id}/rsvp", data={"answer": "maybe"}).status_code == 403


# Answers (RSVP). --------------------------------------------------------------------------------------------

def _answer(client, meeting, answer, **kwargs):
    return client.post(f"/meetings/{meeting.id}/rsvp", data={"answer": answer}, **kwargs)


def test_a_member_answers_and_changes_the_answer(client, login_as, w):
    meeting = make_meeting(w.community)
    login_as(w.member)
    for answer in ("going", "maybe", "not_going", "going"):
        response = _answer(client, meeting, answer)
        assert response.status_code == 303 and response.headers["Location"] == f"/meetings/{meeting.id}#rsvp"
        assert db.session.scalar(select(Rsvp.answer).where(Rsvp.user_id == w.member.id)) == answer
        assert count(Rsvp, meeting_id=meeting.id) == 1


def test_the_page_counts_the_answers_and_keeps_mine_selected(client, login_as, w):
    meeting = make_meeting(w.community, capacity=10)
    meetings.rsvp(w.other, meeting, "going")
    db.session.commit()
    login_as(w.member)
    _answer(client, meeting, "maybe")
    html = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert re.search(r"1 going\s*·\s*1 maybe", html)
    assert "9 places left of 10" in html
    assert re.search(r'<input[^>]*checked[^>]*value="maybe"|<input[^>]*value="maybe"[^>]*checked', html)


def test_answering_with_htmx_returns_the_box_alone(client, login_as, w):
    meeting = make_meeting(w.community)
    login_as(w.member)
    response = _answer(client, meeting, "going", headers=HTMX)
    html = text_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="rsvp"') and "<html" not in html
    assert re.search(r"1 going", html)


def test_an_unknown_answer_saves_nothing(client, login_as, w):
    meeting = make_meeting(w.community)
    login_as(w.member)
    response = _answer(client, meeting, "perhaps")
    assert response.status_code == 303
    assert count(Rsvp) == 0


def test_a_full_meeting_says_so_with_409(client, login_as, w):
    meeting = make_meeting(w.community, capacity=1)
    meetings.rsvp(w.other, meeting, "going")
    db.session.commit()
    login_as(w.member)
    response = _answer(client, meeting, "going")
    assert response.status_code == 409
    assert "The meeting is full." in text_of(response)
    assert count(Rsvp, user_id=w.member.id) == 0
    assert _answer(client, meeting, "maybe").status_code == 303  # "maybe" needs no place
    html = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert "0 places left of 1" in html


def test_a_full_meeting_answers_htmx_with_the_message_too(client, login_as, w):
    meeting = make_meeting(w.community, capacity=1)
    meetings.rsvp(w.other, meeting, "going")
    db.session.commit()
    login_as(w.member)
    response = _answer(client, meeting, "going", headers=HTMX)
    assert response.status_code == 409 and "The meeting is full." in text_of(response)
    assert "<html" not in text_of(response)


def test_someone_going_keeps_their_place_when_answering_again(client, login_as, w):
    meeting = make_meeting(w.community, capacity=1)
    login_as(w.member)
    assert _answer(client, meeting, "going").status_code == 303
    assert _answer(client, meeting, "going").status_code == 303


@pytest.mark.parametrize("who, status", [(None, 302), ("outsider", 403), ("other_committee", 403)])
def test_only_members_answer(client, login_as, w, who, status):
    meeting = make_meeting(w.community)
    if who:
        login_as(getattr(w, who))
    assert _answer(client, meeting, "going").status_code == status
    assert count(Rsvp) == 0


def test_a_meeting_that_ended_takes_no_more_answers(client, login_as, w):
    meeting = make_meeting(w.community, starts_in_hours=-5, duration_minutes=60)
    login_as(w.member)
    assert _answer(client, meeting, "going").status_code == 403


def test_a_visitor_is_invited_to_sign_in(client, w):
    meeting = make_meeting(w.community)
    html = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert "Sign in to say whether you will come." in html


# The calendar file. -----------------------------------------------------------------------------------------

def _event(response):
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    return event


def test_the_calendar_file_parses_and_starts_when_the_meeting_does(client, w):
    meeting = make_meeting(w.community, title="Lights meeting", agenda=[w.demand])
    # As typed in the form: whole minutes (iCalendar has no fractions of a second).
    meeting.starts_at = utc_of(date(NEXT_YEAR, 3, 10), time(17, 30), "Asia/Damascus")
    db.session.commit()
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    event = _event(response)
    assert event.decoded("dtstart") == meeting.starts_at
    assert event.decoded("dtend") == meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    assert str(event["summary"]) == "Lights meeting"
    assert "Manara centre" in str(event["location"])
    assert "Light the main street" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"


def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence(client, login_as, w):
    meeting = make_meeting(w.community)
    first = _event(client.get(f"/meetings/{meeting.id}.ics"))
    login_as(w.committee)
    client.post(f"/meetings/{meeting.id}/edit", data=form(w))
    second = _event(client.get(f"/meetings/{meeting.id}.ics"))
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) == int(first["sequence"]) + 1
    assert second.decoded("dtstart") == reload(meeting).starts_at


def test_a_cancelled_meeting_is_cancelled_in_the_calendar(client, w):
    meeting = make_meeting(w.community)
    meetings.cancel(w.committee, meeting, "Closed")
    db.session.commit()
    assert str(_event(client.get(f"/meetings/{meeting.id}.ics"))["status"]) == "CANCELLED"


# Minutes and outcomes. --------------------------------------------------------------------------------------

def _minutes(meeting, outcome="support", note="Unanimous", **fields):
    item = meeting.agenda[0]
    return {"minutes": "Everyone spoke.", "attendance": "23", "outcomes-0-item_id": str(item.id),
            "outcomes-0-outcome": outcome, "outcomes-0-note": note, **fields}


def test_minutes_cannot_be_posted_before_the_meeting_starts(client, login_as, w):
    meeting = make_meeting(w.community, agenda=[w.demand])
    login_as(w.committee)
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 403
    assert client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting)).status_code == 403
    assert reload(meeting).minutes_posted_at is None


def test_the_committee_posts_minutes_and_the_outcome_reaches_the_demand(client, login_as, w):
    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand], title="Lights meeting")
    login_as(w.committee)
    html = text_of(client.get(f"/meetings/{meeting.id}/minutes"))
    assert "Light the main street" in html and 'name="outcomes-0-outcome"' in html
    response = client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting, note="Unanimous vote"))
    assert response.status_code == 303 and response.headers["Location"] == f"/meetings/{meeting.id}"
    meeting = reload(meeting)
    assert (meeting.minutes, meeting.attendance) == ("Everyone spoke.", 23)
    assert (meeting.agenda[0].outcome, meeting.agenda[0].outcome_note) == ("support", "Unanimous vote")
    page = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert "Everyone spoke." in page and "23 people came" in page
    assert "The meeting supports the demand" in page
    timeline = timeline_of(client, w.demand)
    assert "Lights meeting" in timeline
    assert "The meeting supports the demand" in timeline and "Unanimous vote" in timeline


def test_hidden_minutes_take_their_outcome_notes_with_them(client, login_as, w):
    """The notes came with the minutes: once the committee hides the minutes, the meeting page and the demand's
    timeline keep each outcome, not its note."""
    from civicvoice.moderation import items
    from civicvoice.moderation import services as moderation

    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand], title="Lights meeting")
    login_as(w.committee)
    client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting, note="Call Umm Ali on 0944 555 123"))
    moderation.hide(w.committee, items.of("minutes", reload(meeting)), "رقم هاتف")
    db.session.commit()
    for page in (text_of(client.get(f"/meetings/{meeting.id}", headers=EN)), timeline_of(client, w.demand)):
        assert "The meeting supports the demand" in page
        assert "0944 555 123" not in page


def test_the_demands_timeline_costs_the_same_queries_with_more_meeting_outcomes(client, login_as, w,
                                                                               count_queries):
    """Whether each outcome's note may show depends on its meeting's minutes: read from meetings loaded once."""
    login_as(w.committee)

    def meeting_with_an_outcome(n):
        meeting = make_meeting(w.community, starts_in_hours=-2 - n, agenda=[w.demand], title=f"Meeting {n}")
        client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting, note=f"Note {n}"))

    meeting_with_an_outcome(0)
    with count_queries() as few:
        client.get(f"/demands/{w.demand.id}")
    for n in range(1, 4):
        meeting_with_an_outcome(n)
    with count_queries() as many:
        page = timeline_of(client, w.demand)
    assert "Note 3" in page
    assert len(many) == len(few)


def test_each_agenda_demand_gets_its_own_outcome(client, login_as, w):
    second = make_proposal(w.community, status="open", title="Benches for the park")
    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand, second])
    items = {item.proposal_id: item.id for item in meeting.agenda}
    login_as(w.committee)
    client.post(f"/meetings/{meeting.id}/minutes", data={
        "minutes": "Two items.", "outcomes-0-item_id": str(items[w.demand.id]), "outcomes-0-outcome": "vote",
        "outcomes-1-item_id": str(items[second.id]), "outcomes-1-outcome": "more_signatures"})
    first, second_page = (timeline_of(client, demand) for demand in (w.demand, second))
    assert "Agreed to go to a vote" in first and "Collect more signatures first" not in first
    assert "Collect more signatures first" in second_page and "Agreed to go to a vote" not in second_page


def test_an_outcome_for_an_item_of_another_meeting_is_ignored(client, login_as, w):
    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand])
    other = make_meeting(w.community, starts_in_hours=-3, agenda=[w.demand])
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/minutes", data={
        "minutes": "Minutes.", "outcomes-0-item_id": str(other.agenda[0].id), "outcomes-0-outcome": "vote"})
    assert response.status_code == 303
    assert db.session.scalar(select(AgendaItem.outcome).where(AgendaItem.id == other.agenda[0].id)) is None


def test_minutes_without_text_are_a_form_error(client, login_as, w):
    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand])
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting, minutes=""))
    assert response.status_code == 200 and "Write the minutes." in text_of(response)
    assert reload(meeting).minutes_posted_at is None


def test_an_unknown_outcome_is_a_form_error(client, login_as, w):
    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand])
    login_as(w.committee)
    response = client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting, outcome="overthrow"))
    assert response.status_code == 200
    assert reload(meeting).minutes_posted_at is None


@pytest.mark.parametrize("who, status", [(None, 302), ("member", 403), ("outsider", 403),
                                         ("other_committee", 403)])
def test_only_the_committee_of_the_community_posts_minutes(client, login_as, w, who, status):
    meeting = make_meeting(w.community, starts_in_hours=-2, agenda=[w.demand])
    if who:
        login_as(getattr(w, who))
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == status
    assert client.post(f"/meetings/{meeting.id}/minutes", data=_minutes(meeting)).status_code == status
    assert reload(meeting).minutes_posted_at is None


# Lists: the community, its centres, the meetings page, the demand page. -------------------------------------

@pytest.fixture
def three(w):
    """An upcoming meeting at the centre, one that ended yesterday, a cancelled one."""
    upcoming = make_meeting(w.community, title="UPCOMING-MEETING", agenda=[w.demand])
    ended = make_meeting(w.community, title="ENDED-MEETING", starts_in_hours=-24)
    cancelled = make_meeting(w.community, title="CANCELLED-MEETING")
    meetings.cancel(w.committee, cancelled, "No room")
    db.session.commit()
    return SimpleNamespace(upcoming=upcoming, ended=ended, cancelled=cancelled)


def test_the_community_page_lists_upcoming_meetings(client, w, three):
    html = text_of(client.get("/communities/midan"))
    assert "UPCOMING-MEETING" in html and f"/meetings/{three.upcoming.id}" in html
    assert "ENDED-MEETING" not in html and "CANCELLED-MEETING" not in html


def test_the_centre_page_lists_its_upcoming_meetings(client, w, three):
    elsewhere = make_centre(w.community, name="Second centre")
    make_meeting(w.community, title="AT-THE-OTHER-CENTRE", centre=elsewhere)
    response = client.get(f"/communities/midan/centres/{w.centre.id}", headers=EN)
    html = text_of(response)
    assert response.status_code == 200
    assert "Manara centre" in html and "Main square" in html
    assert "UPCOMING-MEETING" in html
    assert "ENDED-MEETING" not in html and "CANCELLED-MEETING" not in html
    assert "AT-THE-OTHER-CENTRE" not in html


def test_a_centre_of_another_community_is_404_here(client, w):
    foreign = make_centre(make_community())
    assert client.get(f"/communities/midan/centres/{foreign.id}").status_code == 404


def test_the_meetings_page_lists_upcoming_then_past_and_cancelled(client, w, three):
    html = text_of(client.get("/communities/midan/meetings", headers=EN))
    upcoming, past = html.split('id="past-title"', 1)
    assert "UPCOMING-MEETING" in upcoming and "ENDED-MEETING" not in upcoming
    assert "ENDED-MEETING" in past and "CANCELLED-MEETING" in past and "UPCOMING-MEETING" not in past


@pytest.mark.parametrize("page", ["0", "-1"])
def test_a_bad_page_of_the_meetings_page_is_400(client, w, page):
    assert client.get(f"/communities/midan/meetings?page={page}").status_code == 400


def test_the_demand_page_lists_its_meetings(client, w, three):
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    assert "UPCOMING-MEETING" in html and f"/meetings/{three.upcoming.id}" in html
    assert "ENDED-MEETING" not in html  # not on its agenda


def test_the_meeting_page_hides_the_title_of_an_agenda_demand_that_became_private(client, w):
    meeting = make_meeting(w.community, agenda=[w.demand])
    w.demand.status, w.demand.published_at = "hidden", w.demand.published_at
    db.session.commit()
    html = text_of(client.get(f"/meetings/{meeting.id}", headers=EN))
    assert "Light the main street" not in html
    assert "A demand that is no longer public" in html
    assert "Light the main street" not in text_of(client.get(f"/meetings/{meeting.id}.ics"))
