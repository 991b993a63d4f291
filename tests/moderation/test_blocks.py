"""Blocks: a person may read but not post, sign or vote in one community, for 7 or 30 days or until lifted."""
from datetime import timedelta

import pytest
from freezegun import freeze_time

from civicvoice import permissions
from civicvoice.communities import rules as community_rules
from civicvoice.database import utcnow
from civicvoice.errors import Conflict, NotAllowed
from civicvoice.moderation import services as moderation
from tests.factories import (
    committee_member,
    make_argument,
    make_committee,
    make_community,
    make_member,
    make_proposal,
    make_vote,
)


@pytest.fixture
def blocked(app, db):
    proposal = make_proposal(status="open")
    person = make_member(proposal.community)
    chair = committee_member(proposal.community)
    block = moderation.block(chair, proposal.community, person, "7", "رسائل مزعجة")
    db.session.commit()
    return proposal, person, block


def test_a_blocked_member_can_read_but_not_post_sign_or_vote_there(app, db, blocked):
    proposal, person, _block = blocked
    assert permissions.REGISTRY["view_proposal"](person, proposal)
    assert not permissions.REGISTRY["sign_proposal"](person, proposal)
    assert not permissions.REGISTRY["argue"](person, proposal)
    assert not permissions.REGISTRY["draft_proposal"](person, proposal.community)
    assert not permissions.REGISTRY["propose_amendment"](person, proposal)


def test_a_blocked_elector_cannot_vote_nor_give_a_proxy(app, db):
    proposal = make_proposal(status="open")
    voter = make_member(proposal.community)
    poll = make_vote(proposal)
    assert permissions.REGISTRY["vote"](voter, poll) and permissions.REGISTRY["give_proxy"](voter, poll)
    moderation.block(committee_member(poll.community), poll.community, voter, "30", "انتحال")
    db.session.commit()
    assert not permissions.REGISTRY["vote"](voter, poll) and not permissions.REGISTRY["give_proxy"](voter, poll)


def test_a_block_is_for_one_community_only(app, db, blocked):
    _proposal, person, _block = blocked
    elsewhere = make_proposal(status="open")
    make_member(elsewhere.community, person)
    assert permissions.REGISTRY["sign_proposal"](person, elsewhere) and permissions.REGISTRY["argue"](person, elsewhere)


def test_a_block_ends_by_itself_after_its_period(app, db, blocked):
    proposal, person, block = blocked
    assert block.ends_at - block.starts_at == timedelta(days=7)
    with freeze_time(block.ends_at + timedelta(seconds=1)):
        assert community_rules.active_block(person, proposal.community) is None
        assert permissions.REGISTRY["sign_proposal"](person, proposal)
    with freeze_time(block.ends_at - timedelta(minutes=1)):
        assert community_rules.active_block(person, proposal.community) is not None


def test_after_expiry_a_new_block_can_be_given(app, db, blocked):
    proposal, person, block = blocked
    with freeze_time(block.ends_at + timedelta(days=1)):
        again = moderation.block(committee_member(proposal.community), proposal.community, person, "permanent",
                                 "عاد إلى الإزعاج")
        db.session.commit()
        assert again.ends_at is None and block.lifted_at == block.ends_at
        assert community_rules.active_block(person, proposal.community).id == again.id


def test_one_block_in_force_at_a_time(app, db, blocked):
    proposal, person, _block = blocked
    with pytest.raises(Conflict):
        moderation.block(committee_member(proposal.community), proposal.community, person, "30", "مرة ثانية")


def test_the_person_is_told_why_and_until_when(app, db, blocked):
    from sqlalchemy import select

    from civicvoice.activity.messages import describe
    from civicvoice.activity.models import Event, Notification

    proposal, person, block = blocked
    event = db.session.scalars(select(Event).join(Notification, Notification.event_id == Event.id)
                               .where(Notification.recipient_id == person.id,
                                      Event.verb == "moderation.blocked")).one()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = str(describe(event))
    assert "رسائل مزعجة" in text and "until" in text


def test_committee_members_are_not_blocked_nor_oneself(app, db):
    community = make_community()
    chair, other = make_committee(community), make_committee(community)
    for target in (chair, other):
        with pytest.raises(NotAllowed):
            moderation.block(chair, community, target, "7", "سبب")


def test_lifting_a_block_lets_them_take_part_again(app, db, blocked):
    proposal, person, block = blocked
    moderation.lift_block(committee_member(proposal.community), block, "اعتذر")
    db.session.commit()
    assert community_rules.active_block(person, proposal.community) is None
    assert permissions.REGISTRY["argue"](person, proposal)
    assert block.lifted_at <= utcnow()


def test_an_argument_already_posted_stays_but_no_new_one_can_be(app, db):
    proposal = make_proposal(status="open")
    person = make_member(proposal.community)
    argument = make_argument(proposal, person)
    moderation.block(committee_member(proposal.community), proposal.community, person, "7", "سبب")
    db.session.commit()
    assert argument.status == "visible" and not permissions.REGISTRY["reply_argument"](person, argument)


def test_a_blocked_member_does_not_volunteer_there_either(app, db, blocked):
    from tests.factories import make_centre

    proposal, person, _block = blocked
    assert not permissions.REGISTRY["offer_help"](person, proposal)
    assert not permissions.REGISTRY["propose_opportunity"](person, proposal.community)
    make_centre(proposal.community)
    other = make_member(proposal.community)
    assert permissions.REGISTRY["offer_help"](other, proposal) and permissions.REGISTRY["propose_opportunity"](other,
                                                                                             proposal.community)


def test_a_blocked_member_does_not_answer_a_meeting_invitation_there(app, db, blocked):
    from tests.factories import make_meeting

    proposal, person, _block = blocked
    meeting = make_meeting(proposal.community)
    assert not permissions.REGISTRY["rsvp_meeting"](person, meeting)
    assert permissions.REGISTRY["rsvp_meeting"](make_member(proposal.community), meeting)


def test_a_vote_opened_while_a_member_is_blocked_leaves_them_out_of_the_electorate(app, db, blocked):
    """They may not vote: counting them would lower the turnout and make the quorum harder to reach."""
    from civicvoice.voting import services as voting

    proposal, person, _block = blocked
    poll = make_vote(proposal)
    assert not voting.is_elector(person, poll)
    assert poll.electorate == len(voting.electors(poll)) and person not in voting.electors(poll)


def test_a_blocked_member_refused_an_action_is_told_why_and_until_when(app, db, client, login_as, blocked):
    proposal, person, block = blocked
    login_as(person)
    response = client.post(f"/demands/{proposal.id}/arguments", data={"stance": "for", "body": "رأيي"})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "notice--blocked" in page and "رسائل مزعجة" in page
    assert client.get(f"/demands/{proposal.id}/arguments").status_code == 200  # reading stays open


def test_the_vote_page_tells_a_blocked_elector_why_they_cannot_vote(app, db, client, login_as):
    proposal = make_proposal(status="open")
    voter = make_member(proposal.community)
    poll = make_vote(proposal)
    moderation.block(committee_member(poll.community), poll.community, voter, "30", "انتحال شخصية")
    db.session.commit()
    login_as(voter)
    page = client.get(f"/votes/{poll.id}").get_data(as_text=True)
    assert "notice--blocked" in page and "انتحال شخصية" in page
    assert 'action="/votes/%d/ballot"' % poll.id not in page
    assert "لست مدرجاً في قائمة" not in page  # not "you are not on the list": they are, and blocked
