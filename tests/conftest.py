"""Fixtures: app, db, client, login_as, count_queries, outbox; SQLite by default, PostgreSQL on request.

CIVICVOICE_TEST_BACKEND=postgresql runs the whole suite on CIVICVOICE_TEST_DATABASE_URL.
Tests marked `postgres` need that URL, tests marked `redis` need CIVICVOICE_TEST_REDIS_URL and tests
marked `e2e` need /usr/bin/chromium. Without them they skip with the reason, and under
CIVICVOICE_REQUIRE_ALL=1 (CI) a skip fails the run.
"""
import os
import shutil
import uuid
from contextlib import contextmanager, suppress

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, event, make_url, text

from civicvoice import create_app, jobs
from civicvoice.extensions import db as _db
from civicvoice.extensions import limiter
from tests.factories import session_secret

BACKEND = os.environ.get("CIVICVOICE_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("CIVICVOICE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CIVICVOICE_TEST_REDIS_URL")
REQUIRE_ALL = os.environ.get("CIVICVOICE_REQUIRE_ALL") == "1"
CHROMIUM = "/usr/bin/chromium"

# Suites that check what a page or a browser shows, where no SQL dialect changes the answer: the escaping of every
# field with every XSS payload, the browser journeys, and where files are stored (the storage backends against a
# local S3 server). They run in the SQLite pass only; every service and view test, the security suite's route,
# session and concurrency tests, the migrations and the constraints run on both. The production smoke test runs once
# too: it brings its own PostgreSQL database, whichever the pass.
ONCE = ("tests/e2e/", "tests/security/test_xss", "tests/test_storage.py", "tests/production/")
# What `make test-fast` (pytest -m "not slow") leaves out for the edit-test loop: the browser, the security
# suite's route-by-route sweeps and payload corpus, the PDF rendering, PostgreSQL's concurrency, the production
# stack. `make test` runs all.
SLOW = ("tests/e2e/", "tests/security/", "tests/letters/test_pdf.py", "tests/volunteers/test_certificate.py",
        "tests/production/")

TEST_CONFIG = {
    "TESTING": True,
    "CIVICVOICE_ENV": "testing",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_BACKEND": "memory",
    "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    "BASE_URL": "http://localhost",  # the test client's host: links in mail point where the tests send requests
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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    deselected, kept = [], []
    root = str(config.rootpath) + "/"
    for item in items:
        path = str(item.path).removeprefix(root)
        if path.startswith(SLOW) or item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.slow)
        if path.startswith(ONCE) and BACKEND == "postgresql":
            deselected.append(item)
            continue
        # PostgreSQL-only tests run in the PostgreSQL pass, not twice.
        if item.get_closest_marker("postgres") and BACKEND != "postgresql" and PG_URL:
            deselected.append(item)
            continue
        if item.get_closest_marker("sqlite") and BACKEND != "sqlite":
            deselected.append(item)
            continue
        kept.append(item)
        if item.get_closest_marker("postgres"):
            # Concurrency tests open dozens of connections each: under pytest-xdist they share one worker,
            # one at a time, so that together they stay under PostgreSQL's max_connections.
            item.add_marker(pytest.mark.xdist_group("postgres"))
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


def _worker_database(url: str) -> str:
    """Under pytest-xdist, each worker gets its own PostgreSQL database beside the one named (created once)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))  # the name is ours: the URL's plus gw<n>
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _without_waiting_for_disk(url: str) -> str:
    """Test connections commit without waiting for the WAL to reach the disk: thousands of commits, and a
    database that is thrown away. Locks, constraints and isolation are unchanged."""
    return make_url(url).update_query_dict({"options": "-c synchronous_commit=off"}) \
        .render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database migrated once for the session (proving the migrations build the schema)."""
    if BACKEND == "postgresql":
        url = _without_waiting_for_disk(_worker_database(_pg(PG_URL)))
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


_APPS: dict[str, object] = {}  # one app per distinct configuration, for the whole session
_POOLED: list = []  # the cached app whose connections stay open (one at a time: PostgreSQL has 100 in all)


def _app_for(config: dict, own: bool):
    """An app with `config`: built once and reused (building one compiles every URL rule: a tenth of a second),
    or built afresh for a test that changes the app itself (adds routes)."""
    if own:
        return create_app(config)
    key = repr(sorted(config.items()))
    if key not in _APPS:
        _APPS[key] = create_app(config)
    return _APPS[key]


@pytest.fixture
def app(database_url, request, tmp_path):
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **_config_overrides(request)}
    own = request.node.get_closest_marker("own_app") is not None
    application = _app_for(config, own=own)
    # The app of the last tests keeps its pooled connections while tests of its configuration follow one another:
    # closing them (a WAL checkpoint on SQLite, a new session on PostgreSQL) cost more than the test itself. Only
    # one app at a time keeps them, or a worker would hold a pool per configuration it met.
    if not own and _POOLED[-1:] != [application]:
        for previous in _POOLED:
            with previous.app_context():
                _db.engine.dispose()
        _POOLED[:] = [application]
    # What one test may change or leave behind is put back for the next: settings, folders, delivered mail.
    settings = dict(application.config)
    application.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    application.instance_path = str(tmp_path / "instance")
    application.test_client_class = FreshContextClient
    application.extensions.get("mail_outbox", []).clear()
    try:
        with application.app_context():
            # One limiter serves every cached app, and keeps the switch of the last one built: this app's, now
            # (else a test with limits off could meet those of another, after five registrations from one address).
            limiter.enabled = application.config["RATELIMIT_ENABLED"]
            if application.config["RATELIMIT_ENABLED"]:
                with suppress(RedisError):  # Redis down on purpose (tests/test_redis_down.py)
                    limiter.reset()
            yield application
            _db.session.remove()
            _truncate()
            if own:
                _db.engine.dispose()  # an app built for one test: its connections go with it
    finally:
        application.config.clear()
        application.config.update(settings)


@pytest.fixture
def redis_db():
    """The test Redis database (CIVICVOICE_TEST_REDIS_URL), empty before and after; for tests marked `redis`."""
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def _truncate():
    """Empty every table (children first) and, on PostgreSQL, start every id sequence again at 1.

    Names come from our own metadata. On PostgreSQL only the tables holding rows are emptied, with DELETE: a
    TRUNCATE of every table costs a quarter of a second per test in file operations.
    """
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            filled = set(conn.scalars(text(" UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables))))
            tables = [name for name in tables if name in filled]
        for name in tables:
            conn.execute(text(f'DELETE FROM "{name}"'))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(oid::regclass, 1, false) FROM pg_class "
                              "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"))


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Sign `user` in on the test client: a new session of theirs, as the login form would open."""

    def _login(user):
        secret = session_secret(user)
        with client.session_transaction() as session:
            session["_user_id"] = secret
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
def alembic_version(db):
    """The database's revision; put back after the test, whatever it did (the migrated database is shared)."""
    with db.engine.begin() as conn:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    yield revision
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})


@pytest.fixture
def job_queue(app, monkeypatch):
    """The app's RQ queue on the test Redis (REDIS_URL set), emptied before and after, and a list to which the test
    adds the workers it registers (their registrations are removed after it). The queue has a name of its own, so
    that tests running side by side do not see each other's jobs and workers."""
    app.config["REDIS_URL"] = REDIS_URL
    monkeypatch.setattr(jobs, "QUEUE_NAME", f"{jobs.QUEUE_NAME}-test-{uuid.uuid4().hex[:12]}")
    queue = jobs.queue()
    queue.empty()
    workers = []
    yield queue, workers
    for worker in workers:
        worker.register_death()
    queue.empty()


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
