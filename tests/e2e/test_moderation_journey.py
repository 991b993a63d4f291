"""Moderation in a real browser, with the demo's people of al-midan:

Karim argues on Omar's open demand → three residents report the argument, each from their own browser (one on a
phone without JavaScript) → after the third report the argument is hidden, pending review → Salma (committee) finds
it from her dashboard in the moderation queue and keeps it hidden, with a reason → Karim reads why in his
notifications and appeals → the appeal goes to Omar, the other committee member → a visitor reads the public
moderation log: the action and its reason, never the hidden text nor anyone's name. Last, the queue at phone
width must not scroll sideways.
"""
import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from civicvoice import demo
from civicvoice.accounts import services as accounts
from civicvoice.communities import services as communities
from civicvoice.extensions import db
from civicvoice.moderation.models import Appeal, ModerationCase
from civicvoice.moderation.models import KIND_LABELS
from tests import factories

pytestmark = pytest.mark.e2e

COMMUNITY = "al-midan"
SALMA, OMAR = "salma@civicvoice.example", "omar@civicvoice.example"
KARIM, KARIM_NAME = "karim@example.org", "كريم الناصر"
REPORTERS = [("rana@example.org", "رنا"), ("fadi@example.org", "فادي"), ("nour@example.org", "نور")]
INSULT = "HIDDEN-TEXT: هذا الجار كاذب ولص ولا يستحق أن يعيش في الحي."
REASON = "شتيمة لجار باسمه: لا مكان لها في النقاش."
APPEAL = "لم أقصد الإساءة، كنت غاضباً من انقطاع الماء. أعتذر وأطلب إعادة النظر."


def said(live_server, message, lang: str = "ar", **variables) -> str:
    with live_server.app.test_request_context(), force_locale(lang):
        return gettext(message, **{k: str(v) for k, v in variables.items()})


def flat(text: str) -> str:
    return " ".join(text.replace("\u2068", "").replace("\u2069", "").split())


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def expect_no_sideways_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"


@pytest.fixture
def argument(live_server):
    """Karim's argument on Omar's open demand of al-midan, and three more residents who are members there."""
    with live_server.app.app_context():
        community = communities.by_slug(COMMUNITY)
        karim = factories.make_member(community, factories.make_user(KARIM_NAME, KARIM,
                                                                     password=demo.DEMO_PASSWORD))
        for email, name in REPORTERS:
            factories.make_member(community, factories.make_user(name, email, password=demo.DEMO_PASSWORD))
        proposal = factories.make_proposal(community, accounts.find_by_email(OMAR), status="open",
                                           title="إصلاح مضخة المياه في حارة الجامع")
        posted = factories.make_argument(proposal, karim, stance="against", body=INSULT)
        return {"proposal": proposal.id, "argument": posted.id}


def report(page, live_server, ids, reason="offensive") -> None:
    page.goto(f"/demands/{ids['proposal']}")
    page.locator(f"#argument-{ids['argument']} a[href='/communities/{COMMUNITY}/report/argument/"
                 f"{ids['argument']}']").click()
    expect(page).to_have_url(re.compile(rf"/report/argument/{ids['argument']}$"))
    page.locator(f"input[name=reason][value={reason}]").check()
    page.locator("textarea[name=comment]").fill("يشتم جاراً باسمه")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/demands/{ids['proposal']}#argument-{ids['argument']}$"))
    expect(page.locator("ul.flash li.success")).to_have_text(
        said(live_server, "Thank you: the committee will look at your report."))


def test_reports_hide_an_argument_the_committee_keeps_hidden_and_the_author_appeals(live_server, new_page,
                                                                                   argument):
    ids = argument
    # Three residents report it; the last on a phone without JavaScript.
    for index, (email, _name) in enumerate(REPORTERS):
        options = {"java_script_enabled": False, "viewport": {"width": 390, "height": 844}} if index == 2 else {}
        page = new_page(**options)
        sign_in(page, email)
        report(page, live_server, ids)
        placeholder = page.locator(f"#argument-{ids['argument']} .placeholder")
        if index < 2:
            expect(placeholder).to_have_count(0)
            expect(page.locator(f"#argument-{ids['argument']} .prose")).to_contain_text("HIDDEN-TEXT")
        else:
            expect(placeholder).to_have_text(
                said(live_server, "Hidden after several reports, until the committee reviews it."))
    visitor = new_page()
    visitor.goto(f"/demands/{ids['proposal']}")
    expect(visitor.locator("main")).not_to_contain_text("HIDDEN-TEXT")

    # Salma, from her dashboard, reviews it in the queue and keeps it hidden, with a reason.
    salma = new_page()
    sign_in(salma, SALMA)
    salma.goto(f"/communities/{COMMUNITY}")
    salma.locator(f"main a[href='/communities/{COMMUNITY}/dashboard']").click()
    expect(salma.locator("section[aria-labelledby=moderation-title]")).to_contain_text("١")
    salma.locator(f"main a[href='/communities/{COMMUNITY}/moderation']").first.click()
    # The demo's own report (Samir's advertisement) is older: Karim's argument comes after it.
    reported = salma.locator("section[aria-labelledby=reported-title] > ul.list > li").filter(has_text="HIDDEN-TEXT")
    expect(reported).to_have_count(1)
    expect(reported.locator(".tag--overdue")).to_have_text(said(live_server, "hidden after reports"))
    reported.locator("a[href^='/moderation/cases/']").click()
    case_url = salma.url
    salma.locator("main a[href$='/hide']").click()
    salma.locator("textarea[name=reason]").fill(REASON)
    salma.locator("main form[method=post] button[type=submit]").click()
    expect(salma).to_have_url(case_url)
    expect(salma.locator("ul.flash li.success")).to_have_text(
        said(live_server, "Kept hidden. The author is told why and may appeal."))
    expect(salma.locator("main")).to_contain_text(REASON)

    # Karim is told why, follows his notification to the case and appeals.
    karim = new_page()
    sign_in(karim, KARIM)
    karim.locator("header.site-header a[href='/notifications']").click()
    note = karim.locator("main li.unread a[href^='/moderation/cases/']").first
    expect(note).to_contain_text(REASON)
    note.click()
    expect(karim).to_have_url(case_url)
    expect(karim.locator("main")).to_contain_text(REASON)
    expect(karim.locator("section[aria-labelledby=reports-title]")).to_have_count(0)  # never who reported
    karim.locator("main a[href$='/appeal']").click()
    karim.locator("textarea[name=text]").fill(APPEAL)
    karim.locator("main form[method=post] button[type=submit]").click()
    expect(karim).to_have_url(case_url)
    expect(karim.locator("ul.flash li.success")).to_have_text(
        said(live_server, "Your appeal is sent. Another committee member will decide and tell you."))
    expect(karim.locator("main a[href$='/appeal']")).to_have_count(0)  # once
    with live_server.app.app_context():
        case = db.session.scalars(select(ModerationCase).where(ModerationCase.subject_type == "argument",
                                                               ModerationCase.subject_id == ids["argument"])).one()
        appeal = db.session.scalars(select(Appeal).where(Appeal.case_id == case.id)).one()
        assert appeal.assignee.email == OMAR  # not Salma, who decided
        assert case.status == "hidden"

    # Omar sees the appeal waiting for him.
    omar = new_page()
    sign_in(omar, OMAR)
    omar.goto(case_url)
    expect(omar.locator(f"main a[href='/moderation/appeals/{appeal.id}/decide']")).to_have_count(1)

    # Anyone reads the public log: the action and its reason; no hidden text, no names.
    visitor.goto(f"/communities/{COMMUNITY}")
    visitor.locator(f"main a[href='/communities/{COMMUNITY}/moderation/log']").click()
    entries = [flat(text) for text in visitor.locator("main ul.list > li").all_inner_texts()]
    with live_server.app.test_request_context(), force_locale("ar"):
        kind = str(KIND_LABELS["argument"])
    assert any(flat(said(live_server, "%(who)s hid content (%(kind)s): %(reason)s",
                         who=said(live_server, "A committee member"), kind=kind, reason=REASON)) in entry
               for entry in entries), entries
    assert any(flat(said(live_server, "The author appealed a decision (%(kind)s).", kind=kind)) in entry
               for entry in entries), entries
    log_text = visitor.locator("main").inner_text()
    assert "HIDDEN-TEXT" not in log_text and KARIM_NAME not in log_text
    assert all(name not in log_text for _email, name in REPORTERS)

    # The queue on a phone reads without sideways scrolling.
    phone = new_page(viewport={"width": 360, "height": 740})
    sign_in(phone, OMAR)
    phone.goto(f"/communities/{COMMUNITY}/moderation")
    expect_no_sideways_scroll(phone)
