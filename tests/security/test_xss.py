"""Stored XSS and template injection (SECURITY.md B.10, B.13): user text is always escaped, never evaluated.

Each payload goes into every text field we store (user display name, community name and description,
centre name, address and opening hours, council name, jurisdiction and postal address), tagged with the
field's name, so each page is checked for exactly the fields it shows: every one must be there escaped,
none raw.
"""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from civicvoice import mail
from civicvoice.accounts import services as accounts
from civicvoice.accounts import tokens
from civicvoice.communities import services as communities
from civicvoice.council import services as councils
from civicvoice.extensions import db
from tests.factories import (make_admin, make_centre, make_committee, make_community, make_council,
                             make_member, make_pending, make_staff, make_user)

PACKAGE = Path(__file__).resolve().parents[2] / "civicvoice"

PAYLOADS = [
    "<svg onload=alert(1)>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "</bdi><script>alert(1)</script>",
    "'><a href=javascript:alert(1)>x</a>",
    "[x](javascript:alert(1))",
    "{% print 7*7 %}${7*7}",
]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
                  "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}


class _ScriptFinder(HTMLParser):
    """What a browser would run from this HTML: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def _scripts(body: str) -> list[str]:
    finder = _ScriptFinder()
    finder.feed(body)
    finder.close()
    return finder.found


@pytest.fixture(params=PAYLOADS, ids=range(len(PAYLOADS)))
def payload(request):
    return request.param


@pytest.fixture
def site(app, payload):
    """Every text field filled with `payload ~field`; returns (objects, tag)."""

    def tag(field):
        return f"{payload} ~{field}"

    admin = make_admin(name=tag("admin"))
    resident = make_user(name=tag("user"))
    council = make_council(name=tag("council"), jurisdiction=tag("jurisdiction"),
                           postal_address=tag("postal"))
    community = make_community(name=tag("community"), description=tag("description"), slug="alpha",
                               is_open=False)
    centre = make_centre(community, name=tag("centre"), address=tag("address"), opening_hours=tag("hours"))
    communities.link_councils(None, community, [council])
    db.session.commit()
    make_committee(community, admin)
    make_member(community, resident)
    make_pending(community, make_user(name=tag("pending")))  # notifies the committee, with both names
    make_staff(council, make_user(name=tag("staff")))
    invite = tokens.issue("council_invite", email="invitee@example.org", council_id=council.id, role="viewer")
    db.session.commit()
    objects = dict(admin=admin, resident=resident, council=council, community=community, centre=centre,
                   invite=invite)
    return objects, tag


def _assert_escaped(body: str, payload: str, tag, fields):
    for field in fields:
        assert str(escape(tag(field))) in body, f"{field} is not shown (escaped) on this page"
    if "<" in payload:
        assert payload not in body, "payload rendered raw"
    assert _scripts(body) == []


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


PUBLIC_PAGES = [
    ("/", ["community"]),
    ("/communities/alpha", ["community", "description", "centre", "address", "hours", "council", "admin"]),
    ("/councils", ["council", "jurisdiction"]),
    ("/councils/{council}", ["council", "jurisdiction", "postal"]),
    ("/council-invitations/{invite}", ["council"]),
]
ADMIN_PAGES = [
    ("/communities/alpha/members", ["community", "admin", "user", "pending"]),
    ("/admin", ["community", "council"]),
    ("/notifications", ["community", "pending"]),
    ("/councils/{council}/staff", ["council", "staff"]),
    ("/communities/alpha/edit", ["community", "description"]),
    ("/communities/alpha/centres/{centre}/edit", ["centre", "address", "hours"]),
    ("/councils/{council}/edit", ["council", "jurisdiction", "postal"]),
    ("/communities/alpha/councils", ["community", "council"]),
    ("/account", ["admin", "community"]),
]


def _url(template, objects):
    return template.format(council=objects["council"].id, centre=objects["centre"].id,
                           invite=objects["invite"])


@pytest.mark.parametrize("url, fields", PUBLIC_PAGES, ids=[url for url, _f in PUBLIC_PAGES])
def test_public_pages_escape_stored_text(client, site, payload, url, fields):
    objects, tag = site
    _assert_escaped(_page(client, _url(url, objects)), payload, tag, fields)


@pytest.mark.parametrize("url, fields", ADMIN_PAGES, ids=[url for url, _f in ADMIN_PAGES])
def test_committee_and_admin_pages_escape_stored_text(client, login_as, site, payload, url, fields):
    objects, tag = site
    login_as(objects["admin"])
    _assert_escaped(_page(client, _url(url, objects)), payload, tag, fields)


def test_flash_messages_escape_the_community_name(client, login_as, site, payload):
    objects, tag = site
    login_as(objects["resident"])
    response = client.post("/communities/alpha/leave", follow_redirects=True)
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["community"])


def test_template_syntax_in_stored_text_is_not_evaluated(client, site, payload):
    objects, tag = site
    body = _page(client, "/communities/alpha")
    assert str(escape(tag("description"))) in body  # kept as typed ...
    assert "49 ~" not in body  # ... and never computed


# Emails are text/plain: shown as typed, never interpreted as HTML or as a template. -----------------

def _sent_mail(app, outbox, objects, payload):
    with app.test_request_context():  # mails are sent while answering a request
        accounts.request_password_reset(objects["resident"].email)  # "Hello <name>"
        # An address that already has an account, then an invitation (the council name is in the subject).
        accounts.register("Someone", objects["resident"].email, "a long enough passphrase")
        councils.invite_staff(None, objects["council"], "invitee@example.org", "viewer")
        db.session.commit()
    assert len(outbox) == 3
    return outbox


def test_emails_are_plain_text_only(app, outbox, site, payload):
    objects, tag = site
    for message in _sent_mail(app, outbox, objects, payload):
        built = mail._build(message)
        assert built.get_content_type() == "text/plain"
        assert not built.is_multipart()


def test_emails_show_stored_text_as_typed_without_evaluating_it(app, outbox, site, payload):
    objects, tag = site
    messages = _sent_mail(app, outbox, objects, payload)
    bodies = {message["to"]: message["body"] for message in messages}
    assert tag("user") in bodies[objects["resident"].email]
    assert tag("council") in bodies["invitee@example.org"]
    invite = next(m for m in messages if m["to"] == "invitee@example.org")
    assert tag("council") in invite["subject"]
    for message in messages:
        assert "49 ~" not in message["body"] and "49 ~" not in message["subject"]


# Static guards over the code. ------------------------------------------------------------------------

def _files(pattern):
    files = sorted(PACKAGE.glob(pattern))
    assert files, f"no files match {pattern}"
    return files


def test_templates_never_mark_anything_safe():
    offenders = []
    forbidden = re.compile(r"\|\s*safe\b|\bMarkup\s*\(|autoescape\s+false|\|\s*forceescape\s*\|\s*safe", re.I)
    for path in _files("templates/**/*.*"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if forbidden.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []


def test_sql_is_never_built_from_f_strings():
    offenders = []
    forbidden = re.compile(r"""\btext\(\s*[rbuRBU]?[fF][rR]?["']""")
    for path in _files("**/*.py"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if forbidden.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []


def test_autoescape_is_on_for_every_html_template(app):
    templates = [path.relative_to(PACKAGE / "templates").as_posix() for path in _files("templates/**/*.html")]
    assert [name for name in templates if not app.jinja_env.autoescape(name)] == []
