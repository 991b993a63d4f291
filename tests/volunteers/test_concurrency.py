"""Sign-ups under concurrent load: the places never exceed the capacity, a person is never in twice.

Every worker has its own app context, hence its own session and connection, as one request of a threaded server.
The opportunity's row is locked before the count (PostgreSQL); on SQLite the sign-up view BEGINs IMMEDIATE, which
the workers' request contexts (a POST to that view) reproduce. PostgreSQL runs the issue's numbers (30 people at once
for 7 places, 20 racing attempts by one person); SQLite the same scenarios with fewer threads.
"""
import pytest
from sqlalchemy import func, select

from civicvoice.accounts.models import User
from civicvoice.extensions import db
from civicvoice.volunteers import signups
from civicvoice.volunteers.models import Opportunity, Signup
from tests.factories import make_community, make_member, make_opportunity
from tests.racing import race

POOL = {"pool_size": 40, "max_overflow": 10, "pool_timeout": 60}


def sign_up_as(app, opportunity_id, user_id):
    def action():
        with app.test_request_context(f"/opportunities/{opportunity_id}/sign-up", method="POST"):
            try:
                signups.sign_up(db.session.get(User, user_id), db.session.get(Opportunity, opportunity_id))
            except signups.Full:
                db.session.rollback()
                return "full"
            except signups.AlreadySignedUp:
                db.session.rollback()
                return "already"
            db.session.commit()
            return "signed"
    return action


def _state(opportunity_id):
    db.session.commit()  # a fresh read, not SQLite's old snapshot
    taken = db.session.scalar(select(Opportunity.places_taken).where(Opportunity.id == opportunity_id))
    rows = db.session.scalar(select(func.count(Signup.id)).where(Signup.opportunity_id == opportunity_id,
                                                                 Signup.status.in_(("pending", "confirmed"))))
    return taken, rows


@pytest.mark.parametrize("people, capacity", [pytest.param(30, 7, marks=pytest.mark.postgres, id="postgres-30"),
                                              pytest.param(6, 2, marks=pytest.mark.sqlite, id="sqlite-6")])
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_people_signing_up_at_once_never_exceed_the_capacity(app, db, people, capacity):
    community = make_community()
    opportunity = make_opportunity(community, capacity=capacity)
    opportunity_id, member_ids = opportunity.id, [make_member(community).id for _ in range(people)]

    result = race([sign_up_as(app, opportunity_id, uid) for uid in member_ids])

    assert result.errors == [], "\n".join(result.errors)
    assert (result.count("signed"), result.count("full")) == (capacity, people - capacity)
    assert _state(opportunity_id) == (capacity, capacity)


@pytest.mark.parametrize("attempts", [pytest.param(20, marks=pytest.mark.postgres, id="postgres-20"),
                                      pytest.param(5, marks=pytest.mark.sqlite, id="sqlite-5")])
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_one_person_racing_to_sign_up_is_in_once(app, db, attempts):
    community = make_community()
    opportunity = make_opportunity(community, capacity=10)
    opportunity_id, user_id = opportunity.id, make_member(community).id

    result = race([sign_up_as(app, opportunity_id, user_id) for _ in range(attempts)])

    assert result.errors == [], "\n".join(result.errors)
    assert (result.count("signed"), result.count("already")) == (1, attempts - 1)
    assert _state(opportunity_id) == (1, 1)
    assert db.session.scalar(select(func.count(Signup.id)).where(Signup.user_id == user_id)) == 1


@pytest.mark.parametrize("people", [pytest.param(24, marks=pytest.mark.postgres, id="postgres-24"),
                                    pytest.param(6, marks=pytest.mark.sqlite, id="sqlite-6")])
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_sign_ups_and_withdrawals_at_once_keep_the_count_true(app, db, people):
    """Half of the people withdraw while the other half sign up for the places they free."""
    community = make_community()
    capacity = people // 2
    opportunity = make_opportunity(community, capacity=capacity)
    opportunity_id = opportunity.id
    leaving = [make_member(community) for _ in range(capacity)]
    for user in leaving:
        signups.sign_up(user, opportunity)
    db.session.commit()
    leaving_ids, joining_ids = [u.id for u in leaving], [make_member(community).id for _ in range(people - capacity)]

    def withdraw_as(user_id):
        def action():
            with app.test_request_context(f"/opportunities/{opportunity_id}/withdraw", method="POST"):
                signups.withdraw(db.session.get(User, user_id), db.session.get(Opportunity, opportunity_id))
                db.session.commit()
                return "withdrawn"
        return action

    result = race([withdraw_as(uid) for uid in leaving_ids] +
                  [sign_up_as(app, opportunity_id, uid) for uid in joining_ids])

    assert result.errors == [], "\n".join(result.errors)
    assert result.count("withdrawn") == capacity
    taken, rows = _state(opportunity_id)
    assert taken == rows == result.count("signed") <= capacity
