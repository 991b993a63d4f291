"""The community decides, in a real browser, with the demo's people of al-midan:

An adoption vote. Salma (committee) verifies Umm Khaled (no phone) in person, sets the goal of the demo's
roof demand to the signatures it has → "Open the vote" appears; she opens the vote (quorum 50 %) → Omar, on a
phone without JavaScript and in Arabic, is told and votes directly, then changes his vote (same receipt) →
Layla (English) gives her proxy to Omar by email; the vote form leaves her page → Omar is told and casts her
vote → at the centre, Salma records Umm Khaled's ballot on the "assisted" page → Salma closes the vote early
with a reason → the demand reads adopted, the vote page shows the result, the SVG chart (role=img) and the
table; Omar finds his receipt code on the ballots list; "who voted what" shows how each person voted.

A ranked priority ballot. Salma creates it on three demands (form: ranked, the three ticked) → five members
rank them with the selects (Hana without JavaScript) so that the Condorcet winner has the fewest first
choices → Salma closes it → the results list the Schulze order with the pairwise table, and the CSV recounts
to the same order.

Each person has their own browser context. Assertions go by URLs, form actions, ids and page structure;
visible texts are compared with the app's own catalogue (`said()`), so they hold whether or not a string is
translated yet. Set CIVICVOICE_E2E_SHOTS=<dir> to keep phone-width screenshots of the results pages.
"""
import csv
import io
import os
import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect
from sqlalchemy import select

from civicvoice import demo
from civicvoice.accounts import services as accounts
from civicvoice.activity.models import Event
from civicvoice.communities import services as communities
from civicvoice.communities.models import Council
from civicvoice.extensions import db
from civicvoice.i18n import format_number, format_percent, ltr_text
from civicvoice.proposals.models import Proposal
from civicvoice.proposals.states import LABELS
from civicvoice.voting import services as voting
from civicvoice.voting import tally
from civicvoice.voting.models import CHOICES, Ballot, Participation, Poll
from tests import factories

pytestmark = pytest.mark.e2e

COMMUNITY = "al-midan"
OMAR, LAYLA, SALMA = "omar@civicvoice.example", "layla@civicvoice.example", "salma@civicvoice.example"
UMM_KHALED, UMM_KHALED_NAME = "umm.khaled@example.org", "أم خالد الدقاق"  # no phone: votes at the centre
HANA, HANA_NAME = "hana@example.org", "هناء السيد"
KARIM, KARIM_NAME = "karim@example.org", "كريم Mansour"
NAMES = {email: name for email, name, _locale, _admin in demo.PEOPLE} | {
    UMM_KHALED: UMM_KHALED_NAME, HANA: HANA_NAME, KARIM: KARIM_NAME}

ROOF = demo.DEMANDS[0][2]  # open, signed by al-midan's four demo members
CLOSE_REASON = "صوّت كل من يحق له التصويت تقريباً، ونريد إرسال المطلب إلى البلدية قبل اجتماعها."

PRIORITY = "أي الإصلاحات نطالب بها أولاً؟"
# Three demands, and five ballots where B is the Condorcet winner with the fewest first choices:
# first choices C 2, A 2, B 1; pairwise B beats A 3–2 and C 3–2, A beats C 3–2 → Schulze: B > A > C.
DEMANDS = {"A": "إصلاح خط المياه في حارة الجامع", "B": "ترميم درج مدرسة البنات",
           "C": "حديقة للأطفال قرب الجامع"}
RANKINGS = {  # voter → demands best first (Karim leaves C out)
    OMAR: "CBA", LAYLA: "CBA", SALMA: "ABC", HANA: "BAC", KARIM: "AB",
}
EXPECTED_ORDER = "BAC"
PAIRWISE = {("B", "A"): 3, ("B", "C"): 3, ("A", "B"): 2, ("A", "C"): 3, ("C", "B"): 2, ("C", "A"): 2}

RECEIPT = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


def said(live_server, message, lang: str = "ar", **variables) -> str:
    """`message` (or a lazy label of the app) as a page in `lang` shows it, numbers in that language's digits,
    translated if the catalogue has it."""
    with live_server.app.test_request_context(), force_locale(lang):
        if not isinstance(message, str):
            return str(message)  # a lazy label, such as a status's
        return gettext(message, **_localised(variables))


def said_n(live_server, singular: str, plural: str, n: int, lang: str = "ar", **variables) -> str:
    """The singular or plural form of a counted message (`n`), as a page in `lang` shows it."""
    with live_server.app.test_request_context(), force_locale(lang):
        return ngettext(singular, plural, n, **_localised({"n": n, **variables}))


def voted(live_server, turnout: int, electorate: int, lang: str = "ar") -> str:
    """"3 of 4 eligible members voted", the plural chosen by the size of the electorate."""
    with live_server.app.test_request_context(), force_locale(lang):
        return ngettext("%(n)s of %(total)s eligible member voted",
                        "%(n)s of %(total)s eligible members voted", electorate,
                        **_localised({"n": turnout, "total": electorate}))


def number(live_server, n: int, lang: str = "ar") -> str:
    with live_server.app.test_request_context(), force_locale(lang):
        return format_number(n)


def percent(live_server, share: float, lang: str = "ar") -> str:
    with live_server.app.test_request_context(), force_locale(lang):
        return format_percent(share)


def _localised(variables: dict) -> dict:
    return {name: format_number(v) if isinstance(v, int) else str(v) for name, v in variables.items()}


def flat(text: str) -> str:
    return " ".join(text.split())


def click_and_load(page, locator) -> None:
    """Click a button that posts and wait for the page it leads to (which may have the same URL)."""
    with page.expect_navigation():
        locator.click()


def sign_in(page, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header.site-header form[action='/logout']")).to_have_count(1)


def expect_language(page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)


def open_demand(page, proposal_id: int, title: str = ROOF) -> None:
    """From the community's page, through its list of demands, to the demand."""
    page.goto(f"/communities/{COMMUNITY}")
    page.locator(f"main a[href='/communities/{COMMUNITY}/demands']").first.click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/demands$"))
    page.locator(f"main a[href='/demands/{proposal_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(page.locator("main h1")).to_have_text(title)


def open_votes(page, poll_id: int) -> None:
    """From the community's page, through its list of votes, to the vote."""
    page.goto(f"/communities/{COMMUNITY}")
    page.locator(f"main a[href='/communities/{COMMUNITY}/votes']").first.click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}/votes$"))
    page.locator(f"main a[href='/votes/{poll_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"/votes/{poll_id}$"))


def follow_notification(page, href: str) -> None:
    """From the header, open the notifications and follow the newest unread one that leads to `href`."""
    page.locator("header.site-header a[href='/notifications']").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    page.locator(f"main li.unread a[href='{href}']").first.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def flash(page):
    return page.locator("ul.flash li.success")


def receipt_in(text: str) -> str:
    found = RECEIPT.search(text)
    assert found, f"no receipt code in {text!r}"
    return found.group(0)


def ballot_box(page):
    return page.locator("#ballot")


def vote_form(page, poll_id: int):
    return ballot_box(page).locator(f"form[method=post][action='/votes/{poll_id}/ballot']")


def results(page):
    return page.locator("section[aria-labelledby=results-title]")


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
    """Nothing widens the page past the phone's screen; wide tables scroll inside their own box."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
    too_wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('.table-scroll'))
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width && (r.left < -1 || r.right > innerWidth + 1); })
        .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")
    assert not too_wide, f"outside the screen: {too_wide}"


def expect_chart_inside(page, chart) -> None:
    """Every label of the SVG chart is drawn inside the chart (not cut by its edges)."""
    outside = chart.evaluate("""svg => { const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()])
            .filter(([, r]) => r.left < box.left - 1 || r.right > box.right + 1).map(([text]) => text); }""")
    assert not outside, f"chart labels cut off: {outside}"


def rows_of(table) -> list[list[str]]:
    return [[flat(cell) for cell in row.locator("th, td").all_inner_texts()]
            for row in table.locator("tbody tr").all()]


@pytest.fixture
def roof(live_server):
    """The demo's roof demand of al-midan, and Umm Khaled, a member of al-midan not verified in person yet."""
    with live_server.app.app_context():
        community = communities.by_slug(COMMUNITY)
        umm_khaled = factories.make_user(UMM_KHALED_NAME, UMM_KHALED, password=demo.DEMO_PASSWORD)
        factories.make_member(community, umm_khaled)
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == ROOF))
        assert (proposal.status, proposal.goal_reached_at, proposal.signature_count) == ("open", None, 4)
        return proposal.id, umm_khaled.id


def test_adoption_vote_direct_proxy_assisted_then_adopted(live_server, new_page, roof):
    proposal_id, umm_khaled_id = roof
    with live_server.app.app_context():
        omar_id, layla_id = (accounts.find_by_email(email).id for email in (OMAR, LAYLA))

    # Salma (committee) verifies Umm Khaled in person, from the members page.
    salma = new_page()
    sign_in(salma, SALMA)
    salma.goto(f"/communities/{COMMUNITY}/members")
    click_and_load(salma, salma.locator(
        f"main form[action='/communities/{COMMUNITY}/members/{umm_khaled_id}/verify'] button[type=submit]"))
    expect(flash(salma)).to_have_text(said(live_server, "Identity verified in person."))

    # The roof demand has 4 signatures: no vote until the goal is reached. Salma sets the goal to 4.
    open_demand(salma, proposal_id)
    open_link = salma.locator(f"main a[href='/demands/{proposal_id}/vote/open']")
    expect(open_link).to_have_count(0)
    goal = salma.locator(f"main form[action='/demands/{proposal_id}/goal']")
    goal.locator("#goal").fill("4")
    click_and_load(salma, goal.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(open_link).to_have_count(1)

    # She opens the vote: 7 days by default, quorum 50 %, simple majority, not secret.
    open_link.click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}/vote/open$"))
    opening = salma.locator("main form[method=post]:has(#quorum_percent)")
    expect(opening.locator("#closes_in_days")).to_have_value("7")
    expect(opening.locator("#quorum_percent")).to_have_value("20")
    expect(opening.locator("input[name=majority][value=simple]")).to_be_checked()
    opening.locator("#quorum_percent").fill("50")
    expect(opening.locator("#secret")).not_to_be_checked()
    click_and_load(salma, opening.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(r"/votes/\d+$"))
    poll_id = int(salma.url.rsplit("/", 1)[1])
    expect(flash(salma)).to_have_text(said(live_server, "The vote is open; the members are told."))
    expect(salma.locator("main h1")).to_have_text(ROOF)
    status = salma.locator("section[aria-labelledby=status-title]")
    electorate = 5  # Salma, Omar, Layla, Samir and Umm Khaled
    expect(status).to_contain_text(voted(live_server, 0, electorate))

    # Omar, on a phone without JavaScript (Arabic, right to left), is told and votes "no"…
    omar = new_page(java_script_enabled=False, viewport={"width": 390, "height": 844})
    sign_in(omar, OMAR)
    follow_notification(omar, f"/votes/{poll_id}")
    expect_language(omar, "ar", "rtl")
    expect(vote_form(omar, poll_id).locator("input[name=choice]")).to_have_count(len(CHOICES))
    vote_form(omar, poll_id).locator("input[name=choice][value=no]").check()
    click_and_load(omar, vote_form(omar, poll_id).locator("button[type=submit]"))
    expect(omar).to_have_url(re.compile(rf"/votes/{poll_id}$"))
    receipt = receipt_in(flash(omar).inner_text())
    expect(flash(omar)).to_have_text(said(live_server, "Your vote is counted. Your receipt code is %(code)s: "
                                          "note it to check your ballot in the results.",
                                          code=ltr_text(receipt)))
    # … then changes his mind (not a secret ballot): same ballot, same receipt code.
    expect(ballot_box(omar)).to_contain_text(receipt)
    expect(vote_form(omar, poll_id).locator("input[name=choice][value=no]")).to_be_checked()
    vote_form(omar, poll_id).locator("input[name=choice][value=yes]").check()
    click_and_load(omar, vote_form(omar, poll_id).locator("button[type=submit]"))
    expect(flash(omar)).to_have_text(said(live_server, "Your vote is changed."))
    expect(vote_form(omar, poll_id).locator("input[name=choice][value=yes]")).to_be_checked()
    expect(ballot_box(omar)).to_contain_text(receipt)

    # Layla (English) cannot vote herself this week: she gives her proxy to Omar by email.
    layla = new_page()
    sign_in(layla, LAYLA)
    follow_notification(layla, f"/votes/{poll_id}")
    expect_language(layla, "en", "ltr")
    ballot_box(layla).locator("details > summary").click()
    proxy = ballot_box(layla).locator(f"form[action='/votes/{poll_id}/proxy']")
    proxy.locator("input[name=email]").fill(OMAR)
    click_and_load(layla, proxy.locator("button[type=submit]"))
    expect(flash(layla)).to_have_text(
        said(live_server, "%(name)s can now vote for you in this vote.", lang="en", name=NAMES[OMAR]))
    expect(ballot_box(layla)).to_contain_text(NAMES[OMAR])
    expect(ballot_box(layla).locator(f"form[action='/votes/{poll_id}/proxy/revoke']")).to_have_count(1)
    expect(vote_form(layla, poll_id)).to_have_count(0)  # while Omar holds her proxy, he votes for her

    # Omar is told; he casts Layla's vote from the vote page.
    follow_notification(omar, f"/votes/{poll_id}")
    for_layla_action = f"/votes/{poll_id}/proxies/{layla_id}/ballot"
    for_layla = omar.locator(f"main form[method=post][action='{for_layla_action}']")
    expect(omar.locator(f"section:has(> form[action='{for_layla_action}']) h2")).to_have_text(
        said(live_server, "Vote for %(name)s (proxy)", name=NAMES[LAYLA]))
    for_layla.locator("input[name=choice][value=yes]").check()
    click_and_load(omar, for_layla.locator("button[type=submit]"))
    proxy_receipt = receipt_in(flash(omar).inner_text())
    counted = "The vote of %(name)s is counted. Receipt code: %(code)s"
    expect(flash(omar)).to_have_text(said(live_server, counted, name=NAMES[LAYLA], code=ltr_text(proxy_receipt)))
    expect(for_layla).to_have_count(0)  # a proxy is used once
    layla.reload()
    expect(ballot_box(layla)).to_contain_text(said(live_server, "It was cast by your proxy.", lang="en"))
    expect(ballot_box(layla).locator("form")).to_have_count(0)  # too late to take it back or vote

    # At the centre, Salma records Umm Khaled's ballot ("no"), marked as assisted.
    salma.goto(f"/votes/{poll_id}")
    salma.locator(f"main a[href='/votes/{poll_id}/assisted']").click()
    expect(salma).to_have_url(re.compile(rf"/votes/{poll_id}/assisted$"))
    assisted = salma.locator("main form[method=post]:has(#voter_id)")
    expect(assisted.locator("#voter_id option")).to_have_text([UMM_KHALED_NAME])  # verified, not voted yet
    assisted.locator("#voter_id").select_option(label=UMM_KHALED_NAME)
    assisted.locator("input[name=choice][value=no]").check()
    click_and_load(salma, assisted.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(rf"/votes/{poll_id}/assisted$"))
    assisted_receipt = receipt_in(flash(salma).inner_text())
    expect(flash(salma)).to_have_text(said(
        live_server, "The ballot of %(name)s is counted. Give them their receipt code: %(code)s",
        name=UMM_KHALED_NAME, code=ltr_text(assisted_receipt)))
    expect(salma.locator("main form[method=post]:has(#voter_id)")).to_have_count(0)
    expect(salma.locator("main .card")).to_contain_text(
        said(live_server, "No member verified in person is waiting to vote."))

    # Three of five voted: Salma closes the vote early, with a reason.
    salma.goto(f"/votes/{poll_id}")
    expect(status).to_contain_text(voted(live_server, 3, electorate))
    salma.locator(f"main a[href='/votes/{poll_id}/close']").click()
    expect(salma).to_have_url(re.compile(rf"/votes/{poll_id}/close$"))
    closing = salma.locator("main form[method=post]:has(#reason)")
    click_and_load(salma, closing.locator("button[type=submit]"))  # no reason: asked for one
    expect(salma).to_have_url(re.compile(rf"/votes/{poll_id}/close$"))
    expect(closing.locator("#reason-error")).to_have_text(
        said(live_server, "Please give a reason for closing early."))
    closing.locator("#reason").fill(CLOSE_REASON)
    click_and_load(salma, closing.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(rf"/votes/{poll_id}$"))
    expect(flash(salma)).to_have_text(said(live_server, "The vote is closed and counted."))
    expect(status).to_contain_text(
        said(live_server, "Closed early by the committee: %(reason)s", reason=CLOSE_REASON))
    expect(salma.locator("#ballot")).to_have_count(0)
    expect(salma.locator(f"main a[href='/votes/{poll_id}/close']")).to_have_count(0)

    # The results: adopted (2 yes, 1 no, quorum 3 of 5 met), a labelled SVG chart, the numbers in a table.
    box = results(salma)
    expect(box.locator("p.big-count")).to_have_text(said(live_server, "Adopted"))
    chart = box.locator("figure.chart svg[role=img]")
    expect(chart).to_have_count(1)
    title_id = chart.get_attribute("aria-labelledby")
    expect(chart.locator(f"title#{title_id}")).to_have_text(said(live_server, "Votes for each answer"))
    expect(chart.locator("g")).to_have_count(len(CHOICES))
    expect(chart.locator("g > title")).to_have_text(
        [f"{said(live_server, CHOICES[c])}: {number(live_server, n)}"
         for c, n in (("yes", 2), ("no", 1), ("abstain", 0))])
    assert rows_of(box.locator("table")) == [[said(live_server, CHOICES[c]), number(live_server, n)]
                                             for c, n in (("yes", 2), ("no", 1), ("abstain", 0))]
    expect(box).to_contain_text(said(live_server, "Quorum met"))
    expect(box).to_contain_text(said_n(live_server, "%(n)s vote needed", "%(n)s votes needed", 3))

    # The demand reads adopted.
    salma.locator(f"main a[href='/demands/{proposal_id}']").first.click()
    expect(salma).to_have_url(re.compile(rf"/demands/{proposal_id}$"))
    expect(salma.locator("main p.meta span.tag").first).to_have_text(said(live_server, LABELS["adopted"]))
    vote_box = salma.locator("section[aria-labelledby=vote-title]")
    expect(vote_box.locator("p.big-count")).to_have_text(said(live_server, "Adopted"))
    expect(vote_box.locator(f"a[href='/votes/{poll_id}']")).to_have_text(said(live_server, "See the results"))
    expect(salma.locator(f"main a[href='/demands/{proposal_id}/vote/open']")).to_have_count(0)

    # Omar (still without JavaScript) is told; the chart is there; his receipt code is on the ballots list.
    follow_notification(omar, f"/votes/{poll_id}")
    expect(results(omar).locator("figure.chart svg[role=img] g")).to_have_count(len(CHOICES))
    results(omar).locator(f"a[href='/votes/{poll_id}/ballots']").click()
    expect(omar).to_have_url(re.compile(rf"/votes/{poll_id}/ballots$"))
    listed = omar.locator("main table tbody tr")
    expect(listed).to_have_count(3)
    expect(omar.locator("main table")).to_contain_text(receipt)
    finder = omar.locator("main form[method=get]:has(#receipt)")
    finder.locator("#receipt").fill(receipt.lower())  # as someone might type it
    click_and_load(omar, finder.locator("button[type=submit]"))
    expect(omar).to_have_url(re.compile(rf"/votes/{poll_id}/ballots\?receipt="))
    expect(listed).to_have_count(1)
    assert rows_of(omar.locator("main table")) == [[receipt, said(live_server, CHOICES["yes"])]]

    # Who voted what (not a secret vote): each person and how their ballot came in.
    omar.goto(f"/votes/{poll_id}")
    omar.locator(f"main a[href='/votes/{poll_id}/voters']").click()
    expect(omar).to_have_url(re.compile(rf"/votes/{poll_id}/voters$"))
    assert sorted(rows_of(omar.locator("main table"))) == sorted([
        [NAMES[OMAR], said(live_server, CHOICES["yes"]), said(live_server, "online")],
        [NAMES[LAYLA], said(live_server, CHOICES["yes"]), said(live_server, "by proxy")],
        [UMM_KHALED_NAME, said(live_server, CHOICES["no"]), said(live_server, "assisted at the centre")]])

    with live_server.app.app_context():
        poll = db.session.get(Poll, poll_id)
        assert (poll.status, poll.kind, poll.quorum_percent, poll.majority, poll.secret) == (
            "closed", "adoption", 50, "simple", False)
        assert (poll.electorate, poll.turnout, poll.close_reason, poll.closed_by_id) == (
            electorate, 3, CLOSE_REASON, accounts.find_by_email(SALMA).id)
        expected = {"yes": 2, "no": 1, "abstain": 0, "quorum_needed": 3, "quorum_met": True, "adopted": True}
        assert {key: poll.result[key] for key in expected} == expected
        assert db.session.get(Proposal, proposal_id).status == "adopted"
        salma_id = accounts.find_by_email(SALMA).id
        how = {(p.user_id, p.channel, p.cast_by_id) for p in db.session.scalars(
            select(Participation).where(Participation.poll_id == poll_id))}
        assert how == {(omar_id, "online", None), (layla_id, "proxy", omar_id),
                       (umm_khaled_id, "assisted", salma_id)}
        receipts = {b.receipt: (b.voter_id, b.choice) for b in db.session.scalars(
            select(Ballot).where(Ballot.poll_id == poll_id))}
        assert receipts == {receipt: (omar_id, "yes"), proxy_receipt: (layla_id, "yes"),
                            assisted_receipt: (umm_khaled_id, "no")}
        # The audit log names the committee member who recorded the assisted ballot.
        [recorded] = db.session.scalars(select(Event).where(
            Event.subject_type == "polls", Event.subject_id == poll_id,
            Event.verb == "poll.voted_assisted")).all()
        assert (recorded.actor_id, recorded.data["cast_by"], recorded.data["voter_id"]) == (
            salma_id, NAMES[SALMA], umm_khaled_id)


@pytest.fixture
def three_demands(live_server):
    """Three open demands of al-midan by Omar, and Hana and Karim, members of al-midan."""
    with live_server.app.app_context():
        community = communities.by_slug(COMMUNITY)
        council = db.session.scalar(select(Council).where(Council.name == demo.COUNCIL["name"]))
        omar = accounts.find_by_email(OMAR)
        ids = {key: factories.make_proposal(community, omar, status="open", council=council, title=title).id
               for key, title in DEMANDS.items()}
        for name, email in ((HANA_NAME, HANA), (KARIM_NAME, KARIM)):
            factories.make_member(community, factories.make_user(name, email, password=demo.DEMO_PASSWORD))
        return ids


def test_ranked_priority_ballot_gives_the_schulze_order(live_server, new_page, three_demands):
    ids = three_demands
    key_of = {pid: key for key, pid in ids.items()}

    # Salma (committee) creates the ballot from the community's votes.
    salma = new_page()
    sign_in(salma, SALMA)
    salma.goto(f"/communities/{COMMUNITY}")
    salma.locator(f"main a[href='/communities/{COMMUNITY}/votes']").first.click()
    expect(salma).to_have_url(re.compile(rf"/communities/{COMMUNITY}/votes$"))
    salma.locator(f"main a[href='/communities/{COMMUNITY}/votes/new']").click()
    expect(salma).to_have_url(re.compile(rf"/communities/{COMMUNITY}/votes/new$"))
    form = salma.locator("main form[method=post]:has(#title)")
    form.locator("#title").fill(PRIORITY)
    form.locator("#description").fill("رتّبوا المطالب: 1 هو الأهم. يمكنكم ترك ما لا تريدون ترتيبه.")
    expect(form.locator("input[name=method][value=ranked]")).to_be_checked()  # the default
    # The open and adopted demands of al-midan are offered (the demo's roof and clinic demands too); the three are
    # ticked.
    expect(form.locator("input[name=options]")).to_have_count(5)
    for pid in ids.values():
        form.locator(f"input[name=options][value='{pid}']").check()
    click_and_load(salma, form.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(r"/votes/\d+$"))
    poll_id = int(salma.url.rsplit("/", 1)[1])
    expect(flash(salma)).to_have_text(said(live_server, "The ballot is open; the members are told."))
    expect(salma.locator("main h1")).to_have_text(PRIORITY)

    # Five members rank the demands, Hana without JavaScript. Each gets a receipt code.
    receipts, pages = {}, {SALMA: salma}
    for email, ranking in RANKINGS.items():
        if email == SALMA:
            page = salma
            page.goto(f"/votes/{poll_id}")
        else:
            page = pages[email] = new_page(java_script_enabled=email != HANA)
            sign_in(page, email)
            open_votes(page, poll_id)
        ballot = vote_form(page, poll_id)
        expect(ballot.locator("select[name^=rank_]")).to_have_count(len(DEMANDS))
        for key, pid in ids.items():
            position = ranking.find(key) + 1
            ballot.locator(f"select[name=rank_{pid}]").select_option(str(position) if position else "")
        click_and_load(page, ballot.locator("button[type=submit]"))
        expect(page).to_have_url(re.compile(rf"/votes/{poll_id}$"))
        receipts[email] = receipt_in(flash(page).inner_text())
        # The ballot is kept as it was given, and can be changed until closing.
        for key, pid in ids.items():
            position = ranking.find(key) + 1
            expect(vote_form(page, poll_id).locator(f"select[name=rank_{pid}]")).to_have_value(
                str(position) if position else "")

    # Karim gives two demands the same rank: the ballot comes back with its error; his vote stays as it was.
    karim = pages[KARIM]
    ballot = vote_form(karim, poll_id)
    for pid in ids.values():
        ballot.locator(f"select[name=rank_{pid}]").select_option("1")
    click_and_load(karim, ballot.locator("button[type=submit]"))
    expect(ballot_box(karim).locator("p.error-message")).to_have_text(
        said(live_server, "Give each demand a different rank."))

    # Salma closes the ballot early.
    salma.locator(f"main a[href='/votes/{poll_id}/close']").click()
    closing = salma.locator("main form[method=post]:has(#reason)")
    closing.locator("#reason").fill("صوّت الجميع.")
    click_and_load(salma, closing.locator("button[type=submit]"))
    expect(salma).to_have_url(re.compile(rf"/votes/{poll_id}$"))
    expect(flash(salma)).to_have_text(said(live_server, "The vote is closed and counted."))

    # The order of priority is the Schulze order, B > A > C, though B had the fewest first choices.
    box = results(salma)
    expected = [DEMANDS[key] for key in EXPECTED_ORDER]
    expect(box.locator("ol.ranking-result > li")).to_have_text(expected)
    table = box.locator(".table-scroll table.pairwise")
    expect(table.locator("thead th[scope=col]")).to_have_text(expected)
    assert rows_of(table) == [
        [DEMANDS[a]] + [number(live_server, PAIRWISE[a, b]) if a != b else "—" for b in EXPECTED_ORDER]
        for a in EXPECTED_ORDER]
    chart = box.locator("figure.chart svg[role=img]")
    expect(chart.locator("g")).to_have_count(len(DEMANDS))
    expect(chart.locator("g > title")).to_have_text(  # how many other demands each one beats
        [f"{DEMANDS[key]}: {number(live_server, wins)}" for key, wins in zip(EXPECTED_ORDER, (2, 1, 0))])

    # Anyone can recount from the CSV of anonymous ballots (sorted by receipt code).
    served = salma.request.get(f"/votes/{poll_id}/ballots.csv")
    assert served.status == 200 and served.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(served.text().lstrip("\ufeff"))))
    assert rows[0] == ["receipt", "ranking"]
    ballots = rows[1:rows.index([])]
    assert sorted(r for r, _ in ballots) == sorted(receipts.values()) == [r for r, _ in ballots]
    recount = tally.schulze(list(ids.values()),
                            [[int(pid) for pid in ranking.split(" > ")] for _, ranking in ballots])
    assert [key_of[pid] for group in recount.order for pid in group] == list(EXPECTED_ORDER)
    by_receipt = dict(ballots)
    assert {email: by_receipt[code] for email, code in receipts.items()} == {
        email: " > ".join(str(ids[key]) for key in ranking) for email, ranking in RANKINGS.items()}

    with live_server.app.app_context():
        poll = db.session.get(Poll, poll_id)
        assert (poll.kind, poll.method, poll.status, poll.turnout) == (
            "priority", "ranked", "closed", len(RANKINGS))
        assert [[key_of[pid] for pid in group] for group in poll.result["order"]] == [
            [key] for key in EXPECTED_ORDER]
        assert sorted(option.proposal_id for option in poll.options) == sorted(ids.values())


@pytest.fixture
def closed_votes(live_server):
    """A closed adoption vote on the roof demand; a closed ranked ballot on three demands with long titles."""
    with live_server.app.app_context():
        community = communities.by_slug(COMMUNITY)
        council = db.session.scalar(select(Council).where(Council.name == demo.COUNCIL["name"]))
        salma, omar, layla = (accounts.find_by_email(email) for email in (SALMA, OMAR, LAYLA))
        roof = db.session.scalar(select(Proposal).where(Proposal.title == ROOF))
        adoption = factories.make_vote(roof, actor=salma)
        for voter, choice in ((salma, "yes"), (omar, "yes"), (layla, "abstain")):
            voting.cast(voter, adoption, choice)
        voting.close(salma, adoption, CLOSE_REASON)
        titles = ["إصلاح خط المياه الرئيسي في حارة الجامع قبل الصيف",
                  "Repair the stairs leading to the girls' school (Baghdad Street)",
                  "حديقة للأطفال مع مقاعد للكبار قرب جامع الدقاق"]
        demands = [factories.make_proposal(community, omar, status="open", council=council, title=title)
                   for title in titles]
        ranked = factories.make_priority_ballot(community, demands, actor=salma, title=PRIORITY)
        for voter, order in ((salma, [0, 1, 2]), (omar, [1, 0, 2]), (layla, [0, 2])):
            voting.cast(voter, ranked, [demands[i].id for i in order])
        voting.close(salma, ranked, "صوّت الجميع.")
        db.session.commit()
        return adoption.id, ranked.id


@pytest.mark.parametrize("locale,lang,direction", [("ar-SY", "ar", "rtl"), ("en-GB", "en", "ltr")],
                         ids=["arabic", "english"])
def test_results_at_phone_width(live_server, new_page, closed_votes, locale, lang, direction):
    """The results pages on a 390px phone, for a visitor: nothing scrolls sideways, the chart's labels fit."""
    adoption_id, ranked_id = closed_votes
    page = new_page(locale=locale, viewport={"width": 390, "height": 844})
    for kind, poll_id in (("adoption", adoption_id), ("ranked", ranked_id)):
        page.goto(f"/votes/{poll_id}")
        expect_language(page, lang, direction)
        chart = results(page).locator("figure.chart svg[role=img]")
        expect(chart).to_have_count(1)
        results(page).scroll_into_view_if_needed()
        shot(page, f"results-{kind}-{lang}-390")
        shot(page, f"results-{kind}-{lang}-390-section", results(page))
        expect_no_sideways_scroll(page)
        expect_chart_inside(page, chart)
    expect(results(page).locator(".table-scroll table.pairwise tbody tr")).to_have_count(3)
    status = page.locator("section[aria-labelledby=status-title]")
    expect(status).to_contain_text(voted(live_server, 3, 4, lang=lang))  # Samir did not vote
    expect(status).to_contain_text(percent(live_server, 0.75, lang=lang))
