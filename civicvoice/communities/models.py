"""Communities, their centres and members; the councils they address and the councils' staff; blocks (who may
no longer post, sign or vote in a community, for now)."""
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
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


STAFF_ROLES = ("viewer", "responder")


class Council(Timestamped, db.Model):
    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    jurisdiction: Mapped[str] = mapped_column(String(160), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    response_days: Mapped[int] = mapped_column(default=30)
    # Deadlines are counted in the council's own calendar: its zone, and optionally its working days only.
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Damascus", server_default="Asia/Damascus")
    working_days: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Python weekday numbers of the weekend (Monday 0 … Sunday 6); Friday and Saturday in Syria.
    weekend: Mapped[str] = mapped_column(String(13), default="4,5", server_default="4,5")

    staff: Mapped[list["CouncilStaff"]] = relationship(back_populates="council", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("response_days BETWEEN 1 AND 365", name="response_days"),)

    @property
    def weekend_days(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.weekend.split(",") if day.strip().isdigit())


class CouncilStaff(Timestamped, db.Model):
    """An account attached to one council: a viewer reads, a responder answers."""

    __tablename__ = "council_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="viewer")

    council: Mapped[Council] = relationship(back_populates="staff")
    user = relationship("User", lazy="joined")

    __table_args__ = (CheckConstraint("role IN ('viewer', 'responder')", name="role"),)


class Block(db.Model):
    """A person may read a community but not post, sign or vote there, until `ends_at` (never, when NULL)."""

    __tablename__ = "community_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    # Set when the committee lifts it early, or (to ends_at) when a new block replaces an expired one.
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    community = relationship("Community", lazy="joined", innerjoin=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="period"),
        CheckConstraint("length(reason) > 0", name="reason"),
        # One block in force per person and community: a second committee member blocking at the same moment
        # is told it is done already.
        Index("uq_community_blocks_current", "community_id", "user_id", unique=True,
              sqlite_where=text("lifted_at IS NULL"), postgresql_where=text("lifted_at IS NULL")),
    )

    def active_at(self, moment: datetime) -> bool:
        return self.lifted_at is None and self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)

    @classmethod
    def in_force_at(cls, moment: datetime):
        """The same as active_at, as an SQL condition."""
        return and_(cls.lifted_at.is_(None), cls.starts_at <= moment, or_(cls.ends_at.is_(None), cls.ends_at > moment))
