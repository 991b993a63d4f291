"""Redirect targets taken from user input stay on this site."""
from urllib.parse import urlsplit

from flask import redirect, url_for


def safe_next(target: str | None, default: str = "communities.index") -> str:
    """`target` when it is a local path, else the URL of `default`."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and all(ord(ch) >= 32 for ch in target):
            return target
    return url_for(default)


def see_other(target: str):
    """303 after a POST, so reloading does not resend the form."""
    return redirect(target, code=303)
