"""Secret ballots (#18 item 10): nothing in the database lines a ballot up with its voter.

While a secret vote is open its ballots are sealed: no column holds an answer or a receipt in clear, and every
ciphertext has the same length whatever it hides. Closing writes the plain ballots in a random order, with fresh
keys, in the closing transaction: neither the physical order of the rows (PostgreSQL's ctid, SQLite's key order)
nor their transaction ids (xmin) follow the order of voting any more, while participations and events still say
who voted and when.

Rows are read raw, with SQL, every column: what counts is what the database holds.
"""
import re
from datetime import timedelta
from itertools import pairwise

import pytest
from freezegun import freeze_time
from sqlalchemy import select, text

from civicvoice.errors import InvalidTransition
from civicvoice.extensions import db
from civicvoice.voting import sealing, services
from civicvoice.voting.models import Ballot, Poll
from tests.factories import committee_member, make_priority_ballot, make_vote

RECEIPT = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")
ANSWERS = ("yes", "no", "abstain")
# The plaintext's JSON keys: finding them in a row would mean it was stored unsealed.
PLAINTEXT_MARKS = (b'"r":', b'"c":', b'"k":')


def raw_rows(poll) -> list[dict]:
    """Every column of every ballot row of the vote, as the database driver returns it."""
    rows = db.session.execute(text("SELECT * FROM poll_ballots WHERE poll_id = :poll"), {"poll": poll.id})
    return [{name: bytes(value) if isinstance(value, memoryview) else value for name, value in row.items()}
            for row in rows.mappings()]


def voters_of(poll) -> list:
    """The electors who are not on the committee (the committee closes the vote)."""
    chair = committee_member(poll.community)
    return [user for user in services.electors(poll) if user.id != chair.id]


def close(poll):
    services.close(committee_member(poll.community), poll, "صوّت الجميع")
    db.session.commit()


def runs(sequence) -> int:
    """How many blocks of equal neighbours: "yyynn" has 2."""
    return 1 + sum(1 for a, b in pairwise(sequence) if a != b) if sequence else 0


def physical_order(poll) -> list[str]:
    """The vote's ballots in the order the database stores them: PostgreSQL's heap position (ctid); on SQLite,
    a plain scan of the table (WITHOUT ROWID, so in the order of its random key)."""
    order = "ORDER BY ctid" if db.engine.dialect.name == "postgresql" else ""
    return list(db.session.scalars(text(f"SELECT choice FROM poll_ballots WHERE poll_id = :poll {order}"),
                                    {"poll": poll.id}))


# While the vote is open -----------------------------------------------------------------------------

def test_an_open_secret_ballot_holds_no_answer_and_no_receipt_in_clear(app):
    """A receipt readable while the vote is open, in insertion order, would link up with the results later."""
    poll = make_vote(voters=6, secret=True)
    receipts = [services.cast(user, poll, ANSWERS[i % 3]).receipt for i, user in enumerate(voters_of(poll))]
    db.session.commit()
    rows = raw_rows(poll)
    assert len(rows) == len(receipts) >= 6
    for row in rows:
        assert (row["receipt"], row["choice"], row["ranking"], row["voter_id"]) == (None, None, None, None)
        sealed = row["sealed"]
        assert isinstance(sealed, bytes) and len(sealed) == sealing.SEALED_BYTES
        assert not any(mark in sealed for mark in PLAINTEXT_MARKS)
        assert not any(receipt.encode() in sealed for receipt in receipts)
        for value in row.values():  # the key (hex) and the vote's id: no answer, no receipt
            if isinstance(value, str):
                assert not RECEIPT.search(value) and value not in ANSWERS


def test_an_open_secret_ranking_is_sealed_too(app):
    poll = make_priority_ballot(secret=True)
    a, b, c = (option.proposal_id for option in poll.options)
    services.cast(services.electors(poll)[0], poll, [c, a, b])
    db.session.commit()
    [row] = raw_rows(poll)
    assert (row["ranking"], row["receipt"], row["choice"]) == (None, None, None)
    assert f"[{c},{a},{b}]".encode() not in row["sealed"]
    assert not any(mark in row["sealed"] for mark in PLAINTEXT_MARKS)


def test_every_sealed_ballot_has_the_same_length_whatever_it_holds(app):
    """The size of a ciphertext must not tell a yes from an abstention, nor a long ranking from a short one."""
    poll = make_vote(voters=2, secret=True)
    yes, abstain = voters_of(poll)[:2]
    services.cast(yes, poll, "yes")
    services.cast(abstain, poll, "abstain")
    ranked = make_priority_ballot(secret=True)
    ids = [option.proposal_id for option in ranked.options]
    first, second = services.electors(ranked)[:2]
    services.cast(first, ranked, ids[:1])
    services.cast(second, ranked, ids)
    db.session.commit()
    lengths = {len(row["sealed"]) for poll_ in (poll, ranked) for row in raw_rows(poll_)}
    assert lengths == {sealing.SEALED_BYTES}


def test_nothing_reads_the_answers_of_an_open_secret_vote(app, client, login_as):
    poll = make_vote(voters=2, secret=True)
    voter = voters_of(poll)[0]
    services.cast(voter, poll, "no")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.ballots(poll)
    assert client.get(f"/votes/{poll.id}/ballots").status_code == 404
    assert client.get(f"/votes/{poll.id}/ballots.csv").status_code == 404
    login_as(voter)
    page = client.get(f"/votes/{poll.id}").get_data(as_text=True)
    assert not RECEIPT.search(page)
    assert services.participation_of(voter, poll) is not None  # who voted stays known: the turnout


# The close -------------------------------------------------------------------------------------------

def test_after_the_close_the_stored_order_is_not_the_order_of_voting(app):
    """40 ballots, the first 20 yes and the last 20 no. Stored in the order cast, they read as 2 runs; a random
    permutation of 20 + 20 has 21 runs on average, and 6 or fewer with probability 4.8e-7 (the exact runs
    distribution), so demanding at least 7 fails by chance less than once in a million runs."""
    poll = make_vote(voters=41, secret=True)
    people = voters_of(poll)[:40]
    receipts = {}
    for i, user in enumerate(people):
        receipts[services.cast(user, poll, "yes" if i < 20 else "no").receipt] = "yes" if i < 20 else "no"
    db.session.commit()
    sealed_keys = {row["key"] for row in raw_rows(poll)}
    close(poll)
    order = physical_order(poll)
    assert sorted(order) == ["no"] * 20 + ["yes"] * 20
    assert order != ["yes"] * 20 + ["no"] * 20
    assert runs(order) >= 7, order
    rows = raw_rows(poll)
    assert not sealed_keys & {row["key"] for row in rows}, "a plain ballot kept the key it had while sealed"
    assert all(row["sealed"] is None and row["voter_id"] is None for row in rows)
    # Counted right, and every voter finds their ballot by the receipt they were given.
    result = db.session.get(Poll, poll.id).result
    assert (result["yes"], result["no"], result["turnout"]) == (20, 20, 40)
    assert {b.receipt: b.choice for b in services.ballots(poll)} == receipts


def test_a_ranked_secret_ballot_is_counted_and_found_after_the_close(app, client):
    poll = make_priority_ballot(secret=True)
    a, b, c = (option.proposal_id for option in poll.options)
    people = services.electors(poll)
    rankings = [[c, a], [b], [a, b, c]]
    receipts = {services.cast(user, poll, ranking).receipt: ranking
                for user, ranking in zip(people, rankings, strict=False)}
    db.session.commit()
    close(poll)
    assert {ballot.receipt: ballot.ranking for ballot in services.ballots(poll)} == receipts
    csv = client.get(f"/votes/{poll.id}/ballots.csv").get_data(as_text=True)
    assert all(receipt in csv for receipt in receipts)


@pytest.mark.postgres
def test_after_the_close_every_ballot_carries_the_closing_transaction_not_its_voters(app):
    """PostgreSQL stamps each row with the transaction that wrote it (xmin), as it stamps the participation
    written with it: the plain ballots are all written by the close."""
    poll = make_vote(voters=4, secret=True)
    for user, answer in zip(voters_of(poll), ANSWERS * 2, strict=False):
        services.cast(user, poll, answer)
        db.session.commit()
    close(poll)
    writers = db.session.scalars(text("SELECT DISTINCT xmin::text FROM poll_ballots WHERE poll_id = :poll"),
                                 {"poll": poll.id}).all()
    assert len(writers) == 1


def test_no_ballot_is_cast_after_the_close(app, client, login_as):
    poll = make_vote(voters=3, secret=True)
    first, late = voters_of(poll)[:2]
    services.cast(first, poll, "yes")
    db.session.commit()
    close(poll)
    with pytest.raises(InvalidTransition):
        services.cast(late, poll, "no")
    db.session.rollback()
    login_as(late)
    assert client.post(f"/votes/{poll.id}/ballot", data={"choice": "no"}).status_code in (403, 409)
    assert len(raw_rows(poll)) == 1


def test_an_open_vote_that_is_not_secret_keeps_its_ballots_in_clear(app):
    """The contrast: sealing is for secret votes (an open vote's ballot says who chose what, and may change)."""
    poll = make_vote(voters=1)
    voter = voters_of(poll)[0]
    services.cast(voter, poll, "yes")
    db.session.commit()
    [row] = raw_rows(poll)
    assert (row["voter_id"], row["choice"], row["sealed"]) == (voter.id, "yes", None)


# When the box cannot be opened -----------------------------------------------------------------------

def _sealed_vote():
    poll = make_vote(voters=3, secret=True)
    for user, answer in zip(voters_of(poll), ANSWERS, strict=False):
        services.cast(user, poll, answer)
    db.session.commit()
    return poll


def test_a_changed_secret_key_refuses_the_close_clearly_and_loses_nothing(app, client, login_as):
    poll = _sealed_vote()
    before = raw_rows(poll)
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-key-after-a-careless-redeploy-0123456789"
    with pytest.raises(services.BallotBoxUnreadable):
        services.close(committee_member(poll.community), poll, "انتهى")
    db.session.rollback()
    assert db.session.get(Poll, poll.id).status == "open"
    login_as(committee_member(poll.community))
    response = client.post(f"/votes/{poll.id}/close", data={"reason": "انتهى"}, headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert "SECRET_KEY_FALLBACKS" in response.get_data(as_text=True)
    assert db.session.get(Poll, poll.id).status == "open"
    assert sorted(map(repr, raw_rows(poll))) == sorted(map(repr, before))
    # The previous key listed as a fallback opens the box.
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    close(poll)
    result = db.session.get(Poll, poll.id).result
    assert (result["yes"], result["no"], result["abstain"]) == (1, 1, 1)


def test_the_scheduler_says_which_vote_it_could_not_close_and_closes_the_others(app):
    stuck = _sealed_vote()
    other = make_vote(voters=1, days=1)
    app.config["SECRET_KEY"] = "another-key-after-a-careless-redeploy-0123456789"
    with freeze_time(stuck.closes_at + timedelta(minutes=1)):
        result = app.test_cli_runner().invoke(args=["votes", "close-due"])
    db.session.expire_all()
    assert result.exit_code == 1
    assert f"vote {stuck.id} not closed" in result.output and "1 vote(s) closed." in result.output
    assert (db.session.get(Poll, stuck.id).status, db.session.get(Poll, other.id).status) == ("open", "closed")


@pytest.mark.parametrize("tampering", ["copied", "deleted"])
def test_a_ballot_box_altered_outside_the_application_is_not_counted(app, tampering):
    """A sealed row copied (its receipt twice) or deleted (the box short of the turnout) makes the close fail
    loudly instead of counting a stuffed or thinned box."""
    poll = _sealed_vote()
    row = raw_rows(poll)[0]
    if tampering == "copied":
        db.session.execute(text("INSERT INTO poll_ballots (key, poll_id, sealed) VALUES (:key, :poll, :sealed)"),
                           {"key": "f" * 32, "poll": poll.id, "sealed": row["sealed"]})
    else:
        db.session.execute(text("DELETE FROM poll_ballots WHERE key = :key"), {"key": row["key"]})
    db.session.commit()
    with pytest.raises(services.BallotBoxAltered):
        services.close(committee_member(poll.community), poll, "انتهى")
    db.session.rollback()
    assert db.session.get(Poll, poll.id).status == "open"


def test_a_sealed_ballot_opens_only_in_its_own_vote(app):
    poll, other = _sealed_vote(), make_vote(voters=1, secret=True)
    sealed = raw_rows(poll)[0]["sealed"]
    assert sealing.unseal(poll.id, sealed)["choice"] in ANSWERS
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(other.id, sealed)
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(poll.id, sealed[:-1] + bytes([sealed[-1] ^ 1]))


def test_who_voted_is_still_known_but_not_what(app):
    """Participations (the turnout, "you voted") remain; nothing joins them to a ballot."""
    poll = _sealed_vote()
    close(poll)
    assert all(services.participation_of(user, poll) is not None for user in voters_of(poll)[:3])
    assert db.session.scalars(select(Ballot.voter_id).where(Ballot.poll_id == poll.id)).all() == [None] * 3
