"""Sessions in the browser: cookies Secure over HTTPS, Flask-Login's wiring, and the proxies trusted.

Who is signed in is decided by accounts (accounts/signin.py): the cookies carry only the secret of a session
record kept on the server, never the account's id.
"""
from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import login_manager


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app, session, response) -> None:
        # Flask opens the session before it knows the route; a sessionless view's answer still never sets a cookie.
        if not is_sessionless():
            super().save_session(app, session, response)


def sessionless(view):
    """Mark a view that neither reads nor changes who is signed in (the health probes): nobody is looked up,
    no session record is touched and its answer sets no cookie, whatever cookies the request carries."""
    view.sessionless = True
    return view


def is_sessionless() -> bool:
    """Whether this request's view is marked sessionless."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "sessionless", False)


def remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def _secure_remember_cookie(response):
    """Flask-Login marks its remember-me cookie Secure from configuration only: over HTTPS, always."""
    if not request.is_secure:
        return response
    prefix = remember_cookie_name() + "="
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
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
