"""Deliberation and a meeting about one demand, in a real browser, with the demo's people of al-midan:

Layla argues for Omar's open demand → Hana, on a phone without JavaScript, argues against (a missing stance
comes back with its error) → Layla marks Hana's argument helpful (htmx toggles the button in place) and
replies to it → Hana proposes an amendment, Layla supports it → Omar, the author, accepts it: the demand reads
the new text and its history credits Hana → Salma (committee) schedules a meeting at the centre with the
demand on the agenda → Layla answers "going" (htmx) and downloads the .ics → the meeting starts (moved into
the past in the database) → Salma posts the minutes with an outcome for the demand → a visitor reads the
amendment, the agenda entry and the outcome on the demand's timeline. Last, the demand page at phone width
in Arabic and in English must not scroll sideways.

Each person has their own browser context. Assertions go by URLs, form actions, ids and page structure;
visible texts are compared with the app's own catalogue (`said()`), so they hold whether or not a string is
translated yet. Set CIVICVOICE_E2E_SHOTS=<dir> to keep phone-width screenshots of the demand page.
"""
import os
import re
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext, ngettext
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from civicvoice import demo
from civicvoice.accounts import services as accounts
from civicvoice.communities import services as communities
from civicvoice.communities.models import Council
from civicvoice.database import utcnow
from civicvoice.deliberation import services as deliberation
from civicvoice.deliberation.models import AMENDMENT_STATUSES, Amendment, Argument, HelpfulMark
from civicvoice.extensions import db
from civicvoice.i18n import format_datetime, format_number
from civicvoice.meetings.models import OUTCOMES, Meeting, Rsvp
from civicvoice.proposals.models import Proposal, Revision
from tests import factories

pytestmark = pytest.mark.e2e

COMMUNITY = "al-midan"
OMAR, LAYLA, SALMA = "omar@civicvoice.example", "layla@civicvoice.example", "salma@civicvoice.example"
HANA, HANA_NAME = "hana@example.org", "هناء السيد"  # a member who joined al-midan
NAMES = {email: name for email, name, _locale, _admin in demo.PEOPLE} | {HANA: HANA_NAME}
CENTRE = demo.COMMUNITIES[0]["centres"][0]["name"]

DEMAND = "إنارة الدرج المؤدي إلى مدرسة البنات"
SUMMARY = "الدرج مظلم بعد الخامسة مساءً، والطالبات يعدن من الدروس المسائية فيه."
SUMMARY_AMENDED = SUMMARY + " نطلب أعمدة إنارة بالطاقة الشمسية."
FOR = "Children walk home on these stairs after dark; light keeps them safe."
AGAINST = "الأعمدة الكهربائية تنطفئ مع انقطاع الكهرباء كل مساء، فلا فائدة منها دون بطارية."
REPLY = "The council can install solar lamps: the school on Baghdad Street has had them since 2023."
AMENDMENT_REASON = "إنارة بالطاقة الشمسية تعمل حتى عند انقطاع الكهرباء."
MEETING = "اجتماع مفتوح حول إنارة الدرج"
MINUTES = "## ما قرره الاجتماع\n- دعم المطلب بالإجماع\n- جمع عروض أسعار الأعمدة الشمسية"
OUTCOME, NOTE = "support", "التصويت في الاجتماع القادم"


def said(live_server, message, lang: str = "ar", **variables) -> str:
    """`message` (or a lazy label of the app) as a page in `lang` shows it, numbers in that language's digits,
    translated if the catalogue has it."""
    with live_server.app.test_request_context(), force_locale(lang):
        if not isinstance(message, str):
            return str(message)  # a lazy label, such as an outcome's
        return gettext(message, **_localised(variables))


def said_n(live_server, singular: str, plural: str, n: int, lang: str = "ar", **variables) -> str:
    """The singular or plural form of a counted message (`n`), as a page in `lang` shows it."""
    with live_server.app.test_request_context(), force_locale(lang):
        return ngettext(singular, plural, n, **_localised({"n": n, **variables}))


def _localised(variables: dict) -> dict:
    return {name: format_number(v) if isinstance(v, int) else str(v) for name, v in variables.items()}


def when(live_server, moment: datetime) -> str:
    """A date and time as the Arabic pages show it, in the community's zone."""
    with live_server.app.test_request_context(), force_locale("ar"):
        return format_datetime(moment, "Asia/Damascus")


def flat(text: str) -> str:
    return " ".join(text.split())


def click_and_load(page, locator) -> None:
    """Click a button that posts and wait for the page it leads to (which may have the same URL)."""
    with page.expect_navigation():
        locator.click()


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(1)


def expect_language(page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)


def open_demand(page, proposal_id: int) -> None:
    """From the community's page, through its list of demands, to the demand."""
    page.goto(f"/communities/{COMMUNITY}")
    page.locator(f"main a[href='/communities/{COMMUNITY}/demands']").first.click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands$"))
    page.locator(f"main a[href='/demands/{proposal_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(page.locator("main h1")).to_have_text(DEMAND)


def follow_notification(page, href: str) -> None:
    """From the header, open the notifications and follow the newest unread one that leads to `href`."""
    page.locator("header.site-header a[href='/notifications']").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    page.locator(f"main li.unread a[href='{href}']").first.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def arguments(page):
    return page.locator("#arguments")


def argument(page, argument_id: int):
    return page.locator(f"#argument-{argument_id}")


def argument_form(page, proposal_id: int):
    return arguments(page).locator(f"form[method=post][action='/demands/{proposal_id}/arguments']")


def posted_argument_id(page, proposal_id: int) -> int:
    """After posting, the app leads back to the demand, scrolled to the new argument."""
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}#argument-\d+$"))
    return int(page.url.rsplit("#argument-", 1)[1])


def helpful(page, argument_id: int):
    return page.locator(f"#helpful-{argument_id}")


def timeline_entries(page) -> list[str]:
    timeline = page.locator("section[aria-labelledby=timeline-title] ol.timeline > li")
    return [flat(text) for text in timeline.all_inner_texts()]


def shot(page, name: str, locator=None) -> None:
    """A screenshot to look at, when CIVICVOICE_E2E_SHOTS names a directory (never in the repository)."""
    shots = os.environ.get("CIVICVOICE_E2E_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        path = str(Path(shots) / f"{name}.png")
        if locator is None:
            page.screenshot(path=path, full_page=True)
        else:
            locator.screenshot(path=path)


def expect_no_sideways_scroll(page) -> None:
    """Nothing on the page is wider than the phone's screen (a horizontal scrollbar breaks reading)."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
    too_wide = page.evaluate("""() => [...document.querySelectorAll('#arguments *')]
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width && (r.left < -1 || r.right > innerWidth + 1); })
        .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")
    assert not too_wide, f"outside the screen: {too_wide}"


@pytest.fixture
def demand(live_server):
    """Omar's open demand of al-midan, addressed to the demo council, and Hana, a member of al-midan."""
    with live_server.app.app_context():
        community = communities.by_slug(COMMUNITY)
        council = db.session.scalar(select(Council).where(Council.name == demo.COUNCIL["name"]))
        hana = factories.make_user(HANA_NAME, HANA, password=demo.DEMO_PASSWORD)
        factories.make_member(community, hana)
        proposal = factories.make_proposal(community, accounts.find_by_email(OMAR), status="open", council=council,
                                           title=DEMAND, summary=SUMMARY, category="electricity",
                                           place="درج حارة الجامع")
        return proposal.id


def test_argue_amend_meet_and_the_outcome_on_the_timeline(live_server, new_page, demand):
    proposal_id = demand

    # Layla (her pages in English) argues for the demand.
    layla = new_page()
    sign_in(layla, LAYLA)
    open_demand(layla, proposal_id)
    expect_language(layla, "en", "ltr")
    expect(arguments(layla).locator("article.argument")).to_have_count(0)
    form = argument_form(layla, proposal_id)
    form.locator("input[name=stance][value=for]").check()
    form.locator("textarea[name=body]").fill(FOR)
    click_and_load(layla, form.locator("button[type=submit]"))
    for_id = posted_argument_id(layla, proposal_id)
    expect(layla.locator("ul.flash li.success")).to_have_count(1)
    expect(argument(layla, for_id)).to_have_class(re.compile(r"\bargument--for\b"))
    expect(argument(layla, for_id).locator(".prose")).to_have_text(FOR)
    expect(argument(layla, for_id).locator(".prose")).to_have_attribute("dir", "auto")

    # Hana, on a phone without JavaScript, argues against; she forgets the stance first.
    hana = new_page(java_script_enabled=False, viewport={"width": 390, "height": 844})
    sign_in(hana, HANA)
    open_demand(hana, proposal_id)
    expect_language(hana, "ar", "rtl")
    form = argument_form(hana, proposal_id)
    form.locator("textarea[name=body]").fill(AGAINST)
    click_and_load(hana, form.locator("button[type=submit]"))
    form = argument_form(hana, proposal_id)
    expect(form.locator(".field--error")).to_have_count(1)
    expect(form.locator(".field--error .error-message")).to_have_text(
        said(live_server, "Choose for, against or question."))
    expect(form.locator("textarea[name=body]")).to_have_value(AGAINST)  # what she typed is kept
    shot(hana, "argument-form-error-ar-390", form)
    form.locator("input[name=stance][value=against]").check()
    click_and_load(hana, form.locator("button[type=submit]"))
    against_id = posted_argument_id(hana, proposal_id)
    expect(hana.locator("ul.flash li.success")).to_have_text(said(live_server, "Your argument is posted."))
    expect(argument(hana, against_id)).to_have_class(re.compile(r"\bargument--against\b"))
    expect(argument(hana, against_id).locator(".prose")).to_have_text(AGAINST)
    expect(arguments(hana).locator("p.stance-counts")).to_have_text(re.compile(
        re.escape(said_n(live_server, "%(n)s for", "%(n)s for", 1)) + r"\s*[·–]\s*"
        + re.escape(said_n(live_server, "%(n)s against", "%(n)s against", 1))))
    # No helpful mark on one's own argument; Layla's has one.
    expect(helpful(hana, against_id).locator("form")).to_have_count(0)
    expect(helpful(hana, for_id).locator(f"form[action='/arguments/{for_id}/helpful']")).to_have_count(1)

    # Layla marks Hana's argument helpful: htmx swaps the button in place, on, off and on again.
    layla.goto(f"/demands/{proposal_id}")
    layla.wait_for_function("() => window.htmx !== undefined")
    layla.evaluate("() => { window.e2eSamePage = true }")  # lost if the browser loads a new page
    mark = helpful(layla, against_id)
    for pressed, count in (("true", 1), ("false", 0), ("true", 1)):
        mark.locator("button").click()
        expect(mark.locator("button")).to_have_attribute("aria-pressed", pressed)
        expect(mark.locator("button")).to_contain_text(said(live_server, "Helpful ✓" if count else "Helpful",
                                                            lang="en"))
        expect(mark.locator("button")).to_contain_text(f"· {count}")
        removing = "/helpful/remove" if count else "/helpful"
        expect(mark.locator("form")).to_have_attribute("action", f"/arguments/{against_id}{removing}")
    assert layla.evaluate("() => window.e2eSamePage === true"), "htmx should swap the mark, not reload the page"

    # ...and replies to it.
    argument(layla, against_id).locator(f"a[href='/arguments/{against_id}/reply']").click()
    expect(layla).to_have_url(re.compile(rf"/arguments/{against_id}/reply$"))
    expect(layla.locator("main blockquote")).to_contain_text(AGAINST)
    layla.locator("main form[method=post] textarea[name=body]").fill(REPLY)
    click_and_load(layla, layla.locator("main form[method=post] button[type=submit]"))
    reply_id = posted_argument_id(layla, proposal_id)
    reply = layla.locator(f"#argument-{against_id} > .replies > #argument-{reply_id}")
    expect(reply.locator(".prose")).to_have_text(REPLY)
    expect(reply.locator(".tag")).to_have_count(0)  # a reply takes no stance
    expect(arguments(layla).locator(".threads > article.argument")).to_have_count(2)  # replies are not top-level

    # Hana sees the reply under her argument, and hers is the strongest against, marked helpful once.
    hana.goto(f"/demands/{proposal_id}")
    expect(hana.locator(f"#argument-{against_id} .replies #argument-{reply_id}")).to_contain_text(REPLY)
    strongest = arguments(hana).locator(".strongest--against")
    expect(strongest.locator(".prose")).to_have_text(AGAINST)
    expect(strongest.locator(f"a[href='#argument-{against_id}']")).to_have_text(
        said_n(live_server, "%(n)s person found this helpful", "%(n)s people found this helpful", 1))

    # Hana proposes an amendment from the demand page: the form starts from the current text.
    hana.locator("section[aria-labelledby=amendments-title]").locator(
        f"a[href='/demands/{proposal_id}/amendments/new']").click()
    expect(hana).to_have_url(re.compile(rf"/demands/{proposal_id}/amendments/new$"))
    expect(hana.locator("#title")).to_have_value(DEMAND)
    expect(hana.locator("#summary")).to_have_value(SUMMARY)
    hana.locator("#summary").fill(SUMMARY_AMENDED)
    hana.locator("#reason").fill(AMENDMENT_REASON)
    click_and_load(hana, hana.locator("main form[method=post] button[type=submit]"))
    expect(hana).to_have_url(re.compile(r"/amendments/\d+$"))
    amendment_id = int(hana.url.rsplit("/", 1)[1])
    expect(hana.locator("ul.flash li.success")).to_have_count(1)
    expect(hana.locator("main h1")).to_contain_text(HANA_NAME)
    changed = hana.locator("main section.card:has(.diff)")
    expect(changed).to_have_count(1)  # the summary only
    expect(changed.locator("ins")).to_contain_text("نطلب أعمدة إنارة بالطاقة الشمسية")
    expect(changed.locator("del")).to_have_count(0)
    shot(hana, "amendment-ar-390")
    # Her own amendment: she may withdraw it, not support it.
    expect(hana.locator(f"main form[action='/amendments/{amendment_id}/support']")).to_have_count(0)
    expect(hana.locator(f"main form[action='/amendments/{amendment_id}/withdraw']")).to_have_count(1)

    # Layla finds it through the demand's list of amendments and supports it.
    layla.goto(f"/demands/{proposal_id}")
    layla.locator("section[aria-labelledby=amendments-title]").locator(
        f"a[href='/demands/{proposal_id}/amendments']").click()
    expect(layla).to_have_url(re.compile(rf"/demands/{proposal_id}/amendments$"))
    layla.locator(f"main a[href='/amendments/{amendment_id}']").click()
    expect(layla).to_have_url(re.compile(rf"/amendments/{amendment_id}$"))
    positions = layla.locator("#positions")
    click_and_load(layla, positions.locator(f"form[action='/amendments/{amendment_id}/support'] button"))
    expect(positions.locator(f"form[action='/amendments/{amendment_id}/support']")).to_have_count(0)
    expect(positions.locator(f"form[action='/amendments/{amendment_id}/neutral']")).to_have_count(1)
    expect(positions).to_contain_text(
        said_n(live_server, "%(n)s member supports it", "%(n)s members support it", 1, lang="en"))
    expect(positions.locator(f"form[action='/amendments/{amendment_id}/accept']")).to_have_count(0)  # not hers

    # Omar, the author, is told; he opens the amendment from the demand and accepts it.
    omar = new_page()
    sign_in(omar, OMAR)
    follow_notification(omar, f"/demands/{proposal_id}")
    expect(omar.locator("section[aria-labelledby=amendments-title]")).to_contain_text(
        said_n(live_server, "%(n)s amendment awaits the authors' decision",
               "%(n)s amendments await the authors' decision", 1))
    expect(omar.locator(f"main a[href='/demands/{proposal_id}/amendments/new']")).to_have_count(0)  # authors decide
    omar.locator(f"main a[href='/demands/{proposal_id}/amendments']").click()
    omar.locator(f"main a[href='/amendments/{amendment_id}']").click()
    expect(omar).to_have_url(re.compile(rf"/amendments/{amendment_id}$"))
    click_and_load(omar, omar.locator(f"#positions form[action='/amendments/{amendment_id}/accept'] button"))
    expect(omar).to_have_url(re.compile(rf"/amendments/{amendment_id}$"))
    expect(omar.locator("ul.flash li.success")).to_have_count(1)
    expect(omar.locator("main p.meta span.tag").first).to_have_text(
        said(live_server, AMENDMENT_STATUSES["accepted"]))
    expect(omar.locator(f"#positions form[action^='/amendments/{amendment_id}/']")).to_have_count(0)

    # The demand reads the amended text; its history credits Hana with the new revision.
    omar.locator(f"main a[href='/demands/{proposal_id}']").first.click()
    expect(omar).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(omar.locator("section[aria-labelledby=summary-title]")).to_contain_text(SUMMARY_AMENDED)
    omar.locator(f"section[aria-labelledby=timeline-title] a[href='/demands/{proposal_id}/revisions']").click()
    expect(omar).to_have_url(re.compile(rf"/demands/{proposal_id}/revisions$"))
    history = omar.locator("main ol > li")
    expect(history).to_have_count(2)  # newest first: Hana's amendment, then Omar's draft
    expect(history.first).to_contain_text(HANA_NAME)
    expect(history.first.locator(f"a[href='/amendments/{amendment_id}']")).to_have_text(
        said(live_server, "From an amendment by %(name)s, accepted by the authors", name=HANA_NAME))
    expect(history.nth(1)).to_contain_text(NAMES[OMAR])

    # Salma (committee) schedules a meeting at the centre, three days ahead, with the demand on the agenda.
    zone = ZoneInfo("Asia/Damascus")
    day = (datetime.now(zone) + timedelta(days=3)).date()
    starts_at = datetime.combine(day, time(18, 30), tzinfo=zone).astimezone(timezone.utc)
    salma = new_page()
    sign_in(salma, SALMA)
    salma.goto(f"/communities/{COMMUNITY}")
    salma.locator(f"main a[href='/communities/{COMMUNITY}/meetings/new']").first.click()
    expect(salma).to_have_url(re.compile(rf"/communities/{COMMUNITY}/meetings/new$"))
    meeting_form = salma.locator("main form[method=post]")
    meeting_form.locator("#title").fill(MEETING)
    meeting_form.locator("#centre_id").select_option(label=CENTRE)
    meeting_form.locator("#date").fill(day.isoformat())
    meeting_form.locator("#time").fill("18:30")
    meeting_form.locator("#duration_minutes").select_option("90")
    meeting_form.locator("#capacity").fill("40")
    meeting_form.locator("#description").fill("نناقش المطلب والتعديل المقبول.")
    meeting_form.locator(f"input[name=agenda][value='{proposal_id}']").check()
    click_and_load(salma, meeting_form.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(salma.url.rsplit("/", 1)[1])
    expect(salma.locator("ul.flash li.success")).to_have_count(1)
    expect(salma.locator("main h1")).to_have_text(MEETING)
    expect(salma.locator("main dl.facts time").first).to_have_attribute("datetime", starts_at.isoformat())
    agenda = salma.locator("section[aria-labelledby=agenda-title] ol > li")
    expect(agenda).to_have_count(1)
    expect(agenda.locator(f"a[href='/demands/{proposal_id}']")).to_have_text(DEMAND)
    # Not started: no minutes yet.
    expect(salma.locator(f"main a[href='/meetings/{meeting_id}/minutes']")).to_have_count(0)

    # Layla is told; she answers "going" (htmx swaps the box) and downloads the .ics.
    follow_notification(layla, f"/meetings/{meeting_id}")
    expect(layla.locator("main h1")).to_have_text(MEETING)
    layla.wait_for_function("() => window.htmx !== undefined")
    layla.evaluate("() => { window.e2eSamePage = true }")
    rsvp = layla.locator("#rsvp")
    rsvp.locator("input[name=answer][value=going]").check()
    rsvp.locator("button[type=submit]").click()
    expect(rsvp).to_contain_text(said_n(live_server, "%(n)s going", "%(n)s going", 1, lang="en"))
    expect(rsvp).to_contain_text(said_n(live_server, "%(n)s place left of %(capacity)s",
                                        "%(n)s places left of %(capacity)s", 39, lang="en", capacity=40))
    expect(rsvp.locator("input[name=answer][value=going]")).to_be_checked()
    assert layla.evaluate("() => window.e2eSamePage === true"), "htmx should swap the answer box, not reload"

    link = layla.locator(f"main a[href='/meetings/{meeting_id}.ics']")
    with layla.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"meeting-{meeting_id}.ics"
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == MEETING
    assert event.decoded("dtstart") == starts_at
    assert event.decoded("dtend") == starts_at + timedelta(minutes=90)
    assert CENTRE in str(event["location"])
    assert str(event["url"]) == f"{live_server.url}/meetings/{meeting_id}"
    assert DEMAND in str(event["description"])  # the agenda
    served = layla.request.get(f"/meetings/{meeting_id}.ics")
    assert served.status == 200
    assert served.headers["content-type"].startswith("text/calendar")

    # The demand page lists the meeting.
    layla.goto(f"/demands/{proposal_id}")
    expect(layla.locator("section[aria-labelledby=demand-meetings-title]").locator(
        f"a[href='/meetings/{meeting_id}']")).to_have_text(MEETING)

    # The meeting starts (an hour ago, as far as the app knows).
    started_at = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    with live_server.app.app_context():
        db.session.get(Meeting, meeting_id).starts_at = started_at
        db.session.commit()

    # Salma posts the minutes with the meeting's outcome for the demand.
    salma.goto(f"/meetings/{meeting_id}")
    salma.locator(f"main a[href='/meetings/{meeting_id}/minutes']").click()
    expect(salma).to_have_url(re.compile(rf"/meetings/{meeting_id}/minutes$"))
    minutes_form = salma.locator("main form[method=post]")
    minutes_form.locator("#minutes").fill(MINUTES)
    minutes_form.locator("#attendance").fill("23")
    outcome = minutes_form.locator("fieldset.outcome", has_text=DEMAND)
    expect(outcome).to_have_count(1)
    outcome.locator("select[name$='-outcome']").select_option(OUTCOME)
    outcome.locator("input[name$='-note']").fill(NOTE)
    click_and_load(salma, minutes_form.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(rf"/meetings/{meeting_id}$"))
    expect(salma.locator("ul.flash li.success")).to_have_count(1)
    posted = salma.locator("section[aria-labelledby=minutes-title]")
    expect(posted.locator(".prose li")).to_have_count(2)
    expect(posted).to_contain_text(said_n(live_server, "%(n)s person came", "%(n)s people came", 23))
    expect(agenda).to_contain_text(said(live_server, OUTCOMES[OUTCOME]))
    expect(agenda).to_contain_text(NOTE)

    # A visitor reads it all on the demand's timeline, in Arabic, in order.
    visitor = new_page()
    open_demand(visitor, proposal_id)
    expect_language(visitor, "ar", "rtl")
    expect(visitor.locator("section[aria-labelledby=summary-title]")).to_contain_text(SUMMARY_AMENDED)
    expect(arguments(visitor).locator(f"#argument-{against_id} .replies #argument-{reply_id}")).to_have_count(1)
    expect(arguments(visitor).locator("form[method=post]")).to_have_count(0)  # no form to post or mark
    with live_server.app.app_context():
        revision = db.session.scalar(select(Amendment.revision_number).where(Amendment.id == amendment_id))
    steps = [
        said(live_server, "%(who)s proposed an amendment.", who=HANA_NAME),
        said(live_server, "The authors accepted the amendment by %(amender)s: it is revision %(n)s of %(title)s.",
             amender=HANA_NAME, n=revision, title=DEMAND),
        said(live_server, "On the agenda of the meeting %(meeting)s (%(when)s, %(centre)s).", meeting=MEETING,
             when=when(live_server, starts_at), centre=CENTRE),
        said(live_server, "Meeting %(meeting)s (%(when)s): %(outcome)s. %(note)s", meeting=MEETING,
             when=when(live_server, started_at), outcome=said(live_server, OUTCOMES[OUTCOME]), note=NOTE),
    ]
    entries = timeline_entries(visitor)
    position = 0
    for step in map(flat, steps):
        found = next((i for i in range(position, len(entries)) if step in entries[i]), None)
        assert found is not None, f"{step!r} missing or out of order in the timeline:\n" + "\n".join(entries)
        position = found + 1
    assert position == len(entries), "the meeting's outcome should be the newest entry:\n" + "\n".join(entries)

    with live_server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.summary == SUMMARY_AMENDED and proposal.status == "open"
        newest = db.session.scalar(select(Revision).where(Revision.proposal_id == proposal_id)
                                   .order_by(Revision.number.desc()).limit(1))
        assert (newest.number, newest.editor.email, newest.amendment_id) == (revision, HANA, amendment_id)
        amendment = db.session.get(Amendment, amendment_id)
        assert (amendment.status, amendment.support_count, amendment.decided_by.email) == ("accepted", 1, OMAR)
        posted_arguments = db.session.scalars(select(Argument).where(Argument.proposal_id == proposal_id)
                                              .order_by(Argument.id)).all()
        assert [(a.stance, a.parent_id, a.author.email) for a in posted_arguments] == [
            ("for", None, LAYLA), ("against", None, HANA), (None, against_id, LAYLA)]
        assert [a.helpful_count for a in posted_arguments] == [0, 1, 0]
        marks = db.session.scalars(select(HelpfulMark).where(HelpfulMark.argument_id.in_(
            [a.id for a in posted_arguments]))).all()
        assert [(m.argument_id, m.user_id) for m in marks] == [(against_id, accounts.find_by_email(LAYLA).id)]
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.attendance, meeting.minutes.replace("\r\n", "\n")) == (23, MINUTES)
        assert [(item.proposal_id, item.outcome, item.outcome_note) for item in meeting.agenda] == [
            (proposal_id, OUTCOME, NOTE)]
        assert [(r.user_id, r.answer) for r in db.session.scalars(
            select(Rsvp).where(Rsvp.meeting_id == meeting_id))] == [(accounts.find_by_email(LAYLA).id, "going")]


@pytest.mark.parametrize("locale,lang,direction", [("ar-SY", "ar", "rtl"), ("en-GB", "en", "ltr")],
                         ids=["arabic", "english"])
def test_arguments_at_phone_width(live_server, new_page, demand, locale, lang, direction):
    """The demand page with a thread of arguments, on a 390px phone: nothing scrolls sideways."""
    with live_server.app.app_context():
        proposal = db.session.get(Proposal, demand)
        layla, hana, omar = (accounts.find_by_email(email) for email in (LAYLA, HANA, OMAR))
        against = factories.make_argument(proposal, hana, stance="against", body=AGAINST)
        factories.make_argument(proposal, layla, stance="for", body=FOR)
        question = factories.make_argument(proposal, layla, stance="question",
                                           body="Who pays for the lamps: the council or the school?")
        long_link = "https://example.org/" + "a" * 80  # one long word: it must wrap, not widen the page
        factories.make_argument(parent=question, author=omar, as_authors=True,
                                body=f"البلدية، حسب كتاب المحافظة رقم 1234 تاريخ 2025-03-01: {long_link}")
        reply = factories.make_argument(parent=against, author=layla, body=REPLY)
        deeper = factories.make_argument(parent=reply, author=hana, body="ردّ على الرد " * 20)
        factories.make_argument(parent=deeper, author=omar, body="والرد الرابع يبقى في المستوى الثالث.")
        deliberation.mark_helpful(layla, against)
        db.session.commit()

    page = new_page(locale=locale, viewport={"width": 390, "height": 844})
    page.goto(f"/demands/{demand}")
    expect_language(page, lang, direction)
    expect(arguments(page).locator("article.argument")).to_have_count(7)
    page.locator("#arguments").scroll_into_view_if_needed()
    shot(page, f"demand-arguments-{lang}-390")
    shot(page, f"arguments-{lang}-390", page.locator("#arguments"))
    expect_no_sideways_scroll(page)
