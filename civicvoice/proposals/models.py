from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db
from .states import LABELS, SIGNABLE, STATUSES

CATEGORIES = {
    "facility_repair": _l("Public facility repair"),
    "water_sanitation": _l("Water and sanitation"),
    "electricity": _l("Electricity"),
    "roads_transport": _l("Roads and transport"),
    "education": _l("Education"),
    "health": _l("Health"),
    "vulnerable": _l("Services for the most vulnerable (elderly, people with disabilities, orphans)"),
    "environment": _l("Environment and cleanliness"),
    "other": _l("Other"),
}

REJECTION_REASONS = {
    "duplicate": _l("Duplicate of another demand"),
    "not_community_matter": _l("Not a matter for the community"),
    "wrong_council": _l("Not addressed to a competent council"),
    "offensive": _l("Offensive"),
    "incomplete": _l("Incomplete"),
    "other": _l("Other"),
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Proposal(Timestamped, db.Model):
    """A demand: what a community asks of a council."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id", ondelete="SET NULL"), index=True)
    # The community centre where it was raised (optional), for the centre's page.
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[str] = mapped_column(String(160))
    # Normalised title (diacritics, tatweel, letter variants folded) for similarity matching.
    title_key: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default="other")
    place: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    resolution: Mapped[str] = mapped_column(Text, default="")
    signature_goal: Mapped[int] = mapped_column(default=50)
    # Counters kept by signatures.services in the same transaction as each signature (see reconcile()).
    signature_count: Mapped[int] = mapped_column(default=0)
    online_count: Mapped[int] = mapped_column(default=0, server_default="0")
    paper_count: Mapped[int] = mapped_column(default=0, server_default="0")
    goal_reached_at: Mapped[datetime | None]
    rejection_code: Mapped[str | None] = mapped_column(String(32))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    community = relationship("Community", lazy="joined", innerjoin=True)
    council = relationship("Council", lazy="joined")
    centre = relationship("Centre")
    author = relationship("User", foreign_keys=[author_id])
    merged_into = relationship("Proposal", remote_side=[id])
    coauthors: Mapped[list["Coauthor"]] = relationship(back_populates="proposal", cascade="all, delete-orphan",
                                                       order_by="Coauthor.id")

    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("rejection_code", REJECTION_REASONS) + " OR rejection_code IS NULL", name="rejection"),
        CheckConstraint("signature_goal BETWEEN 1 AND 1000000", name="goal"),
        CheckConstraint("signature_count >= 0", name="count"),
        CheckConstraint("online_count >= 0 AND paper_count >= 0", name="counts"),
        CheckConstraint("signature_count = online_count + paper_count", name="count_total"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        Index("ix_proposals_community_status_published", "community_id", "status", "published_at"),
        Index("ix_proposals_status_published", "status", "published_at"),
        Index("ix_proposals_status_signatures", "status", "signature_count"),
        Index("ix_proposals_status_activity", "status", "last_activity_at"),
        Index("ix_proposals_category", "category", "status"),
        Index("ix_proposals_community_title_key", "community_id", "title_key"),
    )

    @property
    def status_label(self):
        return LABELS[self.status]

    @property
    def is_signable(self) -> bool:
        return self.status in SIGNABLE

    @property
    def category_label(self):
        return CATEGORIES[self.category]


class Coauthor(Timestamped, db.Model):
    """A member invited to write a demand with its author; counts as an author once accepted."""

    __tablename__ = "proposal_coauthors"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited")

    proposal: Mapped[Proposal] = relationship(back_populates="coauthors")
    user = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint("status IN ('invited', 'accepted')", name="status"),
    )


class Revision(db.Model):
    """The text of a demand as one person saved it; numbered 1, 2, 3… per demand."""

    __tablename__ = "proposal_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int]
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id", ondelete="SET NULL"))
    place: Mapped[str] = mapped_column(String(300), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    # Set when the revision is an accepted amendment: `editor` is then the amender, credited for the text.
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id", ondelete="SET NULL"))

    editor = relationship("User", lazy="joined")
    council = relationship("Council", lazy="joined")

    __table_args__ = (UniqueConstraint("proposal_id", "number"),)


class Attachment(Timestamped, db.Model):
    """A photo or document of a demand; the file lives outside static/, under a random name."""

    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')", name="content_type"),
        CheckConstraint("size > 0", name="size"),
    )
