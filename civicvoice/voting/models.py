"""Votes. Who may vote (Elector), who voted (Participation) and what was chosen (Ballot) are three tables.

For a secret vote the ballot carries no voter, no time and a random key, so nothing in the schema joins a ballot
to a person: not a foreign key, not a timestamp, not an insertion order. While such a vote is open its ballots are
sealed (sealing.py); closing writes them out in clear, in a random order.
"""
import secrets
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped
from ..extensions import db

KINDS = {"adoption": _l("adoption vote"), "priority": _l("priority ballot")}
METHODS = {"yes_no": _l("yes / no / abstain"), "ranked": _l("ranked (Schulze method)"),
           "approval": _l("approval (tick any number)")}
MAJORITIES = {"simple": _l("simple majority of yes and no"), "two_thirds": _l("two thirds of yes and no")}
CHOICES = {"yes": _l("Yes"), "no": _l("No"), "abstain": _l("Abstain")}
CHANNELS = {"online": _l("online"), "proxy": _l("by proxy"), "assisted": _l("assisted at the centre")}


def new_key() -> str:
    return secrets.token_hex(16)


def new_receipt() -> str:
    """A receipt code a voter can read out or copy: 12 characters without look-alikes (0/O, 1/I/L)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    code = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


class Poll(Timestamped, db.Model):
    """A vote of a community: adopting one demand, or ranking several."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    # The demand an adoption vote decides (NULL for a priority ballot).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_only: Mapped[bool] = mapped_column(Boolean, default=False)
    quorum_percent: Mapped[int] = mapped_column(default=20)
    majority: Mapped[str] = mapped_column(String(10), default="simple")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    close_reason: Mapped[str] = mapped_column(Text, default="")
    # Size of the electorate snapshot, and the result computed at closing (kept so it never changes afterwards).
    electorate: Mapped[int] = mapped_column(default=0)
    turnout: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    community = relationship("Community", lazy="joined", innerjoin=True)
    proposal = relationship("Proposal")
    options: Mapped[list["PollOption"]] = relationship(back_populates="poll", cascade="all, delete-orphan",
                                                       order_by="PollOption.position")

    __table_args__ = (
        CheckConstraint("kind IN ('adoption', 'priority')", name="kind"),
        CheckConstraint("method IN ('yes_no', 'ranked', 'approval')", name="method"),
        CheckConstraint("(kind = 'adoption') = (method = 'yes_no')", name="method_of_kind"),
        CheckConstraint("(kind = 'adoption') = (proposal_id IS NOT NULL)", name="proposal_of_adoption"),
        CheckConstraint("majority IN ('simple', 'two_thirds')", name="majority"),
        CheckConstraint("quorum_percent BETWEEN 0 AND 100", name="quorum"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("electorate >= 0 AND turnout >= 0 AND turnout <= electorate", name="turnout"),
        CheckConstraint("status = 'open' OR closed_at IS NOT NULL", name="closed_at"),
        Index("ix_polls_status_closes", "status", "closes_at"),
        UniqueConstraint("proposal_id"),  # one adoption vote per demand
    )

    @property
    def method_label(self):
        return METHODS[self.method]

    @property
    def kind_label(self):
        return KINDS[self.kind]

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class PollOption(db.Model):
    """A demand on a priority ballot."""

    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    poll: Mapped[Poll] = relationship(back_populates="options")
    proposal = relationship("Proposal", lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("poll_id", "proposal_id"),)


class Elector(db.Model):
    """A member entitled to vote, recorded when the vote opened (joining later gives no vote)."""

    __tablename__ = "poll_electors"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)


class Participation(db.Model):
    """That a person voted, and how (online, by proxy, assisted): never what they chose.

    The unique constraint is the one-ballot-per-voter rule, secret or not.
    """

    __tablename__ = "poll_participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="online")
    # Who cast it for the voter: the proxy holder, or the committee member at the centre.
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    cast_by = relationship("User", foreign_keys=[cast_by_id])

    __table_args__ = (
        UniqueConstraint("poll_id", "user_id"),
        CheckConstraint("channel IN ('online', 'proxy', 'assisted')", name="channel"),
        CheckConstraint("channel <> 'online' OR cast_by_id IS NULL", name="cast_by"),
    )


class Ballot(db.Model):
    """What was chosen. `voter_id` only when the vote is not secret; the key is random, there is no timestamp.

    A ballot of an open secret vote is sealed: `sealed` holds its answer and receipt encrypted, every other column
    but the key and the vote is empty. Closing replaces the sealed ballots with plain ones (services.close).
    """

    __tablename__ = "poll_ballots"

    key: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_key)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    receipt: Mapped[str | None] = mapped_column(String(14))
    choice: Mapped[str | None] = mapped_column(String(8))
    # Ranked: proposal ids best first. Approval: the approved proposal ids.
    ranking: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    voter = relationship("User")

    __table_args__ = (
        UniqueConstraint("poll_id", "voter_id"),
        # A receipt is looked up within its vote only. Sealed receipts are unique too, but the database sees them
        # only once the box is opened: the close's INSERT is where a clash (a copied sealed row) is refused.
        UniqueConstraint("poll_id", "receipt"),
        CheckConstraint("choice IS NULL OR choice IN ('yes', 'no', 'abstain')", name="choice"),
        CheckConstraint("(sealed IS NOT NULL AND receipt IS NULL AND choice IS NULL AND ranking IS NULL "
                        "AND voter_id IS NULL) OR (sealed IS NULL AND receipt IS NOT NULL "
                        "AND (choice IS NULL) <> (ranking IS NULL))", name="sealed_or_plain"),
        # SQLite keeps rows in primary-key order (the random key), not in insertion order: even the file's
        # layout does not tell who voted when. PostgreSQL's heap keeps insertion order: hence the sealing, and
        # the plain ballots written in a random order at the close.
        {"sqlite_with_rowid": False},
    )


class Proxy(Timestamped, db.Model):
    """A member lets another member vote for them in one vote (revocable until used)."""

    __tablename__ = "poll_proxies"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    grantor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    grantor = relationship("User", foreign_keys=[grantor_id], lazy="joined")
    holder = relationship("User", foreign_keys=[holder_id], lazy="joined")

    __table_args__ = (
        # One proxy per grantor per vote: it cannot be given to two holders.
        UniqueConstraint("poll_id", "grantor_id"),
        CheckConstraint("grantor_id <> holder_id", name="not_to_oneself"),
    )
