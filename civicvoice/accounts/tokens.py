"""Emailed links: a signed, expiring wrapper around a random single-use nonce stored in the database."""
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update

from ..database import utcnow
from ..extensions import db
from .models import AccountToken

MAX_AGE_SETTING = {
    "verify_email": "EMAIL_TOKEN_MAX_AGE",
    "reset_password": "RESET_TOKEN_MAX_AGE",  # nosec B105 # the name of a setting, not a password
    "council_invite": "INVITE_TOKEN_MAX_AGE",
}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"civicvoice.{purpose}")


def issue(purpose: str, user=None, email: str | None = None, **data) -> str:
    """Create a token row and return the signed string to put in a link."""
    max_age = current_app.config[MAX_AGE_SETTING[purpose]]
    nonce = secrets.token_urlsafe(32)  # 256 bits
    db.session.add(
        AccountToken(
            nonce=nonce, purpose=purpose, user_id=user.id if user else None, email=email, data=data,
            expires_at=utcnow() + timedelta(seconds=max_age),
        )
    )
    db.session.flush()
    return _serializer(purpose).dumps(nonce)


def peek(purpose: str, signed: str) -> AccountToken | None:
    """The unused, unexpired token behind `signed`, or None for anything wrong with it."""
    try:
        nonce = _serializer(purpose).loads(signed, max_age=current_app.config[MAX_AGE_SETTING[purpose]])
    except (BadSignature, UnicodeError, ValueError, TypeError):
        return None
    if not isinstance(nonce, str):
        return None
    token = db.session.scalar(select(AccountToken).where(AccountToken.nonce == nonce))
    if token is None or not hmac.compare_digest(token.nonce, nonce) or token.purpose != purpose:
        return None
    if token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def consume(purpose: str, signed: str) -> AccountToken | None:
    """Like peek(), and mark the token used so the link works once."""
    token = peek(purpose, signed)
    if token is None:
        return None
    # Conditional update: of two clicks racing on the same link, only one wins.
    claimed = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    db.session.refresh(token)
    return token


def void_all(purpose: str, user) -> set[int]:
    """Mark every unused link of `user` for `purpose` used, in one statement; returns the ids it marked.

    A reset or a password change voids the reset links still in mailboxes: the newest as well as any older one
    (whoever holds an old mail, or a copy of it, must not choose the password next)."""
    return set(db.session.scalars(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .returning(AccountToken.id)
        .execution_options(synchronize_session=False)
    ))
