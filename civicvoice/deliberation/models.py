from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db

STANCES = {"for": _l("for"), "against": _l("against"), "question": _l("question")}
# Replies nest up to this depth (0 = the argument itself); deeper replies join the last level, flat.
MAX_DEPTH = 2
BODY_MAX = 5000


class Argument(Timestamped, db.Model):
    """A member's argument for or against a demand, a question, or a reply in its thread."""

    __tablename__ = "arguments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The top-level argument of the thread (NULL for top-level arguments): a page of threads loads in one query.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(default=0)
    stance: Mapped[str | None] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    # A reply to a question given on behalf of the demand's authors.
    as_authors: Mapped[bool] = mapped_column(Boolean, default=False)
    # held: waiting for the committee (pre-moderation rules), shown to its author and the committee only.
    status: Mapped[str] = mapped_column(String(10), default="visible")
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    # Why it waits for review (moderation/premoderation.py HOLD_REASONS).
    held_reason: Mapped[str | None] = mapped_column(String(16))
    edited_at: Mapped[datetime | None]
    # Kept in SQL (UPDATE … + 1) in the same transaction as each mark; see services.mark_helpful.
    helpful_count: Mapped[int] = mapped_column(default=0)

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    proposal = relationship("Proposal")

    __table_args__ = (
        CheckConstraint("stance IN ('for', 'against', 'question') OR stance IS NULL", name="stance"),
        # Top-level arguments take a side; replies do not.
        CheckConstraint("(parent_id IS NULL) = (stance IS NOT NULL)", name="stance_on_top_level"),
        CheckConstraint("(parent_id IS NULL) = (root_id IS NULL)", name="root_with_parent"),
        CheckConstraint(f"depth BETWEEN 0 AND {MAX_DEPTH}", name="depth"),
        CheckConstraint("status IN ('visible', 'deleted', 'hidden', 'held')", name="status"),
        CheckConstraint("(status = 'held') = (held_reason IS NOT NULL)", name="held_reason"),
        CheckConstraint("helpful_count >= 0", name="helpful_count"),
        CheckConstraint("id <> parent_id", name="not_own_parent"),
        Index("ix_arguments_proposal_top", "proposal_id", "parent_id", "helpful_count"),
    )

    @property
    def stance_label(self):
        return STANCES.get(self.stance, "")

    @property
    def is_visible(self) -> bool:
        return self.status == "visible"


class ArgumentEdit(db.Model):
    """The text an argument had before its author edited it (read by the committee)."""

    __tablename__ = "argument_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class HelpfulMark(db.Model):
    """One person found one argument helpful."""

    __tablename__ = "helpful_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("argument_id", "user_id"),)


AMENDMENT_STATUSES = {
    "proposed": _l("proposed"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "withdrawn": _l("withdrawn"),
}
# The parts of a demand's text an amendment may change (category and council only before any signature).
AMENDABLE_FIELDS = ("title", "summary", "body", "place", "resolution", "category", "council_id")


class Amendment(Timestamped, db.Model):
    """A member's proposed new version of a demand's text, with the reason for the change."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    reason: Mapped[str] = mapped_column(Text)
    # The revision the amendment was written against: accepting checks nobody changed the same fields since.
    base_revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id", ondelete="SET NULL"))
    support_count: Mapped[int] = mapped_column(default=0)
    oppose_count: Mapped[int] = mapped_column(default=0)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int | None]
    # Hidden by moderation: out of every list and count; its page shows the reason instead of the text.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    council = relationship("Council")
    proposal = relationship("Proposal")

    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'accepted', 'declined', 'withdrawn')", name="status"),
        CheckConstraint("support_count >= 0 AND oppose_count >= 0", name="counts"),
        CheckConstraint("status <> 'accepted' OR revision_number IS NOT NULL", name="accepted_revision"),
        CheckConstraint("status <> 'declined' OR decline_reason <> ''", name="declined_reason"),
    )

    @property
    def status_label(self):
        return AMENDMENT_STATUSES[self.status]


class AmendmentPosition(db.Model):
    """One member supports or opposes one amendment (changing it updates the row)."""

    __tablename__ = "amendment_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("amendment_id", "user_id"),
        CheckConstraint("position IN ('support', 'oppose')", name="position"),
    )
