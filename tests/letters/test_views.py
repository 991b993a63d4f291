"""Letters through the web: the committee writes the letter of an adopted demand, edits it (errors keep what was
typed, never a 500), a second committee member approves it (four eyes), the PDF is the issued file byte for byte
(a watermarked preview before), it is sent by email (the PDF attached) or recorded as delivered by hand (with the
stamped receipt), the council it was sent to reads it, nobody else outside the committee does, the authors print
their discussion draft (without letter-only names or a code), the demand page shows the letter box and the
timeline its steps, and the letter page runs a fixed number of queries whatever the number of versions."""
import hashlib
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from civicvoice.extensions import db
from civicvoice.letters import services as letters
from civicvoice.letters.models import Letter, LetterVersion
from civicvoice.proposals.models import Proposal
from tests.factories import (advance_proposal, make_committee, make_community, make_council, make_member,
                             make_paper_batch, make_proposal, make_signature, make_staff, make_user, scan_png)
from tests.pages import flashes, form_fields, plain, text_of

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
# Names and contact details of signers: they may appear in the committee's letter, never anywhere public.
HIDDEN_NAME = "Zubaida Letteronly"
PUBLIC_NAME = "Yasmin Publicsigner"
PAPER_NAME = "Qasim Papersheet"
PAPER_PHONE = "0944555666"
HIDDEN_EMAIL = "zubaida.private@example.org"
EN = {"Accept-Language": "en"}


@pytest.fixture
def w(app):
    """`midan` (code MDN) with two committee members (Chair, Second), the demand's Author, a plain Member, an
    adopted demand addressed to the council (with a contact address) signed online by a letter-only signer and a
    public signer and on paper by one resident, the council's responder, and the responder of another council.
    Everyone reads English."""
    community = make_community(slug="midan", code="MDN")
    chair = make_committee(community, make_user(name="Chair Person", locale="en"))
    second = make_committee(community, make_user(name="Second Person", locale="en"))
    author = make_member(community, make_user(name="Author Person", locale="en"))
    member = make_member(community, make_user(name="Member Person", locale="en"))
    council = make_council("Town Council", contact_email="council@example.org", postal_address="Main square",
                           response_days=20)
    demand = make_proposal(community, author, status="open", council=council, title="Light the main street",
                           summary="The street is dark.", place="Main street", resolution="Lights that work.")
    make_signature(demand, make_user(name=HIDDEN_NAME, email=HIDDEN_EMAIL, locale="en"), visibility="letter_only")
    make_signature(demand, make_user(name=PUBLIC_NAME, locale="en"), visibility="public")
    make_paper_batch(demand, rows=((PAPER_NAME, "Mosque lane", PAPER_PHONE),), actor=chair)
    advance_proposal(demand, "open_vote", actor=chair)
    advance_proposal(demand, "adopt", actor=chair)
    other_council = make_council("Other Council", contact_email="other@example.org")
    return SimpleNamespace(
        community=community, chair=chair, second=second, author=author, member=member, council=council,
        demand=demand,
        staff=make_staff(council, make_user(name="Council Clerk", locale="en"), role="responder"),
        viewer=make_staff(council, make_user(name="Council Viewer", locale="en"), role="viewer"),
        other_staff=make_staff(other_council, make_user(name="Other Clerk", locale="en"), role="responder"),
    )


def errors_of(html: str) -> list[str]:
    return [plain(message) for message in re.findall(r'<p class="error-message"[^>]*>(.*?)</p>', html, re.S)]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def letter_of(demand) -> Letter | None:
    db.session.expire_all()
    return db.session.scalar(select(Letter).where(Letter.proposal_id == demand.id))


def draft(w, language="en") -> Letter:
    letter = letters.create(w.chair, w.demand, language)
    db.session.commit()
    return letter


def approved(w, language="en") -> Letter:
    letter = draft(w, language)
    letters.approve(w.second, letter)
    db.session.commit()
    return letter


def sent(w, language="en") -> Letter:
    letter = approved(w, language)
    letters.send_by_email(w.chair, letter)
    db.session.commit()
    return letter


def edit_form(version: LetterVersion, **fields) -> dict:
    """The edit form as the browser posts it, from a version's content."""
    data = {"language": version.language, "letter_date": version.letter_date.isoformat(),
            "recipient_name": version.recipient_name, "recipient_title": version.recipient_title,
            "recipient_address": version.recipient_address, "subject": version.subject, "body": version.body,
            "place": version.place, "resolution": version.resolution,
            "signatories": "\n".join(f"{p['name']} | {p['role']}" for p in version.signatories)}
    if version.show_hijri:
        data["show_hijri"] = "y"
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def base(w) -> str:
    return f"/demands/{w.demand.id}/letter"


# Creating the letter. --------------------------------------------------------------------------------------------

def test_the_committee_creates_the_letter_of_an_adopted_demand(client, login_as, w):
    login_as(w.chair)
    response = client.get(base(w))
    assert response.status_code == 200
    html = text_of(response)
    assert "Write the letter to the council" in html and f'action="{base(w)}"' in html
    response = client.post(base(w), data={"language": "en"})
    assert response.status_code == 303 and response.headers["Location"] == f"{base(w)}/edit"
    letter = letter_of(w.demand)
    year = letters.local_today(w.community).year
    assert letter.reference == f"MDN/{year}/001" and letter.status == "draft"
    assert [(v.number, v.language, v.drafted_by_id, v.approved_at) for v in letter.versions] == [
        (1, "en", w.chair.id, None)]
    assert f"The draft letter MDN/{year}/001 is ready" in " ".join(flashes(client, response))


def test_the_language_of_a_new_letter_must_be_one_offered(client, login_as, w):
    login_as(w.chair)
    response = client.post(base(w), data={"language": "fr"})
    assert response.status_code == 400
    assert errors_of(text_of(response))
    assert letter_of(w.demand) is None


def test_a_demand_gets_one_letter_only(client, login_as, w):
    draft(w)
    login_as(w.second)
    assert client.post(base(w), data={"language": "ar"}).status_code == 403
    assert db.session.scalar(select(func.count(Letter.id))) == 1
    assert client.get(base(w)).status_code == 200  # the letter page, not the form


def test_only_the_committee_writes_letters_and_only_of_adopted_demands(client, login_as, w):
    for person in (w.author, w.member, w.staff):
        login_as(person)
        assert client.get(base(w)).status_code == 403
        assert client.post(base(w), data={"language": "ar"}).status_code == 403
    login_as(w.chair)
    open_demand = make_proposal(w.community, status="open", council=w.council)
    assert client.get(f"/demands/{open_demand.id}/letter").status_code == 403
    assert client.post(f"/demands/{open_demand.id}/letter", data={"language": "ar"}).status_code == 403
    assert db.session.scalar(select(func.count(Letter.id))) == 0


def test_a_demand_addressed_to_no_council_gets_no_letter_and_says_why(client, login_as, w):
    demand = make_proposal(w.community, w.author, status="open")
    advance_proposal(demand, "open_vote", actor=w.chair)
    advance_proposal(demand, "adopt", actor=w.chair)
    assert demand.council_id is None
    login_as(w.chair)
    response = client.post(f"/demands/{demand.id}/letter", data={"language": "ar"})
    assert response.status_code == 400
    assert "Choose the council this demand is addressed to before writing its letter." in text_of(response)
    assert db.session.scalar(select(func.count(Letter.id))) == 0


def test_visitors_are_sent_to_sign_in(client, w):
    letter = approved(w)
    for url in (base(w), f"{base(w)}/edit", f"{base(w)}.pdf", f"{base(w)}/print", f"{base(w)}/discussion",
                f"{base(w)}/discussion.pdf", f"{base(w)}/versions/1.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post(f"{base(w)}/approve")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert letter_of(w.demand).status == letter.status == "approved"


# Editing. ---------------------------------------------------------------------------------------------------------

def test_the_edit_form_shows_the_draft_made_from_the_demand(client, login_as, w):
    draft(w)
    login_as(w.chair)
    html = text_of(client.get(f"{base(w)}/edit"))
    assert 'value="Light the main street"' in html  # the subject: the demand's title
    assert 'value="Town Council"' in html  # the recipient: the council
    assert "Main square" in html  # its postal address
    assert "The street is dark." in html  # the body: summary and text of the demand
    assert "Chair Person | " in html and "Second Person | " in html  # the committee signs
    [checked] = re.findall(r'<input checked[^>]*name="language"[^>]*value="(\w+)"', html)
    assert checked == "en"


def test_saving_the_draft_keeps_the_changes(client, login_as, w):
    letter = draft(w)
    login_as(w.chair)
    form = edit_form(letter.current, subject="Street lights for the main street", recipient_title="the Mayor",
                     signatories="Chair Person | Chair\nSecond Person | Treasurer", show_hijri="y")
    response = client.post(f"{base(w)}/edit", data=form)
    assert "The draft is saved." in flashes(client, response)
    version = letter_of(w.demand).current
    assert (version.number, version.subject, version.recipient_title, version.show_hijri) == (
        1, "Street lights for the main street", "the Mayor", True)
    assert version.signatories == [{"name": "Chair Person", "role": "Chair"},
                                   {"name": "Second Person", "role": "Treasurer"}]
    html = text_of(client.get(f"{base(w)}/edit"))
    assert 'value="Street lights for the main street"' in html and 'value="the Mayor"' in html
    assert "Second Person | Treasurer" in html


@pytest.mark.parametrize("change, message", [
    ({"subject": "   "}, "Write the subject."),
    ({"recipient_name": ""}, "Name the council the letter is addressed to."),
    ({"body": ""}, "Write the body of the letter."),
    ({"signatories": "\n  \n"}, "At least one committee member signs the letter."),
    ({"signatories": "\n".join(f"Person {n} | Member" for n in range(9))}, "At most 8 people sign the letter."),
    ({"letter_date": "2026-13-45"}, None),
    ({"letter_date": ""}, None),
    ({"language": "fr"}, None),
    ({"subject": "x" * 301}, None),
])
def test_a_refused_edit_is_400_with_the_error_and_keeps_what_was_typed(client, login_as, w, change, message):
    letter = draft(w)
    before = edit_form(letter.current)
    login_as(w.chair)
    typed = {"place": "Typed place, kept", "resolution": "Typed resolution, kept"}
    response = client.post(f"{base(w)}/edit", data=edit_form(letter.current, **typed, **change))
    assert response.status_code == 400
    html = text_of(response)
    errors = errors_of(html)
    assert errors, "no error shown"
    if message:
        assert message in errors
    assert 'value="Typed place, kept"' in html and "Typed resolution, kept" in html
    assert edit_form(letter_of(w.demand).current) == before  # nothing saved


def test_digits_typed_on_an_arabic_keyboard_are_read_in_the_date(client, login_as, w):
    letter = draft(w)
    login_as(w.chair)
    response = client.post(f"{base(w)}/edit", data=edit_form(letter.current, letter_date="٢٠٢٥-٠٣-٠٧"))
    assert response.status_code == 303
    assert letter_of(w.demand).current.letter_date == date(2025, 3, 7)


def test_editing_an_approved_letter_makes_a_new_version_to_approve_again(client, login_as, w):
    letter = approved(w)
    first = letter.current
    code, digest = first.verification_code, first.pdf_sha256
    login_as(w.second)
    response = client.post(f"{base(w)}/edit", data=edit_form(first, subject="A clearer subject"))
    assert "Saved as version 2: it needs approval again." in flashes(client, response)
    letter = letter_of(w.demand)
    assert letter.status == "draft" and [v.number for v in letter.versions] == [1, 2]
    assert (letter.versions[0].subject, letter.versions[0].verification_code, letter.versions[0].pdf_sha256) == (
        "Light the main street", code, digest)
    assert letter.current.subject == "A clearer subject" and letter.current.approved_at is None
    assert letter.current.drafted_by_id == w.second.id
    # Saving the approved content unchanged makes nothing.
    letter2 = approved_again(w, letter, w.chair)
    response = client.post(f"{base(w)}/edit", data=edit_form(letter2.current))
    assert "Nothing changed." in flashes(client, response)
    assert len(letter_of(w.demand).versions) == 2


def approved_again(w, letter, approver):
    letters.approve(approver, letter)
    db.session.commit()
    return letter_of(w.demand)


def test_a_sent_letter_cannot_be_edited(client, login_as, w):
    letter = sent(w)
    login_as(w.chair)
    assert client.get(f"{base(w)}/edit").status_code == 403
    assert client.post(f"{base(w)}/edit", data=edit_form(letter.current, subject="Changed")).status_code == 403
    assert client.post(f"{base(w)}/counts").status_code == 403
    assert letter_of(w.demand).current.subject == "Light the main street"


def test_updating_the_counts_with_nothing_new_changes_nothing(client, login_as, w):
    draft(w)
    login_as(w.second)
    response = client.post(f"{base(w)}/counts")
    assert "The counts are up to date." in flashes(client, response)
    assert len(letter_of(w.demand).versions) == 1


# Four eyes. -------------------------------------------------------------------------------------------------------

def test_the_drafter_cannot_approve(client, login_as, w):
    draft(w)
    login_as(w.chair)
    html = text_of(client.get(base(w)))
    assert f'action="{base(w)}/approve"' not in html
    assert "Another committee member must approve this version: you drafted it." in plain(html)
    assert client.post(f"{base(w)}/approve").status_code == 403
    letter = letter_of(w.demand)
    assert letter.status == "draft" and letter.current.approved_at is None and letter.current.pdf_key is None


def test_only_the_committee_approves(client, login_as, w):
    draft(w)
    for person in (w.author, w.member, w.staff):
        login_as(person)
        assert client.post(f"{base(w)}/approve").status_code == 403
    assert letter_of(w.demand).status == "draft"


def test_a_second_committee_member_approves_and_the_pdf_is_the_issued_file(client, login_as, w):
    draft(w)
    login_as(w.second)
    html = text_of(client.get(base(w)))
    assert f'action="{base(w)}/approve"' in html
    response = client.post(f"{base(w)}/approve", data=form_fields(html, f"{base(w)}/approve"))
    version = letter_of(w.demand).current
    assert version.approved_by_id == w.second.id and CODE.fullmatch(version.verification_code)
    assert (f"Version 1 is approved and frozen. Verification code: {version.verification_code}."
            in flashes(client, response))
    pdf = client.get(f"{base(w)}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == version.pdf_sha256
    assert len(pdf.data) == version.pdf_size
    year = letters.local_today(w.community).year
    assert pdf.headers["Content-Disposition"] == f"attachment; filename=MDN-{year}-001.pdf"
    assert "sandbox" in pdf.headers["Content-Security-Policy"]
    assert "no-store" in pdf.headers["Cache-Control"]
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(pdf.data)
    assert version.verification_code in text and "DRAFT" not in text
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == version.pdf_pages
    # Asked for again, it is the same file: it was rendered once, at approval.
    assert client.get(f"{base(w)}.pdf").data == pdf.data
    html = text_of(client.get(base(w)))
    assert f'href="/verify/{version.verification_code}"' in html
    assert f'action="{base(w)}/approve"' not in html


def test_before_approval_the_pdf_is_a_watermarked_preview_without_a_code(client, login_as, w):
    draft(w, language="ar")
    login_as(w.chair)
    response = client.get(f"{base(w)}.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "-draft.pdf" in response.headers["Content-Disposition"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    assert "DRAFT" in text and "Light the main street" in text  # the English preview of an Arabic draft
    assert "Check this letter" not in text and not CODE.search(text)
    version = letter_of(w.demand).current
    assert (version.language, version.pdf_key, version.verification_code) == ("ar", None, None)
    # An unknown language falls back to the letter's own.
    assert client.get(f"{base(w)}.pdf?lang=xx").status_code == 200


def test_the_printable_page_is_the_draft_until_approved(client, login_as, w):
    draft(w)
    login_as(w.chair)
    response = client.get(f"{base(w)}/print")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = text_of(response)
    assert "DRAFT — not sent" in html and "Light the main street" in html and "Check this letter" not in html
    [stylesheet] = re.findall(r'<link rel="stylesheet" href="(/static/css/letter\.[0-9a-f]{12}\.css)">', html)
    with client.get(stylesheet) as css:  # under its hashed name (tests/test_static.py)
        assert css.status_code == 200 and b".letter-document" in css.get_data()
    letters.approve(w.second, letter_of(w.demand))
    db.session.commit()
    html = text_of(client.get(f"{base(w)}/print"))
    code = letter_of(w.demand).current.verification_code
    assert "DRAFT — not sent" not in html and code in html


def test_an_earlier_approved_version_can_still_be_downloaded(client, login_as, w):
    letter = approved(w)
    first = letter.current
    letters.edit(w.chair, letter, subject="Version two")
    db.session.commit()
    login_as(w.second)
    response = client.get(f"{base(w)}/versions/1.pdf")
    assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == first.pdf_sha256
    assert client.get(f"{base(w)}/versions/2.pdf").status_code == 404  # not approved
    assert client.get(f"{base(w)}/versions/9.pdf").status_code == 404


def test_every_file_of_a_letter_is_a_sandboxed_download_never_cached(client, login_as, w):
    letter = approved(w)
    letters.edit(w.chair, letter, subject="Version two")  # version 2: the PDF is a preview again
    db.session.commit()
    login_as(w.second)
    for url in (f"{base(w)}.pdf", f"{base(w)}.pdf?lang=ar_en", f"{base(w)}/versions/1.pdf",
                f"{base(w)}/discussion.pdf"):
        with client.get(url) as response:
            assert response.status_code == 200 and response.mimetype == "application/pdf", url
            assert response.data.startswith(b"%PDF-"), url
            assert response.headers["Content-Disposition"].startswith("attachment;"), url
            assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox", url
            assert "no-store" in response.headers["Cache-Control"], url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url


# Sending. ---------------------------------------------------------------------------------------------------------

def test_sending_by_email_submits_the_demand_and_mails_the_pdf(client, login_as, w, outbox):
    letter = approved(w)
    version = letter.current
    login_as(w.chair)
    html = text_of(client.get(base(w)))
    assert f'action="{base(w)}/send-email"' in html and "council@example.org" in html
    response = client.post(f"{base(w)}/send-email")
    assert response.status_code == 303 and response.headers["Location"] == base(w)
    assert any("The letter is emailed to council@example.org" in text for text in flashes(client, response))
    letter = letter_of(w.demand)
    today = letters.local_today(w.community)
    assert (letter.status, letter.method, letter.sent_to, letter.sent_by_id) == (
        "sent", "email", "council@example.org", w.chair.id)
    assert letter.response_due_on == today + timedelta(days=20)
    assert db.session.get(Proposal, w.demand.id).status == "submitted"
    [mail] = [m for m in outbox if m["to"] == "council@example.org"]
    [(filename, content_type, data)] = mail["attachments"]
    year = letter.year
    assert (filename, content_type) == (f"MDN-{year}-001.pdf", "application/pdf")
    assert hashlib.sha256(data).hexdigest() == version.pdf_sha256
    # Once sent, nothing more can be sent, approved or edited.
    assert client.post(f"{base(w)}/send-email").status_code == 403
    assert client.post(f"{base(w)}/approve").status_code == 403
    assert len([m for m in outbox if m["to"] == "council@example.org"]) == 1


def test_a_council_without_an_address_gets_the_letter_by_hand(client, login_as, w, outbox):
    w.council.contact_email = ""
    db.session.commit()
    approved(w)
    login_as(w.chair)
    html = text_of(client.get(base(w)))
    assert f'action="{base(w)}/send-email"' not in html and f'action="{base(w)}/deliver"' in html
    response = client.post(f"{base(w)}/send-email")
    assert response.status_code == 400
    assert "The council has no contact email address" in text_of(response)
    assert letter_of(w.demand).status == "approved" and outbox == []
    assert db.session.get(Proposal, w.demand.id).status == "adopted"


def test_a_draft_cannot_be_sent(client, login_as, w, outbox):
    draft(w)
    login_as(w.second)
    assert client.post(f"{base(w)}/send-email").status_code == 403
    assert client.post(f"{base(w)}/deliver", data={"delivered_on": date.today().isoformat(),
                                                   "delivered_by": "Chair"}).status_code == 403
    assert letter_of(w.demand).status == "draft" and outbox == []


def deliver_form(**fields) -> dict:
    return {"delivered_on": (date.today() - timedelta(days=1)).isoformat(), "delivered_by": "Chair Person",
            "registry_number": "IN-2026/4411", "receipt": (io.BytesIO(scan_png((20, 10))), "receipt.png"),
            **fields}


def uploads(app) -> list[str]:
    from pathlib import Path

    folder = Path(app.config["UPLOAD_DIR"] or Path(app.instance_path) / "uploads")
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_delivery_by_hand_with_the_stamped_receipt(app, client, login_as, w, outbox):
    approved(w)
    login_as(w.chair)
    html = text_of(client.get(base(w)))
    assert f'action="{base(w)}/deliver"' in html and 'enctype="multipart/form-data"' in html
    yesterday = letters.local_today(w.community) - timedelta(days=1)
    response = client.post(f"{base(w)}/deliver", data=deliver_form(delivered_on=yesterday.isoformat()),
                           content_type="multipart/form-data")
    assert any(text.startswith("The delivery is recorded.") for text in flashes(client, response))
    letter = letter_of(w.demand)
    assert (letter.status, letter.method, letter.delivered_on, letter.delivered_by, letter.registry_number) == (
        "sent", "hand", yesterday, "Chair Person", "IN-2026/4411")
    assert letter.receipt_type == "image/png" and letter.receipt_key
    assert db.session.get(Proposal, w.demand.id).status == "submitted"
    assert not [m for m in outbox if m["to"] == "council@example.org"]  # nothing is emailed to the council
    html = plain(text_of(client.get(base(w))))
    assert "IN-2026/4411" in html and "Photo of the stamped receipt" in html
    with client.get(f"{base(w)}/receipt") as receipt:
        assert receipt.status_code == 200 and receipt.mimetype == "image/png"
        assert "sandbox" in receipt.headers["Content-Security-Policy"]
        assert "no-store" in receipt.headers["Cache-Control"]
        assert receipt.headers["Content-Disposition"] == f"inline; filename=MDN-{letter.year}-001-receipt.png"
        with Image.open(io.BytesIO(receipt.data)) as image:
            assert image.size == (20, 10)
    login_as(w.staff)  # the council it was handed to sees it too
    with client.get(f"{base(w)}/receipt") as receipt:
        assert receipt.status_code == 200
    login_as(w.member)
    assert client.get(f"{base(w)}/receipt").status_code == 403


def test_delivery_without_a_receipt_and_with_arabic_digits(client, login_as, w):
    approved(w)
    login_as(w.chair)
    data = deliver_form(delivered_on="٢٠٢٥-١٢-٠١", registry_number="")
    data.pop("receipt")
    response = client.post(f"{base(w)}/deliver", data=data)
    assert response.status_code == 303
    letter = letter_of(w.demand)
    assert (letter.status, letter.delivered_on, letter.registry_number, letter.receipt_key) == (
        "sent", date(2025, 12, 1), "", None)
    assert client.get(f"{base(w)}/receipt").status_code == 404


@pytest.mark.parametrize("change, message", [
    ({"delivered_on": "FUTURE"}, "The delivery date cannot be in the future."),
    ({"receipt": (io.BytesIO(b"just some text, not a photo"), "receipt.png")}, "is not a JPEG, PNG or PDF"),
    ({"receipt": (io.BytesIO(b"GIF89a\x01\x00\x01\x00"), "receipt.gif")}, "is not a JPEG, PNG or PDF"),
    ({"receipt": (io.BytesIO(b""), "empty.png")}, "The file empty.png is empty."),
    ({"delivered_by": ""}, "Say who delivered the letter."),
    ({"delivered_on": "yesterday"}, None),
])
def test_a_refused_delivery_is_400_with_the_reason_and_changes_nothing(app, client, login_as, w, outbox, change,
                                                                       message):
    approved(w)
    files_before = uploads(app)
    if change.get("delivered_on") == "FUTURE":
        change = {"delivered_on": (letters.local_today(w.community) + timedelta(days=2)).isoformat()}
    login_as(w.chair)
    response = client.post(f"{base(w)}/deliver", data=deliver_form(**change), content_type="multipart/form-data")
    assert response.status_code == 400
    html = text_of(response)
    if message:
        assert any(message in error for error in errors_of(html)), errors_of(html)
    else:
        assert errors_of(html)
    assert 'value="IN-2026/4411"' in html  # what was typed is kept
    letter = letter_of(w.demand)
    assert (letter.status, letter.method, letter.receipt_key, letter.sent_at) == ("approved", None, None, None)
    assert db.session.get(Proposal, w.demand.id).status == "adopted"
    assert uploads(app) == files_before and outbox == []


# Who sees the letter. ---------------------------------------------------------------------------------------------

def test_the_council_sees_the_letter_only_once_it_is_sent_to_it(client, login_as, w):
    letter = approved(w)
    for person in (w.staff, w.viewer):
        login_as(person)
        assert client.get(base(w)).status_code == 403
        assert client.get(f"{base(w)}.pdf").status_code == 403
    letters.send_by_email(w.chair, letter)
    db.session.commit()
    for person in (w.staff, w.viewer):
        login_as(person)
        response = client.get(base(w))
        assert response.status_code == 200
        html = text_of(response)
        assert "Light the main street" in html
        assert f'action="{base(w)}/approve"' not in html and f'{base(w)}/edit' not in html
        pdf = client.get(f"{base(w)}.pdf")
        assert pdf.status_code == 200
        assert hashlib.sha256(pdf.data).hexdigest() == letter_of(w.demand).current.pdf_sha256
        assert client.get(f"{base(w)}/print").status_code == 200
    login_as(w.staff)
    assert client.post(f"{base(w)}/edit", data=edit_form(letter_of(w.demand).current)).status_code == 403


def test_the_staff_of_another_council_never_sees_the_letter(client, login_as, w):
    sent(w)
    login_as(w.other_staff)
    for url in (base(w), f"{base(w)}.pdf", f"{base(w)}/print", f"{base(w)}/versions/1.pdf"):
        assert client.get(url).status_code in (403, 404), url


def test_members_and_authors_do_not_see_the_committees_letter(client, login_as, w):
    sent(w)
    for person in (w.member, w.author):
        login_as(person)
        for url in (base(w), f"{base(w)}.pdf", f"{base(w)}/print", f"{base(w)}/versions/1.pdf",
                    f"{base(w)}/receipt", f"{base(w)}/edit"):
            assert client.get(url).status_code == 403, (person.display_name, url)


# The authors' discussion draft. -----------------------------------------------------------------------------------

def test_authors_print_the_discussion_draft_without_letter_only_names_or_a_code(client, login_as, w):
    letter = approved(w)
    code = letter.current.verification_code
    issued = letters.issued_pdf(letter.current)
    assert HIDDEN_NAME in pdf_text(issued)  # the control: the committee's letter names them
    login_as(w.author)
    response = client.get(f"{base(w)}/discussion.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=draft-{w.demand.id}.pdf"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    text = pdf_text(response.data)
    assert "DRAFT" in text and "Light the main street" in text and PUBLIC_NAME in text
    assert HIDDEN_NAME not in text and PAPER_NAME not in text and PAPER_PHONE not in text
    assert code not in text and not CODE.search(text) and "MDN/" not in text
    response = client.get(f"{base(w)}/discussion?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = text_of(response)
    assert "DRAFT — not sent" in html and PUBLIC_NAME in html
    for secret in (HIDDEN_NAME, HIDDEN_EMAIL, PAPER_NAME, PAPER_PHONE, code):
        assert secret not in html
    assert not CODE.search(plain(html))


def test_the_discussion_draft_is_for_authors_and_the_committee(client, login_as, w):
    for person in (w.member, w.staff):
        login_as(person)
        assert client.get(f"{base(w)}/discussion").status_code == 403
        assert client.get(f"{base(w)}/discussion.pdf").status_code == 403
    login_as(w.chair)
    assert client.get(f"{base(w)}/discussion").status_code == 200


# The demand page and its timeline. -------------------------------------------------------------------------------

def test_the_demand_page_offers_the_committee_to_write_the_letter(client, login_as, w):
    page = f"/demands/{w.demand.id}"
    login_as(w.chair)
    html = text_of(client.get(page))
    assert "Write the letter" in html and f'href="{base(w)}"' in html
    for person in (w.member, w.staff):
        login_as(person)
        html = text_of(client.get(page))
        assert "Write the letter" not in html and f'href="{base(w)}"' not in html
    login_as(w.author)  # the authors get the discussion draft instead
    html = text_of(client.get(page))
    assert f'href="{base(w)}/discussion.pdf"' in html and f'href="{base(w)}"' not in html


def test_the_demand_page_shows_the_letter_to_the_committee_then_to_everyone_once_sent(client, login_as, w):
    page = f"/demands/{w.demand.id}"
    letter = approved(w)
    login_as(w.chair)
    html = text_of(client.get(page))
    assert "Open the letter" in html and letter.reference in html
    login_as(w.member)
    html = text_of(client.get(page))
    assert "Open the letter" not in html and f'href="{base(w)}"' not in html
    letters.send_by_email(w.chair, letter_of(w.demand))
    db.session.commit()
    code = letter_of(w.demand).current.verification_code
    with client.session_transaction() as session:
        session.clear()  # signed out
    html = text_of(client.get(page, headers=EN))
    assert f"Letter {letter.reference} was sent to Town Council" in plain(html)
    assert f'href="/verify/{code}"' in html and f'href="{base(w)}"' not in html
    login_as(w.chair)
    html = text_of(client.get(page))
    assert f'href="/verify/{code}"' in html and f'href="{base(w)}"' in html
    assert f'{base(w)}/discussion' not in html  # no discussion draft of a sent letter


def test_the_timeline_shows_the_letter_drafted_approved_and_sent(client, login_as, w):
    login_as(w.chair)
    assert client.post(base(w), data={"language": "ar"}).status_code == 303
    login_as(w.second)
    read = form_fields(text_of(client.get(base(w))), f"{base(w)}/approve")
    assert client.post(f"{base(w)}/approve", data=read).status_code == 303
    assert client.post(f"{base(w)}/send-email").status_code == 303
    reference = letter_of(w.demand).reference
    assert letter_of(w.demand).status == "sent"
    text = plain(text_of(client.get(f"/demands/{w.demand.id}")))
    assert f"Chair Person drafted the letter {reference} to the council." in text
    assert f"Second Person approved version 1 of the letter {reference}." in text
    assert f"The committee sent the letter {reference} to Town Council. An answer is expected by" in text


# Queries. ---------------------------------------------------------------------------------------------------------

def test_the_letter_page_runs_a_fixed_number_of_queries_whatever_the_versions(client, login_as, w, count_queries):
    letter = approved(w)
    url = base(w)
    login_as(w.chair)
    client.get(url)  # warm up

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    letters.edit(w.chair, letter, subject="Version two")
    db.session.commit()
    two = queries()
    for n in range(3, 7):
        letter = letter_of(w.demand)
        letters.approve(w.second if letter.current.drafted_by_id == w.chair.id else w.chair, letter)
        letters.edit(w.chair, letter, subject=f"Version {n}")
        db.session.commit()
    assert len(letter_of(w.demand).versions) == 6
    six = queries()
    assert six == two
    assert six <= 30
