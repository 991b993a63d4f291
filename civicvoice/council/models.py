from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped
from ..extensions import db

STAFF_ROLES = ("viewer", "responder")


class Council(Timestamped, db.Model):
    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    jurisdiction: Mapped[str] = mapped_column(String(160), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    response_days: Mapped[int] = mapped_column(default=30)

    staff: Mapped[list["CouncilStaff"]] = relationship(back_populates="council", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("response_days BETWEEN 1 AND 365", name="response_days"),)


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
