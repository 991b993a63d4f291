from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped
from ..extensions import db

VISIBILITY = {"public": _l("Show my name on the demand page"),
              "letter_only": _l("Only in the letter to the council (the public sees \"a resident\")")}


class PaperBatch(Timestamped, db.Model):
    """Signatures collected on a sheet at a centre and typed in by a committee member; the scan is kept."""

    __tablename__ = "paper_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"))
    collected_on: Mapped[date] = mapped_column(Date)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scan_key: Mapped[str] = mapped_column(String(64), unique=True)
    scan_type: Mapped[str] = mapped_column(String(40))
    scan_filename: Mapped[str] = mapped_column(String(200))

    centre = relationship("Centre", lazy="joined")
    entered_by = relationship("User", lazy="joined")


class Signature(Timestamped, db.Model):
    """One person's backing of one demand: online (an account) or on paper (a row of a batch)."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(8), default="online")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    comment: Mapped[str] = mapped_column(String(280), default="")
    # Paper rows: the name and neighbourhood as written on the sheet, the phone if given (never public).
    name: Mapped[str | None] = mapped_column(String(120))
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("paper_batches.id", ondelete="CASCADE"), index=True)
    confirmed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str] = mapped_column(String(500), default="")
    # Online rows, while the demand collects signatures: what a bulk invalidation matches on, hashed
    # (networks.py), forgotten once signing is over for good (services.forget_networks). Paper rows have none.
    network_hash: Mapped[str | None] = mapped_column(String(8))
    domain_hash: Mapped[str | None] = mapped_column(String(16))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    batch = relationship(PaperBatch, lazy="joined")

    __table_args__ = (
        # One signature per person per demand: the database decides, whatever the requests race.
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint("source IN ('online', 'paper')", name="source"),
        CheckConstraint("status IN ('pending', 'confirmed', 'voided')", name="status"),
        CheckConstraint("visibility IN ('public', 'letter_only')", name="visibility"),
        CheckConstraint("source = 'online' OR (name IS NOT NULL AND batch_id IS NOT NULL AND user_id IS NULL)",
                        name="paper_row"),
        CheckConstraint("source = 'online' OR (network_hash IS NULL AND domain_hash IS NULL)",
                        name="paper_unhashed"),
        Index("ix_signatures_proposal_status_confirmed", "proposal_id", "status", "confirmed_at"),
        # The invalidation page's filters: one demand's signatures from one network, or one domain, in a window.
        Index("ix_signatures_proposal_network", "proposal_id", "network_hash", "created_at"),
        Index("ix_signatures_proposal_domain", "proposal_id", "domain_hash", "created_at"),
    )

    @property
    def public_name(self):
        """What the public sees: the name only when the signer chose it, never for paper rows."""
        if self.source == "paper" or self.visibility != "public" or self.user is None:
            return _l("a resident")
        return self.user.public_name

    @property
    def letter_name(self):
        """The name for the committee's export and the letter annex."""
        if self.source == "paper":
            return self.name
        return self.user.known_name if self.user is not None else _l("former member")
