"""Blocks (#18 item 9): a member the committee blocked in a community writes nothing there as a participant,
whatever the route, and a proxy or an assisted ballot does not vote for them either.

Every POST rule of the map is classified below: a participant's write in the community (refused to the blocked
member with a 403 that says why, and nothing changed), a write the blocked member may still make (each with its
reason), or a route where they do not act as a participant of that community at all. A new route fails
test_every_post_route_is_classified until it is placed, so the next write path cannot forget the block.

The blocked person is `member` of the security world's community `alpha` (routes.build_world): each case is a
request that succeeds for them when they are not blocked (the control), then is sent again once they are.
"""
import pytest
from sqlalchemy import select, update

from civicvoice.communities.models import VerificationRequest
from civicvoice.database import utcnow
from civicvoice.deliberation import amendments
from civicvoice.deliberation import services as deliberation
from civicvoice.deliberation.models import Amendment, Argument
from civicvoice.errors import NotAllowed
from civicvoice.extensions import db
from civicvoice.moderation import items as moderation_items
from civicvoice.moderation import services as moderation
from civicvoice.proposals import services as proposals
from civicvoice.volunteers.models import Feedback, VolunteerOffer
from civicvoice.voting import services as voting
from civicvoice.voting.models import Poll

from .routes import (POST_CASES, attach, build, demand_form, png_bytes, rule_id, rules,
                     state_changing_endpoints)

REASON = "يرسل رسائل مزعجة"


def _poll(world, name="poll_id"):
    return db.session.get(Poll, getattr(world, name))


def _given_proxy(w):
    """`second` trusts the member with their vote in the world's adoption vote."""
    voting.give_proxy(w.second, _poll(w), w.member)
    return {"poll_id": w.poll_id, "grantor_id": w.second.id}, {"choice": "no"}


def _invited_by_admin(w):
    proposals.invite_coauthor(w.admin, w.draft, w.member)
    return {"proposal_id": w.draft.id}, {}


def _own_attachment(w):
    attachment = attach(w.member, w.invited, png_bytes(), "extra.png")
    return {"proposal_id": w.invited.id, "attachment_id": attachment.id}, {}


def _position(w, position):
    if position == "neutral":  # taking a side back needs one taken first
        amendments.take_position(w.member, _amendment(w.free_amendment_id), "support")
    return {"amendment_id": w.free_amendment_id}, {}


def _amendment(amendment_id):
    return db.session.get(Amendment, amendment_id)


def _reportable(w, kind):
    """Something of `kind` in alpha the member did not write and has not reported."""
    return {"slug": w.alpha.slug, "subject_id": {
        "proposal": w.kept.id, "argument": w.own_argument_id, "amendment": w.free_amendment_id,
        "minutes": w.past_meeting_id, "user": w.walkin.id}[kind]}, {"reason": "spam", "comment": "إعلان"}


def _feedback_to_give(w):
    db.session.delete(db.session.get(Feedback, w.feedback_id))  # the member has not given it yet
    return {"signup_id": w.started_signup_id}, {"rating": "4", "went_well": "تنظيم جيد"}


def _helpful_mark(w):
    deliberation.mark_helpful(w.member, db.session.get(Argument, w.own_argument_id))
    return {"argument_id": w.own_argument_id}, {}


def _hidden_own_argument(w):
    argument = deliberation.post(w.member, w.published, "for", "الإنارة ضرورية للأطفال.")
    case = moderation.hide(w.admin, moderation_items.of("argument", argument), "خارج الموضوع")
    return {"case_id": case.id}, {"text": "كان في صلب الموضوع"}


def _own_offer(w):
    offer = db.session.scalar(select(VolunteerOffer).where(VolunteerOffer.user_id == w.member.id))
    return {"offer_id": offer.id}, {}


def _verification_to_ask(w):
    db.session.execute(update(VerificationRequest).where(VerificationRequest.user_id == w.member.id)
                       .values(resolved_at=utcnow()))
    return {"slug": w.alpha.slug}, {"note": "صباح الأحد"}


def _as_in_post_cases(endpoint):
    return lambda w, **fixed: POST_CASES[endpoint](w, **fixed)


# A participant's writes in the community: refused while blocked. endpoint or endpoint[choice] -> the member's
# request (set up through the services first where the world has nothing of theirs to act on).
PARTICIPANT = {
    "proposals.create": _as_in_post_cases("proposals.create"),
    "proposals.edit": lambda w: ({"proposal_id": w.invited.id}, demand_form(w.council, title="عنوان جديد للمسودة")),
    "proposals.submit": lambda w: ({"proposal_id": w.invited.id}, {}),
    "proposals.invite_coauthor": lambda w: ({"proposal_id": w.invited.id}, {"email": w.second.email}),
    "proposals.remove_attachment": _own_attachment,
    "proposals.answer_invitation[accept]": lambda w, answer: _invited_by_admin(w),
    "signatures.sign": _as_in_post_cases("signatures.sign"),
    "signatures.update": _as_in_post_cases("signatures.update"),
    "deliberation.post": _as_in_post_cases("deliberation.post"),
    "deliberation.reply": _as_in_post_cases("deliberation.reply"),
    "deliberation.edit": lambda w: ({"argument_id": w.argument_id}, {"body": "الشارع مظلم منذ سنتين."}),
    "deliberation.mark_helpful": lambda w: ({"argument_id": w.own_argument_id}, {}),
    "deliberation.propose_amendment": lambda w: ({"proposal_id": w.kept.id}, {
        **demand_form(w.council, title="إنارة الطريق العام", summary="الطريق مظلم كله."), "reason": "أوضح."}),
    "deliberation.take_position[neutral]": _position,
    "deliberation.take_position[oppose]": _position,
    "deliberation.take_position[support]": _position,
    # The member wrote `published`: its authors decide on the amendments others propose to it.
    "deliberation.accept_amendment": lambda w: ({"amendment_id": w.free_amendment_id}, {}),
    "deliberation.decline_amendment": lambda w: ({"amendment_id": w.free_amendment_id}, {"reason": "النص أدق."}),
    "meetings.rsvp": _as_in_post_cases("meetings.rsvp"),
    "voting.cast": lambda w: ({"poll_id": w.proxy_poll_id}, {"options": [str(w.published.id)]}),
    "voting.cast_by_proxy": lambda w: _given_proxy(w),
    "voting.give_proxy": lambda w: ({"poll_id": w.proxy_poll_id}, {"email": w.walkin.email}),
    **{f"moderation.report[{kind}]": _reportable for kind in ("amendment", "argument", "minutes", "proposal", "user")},
    "volunteers.offer_help": lambda w: ({"proposal_id": w.kept.id}, POST_CASES["volunteers.offer_help"](w)[1]),
    "volunteers.propose": _as_in_post_cases("volunteers.propose"),
    "volunteers.sign_up": lambda w: ({"opportunity_id": w.joined_opportunity_id}, {"message": "أستطيع المساعدة"}),
    "volunteers.give_feedback": _feedback_to_give,
    "council.check": _as_in_post_cases("council.check"),  # the member co-signed the demand said resolved
}

# Writes a blocked member may still make there, and why: a block stops someone adding their voice, their name or
# their weight to the community; it never forces them to keep what they gave, nor shuts the doors out.
ALLOWED = {
    # Taking back what they gave: their name must not stay on a demand, a debate or a commitment against their will.
    "signatures.withdraw": _as_in_post_cases("signatures.withdraw"),
    "proposals.withdraw": lambda w: ({"proposal_id": w.invited.id}, {"reason": "لم يعد ضرورياً."}),
    "proposals.answer_invitation[decline]": lambda w, answer: _invited_by_admin(w),
    "deliberation.delete": lambda w: ({"argument_id": w.argument_id}, {}),
    "deliberation.unmark_helpful": lambda w: _helpful_mark(w),
    "deliberation.withdraw_amendment": lambda w: ({"amendment_id": w.amendment_id}, {}),
    "volunteers.withdraw_offer": _own_offer,
    "volunteers.withdraw": lambda w: ({"opportunity_id": w.opportunity_id}, {}),
    # Taking a proxy back casts nothing (a blocked member's proxy cannot vote anyway).
    "voting.revoke_proxy": lambda w: ({"poll_id": w.poll_id}, {}),
    # The way out of a block and of a decision: leaving, appealing what the committee hid, and proving who they
    # are at the centre (people are blocked for impersonation; one open request at a time).
    "communities.leave": _as_in_post_cases("communities.leave"),
    "moderation.appeal": _hidden_own_argument,
    "communities.request_verification": _verification_to_ask,
}

# Routes where the blocked member does not act as a participant of `alpha`: the committee's, the council's and
# the site administrators' work (a committee member is never blocked), their own account and notifications
# (site-wide), another community, visitors' and public forms.
ELSEWHERE = {
    "accounts.change_password", "accounts.delete_account", "accounts.login", "accounts.logout", "accounts.profile",
    "accounts.register", "accounts.resend_verification", "accounts.reset", "accounts.reset_request",
    "accounts.set_language", "accounts.verify_email_confirm", "accounts.unsubscribe_confirm",
    "accounts.end_session", "accounts.end_other_sessions", "accounts.download_data",
    "activity.mark_one_read", "activity.mark_read", "activity.settings",
    "communities.join",  # another community (beta)
    "communities.add_centre", "communities.appoint", "communities.appoint_by_email", "communities.councils",
    "communities.create", "communities.decide_request", "communities.edit", "communities.edit_centre",
    "communities.remove_from_committee", "communities.verify_in_person",
    "council.accept_invitation", "council.acknowledge", "council.answer", "council.create", "council.edit",
    "council.progress", "council.remove_staff", "council.reopen", "council.staff",
    "moderation.hide_argument", "moderation.restore_argument",
    "letters.approve", "letters.create", "letters.deliver", "letters.edit", "letters.refresh_counts",
    "letters.send_email", "letters.verify",
    "meetings.cancel", "meetings.create", "meetings.edit", "meetings.minutes",
    "moderation.approve_held", "moderation.block", "moderation.decide", "moderation.decide_appeal",
    "moderation.hide", "moderation.lift_block", "moderation.reject_held", "moderation.rules",
    "proposals.merge", "proposals.publish", "proposals.reject", "proposals.request_changes", "proposals.set_goal",
    "signatures.correct", "signatures.paper", "signatures.void", "signatures.invalidate",
    "signatures.register_and_sign",  # visitors without an account
    "volunteers.answer_feedback", "volunteers.cancel", "volunteers.coordinators", "volunteers.create",
    "volunteers.decide", "volunteers.decide_signup", "volunteers.edit", "volunteers.edit_skill", "volunteers.hours",
    "volunteers.invite", "volunteers.profile", "volunteers.reject", "volunteers.remove_coordinator",
    "volunteers.skills",
    # The committee records a ballot at the centre: a blocked voter is refused (test below).
    "voting.assisted", "voting.close", "voting.create_priority", "voting.open_vote",
}

POST_RULES = rules("POST")


def key(case) -> str:
    endpoint, _rule, fixed = case
    return endpoint + "".join(f"[{value}]" for value in fixed.values())


def _cases(table) -> list:
    return [case for case in POST_RULES if key(case) in table]


def _request(app, world, table, case):
    endpoint, _rule, fixed = case
    values, data = table[key(case)](world, **fixed)
    db.session.commit()
    return build(app, endpoint, {**values, **fixed}), data


def _block(world):
    moderation.block(world.admin, world.alpha, world.member, "7", REASON)
    db.session.commit()


def test_every_post_route_is_classified():
    classified = set(PARTICIPANT) | set(ALLOWED) | {key(case) for case in POST_RULES if case[0] in ELSEWHERE}
    assert {key(case) for case in POST_RULES} == classified
    assert not set(PARTICIPANT) & set(ALLOWED)
    assert not {key.partition("[")[0] for key in (*PARTICIPANT, *ALLOWED)} & ELSEWHERE
    assert ELSEWHERE <= state_changing_endpoints()


@pytest.mark.parametrize("case", _cases(PARTICIPANT), ids=rule_id)
def test_the_member_does_it_when_not_blocked(app, client, login_as, world, snapshot, case):
    """The control: each request below is one that succeeds, so the block is what refuses it."""
    url, data = _request(app, world, PARTICIPANT, case)
    login_as(world.member)
    before = snapshot()
    response = client.post(url, data=data)
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:2000]
    assert snapshot() != before


@pytest.mark.parametrize("case", _cases(PARTICIPANT), ids=rule_id)
def test_a_blocked_member_is_refused_and_told_why(app, client, login_as, world, snapshot, case):
    url, data = _request(app, world, PARTICIPANT, case)
    _block(world)
    login_as(world.member)
    before = snapshot()
    response = client.post(url, data=data)
    assert response.status_code == 403
    assert REASON in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("case", _cases(ALLOWED), ids=rule_id)
def test_a_blocked_member_may_still_take_back_leave_and_appeal(app, client, login_as, world, snapshot, case):
    url, data = _request(app, world, ALLOWED, case)
    _block(world)
    login_as(world.member)
    before = snapshot()
    response = client.post(url, data=data)
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:2000]
    assert snapshot() != before


# Votes cast for someone else -------------------------------------------------------------------------

def test_the_proxy_of_a_member_blocked_since_does_not_vote(app, client, login_as, world, snapshot):
    """The member gave their proxy to the admin before being blocked: the admin cannot cast it any more (a block
    stops the person voting in the community, in person or through someone else). The page no longer offers it."""
    _block(world)
    login_as(world.admin)
    page = client.get(f"/votes/{world.poll_id}").get_data(as_text=True)
    assert f"/votes/{world.poll_id}/proxies/{world.member.id}/ballot" not in page
    before = snapshot()
    response = client.post(f"/votes/{world.poll_id}/proxies/{world.member.id}/ballot", data={"choice": "yes"})
    assert response.status_code == 403
    assert REASON not in response.get_data(as_text=True)  # the admin is not the one blocked
    assert snapshot() == before
    with pytest.raises(NotAllowed):
        voting.cast_by_proxy(world.admin, _poll(world), world.member, "yes")


def test_a_blocked_holder_does_not_cast_the_proxy_of_a_member_who_is_not(app, client, login_as, world, snapshot):
    """Decided: the block is on the person voting, whoever's vote it is. The grantor may take the proxy back and
    vote themselves."""
    _given_proxy(world)
    db.session.commit()
    _block(world)
    login_as(world.member)
    before = snapshot()
    response = client.post(f"/votes/{world.poll_id}/proxies/{world.second.id}/ballot", data={"choice": "no"})
    assert response.status_code == 403 and REASON in response.get_data(as_text=True)
    assert snapshot() == before
    with pytest.raises(NotAllowed):
        voting.cast_by_proxy(world.member, _poll(world), world.second, "no")
    assert voting.proxy_given(world.second, _poll(world)) is not None


def test_the_committee_does_not_record_the_ballot_of_a_blocked_member_at_the_centre(app, client, login_as, world,
                                                                                   snapshot):
    moderation.block(world.admin, world.alpha, world.walkin, "30", REASON)
    db.session.commit()
    poll = _poll(world)
    assert world.walkin.id not in {user.id for user in voting.assistable(poll)}
    login_as(world.admin)
    assert f'value="{world.walkin.id}"' not in client.get(f"/votes/{poll.id}/assisted").get_data(as_text=True)
    before = snapshot()
    client.post(f"/votes/{poll.id}/assisted", data={"voter_id": str(world.walkin.id), "choice": "abstain"})
    assert snapshot() == before
    with pytest.raises(NotAllowed):
        voting.record_assisted(world.admin, _poll(world), world.walkin, "abstain")


def test_nobody_blocked_votes_through_the_service_either(app, world):
    """The service is the last check, whatever calls it (a script, a future view)."""
    _block(world)
    poll = _poll(world, "proxy_poll_id")
    with pytest.raises(NotAllowed):
        voting.cast(world.member, poll, [world.published.id])



def test_the_pages_offer_a_blocked_member_only_what_they_may_still_do(app, client, login_as, world):
    proposals.invite_coauthor(world.admin, world.draft, world.member)
    _block(world)
    login_as(world.member)
    demand = client.get(f"/demands/{world.published.id}").get_data(as_text=True)
    assert REASON in demand
    assert f'action="/demands/{world.published.id}/signature"' not in demand
    assert f'action="/demands/{world.published.id}/signature/withdraw"' in demand
    invited = client.get(f"/demands/{world.draft.id}").get_data(as_text=True)
    assert f"/demands/{world.draft.id}/coauthors/accept" not in invited
    assert f"/demands/{world.draft.id}/coauthors/decline" in invited
