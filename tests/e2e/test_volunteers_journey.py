"""Volunteering, in a real browser, on the demo's al-midan (its partner coordinator Hiba runs the work day on the
school roof, at منارة الميدان المجتمعية, next Friday morning, for building and plumbing):

Huda, a member, opens "Volunteer" from the menu → fills her profile (building, Fridays, mornings, the Midan centre)
→ the work day is "suggested for you" with the reasons (building, Fridays, mornings, the centre) → she signs up with
a word for the coordinator (htmx swaps the box) → Hiba signs in, sees Huda's sign-up with her phone and confirms it →
the Friday comes (the test moves the activity's start into the past) → Hiba records 3 hours → Huda opens her
history (3 hours in all), downloads the Arabic certificate (its text read back: her name, the hours in Arabic-Indic
digits, the opportunity, the community) and leaves her feedback, which Hiba then reads.

On a phone: Huda's volunteering pages fit a 360px screen, right to left. Set CIVICVOICE_E2E_SHOTS=<dir> to keep
the screenshots.

Assertions go by URLs, form actions, ids and page structure; visible texts are compared with the app's own
catalogue (`said()`).
"""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from civicvoice import demo
from civicvoice.accounts.models import User
from civicvoice.communities import services as communities
from civicvoice.database import utcnow
from civicvoice.extensions import db
from civicvoice.volunteers import profiles
from civicvoice.volunteers.models import Feedback, Opportunity, Signup
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
)
from tests.letters.test_pdf import has_words, pages_of, squash

pytestmark = pytest.mark.e2e

HUDA, HUDA_NAME, HUDA_PHONE = "huda@civicvoice.example.org", "هدى Saleh", "+963 955 111 222"
PARTNER = demo.PARTNER[0]
WORD = "أعمل في البناء منذ عشر سنوات وعندي عدة."


@pytest.fixture
def world(live_server):
    """Huda, a member of al-midan without a profile; the demo's work day and centre."""
    with live_server.app.app_context():
        community = communities.by_slug("al-midan")
        huda = factories.make_user(HUDA_NAME, HUDA, password=demo.DEMO_PASSWORD, phone=HUDA_PHONE)
        factories.make_member(community, huda)
        roof = db.session.scalar(select(Opportunity).where(Opportunity.title == demo.ROOF_DAY))
        assert roof.coordinator.email == PARTNER and roof.places_left == roof.capacity
        skills = {skill.key: skill for skill in profiles.skills()}
        return {"roof": roof.id, "centre": community.centres[0].id, "centre_name": community.centres[0].name,
                "community": community.name, "building": skills["building"].id,
                "building_name": skills["building"].name_ar, "huda": huda.id}


def test_profile_suggestion_sign_up_confirmation_hours_certificate_and_feedback(live_server, new_page, world):
    roof_url = f"/opportunities/{world['roof']}"
    page = new_page()
    sign_in(page, HUDA)

    # The menu leads to volunteering; without a profile she is asked for one.
    page.locator("header.site-header a[href='/volunteer']").click()
    expect(page).to_have_url(re.compile(r"/volunteer$"))
    expect_language(page, "ar", "rtl")
    expect(page.locator("#suggested")).to_contain_text(
        said(live_server, "Fill in your volunteer profile to see the opportunities that match you."))
    page.locator("main a[href='/volunteer/profile']").click()

    # Her profile: building, Fridays, mornings, the Midan centre, seen by members and coordinators.
    form = page.locator("main form[method=post]:has(input[name=skills])")
    form.locator(f"input[name=skills][value='{world['building']}']").check()
    form.locator("input[name=days][value='4']").check()
    form.locator("input[name=times][value='0']").check()
    form.locator(f"input[name=centres][value='{world['centre']}']").check()
    form.locator("input[name=visibility][value=members]").check()
    click_and_load(page, form.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/volunteer$"))
    expect(flash(page)).to_have_text(said(live_server, "Your volunteer profile is saved."))

    # Suggested for her: the work day at her centre, and why.
    suggestion = page.locator("#suggested li.suggestion").filter(has_text=demo.ROOF_DAY)
    expect(suggestion).to_have_count(1)
    reasons = suggestion.locator(".match-reasons")
    for reason in (world["building_name"], said(live_server, "Fridays"), said(live_server, "mornings"),
                   world["centre_name"]):
        expect(reasons).to_contain_text(reason)
    shot(page, "volunteer-suggested-ar")
    suggestion.locator(f"a[href='{roof_url}']").click()

    # She signs up with a word for the coordinator: htmx swaps the box, the page stays.
    expect(page).to_have_url(re.compile(rf"{roof_url}$"))
    box = page.locator("#signup")
    box.locator("#message").fill(WORD)
    box.locator(f"form[action='{roof_url}/sign-up'] button[type=submit]").click()
    expect(page.locator("#my-signup")).to_have_text(
        said(live_server, "Your sign-up: %(status)s", status=said(live_server, "awaiting confirmation")))
    expect(page.locator(f"#signup form[action='{roof_url}/withdraw']")).to_have_count(1)
    sign_out(page)

    # Hiba, the partner coordinator who runs it, sees her sign-up with her phone, and confirms it.
    sign_in(page, PARTNER)
    page.goto(f"{roof_url}/signups")
    line = page.locator("#signups li.signup").filter(has_text=HUDA_NAME)
    expect(line.locator(".contact")).to_contain_text(HUDA_PHONE)
    expect(line).to_contain_text(WORD)
    click_and_load(page, line.locator("form[action$='/confirm'] button"))
    expect(flash(page)).to_have_text(said(live_server, "Confirmed; the volunteer is told."))
    expect(page.locator("#signups li.signup").filter(has_text=HUDA_NAME).locator("span.tag")).to_have_text(
        said(live_server, "confirmed"))

    # Friday comes: the work day has started.
    with live_server.app.app_context():
        roof = db.session.get(Opportunity, world["roof"])
        roof.starts_at = utcnow() - timedelta(hours=6)
        db.session.commit()

    # Hiba records 3 hours for Huda from the opportunity's page.
    page.goto(roof_url)
    page.locator(f"main a[href='{roof_url}/hours']").click()
    hours = page.locator("main form[method=post]:has(input[name$='-hours'])")
    hours.locator("fieldset.hours-line").filter(has_text=HUDA_NAME).locator("input[name$='-hours']").fill("3")
    click_and_load(page, hours.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(rf"{roof_url}$"))
    expect(flash(page)).to_have_text(said(live_server, "The hours are recorded; each volunteer is told."))
    sign_out(page)

    # Huda's history: 3 hours in all, the certificate to download.
    sign_in(page, HUDA)
    page.goto("/volunteer/history")
    expect(page.locator("#total-hours")).to_have_text(said_plural(live_server, "%(n)s hour in all",
                                                                  "%(n)s hours in all", 3))
    entry = page.locator("#history > li").filter(has_text=demo.ROOF_DAY)
    with page.expect_download() as download:
        entry.locator("a.certificate").click()
    pdf = Path(download.value.path()).read_bytes()
    [text] = pages_of(pdf)
    assert has_words(text, "شهادة تطوع") and has_words(text, "هدى") and "Saleh" in text
    assert "٣" in squash(text) and has_words(text, demo.ROOF_DAY) and has_words(text, world["community"])

    # And her feedback, which the coordinator reads.
    entry.locator("a[href$='/feedback']").click()
    feedback = page.locator("main form[method=post]:has(input[name=rating])")
    feedback.locator("input[name=rating][value='5']").check()
    feedback.locator("#went_well").fill("التنظيم ممتاز والأدوات كانت جاهزة.")
    feedback.locator("#to_improve").fill("نبدأ أبكر قبل الحر.")
    click_and_load(page, feedback.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/volunteer/history$"))
    expect(flash(page)).to_have_text(said(live_server, "Thank you for your feedback: the coordinators read it."))
    expect(page.locator("#history > li").filter(has_text=demo.ROOF_DAY).locator(".feedback-own")).to_contain_text(
        said(live_server, "Not answered yet."))
    with live_server.app.app_context():
        signup = db.session.scalar(select(Signup).where(Signup.user_id == world["huda"],
                                                        Signup.opportunity_id == world["roof"]))
        assert (signup.status, signup.hours) == ("confirmed", 3)
        assert db.session.scalar(select(Feedback.rating).where(Feedback.signup_id == signup.id)) == 5
    sign_out(page)
    sign_in(page, PARTNER)
    page.goto(f"{roof_url}/feedback")
    expect(page.locator("#feedback-list")).to_contain_text("نبدأ أبكر قبل الحر.")


def said_plural(live_server, singular, plural, n) -> str:
    from flask_babel import force_locale, ngettext

    from civicvoice.i18n import format_number

    with live_server.app.test_request_context(), force_locale("ar"):
        return ngettext(singular, plural, n, n=format_number(n))


def test_volunteering_pages_on_a_phone(live_server, new_page, world):
    """Huda's volunteering pages, with the demo's data, fit a 360px screen right to left."""
    with live_server.app.app_context():
        huda = db.session.get(User, world["huda"])
        profiles.save_profile(huda, skill_ids=[world["building"]], days=1 << 4, centre_ids=[world["centre"]],
                                visibility="members")
        db.session.commit()
    page = new_page(viewport={"width": 360, "height": 740})
    sign_in(page, HUDA)
    for url in ("/volunteer", f"/opportunities/{world['roof']}", "/volunteer/profile", "/volunteer/history",
                f"/communities/al-midan/centres/{world['centre']}", "/communities/al-midan/opportunities"):
        page.goto(url)
        expect_language(page, "ar", "rtl")
        shot(page, "volunteer-" + re.sub(r"\W+", "-", url).strip("-") + "-360")
        expect_no_sideways_scroll(page)
