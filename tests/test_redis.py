"""With REDIS_URL set, rate limits are shared between processes and jobs go through RQ."""
import pytest

from civicvoice import create_app, jobs
from civicvoice.accounts import services
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.redis, pytest.mark.xdist_group("redis")]  # one Redis database: one worker


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                        RATELIMIT_STORAGE_URI=REDIS_URL or "memory://")
def test_login_limit_is_shared_through_redis(app, client, redis_db):
    for _ in range(3):
        assert client.post("/login", data={"email": "omar@example.org", "password": "x" * 12}).status_code == 200
    assert redis_db.dbsize() > 0
    # A second worker process starts with a fresh limiter: the count lives in Redis, not in memory.
    other_worker = create_app({**app.config, "SERVER_NAME": None})
    from tests.conftest import FreshContextClient

    other_worker.test_client_class = FreshContextClient
    response = other_worker.test_client().post("/login", data={"email": "omar@example.org", "password": "x" * 12})
    assert response.status_code == 429


@pytest.mark.app_config(REDIS_URL=REDIS_URL)
def test_mail_is_queued_to_rq_and_delivered_by_the_worker(app, db, outbox, redis_db):
    services.register("ليلى", "layla@example.org", "a good long password")
    db.session.commit()
    assert outbox == []  # not sent inline
    assert jobs.queue().count == 1
    jobs.work(burst=True)
    assert [message["to"] for message in outbox] == ["layla@example.org"]
    assert jobs.queue().count == 0


@pytest.mark.app_config(REDIS_URL=REDIS_URL)
def test_nothing_is_queued_when_the_transaction_rolls_back(app, db, outbox, redis_db):
    services.register("ليلى", "layla@example.org", "a good long password")
    db.session.rollback()
    assert jobs.queue().count == 0
