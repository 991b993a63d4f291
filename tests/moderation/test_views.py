"""Moderation through the pages: reporting, the queue (bounded queries), cases for the committee and the author,
decisions, blocks, appeals, rules and the public log; Arabic by default, English on request."""
import pytest
from sqlalchemy import select

from civicvoice.communities import rules as community_rules
from civicvoice.communities.models import Block
from civicvoice.deliberation.models import Argument
from civicvoice.extensions import db as _db
from civicvoice.moderation import services as moderation
from civicvoice.moderation.models import Appeal, ModerationCase, Report
from tests.factories import (
    item,
    make_amendment,
    make_argument,
    make_committee,
    make_community,
    make_hidden,
    make_meeting,
    make_member,
    make_proposal,
    make_report,
    make_user,
)
from tests.pages import flashes, plain, text_of


@pytest.fixture
def w(app, db):
    community = make_community(slug="midan")
    chair, second = make_committee(community), make_committee(community)
    proposal = make_proposal(community, status="open", title="إصلاح المضخة")
    author = make_member(community, make_user(name="كاتب المداخلة", locale="en"))
    argument = make_argument(proposal, author, body="HIDDEN-WORDS here")
    reader = make_member(community, make_user(name="Reader", locale="en"))
    return type("W", (), dict(community=community, chair=chair, second=second, proposal=proposal, author=author,
                              argument=argument, reader=reader))


def _report_url(w, kind="argument", subject_id=None):
    return f"/communities/{w.community.slug}/report/{kind}/{subject_id or w.argument.id}"


def test_a_resident_reports_an_argument(client, login_as, w):
    login_as(w.reader)
    page = client.get(_report_url(w))
    assert page.status_code == 200 and "Offensive or abusive" in text_of(page)
    response = client.post(_report_url(w), data={"reason": "offensive", "comment": "insults a neighbour"})
    assert flashes(client, response) == ["Thank you: the committee will look at your report."]
    [report] = _db.session.scalars(select(Report)).all()
    assert (report.reason, report.comment, report.reporter_id) == ("offensive", "insults a neighbour", w.reader.id)
    assert "You have already reported this" in text_of(client.get(_report_url(w)))
    assert client.post(_report_url(w), data={"reason": "spam"}).status_code == 409


def test_a_report_without_a_reason_keeps_the_comment_and_says_why(client, login_as, w):
    login_as(make_member(w.community))  # Arabic by default
    response = client.post(_report_url(w), data={"comment": "تعليقي المهم"})
    html = text_of(response)
    assert response.status_code == 200 and "تعليقي المهم" in html and "اختر سبباً من القائمة" in html


def test_nobody_reports_their_own_words_and_a_visitor_signs_in_first(client, login_as, w):
    assert client.get(_report_url(w)).status_code == 302
    login_as(w.author)
    assert client.get(_report_url(w)).status_code == 403
    assert client.get(_report_url(w, "user", w.author.id)).status_code == 403


def test_what_cannot_be_seen_cannot_be_reported(client, login_as, w):
    draft = make_proposal(w.community, status="draft")
    login_as(w.reader)
    assert client.get(_report_url(w, "proposal", draft.id)).status_code == 404
    other = make_community()
    assert client.get(f"/communities/{other.slug}/report/argument/{w.argument.id}").status_code == 404
    assert client.get(_report_url(w, "user", make_user().id)).status_code == 404  # not a member here
    unposted = make_meeting(w.community)
    assert client.get(_report_url(w, "minutes", unposted.id)).status_code == 403  # no minutes to report yet


def test_the_queue_is_for_the_committee_and_bounded(client, login_as, count_queries, w):
    login_as(w.reader)
    assert client.get(f"/communities/{w.community.slug}/moderation").status_code == 403
    login_as(make_committee(make_community()))  # another community's committee
    assert client.get(f"/communities/{w.community.slug}/moderation").status_code == 403

    def reported(n):
        for _ in range(n):
            make_report(item("argument", make_argument(w.proposal)))
            make_report(item("amendment", make_amendment(w.proposal)))
            make_report(item("user", make_member(w.community), w.community))

    reported(1)
    login_as(w.chair)
    url = f"/communities/{w.community.slug}/moderation"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    reported(5)
    _db.session.commit()
    with count_queries() as many:
        html = text_of(client.get(url))
    assert len(many) == len(few)
    assert html.count('href="/moderation/cases/') == 18


def test_the_committee_keeps_hidden_what_reports_hid_and_the_author_appeals(client, login_as, w):
    for _ in range(3):
        make_report(item("argument", w.argument))
    case = moderation.case_of(item("argument", w.argument))
    login_as(w.chair)
    page = text_of(client.get(f"/moderation/cases/{case.id}"))
    assert "HIDDEN-WORDS" in page and plain(page).count("Reader") == 0  # the reporters are members made anew
    response = client.post(f"/moderation/cases/{case.id}/hide", data={"reason": "يشتم جاراً"})
    assert response.status_code == 303
    login_as(w.author)
    demand = text_of(client.get(f"/demands/{w.proposal.id}"))
    assert "HIDDEN-WORDS" not in demand and "يشتم جاراً" in demand and "/moderation/argument/" in demand
    to_case = client.get(f"/moderation/argument/{w.argument.id}")
    assert to_case.status_code == 303 and to_case.headers["Location"] == f"/moderation/cases/{case.id}"
    mine = text_of(client.get(f"/moderation/cases/{case.id}"))
    assert "يشتم جاراً" in mine and "Reports" not in mine  # never who reported it
    response = client.post(f"/moderation/cases/{case.id}/appeal", data={"text": "It was criticism."})
    assert flashes(client, response)[0].startswith("Your appeal is sent")
    appeal = _db.session.scalars(select(Appeal)).one()
    assert appeal.assignee_id == w.second.id
    assert client.get(f"/moderation/cases/{case.id}/appeal").status_code == 403  # once


def test_only_the_assigned_member_decides_the_appeal(client, login_as, w):
    case = make_hidden(item("argument", w.argument), w.chair)
    appeal = moderation.appeal(w.author, case, "راجعوا")
    _db.session.commit()
    login_as(w.chair)
    assert client.get(f"/moderation/appeals/{appeal.id}/decide").status_code == 403
    login_as(w.second)
    response = client.post(f"/moderation/appeals/{appeal.id}/decide", data={"decision": "granted", "reason": ""})
    assert response.status_code == 200 and "يُرجى ذكر السبب" in text_of(response)
    response = client.post(f"/moderation/appeals/{appeal.id}/decide",
                           data={"decision": "granted", "reason": "نقد مقبول"})
    assert response.status_code == 303
    assert _db.session.get(Argument, w.argument.id).status == "visible"


def test_a_case_is_nobody_elses_business(client, login_as, w):
    case = make_hidden(item("argument", w.argument), w.chair)
    login_as(w.reader)
    assert client.get(f"/moderation/cases/{case.id}").status_code == 404
    assert client.get(f"/moderation/argument/{w.argument.id}").status_code == 404
    login_as(make_committee(make_community()))
    assert client.get(f"/moderation/cases/{case.id}").status_code == 404
    assert client.post(f"/moderation/cases/{case.id}/restore", data={"reason": "x"}).status_code == 404


@pytest.mark.parametrize("kind", ["proposal", "amendment", "minutes", "user"])
def test_the_committee_hides_each_kind_with_a_reason(client, login_as, w, kind):
    if kind == "proposal":
        target = w.proposal
    elif kind == "amendment":
        target = make_amendment(w.proposal)
    elif kind == "minutes":
        target = make_meeting(w.community, starts_in_hours=-3)
        target.minutes, target.minutes_posted_at = "محضر", target.starts_at
    else:
        target = w.author
    _db.session.commit()
    login_as(w.chair)
    url = f"/communities/{w.community.slug}/hide/{kind}/{target.id}"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"reason": ""}).status_code == 200
    response = client.post(url, data={"reason": "سبب واضح"})
    assert response.status_code == 303
    case = _db.session.scalars(select(ModerationCase)).one()
    assert (case.subject_type, case.status, case.reason) == (kind, "hidden", "سبب واضح")
    assert client.get(url).status_code == 403  # hidden already


def test_blocking_and_lifting_through_the_pages(client, login_as, w):
    login_as(w.chair)
    url = f"/communities/{w.community.slug}/people/{w.author.id}/block"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"period": "forever", "reason": "رسائل مزعجة"})
    assert bad.status_code == 200 and "رسائل مزعجة" in text_of(bad)
    assert client.post(url, data={"period": "30", "reason": "رسائل مزعجة"}).status_code == 303
    block = _db.session.scalars(select(Block)).one()
    login_as(w.author)
    page = text_of(client.get(f"/communities/{w.community.slug}"))
    assert "رسائل مزعجة" in page and "until" in page
    demand = text_of(client.get(f"/demands/{w.proposal.id}"))
    assert "رسائل مزعجة" in demand
    assert client.post(f"/demands/{w.proposal.id}/arguments", data={"stance": "for", "body": "x"}).status_code == 403
    login_as(w.chair)
    assert client.get(f"/communities/{w.community.slug}/people/{w.second.id}/block").status_code == 403
    assert client.post(f"/moderation/blocks/{block.id}/lift", data={"reason": "اعتذر"}).status_code == 303
    assert community_rules.active_block(w.author, w.community) is None


def test_the_rules_form_keeps_what_was_typed_and_explains_errors(client, login_as, w):
    login_as(w.chair)
    url = f"/communities/{w.community.slug}/moderation/rules"
    response = client.post(url, data={"report_threshold": "0", "hold_account_days": "٧", "hold_words": "كلمة"})
    html = text_of(response)
    assert response.status_code == 200 and "كلمة" in html and "أدخل رقماً بين ١ و١٠٠" in html
    response = client.post(url, data={"report_threshold": "٥", "hold_account_days": "٧", "hold_links": "y",
                                      "hold_words": "كلمة"})
    assert response.status_code == 303
    rules = moderation.rules_of(w.community)
    assert (rules.report_threshold, rules.hold_account_days, rules.hold_links, rules.words) == (5, 7, True, ["كلمة"])


def test_a_held_argument_is_announced_to_its_author_and_published_by_the_committee(client, login_as, w):
    moderation.update_rules(w.chair, w.community, report_threshold=3, hold_account_days=0, hold_links=True,
                            hold_words="")
    _db.session.commit()
    login_as(w.reader)
    response = client.post(f"/demands/{w.proposal.id}/arguments",
                           data={"stance": "for", "body": "see https://example.org/pump"})
    assert flashes(client, response)[0].startswith("Thank you. The committee reviews it")
    held = _db.session.scalars(select(Argument).where(Argument.status == "held")).one()
    login_as(make_member(w.community))
    assert "example.org/pump" not in text_of(client.get(f"/demands/{w.proposal.id}"))
    login_as(w.chair)
    assert "example.org/pump" in text_of(client.get(f"/communities/{w.community.slug}/moderation"))
    assert client.post(f"/moderation/held/{held.id}/approve").status_code == 303
    login_as(make_member(w.community))
    assert "example.org/pump" in text_of(client.get(f"/demands/{w.proposal.id}"))


def test_the_public_log_needs_no_sign_in_and_shows_no_hidden_text(client, w):
    make_hidden(item("argument", w.argument), w.chair, "Insulting a neighbour")
    html = text_of(client.get(f"/communities/{w.community.slug}/moderation/log",
                              headers={"Accept-Language": "en"}))
    assert "A committee member hid content (an argument): Insulting a neighbour" in plain(html)
    assert "HIDDEN-WORDS" not in html and w.chair.display_name not in html and w.author.display_name not in html
    assert client.get(f"/communities/{w.community.slug}/moderation/log?page=0").status_code == 400


def test_a_member_asks_for_an_identity_check(client, login_as, w):
    login_as(w.reader)
    response = client.post(f"/communities/{w.community.slug}/verification", data={"note": "Thursday morning"})
    assert response.status_code == 303
    page = plain(text_of(client.get(f"/communities/{w.community.slug}")))
    assert "You asked the committee to verify your identity in person on" in page
    assert client.post(f"/communities/{w.community.slug}/verification", data={}).status_code == 403
    login_as(w.chair)
    assert "Thursday morning" in text_of(client.get(f"/communities/{w.community.slug}/members"))
