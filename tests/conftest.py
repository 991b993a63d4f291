"""Fixtures: app, db, client, login_as, count_queries, outbox; SQLite by default, PostgreSQL on request.

CIVICVOICE_TEST_BACKEND=postgresql runs the whole suite on CIVICVOICE_TEST_DATABASE_URL.
Tests marked `postgres` need that URL, tests marked `redis` need CIVICVOICE_TEST_REDIS_URL and tests
marked `e2e` need /usr/bin/chromium. Without them they skip with the reason, and under
CIVICVOICE_REQUIRE_ALL=1 (CI) a skip fails the run.
"""
import os
import shutil
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from civicvoice import create_app
from civicvoice.extensions import db as _db
from civicvoice.extensions import limiter

BACKEND = os.environ.get("CIVICVOICE_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("CIVICVOICE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CIVICVOICE_TEST_REDIS_URL")
REQUIRE_ALL = os.environ.get("CIVICVOICE_REQUIRE_ALL") == "1"
CHROMIUM = "/usr/bin/chromium"

TEST_CONFIG = {
    "TESTING": True,
    "CIVICVOICE_ENV": "testing",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_BACKEND": "memory",
    "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    "SERVER_NAME": None,
}


def _pg(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def pytest_configure(config):
    if BACKEND == "postgresql" and not PG_URL:
        raise pytest.UsageError("CIVICVOICE_TEST_BACKEND=postgresql needs CIVICVOICE_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config, items):
    deselected, kept = [], []
    for item in items:
        # PostgreSQL-only tests run in the PostgreSQL pass, not twice.
        if item.get_closest_marker("postgres") and BACKEND != "postgresql" and PG_URL:
            deselected.append(item)
            continue
        if item.get_closest_marker("sqlite") and BACKEND != "sqlite":
            deselected.append(item)
            continue
        kept.append(item)
        reason = None
        if item.get_closest_marker("postgres") and not PG_URL:
            reason = "needs PostgreSQL: set CIVICVOICE_TEST_DATABASE_URL"
        if item.get_closest_marker("redis") and not REDIS_URL:
            reason = "needs Redis: set CIVICVOICE_TEST_REDIS_URL"
        if item.get_closest_marker("e2e") and not os.path.exists(CHROMIUM):
            reason = f"needs {CHROMIUM} (apt-get install chromium)"
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CIVICVOICE_REQUIRE_ALL=1 a skipped test is a failed test, whatever skipped it."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CIVICVOICE_REQUIRE_ALL=1: {reason}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database migrated once for the session (proving the migrations build the schema)."""
    if BACKEND == "postgresql":
        url = _pg(PG_URL)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if BACKEND == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        _db.engine.dispose()
    return url


def _config_overrides(request) -> dict:
    overrides = {}
    for marker in reversed(list(request.node.iter_markers("app_config"))):
        overrides.update(marker.kwargs)
    return overrides


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Otherwise requests reuse the test's app context and share `g`: the signed-in user and the
    locale (both cached on `g`) would leak from one request to the next.

    The test's own session commits before the request and starts afresh after it, so the
    request sees the test's setup and the test then sees what the request committed.
    """

    def open(self, *args, **kwargs):
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture
def app(database_url, request, tmp_path):
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
              **_config_overrides(request)}
    application = create_app(config)
    application.instance_path = str(tmp_path / "instance")
    application.test_client_class = FreshContextClient
    with application.app_context():
        if application.config["RATELIMIT_ENABLED"]:
            limiter.reset()
        yield application
        _db.session.remove()
        _truncate()
        _db.engine.dispose()


def _truncate():
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))  # names come from our own metadata


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Sign `user` in on the test client (as Flask-Login would after a password check)."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return _login


@pytest.fixture
def outbox(app):
    from civicvoice.mail import outbox as mail_outbox

    messages = mail_outbox(app)
    messages.clear()
    return messages


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) is the number of SQL statements run."""

    @contextmanager
    def _count():
        statements = []

        def _before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", _before)
        try:
            yield statements
        finally:
            event.remove(_db.engine, "before_cursor_execute", _before)

    return _count


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or CHROMIUM
    return path
