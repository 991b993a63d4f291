"""A meeting as an iCalendar file (RFC 5545), so phones can put it in their calendar."""
from flask_babel import gettext as _
from flask_login import current_user
from icalendar import Calendar, Event

from .. import urls
from ..database import utcnow
from ..proposals.rules import can_view_proposal


def calendar(meeting) -> bytes:
    """One VEVENT in UTC; its UID is stable and SEQUENCE grows with each change, so calendars update it."""
    cal = Calendar()
    cal.add("prodid", "-//CivicVoice//Meetings//AR")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{urls.host()}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    location = ", ".join(part for part in (meeting.centre.name, meeting.centre.address.replace("\n", ", ")) if part)
    event.add("location", location)
    url = urls.external("meetings.show", meeting_id=meeting.id)
    event.add("url", url)
    lines = [meeting.description] if meeting.description else []
    # Like the meeting page: the title of a demand that is no longer public stays with those who may see it.
    agenda = [item for item in meeting.agenda if can_view_proposal(current_user, item.proposal)]
    if agenda:
        lines.append(_("Agenda:"))
        lines.extend(f"- {item.proposal.title}" for item in agenda)
    lines.append(url)
    event.add("description", "\n".join(lines))
    cal.add_component(event)
    return cal.to_ical()
