from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db
from ..proposals.models import CATEGORIES

# Days of the week as Python numbers them (Monday 0): bit `n` of a `days` mask is that day.
DAYS = {5: _l("Saturdays"), 6: _l("Sundays"), 0: _l("Mondays"), 1: _l("Tuesdays"), 2: _l("Wednesdays"),
        3: _l("Thursdays"), 4: _l("Fridays")}
DAY_KEYS = {0: "mon", 1: "tue", 2: "wed", 3: "thu", 4: "fri", 5: "sat", 6: "sun"}
# Times of day: bit 0 morning (before noon), 1 afternoon (noon to 5 pm), 2 evening.
TIMES = {0: _l("mornings"), 1: _l("afternoons"), 2: _l("evenings")}
ALL_DAYS, ALL_TIMES = 0b1111111, 0b111

VISIBILITY = {"committee": _l("Only the committees of my communities"),
              "members": _l("Members of my communities and the coordinators")}
OFFER_KINDS = {"time": _l("Time"), "skill": _l("A skill"), "resource": _l("A resource")}
OPPORTUNITY_STATUSES = {"proposed": _l("awaiting approval"), "open": _l("open"), "closed": _l("closed"),
                        "cancelled": _l("cancelled"), "rejected": _l("not approved")}
SIGNUP_STATUSES = {"invited": _l("invited"), "pending": _l("awaiting confirmation"), "confirmed": _l("confirmed"),
                   "declined": _l("declined"), "withdrawn": _l("withdrawn")}
# Sign-ups that hold one of the places an opportunity offers.
HOLDING = ("pending", "confirmed")
# The list the site starts with (the migration seeds a copy of it); site administrators change it at /admin/skills.
DEFAULT_SKILLS = [
    ("plumbing", "السباكة", "Plumbing"), ("electricity", "الكهرباء", "Electricity"),
    ("building", "البناء والترميم", "Building"), ("teaching", "التعليم", "Teaching"),
    ("first_aid", "الإسعافات الأولية", "First aid"), ("driving", "القيادة", "Driving"),
    ("translation", "الترجمة", "Translation"), ("design", "التصميم", "Design"),
    ("accounting", "المحاسبة", "Accounting"), ("events", "تنظيم الفعاليات", "Organising events"),
    ("data_entry", "إدخال البيانات", "Data entry"), ("childcare", "رعاية الأطفال", "Childcare"),
    ("elderly_care", "رعاية كبار السن", "Elderly care"),
]
MAX_CAPACITY = 1000
MAX_HOURS = 500


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def time_slot(hour: int) -> int:
    """The bit of a time of day: morning before noon, afternoon until 5 pm, evening after."""
    return 0 if hour < 12 else 1 if hour < 17 else 2


class Skill(db.Model):
    """A skill from the list the site maintains (plumbing, first aid...), named in both languages."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    __table_args__ = (CheckConstraint("key <> ''", name="key"),)

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


profile_skills = Table(
    "volunteer_profile_skills", db.metadata,
    Column("profile_id", ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True),
)
profile_centres = Table(
    "volunteer_profile_centres", db.metadata,
    Column("profile_id", ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True, index=True),
)
opportunity_skills = Table(
    "opportunity_skills", db.metadata,
    Column("opportunity_id", ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class VolunteerProfile(Timestamped, db.Model):
    """What a resident offers to do: skills, interests, when they are free, where, and who may see it."""

    __tablename__ = "volunteer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[int] = mapped_column(default=0)  # demand categories, a bit each (see category_bits)
    days: Mapped[int] = mapped_column(default=0)
    times: Mapped[int] = mapped_column(default=0)
    about: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="committee")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", lazy="joined", innerjoin=True)
    skills: Mapped[list[Skill]] = relationship(secondary=profile_skills, order_by=Skill.key)
    centres = relationship("Centre", secondary=profile_centres, order_by="Centre.name")

    __table_args__ = (
        CheckConstraint(_in("visibility", VISIBILITY), name="visibility"),
        CheckConstraint(f"days BETWEEN 0 AND {ALL_DAYS}", name="days"),
        CheckConstraint(f"times BETWEEN 0 AND {ALL_TIMES}", name="times"),
        CheckConstraint("interests >= 0", name="interests"),
    )

    @property
    def interest_keys(self) -> list[str]:
        return [key for key, bit in category_bits().items() if self.interests & bit]


def category_bits() -> dict[str, int]:
    """A bit for each demand category, in the order the list declares them (SQL filters on the mask)."""
    return {key: 1 << n for n, key in enumerate(CATEGORIES)}


class Coordinator(Timestamped, db.Model):
    """Someone of a partner organisation whom the committee lets post and run the community's opportunities."""

    __tablename__ = "volunteer_coordinators"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("community_id", "user_id"),)


class VolunteerOffer(Timestamped, db.Model):
    """An offer of help on a demand: time, a skill or a resource, with what exactly."""

    __tablename__ = "volunteer_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    hours: Mapped[int | None]
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="active")

    user = relationship("User", lazy="joined")
    skill = relationship(Skill, lazy="joined")

    __table_args__ = (
        CheckConstraint(_in("kind", OFFER_KINDS), name="kind"),
        CheckConstraint("status IN ('active', 'withdrawn')", name="status"),
        CheckConstraint(f"hours IS NULL OR hours BETWEEN 1 AND {MAX_HOURS}", name="hours"),
        CheckConstraint("kind <> 'time' OR hours IS NOT NULL", name="time_has_hours"),
        Index("ix_volunteer_offers_proposal_status", "proposal_id", "status"),
    )

    @property
    def kind_label(self):
        return OFFER_KINDS[self.kind]


class Opportunity(Timestamped, db.Model):
    """A call for volunteers at a centre or for a demand: what, when (or ongoing), which skills, how many."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The partner coordinator who runs it (the committee always does too); None: the committee alone.
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None]  # None: ongoing
    duration_minutes: Mapped[int | None]
    # When it happens, for matching: the day and time of a dated one, chosen for an ongoing one.
    days: Mapped[int] = mapped_column(default=0)
    times: Mapped[int] = mapped_column(default=0)
    category: Mapped[str | None] = mapped_column(String(32))
    capacity: Mapped[int] = mapped_column(default=1)
    # Sign-ups awaiting confirmation or confirmed, kept in SQL with each sign-up: never above the capacity.
    places_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(10), default="open")
    reason: Mapped[str] = mapped_column(Text, default="")

    community = relationship("Community", lazy="joined", innerjoin=True)
    centre = relationship("Centre", lazy="joined")
    proposal = relationship("Proposal", lazy="joined")
    coordinator = relationship("User", foreign_keys=[coordinator_id], lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    skills: Mapped[list[Skill]] = relationship(secondary=opportunity_skills, order_by=Skill.key)

    __table_args__ = (
        CheckConstraint(_in("status", OPPORTUNITY_STATUSES), name="status"),
        CheckConstraint(f"capacity BETWEEN 1 AND {MAX_CAPACITY}", name="capacity"),
        CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="places_taken"),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes BETWEEN 15 AND 1440", name="duration"),
        CheckConstraint(f"days BETWEEN 0 AND {ALL_DAYS}", name="days"),
        CheckConstraint(f"times BETWEEN 0 AND {ALL_TIMES}", name="times"),
        Index("ix_opportunities_status_community", "status", "community_id", "starts_at"),
    )

    @property
    def status_label(self):
        return OPPORTUNITY_STATUSES[self.status]

    @property
    def ongoing(self) -> bool:
        return self.starts_at is None

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes or 0)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def has_started(self) -> bool:
        return self.starts_at is not None and self.starts_at <= utcnow()


class Signup(Timestamped, db.Model):
    """One person on one opportunity: invited, signed up, confirmed or declined, withdrawn; the hours given."""

    __tablename__ = "volunteer_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(String(1000), default="")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    hours: Mapped[float | None] = mapped_column(Float)
    hours_recorded_at: Mapped[datetime | None]
    hours_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id], lazy="joined", innerjoin=True)
    opportunity: Mapped[Opportunity] = relationship(lazy="joined", innerjoin=True)
    feedback: Mapped["Feedback | None"] = relationship(back_populates="signup", uselist=False)

    __table_args__ = (
        UniqueConstraint("opportunity_id", "user_id"),
        CheckConstraint(_in("status", SIGNUP_STATUSES), name="status"),
        CheckConstraint(f"hours IS NULL OR (hours > 0 AND hours <= {MAX_HOURS})", name="hours"),
        CheckConstraint("hours IS NULL OR status = 'confirmed'", name="hours_confirmed"),
        Index("ix_volunteer_signups_opportunity_status", "opportunity_id", "status"),
    )

    @property
    def status_label(self):
        return SIGNUP_STATUSES[self.status]


class Feedback(Timestamped, db.Model):
    """What a volunteer thought of an activity they joined, and the coordinator's answer."""

    __tablename__ = "volunteer_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("volunteer_signups.id", ondelete="CASCADE"), unique=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    went_well: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
    ideas: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]

    signup: Mapped[Signup] = relationship(back_populates="feedback", lazy="joined", innerjoin=True)

    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)
