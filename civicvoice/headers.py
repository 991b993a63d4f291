"""Security and caching headers on every response; malformed input refused before any view."""
from flask import abort, request

from .params import MAX_ID, MAX_PAGE

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
)


def _refuse_malformed():
    """Null bytes (400) and numbers too large for the database (404) are refused before a query can fail."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
    if "\x00" in request.path:
        abort(400)
    # Numbers past what a database integer holds are no page and no row: 404, not an overflow error.
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            abort(404)
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        page = 1  # pagination itself answers 404 to a page that is not a number
    if page > MAX_PAGE:
        abort(404)


def _secure(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages carry a CSRF token and often personal data: never let a shared cache keep them.
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.before_request(_refuse_malformed)
    app.after_request(_secure)
