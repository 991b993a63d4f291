"""Who is signed in on this browser: Flask-Login over the server-side session records of accounts/sessions.py.

The session cookie (and the remember-me cookie, when there is one) carries only the record's secret: revoking the
record, or its running out, signs that browser out, and any copy of its cookies with it.
"""
from flask import flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_url, login_user, logout_user
from flask_login.utils import decode_cookie

from .. import securitylog
from ..database import utcnow
from ..extensions import db, login_manager
from ..sessions import is_sessionless, remember_cookie_name
from . import sessions


def load_user(secret: str):
    """The account of the live session whose secret the cookie carries. For anything else nobody: the browser
    forgets the secret (and its remember-me cookie), and is told its session ended."""
    record = sessions.find(secret)
    if record is None:
        securitylog.session_not_live()
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        if remember_cookie_name() in request.cookies:
            session["_remember"] = "clear"
        g.session_ended = True
        return None
    g.user_session = record
    record.user.session_secret = secret
    return record.user


def current_session():
    """The record of this browser's session (None when nobody is signed in)."""
    return g.get("user_session") if current_user.is_authenticated else None


def _secrets_held() -> list[str]:
    """The session secrets this browser sent: the session cookie's and the remember-me cookie's."""
    held = [session.get("_user_id")]
    if remember_cookie_name() in request.cookies:
        held.append(decode_cookie(request.cookies[remember_cookie_name()]))
    return [secret for secret in held if secret]


def sign_in(user, *, remember: bool = False):
    """Sign `user` in on this browser: what it held before is ended, its Flask session starts afresh (no
    fixation), and a new session record is opened, remembered when asked and allowed. The caller commits."""
    for secret in _secrets_held():
        record = sessions.find(secret)
        if record is not None:
            sessions.end(record, "signed_out")
    had_remember_cookie = remember_cookie_name() in request.cookies
    session.clear()
    record, secret = sessions.start(user, remember=remember, user_agent=request.user_agent.string)
    user.session_secret = secret
    login_user(user, remember=record.remembered)
    if had_remember_cookie and not record.remembered:
        session["_remember"] = "clear"
    g.user_session = record
    return record


def sign_out() -> None:
    """End this browser's session, its record first; the caller commits."""
    record = current_session()
    if record is not None:
        sessions.end(record, "signed_out")
    session.clear()
    logout_user()  # after clear(): it leaves the mark that makes Flask-Login delete the remember-me cookie


def _authenticate() -> None:
    """Find who is signed in before the view runs: the session's last-seen time is then written (at most once a
    minute) in a transaction of its own, and someone whose session ended is told so."""
    if request.endpoint == "static" or is_sessionless():
        return
    if not current_user.is_authenticated:
        if g.pop("session_ended", False):
            g.told_session_ended = True
            flash(_("Your session has ended. Sign in again."), "info")
        return
    values = sessions.due_touch(g.user_session, utcnow())
    if values:
        session_id = g.user_session.id
        # On SQLite a transaction that has read cannot wait for the write lock: end the read first.
        db.session.rollback()
        sessions.touch(session_id, values)
        db.session.commit()


def _ask_to_sign_in():
    """A page that needs an account sends visitors to sign in (and back after); one told their session just
    ended is not asked twice."""
    if not g.get("told_session_ended"):
        flash(_("Please sign in to continue."), "info")
    return redirect(login_url(login_manager.login_view, next_url=request.full_path.rstrip("?")))


def init_app(app) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_ask_to_sign_in)
    app.before_request(_authenticate)
