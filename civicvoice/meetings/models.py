from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db

ANSWERS = {"going": _l("Going"), "maybe": _l("Maybe"), "not_going": _l("Not going")}
OUTCOMES = {
    "vote": _l("Agreed to go to a vote"),
    "support": _l("The meeting supports the demand"),
    "changes": _l("Changes to the text were agreed"),
    "more_discussion": _l("Needs more discussion"),
    "more_signatures": _l("Collect more signatures first"),
    "no_decision": _l("No decision"),
}


class Meeting(Timestamped, db.Model):
    """A meeting the committee holds at one of the community's centres."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=90)
    capacity: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    attendance: Mapped[int | None]
    minutes_posted_at: Mapped[datetime | None]
    # Minutes hidden by moderation (they named someone, say): the page shows the reason instead.
    minutes_hidden_at: Mapped[datetime | None]
    minutes_hidden_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Bumped on every change so calendar applications replace their copy (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)

    community = relationship("Community", lazy="joined", innerjoin=True)
    centre = relationship("Centre", lazy="joined", innerjoin=True)
    agenda: Mapped[list["AgendaItem"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                      order_by="AgendaItem.position")

    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 720", name="duration"),
        CheckConstraint("capacity IS NULL OR capacity BETWEEN 1 AND 10000", name="capacity"),
        CheckConstraint("attendance IS NULL OR attendance BETWEEN 0 AND 100000", name="attendance"),
        Index("ix_meetings_community_starts", "community_id", "starts_at"),
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_past(self) -> bool:
        return self.ends_at <= utcnow()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= utcnow()


class AgendaItem(db.Model):
    """A demand on a meeting's agenda, and what the meeting decided about it."""

    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str] = mapped_column(String(500), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    proposal = relationship("Proposal", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("meeting_id", "proposal_id"),
        CheckConstraint("outcome IS NULL OR outcome IN ('vote', 'support', 'changes', 'more_discussion', "
                        "'more_signatures', 'no_decision')", name="outcome"),
    )

    @property
    def outcome_label(self):
        return OUTCOMES.get(self.outcome, "")


class Rsvp(db.Model):
    """One person's answer to one meeting; answering again updates it."""

    __tablename__ = "meeting_rsvps"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        CheckConstraint("answer IN ('going', 'maybe', 'not_going')", name="answer"),
    )
