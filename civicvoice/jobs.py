"""Background jobs: RQ on Redis when REDIS_URL is set, inline otherwise."""
import logging

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

log = logging.getLogger(__name__)
QUEUE_NAME = "civicvoice"


def _redis():
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue():
    return Queue(QUEUE_NAME, connection=_redis())


def run_later(func, *args, **kwargs) -> None:
    """Run `func(*args, **kwargs)` in a worker when Redis is configured, else now.

    `func` must be a module-level function: the RQ worker imports it by name and
    runs it inside an application context (see `flask jobs worker`).
    """
    if current_app.config.get("REDIS_URL") and not current_app.config.get("JOBS_INLINE"):
        try:
            queue().enqueue(func, *args, **kwargs)
            return
        except RedisError:
            # Redis is down: the job runs here and now (slower for this request), rather than being lost.
            log.warning("Job queue unreachable: %s runs in this request", getattr(func, "__name__", func))
    # A fresh application context, as a worker has: its own database session, since this often runs right
    # after a commit, when the caller's session may not emit SQL any more.
    with current_app.app_context():
        func(*args, **kwargs)


def work(burst: bool = False) -> None:
    """Process queued jobs in this process (inside the current app context)."""
    class BurstWorker(SimpleWorker):
        # A burst worker stops once the queue is empty: it has no use for RQ's command channel, whose listening
        # thread takes up to a minute to stop (it polls every 60 s).
        def subscribe(self):
            pass

        def unsubscribe(self):
            pass

    worker = (BurstWorker if burst else SimpleWorker)([queue()], connection=_redis())
    worker.work(burst=burst, with_scheduler=False)
