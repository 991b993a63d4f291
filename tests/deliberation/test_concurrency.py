"""Helpful marks and amendment positions under concurrent load: the unique constraints and counters moved in SQL
decide, never a race.

As in tests/signatures/test_concurrency.py, every worker thread has its own app context, hence its own session and
pooled connection, as one request of a threaded server would; each scenario runs through the service (inside the
request context of the real endpoint, so SQLite takes its write lock first) and through the real HTTP endpoint.
PostgreSQL runs the scenarios with 30 people at once; SQLite (one writer at a time: writers queue) with 6.
"""

import pytest
from sqlalchemy import func, select

from civicvoice.accounts.models import User
from civicvoice.deliberation import amendments, services
from civicvoice.deliberation.models import Amendment, AmendmentPosition, Argument, HelpfulMark
from civicvoice.errors import Conflict
from civicvoice.extensions import db
from tests.factories import make_amendment, make_argument, make_member, make_proposal, session_secret
from tests.racing import race

POOL = {"pool_size": 60, "max_overflow": 10, "pool_timeout": 60}  # every thread holds its own connection


# One action per request ---------------------------------------------------------------------------

def _service(app, path, change, model, object_id, user_id, *args):
    """`change(user, object, *args)` in the contexts of one POST to `path` (its own session), then commit."""
    def action():
        with app.test_request_context(path, method="POST"):
            try:
                outcome = change(db.session.get(User, user_id), db.session.get(model, object_id), *args)
            except Conflict:  # the view answers 409: "recorded a moment ago, reload"
                db.session.rollback()
                return "conflict"
            db.session.commit()
            return outcome
    return action


def _http(app, path, user_id):
    """The real endpoint, through a test client signed in as `user_id`: the outcome is the status code."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_secret(db.session.get(User, user_id)), True

    def action():
        with app.app_context():
            return client.post(path).status_code
    return action


def mark(app, argument_id, user_id, via_http):
    path = f"/arguments/{argument_id}/helpful"
    if via_http:
        return _http(app, path, user_id)
    return _service(app, path, services.mark_helpful, Argument, argument_id, user_id)


def unmark(app, argument_id, user_id, via_http):
    path = f"/arguments/{argument_id}/helpful/remove"
    if via_http:
        return _http(app, path, user_id)
    return _service(app, path, services.unmark_helpful, Argument, argument_id, user_id)


def position(app, amendment_id, user_id, side, via_http):
    path = f"/amendments/{amendment_id}/{side or 'neutral'}"
    if via_http:
        return _http(app, path, user_id)
    return _service(app, path, amendments.take_position, Amendment, amendment_id, user_id, side)


# Reading back -------------------------------------------------------------------------------------

def helpful(argument_id) -> tuple[int, int]:
    """(helpful_count as stored, number of marks), read afresh."""
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(Argument.helpful_count).where(Argument.id == argument_id))
    rows = db.session.scalar(select(func.count(HelpfulMark.id)).where(HelpfulMark.argument_id == argument_id))
    return stored, rows


def positions(amendment_id) -> tuple[tuple[int, int], tuple[int, int]]:
    """((support_count, oppose_count) as stored, (support rows, oppose rows)), read afresh."""
    db.session.commit()
    db.session.expire_all()
    stored = tuple(db.session.execute(select(Amendment.support_count, Amendment.oppose_count)
                                      .where(Amendment.id == amendment_id)).one())
    rows = dict(db.session.execute(select(AmendmentPosition.position, func.count()).where(
        AmendmentPosition.amendment_id == amendment_id).group_by(AmendmentPosition.position)).all())
    return stored, (rows.get("support", 0), rows.get("oppose", 0))


def _members(community, n) -> list[int]:
    return [make_member(community).id for _ in range(n)]


# Helpful marks ------------------------------------------------------------------------------------

VIA = pytest.mark.parametrize("via_http", [False, True], ids=["service", "http"])
# How many people act at once, per backend.
SCALE = pytest.mark.parametrize("people", [pytest.param(30, marks=pytest.mark.postgres, id="postgres-30"),
                                           pytest.param(6, marks=pytest.mark.sqlite, id="sqlite-6")])


@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_one_person_marking_many_times_at_once_makes_one_mark(app, via_http, people):
    argument = make_argument()
    argument_id, reader_id = argument.id, make_member(argument.proposal.community).id
    result = race([mark(app, argument_id, reader_id, via_http) for _ in range(people)])
    assert result.errors == [], "\n".join(result.errors)
    if via_http:
        assert set(result.outcomes) == {303}
    else:
        assert (result.outcomes.count(True), result.outcomes.count(False)) == (1, people - 1)
    assert helpful(argument_id) == (1, 1)


@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_many_people_marking_at_once_are_all_counted(app, via_http, people):
    argument = make_argument()
    argument_id = argument.id
    readers = _members(argument.proposal.community, people)
    result = race([mark(app, argument_id, uid, via_http) for uid in readers])
    assert result.errors == [], "\n".join(result.errors)
    assert set(result.outcomes) == ({303} if via_http else {True})
    assert helpful(argument_id) == (people, people)


@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_marks_and_unmarks_at_once_keep_the_counter_equal_to_the_marks(app, via_http, people):
    argument = make_argument()
    argument_id, community = argument.id, argument.proposal.community
    leaving, joining = _members(community, people // 2), _members(community, people // 2)
    for uid in leaving:
        services.mark_helpful(db.session.get(User, uid), argument)
    db.session.commit()
    # Everyone acts twice at once: duplicates must neither count twice nor remove twice.
    actions = [unmark(app, argument_id, uid, via_http) for uid in leaving * 2]
    actions += [mark(app, argument_id, uid, via_http) for uid in joining * 2]
    result = race(actions)
    assert result.errors == [], "\n".join(result.errors)
    assert helpful(argument_id) == (len(joining), len(joining))
    assert services.recount_helpful(db.session.get(Argument, argument_id)) == len(joining)


# Amendment positions ------------------------------------------------------------------------------

@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_positions_taken_at_once_keep_the_counters_equal_to_the_rows(app, via_http, people):
    proposal = make_proposal(status="open")
    amendment_id = make_amendment(proposal).id
    supporters, opponents = _members(proposal.community, people // 2), _members(proposal.community, people // 3)
    switching = _members(proposal.community, people // 3)
    for uid in switching:
        amendments.take_position(db.session.get(User, uid), db.session.get(Amendment, amendment_id), "support")
    db.session.commit()
    actions = ([position(app, amendment_id, uid, "support", via_http) for uid in supporters]
               + [position(app, amendment_id, uid, "oppose", via_http) for uid in opponents]
               + [position(app, amendment_id, uid, "oppose", via_http) for uid in switching])
    result = race(actions)
    assert result.errors == [], "\n".join(result.errors)
    expected = (len(supporters), len(opponents) + len(switching))
    assert positions(amendment_id) == (expected, expected)


@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_one_person_taking_a_position_many_times_at_once_counts_once(app, via_http, people):
    proposal = make_proposal(status="open")
    amendment_id, member_id = make_amendment(proposal).id, make_member(proposal.community).id
    result = race([position(app, amendment_id, member_id, "support", via_http) for _ in range(people)])
    # A thread that lost the race to insert the row may be told to reload (Conflict, 409); nobody fails otherwise.
    assert result.errors == [], "\n".join(result.errors)
    assert set(result.outcomes) <= ({303, 409} if via_http else {None, "conflict"})
    assert positions(amendment_id) == ((1, 0), (1, 0))
