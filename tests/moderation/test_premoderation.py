"""Pre-moderation: the community's rules hold arguments from new accounts, with links, or with listed words, until a
committee member publishes them; held arguments are shown to nobody else."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from civicvoice.activity.models import Event, Notification
from civicvoice.deliberation import services as deliberation
from civicvoice.errors import InvalidTransition
from civicvoice.moderation import premoderation
from civicvoice.moderation import services as moderation
from tests.factories import committee_member, make_argument, make_member, make_proposal, make_user

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def _hold(text="نص عادي", *, age_days=100, days=0, links=False, words=(), held=False):
    return premoderation.hold_reason(account_created_at=NOW - timedelta(days=age_days), now=NOW, text=text,
                                     hold_account_days=days, hold_links=links, words=list(words), author_held=held)


def test_nothing_is_held_without_rules():
    assert _hold("زوروا https://spam.example الآن", age_days=0) is None


@pytest.mark.parametrize("age, held", [(0, "new_account"), (6, "new_account"), (7, None), (30, None)])
def test_accounts_younger_than_n_days(age, held):
    assert _hold(age_days=age, days=7) == held


@pytest.mark.parametrize("text", ["https://spam.example", "زوروا www.spam.example", "موقعنا spam.com الآن",
                                  "HTTP://X.ORG"])
def test_links_are_held(text):
    assert _hold(text, links=True) == "links"


@pytest.mark.parametrize("text", ["الساعة 10.30 في المنارة", "المبلغ 1.5 مليون", "نقطة. وبداية"])
def test_numbers_and_full_stops_are_not_links(text):
    assert _hold(text, links=True) is None


@pytest.mark.parametrize("text", ["هذا كلام حقير جداً", "هذا كلامٌ حَقِيرٌ", "والحقير لا يُحترم", "HAQIR in Latin"])
def test_listed_words_match_across_spelling_variants(text):
    assert _hold(text, words=["حقير", "haqir"]) == "words"


def test_a_word_inside_another_word_does_not_match():
    assert _hold("المحقّقون وصلوا", words=["حق"]) is None


def test_a_reported_person_is_held_first():
    assert _hold(held=True, days=7, age_days=1) == "reported_user"


def _rules(proposal, **rules):
    values = {"report_threshold": 3, "hold_account_days": 0, "hold_links": False, "hold_words": "", **rules}
    moderation.update_rules(committee_member(proposal.community), proposal.community, **values)


def test_a_held_argument_waits_and_its_reply_notification_too(app, db):
    proposal = make_proposal(status="open")
    _rules(proposal, hold_links=True)
    parent = make_argument(proposal)
    reply = make_argument(proposal, body="انظروا https://example.org", parent=parent)
    assert (reply.status, reply.held_reason) == ("held", "links")
    assert db.session.scalar(select(Notification.id).where(Notification.recipient_id == parent.author_id)) is None
    viewer_ids = [a.id for a in db.session.scalars(deliberation.top_level(proposal))]
    assert reply.id not in [n.argument.id for node in deliberation.threads(
        list(db.session.scalars(deliberation.top_level(proposal)))) for n in node.replies]
    assert parent.id in viewer_ids
    # Its author and the committee see it in the thread.
    mine = deliberation.threads(list(db.session.scalars(deliberation.top_level(proposal))), reply.author_id)
    assert reply.id in [n.argument.id for node in mine for n in node.replies]
    moderation.approve_held(committee_member(proposal.community), reply)
    db.session.commit()
    assert reply.status == "visible"
    verbs = list(db.session.scalars(select(Event.verb).join(Notification, Notification.event_id == Event.id)
                                    .where(Notification.recipient_id == parent.author_id)))
    assert verbs == ["argument.replied"]


def test_a_held_argument_counts_nowhere(app, db):
    proposal = make_proposal(status="open")
    _rules(proposal, hold_words="ممنوع")
    make_argument(proposal, body="كلام ممنوع هنا", stance="for")
    assert deliberation.stance_counts(proposal)["for"] == 0 and deliberation.strongest(proposal)["for"] is None


def test_rejecting_a_held_argument_hides_it_and_lets_its_author_appeal(app, db):
    proposal = make_proposal(status="open")
    _rules(proposal, hold_account_days=30)
    newcomer = make_member(proposal.community)
    argument = make_argument(proposal, newcomer, body="أول مداخلة")
    assert argument.held_reason == "new_account"
    case = moderation.reject_held(committee_member(proposal.community), argument, "إعلان تجاري")
    db.session.commit()
    assert (argument.status, argument.hidden_reason, case.status) == ("hidden", "إعلان تجاري", "hidden")
    assert moderation.appeal(newcomer, case, "ليست إعلاناً").assignee_id is not None
    with pytest.raises(InvalidTransition):
        moderation.approve_held(committee_member(proposal.community), argument)


def test_the_committee_is_never_held(app, db):
    proposal = make_proposal(status="open")
    _rules(proposal, hold_links=True, hold_account_days=365)
    chair = committee_member(proposal.community)
    assert deliberation.post(chair, proposal, "for", "https://example.org").status == "visible"


def test_rules_keep_one_word_per_line_without_repeats(app, db):
    proposal = make_proposal(status="open")
    rules = moderation.update_rules(committee_member(proposal.community), proposal.community, report_threshold=5,
                                    hold_account_days=3, hold_links=True, hold_words=" كلمة \n\nكلمة\nأخرى ")
    assert rules.words == ["كلمة", "أخرى"] and rules.report_threshold == 5
    assert make_user()  # a fresh account is not a member: the rules apply to members' arguments only


def test_a_link_added_in_an_edit_is_held_like_a_new_argument(app, db):
    proposal = make_proposal(status="open")
    _rules(proposal, hold_links=True)
    argument = make_argument(proposal, body="رأيي بسيط")
    assert argument.status == "visible"
    deliberation.edit(argument.author, argument, "رأيي بسيط، وانظروا https://spam.example")
    db.session.commit()
    assert (argument.status, argument.held_reason) == ("held", "links")
    assert argument.id not in [a.id for a in db.session.scalars(deliberation.top_level(proposal))]


def test_the_edit_page_tells_the_author_their_edit_waits_for_review(app, db, client, login_as):
    proposal = make_proposal(status="open")
    _rules(proposal, hold_words="ممنوع")
    argument = make_argument(proposal, body="رأيي بسيط")
    login_as(argument.author)
    response = client.post(f"/arguments/{argument.id}/edit", data={"body": "كلام ممنوع"}, follow_redirects=True)
    assert "شكراً لك. تراجعها اللجنة قبل نشرها" in response.get_data(as_text=True)
    assert argument.status == "held"
