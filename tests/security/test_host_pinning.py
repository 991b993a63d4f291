"""Links that cannot be pointed elsewhere (issue #18 item 1): the site answers only to its own address (BASE_URL's
host and the names an operator lists in SERVER_ALIASES), and every absolute URL it writes (mail, letters and their
QR code, calendar files) is built from BASE_URL, whatever host a request named.

A request for another host, in Host or (behind a trusted proxy) X-Forwarded-Host, is a localised 400 that sends
nothing. A request through an alias gets through, and is the strongest test of the links: it reaches every view with
a host that is not the site's address.
"""
import io
import re
from pathlib import Path

import pytest
import segno
from flask import url_for
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import func, select

from civicvoice import activity, create_app, urls
from civicvoice.activity import emails
from civicvoice.activity import services as notifications
from civicvoice.errors import TITLES
from civicvoice.extensions import db
from civicvoice.i18n import force_locale
from civicvoice.mail import OutboxMessage
from tests.pages import form_fields
from tests.factories import (PASSWORD, advance_proposal, make_admin, make_committee, make_community, make_council,
                             make_letter, make_meeting, make_proposal, make_user)

SITE = "https://civicvoice.example"  # BASE_URL of these tests
ALIAS = "http://alias.example"  # a name the operator lets in (SERVER_ALIASES): links must still say SITE
pinned = pytest.mark.app_config(BASE_URL=SITE, SERVER_ALIASES=("alias.example",))
URL = re.compile(r"https?://[^\s<>\"')]+")
PRINTED_URL = re.compile(r"https?://[A-Za-z0-9.:/_-]*[A-Za-z0-9/]")  # in a PDF's text, where Arabic follows at once
CIVICVOICE = Path(__file__).parents[2] / "civicvoice"


def _queued() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def printed_urls(pdf: bytes) -> set[str]:
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return set(PRINTED_URL.findall(re.sub(r"\s+", "", text)))


def urls_in(message: dict) -> list[str]:
    """Every absolute URL a delivered mail carries: text, HTML and headers (List-Unsubscribe)."""
    parts = [message["body"], message.get("html") or "", *(message.get("headers") or {}).values()]
    return [url for part in parts for url in URL.findall(part)]


def assert_site_links(message: dict, *paths: str) -> None:
    """The mail has links, each one on the site's address; `paths` are among them."""
    found = urls_in(message)
    assert found, message["body"]
    assert all(url.startswith(SITE + "/") for url in found), found
    for path in paths:
        assert any(url.startswith(SITE + path) for url in found), (path, found)


def sign_in(client, user) -> None:
    """Through the sign-in form on the alias: the session cookie is the alias's."""
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url=ALIAS)
    assert response.status_code == 303


def _mail_to(outbox, address: str) -> dict:
    [message] = [m for m in outbox if m["to"] == address]
    return message


# Other hosts are refused. ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "localhost.evil.example", "evil.localhost"])
@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/account/reset"), ("POST", "/account/reset"),
                                          ("GET", "/login")])
def test_a_request_for_another_host_is_refused_with_a_localised_400(client, outbox, method, path, host):
    make_user(email="victim@example.org")
    response = client.open(path, method=method, data={"email": "victim@example.org"}, headers={"Host": host})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    with force_locale("ar"):
        title = str(TITLES[400])
    assert 'dir="rtl"' in html and title in html  # the site's own error page, in Arabic
    assert "evil" not in html
    assert outbox == [] and _queued() == 0


def test_the_refusal_speaks_the_readers_language(client):
    response = client.get("/", headers={"Host": "evil.example", "Accept-Language": "en"})
    assert response.status_code == 400
    assert "Something in the request was not valid" in response.get_data(as_text=True)


def test_the_sites_own_host_is_served(client):
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200  # the port does not matter


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_x_forwarded_host_is_refused_behind_a_trusted_proxy(client, outbox):
    make_user(email="victim@example.org")
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"}
    assert client.get("/account/reset", headers=forwarded).status_code == 400
    response = client.post("/account/reset", data={"email": "victim@example.org"}, headers=forwarded)
    assert response.status_code == 400
    assert outbox == [] and _queued() == 0
    # The proxy naming the site itself is served.
    assert client.get("/account/reset", headers={"X-Forwarded-Host": "localhost"}).status_code == 200


def test_x_forwarded_host_is_ignored_without_a_trusted_proxy(client, outbox):
    make_user(email="victim@example.org")
    response = client.post("/account/reset", data={"email": "victim@example.org"},
                           headers={"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 200
    assert all(url.startswith("http://localhost/") for url in urls_in(_mail_to(outbox, "victim@example.org")))


@pinned
def test_an_alias_is_served(client):
    assert client.get("/", base_url=ALIAS).status_code == 200
    assert client.get("/", headers={"Host": "civicvoice.example"}).status_code == 200


# Every link the site writes says BASE_URL, whatever host the request named. --------------------------------------

@pinned
def test_the_reset_link_uses_the_site_address(client, outbox):
    make_user(email="known@example.org")
    assert client.post("/account/reset", data={"email": "known@example.org"}, base_url=ALIAS).status_code == 200
    message = _mail_to(outbox, "known@example.org")
    assert_site_links(message, "/account/reset/")
    [link] = [url for url in urls_in(message) if "/account/reset/" in url]
    assert client.get(link.removeprefix(SITE), base_url=ALIAS).status_code == 200  # and it works


@pinned
def test_the_reply_to_a_reset_for_an_unknown_address_uses_the_site_address(client, outbox):
    assert client.post("/account/reset", data={"email": "nobody@example.org"}, base_url=ALIAS).status_code == 200
    assert_site_links(_mail_to(outbox, "nobody@example.org"), "/register")


@pinned
def test_the_verification_and_already_registered_links_use_the_site_address(client, outbox):
    form = {"display_name": "Newcomer", "email": "new@example.org", "password": PASSWORD}
    assert client.post("/register", data=form, base_url=ALIAS).status_code == 303
    assert_site_links(_mail_to(outbox, "new@example.org"), "/account/verify/")
    outbox.clear()
    assert client.post("/register", data=form, base_url=ALIAS).status_code == 303  # the address is known now
    assert_site_links(_mail_to(outbox, "new@example.org"), "/login", "/account/reset")


@pinned
def test_the_resent_verification_link_uses_the_site_address(client, outbox):
    user = make_user(email="unverified@example.org", verified=False)
    sign_in(client, user)
    assert client.post("/account/verify/resend", base_url=ALIAS).status_code == 303
    assert_site_links(_mail_to(outbox, "unverified@example.org"), "/account/verify/")


@pinned
def test_register_and_sign_mails_the_site_address(client, outbox):
    proposal = make_proposal(make_community(is_open=True), status="open")
    form = {"display_name": "Signer", "email": "signer@example.org", "password": PASSWORD, "visibility": "public"}
    response = client.post(f"/demands/{proposal.id}/sign/register", data=form, base_url=ALIAS)
    assert response.status_code == 303
    assert_site_links(_mail_to(outbox, "signer@example.org"), "/account/verify/")


@pinned
def test_the_council_invitation_uses_the_site_address(client, outbox):
    council = make_council()
    sign_in(client, make_admin())
    response = client.post(f"/councils/{council.id}/staff", data={"email": "clerk@example.org", "role": "viewer"},
                           base_url=ALIAS)
    assert response.status_code == 303
    assert_site_links(_mail_to(outbox, "clerk@example.org"), "/council-invitations/")


@pinned
def test_notification_and_unsubscribe_links_use_the_site_address(client, outbox):
    community = make_community()
    author = make_user(email="author@example.org", locale="en")
    proposal = make_proposal(community, author=author, status="in_review")
    sign_in(client, make_committee(community))
    page = client.get(f"/demands/{proposal.id}", base_url=ALIAS).get_data(as_text=True)
    read = form_fields(page, f"/demands/{proposal.id}/publish")  # the publish button binds what was read
    assert client.post(f"/demands/{proposal.id}/publish", data=read, base_url=ALIAS).status_code == 303
    message = _mail_to(outbox, "author@example.org")
    assert_site_links(message, f"/demands/{proposal.id}", "/unsubscribe/", "/notifications/settings")
    assert message["headers"]["List-Unsubscribe"].startswith(f"<{SITE}/unsubscribe/")


@pinned
def test_digest_links_use_the_site_address_even_inside_a_request_for_an_alias(app, outbox):
    community = make_community()
    reader = make_user(email="reader@example.org", locale="en")
    proposal = make_proposal(community, status="open")
    notifications.set_preference(reader, "signed", "digest")
    event = activity.record(make_committee(community), "proposal.withdraw", proposal, community,
                            title=proposal.title)
    activity.notify(event, [reader])
    db.session.commit()
    with app.test_request_context("/", base_url=ALIAS):
        emails.send_digests()
    assert_site_links(_mail_to(outbox, "reader@example.org"), f"/demands/{proposal.id}", "/unsubscribe/")


@pinned
def test_the_letter_its_qr_code_and_its_mail_use_the_site_address(client, outbox):
    from civicvoice.letters.models import Letter

    council = make_council(contact_email="council@example.org")
    community = make_community()
    chair = make_committee(community)
    proposal = make_proposal(community, status="open", council=council)
    advance_proposal(proposal, "open_vote")
    advance_proposal(proposal, "adopt")
    letter = make_letter(proposal, drafter=chair)
    sign_in(client, make_committee(community))  # the second pair of eyes approves, through the alias
    base = f"/demands/{proposal.id}/letter"
    read = form_fields(client.get(base, base_url=ALIAS).get_data(as_text=True), f"{base}/approve")
    assert client.post(f"{base}/approve", data=read, base_url=ALIAS).status_code == 303
    code = db.session.get(Letter, letter.id).issued.verification_code
    verify = f"{SITE}/verify/{code}"

    pdf = client.get(f"{base}.pdf", base_url=ALIAS)
    assert pdf.status_code == 200
    printed = printed_urls(pdf.data)
    assert verify in printed and all(url.startswith(SITE + "/") for url in printed), printed

    page = client.get(f"{base}/print", base_url=ALIAS).get_data(as_text=True)
    # The QR code is segno's encoding of the site's verification address, and of nothing else.
    expected = segno.make(verify, error="m").svg_data_uri(scale=3, border=0)
    assert expected.replace("&", "&amp;") in page or expected in page

    client.post("/logout", base_url=ALIAS)
    sign_in(client, chair)
    assert client.post(f"{base}/send-email", base_url=ALIAS).status_code == 303
    assert_site_links(_mail_to(outbox, "council@example.org"), f"/verify/{code}", f"/demands/{proposal.id}")


@pinned
def test_the_calendar_file_uses_the_site_address(client):
    meeting = make_meeting(make_community())
    response = client.get(f"/meetings/{meeting.id}.ics", base_url=ALIAS)
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["URL"]) == f"{SITE}/meetings/{meeting.id}"
    assert str(event["UID"]) == f"meeting-{meeting.id}@civicvoice.example"
    assert all(url.startswith(SITE + "/") for url in URL.findall(str(event["DESCRIPTION"])))


# One way to build an absolute URL. ------------------------------------------------------------------------------

REQUEST_HOST = re.compile(r"_external\s*=\s*True|\bhost_url\b|\burl_root\b|request\.host\b|request\.url\b|"
                          r"request\.base_url\b")


def test_nothing_builds_an_absolute_url_from_the_request():
    """Absolute URLs come from civicvoice/urls.py (BASE_URL); a request's host is never copied into one."""
    offenders = []
    for path in sorted(CIVICVOICE.rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or path.name == "urls.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if REQUEST_HOST.search(line):
                offenders.append(f"{path.relative_to(CIVICVOICE)}:{number}: {line.strip()}")
    assert offenders == []


# Configuration. -------------------------------------------------------------------------------------------------

def _production(monkeypatch, **env):
    monkeypatch.setenv("CIVICVOICE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("SERVER_ALIASES", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("base_url", [None, "http://civicvoice.example", "https://", "civicvoice.example",
                                      "https://civicvoice.example/?next=x"])
def test_production_refuses_to_start_without_an_https_site_address(monkeypatch, base_url):
    _production(monkeypatch, **({"BASE_URL": base_url} if base_url else {}))
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app()


def test_production_answers_only_to_the_site_address_and_its_aliases(monkeypatch):
    _production(monkeypatch, BASE_URL="https://civicvoice.example/", SERVER_ALIASES="www.civicvoice.example, "
                                                                                  "10.0.0.5")
    app = create_app()
    assert app.config["BASE_URL"] == "https://civicvoice.example"
    assert app.config["TRUSTED_HOSTS"] == ["civicvoice.example", "www.civicvoice.example", "10.0.0.5"]
    client = app.test_client()
    with client.get("/static/css/app.css", base_url="https://www.civicvoice.example") as response:
        assert response.status_code == 200
    with client.get("/static/css/app.css", base_url="https://localhost") as response:
        assert response.status_code == 400


def test_development_also_answers_on_the_loopback_names(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("SERVER_ALIASES", raising=False)
    monkeypatch.delenv("CIVICVOICE_ENV", raising=False)
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert set(app.config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}


@pytest.mark.app_config(BASE_URL="https://example.org/civic/", SERVER_ALIASES=("alias.example",))
def test_links_keep_the_site_path_prefix(app):
    """A site served under a path: links carry BASE_URL's path, whatever script root the request had."""
    for request_base in (ALIAS, ALIAS + "/civic"):
        with app.test_request_context("/", base_url=request_base):
            assert urls.external("accounts.login") == "https://example.org/civic/login"
            assert urls.absolute(url_for("accounts.login")) == "https://example.org/civic/login"
            assert urls.host() == "example.org"


@pinned
def test_the_demos_letters_point_at_the_site_address(app):
    """The demo's issued letters are rendered when it loads: the address they print is BASE_URL's."""
    from civicvoice.letters import services as letters
    from civicvoice.letters.models import LetterVersion

    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0 and SITE in result.output, result.output
    issued = db.session.scalars(select(LetterVersion).where(LetterVersion.pdf_key.is_not(None))).all()
    assert issued
    for version in issued:
        assert printed_urls(letters.issued_pdf(version)) == {f"{SITE}/verify/{version.verification_code}"}
