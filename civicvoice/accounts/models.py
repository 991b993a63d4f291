from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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
    # Bumped on password change, reset and deletion: every session and remember-me cookie dies with it.
    session_version: Mapped[int] = mapped_column(default=1)
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("digits IN ('arab', 'latn')", name="digits"),
        CheckConstraint("locale IN ('ar', 'en')", name="locale"),
        CheckConstraint("deleted_at IS NOT NULL OR email_key IS NOT NULL", name="email_until_deleted"),
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

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
