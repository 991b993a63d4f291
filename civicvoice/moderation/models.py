from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db

REASONS = {
    "spam": _l("Spam or advertising"),
    "offensive": _l("Offensive or abusive"),
    "personal_data": _l("Personal data exposed"),
    "false_information": _l("False information"),
    "off_topic": _l("Off-topic"),
    "other": _l("Something else"),
}
# What can be reported, as the URL and the `subject_type` of a case name it.
KINDS = ("proposal", "argument", "amendment", "minutes", "user")
KIND_LABELS = {
    "proposal": _l("a demand"),
    "argument": _l("an argument"),
    "amendment": _l("an amendment"),
    "minutes": _l("meeting minutes"),
    "user": _l("a person"),
}
# open: reported, still shown; auto_hidden: enough reports, hidden until a committee member reviews it;
# hidden: the committee keeps it hidden; restored / dismissed: shown again (reports dismissed).
STATUSES = ("open", "auto_hidden", "hidden", "restored", "dismissed")
HIDDEN = frozenset({"auto_hidden", "hidden"})
PENDING = frozenset({"open", "auto_hidden"})
BLOCK_PERIODS = {"7": _l("7 days"), "30": _l("30 days"), "permanent": _l("Permanently")}
APPEAL_DECISIONS = ("upheld", "granted")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ModerationCase(db.Model):
    """Everything the committee knows and decided about one item of a community: its reports, and whether it is
    shown. One case per item (per community, for a person), reopened when new reports come after a decision."""

    __tablename__ = "moderation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[int]
    # Who wrote the item (the person themselves for a reported person): they are told, and may appeal.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    # A hidden demand goes back to the status it had before (proposals/states.py "unhide").
    previous_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # When the current round of reports (or the hiding) started: the queue is oldest first.
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community = relationship("Community", lazy="joined", innerjoin=True)
    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    appeal: Mapped["Appeal | None"] = relationship(back_populates="case", uselist=False)

    __table_args__ = (
        UniqueConstraint("community_id", "subject_type", "subject_id"),
        CheckConstraint(_in("subject_type", KINDS), name="subject_type"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("status NOT IN ('hidden', 'restored', 'dismissed') OR decided_at IS NOT NULL",
                        name="decided"),
        Index("ix_moderation_cases_queue", "community_id", "status", "opened_at"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.status in HIDDEN

    @property
    def kind_label(self):
        return KIND_LABELS[self.subject_type]


class Report(db.Model):
    """One person's report of one item: one per person per item, whatever happens to the case."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("moderation_cases.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a committee decision answered it; reports still open count towards hiding the item.
    resolved_at: Mapped[datetime | None]

    reporter = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("case_id", "reporter_id"),
        CheckConstraint(_in("reason", REASONS), name="reason"),
        Index("ix_reports_case_open", "case_id", "resolved_at"),
    )

    @property
    def reason_label(self):
        return REASONS[self.reason]


class Appeal(db.Model):
    """The author's one appeal against hiding their item, decided by another committee member when there is one."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("moderation_cases.id", ondelete="CASCADE"), unique=True)
    appellant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decision: Mapped[str | None] = mapped_column(String(8))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    case: Mapped[ModerationCase] = relationship(back_populates="appeal")
    appellant = relationship("User", foreign_keys=[appellant_id])
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('upheld', 'granted')", name="decision"),
        CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decided"),
        CheckConstraint("decision IS NULL OR decision_reason <> ''", name="decision_reason"),
        CheckConstraint("length(text) > 0", name="text"),
    )


class ModerationRules(db.Model):
    """A community's moderation settings: when reports hide an item, and which arguments wait for review."""

    __tablename__ = "moderation_rules"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    report_threshold: Mapped[int] = mapped_column(default=3)
    # Pre-moderation (0 / False / empty: off): accounts younger than N days, links, words of the list.
    hold_account_days: Mapped[int] = mapped_column(default=0)
    hold_links: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hold_words: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("report_threshold BETWEEN 1 AND 100", name="report_threshold"),
        CheckConstraint("hold_account_days BETWEEN 0 AND 365", name="hold_account_days"),
    )

    @property
    def words(self) -> list[str]:
        return [line.strip() for line in self.hold_words.splitlines() if line.strip()]

