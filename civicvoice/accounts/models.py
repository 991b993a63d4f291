from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped
from ..extensions import db

IDENTITY_LEVELS = ("unverified", "email", "in_person")
IDENTITY_LABELS = {
    "unverified": _l("unverified"),
    "email": _l("email verified"),
    "in_person": _l("verified in person"),
}


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # `email` as typed (domain lower-cased); `email_key` is the mailbox it reaches, unique, so
    # case changes and aliases (a.b+x@gmail.com) cannot open several accounts.
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="ar")
    digits: Mapped[str] = mapped_column(String(4), default="arab")
    show_name_publicly: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified_at: Mapped[datetime | None]
    verified_in_person_at: Mapped[datetime | None]
    verified_in_person_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None]

    # Not a column: the secret of the sign-in session this object was opened or loaded through (see
    # civicvoice/sessions.py).
    session_secret = None

    __table_args__ = (
        CheckConstraint("digits IN ('arab', 'latn')", name="digits"),
        CheckConstraint("locale IN ('ar', 'en')", name="locale"),
        CheckConstraint("deleted_at IS NOT NULL OR email_key IS NOT NULL", name="email_until_deleted"),
    )

    def get_session_secret(self) -> str | None:
        """What Flask-Login keeps in the session and remember-me cookies (its id_attribute): the session's secret,
        so that the cookies name no account and die with the session's record."""
        return self.session_secret

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def identity_level(self) -> str:
        if self.verified_in_person_at is not None:
            return "in_person"
        if self.email_verified_at is not None:
            return "email"
        return "unverified"

    @property
    def identity_label(self):
        return IDENTITY_LABELS[self.identity_level]

    @property
    def is_identity_verified(self) -> bool:
        return self.identity_level != "unverified"

    @property
    def public_name(self):
        """The name others see: the display name, or a neutral label when hidden or erased."""
        if self.deleted_at is not None:
            return _l("former member")
        if not self.show_name_publicly:
            return _l("a resident")
        return self.display_name

    @property
    def known_name(self):
        """The name committees and councils see (never shown publicly when hidden)."""
        return _l("former member") if self.deleted_at is not None else self.display_name


TOKEN_PURPOSES = ("verify_email", "reset_password", "council_invite")


class AccountToken(Timestamped, db.Model):
    """A single-use, expiring secret sent by email; the link carries it signed."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "purpose IN ('verify_email', 'reset_password', 'council_invite')", name="purpose"
        ),
    )


SESSION_END_REASONS = ("signed_out", "ended_elsewhere", "password_changed", "password_reset")


class UserSession(db.Model):
    """One signed-in browser. Its cookie holds a random secret; this row only the secret's SHA-256, so a copy of
    the database opens no session. Live until it is revoked, idle for `idle_minutes` or past `expires_at`."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    # Written at most once a minute (accounts/sessions.py TOUCH_EVERY), not on every page.
    last_seen_at: Mapped[datetime]
    idle_minutes: Mapped[int]
    expires_at: Mapped[datetime]
    remembered: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only the browser's and the system's names ("Firefox", "Android"), to recognise a device by; no version,
    # no User-Agent, no address.
    browser: Mapped[str] = mapped_column(String(32), default="")
    platform: Mapped[str] = mapped_column(String(32), default="")
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(20))

    user = relationship(User, lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("length(secret_hash) = 64", name="secret_hash"),
        CheckConstraint("idle_minutes > 0", name="idle_minutes"),
        CheckConstraint("expires_at > created_at", name="lifetime"),
        CheckConstraint(
            "(revoked_at IS NULL AND revoked_reason IS NULL) OR (revoked_at IS NOT NULL AND revoked_reason IN "
            "('signed_out', 'ended_elsewhere', 'password_changed', 'password_reset'))", name="revoked"
        ),
    )

    @property
    def ends_at(self) -> datetime:
        """When it ends unless used again (or revoked before)."""
        return min(self.expires_at, self.last_seen_at + timedelta(minutes=self.idle_minutes))

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.ends_at
