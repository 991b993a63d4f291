"""The security log (logger `civicvoice.security`): failed sign-ins, refused permissions, rate limits, CSRF
failures, sessions, downloads of one's own data and deleted accounts, one line each.

Refusals are WARNING, sessions starting and ending INFO. A line reads `<event> key=value …`; the same fields are
on the record as `record.security` (for a JSON formatter). What a request supplied (addresses, paths, user
agents, names) goes through loggable() first, so that it cannot forge a line of its own. Nobody is named in
clear: an account is `user=<tag>` and a typed address `mailbox=<tag>`, keyed hashes (see tag()); passwords and
session secrets are never logged.
"""
import hashlib
import hmac
import logging
import re
import unicodedata

from flask import current_app, has_request_context, request
from flask_login import current_user

log = logging.getLogger("civicvoice.security")

MAX_VALUE = 200  # a value longer than this is cut (a 100 kB User-Agent is not worth a log line)
TOKEN = re.compile(r"[\w.:/@+-]+")  # a value written without quotes


def loggable(value, limit: int = MAX_VALUE) -> str:
    """`value` on one line: line breaks and every other control or format character (bidi overrides
    included) written as \\xNN or \\uNNNN escapes, backslashes doubled so that no escape can be faked, cut at
    `limit`. Letters of any script are kept as they are."""
    text = "" if value is None else str(value)
    cut = len(text) > limit
    out = []
    for char in text[:limit]:
        if char == "\\":
            out.append("\\\\")
        elif unicodedata.category(char)[0] in "CZ" and char != " ":
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out) + ("…" if cut else "")


def tag(kind: str, value) -> str:
    """A short keyed hash naming an account or a mailbox in the log without telling who it is: the same value
    always gets the same tag (under the same SECRET_KEY), so one person's attempts can be followed. To find
    someone's lines, compute theirs: `tag("user", 42)`, `tag("mailbox", accounts.services.email_key(address))`."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]


def _request_fields(who: bool) -> dict:
    if not has_request_context():
        return {}
    fields = {"method": request.method, "path": request.path, "endpoint": request.endpoint or "-",
              "ip": request.remote_addr or "-"}
    if who and current_user.is_authenticated:
        fields["user"] = tag("user", current_user.id)
    return fields


def event(level: int, name: str, *, who: bool = True, **fields) -> None:
    """Log `name` with `fields` and, inside a request, its method, path, endpoint, address and (unless `who` is
    False: asked while the account is being looked up) the account signed in."""
    fields = {**_request_fields(who), **{key: value for key, value in fields.items() if value is not None}}
    encoded = {key: loggable(value) for key, value in fields.items()}
    template = " ".join([name, *(f"{key}=%s" for key in encoded)])
    log.log(level, template, *map(_quoted, encoded.values()), extra={"security": {"event": name, **encoded}})


def _quoted(value: str) -> str:
    """A value with spaces, quotes or "=" in double quotes: a User-Agent cannot append an "ip=…" of its own."""
    return value if TOKEN.fullmatch(value) else '"' + value.replace('"', '\\"') + '"'


def sign_in_failed(mailbox: str, reason: str) -> None:
    """A sign-in refused: `reason` "credentials" (unknown address, wrong password or closed account: the log does
    not say which either) or "form" (the form was not filled in validly). `mailbox` is the address's mailbox key
    (accounts.services.email_key), logged as a tag only."""
    event(logging.WARNING, "sign-in failed", reason=reason, mailbox=tag("mailbox", mailbox),
          agent=request.user_agent.string if has_request_context() else None)


def refused(status: int, permission: str | None = None) -> None:
    """A request refused by the permission gate, or answered 403 (401 for a visitor the gate sent away)."""
    event(logging.WARNING, "access refused", status=status, permission=permission or "-")


def rate_limited(setting: str) -> None:
    """A request refused by the limit the config `setting` holds (throttle.py)."""
    event(logging.WARNING, "rate limited", limit=setting)


def bot_trap_filled(form: str) -> None:
    """A form anyone can post came with its hidden field filled (forms.BotTrap): a script, refused."""
    event(logging.WARNING, "bot trap filled", form=form)


def csrf_failed(reason: str) -> None:
    event(logging.WARNING, "csrf failed", reason=reason)


def session_started(user_id: int, session_id: int, remembered: bool) -> None:
    event(logging.INFO, "session started", who=False, user=tag("user", user_id), session=session_id,
          remembered=remembered)


def session_ended(user_id: int, session_id: int | None, reason: str, count: int | None = None) -> None:
    event(logging.INFO, "session ended", who=False, user=tag("user", user_id), session=session_id, reason=reason,
          count=count)


def personal_data_exported(user_id: int, size: int) -> None:
    """Someone downloaded everything the site holds about them ("Download my data")."""
    event(logging.INFO, "personal data exported", user=tag("user", user_id), bytes=size)


def account_deleted(user_id: int, reason: str) -> None:
    """An account was erased: by its owner ("self"), or by retention ("unconfirmed": never verified)."""
    event(logging.INFO, "account deleted", who=False, user=tag("user", user_id), reason=reason)


def session_not_live() -> None:
    """A browser presented the secret of a session that is over (ended, idle, too old, or never was)."""
    event(logging.INFO, "session not live", who=False)


def init_app(app) -> None:
    # Flask's app.logger ("civicvoice") gets its stderr handler on first use; the security log is its child and
    # goes through it, sessions included, unless logging is configured otherwise.
    app.logger  # noqa: B018 - created for its handler
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
