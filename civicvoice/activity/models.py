from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db


class Event(Timestamped, db.Model):
    """Something that happened: who did what to which subject, in which community."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")

    __table_args__ = (
        Index("ix_events_subject", "subject_type", "subject_id", "created_at"),
        Index("ix_events_community_created", "community_id", "created_at"),
    )


class Notification(db.Model):
    """An event shown to one recipient until they read it, and mailed to them as their preference for its kind
    says. Until it is mailed (`mailed_at`), the row is the mail's outbox: a failed delivery is tried again."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(24), default="community", server_default="community")
    # Decided when the notification is made: "none" (in the app only), "now" (an email at once), "digest".
    email: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    mailed_at: Mapped[datetime | None]

    event = relationship(Event, lazy="joined")
    recipient = relationship("User")

    __table_args__ = (
        db.UniqueConstraint("recipient_id", "event_id"),
        CheckConstraint("email IN ('none', 'now', 'digest')", name="email"),
        Index("ix_notifications_recipient_read", "recipient_id", "read_at", "id"),
        # The mail still to send: a short list, whatever the number of notifications kept.
        Index("ix_notifications_unmailed", "email", "recipient_id", sqlite_where=text("mailed_at IS NULL"),
              postgresql_where=text("mailed_at IS NULL")),
    )


class NotificationPreference(db.Model):
    """How one person hears about one kind of notification (no row: the kind's default)."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        CheckConstraint("channel IN ('app', 'now', 'digest')", name="channel"),
    )
