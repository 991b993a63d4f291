"""Secret ballots: who voted (poll_participations) and what was chosen (poll_ballots) cannot be joined.

The schema is read back from the migrated database (sqlalchemy.inspect), not from the models: what counts is
what the database holds.
"""
import csv
import io
import json
import re

import pytest
from sqlalchemy import Date, DateTime, String, Time, inspect, select

from civicvoice.activity.models import Event
from civicvoice.communities import services as communities
from civicvoice.errors import InvalidTransition
from civicvoice.extensions import db
from civicvoice.voting import services
from civicvoice.voting.models import Ballot
from tests.factories import committee_member, make_goal_reached, make_member, make_priority_ballot, make_vote

RECEIPT = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")


def columns(table) -> dict:
    return {column["name"]: column for column in inspect(db.engine).get_columns(table)}


def foreign_keys(table) -> list[dict]:
    return inspect(db.engine).get_foreign_keys(table)


def references(table) -> dict[str, str]:
    """column -> table it references."""
    return {column: fk["referred_table"] for fk in foreign_keys(table) for column in fk["constrained_columns"]}


def secret_vote(voters=6):
    """A secret adoption vote whose non-committee electors all voted (yes, no, abstain in turn)."""
    poll = make_vote(voters=voters, secret=True)
    chair = committee_member(poll.community)
    people = [u for u in services.electors(poll) if u.id != chair.id]
    choices = {}
    for i, user in enumerate(people):
        choices[user.id] = ("yes", "no", "abstain")[i % 3]
        services.cast(user, poll, choices[user.id])
    db.session.commit()
    return poll, people, choices


# The schema ------------------------------------------------------------------------------------

def test_ballots_have_no_time_column(app):
    timed = [name for name, column in columns("poll_ballots").items()
             if isinstance(column["type"], DateTime | Date | Time)]
    assert timed == []
    assert not {"created_at", "updated_at", "cast_at"} & set(columns("poll_ballots"))


def test_ballots_reference_no_participation_and_no_user_but_the_open_votes_voter(app):
    """The only link from a ballot to a person is voter_id, filled for votes that are not secret only."""
    assert references("poll_ballots") == {"poll_id": "polls", "voter_id": "users"}
    assert columns("poll_ballots")["voter_id"]["nullable"] is True
    assert not any("participation" in name or name in ("user_id", "cast_by_id") for name in columns("poll_ballots"))


def test_participations_reference_no_ballot(app):
    assert "poll_ballots" not in references("poll_participations").values()
    assert not {"key", "ballot_id", "ballot_key", "receipt", "choice", "ranking"} & set(columns("poll_participations"))


def test_participations_and_ballots_share_only_the_vote(app):
    assert set(columns("poll_participations")) & set(columns("poll_ballots")) == {"poll_id"}


def test_no_table_references_ballots(app):
    tables = inspect(db.engine).get_table_names()
    assert [t for t in tables if "poll_ballots" in references(t).values()] == []


def test_the_ballot_key_is_random_text_not_a_sequence(app):
    assert inspect(db.engine).get_pk_constraint("poll_ballots")["constrained_columns"] == ["key"]
    assert isinstance(columns("poll_ballots")["key"]["type"], String)


# The rows --------------------------------------------------------------------------------------

def test_secret_ballots_have_no_voter_whatever_the_channel(app):
    proposal = make_goal_reached()
    chair = committee_member(proposal.community)
    assisted = make_member(proposal.community)
    communities.verify_in_person(chair, proposal.community, assisted)
    poll = make_vote(proposal, voters=3, secret=True)
    online, grantor, holder = [u for u in services.electors(poll) if u.id not in (chair.id, assisted.id)][:3]
    services.cast(online, poll, "yes")
    services.give_proxy(grantor, poll, holder)
    services.cast_by_proxy(holder, poll, grantor, "no")
    services.record_assisted(chair, poll, assisted, "abstain")
    db.session.commit()
    assert set(db.session.scalars(select(Ballot.voter_id).where(Ballot.poll_id == poll.id))) == {None}
    assert services.ballot_of(online, poll) is None
    services.close(chair, poll, "انتهى")  # sealed until then
    db.session.commit()
    rows = list(db.session.execute(select(Ballot.voter_id, Ballot.choice).where(Ballot.poll_id == poll.id)))
    assert sorted(choice for _, choice in rows) == ["abstain", "no", "yes"]
    assert {voter for voter, _ in rows} == {None}


def test_open_ballots_do_keep_their_voter(app):
    """The contrast that makes the test above meaningful: a vote that is not secret records who chose what."""
    poll = make_vote(voters=1)
    [voter] = [u for u in services.electors(poll) if u.id != committee_member(poll.community).id][:1]
    services.cast(voter, poll, "yes")
    assert services.ballot_of(voter, poll).voter_id == voter.id


def _cast_keys(poll, voters) -> tuple[list[str], list[str]]:
    """The key of each stored ballot and each receipt given, in the order the voters voted."""
    keys, receipts = [], []
    for user in voters:
        before = set(db.session.scalars(select(Ballot.key).where(Ballot.poll_id == poll.id)))
        receipts.append(services.cast(user, poll, "yes").receipt)
        [key] = set(db.session.scalars(select(Ballot.key).where(Ballot.poll_id == poll.id))) - before
        keys.append(key)
    db.session.commit()
    return keys, receipts


def test_ballot_keys_and_receipts_do_not_follow_the_order_of_voting(app):
    poll = make_vote(voters=12, secret=True)
    chair = committee_member(poll.community)
    keys, receipts = _cast_keys(poll, [u for u in services.electors(poll) if u.id != chair.id])
    assert len(set(keys)) == len(keys) == 14
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)
    # 14 random keys sorted in the order they were cast: one chance in 14! (about 10^-11).
    assert sorted(keys) != keys and sorted(keys, reverse=True) != keys
    assert sorted(receipts) != receipts
    assert len({key[:8] for key in keys}) == len(keys), "keys share a prefix: not random"


@pytest.mark.sqlite
def test_sqlite_stores_ballots_in_key_order_not_in_insertion_order(app):
    """Reading the table without ORDER BY (as a copy of the file would) gives key order, not the order of voting."""
    poll = make_vote(voters=12, secret=True)
    chair = committee_member(poll.community)
    cast, _receipts = _cast_keys(poll, [u for u in services.electors(poll) if u.id != chair.id])
    stored = list(db.session.scalars(select(Ballot.key).where(Ballot.poll_id == poll.id)))
    assert stored == sorted(cast) != cast


def test_ballots_are_listed_by_receipt(app):
    poll, people, _ = secret_vote()
    services.close(committee_member(poll.community), poll, "انتهى")  # sealed until then
    assert len(people) == 8
    listed = [b.receipt for b in services.ballots(poll)]
    assert listed == sorted(listed) and len(listed) == 8


def test_who_voted_what_is_refused_for_a_secret_vote(app, client, login_as):
    poll, people, _ = secret_vote()
    with pytest.raises(InvalidTransition):
        services.votes_cast(poll)
    login_as(people[0])
    assert client.get(f"/votes/{poll.id}/voters").status_code == 403


# The exports -----------------------------------------------------------------------------------

def _closed_secret_vote():
    poll, people, choices = secret_vote()
    services.close(committee_member(poll.community), poll, "انتهى")
    db.session.commit()
    return poll, people, choices


def test_the_csv_lists_ballots_by_receipt_without_voters(app, client):
    poll, people, choices = _closed_secret_vote()
    response = client.get(f"/votes/{poll.id}/ballots.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["receipt", "choice"]
    receipts = [row[0] for row in rows[1:]]
    assert receipts == sorted(receipts) and len(receipts) == len(people)
    assert sorted(row[1] for row in rows[1:]) == sorted(choices.values())
    assert all(len(row) == 2 for row in rows)  # a receipt and a choice: no third column for anyone
    for person in people:
        assert person.display_name not in text and person.email not in text


def test_the_ballots_page_lists_receipts_in_order_without_voters(app, client):
    poll, people, _ = _closed_secret_vote()
    page = client.get(f"/votes/{poll.id}/ballots").get_data(as_text=True)
    shown = RECEIPT.findall(page)
    assert shown == sorted(shown) and len(shown) == len(people)
    assert not any(person.display_name in page for person in people)


def test_a_ranked_secret_ballot_csv_holds_rankings_not_people(app, client):
    poll = make_priority_ballot(secret=True)
    a, b, c = (o.proposal_id for o in poll.options)
    voters = services.electors(poll)
    for user, ranking in zip(voters, [[c, a], [b], [a, b, c]], strict=False):
        services.cast(user, poll, ranking)
    services.close(committee_member(poll.community), poll, "انتهى")
    db.session.commit()
    text = client.get(f"/votes/{poll.id}/ballots.csv").get_data(as_text=True)
    assert f"{c} > {a}" in text and f"{a} > {b} > {c}" in text
    assert not any(user.display_name in text for user in voters)


# The audit log ---------------------------------------------------------------------------------

CHOICE_KEYS = {"choice", "ranking", "answer", "ballot", "ballot_key", "key", "receipt"}


def _values(data):
    """Every value in an event's data, nested ones too."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _values(value)
    elif isinstance(data, list):
        yield data
        for value in data:
            yield from _values(value)
    else:
        yield data


def _poll_events(poll) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.subject_type == "polls", Event.subject_id == poll.id)))


def test_no_event_of_a_secret_vote_holds_a_choice(app):
    proposal = make_goal_reached()
    chair = committee_member(proposal.community)
    assisted = make_member(proposal.community)
    communities.verify_in_person(chair, proposal.community, assisted)
    poll = make_vote(proposal, voters=3, secret=True)
    online, grantor, holder = [u for u in services.electors(poll) if u.id not in (chair.id, assisted.id)][:3]
    receipts = [services.cast(online, poll, "yes").receipt]
    services.give_proxy(grantor, poll, holder)
    receipts.append(services.cast_by_proxy(holder, poll, grantor, "no").receipt)
    receipts.append(services.record_assisted(chair, poll, assisted, "abstain").receipt)
    db.session.commit()
    ballot_events = [e for e in _poll_events(poll) if e.verb.startswith(("poll.voted", "poll.proxy"))]
    assert {e.verb for e in ballot_events} == {"poll.voted_online", "poll.voted_proxy", "poll.voted_assisted",
                                                "poll.proxy_given", "poll.proxy_used"}
    for event in ballot_events:
        values = list(_values(event.data))
        assert not CHOICE_KEYS & {v for v in values if isinstance(v, str)}, event.verb
        assert not {"yes", "no", "abstain"} & {v for v in values if isinstance(v, str)}, event.verb
        assert not any(receipt in json.dumps(event.data) for receipt in receipts), event.verb
    services.close(chair, poll, "انتهى")
    db.session.commit()
    [closed] = [e for e in _poll_events(poll) if e.verb == "poll.closed"]
    assert not CHOICE_KEYS & set(closed.data)


def test_no_event_of_a_secret_ranked_ballot_holds_the_ranking(app):
    poll = make_priority_ballot(secret=True)
    a, b, c = (o.proposal_id for o in poll.options)
    [voter] = services.electors(poll)[:1]
    services.cast(voter, poll, [c, a, b])
    db.session.commit()
    for event in _poll_events(poll):
        assert [c, a, b] not in list(_values(event.data)), event.verb
        assert not CHOICE_KEYS & set(event.data), event.verb


def test_notifications_carry_no_data_of_their_own(app):
    """Notifications carry no data of their own: an event id and a recipient (so the checks above cover them)."""
    # (and how it is mailed: its kind, the channel chosen for it, when it was mailed)
    assert set(columns("notifications")) == {"id", "recipient_id", "event_id", "created_at", "read_at", "kind",
                                             "email", "mailed_at"}
    assert references("notifications") == {"recipient_id": "users", "event_id": "events"}
