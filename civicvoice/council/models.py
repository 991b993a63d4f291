from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..communities.models import Council
from ..database import Timestamped
from ..extensions import db

DECISIONS = ("accepted", "partial", "declined", "referred")
DECISION_LABELS = {"accepted": _l("Accepted"), "partial": _l("Partially accepted"), "declined": _l("Declined"),
                   "referred": _l("Referred to another body")}
STAGES = ("scheduled", "in_progress", "resolved")
STAGE_LABELS = {"scheduled": _l("Work scheduled"), "in_progress": _l("Work in progress"),
                "resolved": _l("Resolved")}
KINDS = ("acknowledgement", "answer", "progress")
VERDICTS = ("confirm", "contest")


class CouncilResponse(Timestamped, db.Model):
    """What the council said in public about a letter it received: an acknowledgement, its answer, or progress."""

    __tablename__ = "council_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(10))
    stage: Mapped[str | None] = mapped_column(String(12))
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    referred_to: Mapped[str] = mapped_column(String(200), default="")
    registry_number: Mapped[str] = mapped_column(String(60), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="ar")
    # For a "resolved" update: when residents' confirmations and contests were weighed (None: not yet).
    settled_at: Mapped[datetime | None]

    author = relationship("User", lazy="joined")
    council = relationship(Council)
    photos: Mapped[list["ResponsePhoto"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ResponsePhoto.id", lazy="selectin")

    __table_args__ = (
        CheckConstraint("kind IN ('acknowledgement', 'answer', 'progress')", name="kind"),
        CheckConstraint("language IN ('ar', 'en')", name="language"),
        CheckConstraint("(kind = 'answer') = (decision IS NOT NULL)", name="answer_has_decision"),
        CheckConstraint("decision IS NULL OR decision IN ('accepted', 'partial', 'declined', 'referred')",
                        name="decision"),
        CheckConstraint("decision IS NULL OR decision != 'declined' OR length(body) > 0", name="declined_reason"),
        CheckConstraint("decision IS NULL OR decision != 'referred' OR length(referred_to) > 0",
                        name="referred_body"),
        CheckConstraint("(kind = 'progress') = (stage IS NOT NULL)", name="progress_has_stage"),
        CheckConstraint("stage IS NULL OR stage IN ('scheduled', 'in_progress', 'resolved')", name="stage"),
        CheckConstraint("stage IS NULL OR stage != 'scheduled' OR scheduled_for IS NOT NULL", name="scheduled_date"),
        # One acknowledgement and one answer per letter, whoever clicks first.
        Index("uq_council_responses_letter_once", "letter_id", "kind", unique=True,
              sqlite_where=text("kind IN ('acknowledgement', 'answer')"),
              postgresql_where=text("kind IN ('acknowledgement', 'answer')")),
        Index("ix_council_responses_letter_created", "letter_id", "created_at"),
    )

    @property
    def decision_label(self):
        return DECISION_LABELS.get(self.decision, "")

    @property
    def stage_label(self):
        return STAGE_LABELS.get(self.stage, "")


class ResponsePhoto(db.Model):
    """A photo attached to a council response, re-encoded without metadata, stored under a random name."""

    __tablename__ = "council_response_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("council_responses.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))

    response: Mapped[CouncilResponse] = relationship(back_populates="photos")


class ResolutionCheck(Timestamped, db.Model):
    """A signer's answer to "is it really fixed?" after a "resolved" update: confirm, or contest with a comment."""

    __tablename__ = "resolution_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("council_responses.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    photo_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    photo_type: Mapped[str] = mapped_column(String(40), default="")

    user = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("response_id", "user_id", name="uq_resolution_checks_response_user"),
        CheckConstraint("verdict IN ('confirm', 'contest')", name="verdict"),
        CheckConstraint("verdict != 'contest' OR length(comment) > 0", name="contest_comment"),
    )
