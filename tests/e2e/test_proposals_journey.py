"""A demand's journey, in a real browser, with the demo's people of al-midan:

Omar drafts (Arabic text, markdown, a photo) and invites Layla → Layla accepts from her notifications and
edits → she submits → Salma (committee) requests changes from the review queue → Omar edits and resubmits →
Salma publishes → a signed-out visitor finds it through the htmx filter and sees its status, authors,
attachment, timeline and the diff of Layla's edit. A short variant drafts and submits with JavaScript off.

Each person has their own browser context (their own device). Assertions go by URLs, form actions and page
structure; visible labels are compared with the app's own Arabic catalogue (`ar()`), so they hold whether or
not a string is translated yet.
"""
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, gettext
from PIL import Image, PngImagePlugin
from playwright.sync_api import expect

from civicvoice import demo
from civicvoice.extensions import db
from civicvoice.proposals.models import Attachment, Proposal, Revision

pytestmark = pytest.mark.e2e

COMMUNITY = "al-midan"
OMAR, LAYLA, SALMA = "omar@civicvoice.example", "layla@civicvoice.example", "salma@civicvoice.example"
NAMES = {email: name for email, name, _locale, _admin in demo.PEOPLE}
COUNCIL = demo.COUNCIL["name"]

TITLE = "إصلاح شبكة المياه في شارع الميدان"
SUMMARY = "انقطاع المياه عن البيوت منذ ثلاثة أسابيع بسبب تسرب في الأنبوب الرئيسي."
SUMMARY_EDITED = "انقطاع المياه عن البيوت منذ أربعة أسابيع بسبب تسرب في الأنبوب الرئيسي."
BODY = """## المشكلة
الماء مقطوع عن **البيوت** في الشارع كله.

- المدرسة الابتدائية
- المستوصف

[صور التسرب](https://example.org/leak)
"""
PLACE = "شارع الميدان الرئيسي، قرب جامع الدقاق"
RESOLUTION = "وصول المياه إلى كل بيوت الشارع بضغط كافٍ لمدة شهر كامل."
RESOLUTION_EDITED = RESOLUTION + "\nوإصلاح الأنبوب الرئيسي بين البيت رقم ١٠ والبيت رقم ٤٠."
REASON = "يرجى تحديد البيوت المتضررة بدقة."
PHOTO = "صورة-التسرب.png"


def ar(live_server, message: str, **variables) -> str:
    """`message` as the Arabic pages show it: translated if the catalogue has it, else the English text."""
    with live_server.app.test_request_context(), force_locale("ar"):
        return gettext(message, **variables)


def make_png(path, secret: str):
    """A small PNG carrying a text chunk, which the app must strip before storing it."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", secret)
    Image.new("RGB", (32, 24), (30, 120, 200)).save(path, "PNG", pnginfo=info)
    return path


def click_and_load(page, locator) -> None:
    """Click a button that posts and wait for the page it leads to (which may have the same URL)."""
    with page.expect_navigation():
        locator.click()


def sign_in(page, email: str) -> None:
    page.goto("/")
    page.locator("header.site-header a[href='/login']").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(1)


def sign_out(page) -> None:
    page.locator("header.site-header form[action='/logout'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header a[href='/login']")).to_have_count(1)
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(0)


def open_community(page) -> None:
    page.locator(f"main a[href='/communities/{COMMUNITY}']").first.click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}$"))


def fill_draft(page, *, title=TITLE, summary=SUMMARY, resolution=RESOLUTION, photo=None) -> None:
    page.locator("#title").fill(title)
    page.locator("#summary").fill(summary)
    page.locator("#body").fill(BODY)
    page.locator("#category").select_option("water_sanitation")
    page.locator("#council_id").select_option(label=COUNCIL)
    page.locator("#place").fill(PLACE)
    page.locator("#resolution").fill(resolution)
    if photo is not None:
        page.locator("#attachments").set_input_files(str(photo))


def save_form(page) -> None:
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()


def demand_id(page) -> int:
    match = re.search(r"/demands/(\d+)$", urlsplit(page.url).path)
    assert match, page.url
    return int(match.group(1))


def press(page, proposal_id: int, action: str) -> None:
    """Press the demand page's button that posts to /demands/<id>/<action> (submit, publish, ...)."""
    form = page.locator(f"main form[action='/demands/{proposal_id}/{action}']")
    click_and_load(page, form.locator("button[type=submit]"))


def authors(page):
    return page.locator("section[aria-labelledby=authors-title] li")


def status_tag(page):
    return page.locator("main p.meta span.tag").first


def follow_notification(page, proposal_id: int) -> None:
    """From the header, open the notifications and follow the newest one about the demand."""
    page.locator("header.site-header a[href='/notifications']").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    page.locator(f"main li.unread a[href='/demands/{proposal_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))


def open_from_review_queue(page, proposal_id: int) -> None:
    open_community(page)
    page.locator(f"main a[href='/communities/{COMMUNITY}/review']").click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/review$"))
    entry = page.locator("main ul.list > li", has=page.locator(f"a[href='/demands/{proposal_id}']"))
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(NAMES[OMAR])  # "by" the author
    entry.locator(f"a[href='/demands/{proposal_id}']").click()
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))


def test_draft_coauthor_review_publish_and_public_page(live_server, new_page, tmp_path):
    photo = make_png(tmp_path / PHOTO, secret="GPS 33.49,36.29 — Omar's phone")

    # Omar drafts from his community's page.
    omar = new_page()
    sign_in(omar, OMAR)
    open_community(omar)
    omar.locator(f"main a[href='/communities/{COMMUNITY}/demands/new']").click()
    expect(omar).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands/new$"))
    fill_draft(omar, photo=photo)
    save_form(omar)
    expect(omar).to_have_url(re.compile(r"/demands/\d+$"))
    proposal_id = demand_id(omar)
    expect(omar.locator("ul.flash li.success")).to_have_count(1)
    expect(omar.locator("main h1")).to_have_text(TITLE)
    expect(status_tag(omar)).to_have_text(ar(live_server, "draft"))
    prose = omar.locator("main .prose")
    expect(prose.locator("h2")).to_have_text("المشكلة")
    expect(prose.locator("li")).to_have_count(2)
    link = prose.locator("a[href='https://example.org/leak']")
    expect(link).to_have_attribute("rel", re.compile(r"\bnofollow\b"))
    expect(omar.locator(f"main a[href^='/demands/{proposal_id}/attachments/']")).to_have_text(PHOTO)

    # He invites Layla by email, and signs out.
    invite = omar.locator(f"main form[action='/demands/{proposal_id}/coauthors']")
    invite.locator("input[name=email]").fill(LAYLA)
    click_and_load(omar, invite.locator("button[type=submit]"))
    expect(omar.locator("ul.flash li.success")).to_have_count(1)
    expect(omar.locator("section[aria-labelledby=authors-title] p.meta")).to_contain_text(NAMES[LAYLA])
    sign_out(omar)

    # Layla finds the invitation in her notifications, accepts it, and edits the summary.
    layla = new_page()
    sign_in(layla, LAYLA)
    follow_notification(layla, proposal_id)
    accept = layla.locator(f"main form[action='/demands/{proposal_id}/coauthors/accept'] button[type=submit]")
    click_and_load(layla, accept)
    expect(layla.locator(f"main form[action^='/demands/{proposal_id}/coauthors/']")).to_have_count(0)
    expect(authors(layla)).to_have_text([NAMES[OMAR], NAMES[LAYLA]])
    layla.locator(f"main a[href='/demands/{proposal_id}/edit']").click()
    expect(layla).to_have_url(re.compile(rf"/demands/{proposal_id}/edit$"))
    expect(layla.locator("#title")).to_have_value(TITLE)
    layla.locator("#summary").fill(SUMMARY_EDITED)
    save_form(layla)
    expect(layla).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(layla.locator("main")).to_contain_text(SUMMARY_EDITED)

    # As a co-author she submits it to the committee; it can no longer be edited.
    press(layla, proposal_id, "submit")
    expect(layla.locator(f"main form[action='/demands/{proposal_id}/submit']")).to_have_count(0)
    expect(layla.locator(f"main a[href='/demands/{proposal_id}/edit']")).to_have_count(0)
    sign_out(layla)

    # Still private: a visitor gets a 404, as if it did not exist.
    visitor = new_page()
    assert visitor.request.get(f"/demands/{proposal_id}").status == 404

    # Salma opens it from the review queue and asks for changes with a reason.
    salma = new_page()
    sign_in(salma, SALMA)
    open_from_review_queue(salma, proposal_id)
    expect(status_tag(salma)).to_have_text(ar(live_server, "awaiting committee review"))
    salma.locator(f"main a[href='/demands/{proposal_id}/request-changes']").click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}/request-changes$"))
    salma.locator("#reason").fill(REASON)
    salma.locator("main form[method=post] button[type=submit]").click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(status_tag(salma)).to_have_text(ar(live_server, "changes requested"))
    expect(salma.locator(f"main form[action='/demands/{proposal_id}/publish']")).to_have_count(0)
    sign_out(salma)

    # Omar is told, edits what was asked and resubmits.
    sign_in(omar, OMAR)
    follow_notification(omar, proposal_id)
    expect(omar.locator("section[aria-labelledby=timeline-title]")).to_contain_text(REASON)
    omar.locator(f"main a[href='/demands/{proposal_id}/edit']").click()
    expect(omar).to_have_url(re.compile(rf"/demands/{proposal_id}/edit$"))
    expect(omar.locator("#summary")).to_have_value(SUMMARY_EDITED)  # Layla's edit is there
    omar.locator("#resolution").fill(RESOLUTION_EDITED)
    save_form(omar)
    expect(omar).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    press(omar, proposal_id, "submit")
    expect(status_tag(omar)).to_have_text(ar(live_server, "awaiting committee review"))
    sign_out(omar)

    # Salma publishes it.
    sign_in(salma, SALMA)
    open_from_review_queue(salma, proposal_id)
    press(salma, proposal_id, "publish")
    expect(salma.locator("ul.flash li.success")).to_have_count(1)
    expect(status_tag(salma)).to_have_text(ar(live_server, "open for signatures"))
    sign_out(salma)

    # A visitor finds it in the community's list with the (htmx) category filter.
    visitor.goto(f"/communities/{COMMUNITY}")
    visitor.locator(f"main a[href='/communities/{COMMUNITY}/demands']").click()
    expect(visitor).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands$"))
    expect(visitor.locator(f"main a[href='/communities/{COMMUNITY}/demands/new']")).to_have_count(0)
    visitor.wait_for_function("() => window.htmx !== undefined")
    visitor.evaluate("() => { window.e2eSamePage = true }")
    visitor.locator("main form[role=search] #category").select_option("electricity")
    expect(visitor).to_have_url(re.compile(r"[?&]category=electricity\b"))
    expect(visitor.locator(f"#demand-list a[href='/demands/{proposal_id}']")).to_have_count(0)
    visitor.locator("main form[role=search] #category").select_option("water_sanitation")
    expect(visitor).to_have_url(re.compile(r"[?&]category=water_sanitation\b"))
    assert visitor.evaluate("() => window.e2eSamePage === true"), "htmx should swap the list, not reload"
    visitor.locator(f"#demand-list a[href='/demands/{proposal_id}']").click()
    expect(visitor).to_have_url(re.compile(rf"/demands/{proposal_id}$"))

    # The public page: Arabic, status, category, council, authors, the attachment, and no author's controls.
    expect(visitor.locator("html")).to_have_attribute("lang", "ar")
    expect(visitor.locator("main h1")).to_have_text(TITLE)
    expect(status_tag(visitor)).to_have_text(ar(live_server, "open for signatures"))
    expect(visitor.locator("main p.meta").first).to_contain_text(ar(live_server, "Water and sanitation"))
    expect(visitor.locator("main p.meta").first).to_contain_text(COUNCIL)
    expect(visitor.locator("main")).to_contain_text(SUMMARY_EDITED)
    expect(visitor.locator("main")).to_contain_text(PLACE)
    expect(authors(visitor)).to_have_text([NAMES[OMAR], NAMES[LAYLA]])
    # No action on the demand for a visitor: the only form is the signing box's "register and sign".
    expect(visitor.locator("main form[method=post]:not([action$='/sign/register'])")).to_have_count(0)
    expect(visitor.locator(f"main a[href='/demands/{proposal_id}/edit']")).to_have_count(0)
    photo_link = visitor.locator("section[aria-labelledby=attachments-title]").locator(
        f"a[href^='/demands/{proposal_id}/attachments/']")
    expect(photo_link).to_have_text(PHOTO)
    served = visitor.request.get(photo_link.get_attribute("href"))
    assert served.status == 200
    assert served.headers["content-type"] == "image/png"
    assert "sandbox" in served.headers["content-security-policy"]
    with Image.open(io.BytesIO(served.body())) as image:
        assert image.size == (32, 24)
        assert "Comment" not in image.info, "the image's metadata should have been stripped"

    # The timeline lists every step, in order, with the committee's reason.
    def said(message, **variables):
        return ar(live_server, message, **variables)

    steps = [
        said("%(who)s started the draft.", who=NAMES[OMAR]),
        said("%(who)s attached %(name)s.", who=NAMES[OMAR], name=PHOTO),
        said("%(who)s became a co-author.", who=NAMES[LAYLA]),
        said("%(who)s saved revision %(n)s.", who=NAMES[LAYLA], n="٢"),  # Arabic-Indic digits on Arabic pages
        said("%(who)s submitted %(title)s for the committee's review.", who=NAMES[LAYLA], title=TITLE),
        said("The committee asked for changes: %(reason)s", reason=REASON),
        said("%(who)s saved revision %(n)s.", who=NAMES[OMAR], n="٣"),
        said("%(who)s submitted %(title)s for the committee's review.", who=NAMES[OMAR], title=TITLE),
        said("The committee published %(title)s.", title=TITLE),
    ]
    timeline = visitor.locator("section[aria-labelledby=timeline-title] ol.timeline > li")
    expect(timeline.last).to_contain_text(steps[-1])
    entries = [" ".join(text.split()) for text in timeline.all_inner_texts()]
    position = 0
    for step in steps:
        found = next((i for i in range(position, len(entries)) if step in entries[i]), None)
        assert found is not None, f"{step!r} missing or out of order in the timeline:\n" + "\n".join(entries)
        position = found + 1
    expect(timeline.locator("time[datetime]")).to_have_count(len(entries))

    # The history of the text, and the diff of Layla's edit.
    visitor.locator("section[aria-labelledby=timeline-title]").locator(
        f"a[href='/demands/{proposal_id}/revisions']").click()
    expect(visitor).to_have_url(re.compile(rf"/demands/{proposal_id}/revisions$"))
    history = visitor.locator("main ol > li")
    expect(history).to_have_count(3)  # newest first
    for entry, editor in zip((0, 1, 2), (OMAR, LAYLA, OMAR)):
        expect(history.nth(entry)).to_contain_text(NAMES[editor])
    diff_links = history.nth(1).locator(f"a[href^='/demands/{proposal_id}/diff?']")
    expect(diff_links).to_have_count(1)
    query = parse_qs(urlsplit(diff_links.get_attribute("href")).query)
    assert (query["from"], query["to"]) == (["1"], ["2"])
    diff_links.click()
    expect(visitor).to_have_url(re.compile(rf"/demands/{proposal_id}/diff\?"))
    changed = visitor.locator("main section.card")
    expect(changed).to_have_count(1)  # Layla changed the summary only
    expect(changed.locator("del")).to_have_text(["ثلاثة"])
    expect(changed.locator("ins")).to_have_text(["أربعة"])
    expect(changed.locator(".diff")).to_have_attribute("dir", "auto")

    with live_server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.status == "open" and proposal.published_at is not None
        assert proposal.summary == SUMMARY_EDITED
        assert proposal.resolution.replace("\r\n", "\n") == RESOLUTION_EDITED  # browsers post CRLF
        assert [c.status for c in proposal.coauthors] == ["accepted"]
        for model, expected in ((Revision, 3), (Attachment, 1)):
            count = db.select(db.func.count(model.id)).where(model.proposal_id == proposal_id)
            assert db.session.scalar(count) == expected, model.__name__


def test_draft_and_submit_without_javascript(live_server, new_page, tmp_path):
    photo = make_png(tmp_path / PHOTO, secret="no metadata please")
    page = new_page(java_script_enabled=False)
    sign_in(page, OMAR)

    # Through the community's list of demands to the draft form.
    open_community(page)
    page.locator(f"main a[href='/communities/{COMMUNITY}/demands']").click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands$"))
    page.locator(f"main a[href='/communities/{COMMUNITY}/demands/new']").click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands/new$"))

    # A missing field comes back with its error, and what was typed is kept.
    fill_draft(page, resolution="")
    save_form(page)
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands/new$"))
    expect(page.locator("#resolution")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field--error")).to_have_count(1)
    expect(page.locator("#title")).to_have_value(TITLE)
    expect(page.locator("#summary")).to_have_value(SUMMARY)
    expect(page.locator("#category")).to_have_value("water_sanitation")

    page.locator("#resolution").fill(RESOLUTION)
    page.locator("#attachments").set_input_files(str(photo))  # a browser never keeps a chosen file
    save_form(page)
    expect(page).to_have_url(re.compile(r"/demands/\d+$"))
    proposal_id = demand_id(page)
    expect(status_tag(page)).to_have_text(ar(live_server, "draft"))
    expect(page.locator(f"main a[href^='/demands/{proposal_id}/attachments/']")).to_have_text(PHOTO)

    press(page, proposal_id, "submit")
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(page.locator("ul.flash li.success")).to_have_count(1)
    expect(status_tag(page)).to_have_text(ar(live_server, "awaiting committee review"))
    expect(page.locator(f"main form[action='/demands/{proposal_id}/submit']")).to_have_count(0)

    with live_server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.status == "in_review" and proposal.submitted_at is not None
        assert proposal.author.email == OMAR
