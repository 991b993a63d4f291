"""Letter references under concurrent load: the unique constraints and the savepoint retry decide, never a race.

As in tests/voting/test_concurrency.py, every worker thread has its own app context, hence its own session and
pooled connection, as one request of a threaded server would; each scenario runs through the service (inside the
request context of the real endpoint, so SQLite takes its write lock first as that endpoint would) and, for one
demand, through the real HTTP endpoint too. PostgreSQL runs the scenarios with 12 committee members at once;
SQLite (one writer at a time: writers queue) with 4.
"""
import pytest
from sqlalchemy import func, select

from civicvoice.accounts.models import User
from civicvoice.errors import Conflict
from civicvoice.extensions import db
from civicvoice.letters import services
from civicvoice.letters.models import Letter, LetterVersion
from civicvoice.proposals.models import Proposal
from tests.factories import make_adopted, make_committee, make_community, session_secret
from tests.racing import race

POOL = {"pool_size": 40, "max_overflow": 10, "pool_timeout": 60}  # every thread holds its own connection
SCALE = pytest.mark.parametrize("threads", [pytest.param(12, marks=pytest.mark.postgres, id="postgres-12"),
                                            pytest.param(4, marks=pytest.mark.sqlite, id="sqlite-4")])
HTTP_OK = {303, 403, 409}  # created, no longer allowed (it has its letter now), or "reload": never 500


def create(app, proposal_id, user_id):
    """services.create in the contexts of one POST to the endpoint (its own session), then commit."""
    def action():
        with app.test_request_context(f"/demands/{proposal_id}/letter", method="POST"):
            try:
                letter = services.create(db.session.get(User, user_id), db.session.get(Proposal, proposal_id))
            except Conflict:  # the view answers 409
                db.session.rollback()
                return "conflict"
            reference = letter.reference
            db.session.commit()
            return reference
    return action


def create_http(app, proposal_id, user_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_secret(db.session.get(User, user_id)), True

    def action():
        with app.app_context():
            return client.post(f"/demands/{proposal_id}/letter", data={"language": "ar"}).status_code
    return action


def stored(community_id) -> list[Letter]:
    db.session.commit()
    db.session.expire_all()
    return list(db.session.scalars(select(Letter).where(Letter.community_id == community_id)
                                   .order_by(Letter.sequence)))


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_letters_numbered_at_once_get_distinct_references(app, threads):
    community = make_community(code="RACE")
    demands = [make_adopted(community) for _ in range(threads)]
    members = [make_committee(community) for _ in range(threads)]
    result = race([create(app, demand.id, member.id) for demand, member in zip(demands, members, strict=True)])
    assert result.errors == [], "\n".join(result.errors)
    assert len(set(result.outcomes)) == threads and "conflict" not in result.outcomes
    letters = stored(community.id)
    year = letters[0].year
    assert [letter.sequence for letter in letters] == list(range(1, threads + 1))
    assert sorted(result.outcomes) == [f"RACE/{year}/{n:03d}" for n in range(1, threads + 1)]
    assert {letter.proposal_id for letter in letters} == {demand.id for demand in demands}
    assert all([v.number for v in letter.versions] == [1] for letter in letters)


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_two_communities_numbering_at_once_keep_their_own_sequences(app, threads):
    first, second = make_community(code="ONE"), make_community(code="TWO")
    actions = []
    for community in (first, second):
        for _ in range(threads // 2):
            actions.append(create(app, make_adopted(community).id, make_committee(community).id))
    result = race(actions)
    assert result.errors == [], "\n".join(result.errors)
    for community in (first, second):
        assert [letter.sequence for letter in stored(community.id)] == list(range(1, threads // 2 + 1))


@pytest.mark.parametrize("via_http", [False, True], ids=["service", "http"])
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_the_letter_of_one_demand_created_at_once_is_created_once(app, threads, via_http):
    community = make_community(code="ONCE")
    demand = make_adopted(community)
    members = [make_committee(community) for _ in range(threads)]
    action = create_http if via_http else create
    result = race([action(app, demand.id, member.id) for member in members])
    assert result.errors == [], "\n".join(result.errors)
    if via_http:
        assert set(result.outcomes) <= HTTP_OK and result.count(303) == 1
    else:
        year = services.local_today(community).year
        assert (result.count(f"ONCE/{year}/001"), result.count("conflict")) == (1, threads - 1)
    [letter] = stored(community.id)
    assert (letter.proposal_id, letter.sequence) == (demand.id, 1)
    assert db.session.scalar(select(func.count(LetterVersion.id)).where(LetterVersion.letter_id == letter.id)) == 1
