"""Logs as one JSON object per line on stderr (LOG_FORMAT=json, the default in production).

Each line has `time` (UTC), `level`, `logger`, `message`, the `request_id` of the request it was written in, and the
structured fields a record carries: the security log's (`record.security`: event, method, path, endpoint, ip,
user tag…) and the access log's (`record.fields`: method, route, status, duration_ms, user tag, ip network). The
JSON encoding escapes every control character, so a value from a request cannot start a line of its own.

The handler is on the root logger, so the libraries' records (SQLAlchemy, RQ's worker) come out alike; under
gunicorn each worker's create_app sets it up; a second create_app in one process replaces it rather than adding
another. gunicorn's own loggers keep their handlers unless its configuration says otherwise.
"""
import json
import logging
import sys
from datetime import UTC, datetime

from flask import has_request_context
from flask.logging import default_handler

from .requestlog import request_id

BASE = ("time", "level", "logger", "message", "request_id")
# Loggers that say at INFO what is routine for them (each step of each PDF): warnings only.
CHATTY = ("weasyprint.progress", "fontTools")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        for fields in (getattr(record, "security", None), getattr(record, "fields", None)):
            if isinstance(fields, dict):
                entry.update({key: value for key, value in fields.items() if key not in BASE})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII only: every reader of the line (journald, grep, a terminal) sees one line, whatever it holds.
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    """Put the id of the request being served on each record, when it is written (not when it is read)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None) and has_request_context():
            record.request_id = request_id()
        return True


class JsonHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when the record comes (as logging.lastResort does)."""

    def __init__(self):
        super().__init__(sys.stderr)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def init_app(app) -> None:
    if app.config["LOG_FORMAT"] != "json":
        return
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, JsonHandler)]:
        root.removeHandler(handler)
    root.addHandler(JsonHandler())
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    # Flask gives its logger a handler of its own when none is set above it: that would write each line twice.
    app.logger.removeHandler(default_handler)
