"""Sign-in sessions: Flask-Login wiring and cookies Secure over HTTPS (accounts loads the signed-in person)."""
from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import login_manager


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def _secure_remember_cookie(response):
    """Flask-Login marks its remember-me cookie Secure from configuration only: over HTTPS, always."""
    if not request.is_secure:
        return response
    prefix = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") + "="
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
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
