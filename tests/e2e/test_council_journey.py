"""The council's side, in a real browser: its inbox, its public answers, and residents who say it is not fixed.

The journey. Rana, a responder of a council that counts working days, signs in → opens the council inbox from the
menu → opens the letter a community sent → acknowledges it with the council's registry number → answers
"accepted" → reports the work "resolved" → Huda, who co-signed the demand, signs in, opens it and answers "is it
really fixed?" with "not fixed" and what she saw → the 14 days pass (the settling the daily `flask council
settle-checks` does, run from the test with a clock 15 days on) → the demand is "in progress" again, the council's
letter page shows Huda's contest, and the council's accountability page counts 1 letter received, acknowledged and
answered.

The demo's council on a phone. The demo's responder (staff@) opens the inbox of مجلس مدينة دمشق on a 360px phone:
Ain al-Fijeh's overdue letter and its accepted one, nothing wider than the screen; the council's accountability
page lists the overdue letter. Set CIVICVOICE_E2E_SHOTS=<dir> to keep the screenshots.

Assertions go by URLs, form actions, ids and page structure; visible texts are compared with the app's own
catalogue (`said()`), so they hold whether or not a string is translated yet.
"""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from playwright.sync_api import expect
from sqlalchemy import select

from civicvoice import demo
from civicvoice.communities.models import Council
from civicvoice.council import responses
from civicvoice.council.models import CouncilResponse, ResolutionCheck
from civicvoice.database import utcnow
from civicvoice.extensions import db
from civicvoice.i18n import format_number
from civicvoice.letters import deadlines
from civicvoice.letters.models import Letter
from civicvoice.proposals.models import Proposal
from civicvoice.proposals.states import LABELS
from tests import factories
from tests.e2e.test_letters_journey import (
    click_and_load,
    expect_language,
    expect_no_sideways_scroll,
    flash,
    said,
    shot,
    sign_in,
    sign_out,
    status_tag,
)

pytestmark = pytest.mark.e2e

COUNCIL_NAME = "مجلس بلدة التل"
RESPONDER, RESPONDER_NAME = "rana@tal-council.example", "رنا الديوان"
HUDA, HUDA_NAME = "huda@civicvoice.example.org", "هدى الساكنة"
TITLE = "ترميم جدار المدرسة الإعدادية في الحي الشرقي"
REGISTRY = "2291/و"
ANSWER = "وافق المجلس على ترميم الجدار قبل بداية الفصل الثاني."
RESOLVED = "انتهى ترميم الجدار وطلاؤه، وأزيلت الأنقاض من الباحة."
CONTEST = "الجدار رُمّم من الخارج فقط، والشقوق ما زالت في الصف الثالث."


def number(live_server, value: int) -> str:
    """`value` as an Arabic page writes it."""
    with live_server.app.test_request_context(), force_locale("ar"):
        return format_number(value)


def inbox_link(page):
    return page.locator("header.site-header a[href='/council/inbox']")


def figure(page, label: str):
    """The value beside `label` in the accountability page's figures."""
    return page.locator("section[aria-labelledby=figures-title] dl.figures > div").filter(
        has=page.locator("dt", has_text=re.compile("^" + re.escape(label) + "$"))).locator("dd")


@pytest.fixture
def sent(live_server):
    """A letter sent by email to a new council (30 working days, Friday–Saturday weekend) for a demand Huda and two
    other members co-signed; Rana is the council's responder. Nothing else was ever sent to this council."""
    with live_server.app.app_context():
        council = factories.make_council(COUNCIL_NAME, contact_email="diwan@tal-council.example",
                                         postal_address="التل، ريف دمشق", working_days=True)
        responder = factories.make_user(RESPONDER_NAME, RESPONDER, password=demo.DEMO_PASSWORD)
        factories.make_staff(council, responder, role="responder")
        community = factories.make_community("الحي الشرقي")
        proposal = factories.make_proposal(community, status="open", council=council, title=TITLE)
        huda = factories.make_user(HUDA_NAME, HUDA, password=demo.DEMO_PASSWORD)
        for signer in (huda, None, None):
            factories.make_signature(proposal, signer)
        factories.advance_proposal(proposal, "open_vote")
        factories.advance_proposal(proposal, "adopt")
        letter = factories.make_sent_letter(proposal)
        assert (proposal.status, letter.status, letter.method) == ("submitted", "sent", "email")
        assert letter.response_due_on == deadlines.due_date(council, letter.sent_at)
        return council.id, letter.id, proposal.id


def test_responder_acknowledges_answers_resolves_and_a_cosigner_contest_reopens(live_server, new_page, sent):
    council_id, letter_id, proposal_id = sent
    letter_url = f"/councils/{council_id}/letters/{letter_id}"

    # Rana signs in; the menu leads her to her council's inbox, where the letter waits with its days left.
    page = new_page()
    sign_in(page, RESPONDER)
    expect(inbox_link(page)).to_have_text(said(live_server, "Council inbox"))
    inbox_link(page).click()
    expect(page).to_have_url(re.compile(rf"/councils/{council_id}/inbox$"))
    expect_language(page, "ar", "rtl")
    items = page.locator("main ol.inbox > li")
    expect(items).to_have_count(1)
    expect(items.first.locator("span.tag").first).to_have_text(said(live_server, LABELS["submitted"]))
    expect(items.first.locator("span.tag--due")).to_have_count(1)  # not overdue: days left
    items.first.locator(f"a[href='{letter_url}']").click()

    # The letter, the demand behind it, and the forms: acknowledge with the council's registry number.
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    expect(page.locator("main h1")).to_have_text(TITLE)
    acknowledge = page.locator(f"main form[action='{letter_url}/acknowledge']")
    acknowledge.locator("#registry_number").fill(REGISTRY)
    click_and_load(page, acknowledge.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    expect(flash(page)).to_have_text(said(live_server, "Receipt acknowledged. The residents are told."))
    expect(page.locator("main p.meta span.tag").first).to_have_text(said(live_server, LABELS["acknowledged"]))
    expect(page.locator(f"main form[action='{letter_url}/acknowledge']")).to_have_count(0)  # once
    expect(page.locator("section[aria-labelledby=letter-title]")).to_contain_text(REGISTRY)

    # The public answer: accepted.
    answer = page.locator(f"main form[action='{letter_url}/answer']")
    answer.locator("input[name=decision][value=accepted]").check()
    answer.locator("#body").fill(ANSWER)
    click_and_load(page, answer.locator("button[type=submit]"))
    expect(flash(page)).to_have_text(
        said(live_server, "The answer is published on the demand's page. The residents are told."))
    expect(page.locator(f"main form[action='{letter_url}/answer']")).to_have_count(0)  # one answer per letter
    published = page.locator("section[aria-labelledby=council-answers-title]")
    expect(published).to_contain_text(ANSWER)

    # Later, the work is done: Rana reports it resolved.
    progress = page.locator(f"main form[action='{letter_url}/progress']")
    progress.locator("input[name=stage][value=resolved]").check()
    progress.locator("#body").fill(RESOLVED)
    click_and_load(page, progress.locator("button[type=submit]"))
    expect(flash(page)).to_have_text(
        said(live_server, "The update is published on the demand's page. The residents are told."))
    expect(page.locator("main p.meta span.tag").first).to_have_text(said(live_server, LABELS["resolved"]))
    expect(page.locator("section[aria-labelledby=round-title]")).to_have_count(1)  # the residents are asked
    with live_server.app.app_context():
        letter = db.session.get(Letter, letter_id)
        kinds = [(r.kind, r.decision, r.stage) for r in responses.of(letter.proposal)]
        assert kinds == [("acknowledgement", None, None), ("answer", "accepted", None),
                         ("progress", None, "resolved")]
        assert letter.registry_number == REGISTRY and letter.answer_decision == "accepted"
        assert None not in (letter.acknowledged_at, letter.answered_at, letter.resolved_at)
    sign_out(page)

    # Huda co-signed: she opens the demand, which the council calls resolved, and says it is not fixed.
    sign_in(page, HUDA)
    page.goto(f"/demands/{proposal_id}")
    expect(status_tag(page)).to_have_text(said(live_server, LABELS["resolved"]))
    official = page.locator("section#council-answers")
    expect(official).to_contain_text(ANSWER)
    expect(official).to_contain_text(RESOLVED)
    tell = official.locator(f"#is-it-fixed a[href='/demands/{proposal_id}/is-it-fixed']")
    expect(tell).to_have_text(said(live_server, "Tell us"))
    tell.click()
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}/is-it-fixed$"))
    expect(page.locator("main h1")).to_have_text(said(live_server, "Is it really fixed?"))
    check = page.locator("main form[method=post]:has(input[name=verdict])")
    check.locator("input[name=verdict][value=contest]").check()
    check.locator("#comment").fill(CONTEST)
    click_and_load(page, check.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(flash(page)).to_have_text(
        said(live_server, "Thank you: your answer is counted, and the council will see what you wrote."))
    expect(page.locator("#is-it-fixed")).to_contain_text(said(live_server, "Your answer: %(answer)s.",
                                                              answer=said(live_server, "not fixed")))
    expect(status_tag(page)).to_have_text(said(live_server, LABELS["resolved"]))  # counted, not decided yet

    # The 14 days pass with one contest and no confirmation: the daily settling reopens the demand.
    with live_server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        [(verdict, comment)] = db.session.execute(select(ResolutionCheck.verdict, ResolutionCheck.comment).where(
            ResolutionCheck.proposal_id == proposal_id)).all()
        assert (verdict, comment) == ("contest", CONTEST)
        assert responses.settle(proposal, now=utcnow() + timedelta(days=14) - timedelta(minutes=5)) is None
        assert responses.settle(proposal, now=utcnow() + timedelta(days=15)) is True
        db.session.commit()
        assert proposal.status == "in_progress"
        assert db.session.scalar(select(CouncilResponse.settled_at).where(
            CouncilResponse.proposal_id == proposal_id, CouncilResponse.stage == "resolved")) is not None

    page.reload()
    expect(status_tag(page)).to_have_text(said(live_server, LABELS["in_progress"]))
    expect(page.locator("#is-it-fixed")).to_have_count(0)  # the check is over
    sign_out(page)

    # The council sees what the residents said on its letter page, and can report progress again.
    sign_in(page, RESPONDER)
    page.goto(letter_url)
    expect(page.locator("main p.meta span.tag").first).to_have_text(said(live_server, LABELS["in_progress"]))
    contests = page.locator("section[aria-labelledby=contests-title]")
    expect(contests).to_contain_text(CONTEST)
    expect(contests).to_contain_text(said(live_server, "%(contest)s said it is not fixed, %(confirm)s that it is.",
                                          contest=1, confirm=0))
    expect(page.locator(f"main form[action='{letter_url}/progress']")).to_have_count(1)

    # The council's public accountability page: one letter received, acknowledged and answered, none overdue.
    visitor = new_page()
    visitor.goto(f"/councils/{council_id}/accountability")
    expect_language(visitor, "ar", "rtl")
    expect(visitor.locator("main h1")).to_contain_text(COUNCIL_NAME)
    one, zero = number(live_server, 1), number(live_server, 0)
    expect(figure(visitor, said(live_server, "Letters received"))).to_have_text(one)
    expect(figure(visitor, said(live_server, "Acknowledged"))).to_have_text(one)
    expect(figure(visitor, said(live_server, "Answered"))).to_have_text(one)
    expect(figure(visitor, said(live_server, "Resolved"))).to_have_text(zero)  # reopened: not resolved
    expect(figure(visitor, said(live_server, "Overdue, no answer"))).to_have_text(zero)
    expect(visitor.locator("section[aria-labelledby=overdue-title]")).to_contain_text(
        said(live_server, "No letter is overdue."))
    expect(visitor.locator("section[aria-labelledby=funnel-title] svg")).to_have_count(1)


def test_the_demo_council_inbox_on_a_phone(live_server, new_page):
    """The demo's responder sees Ain al-Fijeh's two letters, the overdue one marked; nothing is wider than 360px."""
    with live_server.app.app_context():
        council = db.session.scalar(select(Council).where(Council.name == demo.COUNCIL["name"]))
        assert council.working_days and council.weekend_days == {4, 5}
        today = deadlines.today(council)
        letters = {letter.proposal.title: letter for letter in db.session.scalars(
            select(Letter).where(Letter.council_id == council.id, Letter.status == "sent"))}
        overdue_spec, accepted_spec = demo.COUNCIL_LETTERS
        assert set(letters) == {overdue_spec["title"], accepted_spec["title"]}
        overdue, accepted = letters[overdue_spec["title"]], letters[accepted_spec["title"]]
        assert deadlines.is_overdue(overdue, today) and overdue.proposal.status == "submitted"
        assert accepted.answer_decision == "accepted" and accepted.proposal.status == "in_progress"
        assert not deadlines.is_overdue(accepted, today)
        council_id, overdue_reference = council.id, overdue.reference

    page = new_page(viewport={"width": 360, "height": 740})
    sign_in(page, demo.RESPONDER)
    inbox_link(page).click()
    expect(page).to_have_url(re.compile(rf"/councils/{council_id}/inbox$"))
    expect_language(page, "ar", "rtl")
    items = page.locator("main ol.inbox > li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(accepted_spec["title"])  # newest first
    expect(items.first.locator("span.tag").last).to_have_text(said(live_server, "answered"))
    expect(items.last).to_contain_text(overdue_spec["title"])
    expect(items.last.locator("span.tag--overdue")).to_have_count(1)
    shot(page, "council-inbox-ar-360")
    expect_no_sideways_scroll(page)

    page.goto(f"/councils/{council_id}/inbox?status=overdue")
    expect(page.locator("main ol.inbox > li")).to_have_count(1)
    expect(page.locator("main ol.inbox > li")).to_contain_text(overdue_reference)

    visitor = new_page(viewport={"width": 360, "height": 740})
    visitor.goto(f"/councils/{council_id}/accountability")
    overdue_list = visitor.locator("section[aria-labelledby=overdue-title] ol > li")
    expect(overdue_list).to_have_count(1)
    expect(overdue_list).to_contain_text(overdue_spec["title"])
    shot(visitor, "council-accountability-ar-360")
    expect_no_sideways_scroll(visitor)
