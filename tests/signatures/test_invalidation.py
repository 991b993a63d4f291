"""Voiding signatures together (signatures/invalidation.py) and what it matches on (signatures/networks.py): keyed
hashes of the signer's network and email domain, a time window in the community's zone; exactly the live
signatures that match, counted as the committee saw them; the counters and the goal; the event, the notices;
forgetting the hashes when signing ends."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from civicvoice.activity.models import Event, Notification
from civicvoice.errors import InvalidInput, InvalidTransition
from civicvoice.extensions import db as database
from civicvoice.moderation.services import LOG_VERBS
from civicvoice.proposals import services as proposals
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import invalidation, networks, services
from civicvoice.signatures.invalidation import Match
from civicvoice.signatures.models import Signature
from tests.factories import (committee_member, make_admin, make_community, make_member, make_paper_batch,
                             make_proposal, make_user)

ZONE = "Asia/Damascus"


@pytest.fixture
def demand(app):
    return make_proposal(make_community(timezone=ZONE), status="open")


def sign(proposal, address=None, *, email=None, verified=True, at=None, **user):
    """A new member signs `proposal` from `address`; `at` (local time in the community) backdates it."""
    person = make_member(proposal.community, make_user(email=email, verified=verified, **user))
    signature = services.sign(person, proposal, "public", "", address=address)
    if at is not None:
        moment = at.replace(tzinfo=ZoneInfo(proposal.community.timezone))
        database.session.execute(update(Signature).where(Signature.id == signature.id).values(created_at=moment))
    database.session.commit()
    return signature


def status(db, signature) -> str:
    return db.session.scalar(select(Signature.status).where(Signature.id == signature.id))


def counters(db, proposal) -> tuple[int, int, int]:
    db.session.expire_all()
    p = db.session.get(Proposal, proposal.id)
    return p.signature_count, p.online_count, p.paper_count


def void(proposal, match, reason="دفعة واحدة", actor=None):
    """Void what `match` takes, as the committee was just shown it."""
    confirmed, pending = invalidation.counts(proposal, match)
    done = invalidation.invalidate(actor or committee_member(proposal.community), proposal, match, reason,
                                   confirmed=confirmed, pending=pending)
    database.session.commit()
    return done


# What is kept: keyed hashes ---------------------------------------------------------------------

def test_addresses_of_one_ipv4_24_share_a_label_and_other_networks_do_not(app):
    label = networks.network_label("198.51.100.7")
    assert networks.LABEL.match(label)
    assert networks.network_label("198.51.100.250") == label
    assert networks.network_label("::ffff:198.51.100.9") == label  # IPv4 written as IPv6
    assert networks.network_label("198.51.101.7") != label


def test_addresses_of_one_ipv6_48_share_a_label(app):
    label = networks.network_label("2001:db8:aa:1::5")
    assert networks.network_label("2001:db8:aa:ffff::1") == label
    assert networks.network_label("2001:db8:ab::5") != label


@pytest.mark.parametrize("address", [None, "", "localhost", "300.1.2.3", "<svg onload=alert(1)>"])
def test_what_is_no_address_has_no_label(app, address):
    assert networks.network_label(address) is None


def test_labels_depend_on_the_secret_key(app):
    before = networks.network_label("198.51.100.7")
    app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-0123456789"
    assert networks.network_label("198.51.100.7") != before


@pytest.mark.parametrize("typed", ["gmail.com", "@Gmail.COM", "someone@googlemail.com", " GMAIL.com. "])
def test_a_domain_reads_as_its_mailboxes_do(app, typed):
    assert networks.domain(typed) == "gmail.com"
    assert networks.domain_hash(typed) == networks.domain_hash("a.b+c@gmail.com")


def test_an_arabic_domain_and_its_ascii_spelling_are_one_domain(app):
    assert networks.domain_hash("موقع.com") == networks.domain_hash("x@xn--4gbrim.com")


@pytest.mark.parametrize("typed", ["", "localhost", "no domain", "<b>x</b>.com", "a@b", "..."])
def test_what_is_no_domain_has_no_hash(app, typed):
    assert networks.domain_hash(typed) is None


def test_an_online_signature_keeps_the_hashes_and_a_paper_row_none(db, demand):
    online = sign(demand, "198.51.100.7", email="salma@example.org")
    without = sign(demand)  # no address known (a service call outside a request)
    make_paper_batch(demand)
    rows = {row.id: (row.network_hash, row.domain_hash) for row in db.session.scalars(select(Signature))}
    assert rows[online.id] == (networks.network_label("198.51.100.7"), networks.domain_hash("example.org"))
    assert rows[without.id][0] is None and rows[without.id][1] == networks.domain_hash("example.org")
    assert [value for key, value in rows.items() if key not in (online.id, without.id)] == [(None, None)]


# Exactly what matches ----------------------------------------------------------------------------

def test_only_live_signatures_of_this_demand_that_match_are_voided(db, demand):
    burst = [sign(demand, "198.51.100.7"), sign(demand, "198.51.100.8"), sign(demand, "198.51.100.9",
                                                                             verified=False)]
    neighbour = sign(demand, "198.51.101.7")
    already = sign(demand, "198.51.100.10")
    services.void(committee_member(demand.community), already, "مكرر")
    other = make_proposal(demand.community, status="open")
    elsewhere = sign(other, "198.51.100.7")
    db.session.commit()

    assert void(demand, Match(network=networks.network_label("198.51.100.1"))) == 3

    assert [status(db, s) for s in burst] == ["voided"] * 3
    assert (status(db, neighbour), status(db, elsewhere)) == ("confirmed", "confirmed")
    assert db.session.get(Signature, already.id).void_reason == "مكرر"  # voided once, by the first reason
    assert counters(db, demand) == (1, 1, 0) and counters(db, other) == (1, 1, 0)
    assert services.reconcile() == []


def test_filters_combine_network_domain_and_window(db, demand):
    day = datetime(2026, 12, 3)
    hit = sign(demand, "198.51.100.7", email="a@spam.example", at=day.replace(hour=14, minute=5))
    other_domain = sign(demand, "198.51.100.8", email="b@example.org", at=day.replace(hour=14, minute=10))
    too_late = sign(demand, "198.51.100.9", email="c@spam.example", at=day.replace(hour=15))
    too_early = sign(demand, "198.51.100.9", email="d@spam.example", at=day.replace(hour=13, minute=59))
    zone = ZoneInfo(ZONE)
    match = Match(network=networks.network_label("198.51.100.1"), domain="spam.example",
                  since=day.replace(hour=14, tzinfo=zone), until=day.replace(hour=15, tzinfo=zone))

    assert invalidation.counts(demand, match) == (1, 0)
    void(demand, match)

    assert status(db, hit) == "voided"
    assert {status(db, s) for s in (other_domain, too_late, too_early)} == {"confirmed"}


def test_paper_rows_match_only_a_time_window_that_includes_paper(db, demand):
    online = sign(demand, "198.51.100.7")
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    now = datetime.now(ZoneInfo(ZONE))
    window = {"since": now - timedelta(hours=1), "until": now + timedelta(hours=1)}
    assert invalidation.counts(demand, Match(**window)) == (1, 0)

    assert void(demand, Match(**window, online_only=False)) == 3

    assert status(db, online) == "voided"
    assert counters(db, demand) == (0, 0, 0)


def test_an_unreadable_domain_matches_nothing_rather_than_everything(db, demand):
    sign(demand, "198.51.100.7")
    assert invalidation.counts(demand, Match(domain="not a domain")) == (0, 0)


# Refusals ---------------------------------------------------------------------------------------

def test_numbers_that_changed_meanwhile_change_nothing_and_say_the_new_ones(db, demand):
    label = networks.network_label("198.51.100.7")
    first = sign(demand, "198.51.100.7")
    shown = invalidation.counts(demand, Match(network=label))
    sign(demand, "198.51.100.8", verified=False)  # signs while the committee reads

    with pytest.raises(invalidation.CountChanged) as refused:
        invalidation.invalidate(committee_member(demand.community), demand, Match(network=label), "دفعة",
                                confirmed=shown[0], pending=shown[1])

    assert (refused.value.confirmed, refused.value.pending, refused.value.status) == (1, 1, 409)
    db.session.commit()  # what the service left behind, if anything, would now stay
    assert status(db, first) == "confirmed" and counters(db, demand) == (1, 1, 0)
    assert db.session.scalar(select(func.count()).where(Event.verb == "signature.invalidated")) == 0


@pytest.mark.parametrize("match, reason, numbers", [
    (Match(online_only=False), "دفعة", (1, 0)),  # no filter: not "every signature of the demand"
    (Match(network="0a1b2c3d"), "   ", (1, 0)),  # no reason
    (Match(network="0a1b2c3d"), "دفعة", (0, 0)),  # nothing to void
], ids=["no filter", "no reason", "nothing matches"])
def test_nothing_is_voided_without_a_filter_a_reason_or_a_match(db, demand, match, reason, numbers):
    sign(demand, "198.51.100.7")
    with pytest.raises(InvalidInput):
        invalidation.invalidate(committee_member(demand.community), demand, match, reason, confirmed=numbers[0],
                                pending=numbers[1])
    assert counters(db, demand) == (1, 1, 0)
    assert db.session.scalar(select(func.count()).where(Signature.status == "voided")) == 0


@pytest.mark.parametrize("status_", ["voting", "adopted", "withdrawn", "hidden"])
def test_once_signing_is_over_what_was_counted_stands(db, status_):
    proposal = make_proposal(status=status_)
    with pytest.raises(InvalidTransition):
        invalidation.invalidate(committee_member(proposal.community), proposal, Match(network="0a1b2c3d"), "دفعة",
                                confirmed=1, pending=0)


# The goal, the record, the notices ---------------------------------------------------------------

def test_a_goal_reached_with_the_voided_signatures_is_reached_no_more(db, demand):
    demand.signature_goal = 3
    db.session.commit()
    sign(demand, "203.0.113.5")
    burst = [sign(demand, "198.51.100.7"), sign(demand, "198.51.100.8")]
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    chair = committee_member(demand.community)

    void(demand, Match(network=networks.network_label("198.51.100.1")), actor=chair)

    assert db.session.get(Proposal, demand.id).goal_reached_at is None
    [event] = db.session.scalars(select(Event).where(Event.verb == "signature.invalidated")).all()
    assert event.data["below_goal"] is True
    [lost] = db.session.scalars(select(Event).where(Event.verb == "proposal.goal_lost")).all()
    assert (lost.actor_id, lost.data["goal"], lost.data["count"]) == (chair.id, 3, 1)
    notified = set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == lost.id)))
    assert demand.author_id in notified
    assert len(burst) == 2


def test_a_goal_still_met_after_the_voids_stands(db, demand):
    demand.signature_goal = 2
    db.session.commit()
    sign(demand, "203.0.113.5"), sign(demand, "203.0.113.6"), sign(demand, "198.51.100.7")
    void(demand, Match(network=networks.network_label("198.51.100.7")))
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    assert db.session.scalar(select(func.count()).where(Event.verb == "proposal.goal_lost")) == 0


def test_a_single_void_rolls_the_goal_back_too_but_a_withdrawal_does_not(db, demand):
    demand.signature_goal = 2
    db.session.commit()
    first, second = sign(demand, "203.0.113.5"), sign(demand, "203.0.113.6")
    services.withdraw(second.user, demand)
    db.session.commit()
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None  # people changing their minds
    services.void(committee_member(demand.community), first, "حساب وهمي")
    db.session.commit()
    assert db.session.get(Proposal, demand.id).goal_reached_at is None


def test_one_event_records_the_filters_the_numbers_the_reason_and_who(db, demand):
    sign(demand, "198.51.100.7", email="a@spam.example"), sign(demand, "198.51.100.8", verified=False)
    admin = make_admin()
    match = Match(network=networks.network_label("198.51.100.7"), domain="@SPAM.example")

    assert void(demand, match, reason="  تواقيع آلية  ", actor=admin) == 1

    [event] = db.session.scalars(select(Event).where(Event.verb == "signature.invalidated")).all()
    assert (event.actor_id, event.subject_type, event.subject_id, event.community_id) == (
        admin.id, "proposals", demand.id, demand.community_id)
    assert {key: event.data[key] for key in ("count", "confirmed", "pending", "reason", "role", "below_goal")} == {
        "count": 1, "confirmed": 1, "pending": 0, "reason": "تواقيع آلية", "role": "admin", "below_goal": False}
    assert event.data["filters"] == {"network": match.network, "domain": "spam.example", "since": "", "until": "",
                                     "source": "online"}
    assert "signature.invalidated" in LOG_VERBS


def test_every_signer_whose_signature_went_is_told_once(db, demand):
    voided = [sign(demand, "198.51.100.7"), sign(demand, "198.51.100.8", verified=False)]
    kept = sign(demand, "203.0.113.5")
    void(demand, Match(network=networks.network_label("198.51.100.7")))
    event = db.session.scalar(select(Event).where(Event.verb == "signature.invalidated"))
    notices = db.session.execute(select(Notification.recipient_id, Notification.kind)
                                 .where(Notification.event_id == event.id)).all()
    assert sorted(notices) == sorted((s.user_id, "signed") for s in voided)
    assert kept.user_id not in {recipient for recipient, _kind in notices}


def test_the_preview_counts_networks_and_local_hours_and_lists_the_newest(db, demand):
    day = datetime(2026, 12, 3)
    for minute in (1, 20, 40):
        sign(demand, "198.51.100.7", at=day.replace(hour=14, minute=minute))
    sign(demand, "198.51.100.7", at=day.replace(hour=16))
    sign(demand, "203.0.113.5", at=day.replace(hour=14, minute=30))
    sign(demand)  # no network on record
    burst_label = networks.network_label("198.51.100.7")

    shown = invalidation.preview(demand, Match())

    assert (shown.confirmed, shown.pending, shown.unknown) == (6, 0, 1)
    assert shown.networks == [(burst_label, 4), (networks.network_label("203.0.113.5"), 1)]
    top = shown.bursts[0]
    assert (top.network, top.count, top.start.hour, top.end.hour) == (burst_label, 3, 14, 15)
    assert top.start.utcoffset() == timedelta(hours=3)  # the community's wall clock, not UTC
    assert len(shown.signatures) == 6 and shown.signatures[0].network_hash is None


# Forgetting ---------------------------------------------------------------------------------------

def test_signing_over_for_good_forgets_the_hashes_a_hidden_demand_keeps_them(db, demand):
    sign(demand, "198.51.100.7")
    chair = committee_member(demand.community)
    proposals.hide(chair, demand, "بلاغات")
    db.session.commit()
    assert db.session.scalar(select(Signature.network_hash)) is not None  # unhiding makes it signable again
    proposals.unhide(chair, demand, "open", "راجعناه")
    proposals.open_vote(chair, demand)
    db.session.commit()
    assert db.session.execute(select(Signature.network_hash, Signature.domain_hash)).all() == [(None, None)]


def test_forgetting_says_how_many_rows_held_hashes(db, demand):
    sign(demand, "198.51.100.7"), sign(demand, "198.51.100.8")
    make_paper_batch(demand)
    assert services.forget_networks(demand) == 2
    assert services.forget_networks(demand) == 0
