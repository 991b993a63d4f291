"""Business-logic limits (ASVS 2.1.3): every limit of civicvoice/config.py is named in the README and set from the
environment.

The limits are found in `Config` by their names, not listed here: a new one (`..._LIMIT_...`, `..._CAP_...`,
`MAX_...`, `..._PER_...`, `..._MINUTES` ...) fails these tests until the README names it and `config.load` reads it.
Issue #21 found `SIGN_LIMIT_*` and `LOGIN_LIMIT_*` described in the README but never read from the environment.
"""
import re
from pathlib import Path

import pytest

from civicvoice import create_app
from civicvoice.config import SESSION_SETTINGS, Config

README = Path(__file__).parents[2] / "README.md"
LIMIT_NAME = re.compile(r"(^|_)(LIMIT|CAP|MAX|MIN|THRESHOLD|PER)(_|$)|_AGE$|_(MINUTES|HOURS|DAYS|BYTES)(_|$)")
# Names that look like a limit and are none, with why.
NOT_LIMITS = {
    "WTF_CSRF_TIME_LIMIT": "Flask-WTF's, turned off: a form's CSRF token lives as long as the sign-in session",
    "READY_QUEUE_MAX_AGE_SECONDS": "when /readyz calls the job queue stuck: a threshold for the monitoring, not a "
                                   "limit on what anyone may do (tests/test_health.py reads it from the environment)",
}
BASE = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def limit_settings() -> list[str]:
    return sorted(name for name in vars(Config)
                  if name.isupper() and LIMIT_NAME.search(name) and name not in NOT_LIMITS)


def _another_value(name: str) -> tuple[str, object]:
    """A valid value for `name` other than its default: as the environment spells it, and as app.config holds it."""
    default = getattr(Config, name)
    if isinstance(default, str):
        return "7 per minute;70 per hour", "7 per minute;70 per hour"
    assert isinstance(default, int), (name, default)
    return str(default + 7), default + 7


def test_the_limits_are_found_by_their_names():
    found = set(limit_settings())
    assert {"LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_IP", "SIGN_LIMIT_PER_ACCOUNT", "SIGN_LIMIT_PER_IP",
            "MAIL_FORM_LIMIT", "POST_LIMIT_PER_ACCOUNT", "MAIL_CAP_PER_HOUR", "MAX_PER_PAGE", "PER_PAGE",
            "MAX_CONTENT_LENGTH", "ATTACHMENT_MAX_BYTES", "PASSWORD_MIN_LENGTH", "RESET_TOKEN_MAX_AGE",
            "REPORT_THRESHOLD", *SESSION_SETTINGS} <= found
    assert not found & {"RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE", "MAIL_PORT", "TRUSTED_PROXIES"}
    assert set(NOT_LIMITS) <= set(vars(Config))  # no reason kept for a setting that is gone


def test_every_limit_is_named_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [name for name in limit_settings() if not re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", readme)]
    assert missing == []


@pytest.mark.parametrize("name", limit_settings())
def test_every_limit_is_read_from_the_environment(monkeypatch, name):
    spelled, value = _another_value(name)
    monkeypatch.setenv(name, spelled)
    assert create_app(BASE).config[name] == value


@pytest.mark.parametrize("name, spelled", [
    ("LOGIN_LIMIT_PER_ACCOUNT", "five a minute"), ("SIGN_LIMIT_PER_IP", "60"), ("PER_PAGE", "0"),
    ("MAX_CONTENT_LENGTH", "32M"), ("PASSWORD_MIN_LENGTH", "-1"), ("MAIL_CAP_PER_HOUR", "-1"),
])
def test_a_limit_the_environment_misspells_stops_the_start(monkeypatch, name, spelled):
    monkeypatch.setenv(name, spelled)
    with pytest.raises(RuntimeError, match=name):
        create_app(BASE)


def test_a_mail_cap_of_zero_from_the_environment_means_no_cap(monkeypatch):
    monkeypatch.setenv("MAIL_CAP_PER_HOUR", "0")
    assert create_app(BASE).config["MAIL_CAP_PER_HOUR"] == 0
