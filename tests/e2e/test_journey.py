"""A resident's first visit, in a real browser: register, verify by mail, sign in, switch language, join.

Run with JavaScript (htmx swaps the membership box in place) and without (every form is a plain post).
"""
import email
import email.policy
import re

import pytest
from playwright.sync_api import expect

from civicvoice.accounts import services as accounts
from civicvoice.communities import services as communities

pytestmark = pytest.mark.e2e

NAME = "مريم الأحمد"
EMAIL = "mariam@example.org"
PASSWORD = "أشجار الزيتون على ضفة النهر"
COMMUNITY = "al-midan"  # the demo's open community


def verification_url(live_server, to: str) -> str:
    """The link in the newest verification mail to `to`, read back from the outbox's .eml files."""
    mails = []
    for path in live_server.outbox_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            mails.append((path.stat().st_mtime_ns, message))
    assert mails, f"no mail to {to} in {live_server.outbox_dir}"
    message = max(mails, key=lambda pair: pair[0])[1]
    body = message.get_body(preferencelist=("plain",)).get_content()  # decodes base64 / quoted-printable
    urls = re.findall(r"^\s*(https?://\S+)\s*$", body, re.MULTILINE)
    assert len(urls) == 1, body
    assert urls[0].startswith(live_server.url + "/account/verify/"), urls[0]
    return urls[0]


def expect_language(page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_register_verify_sign_in_switch_language_and_join(live_server, new_page, javascript):
    page = new_page(java_script_enabled=javascript)
    header = page.locator("header.site-header")

    # Home: Arabic, right to left.
    page.goto("/")
    expect_language(page, "ar", "rtl")
    expect(header.locator("form.language-switch button")).to_have_text("English")

    # Register.
    header.locator("a[href='/register']").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    page.locator("#display_name").fill(NAME)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/register/check-email$"))

    # The mail's link shows a confirmation button; pressing it verifies the address.
    page.goto(verification_url(live_server, EMAIL))
    expect_language(page, "ar", "rtl")
    page.locator("main form[action^='/account/verify/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("ul.flash li.success")).to_have_count(1)

    # Sign in: the header offers "Sign out" and no longer asks to confirm the address.
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(header.locator("form[action='/logout']")).to_have_count(1)
    expect(page.locator("form[action='/account/verify/resend']")).to_have_count(0)

    # Switch to English and back with the header button.
    header.locator("form.language-switch button").click()
    expect_language(page, "en", "ltr")
    expect(header.locator("form.language-switch button")).to_have_text("العربية")
    header.locator("form.language-switch button").click()
    expect_language(page, "ar", "rtl")
    expect(header.locator("form.language-switch button")).to_have_text("English")

    # Open the demo's open community and join it.
    page.locator(f"main a[href='/communities/{COMMUNITY}']").click()
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}$"))
    membership = page.locator("#membership")
    join = membership.locator(f"form[action='/communities/{COMMUNITY}/join'] button[type=submit]")
    expect(join).to_have_count(1)
    if javascript:
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate("() => { window.e2eSamePage = true }")  # lost if the browser loads a new page
    join.click()

    expect(membership.locator(f"form[action='/communities/{COMMUNITY}/leave']")).to_have_count(1)
    expect(membership.locator(f"form[action='/communities/{COMMUNITY}/join']")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/communities/{COMMUNITY}$"))
    expect_language(page, "ar", "rtl")
    if javascript:
        assert page.evaluate("() => window.e2eSamePage === true"), "htmx should swap the box, not reload the page"
    else:
        expect(page.locator("ul.flash li.success")).to_have_count(1)  # the 303 led to a fresh page

    with live_server.app.app_context():
        user = accounts.find_by_email(EMAIL)
        assert user.email_verified_at is not None
        assert user.locale == "ar"
        membership_row = communities.membership(communities.by_slug(COMMUNITY), user)
        assert membership_row is not None and membership_row.status == "active"
