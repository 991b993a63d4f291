"""Voting services: opening (snapshot of the electorate), casting, proxies, assisted ballots, closing and counting."""
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from civicvoice.activity.models import Event, Notification
from civicvoice.communities import services as communities
from civicvoice.communities.models import Membership
from civicvoice.database import utcnow
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition
from civicvoice.extensions import db
from civicvoice.voting import rules as voting_rules
from civicvoice.voting import services
from civicvoice.voting.models import Ballot, Participation, Poll
from tests.factories import (
    committee_member,
    make_community,
    make_goal_reached,
    make_member,
    make_priority_ballot,
    make_proposal,
    make_user,
    make_vote,
)

IN_A_WEEK = timedelta(days=7)


# Helpers -----------------------------------------------------------------------------------------

def events(verb, subject) -> list[Event]:
    return list(db.session.scalars(select(Event).where(
        Event.verb == verb, Event.subject_type == subject.__tablename__, Event.subject_id == subject.id)
        .order_by(Event.id)))


def notified(event: Event) -> set[int]:
    return set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event.id)))


def participations(poll) -> int:
    return db.session.scalar(select(func.count()).select_from(Participation).where(Participation.poll_id == poll.id))


def ballot_rows(poll) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)))


def active_members(community) -> set[int]:
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.community_id == community.id, Membership.status == "active")))


def electors_of(poll) -> set[int]:
    return {user.id for user in services.electors(poll)}


def chair_of(poll):
    return committee_member(poll.community)


def fresh(poll) -> Poll:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Poll, poll.id)


def verified(community, user=None):
    """A member verified in person by the committee."""
    user = make_member(community, user)
    communities.verify_in_person(committee_member(community), community, user)
    db.session.commit()
    return user


def open_vote(proposal, **kwargs):
    return services.open_adoption_vote(committee_member(proposal.community), proposal,
                                       closes_at=utcnow() + IN_A_WEEK, **kwargs)


# Opening an adoption vote ------------------------------------------------------------------------

def test_opening_needs_the_demand_open_for_signatures(app):
    proposal = make_proposal(status="in_review")
    with pytest.raises(InvalidTransition):
        open_vote(proposal)
    assert db.session.scalar(select(func.count()).select_from(Poll)) == 0


def test_opening_needs_the_signature_goal_reached(app):
    proposal = make_proposal(status="open")
    assert proposal.goal_reached_at is None
    with pytest.raises(InvalidInput):
        open_vote(proposal)
    assert proposal.status == "open"


@pytest.mark.parametrize("settings", [{"closes_at": -timedelta(minutes=1)}, {"quorum_percent": 101},
                                      {"quorum_percent": -1}, {"majority": "most"}])
def test_opening_refuses_bad_settings(app, settings):
    proposal = make_goal_reached()
    closes_at = utcnow() + settings.pop("closes_at", IN_A_WEEK)
    with pytest.raises(InvalidInput):
        services.open_adoption_vote(committee_member(proposal.community), proposal, closes_at=closes_at, **settings)


def test_opening_moves_the_demand_to_voting(app):
    proposal = make_goal_reached()
    poll = open_vote(proposal)
    db.session.commit()
    assert proposal.status == "voting"
    [moved] = events("proposal.open_vote", proposal)
    assert moved.data["poll_id"] == poll.id


def test_opening_snapshots_the_active_members_as_electors(app):
    proposal = make_goal_reached()
    community = proposal.community
    members = {make_member(community).id for _ in range(3)}
    pending = make_user()
    communities.join(pending, community)
    db.session.query(Membership).filter_by(user_id=pending.id).update({"status": "pending"})
    gone = make_member(community)
    gone.deleted_at = utcnow()
    outsider = make_member(make_community())
    db.session.commit()
    poll = open_vote(proposal)
    db.session.commit()
    assert members <= electors_of(poll)
    assert electors_of(poll) == active_members(community) - {gone.id}
    assert {pending.id, gone.id, outsider.id}.isdisjoint(electors_of(poll))
    assert poll.electorate == len(electors_of(poll))


def test_members_joining_after_the_opening_cannot_vote(app):
    poll = make_vote(voters=2)
    electorate = poll.electorate
    late = make_member(poll.community)
    assert late.id not in electors_of(poll)
    with pytest.raises(InvalidInput):
        services.cast(late, poll, "yes")
    assert fresh(poll).electorate == electorate
    assert participations(poll) == 0


def test_verified_only_keeps_only_members_verified_in_person(app):
    proposal = make_goal_reached()
    community = proposal.community
    checked = {verified(community).id for _ in range(2)}
    make_member(community)
    poll = make_vote(proposal, verified_only=True)
    assert electors_of(poll) == checked
    assert poll.electorate == 2


def test_opening_notifies_every_elector_but_the_committee_member_who_opened_it(app):
    poll = make_vote(voters=3)
    [opened] = events("poll.opened", poll)
    assert opened.actor_id == poll.opened_by_id
    assert notified(opened) == electors_of(poll) - {poll.opened_by_id}
    assert len(notified(opened)) == poll.electorate - 1


def test_a_demand_has_one_adoption_vote(app):
    poll = make_vote()
    proposal = poll.proposal
    with pytest.raises(InvalidTransition):  # the demand is in "voting" now
        open_vote(proposal)


def test_the_unique_constraint_refuses_a_second_vote_even_if_the_status_allowed_it(app):
    poll = make_vote()
    proposal = poll.proposal
    proposal.status = "open"  # as if the demand had come back: the constraint still decides
    db.session.commit()
    with pytest.raises(Conflict):
        open_vote(proposal)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Poll).where(Poll.proposal_id == proposal.id)) == 1


# Opening a priority ballot -----------------------------------------------------------------------

def test_priority_ballot_takes_open_and_adopted_demands_of_the_community(app):
    community = make_community()
    demands = [make_proposal(community, status="open"), make_proposal(community, status="adopted")]
    poll = make_priority_ballot(community, demands)
    assert [o.proposal_id for o in poll.options] == [d.id for d in demands]
    assert poll.kind == "priority" and poll.proposal_id is None
    assert poll.electorate == len(active_members(community))


@pytest.mark.parametrize("status", ["draft", "not_adopted", "withdrawn"])
def test_priority_ballot_refuses_demands_not_open_nor_adopted(app, status):
    community = make_community()
    demands = [make_proposal(community, status="open"), make_proposal(community, status=status)]
    with pytest.raises(InvalidInput):
        make_priority_ballot(community, demands)


def test_priority_ballot_refuses_another_communitys_demand_and_a_single_demand(app):
    community = make_community()
    ours, theirs = make_proposal(community, status="open"), make_proposal(status="open")
    with pytest.raises(InvalidInput):
        make_priority_ballot(community, [ours, theirs])
    with pytest.raises(InvalidInput):
        make_priority_ballot(community, [ours, ours])


def test_priority_ballot_refuses_an_unknown_method(app):
    with pytest.raises(InvalidInput):
        make_priority_ballot(method="borda")


# Casting -----------------------------------------------------------------------------------------

def test_an_elector_votes_once_with_a_receipt(app):
    poll = make_vote(voters=1)
    voter = chair_of(poll)
    ballot = services.cast(voter, poll, "yes")
    db.session.commit()
    [participation] = db.session.scalars(select(Participation).where(Participation.poll_id == poll.id))
    assert (participation.user_id, participation.channel, participation.cast_by_id) == (voter.id, "online", None)
    assert (ballot.voter_id, ballot.choice, ballot.ranking) == (voter.id, "yes", None)
    assert len(ballot.receipt) == 14 and ballot.receipt.count("-") == 2
    assert fresh(poll).turnout == 1


def test_someone_who_is_not_an_elector_cannot_vote(app):
    poll = make_vote()
    with pytest.raises(InvalidInput):
        services.cast(make_user(), poll, "yes")
    assert participations(poll) == 0 and ballot_rows(poll) == []


def test_changing_a_vote_that_is_not_secret_updates_the_same_ballot(app):
    poll = make_vote(voters=1)
    voter = chair_of(poll)
    first = services.cast(voter, poll, "yes")
    db.session.commit()
    key, receipt = first.key, first.receipt
    services.cast(voter, poll, "no")
    db.session.commit()
    [ballot] = ballot_rows(poll)
    assert (ballot.key, ballot.receipt, ballot.choice) == (key, receipt, "no")
    assert participations(poll) == 1
    assert fresh(poll).turnout == 1
    assert len(events("poll.vote_changed", poll)) == 1


def test_a_secret_ballot_cannot_be_changed(app):
    poll = make_vote(voters=1, secret=True)
    voter = chair_of(poll)
    services.cast(voter, poll, "yes")
    db.session.commit()
    with pytest.raises(Conflict):
        services.cast(voter, poll, "no")
    db.session.rollback()
    assert len(ballot_rows(poll)) == 1 and fresh(poll).turnout == 1
    services.close(voter, fresh(poll), "انتهى")  # sealed until then
    assert [b.choice for b in ballot_rows(poll)] == ["yes"]


@pytest.mark.parametrize("answer", ["maybe", "", None, ["yes"]])
def test_an_adoption_ballot_must_be_yes_no_or_abstain(app, answer):
    poll = make_vote()
    with pytest.raises(InvalidInput):
        services.cast(chair_of(poll), poll, answer)
    assert participations(poll) == 0


@pytest.mark.parametrize("method", ["ranked", "approval"])
def test_a_priority_ballot_refuses_a_demand_not_on_it(app, method):
    poll = make_priority_ballot(method=method)
    other = make_proposal(poll.community, status="open")
    with pytest.raises(InvalidInput):
        services.cast(chair_of(poll), poll, [poll.options[0].proposal_id, other.id])
    assert participations(poll) == 0


@pytest.mark.parametrize("answer", ["yes", "12", 12, ["x"], [None], {"a": 1}])
def test_a_priority_ballot_must_be_a_list_of_demand_ids(app, answer):
    poll = make_priority_ballot(method="ranked")
    with pytest.raises(InvalidInput):
        services.cast(chair_of(poll), poll, answer)
    assert participations(poll) == 0


@pytest.mark.parametrize("method", ["ranked", "approval"])
def test_a_demand_named_twice_on_a_ballot_is_kept_once_at_its_first_place(app, method):
    poll = make_priority_ballot(method=method)
    a, b, c = (o.proposal_id for o in poll.options)
    ballot = services.cast(chair_of(poll), poll, [b, a, b, str(c), a])
    assert ballot.ranking == [b, a, c] and ballot.choice is None


def test_nobody_votes_in_a_closed_vote(app):
    poll = make_vote(voters=1)
    chair = chair_of(poll)
    services.close(chair, poll, "انتهى النقاش")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.cast(chair, poll, "yes")


# Proxies -----------------------------------------------------------------------------------------

def electors(poll, n) -> list:
    """n electors of `poll` who are not the committee member."""
    chair = chair_of(poll)
    people = [user for user in services.electors(poll) if user.id != chair.id]
    assert len(people) >= n
    return people[:n]


def test_a_member_holds_at_most_two_proxies(app):
    poll = make_vote(voters=4)
    holder, *grantors = electors(poll, 4)
    for grantor in grantors[:2]:
        services.give_proxy(grantor, poll, holder)
    db.session.commit()
    with pytest.raises(Conflict):
        services.give_proxy(grantors[2], poll, holder)
    db.session.rollback()
    assert len(voting_rules.proxies_held(holder, poll)) == 2
    assert services.proxy_given(grantors[2], poll) is None


def test_a_member_gives_one_proxy_per_vote(app):
    poll = make_vote(voters=3)
    grantor, first, second = electors(poll, 3)
    services.give_proxy(grantor, poll, first)
    db.session.commit()
    with pytest.raises(Conflict):
        services.give_proxy(grantor, poll, second)
    db.session.rollback()
    assert services.proxy_given(grantor, poll).holder_id == first.id
    assert voting_rules.proxies_held(second, poll) == []


def test_nobody_gives_a_proxy_to_themselves(app):
    poll = make_vote(voters=1)
    [grantor] = electors(poll, 1)
    with pytest.raises(InvalidInput):
        services.give_proxy(grantor, poll, grantor)


def test_a_proxy_goes_to_another_elector_only(app):
    poll = make_vote(voters=1)
    [grantor] = electors(poll, 1)
    late = make_member(poll.community)
    with pytest.raises(InvalidInput):
        services.give_proxy(grantor, poll, late)
    with pytest.raises(InvalidInput):
        services.give_proxy(late, poll, grantor)


def test_a_member_who_voted_cannot_give_a_proxy(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.cast(grantor, poll, "no")
    with pytest.raises(Conflict):
        services.give_proxy(grantor, poll, holder)
    assert services.proxy_given(grantor, poll) is None


def test_giving_a_proxy_tells_the_holder(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.give_proxy(grantor, poll, holder)
    [given] = events("poll.proxy_given", poll)
    assert given.actor_id == grantor.id and notified(given) == {holder.id}


def test_the_holders_ballot_counts_for_the_grantor_by_proxy(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.give_proxy(grantor, poll, holder)
    ballot = services.cast_by_proxy(holder, poll, grantor, "yes")
    db.session.commit()
    participation = services.participation_of(grantor, poll)
    assert (participation.channel, participation.cast_by_id) == ("proxy", holder.id)
    assert ballot.voter_id == grantor.id and ballot.choice == "yes"
    assert services.participation_of(holder, poll) is None  # the holder still has their own vote
    assert services.proxy_given(grantor, poll).used
    assert fresh(poll).turnout == 1
    [used] = events("poll.proxy_used", poll)
    assert used.actor_id == holder.id and notified(used) == {grantor.id}
    services.cast(holder, poll, "no")
    assert fresh(poll).turnout == 2


def test_a_proxy_is_used_once(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.give_proxy(grantor, poll, holder)
    services.cast_by_proxy(holder, poll, grantor, "yes")
    db.session.commit()
    with pytest.raises(Conflict):
        services.cast_by_proxy(holder, poll, grantor, "no")
    db.session.rollback()
    assert [b.choice for b in ballot_rows(poll)] == ["yes"]
    assert participations(poll) == 1


def test_only_the_holder_uses_a_proxy(app):
    poll = make_vote(voters=3)
    grantor, holder, other = electors(poll, 3)
    services.give_proxy(grantor, poll, holder)
    with pytest.raises(Conflict):
        services.cast_by_proxy(other, poll, grantor, "yes")
    assert participations(poll) == 0 and not services.proxy_given(grantor, poll).used


def test_a_proxy_is_revocable_until_used(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.give_proxy(grantor, poll, holder)
    services.revoke_proxy(grantor, poll)
    db.session.commit()
    assert services.proxy_given(grantor, poll) is None
    [revoked] = events("poll.proxy_revoked", poll)
    assert notified(revoked) == {holder.id}
    with pytest.raises(Conflict):  # a revoked proxy cannot be used
        services.cast_by_proxy(holder, poll, grantor, "yes")
    services.cast(grantor, poll, "no")  # the grantor votes themselves
    assert services.participation_of(grantor, poll).channel == "online"


def test_a_used_proxy_cannot_be_revoked(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.give_proxy(grantor, poll, holder)
    services.cast_by_proxy(holder, poll, grantor, "yes")
    db.session.commit()
    with pytest.raises(Conflict):
        services.revoke_proxy(grantor, poll)
    db.session.rollback()
    assert services.proxy_given(grantor, poll).used
    assert [b.choice for b in ballot_rows(poll)] == ["yes"]


def test_revoking_without_a_proxy_is_a_conflict(app):
    poll = make_vote(voters=1)
    with pytest.raises(Conflict):
        services.revoke_proxy(electors(poll, 1)[0], poll)


def test_a_ballot_cast_by_proxy_cannot_be_changed_online(app):
    poll = make_vote(voters=2)
    grantor, holder = electors(poll, 2)
    services.give_proxy(grantor, poll, holder)
    services.cast_by_proxy(holder, poll, grantor, "yes")
    with pytest.raises(Conflict):
        services.cast(grantor, poll, "no")


# Assisted ballots --------------------------------------------------------------------------------

def test_an_assisted_ballot_is_only_for_members_verified_in_person(app):
    poll = make_vote(voters=1)
    [voter] = electors(poll, 1)
    with pytest.raises(InvalidInput):
        services.record_assisted(chair_of(poll), poll, voter, "yes")
    assert participations(poll) == 0


def test_an_assisted_ballot_is_recorded_with_the_committee_member_in_the_audit_log(app):
    proposal = make_goal_reached()
    voter = verified(proposal.community)
    poll = make_vote(proposal)
    chair = chair_of(poll)
    ballot = services.record_assisted(chair, poll, voter, "abstain")
    db.session.commit()
    participation = services.participation_of(voter, poll)
    assert (participation.channel, participation.cast_by_id) == ("assisted", chair.id)
    assert (ballot.voter_id, ballot.choice) == (voter.id, "abstain")
    [event] = events("poll.voted_assisted", poll)
    assert event.actor_id == chair.id
    assert event.data["voter_id"] == voter.id and event.data["cast_by"] == chair.display_name
    assert services.assistable(poll) == [u for u in services.assistable(poll) if u.id != voter.id]
    with pytest.raises(Conflict):  # the person cannot change it afterwards online
        services.cast(voter, poll, "no")


def test_an_assisted_ballot_is_for_electors_only(app):
    poll = make_vote()
    late = verified(poll.community)
    with pytest.raises(InvalidInput):
        services.record_assisted(chair_of(poll), poll, late, "yes")


def test_assistable_lists_verified_electors_who_have_not_voted(app):
    proposal = make_goal_reached()
    waiting, done = verified(proposal.community), verified(proposal.community)
    poll = make_vote(proposal, voters=1)
    services.record_assisted(chair_of(poll), poll, done, "yes")
    assert [u.id for u in services.assistable(poll)] == [waiting.id]


# Closing -----------------------------------------------------------------------------------------

def vote(poll, *choices):
    """Electors (not the committee member) cast `choices` online, one each."""
    for voter, choice in zip(electors(poll, len(choices)), choices, strict=True):
        services.cast(voter, poll, choice)
    db.session.commit()


def test_closing_early_needs_a_reason(app):
    poll = make_vote(voters=1)
    with pytest.raises(InvalidInput):
        services.close(chair_of(poll), poll, "   ")
    assert fresh(poll).status == "open"


def test_closing_early_records_who_and_why(app):
    poll = make_vote(voters=1)
    chair = chair_of(poll)
    assert services.close(chair, poll, " الموعد تغيّر ")
    poll = fresh(poll)
    assert (poll.status, poll.closed_by_id, poll.close_reason) == ("closed", chair.id, "الموعد تغيّر")
    [closed] = events("poll.closed", poll)
    assert closed.data["early"] is True and closed.data["reason"] == "الموعد تغيّر"


def test_closing_twice_closes_once(app):
    poll = make_vote(voters=3)
    vote(poll, "yes", "yes", "no")
    chair = chair_of(poll)
    assert services.close(chair, poll, "اكتمل التصويت") is True
    db.session.commit()
    assert services.close(chair, poll, "مرة أخرى") is False
    db.session.commit()
    assert len(events("poll.closed", poll)) == 1
    assert len(events("proposal.adopt", poll.proposal)) == 1
    assert fresh(poll).close_reason == "اكتمل التصويت"


def test_closing_counts_the_ballots_and_adopts_the_demand(app):
    poll = make_vote(voters=5)  # 3 already there (author, committee, signer) + 5: 8 electors, quorum 2
    assert poll.electorate == 8
    vote(poll, "yes", "yes", "no", "abstain")
    services.close(chair_of(poll), poll, "انتهى")
    poll = fresh(poll)
    assert poll.result == {"yes": 2, "no": 1, "abstain": 1, "turnout": 4, "electorate": 8, "quorum_needed": 2,
                           "quorum_met": True, "majority_met": True, "adopted": True}
    assert poll.proposal.status == "adopted"
    [adopted] = events("proposal.adopt", poll.proposal)
    assert (adopted.data["yes"], adopted.data["no"], adopted.data["turnout"]) == (2, 1, 4)


def test_a_tie_is_not_adopted(app):
    poll = make_vote(voters=2)
    vote(poll, "yes", "no")
    services.close(chair_of(poll), poll, "انتهى")
    poll = fresh(poll)
    assert poll.result["adopted"] is False and poll.proposal.status == "not_adopted"


def test_below_the_quorum_is_not_adopted(app):
    poll = make_vote(voters=7, quorum_percent=20)  # 10 electors: 2 needed
    vote(poll, "yes")
    services.close(chair_of(poll), poll, "انتهى")
    poll = fresh(poll)
    assert (poll.result["quorum_needed"], poll.result["quorum_met"]) == (2, False)
    assert poll.proposal.status == "not_adopted"


def test_exactly_at_the_quorum_is_adopted(app):
    poll = make_vote(voters=7, quorum_percent=20)
    vote(poll, "yes", "abstain")
    services.close(chair_of(poll), poll, "انتهى")
    assert fresh(poll).proposal.status == "adopted"


def test_two_thirds_majority_at_closing(app):
    poll = make_vote(voters=3, majority="two_thirds")
    vote(poll, "yes", "yes", "no")
    services.close(chair_of(poll), poll, "انتهى")
    assert fresh(poll).proposal.status == "adopted"


def test_closing_tells_every_member(app):
    poll = make_vote(voters=2)
    late = make_member(poll.community)  # a member now, though not an elector: the decision concerns them too
    chair = chair_of(poll)
    services.close(chair, poll, "انتهى")
    db.session.commit()
    [closed] = events("poll.closed", poll)
    assert late.id in notified(closed)
    assert notified(closed) == active_members(poll.community) - {chair.id}


def test_closing_a_priority_ballot_ranks_the_demands_and_leaves_them_as_they_were(app):
    poll = make_priority_ballot(method="ranked")
    a, b, c = (o.proposal_id for o in poll.options)
    for user, ranking in zip(services.electors(poll), [[b, a, c], [b, c], [a, b]], strict=False):
        services.cast(user, poll, ranking)
    services.close(chair_of(poll), poll, "انتهى")
    poll = fresh(poll)
    assert poll.result["order"][0] == [b]
    assert poll.result["pairwise"][str(b)][str(a)] == 2
    assert {o.proposal.status for o in poll.options} == {"open"}


def test_closing_an_approval_ballot_counts_approvals(app):
    poll = make_priority_ballot(method="approval")
    a, b, c = (o.proposal_id for o in poll.options)
    for user, approved in zip(services.electors(poll), [[a, c], [c], []], strict=False):
        services.cast(user, poll, approved)
    services.close(chair_of(poll), poll, "انتهى")
    result = fresh(poll).result
    assert result["approvals"] == {str(a): 1, str(b): 0, str(c): 2}
    assert result["order"][0] == [c]


def test_the_scheduler_closes_without_a_reason_once_the_time_is_over(app):
    poll = make_vote(voters=1, days=1)
    with freeze_time(poll.closes_at + timedelta(seconds=1)):
        assert services.close(None, poll) is True
    poll = fresh(poll)
    assert (poll.status, poll.closed_by_id, poll.close_reason) == ("closed", None, "")
    [closed] = events("poll.closed", poll)
    assert closed.actor_id is None and closed.data["early"] is False


def test_close_if_due_waits_for_the_closing_time(app):
    poll = make_vote(voters=1, days=1)
    with freeze_time(poll.closes_at - timedelta(seconds=1)):
        assert services.close_if_due(poll) is False
        assert services.due() == []
    assert fresh(poll).status == "open"
    with freeze_time(poll.closes_at):
        assert services.due() == [poll.id]
        assert services.close_if_due(poll) is True
    assert fresh(poll).status == "closed"
    assert services.close_if_due(fresh(poll)) is False


def test_a_ballot_after_the_closing_time_closes_the_vote_instead(app):
    poll = make_vote(voters=1, days=1)
    [voter] = electors(poll, 1)
    with freeze_time(poll.closes_at + timedelta(hours=1)):
        with pytest.raises(InvalidTransition):
            services.cast(voter, poll, "yes")
    assert poll.status == "closed"
    assert participations(poll) == 0


def test_the_first_page_view_after_the_closing_time_closes_the_vote(app, client):
    poll = make_vote(voters=2, days=1)
    vote(poll, "yes", "yes")
    with freeze_time(poll.closes_at + timedelta(minutes=5)):
        assert client.get(f"/votes/{poll.id}").status_code == 200
    poll = fresh(poll)
    assert poll.status == "closed" and poll.proposal.status == "adopted"
    assert len(events("poll.closed", poll)) == 1


# Counters ----------------------------------------------------------------------------------------

def test_turnout_equals_the_participations_whatever_the_channel(app):
    proposal = make_goal_reached()
    assisted = verified(proposal.community)
    poll = make_vote(proposal, voters=4)
    online, changer, grantor, holder = [u for u in electors(poll, 5) if u.id != assisted.id][:4]
    services.cast(online, poll, "yes")
    services.cast(changer, poll, "yes")
    services.cast(changer, poll, "no")
    services.give_proxy(grantor, poll, holder)
    services.cast_by_proxy(holder, poll, grantor, "abstain")
    services.record_assisted(chair_of(poll), poll, assisted, "yes")
    db.session.commit()
    assert fresh(poll).turnout == participations(poll) == len(ballot_rows(poll)) == 4
    services.close(chair_of(poll), poll, "انتهى")
    assert fresh(poll).result["turnout"] == 4


def test_count_reads_the_ballots_as_they_are(app):
    poll = make_vote(voters=2)
    vote(poll, "no", "no")
    assert services.count(poll)["no"] == 2 and services.count(poll)["adopted"] is False
    assert fresh(poll).result is None  # counting is not closing

