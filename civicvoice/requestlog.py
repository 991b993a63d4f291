"""Request ids and the access log: every response says its X-Request-ID, and each request writes one line.

The id names one request in every log line written while it ran, in the response's headers and on its error page
("Reference: …"), so that what a resident reports can be found. Behind trusted proxies (TRUSTED_PROXIES > 0) the
id nginx gives (`proxy_set_header X-Request-ID $request_id;`) is kept, so nginx's own log names the same request;
otherwise, or when the header is not a plain id, one is made here.

The access line (logger `civicvoice.access`, INFO) carries the method, the route (the URL rule, never the path
with its ids), the status, the time taken, the account as a keyed tag (securitylog.tag) and the address cut to
its network (/24 in IPv4, /48 in IPv6): enough to see load, errors and one account's trouble, without following
one person's device across the site. The security log keeps full addresses, for the attempts it records.
"""
import ipaddress
import logging
import re
import time
import uuid

from flask import current_app, g, request, request_started

from .securitylog import tag

log = logging.getLogger("civicvoice.access")

HEADER = "X-Request-ID"
GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_ID = "civicvoice.request_id"  # kept in the WSGI environ: one request's, whatever app context it runs in
_STARTED = "civicvoice.started"


def request_id() -> str:
    """This request's id: the trusted proxy's, or a new one."""
    environ = request.environ
    if _ID not in environ:
        given = request.headers.get(HEADER, "")
        trusted = current_app.config["TRUSTED_PROXIES"] > 0 and GIVEN_ID.fullmatch(given)
        environ[_ID] = given if trusted else uuid.uuid4().hex
    return environ[_ID]


def unlogged(view):
    """Mark a view that writes no access line (the probes a monitor calls every few seconds)."""
    view.unlogged = True
    return view


def network(address: str | None) -> str:
    """The address with its host part zeroed: 203.0.113.7 -> 203.0.113.0, 2001:db8:1:2::5 -> 2001:db8:1::."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "-"
    if ip.version == 6 and ip.ipv4_mapped:  # an IPv4 client of a dual-stack socket
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False).network_address)


def _user() -> str | None:
    # Flask-Login keeps the account it loaded on g; reading current_user here would load one for a request that
    # never asked (static files, the probes), with a query.
    user = g.get("_login_user")
    return tag("user", user.id) if user is not None and user.is_authenticated else None


def _started(sender, **extra) -> None:
    request.environ[_STARTED] = time.perf_counter()


def _finish(response):
    response.headers[HEADER] = request_id()
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "unlogged", False) or not log.isEnabledFor(logging.INFO):
        return response
    started = request.environ.get(_STARTED)
    fields = {
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else "-",
        "endpoint": request.endpoint or "-",
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user": _user(),
        "ip": network(request.remote_addr),
    }
    log.info("%s %s %s %sms", fields["method"], fields["route"], fields["status"], fields["duration_ms"],
             extra={"fields": {key: value for key, value in fields.items() if value is not None}})
    return response


def init_app(app) -> None:
    request_started.connect(_started, app)
    app.after_request(_finish)
