"""Rate limits read from the configuration, each named by its setting in the security log when it refuses.

Routes take `@throttle.limit("SETTING", …)` (or `shared_limit`): Flask-Limiter's decorators, which refuse a
request before the view runs, with the limit read from the config at each request. allow() is a limit checked
inside a view, so that a refused post can answer 429 and still show what the person typed (a long argument typed on
a phone is not thrown away). Both share Flask-Limiter's storage (Redis when configured, memory otherwise).
"""
from flask import current_app
from limits import parse_many

from . import securitylog
from .extensions import limiter


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
    results = [limiter.limiter.hit(item, *identifiers) for item in parse_many(current_app.config[setting])]
    if not all(results):
        securitylog.rate_limited(setting)
        return False
    return True
