"""The probes: /healthz is alive without touching anything, /readyz is red for each thing a page needs that fails;
neither sets a cookie, looks up who is signed in, or counts against a rate limit."""
from datetime import timedelta

import pytest
from flask import session
from flask_limiter import ApplicationLimit
from rq import SimpleWorker
from rq.utils import now as rq_now
from sqlalchemy import text

from civicvoice import create_app
from civicvoice.extensions import limiter
from tests.conftest import TEST_CONFIG
from tests.factories import make_user
from tests.ports import free_port


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_green_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "migrations": "ok",
                                                        "redis": "not configured", "jobs": "not configured"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_red_when_the_schema_is_not_at_head(client, db, alembic_version):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000deadbeef'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "fail"
    assert response.json["checks"] == {"database": "ok", "migrations": "fail", "redis": "not configured",
                                       "jobs": "not configured"}
    assert "0000deadbeef" in response.json["reasons"]["migrations"]
    assert alembic_version in response.json["reasons"]["migrations"]


def test_readyz_is_red_with_redis_at_a_closed_port(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "fail", "jobs": "fail"}
    assert response.json["reasons"] == {"redis": "Redis does not answer", "jobs": "Redis does not answer"}


def test_healthz_answers_and_readyz_is_red_when_the_database_does_not(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/folder/x.db"})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "fail"
    assert response.json["checks"]["migrations"] == "fail"
    # What the driver said stays in the log: whoever asks is told no path, host nor user.
    assert response.json["reasons"]["database"] == "the database does not answer"


@pytest.mark.redis
def test_readyz_is_green_with_the_real_redis(client, job_queue):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok", "jobs": "ok"}


@pytest.mark.redis
def test_a_job_waiting_with_no_worker_turns_readyz_red(client, job_queue):
    rq_queue, _workers = job_queue
    rq_queue.enqueue("os.getcwd")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["jobs"] == "fail"
    assert response.json["reasons"]["jobs"] == "1 job(s) waiting and no worker registered"


@pytest.mark.redis
def test_a_job_waiting_too_long_turns_readyz_red_even_with_a_worker(app, client, job_queue):
    rq_queue, workers = job_queue
    worker = SimpleWorker([rq_queue], connection=rq_queue.connection)
    worker.register_birth()
    workers.append(worker)
    job = rq_queue.enqueue("os.getcwd")
    assert client.get("/readyz").status_code == 200  # a worker and a fresh job: the queue moves
    job.enqueued_at = rq_now() - timedelta(seconds=app.config["READY_QUEUE_MAX_AGE_SECONDS"] + 60)
    job.save()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["reasons"]["jobs"].startswith("the oldest job has waited 66")  # 660 s or 661 s
    assert response.json["reasons"]["jobs"].endswith("(more than READY_QUEUE_MAX_AGE_SECONDS=600)")


def test_healthz_never_touches_the_database_even_for_a_signed_in_browser(client, login_as, count_queries):
    login_as(make_user())
    with count_queries() as queries:
        assert client.get("/healthz").status_code == 200
    assert queries == []
    with count_queries() as queries:
        client.get("/readyz")
    # Nobody is looked up, no session is touched: only the two questions of the checks (and SQLite's BEGIN).
    assert [query for query in queries if query != "BEGIN"] == ["SELECT 1", "SELECT version_num FROM alembic_version"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_neither_probe_sets_a_cookie_even_for_a_browser_whose_session_ended(client, path):
    with client.session_transaction() as session:
        session["_user_id"] = "a secret of a session that is over"
    client.set_cookie("remember_token", "a remembered secret that is over")
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    # The same browser on a page is told its session ended, with a cookie: what the probes never do.
    assert "Set-Cookie" in client.get("/").headers


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_the_probes_are_exempt_from_a_limit_on_the_whole_site(app, client):
    assert limiter.limit_manager.application_limits == []
    limiter.limit_manager.set_application_limits([ApplicationLimit(limit_provider="10 per minute").bind(limiter)])
    try:
        for _ in range(200):
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
        statuses = [client.get("/").status_code for _ in range(11)]
    finally:
        limiter.limit_manager.set_application_limits([])
    assert statuses[-1] == 429  # the limit was on, for every other page


def test_a_request_for_another_host_is_refused_even_for_the_probes(client):
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.own_app  # adds a hook to its app
def test_the_probes_set_no_cookie_even_when_a_hook_writes_to_the_session(app, client):
    @app.before_request
    def _write():
        session["seen"] = True

    assert "Set-Cookie" in client.get("/").headers
    assert "Set-Cookie" not in client.get("/healthz").headers
    assert "Set-Cookie" not in client.get("/readyz").headers


def test_the_queue_age_is_read_from_the_environment(database_url, monkeypatch):
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}
    monkeypatch.setenv("READY_QUEUE_MAX_AGE_SECONDS", "90")
    assert create_app(config).config["READY_QUEUE_MAX_AGE_SECONDS"] == 90
    monkeypatch.setenv("READY_QUEUE_MAX_AGE_SECONDS", "0")
    with pytest.raises(RuntimeError, match="READY_QUEUE_MAX_AGE_SECONDS must be a whole number of at least 1"):
        create_app(config)
