"""Rate limits read from the configuration, each named by its setting in the security log when it refuses.

Routes take `@throttle.limit("SETTING", …)` (or `shared_limit`): Flask-Limiter's decorators, which refuse a
request before the view runs, with the limit read from the config at each request. allow() is a limit checked
inside a view, so that a refused post can answer 429 and still show what the person typed (a long argument typed on
a phone is not thrown away). Both share Flask-Limiter's storage (Redis when configured, memory otherwise).
"""
import logging

from flask import current_app
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from . import securitylog
from .extensions import limiter

log = logging.getLogger(__name__)


def _configured(setting: str):
    return lambda: current_app.config[setting]


def _logged(setting: str):
    def breached(_request_limit) -> None:
        securitylog.rate_limited(setting)

    return breached


def limit(setting: str, **options):
    """limiter.limit() with the limit the config `setting` holds; a refusal is logged under that name."""
    return limiter.limit(_configured(setting), on_breach=_logged(setting), **options)


def shared_limit(setting: str, scope: str, **options):
    """limiter.shared_limit() with the limit the config `setting` holds; a refusal is logged under that name."""
    return limiter.shared_limit(_configured(setting), scope=scope, on_breach=_logged(setting), **options)


def allow(setting: str, *key) -> bool:
    """Count one hit against the limit the config `setting` names, for `key`; False once it is used up."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    identifiers = [setting, *(str(part) for part in key)]
    # Every limit of the setting ("5 per minute;30 per hour") is counted, even once one is exceeded.
    items = parse_many(current_app.config[setting])
    try:
        results = [limiter.limiter.hit(item, *identifiers) for item in items]
    except Exception:  # noqa: BLE001 - whatever the storage raises (Redis down): limit in this process instead
        log.warning("Rate limit storage unreachable: %s counted in this process's memory", setting)
        results = [_fallback().hit(item, *identifiers) for item in items]
    if not all(results):
        securitylog.rate_limited(setting)
        return False
    return True


def _fallback():
    """This process's own counter, for when the shared storage (Redis) is unreachable: the decorators fall back the
    same way (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), so a Redis outage weakens the limits, never breaks a page."""
    app = current_app._get_current_object()
    return app.extensions.setdefault("civicvoice.throttle.fallback", FixedWindowRateLimiter(MemoryStorage()))
