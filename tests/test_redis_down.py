"""Redis unreachable (REDIS_URL set, nothing listening): pages still answer, limits still count (in memory),
and jobs run in the request instead of being lost."""
import socket

import pytest

from civicvoice.accounts import services
from civicvoice.extensions import limiter


def _closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


DOWN = _closed_port()


@pytest.fixture(autouse=True)
def _limiter_storage_back():
    """One limiter serves every app of the run and keeps the storage of the last one built (tests/conftest.py), and
    it marks that storage dead on the first error: the next test gets them back as they were."""
    saved = limiter._storage, limiter._limiter, limiter._storage_dead
    yield
    limiter._storage, limiter._limiter, limiter._storage_dead = saved


@pytest.mark.app_config(REDIS_URL=DOWN, RATELIMIT_STORAGE_URI=DOWN, RATELIMIT_ENABLED=True,
                        LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
def test_sign_in_answers_and_is_still_limited_while_redis_is_down(app, client, caplog):
    statuses = [client.post("/login", data={"email": "omar@example.org", "password": "x" * 12}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the form again with its message, then the limit, never a 500
    assert any("storage unreachable" in record.getMessage().lower() for record in caplog.records)


@pytest.mark.app_config(REDIS_URL=DOWN, RATELIMIT_STORAGE_URI=DOWN)
def test_a_job_runs_in_the_request_when_the_queue_is_down(app, db, outbox, caplog):
    services.register("ليلى", "layla@example.org", "a good long password")
    db.session.commit()
    assert [message["to"] for message in outbox] == ["layla@example.org"]
    assert any("Job queue unreachable" in record.getMessage() for record in caplog.records)
