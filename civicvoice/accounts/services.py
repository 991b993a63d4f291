"""Account operations. Each takes its actor explicitly, flushes, and never commits."""
from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import activity, mail, securitylog
from ..activity.models import Notification
from ..database import utcnow
from ..errors import InvalidInput
from ..extensions import db
from . import passwords, sessions, signals, tokens
from .models import AccountToken, User, UserSession


def email_key(email: str) -> str:
    """The mailbox an address reaches (one account per mailbox; the mail caps count per mailbox too)."""
    return mail.mailbox(email)


def normalise_email(email: str) -> str:
    local, _sep, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_key == email_key(email)))


def _send_verification(user: User) -> None:
    token = tokens.issue("verify_email", user=user, email=user.email)
    mail.send(user.email, "email/verify_subject.txt", "email/verify.txt", locale=user.locale, kind="verify",
              user=user, token=token)


def register(display_name: str, email: str, password: str, phone: str | None = None,
             locale: str = "ar") -> User | None:
    """Create an unverified account and mail a verification link.

    Returns None when the mailbox already has an account: that owner gets a mail telling them
    so, and the caller shows the same page either way, so the form reveals nothing about who is registered.
    Both ways hash the password and queue one mail: the time taken does not tell either.
    """
    problems = passwords.problems(password, email=email, name=display_name)
    if problems:
        raise InvalidInput(problems[0])
    password_hash = passwords.hash_password(password)
    existing = find_by_email(email)
    if existing is not None:
        mail.send(existing.email, "email/already_registered_subject.txt", "email/already_registered.txt",
                  locale=existing.locale, kind="already_registered", user=existing)
        return None
    user = User(
        email=normalise_email(email), email_key=email_key(email), display_name=display_name.strip(),
        phone=phone or None, password_hash=password_hash, locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    activity.record(user, "account.registered", user)
    _send_verification(user)
    return user


def resend_verification(user: User) -> bool:
    """Mail a fresh link unless the address is already verified."""
    if user.email_verified_at is not None:
        return False
    _send_verification(user)
    return True


def verify_email(signed: str) -> User:
    """Mark the address verified; the link works once and expires."""
    token = tokens.consume("verify_email", signed)
    user = db.session.get(User, token.user_id) if token else None
    if user is None or user.deleted_at is not None or token.email != user.email:
        raise InvalidInput(_("This verification link is invalid or has expired. Sign in to get a new one."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        activity.record(user, "account.email_verified", user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None (same cost either way)."""
    user = find_by_email(email) if "@" in email else None
    valid = passwords.check_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        return None
    return user


def request_password_reset(email: str, locale: str = "ar") -> None:
    """Mail a reset link if an account has this address, else (in `locale`) a note that no account uses it.

    One mail either way, so neither the page nor the time taken tells whether the address is registered.
    """
    user = find_by_email(email) if "@" in email else None
    if user is None or user.deleted_at is not None:
        mail.send(normalise_email(email), "email/reset_unknown_subject.txt", "email/reset_unknown.txt",
                  locale=locale, kind="reset")
        return
    token = tokens.issue("reset_password", user=user, email=user.email)
    mail.send(user.email, "email/reset_subject.txt", "email/reset.txt", locale=user.locale, kind="reset",
              user=user, token=token)


def reset_token_valid(signed: str) -> bool:
    return tokens.peek("reset_password", signed) is not None


def reset_password(signed: str, password: str) -> User:
    """Set a new password from a reset link. Every session of the account ends, and every other reset link
    still in its mailbox stops working."""
    token = tokens.peek("reset_password", signed)
    user = db.session.get(User, token.user_id) if token else None
    if user is None or user.deleted_at is not None:
        raise InvalidInput(_("This reset link is invalid or has expired. Ask for a new one."))
    problems = passwords.problems(password, email=user.email, name=user.display_name)
    if problems:
        raise InvalidInput(problems[0])
    # One statement claims this link and voids its siblings: of two links used at once, only one wins.
    if token.id not in tokens.void_all("reset_password", user):
        raise InvalidInput(_("This reset link is invalid or has expired. Ask for a new one."))
    user.password_hash = passwords.hash_password(password)
    sessions.end_all(user, "password_reset")
    # Whoever holds the reset link controls the mailbox, so the address is verified too.
    user.email_verified_at = user.email_verified_at or utcnow()
    activity.record(user, "account.password_reset", user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, *, keep: UserSession | None = None) -> None:
    """Set a new password. Every session of the account but `keep` (the device asking) ends, and every reset link
    still in its mailbox stops working."""
    if not passwords.check_password(user.password_hash, current):
        raise InvalidInput(_("Your current password is not correct."))
    problems = passwords.problems(new, email=user.email, name=user.display_name)
    if problems:
        raise InvalidInput(problems[0])
    user.password_hash = passwords.hash_password(new)
    sessions.end_all(user, "password_changed", keep=keep)
    tokens.void_all("reset_password", user)
    activity.record(user, "account.password_changed", user)
    db.session.flush()


def update_profile(user: User, *, display_name: str, phone: str | None, locale: str, digits: str,
                   show_name_publicly: bool) -> None:
    user.display_name = display_name.strip()
    user.phone = phone or None
    user.locale = locale
    user.digits = digits
    user.show_name_publicly = show_name_publicly
    activity.record(user, "account.profile_updated", user)
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def delete_account(user: User, password: str) -> None:
    """Erase personal data; events and contributions stay, shown as "former member"."""
    if not passwords.check_password(user.password_hash, password):
        raise InvalidInput(_("Your password is not correct."))
    activity.record(user, "account.deleted", user)
    erase(user, "self")


def erase(user: User, reason: str) -> None:
    """What deleting an account does, once the deletion is decided and recorded (by its owner above, `reason`
    "self", or by retention for an address never verified, "unconfirmed"): what the person held goes, what they
    contributed stays. The security log says so."""
    securitylog.account_deleted(user.id, reason)
    signals.account_deleted.send(user)
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    sessions.forget_all(user)  # every device signed out, and their names erased too
    db.session.execute(delete(Notification).where(Notification.recipient_id == user.id))
    user.email = user.email_key = user.phone = user.password_hash = None
    user.display_name = ""
    user.show_name_publicly = False
    user.is_admin = False
    user.deleted_at = utcnow()
    db.session.flush()


def create_user(email: str, display_name: str, password: str, *, admin: bool = False, locale: str = "ar",
                verified: bool = True, check_password_policy: bool = True) -> User:
    """Create an account directly (command line, demo data): no mail is sent."""
    if check_password_policy:
        problems = passwords.problems(password, email=email, name=display_name)
        if problems:
            raise InvalidInput(problems[0])
    if find_by_email(email) is not None:
        raise InvalidInput(_("An account with this email address already exists."))
    user = User(
        email=normalise_email(email), email_key=email_key(email), display_name=display_name,
        password_hash=passwords.hash_password(password), locale=locale, is_admin=admin,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    activity.record(None, "account.created", user, admin=admin)
    return user
