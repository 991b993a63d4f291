"""Health probes for the proxy and the monitoring: GET /healthz (alive) and GET /readyz (able to serve).

/healthz answers 200 whenever the process answers at all: it touches no database, no Redis, no file. /readyz
checks what a page needs: the database answers, its schema is at the migrations' head, Redis answers (when
REDIS_URL is set) and the job queue moves. It answers 200 with every check "ok" (or "not configured"), else 503
with the failing checks "fail" and a short reason each (the details go to the log, not to whoever asks).

The job queue is stuck when its oldest waiting job has waited longer than READY_QUEUE_MAX_AGE_SECONDS (a worker hung,
or too slow for the load), or when jobs wait and no worker is registered for the queue (nothing will ever run
them; a worker restarting registers again within seconds, so a monitor should alert on a failure that lasts).

Neither probe looks at the session nor at who is signed in, sets a cookie, counts against a rate limit or writes
an access line. Both still answer only to the site's own host names (urls.py): nginx passes the real Host.
"""
import logging
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from redis import Redis
from rq import Queue, Worker
from rq.utils import now as rq_now
from sqlalchemy import text

from . import jobs
from .extensions import db, limiter
from .requestlog import unlogged
from .sessions import sessionless

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

OK, FAIL, NOT_CONFIGURED = "ok", "fail", "not configured"
REDIS_TIMEOUT = 2  # seconds: a probe that hangs is worse than one that fails


class Failed(Exception):
    """A check that failed: the short reason shown to whoever asked, and the fix (for `flask check`)."""

    def __init__(self, reason: str, fix: str = ""):
        super().__init__(reason)
        self.reason, self.fix = reason, fix


def migration_script(app=None) -> ScriptDirectory:
    """The migrations of this code (migrations/), as Alembic reads them."""
    app = app or current_app._get_current_object()
    return ScriptDirectory(str(Path(app.extensions["migrate"].directory)))


def migration_heads(app=None) -> set[str]:
    """The head revisions of migrations/ (read once per process: the code does not change while it runs)."""
    app = app or current_app._get_current_object()
    if "civicvoice.migration_heads" not in app.extensions:
        app.extensions["civicvoice.migration_heads"] = set(migration_script(app).get_heads())
    return app.extensions["civicvoice.migration_heads"]


def check_database() -> set[str]:
    """The revisions the database says it is at (alembic_version). Raises Failed when it does not answer."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                return set(conn.scalars(text("SELECT version_num FROM alembic_version")))
            except Exception:  # noqa: BLE001 - no table: a database never migrated
                return set()
    except Exception as error:  # noqa: BLE001 - whatever the driver raises, the database is not there
        log.warning("Database check failed: %s", error)
        raise Failed("the database does not answer") from None


def check_migrations(revisions: set[str]) -> None:
    heads = migration_heads()
    if revisions != heads:
        raise Failed(f"the database is at {', '.join(sorted(revisions)) or 'no revision'}, "
                     f"the code at {', '.join(sorted(heads))}", "run `flask db upgrade` (after a backup).")


def redis_client() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT,
                          socket_timeout=REDIS_TIMEOUT)


def check_redis(client: Redis) -> None:
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 - refused, timed out, wrong password: Redis is not there
        log.warning("Redis check failed: %s", error)
        raise Failed("Redis does not answer") from None


def queue_state(client: Redis) -> tuple[int, float | None, int]:
    """The jobs waiting, how long the one at the head of the queue has waited (seconds), the workers registered."""
    queue = Queue(jobs.QUEUE_NAME, connection=client)
    waiting = queue.count
    oldest = None
    if waiting:
        head = queue.get_jobs(0, 1)
        if head and head[0].enqueued_at:
            oldest = (rq_now() - head[0].enqueued_at).total_seconds()
    return waiting, oldest, Worker.count(queue=queue)


def check_jobs(client: Redis) -> None:
    waiting, oldest, workers = queue_state(client)
    if waiting and not workers:
        raise Failed(f"{waiting} job(s) waiting and no worker registered", "start `flask jobs worker`.")
    limit = current_app.config["READY_QUEUE_MAX_AGE_SECONDS"]
    if oldest is not None and oldest > limit:
        raise Failed(f"the oldest job has waited {int(oldest)} s (more than READY_QUEUE_MAX_AGE_SECONDS={limit})",
                     "see the worker's log: is it hung, or too slow for the load (start another)?")


def readiness() -> tuple[dict, dict]:
    """Each check's state ("ok", "fail", "not configured") and each failure's reason."""
    checks, reasons = {}, {}

    def run(name, check, *args):
        try:
            result = check(*args)
        except Failed as failure:
            checks[name], reasons[name] = FAIL, failure.reason
            return None
        checks[name] = OK
        return result

    revisions = run("database", check_database)
    if checks["database"] == OK:
        run("migrations", check_migrations, revisions)
    else:
        checks["migrations"], reasons["migrations"] = FAIL, "the database does not answer"
    if not current_app.config.get("REDIS_URL"):
        checks["redis"] = checks["jobs"] = NOT_CONFIGURED
        return checks, reasons
    client = redis_client()
    try:
        run("redis", check_redis, client)
        if checks["redis"] == OK:
            run("jobs", check_jobs, client)
        else:
            checks["jobs"], reasons["jobs"] = FAIL, "Redis does not answer"
    finally:
        client.close()
    return checks, reasons


@bp.get("/healthz")
@limiter.exempt
@sessionless
@unlogged
def healthz():
    return _no_store(jsonify(status=OK))


@bp.get("/readyz")
@limiter.exempt
@sessionless
@unlogged
def readyz():
    checks, reasons = readiness()
    if FAIL in checks.values():
        log.warning("Not ready: %s", "; ".join(f"{name}: {reason}" for name, reason in reasons.items()))
        return _no_store(jsonify(status=FAIL, checks=checks, reasons=reasons)), 503
    return _no_store(jsonify(status=OK, checks=checks))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
