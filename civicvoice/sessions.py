"""Sign-in sessions in the browser: Flask-Login over the server-side records of accounts/sessions.py, and cookies
Secure over HTTPS.

The session cookie (and the remember-me cookie, when there is one) carries only the record's secret: revoking the
record, or its running out, signs that browser out, and any copy of its cookies with it.
"""
from flask import current_app, flash, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_url, login_user, logout_user
from flask_login.utils import decode_cookie
from werkzeug.middleware.proxy_fix import ProxyFix

from .accounts import sessions as user_sessions
from .database import utcnow
from .extensions import db, login_manager


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


@login_manager.user_loader
def load_user(secret: str):
    """The account of the live session whose secret the cookie carries. For anything else nobody: the browser
    forgets the secret (and its remember-me cookie), and is told its session ended."""
    record = user_sessions.find(secret)
    if record is None:
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        if _remember_cookie_name() in request.cookies:
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
    if _remember_cookie_name() in request.cookies:
        held.append(decode_cookie(request.cookies[_remember_cookie_name()]))
    return [secret for secret in held if secret]


def sign_in(user, *, remember: bool = False):
    """Sign `user` in on this browser: what it held before is ended, its Flask session starts afresh (no
    fixation), and a new session record is opened, remembered when asked and allowed. The caller commits."""
    for secret in _secrets_held():
        record = user_sessions.find(secret)
        if record is not None:
            user_sessions.end(record, "signed_out")
    had_remember_cookie = _remember_cookie_name() in request.cookies
    session.clear()
    record, secret = user_sessions.start(user, remember=remember, user_agent=request.user_agent.string)
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
        user_sessions.end(record, "signed_out")
    session.clear()
    logout_user()  # after clear(): it leaves the mark that makes Flask-Login delete the remember-me cookie


def _authenticate() -> None:
    """Find who is signed in before the view runs: the session's last-seen time is then written (at most once a
    minute) in a transaction of its own, and someone whose session ended is told so."""
    if request.endpoint == "static":
        return
    if not current_user.is_authenticated:
        if g.pop("session_ended", False):
            g.told_session_ended = True
            flash(_("Your session has ended. Sign in again."), "info")
        return
    values = user_sessions.due_touch(g.user_session, utcnow())
    if values:
        session_id = g.user_session.id
        # On SQLite a transaction that has read cannot wait for the write lock: end the read first.
        db.session.rollback()
        user_sessions.touch(session_id, values)
        db.session.commit()


@login_manager.unauthorized_handler
def _ask_to_sign_in():
    """A page that needs an account sends visitors to sign in (and back after); one told their session just
    ended is not asked twice."""
    if not g.get("told_session_ended"):
        flash(_("Please sign in to continue."), "info")
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _secure_remember_cookie(response):
    """Flask-Login marks its remember-me cookie Secure from configuration only: over HTTPS, always."""
    if not request.is_secure:
        return response
    prefix = _remember_cookie_name() + "="
    cookies = response.headers.getlist("Set-Cookie")
    if any(c.startswith(prefix) and "; Secure" not in c for c in cookies):
        response.headers.setlist("Set-Cookie", [
            c + "; Secure" if c.startswith(prefix) and "; Secure" not in c else c for c in cookies
        ])
    return response


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_secure_remember_cookie)  # registered first, so it runs after Flask-Login's own hook
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    # The cookies keep the session's secret, never the account's id (see User.get_session_secret).
    login_manager.id_attribute = "get_session_secret"
    app.before_request(_authenticate)
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
