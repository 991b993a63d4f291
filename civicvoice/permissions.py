"""The gate: one registry of the permission predicates every package declares, require() and can().

Each package keeps its predicates beside it, in `<package>/rules.py`, decorated with `@rule`: this module only
collects them, so it knows no feature. Views call require(rules.can_x(user, obj)); templates call can("x", obj).
Predicates read state (models, small queries); they never call a service that writes.
"""
import functools
from collections.abc import Callable

from flask import abort, g, has_app_context
from flask_login import current_user
from sqlalchemy import event

from .extensions import db, login_manager

Predicate = Callable[..., bool]
REGISTRY: dict[str, Predicate] = {}


def rule(predicate: Predicate) -> Predicate:
    """Register `can_<name>(user, …)` as <name>: the matrix test walks the registry, templates ask it by name."""
    if not predicate.__name__.startswith("can_"):
        raise ValueError(f"a permission predicate is named can_<verb>_<noun>: {predicate.__qualname__}")
    name = predicate.__name__.removeprefix("can_")
    known = REGISTRY.get(name)
    if known is not None and (known.__module__, known.__qualname__) != (predicate.__module__, predicate.__qualname__):
        raise ValueError(f"two permission predicates are named {name}: {known.__module__} and {predicate.__module__}")

    @functools.wraps(predicate)
    def asked(user, *args, **kwargs):
        answer = predicate(user, *args, **kwargs)
        if has_app_context():
            # The last answer given: require() names the permission it refuses in the security log.
            g._last_rule = (name, bool(answer))
        return answer

    REGISTRY[name] = asked
    return asked


def signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_admin(user) -> bool:
    return signed_in(user) and user.is_admin


def memo() -> dict:
    """Answers already looked up in this request (by any package's rules); emptied by every flush."""
    if not has_app_context():
        return {}
    return g.setdefault("_permission_memo", {})


def remembered(key: tuple, compute: Callable[[], object]):
    """compute(), once per request and key (until the next flush): pages ask the same question many times."""
    answers = memo()
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def _forget(*_args) -> None:
    if has_app_context():
        g.pop("_permission_memo", None)


def require(allowed: bool) -> None:
    """Stop the request unless `allowed`: sign-in for visitors, 403 for everyone else (logged with the name of the
    permission refused: the predicate that answered last, as in require(rules.can_x(…)))."""
    last = g.pop("_last_rule", None)
    if allowed:
        return
    if not signed_in(current_user):
        abort(login_manager.unauthorized())
    if last is not None and not last[1]:
        g.refused_permission = last[0]
    abort(403)


def can(name: str, *args) -> bool:
    """Template access to the predicates: {% if can("join_community", community) %}."""
    return REGISTRY[name](current_user, *args)


def init_app(app) -> None:
    app.jinja_env.globals["can"] = can
    factory = db.session.session_factory
    if not event.contains(factory, "after_flush", _forget):
        event.listen(factory, "after_flush", _forget)
        event.listen(factory, "after_rollback", _forget)
