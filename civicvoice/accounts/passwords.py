"""Password policy (length, no composition rules, common passwords refused) and argon2 hashing."""
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _



def _hasher() -> PasswordHasher:
    # argon2id with the library's defaults; tests configure cheaper parameters.
    return PasswordHasher(**current_app.config.get("PASSWORD_HASH_PARAMS", {}))


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line and not line.startswith("#"))


def problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Why `password` is refused, in the user's language; empty when it is acceptable."""
    config = current_app.config
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return [_("Use at least %(n)d characters. A short sentence is easy to remember.", n=minimum)]
    if len(password) > maximum:
        return [_("Use at most %(n)d characters.", n=maximum)]
    lowered = password.casefold()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return [_("This password is too common. Choose another one.")]
    local = email.split("@")[0].casefold()
    if (len(local) >= 4 and local in lowered) or (len(name) >= 4 and name.casefold() in lowered):
        return [_("Do not use your name or email address in your password.")]
    return []


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        _hasher().hash(password)  # same cost whether or not the account exists
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
