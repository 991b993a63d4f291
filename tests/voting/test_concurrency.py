"""Votes under concurrent load: the unique constraints and conditional UPDATEs decide, never a race.

As in tests/deliberation/test_concurrency.py, every worker thread has its own app context, hence its own session
and pooled connection, as one request of a threaded server would; each scenario runs through the service (inside
the request context of the real endpoint, so SQLite takes its write lock as that endpoint would) and, where it
matters, through the real HTTP endpoint. PostgreSQL runs the scenarios with 20 threads at once; SQLite (one
writer at a time: writers queue) with 6.
"""

import pytest
from sqlalchemy import func, select

from civicvoice.accounts.models import User
from civicvoice.activity.models import Event
from civicvoice.errors import Conflict
from civicvoice.extensions import db
from civicvoice.proposals.models import Proposal
from civicvoice.voting import services
from civicvoice.voting.models import Ballot, Participation, Poll, Proxy
from tests.factories import committee_member, make_vote, session_secret
from tests.racing import race

POOL = {"pool_size": 60, "max_overflow": 10, "pool_timeout": 60}  # every thread holds its own connection
REASON = "اكتمل النقاش"


# One action per request ---------------------------------------------------------------------------

def _service(app, path, change, poll_id, *user_ids, outcome="done"):
    """`change(poll, *users)` in the contexts of one POST to `path` (its own session), then commit.

    A Conflict (the view's 409, "reload and try again") is an expected outcome; anything else is an error.
    """
    def action():
        with app.test_request_context(path, method="POST"):
            try:
                result = change(db.session.get(Poll, poll_id), *(db.session.get(User, uid) for uid in user_ids))
            except Conflict:
                db.session.rollback()
                return "conflict"
            db.session.commit()
            return outcome if result is None or not isinstance(result, bool) else result
    return action


def _http(app, path, user_id, data=None):
    """The real endpoint, through a test client signed in as `user_id`: the outcome is the status code."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_secret(db.session.get(User, user_id)), True

    def action():
        with app.app_context():
            return client.post(path, data=data or {}).status_code
    return action


def cast(app, poll_id, voter_id, choice, via_http=False):
    path = f"/votes/{poll_id}/ballot"
    if via_http:
        return _http(app, path, voter_id, {"choice": choice})
    return _service(app, path, lambda poll, voter: services.cast(voter, poll, choice), poll_id, voter_id,
                    outcome="cast")


def by_proxy(app, poll_id, holder_id, grantor_id, choice, via_http=False):
    path = f"/votes/{poll_id}/proxies/{grantor_id}/ballot"
    if via_http:
        return _http(app, path, holder_id, {"choice": choice})
    return _service(app, path, lambda poll, holder, grantor: services.cast_by_proxy(holder, poll, grantor, choice),
                    poll_id, holder_id, grantor_id, outcome="cast")


def give(app, poll_id, grantor_id, holder_id):
    return _service(app, f"/votes/{poll_id}/proxy",
                    lambda poll, grantor, holder: services.give_proxy(grantor, poll, holder),
                    poll_id, grantor_id, holder_id, outcome="given")


def revoke(app, poll_id, grantor_id):
    return _service(app, f"/votes/{poll_id}/proxy/revoke", lambda poll, grantor: services.revoke_proxy(grantor, poll),
                    poll_id, grantor_id, outcome="revoked")


def close(app, poll_id, actor_id, via_http=False):
    path = f"/votes/{poll_id}/close"
    if via_http:
        return _http(app, path, actor_id, {"reason": REASON})
    return _service(app, path, lambda poll, actor: services.close(actor, poll, REASON), poll_id, actor_id)


# Reading back -------------------------------------------------------------------------------------

def _fresh():
    db.session.commit()
    db.session.expire_all()


def counts(poll_id) -> tuple[int, int, int]:
    """(turnout as stored, participation rows, ballot rows), read afresh."""
    _fresh()
    turnout = db.session.scalar(select(Poll.turnout).where(Poll.id == poll_id))
    participations = db.session.scalar(select(func.count(Participation.id)).where(Participation.poll_id == poll_id))
    ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id))
    return turnout, participations, ballots


def events(verb, subject_type, subject_id) -> int:
    _fresh()
    return db.session.scalar(select(func.count(Event.id)).where(
        Event.verb == verb, Event.subject_type == subject_type, Event.subject_id == subject_id))


def electors(poll, n) -> list[int]:
    """n electors of `poll` who are not on the committee."""
    chair = committee_member(poll.community)
    ids = [u.id for u in services.electors(poll) if u.id != chair.id]
    assert len(ids) >= n
    return ids[:n]


VIA = pytest.mark.parametrize("via_http", [False, True], ids=["service", "http"])
SECRET = pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
# How many threads act at once, per backend.
SCALE = pytest.mark.parametrize("threads", [pytest.param(20, marks=pytest.mark.postgres, id="postgres-20"),
                                            pytest.param(6, marks=pytest.mark.sqlite, id="sqlite-6")])
HTTP_OK = {303, 403, 409}  # counted, no longer allowed (the page would not offer it), or "reload": never 500


# Casting ------------------------------------------------------------------------------------------

@VIA
@SECRET
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_one_voter_voting_many_times_at_once_makes_one_ballot(app, via_http, secret, threads):
    poll = make_vote(voters=1, secret=secret)
    [voter_id] = electors(poll, 1)
    result = race([cast(app, poll.id, voter_id, "yes", via_http) for _ in range(threads)])
    assert result.errors == [], "\n".join(result.errors)
    if via_http:
        assert set(result.outcomes) <= HTTP_OK and result.count(303) >= 1
    elif secret:
        assert (result.count("cast"), result.count("conflict")) == (1, threads - 1)
    else:  # a later request may change the (same) ballot: never a second one
        assert set(result.outcomes) <= {"cast", "conflict"} and result.count("cast") >= 1
    assert counts(poll.id) == (1, 1, 1)
    if secret:  # sealed until the close
        services.close(committee_member(poll.community), db.session.get(Poll, poll.id), REASON)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.poll_id == poll.id, Ballot.choice == "yes")) == 1


@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_many_voters_at_once_are_all_counted(app, via_http, threads):
    poll = make_vote(voters=threads)
    voters = electors(poll, threads)
    result = race([cast(app, poll.id, uid, "no", via_http) for uid in voters])
    assert result.errors == [], "\n".join(result.errors)
    assert set(result.outcomes) == ({303} if via_http else {"cast"})
    assert counts(poll.id) == (threads, threads, threads)


# Proxies ------------------------------------------------------------------------------------------

@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_a_proxy_used_many_times_at_once_is_used_once(app, via_http, threads):
    poll = make_vote(voters=2)
    grantor_id, holder_id = electors(poll, 2)
    services.give_proxy(db.session.get(User, grantor_id), poll, db.session.get(User, holder_id))
    db.session.commit()
    result = race([by_proxy(app, poll.id, holder_id, grantor_id, choice, via_http)
                   for choice in ["yes", "no"] * (threads // 2)])
    assert result.errors == [], "\n".join(result.errors)
    if via_http:
        assert set(result.outcomes) <= HTTP_OK | {404} and result.count(303) == 1
    else:
        assert (result.count("cast"), result.count("conflict")) == (1, threads - 1)
    assert counts(poll.id) == (1, 1, 1)
    participation = db.session.scalar(select(Participation).where(Participation.poll_id == poll.id))
    assert (participation.user_id, participation.channel, participation.cast_by_id) == (grantor_id, "proxy",
                                                                                         holder_id)
    assert db.session.scalar(select(Proxy.used).where(Proxy.poll_id == poll.id)) is True
    assert events("poll.proxy_used", "polls", poll.id) == 1


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_a_proxy_used_and_revoked_at_once_is_either_used_or_revoked(app, threads):
    """Each grantor takes their proxy back while its holder uses it: one of the two wins, never both."""
    pairs = threads // 2
    poll = make_vote(voters=2 * pairs)
    people = electors(poll, 2 * pairs)
    grantors, holders = people[:pairs], people[pairs:]
    for grantor_id, holder_id in zip(grantors, holders, strict=True):
        services.give_proxy(db.session.get(User, grantor_id), poll, db.session.get(User, holder_id))
    db.session.commit()
    actions = []
    for grantor_id, holder_id in zip(grantors, holders, strict=True):
        actions += [by_proxy(app, poll.id, holder_id, grantor_id, "yes"), revoke(app, poll.id, grantor_id)]
    result = race(actions)
    assert result.errors == [], "\n".join(result.errors)
    assert result.count("conflict") == pairs
    _fresh()
    proxies = {p.grantor_id: p.used for p in db.session.scalars(select(Proxy).where(Proxy.poll_id == poll.id))}
    voted = set(db.session.scalars(select(Participation.user_id).where(Participation.poll_id == poll.id)))
    for grantor_id in grantors:
        # Used: the proxy stays (used) and the ballot counts. Revoked: no proxy and no ballot.
        assert (grantor_id in voted) == (proxies.get(grantor_id) is True), grantor_id
        assert proxies.get(grantor_id) in (True, None), grantor_id
    assert result.count("cast") == len(voted)
    assert result.count("revoked") == pairs - len(voted) == events("poll.proxy_revoked", "polls", poll.id)
    assert counts(poll.id) == (len(voted),) * 3


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_proxies_given_at_once_to_one_holder_stop_at_two(app, threads):
    poll = make_vote(voters=threads + 1)
    holder_id, *grantors = electors(poll, threads + 1)
    result = race([give(app, poll.id, grantor_id, holder_id) for grantor_id in grantors])
    assert result.errors == [], "\n".join(result.errors)
    assert (result.count("given"), result.count("conflict")) == (2, threads - 2)
    _fresh()
    assert db.session.scalar(select(func.count(Proxy.id)).where(Proxy.holder_id == holder_id)) == 2


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_one_grantor_giving_proxies_to_several_holders_at_once_gives_one(app, threads):
    poll = make_vote(voters=threads + 1)
    grantor_id, *holders = electors(poll, threads + 1)
    result = race([give(app, poll.id, grantor_id, holder_id) for holder_id in holders])
    assert result.errors == [], "\n".join(result.errors)
    assert (result.count("given"), result.count("conflict")) == (1, threads - 1)
    _fresh()
    assert db.session.scalar(select(func.count(Proxy.id)).where(Proxy.grantor_id == grantor_id)) == 1


# Closing ------------------------------------------------------------------------------------------

@VIA
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_closing_many_times_at_once_closes_once(app, via_http, threads):
    poll = make_vote(voters=2)
    for uid in electors(poll, 2):
        services.cast(db.session.get(User, uid), poll, "yes")
    db.session.commit()
    poll_id, proposal_id, chair_id = poll.id, poll.proposal_id, committee_member(poll.community).id
    result = race([close(app, poll_id, chair_id, via_http) for _ in range(threads)])
    assert result.errors == [], "\n".join(result.errors)
    if via_http:
        assert set(result.outcomes) <= HTTP_OK and result.count(303) >= 1
    else:
        assert (result.count(True), result.count(False)) == (1, threads - 1)
    assert events("poll.closed", "polls", poll_id) == 1
    assert events("proposal.adopt", "proposals", proposal_id) == 1
    assert events("proposal.not_adopt", "proposals", proposal_id) == 0
    assert db.session.get(Proposal, proposal_id).status == "adopted"
    assert db.session.get(Poll, poll_id).status == "closed"


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_ballots_racing_the_closing_are_counted_or_refused_never_lost(app, threads):
    """New ballots and changed ones land before the close and are counted, or after it and are refused: the
    stored result always equals a recount of the stored ballots."""
    poll = make_vote(voters=threads)
    voters = electors(poll, threads)
    changing = voters[: threads // 2]  # they voted "no" already and now change to "yes"
    for uid in changing:
        services.cast(db.session.get(User, uid), poll, "no")
    db.session.commit()
    chair_id = committee_member(poll.community).id
    actions = [cast(app, poll.id, uid, "yes") for uid in voters]
    actions.insert(threads // 2, close(app, poll.id, chair_id))
    result = race(actions)
    assert result.errors == [], "\n".join(result.errors)
    assert result.count(True) == 1 and result.count("cast") + result.count("conflict") == threads
    turnout, participations, ballots = counts(poll.id)
    assert turnout == participations == ballots >= len(changing)
    stored = db.session.get(Poll, poll.id)
    assert stored.result == services.count(stored)
    assert stored.result["turnout"] == turnout
