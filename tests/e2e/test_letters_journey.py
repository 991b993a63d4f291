"""The letter to the council, in a real browser, with the demo's committee of al-midan (Salma and Omar):

Four eyes and sending. Salma opens a demand the community adopted → "Write the letter" → makes the draft in
Arabic → lands on the edit page (filled from the demand and its council), adds the official's title and the Hijri
date, saves → the letter page says another member must approve it, and offers her no approval → she signs out;
Omar signs in, opens the letter from the demand and approves it (frozen, verification code) → he downloads the
PDF from the letter page → Salma signs back in and emails it to the council → the demand is "sent to the council" → the council's
mail (read back from the outbox's .eml files) carries that very PDF → a visitor types the code on /verify (as
someone copies it from paper), uploads the downloaded PDF and is told it is the letter as issued; a changed copy
is refused.

The demo's letter on a phone. Omar approves the letter Salma drafted in the demo; its letter page and its
verification page fit a 390px phone in Arabic (right to left). Set CIVICVOICE_E2E_SHOTS=<dir> to keep the
screenshots.

Assertions go by URLs, form actions, ids and page structure; visible texts are compared with the app's own
catalogue (`said()`), so they hold whether or not a string is translated yet.
"""
import email
import email.policy
import hashlib
import os
import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from civicvoice import demo
from civicvoice.accounts import services as accounts
from civicvoice.communities import services as communities
from civicvoice.communities.models import Council
from civicvoice.extensions import db
from civicvoice.i18n import format_number, ltr_text
from civicvoice.letters import services as letters
from civicvoice.letters.models import STATUS_LABELS
from civicvoice.proposals.models import Proposal
from civicvoice.proposals.states import LABELS
from tests import factories

pytestmark = pytest.mark.e2e

COMMUNITY = "al-midan"
SALMA, OMAR = "salma@civicvoice.example", "omar@civicvoice.example"  # the demo's committee of al-midan
TITLE = "إنارة شارع المدرسة من الجامع إلى الساحة"
LETTER_ONLY_NAME = "نور الهدى Khatib"  # a paper signer: named in the letter's annex, never on a public page
OFFICIAL = "السيد رئيس المجلس"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def said(live_server, message, lang: str = "ar", **variables) -> str:
    """`message` (or a lazy label of the app) as a page in `lang` shows it, translated if the catalogue has it."""
    with live_server.app.test_request_context(), force_locale(lang):
        if not isinstance(message, str):
            return str(message)
        return gettext(message, **{name: format_number(v) if isinstance(v, int) else str(v)
                                   for name, v in variables.items()})


def click_and_load(page, locator) -> None:
    """Click a button that posts and wait for the page it leads to (which may have the same URL)."""
    with page.expect_navigation():
        locator.click()


def sign_in(page, email_address: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email_address)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(1)


def sign_out(page) -> None:
    page.locator("header.site-header form[action='/logout'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(0)


def expect_language(page, lang: str, direction: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", direction)


def flash(page):
    return page.locator("ul.flash li.success")


def letter_box(page):
    """The demand page's box about its letter."""
    return page.locator("section[aria-labelledby=letter-title]")


def status_tag(page):
    return page.locator("main p.meta span.tag").first


def shot(page, name: str) -> None:
    """A screenshot to look at, when CIVICVOICE_E2E_SHOTS names a directory (never in the repository)."""
    shots = os.environ.get("CIVICVOICE_E2E_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)


def expect_no_sideways_scroll(page) -> None:
    """Nothing widens the page past the phone's screen."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
    too_wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('.table-scroll'))
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width && (r.left < -1 || r.right > innerWidth + 1); })
        .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")
    assert not too_wide, f"outside the screen: {too_wide}"


def mails_to(live_server, to: str) -> list:
    """The messages to `to` in the live server's outbox (.eml files), oldest first."""
    found = []
    for path in live_server.outbox_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            found.append((path.stat().st_mtime_ns, message))
    return [message for _time, message in sorted(found, key=lambda pair: pair[0])]


@pytest.fixture
def adopted(live_server):
    """A demand of al-midan adopted by the community, addressed to the demo council (which has a contact email),
    signed online by two new members and on paper by two people."""
    with live_server.app.app_context():
        community = communities.by_slug(COMMUNITY)
        council = db.session.scalar(select(Council).where(Council.name == demo.COUNCIL["name"]))
        assert council.contact_email
        assert {m.user.email for m in communities.committee(community)} == {SALMA, OMAR}
        proposal = factories.make_adopted(community, council=council, signers=2, title=TITLE,
                                          paper=((LETTER_ONLY_NAME, "حارة الجامع", ""),
                                                 ("عبد الله الشامي", "باب مصلى", "")))
        db.session.commit()
        assert (proposal.status, proposal.signature_count) == ("adopted", 4)
        return proposal.id, council.contact_email


def test_draft_four_eyes_approval_email_and_verification(live_server, new_page, adopted, tmp_path):
    proposal_id, council_email = adopted
    letter_url = f"/demands/{proposal_id}/letter"

    # Salma (committee) opens the adopted demand: the committee can write the letter.
    page = new_page()
    sign_in(page, SALMA)
    page.goto(f"/demands/{proposal_id}")
    expect_language(page, "ar", "rtl")
    expect(status_tag(page)).to_have_text(said(live_server, LABELS["adopted"]))
    write = letter_box(page).locator(f"a[href='{letter_url}']")
    expect(write).to_have_text(said(live_server, "Write the letter"))
    write.click()
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    create = page.locator(f"main form[method=post][action='{letter_url}']")
    expect(create.locator("input[name=language][value=ar]")).to_be_checked()  # Arabic first
    click_and_load(page, create.locator("button[type=submit]"))

    # The draft is made and numbered after the demo's letter (MDN/<year>/001): she lands on its edit page.
    expect(page).to_have_url(re.compile(rf"{letter_url}/edit$"))
    with live_server.app.app_context():
        letter = letters.of(db.session.get(Proposal, proposal_id))
        reference, year = letter.reference, letter.year
    assert reference == f"MDN/{year}/002"
    expect(flash(page)).to_have_text(said(
        live_server, "The draft letter %(reference)s is ready: check it, then ask another committee member to "
                     "approve it.", reference=ltr_text(reference)))
    form = page.locator("main form[method=post]:has(#subject)")
    expect(form.locator("#subject")).to_have_value(TITLE)
    expect(form.locator("#recipient_name")).to_have_value(demo.COUNCIL["name"])
    expect(form.locator("#recipient_address")).to_have_value(demo.COUNCIL["postal_address"])
    expect(form.locator("#signatories")).to_have_value(re.compile(r"^سلمى الحسن \|.*\nعمر الخطيب \|"))  # the committee
    form.locator("#recipient_title").fill(OFFICIAL)
    form.locator("#show_hijri").check()
    click_and_load(page, form.locator("button[type=submit]"))

    # The letter page: a draft Salma drafted, so someone else must approve it.
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    expect(flash(page)).to_have_text(said(live_server, "The draft is saved."))
    expect(page.locator("main h1")).to_contain_text(reference)
    expect(page.locator("#letter-status")).to_have_text(said(live_server, STATUS_LABELS["draft"]))
    actions = page.locator("section[aria-labelledby=letter-actions]")
    expect(actions.locator("p.notice")).to_have_text(
        said(live_server, "Another committee member must approve this version: you drafted it."))
    expect(page.locator(f"main form[action='{letter_url}/approve']")).to_have_count(0)
    expect(page.locator(f"main form[action='{letter_url}/send-email']")).to_have_count(0)
    with live_server.app.app_context():
        version = letters.of(db.session.get(Proposal, proposal_id)).current
        assert (version.recipient_title, version.show_hijri, version.approved_at) == (OFFICIAL, True, None)

    # Salma signs out; Omar, the other committee member, signs in and opens the letter from the demand.
    sign_out(page)
    sign_in(page, OMAR)
    page.goto(f"/demands/{proposal_id}")
    expect(letter_box(page)).to_contain_text(reference)
    letter_box(page).locator(f"a[href='{letter_url}']").click()
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    approve = page.locator(f"main form[action='{letter_url}/approve'] button[type=submit]")
    expect(approve).to_have_text(said(live_server, "Approve this version"))
    click_and_load(page, approve)

    # Approved and frozen, with its verification code; it can be sent now.
    with live_server.app.app_context():
        letter = letters.of(db.session.get(Proposal, proposal_id))
        issued = letter.issued
        code, sha256, pages = issued.verification_code, issued.pdf_sha256, issued.pdf_pages
        omar_id = accounts.find_by_email(OMAR).id
        assert (letter.status, issued.number, issued.approved_by_id) == ("approved", 1, omar_id)
    assert CODE.fullmatch(code)
    expect(flash(page)).to_have_text(said(
        live_server, "Version %(n)s is approved and frozen. Verification code: %(code)s.", n=1,
        code=ltr_text(code)))
    expect(page.locator("#letter-status")).to_have_text(said(live_server, STATUS_LABELS["approved"]))
    expect(page.locator(f"main a[href='/verify/{code}']")).to_have_text(code)

    # Omar downloads the PDF from the letter page: the issued file, byte for byte.
    with page.expect_download() as downloading:
        page.locator(f"main a[href='{letter_url}.pdf']").click()
    download = downloading.value
    assert download.suggested_filename == f"MDN-{year}-002.pdf"
    downloaded = tmp_path / download.suggested_filename
    download.save_as(downloaded)
    pdf = downloaded.read_bytes()
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == sha256 and pages >= 2  # with the annex

    # Omar signs out; Salma, who drafted it, emails it to the council: the demand is sent, its response time starts.
    sign_out(page)
    sign_in(page, SALMA)
    page.goto(letter_url)
    send = page.locator(f"main form[action='{letter_url}/send-email'] button[type=submit]")
    expect(send).to_have_text(said(live_server, "Email the letter to the council"))
    click_and_load(page, send)
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    expect(flash(page)).to_have_text(said(
        live_server, "The letter is emailed to %(address)s. The council's response time starts today; the "
                     "co-signers are told.", address=ltr_text(council_email)))
    expect(page.locator("#letter-status")).to_have_text(said(live_server, STATUS_LABELS["sent"]))
    expect(page.locator(f"main form[action='{letter_url}/send-email']")).to_have_count(0)  # sent once
    page.goto(f"/demands/{proposal_id}")
    expect(status_tag(page)).to_have_text(said(live_server, LABELS["submitted"]))
    expect(letter_box(page).locator(f"a[href='/verify/{code}']")).to_have_count(1)

    # The council's mail carries the very PDF as an attachment.
    [mail] = mails_to(live_server, council_email)
    assert reference in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{live_server.url}/verify/{code}" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"MDN-{year}-002.pdf"
    assert attachment.get_content() == pdf

    # Whoever holds the PDF checks it: a visitor types the code as read from paper (lower case, spaces).
    visitor = new_page()
    visitor.goto("/verify")
    expect_language(visitor, "ar", "rtl")
    lookup = visitor.locator("main form[method=get][action='/verify']")
    lookup.locator("#code").fill(code.lower().replace("-", " "))
    lookup.locator("button[type=submit]").click()
    expect(visitor).to_have_url(re.compile(rf"/verify/{code}$"))
    expect(visitor.locator("main h1")).to_contain_text(reference)
    facts = visitor.locator("main dl.facts")
    expect(facts.locator("code.hash")).to_have_text(sha256)
    expect(facts).to_contain_text(said(live_server, LABELS["submitted"]))
    expect(visitor.locator("main")).not_to_contain_text(LETTER_ONLY_NAME)  # counts only, no names
    check = visitor.locator("main form[method=post][enctype='multipart/form-data']")
    check.locator("#pdf").set_input_files(str(downloaded))
    click_and_load(visitor, check.locator("button[type=submit]"))
    expect(visitor.locator("main p.notice--success[role=status]")).to_have_text(
        said(live_server, "This file is exactly the letter as issued."))

    # A copy changed by one byte is not the letter.
    changed = pdf[:-2] + bytes([pdf[-2] ^ 1]) + pdf[-1:]
    check.locator("#pdf").set_input_files(
        files=[{"name": downloaded.name, "mimeType": "application/pdf", "buffer": changed}])
    click_and_load(visitor, check.locator("button[type=submit]"))
    expect(visitor.locator("main p.notice[role=alert]")).to_have_text(said(
        live_server, "This file is NOT the letter as issued: it was changed, or it is another letter."))
    expect(visitor.locator("main p.notice--success[role=status]")).to_have_count(0)


def test_the_demo_letter_approved_by_omar_on_a_phone(live_server, new_page):
    """The demo's draft (drafted by Salma) is Omar's to approve; the letter and verification pages fit a phone."""
    with live_server.app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == demo.ADOPTED["title"]))
        letter = letters.of(proposal)
        assert (proposal.status, letter.status, letter.current.drafted_by.email) == ("adopted", "draft",
                                                                                       demo.LETTER["drafted_by"])
        proposal_id, reference = proposal.id, letter.reference
    assert demo.LETTER["approver"] == OMAR
    letter_url = f"/demands/{proposal_id}/letter"

    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, OMAR)
    page.goto(f"/demands/{proposal_id}")
    letter_box(page).locator(f"a[href='{letter_url}']").click()
    expect(page).to_have_url(re.compile(rf"{letter_url}$"))
    expect_language(page, "ar", "rtl")
    expect(page.locator("main h1")).to_contain_text(reference)
    shot(page, "letter-draft-ar-390")
    expect_no_sideways_scroll(page)
    click_and_load(page, page.locator(f"main form[action='{letter_url}/approve'] button[type=submit]"))
    expect(page.locator("#letter-status")).to_have_text(said(live_server, STATUS_LABELS["approved"]))
    shot(page, "letter-approved-ar-390")
    expect_no_sideways_scroll(page)

    with live_server.app.app_context():
        code = letters.of(db.session.get(Proposal, proposal_id)).issued.verification_code
    visitor = new_page(viewport={"width": 390, "height": 844})
    visitor.goto(f"/verify/{code}")
    expect_language(visitor, "ar", "rtl")
    expect(visitor.locator("main code.hash")).to_have_count(1)
    shot(visitor, "verify-ar-390")
    expect_no_sideways_scroll(visitor)
