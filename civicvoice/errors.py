"""Domain errors with translatable messages, and localised, htmx-aware error pages."""
import logging

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import securitylog
from .extensions import db
from .htmx import is_htmx
from .requestlog import request_id
from .securitylog import loggable

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refused domain operation; `message` is shown to the user, `status` is the HTTP answer."""

    status = 409
    default_message = _l("This action is not possible right now.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    status = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    default_message = _l("We could not find that page.")


class Conflict(DomainError):
    status = 409
    default_message = _l("This was changed in the meantime. Please reload the page and try again.")


class InvalidTransition(Conflict):
    default_message = _l("This step is not possible in the current state.")


class InvalidInput(DomainError):
    status = 400
    default_message = _l("Some of what was sent is not valid.")


TITLES = {
    400: _l("Something in the request was not valid"),
    403: _l("You are not allowed to see this"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    409: _l("This is not possible right now"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("We are busy right now"),
}
EXPLANATIONS = {
    400: _l("Please go back, check what you entered and try again."),
    403: _l("If you think you should have access, sign in with the right account or ask your committee."),
    404: _l("The address may be mistyped, or the page was removed."),
    405: _l("Please go back and use the buttons on the page."),
    409: _l("Please reload the page and try again."),
    413: _l("Please choose a smaller file."),
    429: _l("Please wait a moment before trying again."),
    500: _l("We have been told about it. Please try again in a little while."),
    503: _l("Many people are acting at the same moment. Please try again in a few seconds: nothing was lost."),
}


def render_error(status: int, message=None):
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    body = render_template(
        template,
        status=status,
        title=TITLES.get(status, TITLES[500]),
        message=message or EXPLANATIONS.get(status, EXPLANATIONS[500]),
        # Refused because the committee blocked them there: say so, why and until when.
        blocked_in=g.get("blocked_in") if status == 403 else None,
        reference=request_id(),  # what a resident quotes when they report it: it finds the request's log lines
    )
    return body, status


def _refused(status: int) -> None:
    securitylog.refused(status, g.pop("refused_permission", None))


def _handle_http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, CSRFError):
        securitylog.csrf_failed(error.description)
    if error.code in (401, 403):
        _refused(error.code)
    if error.code == 401:
        return render_error(403)
    response_body, status = render_error(error.code if error.code in TITLES else 400)
    return response_body, status, dict(error.get_headers() if error.code in (405, 429) else {})


def _handle_domain(error: DomainError):
    db.session.rollback()
    if error.status == 403:
        _refused(403)
    return render_error(error.status, error.message)


def _handle_operational(error: OperationalError):
    """SQLite's "database is locked" after the busy timeout is a moment of contention, not a bug: ask to retry."""
    if "database is locked" not in str(error.orig):
        return _handle_unexpected(error)
    log.warning("Database busy on %s %s", loggable(request.method), loggable(request.path))
    db.session.rollback()
    body, status = render_error(503)
    return body, status, {"Retry-After": "5"}


def _handle_unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", loggable(request.method), loggable(request.path))
    db.session.rollback()
    return render_error(500)


def init_app(app) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(OperationalError, _handle_operational)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, _handle_unexpected)
