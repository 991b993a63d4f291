"""Browser fixtures: a live server on the test database, Debian's Chromium driven by Playwright, artifacts on failure.

The live app is a second app on the same database as the `app` fixture, which it depends on: `app` truncates
every table after the test, so whatever the browser created is cleaned up like any other test's data.
The live app differs from the test app only where a real browser needs it: real CSRF and mail written as .eml
files to a temporary outbox directory.
"""
import re
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import got_request_exception
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from civicvoice import create_app, demo
from civicvoice.extensions import db
from tests.conftest import CHROMIUM, TEST_CONFIG
from tests.images import build_image, restore

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 15_000  # generous for a loaded CI machine; a hang still fails in seconds, not minutes

expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class LiveServer:
    url: str
    app: object
    outbox_dir: Path
    errors: list = field(default_factory=list)  # tracebacks of exceptions raised by views


@pytest.fixture(scope="session")
def demo_image(database_url, tmp_path_factory):
    """The demo data, loaded through the services once per run (seconds: every demo account's password is hashed),
    then restored before each journey as if loaded just now."""
    return build_image(database_url, tmp_path_factory.mktemp("demo"), demo.load)


@pytest.fixture
def live_server(app, database_url, tmp_path, demo_image):
    """The app served over HTTP on 127.0.0.1 (a free port) from a daemon thread, with the demo data loaded."""
    outbox_dir = tmp_path / "live-outbox"
    # The port comes first: the server's address is the site's (BASE_URL), which links in mail and letters say.
    httpd = make_server("127.0.0.1", 0, None, threaded=True)
    url = f"http://127.0.0.1:{httpd.server_port}"
    live = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": url,
        "WTF_CSRF_ENABLED": True,
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(outbox_dir),
        "REDIS_URL": None,  # mail is written inline during the request, never queued
    })
    live.instance_path = str(tmp_path / "live-instance")
    httpd.app = live
    with live.app_context():
        restore(demo_image)  # into the live app's upload folder too

    server = LiveServer(url=url, app=live, outbox_dir=outbox_dir)

    def record(sender, exception, **extra):
        server.errors.append("".join(traceback.format_exception(exception)))

    got_request_exception.connect(record, live)
    thread = threading.Thread(target=httpd.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()
        got_request_exception.disconnect(record, live)
        with live.app_context():
            db.session.remove()
            db.engine.dispose()  # release connections before the `app` fixture truncates the tables
    assert not server.errors, "the live server raised:\n" + "\n".join(server.errors)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium (never a Playwright-downloaded one), one per test module."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (item.rep_setup, item.rep_call) for the fixtures' teardown."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def new_page(chromium, live_server, request):
    """new_page(**context_options): a page in a fresh browser context, Arabic-speaking, on the live server.

    When the test fails, each page's screenshot and HTML are saved to tests/e2e/artifacts/.
    """
    contexts = []

    def _new_page(**options):
        settings = {"base_url": live_server.url, "locale": "ar-SY", "timezone_id": "Asia/Damascus", **options}
        context = chromium.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page

    failed = any(getattr(getattr(request.node, "rep_" + when, None), "failed", False) for when in ("setup", "call"))
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                _save_artifacts(request.node.nodeid, f"{number}-{index}", page)
        context.close()


def _save_artifacts(nodeid: str, suffix: str, page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_") + "-" + suffix
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}.html").write_text(f"<!-- {page.url} -->\n" + page.content(), encoding="utf-8")
    except Exception as error:  # a crashed page must not hide the test's own failure
        (ARTIFACTS / f"{stem}.error.txt").write_text(f"{page.url}\n{error!r}\n", encoding="utf-8")
