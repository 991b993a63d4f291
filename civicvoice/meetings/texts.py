"""How the events of meetings read, on a demand's timeline and in notifications."""
from flask import g, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..activity import messages
from ..activity.messages import bdi, moment
from ..extensions import db
from .models import OUTCOMES, Meeting


def _minutes_hidden(event) -> bool:
    """The note came with the meeting's minutes: when the committee hid them, the note is hidden too. The meetings
    of the community whose minutes are hidden are read once per request, however long the timeline."""
    meeting_id = (event.data or {}).get("meeting_id")
    if not meeting_id:
        return False
    hidden = g.setdefault("_hidden_minutes", {})
    if event.community_id not in hidden:
        hidden[event.community_id] = set(db.session.scalars(select(Meeting.id).where(
            Meeting.community_id == event.community_id, Meeting.minutes_hidden_at.is_not(None))))
    return meeting_id in hidden[event.community_id]


def describe(event, notification: bool = False):
    data = event.data or {}
    when = moment(data.get("starts_at"), data.get("tz"))
    community = bdi(data.get("community_name", ""))
    texts = {
        "proposal.on_agenda": lambda: _("On the agenda of the meeting %(meeting)s (%(when)s, %(centre)s).",
                                        meeting=bdi(data.get("meeting_title", "")), when=when,
                                        centre=bdi(data.get("centre", ""))),
        "proposal.meeting_outcome": lambda: (
            _("Meeting %(meeting)s (%(when)s): %(outcome)s. %(note)s", meeting=bdi(data.get("meeting_title", "")),
              when=when, outcome=OUTCOMES.get(data.get("outcome"), ""), note=bdi(data.get("note", "")))
            if data.get("note") and not _minutes_hidden(event) else
            _("Meeting %(meeting)s (%(when)s): %(outcome)s.", meeting=bdi(data.get("meeting_title", "")),
              when=when, outcome=OUTCOMES.get(data.get("outcome"), ""))),
        "meeting.scheduled": lambda: _("New meeting in %(community)s: %(title)s, %(when)s at %(centre)s.",
                                       community=community, title=bdi(data.get("title", "")), when=when,
                                       centre=bdi(data.get("centre", ""))),
        "meeting.changed": lambda: _("The meeting %(title)s changed: now %(when)s at %(centre)s.",
                                     title=bdi(data.get("title", "")), when=when,
                                     centre=bdi(data.get("centre", ""))),
        "meeting.cancelled": lambda: _("The meeting %(title)s (%(when)s) is cancelled: %(reason)s",
                                       title=bdi(data.get("title", "")), when=when,
                                       reason=bdi(data.get("reason", ""))),
        "meeting.minutes_posted": lambda: _("The minutes of the meeting %(title)s are posted.",
                                            title=bdi(data.get("title", ""))),
    }
    text = texts.get(event.verb)
    return text() if text else None


def register() -> None:
    messages.sentences(describe, "proposal.on_agenda", "proposal.meeting_outcome", "meeting.")
    messages.links("meetings", lambda event: url_for("meetings.show", meeting_id=event.subject_id))
