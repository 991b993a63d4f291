"""Co-signing in a real browser, on the demo's open demand of al-midan (which its demo members signed):

A visitor registers and signs in one form → the count does not move → they open the emailed link and confirm →
the count rises by one and their name appears; Salma (committee) opens "Paper signatures" from the demand,
enters a sheet of 3 signers with its scan → the total rises by 3 and the page shows the paper count.
Youssef, not yet a member, joins in one click from the demand, signs and withdraws, with JavaScript (htmx
swaps the box) and without (plain form posts).

Assertions go by URLs, form actions, element structure and the JSON count; visible texts are compared with
the app's own Arabic catalogue (`said()`), so they hold whether or not a string is translated yet.
"""
import re

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

import tests.e2e.test_journey as first_visit
from civicvoice import demo
from civicvoice.accounts import services as accounts
from civicvoice.extensions import db
from civicvoice.i18n import format_number
from civicvoice.proposals.models import Proposal
from civicvoice.signatures.models import PaperBatch, Signature

pytestmark = pytest.mark.e2e

COMMUNITY = "al-midan"
DEMAND = "إصلاح سقف مدرسة البنات في الميدان"  # open for signatures in the demo data
SALMA, YOUSSEF = "salma@civicvoice.example", "youssef@civicvoice.example"  # Youssef: not in al-midan

VISITOR_NAME = "هدى السمان"
VISITOR_EMAIL = "huda@example.org"
VISITOR_PASSWORD = "سقف المدرسة يحتاج إصلاحاً قبل الشتاء"
WHY = "ابنتي تدرس في الطابق الثاني."
SHEET = ["خديجة النوري، حارة الجامع، 0944123456",
         "محمود الشامي، الميدان الفوقاني",
         "رامي العبد الله، باب مصلى، ٠٩٣٣٢٢٢١١١"]


def said(live_server, message: str, **numbers) -> str:
    """`message` as an Arabic page shows it, numbers in Arabic-Indic digits."""
    with live_server.app.test_request_context(), force_locale("ar"):
        return gettext(message, **{name: format_number(n) for name, n in numbers.items()})


def demand_id(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(Proposal.id).where(Proposal.title == DEMAND))


def count(page, proposal_id) -> dict:
    response = page.request.get(f"/demands/{proposal_id}/count.json")
    assert response.status == 200
    return response.json()


def box(page):
    return page.locator("#signatures")


def progress(page) -> int:
    return int(box(page).locator("progress").get_attribute("value"))


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(1)


def open_demand(page, proposal_id: int) -> None:
    """From the community's page, through its list of demands, to the demand."""
    page.goto(f"/communities/{COMMUNITY}")
    page.locator(f"main a[href='/communities/{COMMUNITY}/demands']").first.click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands$"))
    page.locator(f"main a[href='/demands/{proposal_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(page.locator("main h1")).to_have_text(DEMAND)


def make_jpeg(path):
    Image.new("RGB", (64, 48), (235, 235, 225)).save(path, "JPEG")
    return path


def test_register_and_sign_confirm_then_paper_batch(live_server, new_page, tmp_path):
    proposal_id = demand_id(live_server)

    # A visitor opens the published demand.
    visitor = new_page()
    open_demand(visitor, proposal_id)
    before = count(visitor, proposal_id)
    assert before["total"] == before["online"] + before["paper"] and before["total"] < before["goal"] - 4
    assert progress(visitor) == before["total"]
    expect(box(visitor).locator(f"form[action='/demands/{proposal_id}/sign']")).to_have_count(0)

    # "Register and sign in one step": the form is folded in a <details> until asked for.
    register = box(visitor).locator(f"form[action='/demands/{proposal_id}/sign/register']")
    expect(register).to_be_hidden()
    box(visitor).locator("details > summary").click()
    expect(register).to_be_visible()
    register.locator("#display_name").fill(VISITOR_NAME)
    register.locator("#email").fill(VISITOR_EMAIL)
    register.locator("#password").fill(VISITOR_PASSWORD)
    register.locator("input[name=visibility][value=public]").check()
    register.locator("#comment").fill(WHY)
    register.locator("button[type=submit]").click()
    expect(visitor).to_have_url(re.compile(r"/register/check-email$"))

    # Pending until the address is confirmed: the count does not rise, the name is not shown.
    assert count(visitor, proposal_id) == before
    visitor.goto(f"/demands/{proposal_id}")
    assert progress(visitor) == before["total"]
    expect(box(visitor)).not_to_contain_text(VISITOR_NAME)

    # The emailed link, then the confirmation button: the signature counts.
    visitor.goto(first_visit.verification_url(live_server, VISITOR_EMAIL))
    visitor.locator("main form[action^='/account/verify/'] button[type=submit]").click()
    expect(visitor).to_have_url(re.compile(r"/login$"))
    expect(visitor.locator("ul.flash li.success")).to_contain_text(
        [said(live_server, "Thank you: your email address is verified."),
         said(live_server, "Your signature now counts.")])
    confirmed = {**before, "online": before["online"] + 1, "total": before["total"] + 1}
    assert count(visitor, proposal_id) == confirmed
    visitor.goto(f"/demands/{proposal_id}")
    assert progress(visitor) == confirmed["total"]
    newest = box(visitor).locator("ul.list li").first  # the latest public signers, newest first
    expect(newest).to_contain_text(VISITOR_NAME)
    expect(newest).to_contain_text(WHY)

    # Salma (committee) enters a signed sheet from the demand page's "Paper signatures".
    scan = make_jpeg(tmp_path / "ورقة-التواقيع.jpg")
    salma = new_page()
    sign_in(salma, SALMA)
    open_demand(salma, proposal_id)
    box(salma).locator(f"a[href='/demands/{proposal_id}/paper']").click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}/paper$"))
    sheet = salma.locator("main form[enctype='multipart/form-data']")
    expect(sheet.locator("#collected_on")).not_to_have_value("")  # today, by default
    sheet.locator("#centre").select_option(label=demo.COMMUNITIES[0]["centres"][0]["name"])
    sheet.locator("#scan").set_input_files(str(scan))
    sheet.locator("#rows").fill("\n".join(SHEET))
    with salma.expect_navigation():
        sheet.locator("button[type=submit]").click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}/paper$"))
    expect(salma.locator("ul.flash li.success")).to_have_count(1)
    entered = salma.locator("main table tbody tr")
    expect(entered).to_have_count(3)
    for line in SHEET:
        expect(salma.locator("main table")).to_contain_text(line.split("،")[0])
    expect(salma.locator("main table")).not_to_contain_text("0944123456")  # phones: site admins only
    expect(entered.locator(f"a[href^='/demands/{proposal_id}/paper/']")).to_have_count(3)  # the sheet's scan

    # The total rose by 3; the demand page shows the paper count.
    after = {**confirmed, "paper": confirmed["paper"] + 3, "total": confirmed["total"] + 3}
    assert count(salma, proposal_id) == after
    salma.locator(f"main a[href='/demands/{proposal_id}']").first.click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(box(salma).locator("p.meta").first).to_have_text(
        said(live_server, "Online: %(online)s · On paper: %(paper)s",
             online=after["online"], paper=after["paper"]))
    assert progress(salma) == after["total"]
    visitor.goto(f"/demands/{proposal_id}")
    assert progress(visitor) == after["total"]
    expect(box(visitor)).not_to_contain_text(SHEET[0].split("،")[0])  # paper names never public

    with live_server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.signature_count, proposal.online_count, proposal.paper_count) == (
            after["total"], after["online"], after["paper"])
        signer = accounts.find_by_email(VISITOR_EMAIL)
        signature = db.session.scalar(select(Signature).where(Signature.user_id == signer.id))
        assert (signature.status, signature.visibility, signature.comment) == ("confirmed", "public", WHY)
        batch = db.session.scalar(select(PaperBatch).where(PaperBatch.proposal_id == proposal_id))
        assert batch.scan_type == "image/jpeg" and batch.centre is not None
        phones = db.session.scalars(select(Signature.phone).where(Signature.batch_id == batch.id)
                                    .order_by(Signature.id)).all()
        assert phones == ["0944123456", None, "0933222111"]  # Arabic-Indic digits stored as ASCII


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_non_member_joins_signs_and_withdraws(live_server, new_page, javascript):
    """Joining is one click from the demand; the htmx box swaps in place with JavaScript, and is a plain
    form post (303 back to the demand) without."""
    proposal_id = demand_id(live_server)
    page = new_page(java_script_enabled=javascript)
    sign_in(page, YOUSSEF)
    open_demand(page, proposal_id)
    before = count(page, proposal_id)

    # Not a member of al-midan: asked to join first, one click for an open community.
    expect(box(page).locator(f"form[action='/demands/{proposal_id}/sign']")).to_have_count(0)
    box(page).locator(f"form[action='/communities/{COMMUNITY}/join'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}$"))
    open_demand(page, proposal_id)

    sign = box(page).locator(f"form[action='/demands/{proposal_id}/sign']")
    expect(sign).to_have_count(1)
    if javascript:
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate("() => { window.e2eSamePage = true }")  # lost if the browser loads a new page
    sign.locator("input[name=visibility][value=letter_only]").check()
    sign.locator("button[type=submit]").click()
    expect(box(page).locator(f"form[action='/demands/{proposal_id}/signature/withdraw']")).to_have_count(1)
    expect(box(page).locator(f"form[action='/demands/{proposal_id}/sign']")).to_have_count(0)
    assert progress(page) == before["total"] + 1
    signed = {**before, "online": before["online"] + 1, "total": before["total"] + 1}
    assert count(page, proposal_id) == signed
    if javascript:
        assert page.evaluate("() => window.e2eSamePage === true"), "htmx should swap the box, not reload"
    else:
        expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}#signatures$"))  # back to the box
        expect(page.locator("ul.flash li.success")).to_have_text(said(live_server, "Thank you for signing."))
    name = dict((email, name) for email, name, _locale, _admin in demo.PEOPLE)[YOUSSEF]
    expect(box(page)).not_to_contain_text(name)  # "letter only": not among the public signers

    # Withdraw, from the folded "change or withdraw" part of the box.
    box(page).locator("details > summary").click()
    box(page).locator(f"form[action='/demands/{proposal_id}/signature/withdraw'] button[type=submit]").click()
    expect(box(page).locator(f"form[action='/demands/{proposal_id}/sign']")).to_have_count(1)
    assert progress(page) == before["total"]
    assert count(page, proposal_id) == before
    if javascript:
        assert page.evaluate("() => window.e2eSamePage === true")
    else:
        withdrawn = said(live_server, "Your signature was withdrawn.")
        expect(page.locator("ul.flash li.success")).to_have_text(withdrawn)

    with live_server.app.app_context():
        youssef = accounts.find_by_email(YOUSSEF)
        assert db.session.scalar(select(db.func.count(Signature.id)).where(
            Signature.user_id == youssef.id, Signature.proposal_id == proposal_id)) == 0
