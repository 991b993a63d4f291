"""Limits checked inside a view, so that a refused post can answer 429 and still show what the person typed.

Flask-Limiter's decorators refuse a request before the view runs, which suits buttons but would throw away a
long argument typed on a phone. These limits share its storage (Redis when configured, memory otherwise).
"""
from flask import current_app
from limits import parse_many

from .extensions import limiter


def allow(setting: str, *key) -> bool:
    """Count one hit against the limit the config `setting` names, for `key`; False once it is used up."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    identifiers = [setting, *(str(part) for part in key)]
    # Every limit of the setting ("5 per minute;30 per hour") is counted, even once one is exceeded.
    results = [limiter.limiter.hit(item, *identifiers) for item in parse_many(current_app.config[setting])]
    return all(results)
