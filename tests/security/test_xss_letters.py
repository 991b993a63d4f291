"""Stored XSS and template injection in letters (SECURITY.md B.10, B.13), as in test_xss.py: every text field of a
letter (recipient's name, title and address, subject, markdown body, place, resolution, the signatories' names and
roles, who delivered it and the council's registry number), the council's name, the demand's fields and the names
of signers (online, letter-only and on paper) hold `payload ~field`, and each page is checked for exactly the
fields it shows: the letter page (draft and sent), the edit page, the printable letter (draft preview and as
issued), the authors' discussion draft, the public verification page and the demand page's letter box, plus the
forms answered with errors. Mail to the council is text only (the PDF attached) and never evaluates a template.
"""
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from civicvoice import mail, pdf
from civicvoice.communities import services as communities
from civicvoice.extensions import db
from civicvoice.letters import document
from civicvoice.letters import services as letters
from civicvoice.letters.models import Letter
from tests.factories import (
    advance_proposal,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_paper_batch,
    make_proposal,
    make_signature,
    make_staff,
    make_user,
)

from .routes import quick_pdfs
from .test_xss import _assert_escaped, _page, _scripts, payload  # noqa: F401 (payload is a fixture)

LETTER_FIELDS = ("recipient", "recipient_title", "recipient_address", "subject", "place", "resolution",
                 "signatory", "role")


@pytest.fixture
def letter_site(site_image, payload):
    return site_image(_letter_site, payload)


def _letter_site(payload):
    """Adopted demands of `alpha` addressed to a council named `payload ~council`: `ready` (no letter: the authors'
    discussion draft), `drafted` (a draft letter) and `sent` (approved, delivered by hand); every text field of
    both letters is `payload ~field`. Returns (objects, tag)."""

    def tag(field):
        return f"{payload} ~{field}"

    council = make_council(name=tag("council"), contact_email="council@example.org")
    community = make_community(slug="alpha")
    communities.link_councils(None, community, [council])
    db.session.commit()
    chair = make_committee(community, make_user(name="Chair", locale="en"))
    second = make_committee(community, make_user(name="Second", locale="en"))
    author = make_member(community, make_user(name="Author", locale="en"))
    staff = make_staff(council, make_user(name="Clerk", locale="en"))

    def adopted(title):
        demand = make_proposal(community, author, status="open", council=council, title=tag(title),
                               summary=tag("summary"), body=tag("body"), place=tag("place"),
                               resolution=tag("resolution"))
        make_signature(demand, make_user(name=tag("signer")))
        make_signature(demand, make_user(name=tag("hidden_signer")), visibility="letter_only")
        make_paper_batch(demand, rows=[(tag("paper_name"), tag("neighbourhood"), "0944123456")], actor=chair)
        advance_proposal(demand, "open_vote", actor=chair)
        advance_proposal(demand, "adopt", actor=chair)
        return demand

    content = {"recipient_name": tag("recipient"), "recipient_title": tag("recipient_title"),
               "recipient_address": tag("recipient_address"), "subject": tag("subject"), "body": tag("body"),
               "place": tag("place"), "resolution": tag("resolution"),
               "signatories": [{"name": tag("signatory"), "role": tag("role")}]}
    ready, drafted, sent = adopted("ready_title"), adopted("drafted_title"), adopted("sent_title")
    letters.edit(chair, letters.create(chair, drafted, "ar_en"), **content)
    letter = letters.create(chair, sent, "ar_en")
    letters.edit(chair, letter, **content)
    with quick_pdfs():  # the PDF itself is checked once per payload, below
        version = letters.approve(second, letter)
    letters.record_hand_delivery(chair, letter, delivered_on=letters.local_today(community),
                                 delivered_by=tag("delivered_by"), registry_number=tag("registry"))
    db.session.commit()
    objects = dict(chair=chair, author=author, staff=staff, ready=ready.id, drafted=drafted.id, sent=sent.id,
                   code=version.verification_code)
    return objects, tag


def letter_of(proposal_id: int) -> Letter:
    return db.session.scalar(select(Letter).where(Letter.proposal_id == proposal_id))


ANNEX = ["signer", "hidden_signer", "paper_name", "neighbourhood"]
# (viewer, url, fields shown as typed, escaped; fields rendered as markdown)
LETTER_PAGES = [
    ("chair", "/demands/{drafted}/letter", ["recipient", "subject"], []),
    ("chair", "/demands/{drafted}/letter/edit", [*LETTER_FIELDS, "body"], []),  # the textarea shows it as typed
    ("chair", "/demands/{drafted}/letter/print", [*LETTER_FIELDS, *ANNEX], ["body"]),
    ("chair", "/demands/{drafted}/letter/print?lang=en", [*LETTER_FIELDS, *ANNEX], ["body"]),
    ("chair", "/demands/{sent}/letter", ["recipient", "subject", "delivered_by", "registry"], []),
    ("chair", "/demands/{sent}/letter/print", [*LETTER_FIELDS, *ANNEX], ["body"]),
    ("staff", "/demands/{sent}/letter", ["recipient", "subject", "delivered_by", "registry"], []),
    ("staff", "/demands/{sent}/letter/print", [*LETTER_FIELDS, *ANNEX], ["body"]),
    ("author", "/demands/{ready}/letter/discussion", ["council", "ready_title", "place", "resolution", "signer"],
     ["summary", "body"]),
    ("chair", "/demands/{ready}/letter/discussion?lang=ar_en", ["council", "ready_title", "signer"], ["body"]),
    (None, "/verify/{code}", ["recipient", "subject"], []),
    (None, "/demands/{sent}", ["council", "sent_title"], []),
    ("chair", "/demands/{sent}", ["council", "sent_title"], []),
    ("chair", "/demands/{drafted}", ["drafted_title"], []),
    ("chair", "/demands/{ready}", ["ready_title"], []),
]


@pytest.mark.parametrize("viewer, url, fields, markdown", LETTER_PAGES,
                         ids=[f"{viewer or 'visitor'} {url}" for viewer, url, _f, _m in LETTER_PAGES])
def test_letter_pages_escape_stored_text(client, login_as, letter_site, payload, viewer, url, fields, markdown):
    objects, tag = letter_site
    if viewer:
        login_as(objects[viewer])
    body = _page(client, url.format(**{k: v for k, v in objects.items() if isinstance(v, (int, str))}))
    _assert_escaped(body, payload, tag, fields)
    for field in markdown:
        assert f"~{field}" in body, f"{field} is not shown on this page"
    assert "49 ~" not in body


@pytest.mark.parametrize("url", ["/demands/{drafted}/letter/print", "/demands/{sent}/letter/print",
                                 "/demands/{ready}/letter/discussion"])
def test_the_letters_markdown_body_is_rendered_without_scripts(client, login_as, letter_site, payload, url):
    objects, tag = letter_site
    login_as(objects["chair"])
    body = _page(client, url.format(**{k: v for k, v in objects.items() if isinstance(v, int)}))
    proses = re.findall(r'<div class="body" dir="auto">(.*?)</div>', body, re.S)
    assert proses and all("~body" in prose for prose in proses)
    for prose in proses:
        assert "<script" not in prose and "<svg" not in prose and "<img" not in prose
        assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', prose)).lower()
    assert _scripts(body) == []


def test_the_pdf_carries_every_field_as_text(letter_site, payload):
    """WeasyPrint gets the same escaped HTML: the payloads are printed as typed, and nothing is fetched for them
    (an <img src=x> would be refused by the fetcher, failing the rendering)."""
    objects, tag = letter_site
    letter = letter_of(objects["drafted"])
    data, _pages = pdf.render(document.html(letter, letter.current))
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    for field in ("~recipient", "~subject", "~body", "~place", "~resolution", "~signatory", "~role"):
        assert field in text
    assert "49 ~" not in text


def test_the_discussion_draft_never_shows_letter_only_names(client, login_as, letter_site, payload):
    objects, tag = letter_site
    login_as(objects["author"])
    body = _page(client, f"/demands/{objects['ready']}/letter/discussion")
    assert "~signer" in body and "~hidden_signer" not in body and "~paper_name" not in body


def test_an_unknown_code_is_shown_escaped(client, letter_site, payload):
    response = client.get("/verify/" + payload.replace("/", ""))
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    if "<" in payload:
        assert payload.replace("/", "") not in body
    assert _scripts(body) == []
    response = client.get("/verify", query_string={"code": payload})  # normalised: letters and digits only
    assert response.status_code in (200, 303)
    if response.status_code == 303:
        assert re.fullmatch(r"/verify/[0-9A-Z-]*", response.headers["Location"])


def test_the_edit_form_with_errors_keeps_the_typed_text_escaped(client, login_as, letter_site, payload):
    objects, tag = letter_site
    login_as(objects["chair"])
    data = {"language": "ar", "letter_date": "2026-01-05", "recipient_name": tag("typed_recipient"),
            "recipient_title": tag("typed_title"), "recipient_address": tag("typed_address"), "subject": "",
            "body": tag("typed_body"), "place": tag("typed_place"), "resolution": tag("typed_resolution"),
            "signatories": tag("typed_signatory") + " | " + tag("typed_role")}  # no subject: refused, shown again
    response = client.post(f"/demands/{objects['drafted']}/letter/edit", data=data)
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), payload, tag,
                    ["typed_recipient", "typed_title", "typed_address", "typed_body", "typed_place",
                     "typed_resolution", "typed_signatory", "typed_role"])


def test_the_delivery_form_with_errors_keeps_the_typed_text_escaped(client, login_as, letter_site, payload):
    objects, tag = letter_site
    chair = objects["chair"]
    drafted = objects["drafted"]
    letter = letter_of(drafted)
    with quick_pdfs():
        letters.approve(make_committee(letter.community, make_user(name="Third")), letter)
    db.session.commit()
    login_as(chair)
    future = letters.local_today(letter.community) + timedelta(days=3)
    response = client.post(f"/demands/{drafted}/letter/deliver", data={
        "delivered_on": future.isoformat(), "delivered_by": tag("typed_by"), "registry_number": tag("typed_reg"),
        "receipt": (io.BytesIO(b""), "")}, content_type="multipart/form-data")  # in the future: refused
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed_by", "typed_reg", "recipient",
                                                                    "subject"])


def test_the_mail_to_the_council_is_text_carrying_the_letter_as_typed(app, outbox, letter_site, payload):
    objects, tag = letter_site
    letter = letter_of(objects["drafted"])
    with quick_pdfs():
        letters.approve(make_committee(letter.community, make_user(name="Third")), letter)
    with app.test_request_context():
        letters.send_by_email(objects["chair"], letter)
        db.session.commit()
    [message] = [m for m in outbox if m["to"] == "council@example.org"]
    assert tag("subject") in message["subject"] and tag("subject") in message["body"]
    assert tag("recipient") in message["body"]
    assert "49 ~" not in message["body"] and "49 ~" not in message["subject"]
    built = mail._build(message)
    parts = [part.get_content_type() for part in built.walk() if not part.is_multipart()]
    assert parts == ["text/plain", "application/pdf"]
