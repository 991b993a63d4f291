"""The site's address (BASE_URL): every absolute URL the app writes is built here; no other host is served.

A request's Host header (or X-Forwarded-Host behind a trusted proxy) says whatever its sender wants: a
reset link built from it would carry the token to the sender's host. So mail, letters and their QR codes
and calendar files take the address from configuration, never from the request; and Flask's TRUSTED_HOSTS
(BASE_URL's host and SERVER_ALIASES, see config.load) refuses a request for any other name with a 400.
"""
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError


def _adapter():
    site = urlsplit(current_app.config["BASE_URL"])
    return current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme)


def external(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` (url_for's arguments) on the site's address."""
    current_app.inject_url_defaults(endpoint, values)
    return _adapter().build(endpoint, values, force_external=True)


def absolute(path: str) -> str:
    """A path the app built with url_for, as an absolute URL on the site's address.

    The path starts with the script root of the context it was built in (a request's, or BASE_URL's path in a
    mail rendered outside one): that part is BASE_URL's to say.
    """
    root = request.script_root if has_request_context() else ""
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    return current_app.config["BASE_URL"] + path


def host() -> str:
    """The site's host name, without a port (the domain of identifiers such as a calendar event's UID)."""
    return urlsplit(current_app.config["BASE_URL"]).hostname


def _refuse_other_hosts():
    """A request for a host the site does not answer to is a 400, before anything else runs.

    Flask raised SecurityError while binding the request's URLs, and left the request without them; the error
    page still builds (relative) links, so it gets the site's.
    """
    if isinstance(request.routing_exception, SecurityError):
        request_ctx.url_adapter = _adapter()
        raise request.routing_exception


def init_app(app) -> None:
    app.before_request(_refuse_other_hosts)  # registered before the other extensions' hooks: it runs first
    app.jinja_env.globals["external_url"] = external
