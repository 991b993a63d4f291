"""Gunicorn's settings for CivicVoice: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (see docs/deploy.md).

nginx sits in front: it terminates TLS, buffers slow uploads and responses, serves /static/, and passes each
request on in one go. So plain sync workers do: a worker is busy only while the app works, never while a phone
on a slow line sends or reads. The settings marked GUNICORN_* can be changed from the environment (the
service's EnvironmentFile, /etc/civicvoice/env).
"""
import multiprocessing
import os

# Where nginx's `upstream` finds this host. 127.0.0.1 when nginx runs on the same machine; with several app
# hosts, their private address (and a firewall letting only nginx in).
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

# Sync workers wait on the database, not on the CPU: two per core and one more, gunicorn's rule of thumb.
# Each keeps its own database connections (up to 15 with SQLAlchemy's default pool): keep hosts x workers x 15
# under PostgreSQL's max_connections (100 by default), or lower the workers.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"

# Workers tell the master they are alive through a file touched every few seconds: in memory, not on a disk
# that may stall (PrivateTmp's /tmp is on disk).
worker_tmp_dir = "/dev/shm"

# A letter with a long signatory annex is laid out in the request: a minute before the worker is killed.
# nginx waits a little longer (proxy_read_timeout 75s): a killed worker shows nginx's 502, not a hang.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30  # on restart, requests in flight finish (systemd's TimeoutStopSec is longer)
# Sync workers close each connection after its response: nginx opens one per request (cheap on a LAN).

# Recycle each worker after a while: PDF rendering (WeasyPrint) and Pillow grow a process's memory over time.
max_requests = 1000
max_requests_jitter = 100

# nginx on this host adds X-Forwarded-For/-Proto; the app trusts them itself (TRUSTED_PROXIES=1 and
# werkzeug's ProxyFix), so gunicorn's own view is only for its error log. Other hosts' nginx: their address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The app writes one JSON line per request itself (request id, route, status, duration): gunicorn's access
# log would say it all a second time. Errors and worker lifecycle go to stderr, hence the journal.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines (workers starting, timeouts) as JSON like the app's, one handler in all: without this,
# gunicorn adds a text handler to the root logger and every app line would be written twice.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["json"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
    "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "formatters": {"json": {"()": "civicvoice.jsonlog.JsonFormatter"}},
}

# systemd manages the service (start, stop, reload with HUP): no control socket in the service user's home.
control_socket_disable = True
proc_name = "civicvoice"
