"""The production site of docs/deploy.md, started once for the module's tests and stopped after them.

It needs what a production machine has: nginx with Debian's brotli module, redis-server, openssl, gunicorn and
aiosmtpd in the virtualenv, and a PostgreSQL server (CIVICVOICE_TEST_DATABASE_URL's, where it creates a
database of its own and drops it). Without one of them the tests skip, and under CIVICVOICE_REQUIRE_ALL=1 (CI)
fail.
"""
import importlib.util
import os
import shutil
import time

import pytest

from tests.conftest import PG_URL

from . import stack

BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
APT = "apt-get install nginx libnginx-mod-http-brotli-static redis-server openssl"


def missing() -> str | None:
    """What this machine lacks to run the production stack, if anything."""
    if not PG_URL:
        return "needs PostgreSQL: set CIVICVOICE_TEST_DATABASE_URL (it creates a database of its own there)"
    for program in ("nginx", "redis-server", "openssl"):
        if not shutil.which(program, path=stack.PATH):
            return f"needs {program} ({APT})"
    if not os.path.exists(BROTLI_MODULE):
        return f"needs nginx's brotli module {BROTLI_MODULE} ({APT})"
    if not (stack.BIN / "gunicorn").exists() or importlib.util.find_spec("aiosmtpd") is None:
        return "needs gunicorn and aiosmtpd in the virtualenv (make setup-test)"
    return None


@pytest.fixture(scope="module")
def site(request):
    """The site, through every step of the guide; stopped (processes, database, folder) after the module."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    running = stack.start(PG_URL)
    request.addfinalizer(running.stop)
    for step in stack.STEPS:
        getattr(running, step)()
    running.started_in = time.monotonic() - started
    return running
