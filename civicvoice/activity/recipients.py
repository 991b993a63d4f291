"""Who can be mailed, and the signed links in every mail that stop it."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .kinds import KINDS


def can_be_mailed(user) -> bool:
    """Only confirmed addresses of live accounts get mail: never a mistyped stranger's mailbox."""
    return bool(user.email) and user.email_verified_at is not None and user.deleted_at is None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications.unsubscribe")


def unsubscribe_token(user, kind: str) -> str:
    """The secret of an email's unsubscribe link: one person, one kind (or "digest": every kind in the digest)."""
    return _serializer().dumps([user.id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (kind not in KINDS and kind != "digest"):
        return None
    return user_id, kind
