"""A second app host in the same test: what two gunicorn hosts behind one nginx share (the database, Redis, the
bucket) and what each keeps to itself (its process, its limiter's memory, its own folder)."""
from contextlib import contextmanager

from civicvoice import create_app
from civicvoice.extensions import db
from tests.conftest import FreshContextClient


@contextmanager
def another_host(app, **settings):
    """A second app with `app`'s settings (so the same database, SECRET_KEY, Redis and bucket) but for `settings`.

    Built from scratch, as a second process would be: Flask-Limiter's storage in particular is made anew (its
    memory storage starts empty), so a count that reaches the second host went through Redis."""
    other = create_app({**app.config, "SERVER_NAME": None, **settings})
    other.test_client_class = FreshContextClient
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


def same_browser(client, other):
    """A client of `other` carrying `client`'s session cookie: the proxy sent the browser's next request there."""
    second = other.test_client()
    name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    if cookie is not None:
        second.set_cookie(name, cookie.value)
    return second
