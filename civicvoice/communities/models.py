from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped
from ..extensions import db

community_councils = Table(
    "community_councils",
    db.metadata,
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    Column("council_id", ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True),
)


class Community(Timestamped, db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # Short ASCII code used in letter reference numbers (<code>/<year>/<sequence>).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Damascus")
    # Committee review of drafts: due after `review_due_days`, overdue after `review_overdue_days`.
    review_due_days: Mapped[int] = mapped_column(default=7, server_default="7")
    review_overdue_days: Mapped[int] = mapped_column(default=14, server_default="14")
    signature_goal: Mapped[int] = mapped_column(default=50, server_default="50")

    centres: Mapped[list["Centre"]] = relationship(
        back_populates="community", order_by="Centre.name", cascade="all, delete-orphan"
    )
    councils = relationship("Council", secondary=community_councils, order_by="Council.name")

    __table_args__ = (
        CheckConstraint("code = upper(code)", name="code_upper"),
        CheckConstraint("review_due_days BETWEEN 1 AND review_overdue_days", name="review_days"),
        CheckConstraint("signature_goal BETWEEN 1 AND 1000000", name="signature_goal"),
    )


class Centre(Timestamped, db.Model):
    """A community centre: where people meet, sign on paper and volunteer."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(32))

    community: Mapped[Community] = relationship(back_populates="centres")


ROLES = ("member", "committee")
STATUSES = ("pending", "active")


class Membership(Timestamped, db.Model):
    """A person's place in a community: a pending request, a member or a committee member."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    joined_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    user = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("community_id", "user_id"),
        CheckConstraint("role IN ('member', 'committee')", name="role"),
        CheckConstraint("status IN ('pending', 'active')", name="status"),
        CheckConstraint("role = 'member' OR status = 'active'", name="committee_is_active"),
    )


class VerificationRequest(Timestamped, db.Model):
    """A member asks the committee to verify their identity in person (at the centre)."""

    __tablename__ = "verification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    resolved_at: Mapped[datetime | None]

    user = relationship("User", lazy="joined")

    __table_args__ = (
        Index("uq_verification_requests_open", "community_id", "user_id", unique=True,
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
    )
