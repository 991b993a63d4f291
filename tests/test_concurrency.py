"""Integrity under concurrent requests, on PostgreSQL: the unique constraints decide, never a race."""
import threading

import pytest
from sqlalchemy import func, select

from civicvoice.accounts import services as accounts
from civicvoice.accounts.models import User
from civicvoice.communities import services as communities
from civicvoice.communities.models import Membership
from civicvoice.errors import Conflict
from civicvoice.extensions import db
from tests.factories import make_community, make_user

pytestmark = pytest.mark.postgres
THREADS = 20


def _race(app, action):
    """Run `action()` in THREADS threads at once, each with its own app context and session."""
    barrier = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                action()
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            except Exception as error:  # noqa: BLE001 - any other outcome is the bug under test
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def test_concurrent_joins_make_one_membership(app):
    community, user = make_community(), make_user()
    community_id, user_id = community.id, user.id

    def join():
        communities.join(db.session.get(User, user_id), db.session.get(type(community), community_id))

    outcomes, errors = _race(app, join)
    assert errors == []
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == THREADS - 1
    assert db.session.scalar(select(func.count(Membership.id))) == 1


def test_concurrent_registrations_make_one_account(app):
    def register():
        accounts.register("ليلى", "layla@example.org", "a good long password")

    outcomes, errors = _race(app, register)
    assert errors == [] or all("IntegrityError" in e or "UniqueViolation" in e for e in errors)
    assert db.session.scalar(select(func.count(User.id)).where(User.email_key == "layla@example.org")) == 1
