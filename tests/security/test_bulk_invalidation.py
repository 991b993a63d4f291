"""Mass fraudulent signatures found after the fact (SECURITY.md A.9; issue #18, item 11): the committee voids a
selected set of signatures (a burst from one network, a run at one email domain) with a reason. Exactly the
matching signatures go, the counters and the goal roll back, the action is audited and shown as a number, each
signer is told; the network is stored only as a keyed hash, and forgotten once signing is over; only the
demand's committee reaches the page, and it voids what it saw or nothing."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.exc import IntegrityError

from civicvoice.activity.models import Event, Notification
from civicvoice.database import utcnow
from civicvoice.errors import InvalidInput
from civicvoice.extensions import db
from civicvoice.proposals import services as proposals
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import networks
from civicvoice.signatures.models import Signature
from civicvoice.voting import services as voting
from tests.factories import (committee_member, link_council, make_community, make_member, make_paper_batch,
                             make_proposal, make_staff, make_user)

BURST = "198.51.100.{}"  # one /24: the burst
ELSEWHERE = "203.0.113.{}"  # another /24: honest neighbours


@pytest.fixture
def demand(app):
    proposal = make_proposal(make_community(), status="open")
    proposal.signature_goal = 5
    db.session.commit()
    return proposal


def _sign_from(client, login_as, proposal, address, **user):
    """A member signs through the web from `address` (as the server sees it after ProxyFix)."""
    person = make_member(proposal.community, make_user(**user))
    login_as(person)
    response = client.post(f"/demands/{proposal.id}/sign", data={"visibility": "public", "comment": ""},
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 303
    return person


def _status(person, proposal) -> str:
    return db.session.scalar(select(Signature.status).where(Signature.user_id == person.id,
                                                            Signature.proposal_id == proposal.id))


def _counters(proposal) -> tuple[int, int, int]:
    db.session.expire_all()
    p = db.session.get(Proposal, proposal.id)
    return p.signature_count, p.online_count, p.paper_count


def _shown(client, proposal, **filters):
    """The committee's page for these filters: (confirmed, pending) it says match, and the confirm form's fields."""
    response = client.get(f"/demands/{proposal.id}/signatures/invalidate", query_string=filters)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(confirmed|pending)"[^>]*value="(\d+)"', body))
    return body, {name: int(value) for name, value in fields.items()}


def _void(client, proposal, reason="دفعة تواقيع من شبكة واحدة خلال ساعة", **filters):
    _body, shown = _shown(client, proposal, **filters)
    return client.post(f"/demands/{proposal.id}/signatures/invalidate",
                       data={**filters, **{k: str(v) for k, v in shown.items()}, "reason": reason})


def test_an_invalidation_by_network_voids_exactly_the_matching_confirmed_signatures(client, login_as, demand):
    burst = [_sign_from(client, login_as, demand, BURST.format(n)) for n in (7, 23, 201)]
    waiting = _sign_from(client, login_as, demand, BURST.format(9), verified=False)
    honest = [_sign_from(client, login_as, demand, ELSEWHERE.format(n)) for n in (7, 8)]
    make_paper_batch(demand, rows=[("سعاد الأحمد", "حارة الجامع", "")])
    assert _counters(demand) == (6, 5, 1)
    login_as(committee_member(demand.community))
    label = networks.network_label(BURST.format(1))

    body, shown = _shown(client, demand, network=label)
    assert shown == {"confirmed": 3, "pending": 1}
    assert label in body and "198.51.100" not in body
    assert _void(client, demand, network=label).status_code == 303

    assert [_status(person, demand) for person in burst + [waiting]] == ["voided"] * 4
    assert [_status(person, demand) for person in honest] == ["confirmed"] * 2
    assert db.session.scalar(select(func.count()).where(Signature.source == "paper",
                                                        Signature.status == "confirmed")) == 1
    assert _counters(demand) == (3, 2, 1)


def test_an_invalidation_by_email_domain_voids_exactly_that_domain(client, login_as, demand):
    spam = [_sign_from(client, login_as, demand, ELSEWHERE.format(n), email=f"bot{n}@Spam-Mail.example")
            for n in range(3)]
    kept = [_sign_from(client, login_as, demand, ELSEWHERE.format(9), email="salma@example.org"),
            _sign_from(client, login_as, demand, ELSEWHERE.format(10), email="spam-mail.example@example.org")]
    login_as(committee_member(demand.community))

    assert _void(client, demand, domain="@spam-mail.EXAMPLE").status_code == 303

    assert [_status(person, demand) for person in spam] == ["voided"] * 3
    assert [_status(person, demand) for person in kept] == ["confirmed"] * 2
    assert _counters(demand) == (2, 2, 0)


def test_the_goal_and_the_vote_roll_back_with_the_voided_signatures(client, login_as, demand):
    for n in range(3):
        _sign_from(client, login_as, demand, ELSEWHERE.format(n))
        _sign_from(client, login_as, demand, BURST.format(n))
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    chair = committee_member(demand.community)
    login_as(chair)

    assert _void(client, demand, network=networks.network_label(BURST.format(0))).status_code == 303

    assert _counters(demand) == (3, 3, 0)
    assert client.get(f"/demands/{demand.id}/count.json").get_json()["goal_reached"] is False
    proposal = db.session.get(Proposal, demand.id)
    assert proposal.goal_reached_at is None
    with pytest.raises(InvalidInput):
        voting.open_adoption_vote(chair, proposal, closes_at=utcnow() + timedelta(days=7))
    db.session.rollback()
    [lost] = db.session.scalars(select(Event).where(Event.verb == "proposal.goal_lost")).all()
    told = set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == lost.id)))
    assert demand.author_id in told
    # Reached again by real signatures: recorded (and told) again.
    _sign_from(client, login_as, demand, ELSEWHERE.format(10))
    _sign_from(client, login_as, demand, ELSEWHERE.format(11))
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    assert db.session.scalar(select(func.count()).where(Event.verb == "proposal.goal_reached")) == 2


def test_the_invalidation_is_audited_once_and_shown_as_a_number_never_names(client, login_as, demand):
    names = ["Zaid Burst-One", "Zaid Burst-Two"]
    for n, name in enumerate(names):
        _sign_from(client, login_as, demand, BURST.format(n), name=name)
    chair = committee_member(demand.community)
    login_as(chair)
    label = networks.network_label(BURST.format(0))

    _void(client, demand, reason="Forty signatures from one network in ten minutes", network=label)

    [event] = db.session.scalars(select(Event).where(Event.verb == "signature.invalidated")).all()
    assert (event.actor_id, event.subject_type, event.subject_id) == (chair.id, "proposals", demand.id)
    assert event.data["count"] == 2 and event.data["confirmed"] == 2 and event.data["pending"] == 0
    assert event.data["reason"] == "Forty signatures from one network in ten minutes"
    assert event.data["filters"]["network"] == label and event.data["filters"]["source"] == "online"
    with client.session_transaction() as session:
        session.clear()  # a visitor reads the timeline and the public log
    for url in (f"/demands/{demand.id}", f"/communities/{demand.community.slug}/moderation/log"):
        body = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Forty signatures from one network in ten minutes" in body, url
        assert re.search(r"voided (<bdi>)?2(</bdi>)? signatures", body), url
        assert not any(name in body for name in names), url


def test_each_signer_is_told_why_in_their_language_and_how_to_contest(client, login_as, demand):
    arabic = _sign_from(client, login_as, demand, BURST.format(1), locale="ar")
    english = _sign_from(client, login_as, demand, BURST.format(2), locale="en")
    chair = committee_member(demand.community)
    login_as(chair)
    _void(client, demand, reason="تواقيع مكررة", network=networks.network_label(BURST.format(0)))

    event = db.session.scalar(select(Event).where(Event.verb == "signature.invalidated"))
    told = set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event.id)))
    assert told == {arabic.id, english.id}
    login_as(english)
    body = client.get("/notifications").get_data(as_text=True)
    assert "voided your signature" in body and "تواقيع مكررة" in body and "ask the committee" in body
    login_as(arabic)
    body = client.get("/notifications").get_data(as_text=True)
    assert "ألغت لجنة" in body and "voided your signature" not in body


def test_the_address_itself_is_never_stored(client, login_as, demand):
    """Only the keyed hash of the network is kept: no table holds the address, nor its network."""
    _sign_from(client, login_as, demand, "198.51.100.77")
    _sign_from(client, login_as, demand, "2001:db8:4:5::17")
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    stored = [str(value) for table in metadata.tables.values() for row in db.session.execute(select(table))
              for value in row]
    assert not [value for value in stored if "198.51.100" in value or "2001:db8" in value]
    labels = set(db.session.scalars(select(Signature.network_hash)))
    assert labels == {networks.network_label("198.51.100.1"), networks.network_label("2001:db8:4::1")}


def test_a_count_that_changed_meanwhile_is_refused_with_409_and_the_new_count(client, login_as, demand):
    for n in range(3):
        _sign_from(client, login_as, demand, BURST.format(n))
    chair = committee_member(demand.community)
    label = networks.network_label(BURST.format(0))
    login_as(chair)
    _body, shown = _shown(client, demand, network=label)
    assert shown == {"confirmed": 3, "pending": 0}
    late = _sign_from(client, login_as, demand, BURST.format(99))  # signs while the committee reads
    login_as(chair)

    response = client.post(f"/demands/{demand.id}/signatures/invalidate",
                           data={"network": label, "confirmed": "3", "pending": "0", "reason": "دفعة"})

    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert re.search(r'name="confirmed"[^>]*value="4"', body)  # the new number, to confirm again
    assert "دفعة" in body  # the reason typed is kept
    assert _status(late, demand) == "confirmed" and _counters(demand) == (4, 4, 0)
    assert db.session.scalar(select(func.count()).where(Signature.status == "voided")) == 0


@pytest.mark.parametrize("who", ["member", "signer", "other_committee", "council_staff", "author"])
def test_only_the_demands_committee_reaches_the_page(client, login_as, demand, who):
    signer = _sign_from(client, login_as, demand, BURST.format(1))
    council = link_council(demand.community)
    people = {"member": lambda: make_member(demand.community), "signer": lambda: signer,
              "other_committee": lambda: committee_member(make_community()),
              "council_staff": lambda: make_staff(council), "author": lambda: demand.author}
    login_as(people[who]())
    url = f"/demands/{demand.id}/signatures/invalidate"
    assert client.get(url, query_string={"network": networks.network_label(BURST.format(1))}).status_code == 404
    response = client.post(url, data={"network": networks.network_label(BURST.format(1)), "confirmed": "1",
                                      "pending": "0", "reason": "x"})
    assert response.status_code == 404
    assert _status(signer, demand) == "confirmed"


def test_visitors_are_sent_to_sign_in_and_the_committee_reaches_it(client, login_as, demand):
    url = f"/demands/{demand.id}/signatures/invalidate"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(committee_member(demand.community))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("move", ["open_vote", "withdraw", "merge"])
def test_networks_and_domains_are_forgotten_when_signing_ends(client, login_as, demand, move):
    _sign_from(client, login_as, demand, BURST.format(1))
    assert db.session.scalar(select(func.count()).where(Signature.network_hash.is_not(None),
                                                        Signature.domain_hash.is_not(None))) == 1
    chair = committee_member(demand.community)
    if move == "open_vote":
        proposals.open_vote(chair, demand)
    elif move == "withdraw":
        proposals.withdraw(demand.author, demand, "حُلّت المشكلة")
    else:
        proposals.merge(chair, demand, make_proposal(demand.community, status="open"), "مكرر")
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Signature.network_hash.is_not(None)
                                                        | Signature.domain_hash.is_not(None))) == 0


def test_paper_signatures_cannot_hold_a_network(demand):
    make_paper_batch(demand)
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE signatures SET network_hash = 'abcdef12' WHERE source = 'paper'"))
    db.session.rollback()
