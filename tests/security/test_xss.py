"""Stored XSS and template injection (SECURITY.md B.10, B.13): user text is always escaped, never evaluated.

Each payload goes into every text field we store (user display name, community name and description, centre
name, address and opening hours, council name, jurisdiction and postal address; a demand's title, summary,
markdown body, place and resolution, the reasons given for its moves and its attachments' file names; a
signature's comment, the names and neighbourhoods written on paper and the reasons signatures were voided),
tagged with the field's name, so each page is checked for exactly the fields it shows: every one must be
there escaped, none raw.
"""
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from markupsafe import escape

from civicvoice import mail
from civicvoice.accounts import services as accounts
from civicvoice.accounts import tokens
from civicvoice.communities import services as communities
from civicvoice.council import services as councils
from civicvoice.extensions import db
from civicvoice.moderation.services import hide_argument
from tests.factories import (
    make_admin,
    make_centre,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_pending,
    make_staff,
    make_user,
)

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
def site(site_image, payload):
    return site_image(_site, payload)


def _site(payload):
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


# Demands: every text field of a demand, the reasons of the committee's and authors' decisions and the
# attachment file name, on the public page, the lists, the review queue, the diff view and notifications. --

DEMAND_FIELDS = ("title", "summary", "body", "place", "resolution")


@pytest.fixture
def demand_site(site_image, payload):
    return site_image(_demand_site, payload)


def _demand_site(payload):
    """Demands of `alpha` whose every text field is `payload ~field`; returns (objects, tag)."""
    from civicvoice.proposals import services as proposals

    from .routes import attach, png_bytes

    def tag(field):
        return f"{payload} ~{field}"

    council = make_council(name="مجلس البلدة")
    community = make_community(slug="alpha")
    communities.link_councils(None, community, [council])
    admin = make_committee(community, make_admin(name="Admin"))
    author = make_member(community, make_user(name=tag("author")))

    def demand(status, **extra):
        # Revision 1 has one-word fields, so the diff to revision 2 shows each tagged field whole.
        draft = proposals.create_draft(author, community, title="قديم", summary="قديم", body="قديم",
                                       category="other", council_id=council.id, place="قديم", latitude=None,
                                       longitude=None, resolution="قديم")
        proposals.edit(author, draft, **{**{field: tag(field) for field in DEMAND_FIELDS}, "category": "other",
                                         "council_id": council.id}, **extra)
        if status != "draft":
            proposals.submit(author, draft)
        if status not in ("draft", "in_review"):
            if status in ("changes_requested", "rejected"):
                getattr(proposals, {"changes_requested": "request_changes", "rejected": "reject"}[status])(
                    admin, draft, *(("incomplete",) if status == "rejected" else ()), tag(status))
            else:
                proposals.publish(admin, draft)
        return draft

    published = demand("open")
    filename = attach(author, published, png_bytes(), tag("filename") + ".png").filename
    other = demand("open")
    withdrawn = demand("open")
    proposals.withdraw(author, withdrawn, tag("withdrawn"))
    merged = demand("open")
    proposals.merge(admin, merged, published, tag("merged"))
    objects = dict(admin=admin, author=author, published=published, other=other, withdrawn=withdrawn,
                   merged=merged, review=demand("in_review"), changes=demand("changes_requested"),
                   rejected=demand("rejected"), draft=demand("draft"), filename=filename)
    db.session.commit()
    return objects, tag


SHOWN = ["title", "summary", "place", "resolution"]
PUBLIC_DEMAND_PAGES = [
    ("/demands/{published}", SHOWN + ["author"]),
    ("/demands/{withdrawn}", SHOWN + ["withdrawn"]),
    ("/demands/{merged}", SHOWN + ["merged"]),
    ("/demands/{published}/diff?from=1&to=2", SHOWN + ["body"]),
    ("/demands/{published}/revisions", ["title", "author"]),
    ("/demands", ["title", "summary"]),
    ("/communities/alpha/demands", ["title", "summary"]),
    ("/communities/alpha/demands?sort=signatures&category=other&status=open", ["title", "summary"]),
]
COMMITTEE_DEMAND_PAGES = [
    ("/communities/alpha/review", ["title", "author"]),
    ("/demands/{review}", SHOWN + ["author"]),
    ("/demands/{review}/diff?from=1&to=2", SHOWN + ["body"]),
    ("/demands/{review}/reject", ["title"]),
    ("/demands/{rejected}", SHOWN + ["rejected"]),
    ("/demands/{other}/merge", ["title"]),
]
AUTHOR_DEMAND_PAGES = [
    ("/notifications", ["title", "changes_requested", "rejected", "merged"]),
    ("/demands/mine", ["title"]),
    ("/demands/{changes}", SHOWN + ["changes_requested"]),
    ("/demands/{draft}/edit", SHOWN + ["body"]),
]


def _demand_url(template, objects):
    return template.format(**{name: objects[name].id for name in
                              ("published", "withdrawn", "merged", "review", "rejected", "other", "changes",
                               "draft")})


def _assert_demand_page(body, payload, tag, fields):
    _assert_escaped(body, payload, tag, fields)
    assert "~body" in body or "body" not in fields


@pytest.mark.parametrize("url, fields", PUBLIC_DEMAND_PAGES, ids=[url for url, _f in PUBLIC_DEMAND_PAGES])
def test_public_demand_pages_escape_stored_text(client, demand_site, payload, url, fields):
    objects, tag = demand_site
    _assert_demand_page(_page(client, _demand_url(url, objects)), payload, tag, fields)


@pytest.mark.parametrize("url, fields", COMMITTEE_DEMAND_PAGES,
                         ids=[url for url, _f in COMMITTEE_DEMAND_PAGES])
def test_committee_demand_pages_escape_stored_text(client, login_as, demand_site, payload, url, fields):
    objects, tag = demand_site
    login_as(objects["admin"])
    _assert_demand_page(_page(client, _demand_url(url, objects)), payload, tag, fields)


@pytest.mark.parametrize("url, fields", AUTHOR_DEMAND_PAGES, ids=[url for url, _f in AUTHOR_DEMAND_PAGES])
def test_author_demand_pages_escape_stored_text(client, login_as, demand_site, payload, url, fields):
    objects, tag = demand_site
    login_as(objects["author"])
    _assert_demand_page(_page(client, _demand_url(url, objects)), payload, tag, fields)


def test_markdown_body_is_rendered_without_scripts(client, demand_site, payload):
    """The body is markdown: it is rendered, not shown as typed, but nothing in it can run."""
    objects, tag = demand_site
    body = _page(client, f"/demands/{objects['published'].id}")
    prose = body.split('class="prose"', 1)[1].split("</div>", 1)[0]
    assert "~body" in prose
    assert "<script" not in prose and "<svg" not in prose and "<img" not in prose
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', prose)).lower()
    assert _scripts(body) == []


def test_attachment_names_are_escaped(client, demand_site, payload):
    objects, tag = demand_site
    body = _page(client, f"/demands/{objects['published'].id}")
    assert str(escape(objects["filename"])) in body  # in the list of attachments and on the timeline
    if "<" in objects["filename"]:
        assert objects["filename"] not in body
    assert _scripts(body) == []


def test_similar_demands_fragment_escapes_titles(client, demand_site, payload):
    objects, tag = demand_site
    body = _page(client, "/communities/alpha/demands/similar?" + urlencode({"title": tag("title")}))
    _assert_escaped(body, payload, tag, ["title"])


def test_form_with_errors_keeps_the_typed_text_escaped(client, login_as, demand_site, payload):
    objects, tag = demand_site
    login_as(objects["author"])
    data = {field: tag(field) for field in ("summary", "body", "place", "resolution")}
    data.update(title="", category="other", council_id=str(objects["published"].council_id))
    response = client.post("/communities/alpha/demands/new", data=data)
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["summary", "body", "place", "resolution"])


# Signatures: a signer's name and comment, names and neighbourhoods written on paper and the committee's
# void reasons, on the demand page, the signer list, the committee's paper, void and correct pages and the
# voided signer's notifications. (The CSV is not HTML: it carries the text as typed, formulas neutralised.) --

@pytest.fixture
def signature_site(site_image, payload):
    return site_image(_signature_site, payload)


def _signature_site(payload):
    """An open demand of `alpha` with a public signer, a letter-only signer, a paper row and a voided signer,
    every text field being `payload ~field`; returns (objects, tag)."""
    from civicvoice.signatures import services as signatures
    from tests.factories import make_paper_batch, make_proposal, make_signature

    def tag(field):
        return f"{payload} ~{field}"

    community = make_community(slug="alpha")
    demand = make_proposal(community, status="open")
    chair = make_committee(community, make_user(name="Chair"))
    make_signature(demand, make_user(name=tag("signer")), comment=tag("comment"))
    make_signature(demand, make_user(name="Hidden"), visibility="letter_only", comment=tag("letter_comment"))
    voided = make_signature(demand, make_user(name="Voided"))
    signatures.void(chair, voided, tag("void_reason"))
    make_paper_batch(demand, rows=[(tag("paper_name"), tag("neighbourhood"), "0944123456")], actor=chair)
    db.session.commit()
    [paper] = signatures.paper_signatures(demand)
    objects = dict(demand=demand, chair=chair, voided=voided.user, paper=paper.id)
    return objects, tag


def _signature_url(template, objects):
    return template.format(demand=objects["demand"].id, paper=objects["paper"])


PUBLIC_SIGNATURE_PAGES = [
    ("/demands/{demand}", ["signer", "comment"]),
    ("/demands/{demand}/signers", ["signer", "comment", "letter_comment"]),
]
COMMITTEE_SIGNATURE_PAGES = [
    ("/demands/{demand}", ["signer", "comment"]),
    ("/demands/{demand}/signers", ["signer", "comment", "letter_comment"]),
    ("/demands/{demand}/paper", ["paper_name", "neighbourhood"]),
    ("/signatures/{paper}/void", ["paper_name"]),
    ("/signatures/{paper}/correct", ["paper_name", "neighbourhood"]),
]
VOIDED_SIGNER_PAGES = [
    ("/demands/{demand}", ["void_reason", "signer", "comment"]),
    ("/notifications", ["void_reason"]),
]


@pytest.mark.parametrize("url, fields", PUBLIC_SIGNATURE_PAGES, ids=[url for url, _f in PUBLIC_SIGNATURE_PAGES])
def test_public_signature_pages_escape_stored_text(client, signature_site, payload, url, fields):
    objects, tag = signature_site
    _assert_escaped(_page(client, _signature_url(url, objects)), payload, tag, fields)


@pytest.mark.parametrize("url, fields", COMMITTEE_SIGNATURE_PAGES,
                         ids=[url for url, _f in COMMITTEE_SIGNATURE_PAGES])
def test_committee_signature_pages_escape_stored_text(client, login_as, signature_site, payload, url, fields):
    objects, tag = signature_site
    login_as(objects["chair"])
    _assert_escaped(_page(client, _signature_url(url, objects)), payload, tag, fields)


@pytest.mark.parametrize("url, fields", VOIDED_SIGNER_PAGES, ids=[url for url, _f in VOIDED_SIGNER_PAGES])
def test_the_voided_signer_sees_the_reason_escaped(client, login_as, signature_site, payload, url, fields):
    objects, tag = signature_site
    login_as(objects["voided"])
    _assert_escaped(_page(client, _signature_url(url, objects)), payload, tag, fields)


def test_signing_box_fragment_escapes_stored_text(client, login_as, signature_site, payload):
    """The htmx fragment (rendered alone, without the page around it) escapes the latest signers too."""
    from tests.factories import make_member

    objects, tag = signature_site
    login_as(make_member(objects["demand"].community))
    response = client.post(f"/demands/{objects['demand'].id}/sign", data={"visibility": "public",
                                                                          "comment": tag("fragment")},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["signer", "comment", "fragment"])


def test_the_paper_form_with_errors_keeps_the_typed_rows_escaped(client, login_as, signature_site, payload):
    import io

    from tests.factories import scan_png

    objects, tag = signature_site
    login_as(objects["chair"])
    rows = tag("rows").replace(",", " ").replace("،", " ")  # one field only: refused, and shown again
    response = client.post(f"/demands/{objects['demand'].id}/paper", content_type="multipart/form-data",
                           data={"collected_on": "2020-01-01", "rows": rows,
                                 "scan": (io.BytesIO(scan_png()), "sheet.png")})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert str(escape(rows)) in body
    if "<" in payload:
        assert rows not in body
    assert _scripts(body) == []


# Deliberation and meetings: arguments and replies (markdown), the committee's reasons for hiding, amendments
# (every text field and the reasons to propose and to decline), meetings (title, markdown description and
# minutes, outcome notes, the reason for cancelling), on the demand page, the arguments page, the committee's
# history page, the amendment pages, the meeting pages, the community and centre pages and the notifications.
# A hidden argument's text reaches the committee's history page only. ---------------------------------------

DELIBERATION_MARKDOWN = ("argument", "earlier", "reply", "hidden_text", "meeting_description", "minutes")
AMENDMENT_FIELDS = ("title", "summary", "body", "place", "resolution")


@pytest.fixture
def deliberation_site(site_image, payload):
    return site_image(_deliberation_site, payload)


def _deliberation_site(payload):
    """An open demand of `alpha` whose arguments, amendments and meetings carry `payload ~field` in every text
    field; returns (objects, tag)."""
    from datetime import timedelta

    from civicvoice.database import utcnow
    from civicvoice.deliberation import amendments
    from civicvoice.deliberation import services as deliberation
    from civicvoice.meetings import services as meetings
    from tests.factories import make_proposal

    def tag(field):
        return f"{payload} ~{field}"

    community = make_community(slug="alpha")
    centre = make_centre(community, name="Manara")
    chair = make_committee(community, make_user(name="Chair"))
    author = make_member(community, make_user(name="Author"))
    arguer = make_member(community, make_user(name="Arguer"))
    # One-word fields, so the amendment's diff shows each tagged field whole.
    demand = make_proposal(community, author, status="open", title="قديم", summary="قديم", body="قديم",
                           place="قديم", resolution="قديم")
    argument = deliberation.post(arguer, demand, "for", tag("earlier"))
    deliberation.edit(arguer, argument, tag("argument"))
    deliberation.reply(author, argument, tag("reply"))
    hidden = deliberation.post(arguer, demand, "against", tag("hidden_text"))
    hide_argument(chair, hidden, tag("hidden_reason"))
    amendment = amendments.propose(arguer, demand, tag("amendment_reason"),
                                   **{field: tag(f"amended_{field}") for field in AMENDMENT_FIELDS})
    declined = amendments.propose(arguer, demand, "سبب", summary=tag("declined_summary"))
    amendments.decline(author, declined, tag("decline_reason"))
    soon = utcnow() + timedelta(days=3)
    meeting = meetings.schedule(chair, community, centre_id=centre.id, title=tag("meeting_title"),
                                description=tag("meeting_description"), starts_at=soon, duration_minutes=90,
                                agenda_ids=[demand.id])
    held = meetings.schedule(chair, community, centre_id=centre.id, title=tag("held_title"), starts_at=soon,
                             duration_minutes=90, agenda_ids=[demand.id])
    held.starts_at = utcnow() - timedelta(hours=2)
    meetings.post_minutes(chair, held, tag("minutes"), 12,
                          {held.agenda[0].id: ("support", tag("outcome_note"))})
    cancelled = meetings.schedule(chair, community, centre_id=centre.id, title=tag("cancelled_title"),
                                  starts_at=soon, duration_minutes=90)
    meetings.rsvp(arguer, cancelled, "going")
    meetings.cancel(chair, cancelled, tag("cancel_reason"))
    db.session.commit()
    objects = dict(chair=chair, author=author, arguer=arguer, demand=demand.id, argument=argument.id,
                   hidden=hidden.id, amendment=amendment.id, declined=declined.id, meeting=meeting.id,
                   held=held.id, cancelled=cancelled.id, centre=centre.id)
    return objects, tag


AMENDED = [f"amended_{field}" for field in ("title", "summary", "place", "resolution")]
# (viewer, url, fields shown as typed, escaped; fields rendered as markdown)
DELIBERATION_PAGES = [
    (None, "/demands/{demand}", ["hidden_reason", "meeting_title", "held_title", "outcome_note"],
     ["argument", "reply"]),
    ("arguer", "/demands/{demand}", ["hidden_reason", "meeting_title", "held_title", "outcome_note"],
     ["argument", "reply"]),
    ("chair", "/demands/{demand}", ["hidden_reason", "meeting_title", "held_title", "outcome_note"],
     ["argument", "reply"]),
    (None, "/demands/{demand}/arguments?sort=newest", ["hidden_reason"], ["argument", "reply"]),
    ("chair", "/demands/{demand}/arguments", ["hidden_reason"], ["argument", "reply"]),
    ("chair", "/arguments/{argument}/history", [], ["earlier", "argument"]),
    ("chair", "/arguments/{hidden}/history", ["hidden_reason"], ["hidden_text"]),
    ("chair", "/arguments/{argument}/hide", [], ["argument"]),
    ("author", "/arguments/{argument}/reply", [], ["argument"]),
    ("arguer", "/arguments/{argument}/edit", ["argument"], []),  # the textarea shows the text as typed
    (None, "/demands/{demand}/amendments", ["amendment_reason"], []),
    (None, "/amendments/{amendment}", ["amendment_reason", *AMENDED], ["amended_body"]),
    ("author", "/amendments/{amendment}", ["amendment_reason", *AMENDED], ["amended_body"]),
    (None, "/amendments/{declined}", ["decline_reason", "declined_summary"], []),
    (None, "/meetings/{meeting}", ["meeting_title"], ["meeting_description"]),
    (None, "/meetings/{held}", ["held_title", "outcome_note"], ["minutes"]),
    (None, "/meetings/{cancelled}", ["cancelled_title", "cancel_reason"], []),
    ("chair", "/meetings/{meeting}/edit", ["meeting_title", "meeting_description"], []),
    ("chair", "/meetings/{held}/minutes", ["held_title", "minutes", "outcome_note"], []),
    ("chair", "/meetings/{meeting}/cancel", ["meeting_title"], []),
    (None, "/communities/alpha", ["meeting_title"], []),
    (None, "/communities/alpha/centres/{centre}", ["meeting_title"], []),
    (None, "/communities/alpha/meetings", ["meeting_title", "held_title", "cancelled_title"], []),
    ("arguer", "/notifications", ["hidden_reason", "decline_reason", "cancel_reason", "cancelled_title",
                                  "meeting_title"], []),
]


@pytest.mark.parametrize("viewer, url, fields, markdown", DELIBERATION_PAGES,
                         ids=[f"{viewer or 'visitor'} {url}" for viewer, url, _f, _m in DELIBERATION_PAGES])
def test_deliberation_and_meeting_pages_escape_stored_text(client, login_as, deliberation_site, payload,
                                                           viewer, url, fields, markdown):
    objects, tag = deliberation_site
    if viewer:
        login_as(objects[viewer])
    body = _page(client, url.format(**{k: v for k, v in objects.items() if isinstance(v, int)}))
    _assert_escaped(body, payload, tag, fields)
    for field in markdown:
        assert f"~{field}" in body, f"{field} is not shown on this page"
    assert "49 ~" not in body
    if "hidden_text" not in markdown:
        assert "~hidden_text" not in body, "the text of a hidden argument reached the page"


def test_argument_markdown_is_rendered_without_scripts(client, deliberation_site, payload):
    objects, tag = deliberation_site
    body = _page(client, f"/demands/{objects['demand']}")
    proses = re.findall(r'<div class="prose" dir="auto">(.*?)</div>', body, re.S)
    arguments = [prose for prose in proses if "~argument" in prose or "~reply" in prose]
    assert arguments
    for prose in arguments:
        assert "<script" not in prose and "<svg" not in prose and "<img" not in prose
        assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', prose)).lower()


def test_the_argument_form_with_errors_keeps_the_typed_text_escaped(client, login_as, deliberation_site,
                                                                    payload):
    objects, tag = deliberation_site
    login_as(objects["arguer"])
    # No stance: refused, and shown again.
    response = client.post(f"/demands/{objects['demand']}/arguments", data={"body": tag("typed")})
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed"])


def test_the_amendment_form_with_errors_keeps_the_typed_text_escaped(client, login_as, deliberation_site,
                                                                     payload):
    objects, tag = deliberation_site
    login_as(objects["chair"])  # a member who is not an author
    data = {field: tag(f"typed_{field}") for field in AMENDMENT_FIELDS}
    data.update(category="facility_repair", council_id="", reason="")  # no reason: refused, and shown again
    response = client.post(f"/demands/{objects['demand']}/amendments/new", data=data)
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag,
                    [f"typed_{field}" for field in AMENDMENT_FIELDS])


def test_the_meeting_form_with_errors_keeps_the_typed_text_escaped(client, login_as, deliberation_site,
                                                                   payload):
    objects, tag = deliberation_site
    login_as(objects["chair"])
    response = client.post("/communities/alpha/meetings/new", data={
        "title": tag("typed_title"), "description": tag("typed_description"),
        "centre_id": str(objects["centre"]),
        "date": "2000-01-01", "time": "17:00", "duration_minutes": "90"})  # in the past: refused, shown again
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed_title", "typed_description"])


# Votes: the question and explanation of a priority ballot (markdown), the reason for closing early, the names of
# voters, proxy holders and grantors and of members voting at the centre, and the titles of the demands on the
# ballot (select labels, checkboxes, the order of priority, the pairwise matrix, the chart), on the vote page open
# and closed, the ballots list, who voted what, the votes index, the committee's pages, the demand page and the
# notifications. The CSV is not HTML: it carries the titles as typed, as a download. ---------------------------

@pytest.fixture
def voting_site(site_image, payload):
    return site_image(_voting_site, payload)


def _voting_site(payload):
    """Votes of `alpha` whose every text field is `payload ~field`; returns (objects, tag)."""
    from datetime import timedelta

    from civicvoice.database import utcnow
    from civicvoice.voting import services as voting
    from tests.factories import make_goal_reached, make_proposal

    def tag(field):
        return f"{payload} ~{field}"

    community = make_community(slug="alpha")
    chair = make_committee(community, make_user(name="Chair"))
    voter = make_member(community, make_user(name=tag("voter")))
    grantor = make_member(community, make_user(name=tag("grantor")))
    holder = make_member(community, make_user(name=tag("holder")))
    walkin = make_member(community, make_user(name=tag("walkin"), verified_in_person_at=utcnow()))
    demand_a = make_proposal(community, status="open", title=tag("demand_a"))
    demand_b = make_proposal(community, status="open", title=tag("demand_b"))
    adopted = make_goal_reached(make_proposal(community, status="open", title=tag("adoption_title")))
    closes = utcnow() + timedelta(days=7)
    options = [demand_a.id, demand_b.id]

    def ballot(method, name):
        return voting.open_priority_ballot(chair, community, title=tag(f"{name}_title"), proposal_ids=options,
                                           method=method, closes_at=closes, description=tag(f"{name}_description"))

    ranked, approval, closed = ballot("ranked", "ranked"), ballot("approval", "approval"), ballot("ranked", "closed")
    voting.cast(voter, closed, [demand_b.id, demand_a.id])
    voting.cast(holder, closed, [demand_a.id])
    voting.close(chair, closed, tag("close_reason"))
    adoption = voting.open_adoption_vote(chair, adopted, closes_at=closes)
    voting.cast(voter, adoption, "yes")
    voting.give_proxy(grantor, adoption, holder)
    db.session.commit()
    objects = dict(chair=chair, voter=voter, grantor=grantor, holder=holder, walkin=walkin, demand_a=demand_a.id,
                   adopted=adopted.id, ranked=ranked.id, approval=approval.id, closed=closed.id,
                   adoption=adoption.id)
    return objects, tag


DEMANDS_ON_BALLOT = ["demand_a", "demand_b"]
# (viewer, url, fields shown as typed, escaped; fields rendered as markdown)
VOTING_PAGES = [
    ("voter", "/votes/{ranked}", ["ranked_title", *DEMANDS_ON_BALLOT], ["ranked_description"]),
    ("voter", "/votes/{approval}", ["approval_title", *DEMANDS_ON_BALLOT], ["approval_description"]),
    (None, "/votes/{ranked}", ["ranked_title"], ["ranked_description"]),
    (None, "/votes/{closed}", ["closed_title", "close_reason", *DEMANDS_ON_BALLOT], ["closed_description"]),
    ("voter", "/votes/{closed}", ["closed_title", "close_reason", *DEMANDS_ON_BALLOT], ["closed_description"]),
    (None, "/votes/{closed}/ballots", ["closed_title", *DEMANDS_ON_BALLOT], []),
    (None, "/votes/{adoption}", ["adoption_title"], []),
    ("voter", "/votes/{adoption}/voters", ["adoption_title", "voter"], []),
    ("holder", "/votes/{adoption}", ["adoption_title", "grantor"], []),
    ("grantor", "/votes/{adoption}", ["adoption_title", "holder"], []),
    ("chair", "/votes/{adoption}/assisted", ["adoption_title", "walkin"], []),
    ("chair", "/votes/{adoption}/close", ["adoption_title"], []),
    ("chair", "/votes/{ranked}/assisted", ["ranked_title", "walkin", *DEMANDS_ON_BALLOT], []),
    (None, "/communities/alpha/votes", ["ranked_title", "approval_title", "closed_title", "adoption_title"], []),
    ("chair", "/communities/alpha/votes/new", DEMANDS_ON_BALLOT, []),
    ("chair", "/demands/{demand_a}/vote/open", ["demand_a"], []),
    (None, "/demands/{adopted}", ["adoption_title"], []),
    ("holder", "/notifications", ["adoption_title", "grantor"], []),
    ("voter", "/notifications", ["ranked_title", "closed_title", "adoption_title"], []),
]


@pytest.mark.parametrize("viewer, url, fields, markdown", VOTING_PAGES,
                         ids=[f"{viewer or 'visitor'} {url}" for viewer, url, _f, _m in VOTING_PAGES])
def test_voting_pages_escape_stored_text(client, login_as, voting_site, payload, viewer, url, fields, markdown):
    objects, tag = voting_site
    if viewer:
        login_as(objects[viewer])
    body = _page(client, url.format(**{k: v for k, v in objects.items() if isinstance(v, int)}))
    _assert_escaped(body, payload, tag, fields)
    for field in markdown:
        assert f"~{field}" in body, f"{field} is not shown on this page"
    assert "49 ~" not in body


def test_the_results_chart_escapes_demand_titles(client, voting_site, payload):
    objects, tag = voting_site
    body = _page(client, f"/votes/{objects['closed']}")
    svg = re.search(r"<svg.*?</svg>", body, re.S).group(0)
    assert str(escape(tag("demand_a"))) in svg and str(escape(tag("demand_b"))) in svg  # the bars' <title>s
    if "<" in payload:
        assert payload not in svg
    assert _scripts(svg) == []


def test_vote_descriptions_are_rendered_without_scripts(client, voting_site, payload):
    objects, tag = voting_site
    body = _page(client, f"/votes/{objects['ranked']}")
    prose = body.split('class="prose card"', 1)[1].split("</div>", 1)[0]
    assert "~ranked_description" in prose
    assert "<script" not in prose and "<svg" not in prose and "<img" not in prose
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', prose)).lower()


def test_the_ballots_csv_is_a_download_carrying_the_titles_as_typed(client, voting_site, payload):
    objects, tag = voting_site
    response = client.get(f"/votes/{objects['closed']}/ballots.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert tag("demand_a") in body and tag("demand_b") in body
    assert "~voter" not in body and "~holder" not in body


def test_flash_messages_of_votes_escape_names(client, login_as, voting_site, payload):
    objects, tag = voting_site
    adoption = objects["adoption"]
    login_as(objects["holder"])
    response = client.post(f"/votes/{adoption}/proxies/{objects['grantor'].id}/ballot", data={"choice": "no"},
                           follow_redirects=True)
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["grantor", "adoption_title"])
    login_as(objects["chair"])
    response = client.post(f"/votes/{adoption}/assisted", data={"voter_id": str(objects["walkin"].id),
                                                                "choice": "yes"}, follow_redirects=True)
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["walkin", "adoption_title"])


def test_giving_a_proxy_escapes_the_holders_name_and_never_echoes_the_address(client, login_as, voting_site,
                                                                               payload):
    from civicvoice.voting import services as voting
    from civicvoice.voting.models import Poll

    objects, tag = voting_site
    adoption = objects["adoption"]
    voting.revoke_proxy(objects["grantor"], db.session.get(Poll, adoption))
    db.session.commit()
    login_as(objects["grantor"])
    response = client.post(f"/votes/{adoption}/proxy", data={"email": f"{payload}@example.org"},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert '<li class="error">' in body  # the neutral message, in the grantor's language
    if "<" in payload:
        assert payload not in body
    assert _scripts(body) == []
    response = client.post(f"/votes/{adoption}/proxy", data={"email": objects["holder"].email},
                           follow_redirects=True)
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["holder"])


def test_the_priority_form_with_errors_keeps_the_typed_text_escaped(client, login_as, voting_site, payload):
    objects, tag = voting_site
    login_as(objects["chair"])
    response = client.post("/communities/alpha/votes/new", data={  # no demand chosen: refused, shown again
        "title": tag("typed_title"), "description": tag("typed_description"), "method": "ranked",
        "closes_in_days": "7", "quorum_percent": "0"})
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed_title", "typed_description"])


def test_the_close_form_with_errors_keeps_the_typed_reason_escaped(client, login_as, voting_site, payload):
    objects, tag = voting_site
    login_as(objects["chair"])
    reason = tag("typed_reason") + " " + "x" * 2000  # too long: refused, shown again
    response = client.post(f"/votes/{objects['adoption']}/close", data={"reason": reason})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert str(escape(reason)) in body
    if "<" in payload:
        assert payload not in body
    assert _scripts(body) == []
