from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db

LANGUAGES = ("ar", "en", "ar_en")
LANGUAGE_LABELS = {"ar": _l("Arabic"), "en": _l("English"), "ar_en": _l("Arabic, then English")}
STATUSES = ("draft", "approved", "sent")
STATUS_LABELS = {"draft": _l("Draft: awaiting approval"), "approved": _l("Approved: ready to send"),
                 "sent": _l("Sent to the council")}
METHODS = ("email", "hand")
# What the committee writes in a version (the rest is the evidence snapshot and the approval).
EDITABLE_FIELDS = ("language", "letter_date", "show_hijri", "recipient_name", "recipient_title", "recipient_address",
                   "subject", "body", "place", "resolution", "signatories")


class Letter(Timestamped, db.Model):
    """One letter per demand. Its reference is taken once and never reused; its content lives in versions."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id", ondelete="SET NULL"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[str | None] = mapped_column(String(8))
    sent_to: Mapped[str] = mapped_column(String(254), default="")
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivered_by: Mapped[str] = mapped_column(String(120), default="")
    registry_number: Mapped[str] = mapped_column(String(60), default="")
    receipt_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt_type: Mapped[str] = mapped_column(String(40), default="")
    response_due_on: Mapped[date | None] = mapped_column(Date)
    # When the council first acknowledged, answered and reported the work resolved: the accountability figures.
    acknowledged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    answer_decision: Mapped[str | None] = mapped_column(String(10))

    proposal = relationship("Proposal", lazy="joined")
    community = relationship("Community")
    council = relationship("Council")
    versions: Mapped[list["LetterVersion"]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="LetterVersion.number")

    __table_args__ = (
        UniqueConstraint("community_id", "year", "sequence", name="uq_letters_community_year_sequence"),
        CheckConstraint("sequence > 0", name="sequence"),
        CheckConstraint("status IN ('draft', 'approved', 'sent')", name="status"),
        CheckConstraint("method IS NULL OR method IN ('email', 'hand')", name="method"),
        CheckConstraint("status != 'sent' OR (sent_at IS NOT NULL AND method IS NOT NULL)", name="sent_complete"),
        Index("ix_letters_council_sent", "council_id", "sent_at"),
        Index("ix_letters_community_sent", "community_id", "sent_at"),
    )

    @property
    def current(self) -> "LetterVersion":
        return self.versions[-1]

    @property
    def issued(self) -> "LetterVersion | None":
        """The approved version that is (or will be) sent; None while the latest version awaits approval."""
        return self.current if self.current.approved_at is not None else None


class LetterVersion(db.Model):
    """The content of a letter as drafted; frozen once approved (a change makes the next version)."""

    __tablename__ = "letter_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    number: Mapped[int]
    language: Mapped[str] = mapped_column(String(5), default="ar")
    letter_date: Mapped[date] = mapped_column(Date)
    show_hijri: Mapped[bool] = mapped_column(default=False)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_title: Mapped[str] = mapped_column(String(200), default="")
    recipient_address: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(300), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    signatories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Counts, vote result and enclosures as they were when the version was made: the letter must not drift.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    pdf_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_pages: Mapped[int | None]
    pdf_size: Mapped[int | None]

    letter: Mapped[Letter] = relationship(back_populates="versions")
    drafted_by = relationship("User", foreign_keys=[drafted_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    __table_args__ = (
        UniqueConstraint("letter_id", "number", name="uq_letter_versions_letter_number"),
        CheckConstraint("language IN ('ar', 'en', 'ar_en')", name="language"),
        # Four eyes, in the database too: whoever drafted a version never approves it.
        CheckConstraint("approved_by_id IS NULL OR drafted_by_id IS NULL OR approved_by_id != drafted_by_id",
                        name="four_eyes"),
        CheckConstraint("approved_at IS NULL OR (verification_code IS NOT NULL AND pdf_sha256 IS NOT NULL)",
                        name="issued_complete"),
    )
