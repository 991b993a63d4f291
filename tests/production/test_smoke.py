"""The production stack, as an operator builds it with docs/deploy.md, checked from the outside.

nginx with deploy/nginx.conf in front of two gunicorn app hosts (deploy/gunicorn.conf.py), PostgreSQL, Redis,
the RQ worker and an SMTP server, all on 127.0.0.1 with CIVICVOICE_ENV=production (the `site` fixture, started
once). Every request goes over HTTPS through nginx with a real client and the site's host name, except where a
test talks to one app host directly, as nginx does, to see that the two hosts serve one site.
"""
import gzip
import io
import json
import re
import time

import brotli
import pytest
from PIL import Image

from .client import Browser
from .stack import ADMIN_EMAIL, ADMIN_PASSWORD, COMMUNITY, wait_until

pytestmark = pytest.mark.xdist_group("production")  # one site, one worker

PASSWORD = "olive trees along the river bank"  # nosec B105 - a throwaway account of a throwaway site
IMMUTABLE = "public, max-age=31536000, immutable"


def png() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(data, "PNG")
    return data.getvalue()


def mail_to(site, to: str, containing: str, seconds: float = 20):
    """The first mail to `to` whose text holds `containing`, once the SMTP server has it."""
    def arrived():
        for message in site.mails(to):
            body = message.get_body(preferencelist=("plain",)).get_content()
            if containing in body:
                return body
        return None
    return wait_until(f"a mail to {to} containing {containing!r}", arrived, seconds=seconds, every=0.2)


def see_other(response, path_pattern: str) -> str:
    assert response.status == 303, (response.status, response.text[:2000])
    location = response.header("Location")
    assert re.fullmatch(path_pattern, location), location
    return location


def register(site, person: Browser, name: str, email: str) -> None:
    """Register, open the link of the verification mail (which the SMTP server received), confirm."""
    page = person.get("/register")
    assert page.status == 200
    see_other(person.submit(page, "/register", {"display_name": name, "email": email, "password": PASSWORD}),
              r".*/register/check-email")
    body = mail_to(site, email, "/account/verify/")
    [link] = re.findall(re.escape(site.base_url) + r"(/account/verify/\S+)", body)
    page = person.get(link)
    assert page.status == 200
    see_other(person.submit(page, link), r".*/login")


def draft(person: Browser, site, title: str) -> int:
    """A draft with a photo in the site's community; its id."""
    path = f"/communities/{COMMUNITY}/demands/new"
    page = person.get(path)
    assert page.status == 200, page.text[:2000]
    response = person.submit(page, path, {
        "title": title, "summary": "The pipe under the main street leaks.",
        "body": "Water is lost every day.", "council_id": str(site.council_id), "place": "Main street",
        "resolution": "Water reaches every house for a month.",
    }, files={"attachments": ("leak.png", "image/png", png())})
    return int(re.search(r"/demands/(\d+)$", see_other(response, r".*/demands/\d+")).group(1))


def press(person: Browser, proposal_id: int, action: str, fields: dict | None = None):
    """Press the demand page's button that posts to /demands/<id>/<action>."""
    page = person.get(f"/demands/{proposal_id}")
    assert page.status == 200
    return person.submit(page, f"/demands/{proposal_id}/{action}", fields)


def test_a_resident_registers_joins_drafts_and_the_goal_mail_comes_from_the_worker(site):
    resident, committee = site.browser(), site.browser()
    email = "mariam@example.org"
    register(site, resident, "Mariam Ahmad", email)
    resident.sign_in(email, PASSWORD)
    page = resident.get(f"/communities/{COMMUNITY}")
    see_other(resident.submit(page, f"/communities/{COMMUNITY}/join"), rf".*/communities/{COMMUNITY}")

    proposal_id = draft(resident, site, "Repair the water pipe of the main street")
    see_other(press(resident, proposal_id, "submit"), rf".*/demands/{proposal_id}")
    committee.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    see_other(press(committee, proposal_id, "publish"), rf".*/demands/{proposal_id}")
    see_other(press(committee, proposal_id, "goal", {"goal": "2"}), rf".*/demands/{proposal_id}")

    link = f"{site.base_url}/demands/{proposal_id}"
    for person in (resident, committee):
        assert press(person, proposal_id, "sign", {"visibility": "public"}).status in (200, 303)
    counts = json.loads(resident.get(f"/demands/{proposal_id}/count.json").body)
    assert counts["total"] >= 2, counts

    # The goal is reached: the author's mail is written by jobs the app hosts queue in Redis and the RQ
    # worker runs (the notification, then its delivery), never inline in the request.
    mail_to(site, email, link)
    worker = site.log("worker.log")
    assert "send_now" in worker and "deliver_pending" in worker, worker[-3000:]


def test_plain_http_is_sent_to_the_https_site(site):
    person = Browser(site.base_url, None, site.ca_file, upstream=("127.0.0.1", site.ports["http"]))
    response = person.get("/demands?page=2")
    assert response.status == 301
    assert response.header("Location") == f"{site.base_url}/demands?page=2"


def test_a_request_for_another_host_is_refused(site):
    person = site.browser()
    assert person.get("/").status == 200
    refused = person.get("/", host=f"evil.example:{site.ports['https']}")
    assert refused.status == 400
    assert refused.header("Strict-Transport-Security")


def test_static_files_are_fingerprinted_cached_for_a_year_and_compressed(site):
    person = site.browser()
    page = person.get("/")
    [stylesheet] = re.findall(r'<link[^>]+href="(/static/css/app\.[0-9A-Za-z_-]+\.css)"', page.text)
    on_disk = (site.static_dir / stylesheet.removeprefix("/static/")).read_bytes()
    plain = person.get(stylesheet, headers={"Accept-Encoding": "identity"})
    gzipped = person.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    brotlied = person.get(stylesheet, headers={"Accept-Encoding": "br, gzip"})
    for response in (plain, gzipped, brotlied):
        assert response.status == 200
        assert response.header("Cache-Control") == IMMUTABLE
        assert response.header("Content-Type").startswith("text/css")
    assert plain.header("Content-Encoding") is None and plain.body == on_disk
    assert gzipped.header("Content-Encoding") == "gzip" and gzip.decompress(gzipped.body) == on_disk
    assert brotlied.header("Content-Encoding") == "br" and brotli.decompress(brotlied.body) == on_disk
    assert "Accept-Encoding" in gzipped.header("Vary")
    # A name the build did not write is nginx's 404, never cached for a year.
    missing = person.get("/static/css/app.0123456789abcdef.css")
    assert missing.status == 404 and missing.header("Cache-Control") is None
    # The plain name (an old link) still answers, but changes at each deploy: five minutes only.
    plain_name = person.get("/static/css/app.css")
    assert plain_name.status == 200 and plain_name.body == on_disk
    assert plain_name.header("Cache-Control") == "public, max-age=300"


def test_pages_are_compressed_private_and_carry_the_proxy_request_id(site):
    person = site.browser()
    page = person.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status == 200
    assert page.header("Content-Encoding") == "gzip"
    assert b"<html" in gzip.decompress(page.body)
    assert page.header("Cache-Control") == "no-store"
    assert page.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    request_id = page.header("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id  # nginx's $request_id, kept by the app
    wait_until("the request id in nginx's access log",
               lambda: f"id={request_id}" in site.log("civicvoice.access.log"), seconds=5)
    # ... and in the app's: one JSON object per line (gunicorn's own lines too), the access line of this request
    # with its route, status and duration, once.
    lines = wait_until("the request's access line in the app's log", lambda: [
        record for name in ("app_a.log", "app_b.log") for record in map(json.loads, site.log(name).splitlines())
        if record.get("request_id") == request_id and record.get("logger") == "civicvoice.access"], seconds=5)
    assert len(lines) == 1 and lines[0]["status"] == 200 and lines[0]["route"] == "/"
    assert isinstance(lines[0]["duration_ms"], (int, float))


def test_a_session_and_an_upload_cross_the_two_app_hosts(site):
    person = site.browser()
    person.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    host_a, host_b = (person.on(host) for host in site.app_hosts)
    for host in (host_a, host_b):
        account = host.get("/account")
        assert account.status == 200 and ADMIN_EMAIL in account.text
    stranger = Browser(site.base_url, None, site.ca_file, upstream=site.app_hosts[1])
    assert stranger.get("/account").status == 302  # what makes the 200s above mean something

    proposal_id = draft(host_a, site, "Light the path to the community centre")
    page = host_b.get(f"/demands/{proposal_id}")
    [attachment] = set(re.findall(rf'href="(/demands/{proposal_id}/attachments/\d+)"', page.text))
    served = host_b.get(attachment)
    assert served.status == 200 and served.body.startswith(b"\x89PNG")
    assert host_a.get(attachment).body == served.body
    # Neither host kept it on its own disk: it is in the object store, under the configured prefix.
    assert not any((site.root / "uploads").iterdir())
    assert site.stored_keys() and all(key.startswith("production/") for key in site.stored_keys())


def test_readyz_goes_red_without_redis_while_pages_answer_and_recovers(site):
    person = site.browser()
    assert person.get("/healthz").status == 200
    ready = person.get("/readyz")
    assert ready.status == 200, ready.text
    assert json.loads(ready.body)["checks"]["redis"] == "ok"

    site.stop_redis()
    try:
        failing = wait_until("/readyz to fail", lambda: (r := person.get("/readyz")).status == 503 and r,
                             seconds=15, every=0.3)
        assert json.loads(failing.body)["checks"]["redis"] == "fail"
        assert person.get("/").status == 200
        assert person.get(f"/communities/{COMMUNITY}").status == 200
        assert person.get("/healthz").status == 200
    finally:
        site.restart_redis()
    started = time.monotonic()
    wait_until("/readyz to recover", lambda: person.get("/readyz").status == 200, seconds=15, every=0.3)
    assert time.monotonic() - started < 15
