"""What meetings hold about a person (their download), and what keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import Meeting, Rsvp


def export(user) -> Part:
    answers = db.session.execute(select(Rsvp, Meeting).join(Meeting, Meeting.id == Rsvp.meeting_id)
                                 .where(Rsvp.user_id == user.id).order_by(Rsvp.id))
    organised = db.session.scalars(select(Meeting).where(Meeting.organiser_id == user.id).order_by(Meeting.id))
    return Part({
        "answers": [row(rsvp, "meeting_id", "answer", "updated_at") | row(meeting, "title", "starts_at")
                    for rsvp, meeting in answers],
        "meetings_organised": [row(m, "id", "community_id", "title", "starts_at", "status") for m in organised],
    })


def contributors(user_ids: list[int]) -> set[int]:
    return set(db.session.scalars(select(Meeting.organiser_id).where(Meeting.organiser_id.in_(user_ids))))
