"""Four eyes bound to what was read (#18 item 6): an approval approves the letter its approver read, or nothing;
the committee publishes the demand it reviewed, or nothing.

A draft letter is edited in place, so the approve form carries the version number, the fingerprint of everything
approving freezes into the PDF (the version's fields, its counts, the letterhead, the council's answer time, the
annex) and that content as read. If the letter is not that any more: 409, nothing approved, a page saying what
changed, field by field, with the letter as it is now and a fresh form; a form that does not hold together: 400.
The flow is the browser's: the approver reads the letter page, the form is taken from it.
"""
import hashlib
import io
import json
import re
import threading
import time
from unittest import mock

import pytest
from sqlalchemy import select

from civicvoice.accounts.models import User
from civicvoice.communities import services as communities
from civicvoice.extensions import db
from civicvoice import pdf as letter_pdf
from civicvoice.letters import services as letters
from civicvoice.letters.models import Letter, LetterVersion
from civicvoice.signatures import services as signatures
from civicvoice.signatures.models import Signature
from civicvoice.proposals import services as proposals
from civicvoice.proposals.models import Proposal
from tests.factories import committee_member, make_adopted, make_centre, make_committee, make_proposal, make_user
from tests.pages import form_fields, plain, text_of
from tests.racing import race
from tests.security.routes import attach, png_bytes

STAND_IN_PDF = b"%PDF-1.4\n% stand-in\n%%EOF\n"


@pytest.fixture
def quick_pdf():
    with mock.patch.object(letter_pdf, "render", lambda html: (STAND_IN_PDF, 1)):
        yield


@pytest.fixture
def w(app, quick_pdf):
    """A letter drafted by `drafter` (in English, so the diff reads plainly), for `approver` to approve; its
    community has a centre without a telephone number (the letterhead prints what there is)."""
    proposal = make_adopted(signers=2, title="A pavement for the main street")
    make_centre(proposal.community, address="Main square")
    drafter = committee_member(proposal.community)
    approver = make_committee(proposal.community, make_user(name="Approver", locale="en"))
    letter = letters.create(drafter, proposal, "en")
    letters.edit(drafter, letter, body="We ask for a safe pavement along the main street.")
    db.session.commit()

    class World:
        pass

    world = World()
    world.proposal, world.drafter, world.approver, world.letter_id = proposal, drafter, approver, letter.id
    world.url = f"/demands/{proposal.id}/letter"
    return world


def letter(w) -> Letter:
    db.session.expire_all()
    return db.session.get(Letter, w.letter_id)


def read(client, login_as, w) -> dict:
    """The approver opens the letter page: the approve form as their browser would post it."""
    login_as(w.approver)
    page = client.get(w.url, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    return form_fields(text_of(page), f"{w.url}/approve")


def approve(client, w, form):
    return client.post(f"{w.url}/approve", data=form, headers={"Accept-Language": "en"})


def assert_nothing_approved(w):
    current = letter(w)
    assert current.status == "draft"
    assert all(version.approved_at is None and version.pdf_key is None for version in current.versions)


def test_an_edit_made_after_reading_is_not_approved_unseen(client, login_as, w):
    form = read(client, login_as, w)
    assert {"version", "fingerprint", "read"} <= set(form)
    letters.edit(w.drafter, letter(w), body="We ask for a safe pavement along the main street and the market.")
    db.session.commit()
    response = approve(client, w, form)
    assert response.status_code == 409
    assert_nothing_approved(w)
    html = text_of(response)
    assert "The letter changed since you read it" in plain(html)
    assert "<h2>What we ask, and why</h2>" in html
    assert re.search(r"<del>[^<]*street\.</del><ins>[^<]*and the market\.</ins>", html)
    # The letter as it is now, and a fresh form that approves exactly that.
    assert "and the market." in plain(html.split("What you approve", 1)[1])
    fresh = form_fields(html, f"{w.url}/approve")
    assert fresh["fingerprint"] != form["fingerprint"]
    assert approve(client, w, fresh).status_code == 303
    approved = letter(w).current
    assert approved.approved_by_id == w.approver.id
    assert approved.body == "We ask for a safe pavement along the main street and the market."


def test_what_was_read_is_approved_when_nothing_changed(client, login_as, w):
    form = read(client, login_as, w)
    assert approve(client, w, form).status_code == 303
    version = letter(w).current
    assert version.approved_at is not None and version.number == int(form["version"])


def _language(w):
    letters.edit(w.drafter, letter(w), language="ar_en")


def _counts(w):
    """Paper sheets entered since: the counts are brought up to date (in place, in the same version)."""
    current = letter(w)
    current.current.evidence = {**current.current.evidence, "total": 40, "paper": 38}


def _letterhead(w):
    community = w.proposal.community
    communities.update_community(committee_member(community), community, name="Renamed quarter",
                                 description=community.description, is_open=community.is_open,
                                 timezone=community.timezone)


def _annex(w):
    """A signature of the annex voided by the committee."""
    signature = db.session.scalars(select(Signature).where(Signature.proposal_id == w.proposal.id)).first()
    signatures.void(committee_member(w.proposal.community), signature, "Duplicate account")


def _answer_time(w):
    w.proposal.council.response_days = 10


@pytest.mark.parametrize(("change", "label"), [
    (_language, "Language of the letter"), (_counts, "Co-signatures"),
    (_letterhead, "The letterhead (community and centre)"), (_annex, "The list of signatories (annex)"),
    (_answer_time, "Response deadline in days"),
], ids=["language", "counts", "letterhead", "annex", "answer-time"])
def test_anything_printed_that_changed_since_reading_stops_the_approval(client, login_as, w, change, label):
    form = read(client, login_as, w)
    change(w)
    db.session.commit()
    response = approve(client, w, form)
    assert response.status_code == 409
    assert_nothing_approved(w)
    assert f"<h2>{label}</h2>" in text_of(response)


def test_a_version_replaced_since_reading_is_not_approved(client, login_as, w):
    """Read version 1, approved by someone else and changed again meanwhile (version 2): the old form approves
    nothing, whatever its fingerprint."""
    form = read(client, login_as, w)
    third = make_committee(w.proposal.community)
    letters.approve(third, letter(w))
    letters.edit(w.drafter, letter(w), subject="A safer pavement")
    db.session.commit()
    assert letter(w).current.number == 2
    response = approve(client, w, form)
    assert response.status_code == 409
    assert letter(w).current.approved_at is None
    assert "<h2>Version</h2>" in text_of(response) and "<h2>Subject</h2>" in text_of(response)


def _tampered(form):
    return {**form, "read": form["read"].replace("main street", "main road")}


def _read_of_other_version(form):
    content = json.loads(form["read"])
    text = json.dumps({**content, "version": content["version"] + 1}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return {**form, "read": text, "fingerprint": hashlib.sha256(text.encode()).hexdigest()}


def _misshapen(form):
    text = json.dumps({"version": int(form["version"]), "fields": "x"})
    return {**form, "read": text, "fingerprint": hashlib.sha256(text.encode()).hexdigest()}


@pytest.mark.parametrize("damage", [
    lambda form: {},
    lambda form: {key: value for key, value in form.items() if key != "fingerprint"},
    lambda form: {**form, "fingerprint": "zz" * 32},
    lambda form: {**form, "fingerprint": "0" * 64},
    lambda form: {**form, "version": "99999999999999999999"},
    lambda form: {**form, "version": "-1"},
    lambda form: {**form, "read": "not json"},
    lambda form: {**form, "read": ""},
    _tampered, _read_of_other_version, _misshapen,
], ids=["empty", "no-fingerprint", "not-hex", "wrong-fingerprint", "huge-version", "negative-version", "not-json",
        "empty-read", "tampered-read", "version-mismatch", "misshapen-read"])
def test_a_form_that_does_not_hold_together_is_refused_without_a_500(client, login_as, w, damage):
    form = damage(read(client, login_as, w))
    response = approve(client, w, form)
    assert response.status_code == 400
    assert_nothing_approved(w)


def test_files_in_the_approve_form_are_refused_without_a_500(client, login_as, w):
    form = read(client, login_as, w)
    for name in ("version", "fingerprint", "read"):
        data = {**form, name: (io.BytesIO(form[name].encode()), "field.txt")}
        assert client.post(f"{w.url}/approve", data=data, content_type="multipart/form-data").status_code == 400
    assert_nothing_approved(w)


def test_the_approve_form_is_offered_only_to_who_may_approve(client, login_as, w):
    login_as(w.drafter)
    assert f'action="{w.url}/approve"' not in text_of(client.get(w.url))


@pytest.mark.postgres
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 5})
def test_an_edit_during_an_approval_waits_and_never_slips_into_the_frozen_version(app, w):
    """The approval holds the letter's row while it renders the PDF: an edit arriving meanwhile waits, then makes
    the next version. Without the lock the edit landed in place, and the approved version held a text its PDF
    (and its approver) never had."""
    read_fingerprint = letters.fingerprint(letter(w))
    original = letter(w).current.body
    slow = threading.Event()

    def render(html):
        slow.set()
        time.sleep(0.5)  # the edit arrives while the PDF renders
        return STAND_IN_PDF, 1

    def approving():
        with app.test_request_context(f"{w.url}/approve", method="POST"):
            current = db.session.get(Letter, w.letter_id)
            try:
                letters.approve(db.session.get(User, w.approver.id), current, version_number=1,
                                seen=read_fingerprint)
            except letters.LetterChanged:
                db.session.rollback()
                return "changed"
            db.session.commit()
            return "approved"

    def editing():
        slow.wait(5)
        with app.test_request_context(f"{w.url}/edit", method="POST"):
            current = db.session.get(Letter, w.letter_id)
            letters.edit(db.session.get(User, w.drafter.id), current, body="A different text altogether.")
            db.session.commit()
            return "edited"

    with mock.patch.object(letter_pdf, "render", render):
        result = race([approving, editing])
    assert result.errors == [], "\n".join(result.errors)
    assert sorted(result.outcomes) == ["approved", "edited"]
    versions = db.session.scalars(select(LetterVersion).where(LetterVersion.letter_id == w.letter_id)
                                  .order_by(LetterVersion.number)).all()
    assert [(v.number, v.body, v.approved_at is not None) for v in versions] == [
        (1, original, True), (2, "A different text altogether.", False)]


def test_the_change_is_told_in_arabic_to_an_arabic_reader(client, login_as, w):
    w.approver.locale = "ar"
    db.session.commit()
    login_as(w.approver)
    form = form_fields(text_of(client.get(w.url)), f"{w.url}/approve")
    letters.edit(w.drafter, letter(w), subject="رصيف آمن للمشاة")
    db.session.commit()
    html = text_of(client.post(f"{w.url}/approve", data=form))
    assert 'dir="rtl"' in html and "تغيّر الكتاب منذ أن قرأته" in html
    assert "<h2>الموضوع</h2>" in html and "رصيف آمن للمشاة" in plain(html)


# The committee publishing a demand it reviewed ----------------------------------------------------------------
# A demand under review cannot be edited, but another committee member may send it back to its authors, who change
# it and submit it again, while the first reviewer still has the page open: the publish button carries the
# revision and the submission read.

@pytest.fixture
def review(app):
    proposal = make_proposal(status="in_review", body="The roof of the girls' school leaks.")
    reviewer = make_committee(proposal.community, make_user(name="Reviewer", locale="en"))

    class Review:
        url = f"/demands/{proposal.id}"

    found = Review()
    found.proposal, found.reviewer, found.author = proposal, reviewer, proposal.author
    found.other = make_committee(proposal.community)
    return found


def sent_back_and_resubmitted(review, **changes):
    proposals.request_changes(review.other, review.proposal, "Name the school.")
    if changes:
        proposals.edit(review.author, review.proposal, **changes)
    proposals.submit(review.author, review.proposal)
    db.session.commit()


def publish_form(client, login_as, review) -> dict:
    login_as(review.reviewer)
    return form_fields(text_of(client.get(review.url, headers={"Accept-Language": "en"})), f"{review.url}/publish")


def status(review) -> str:
    db.session.expire_all()
    return db.session.get(Proposal, review.proposal.id).status


def test_a_demand_changed_and_resubmitted_after_reading_is_not_published(client, login_as, review):
    form = publish_form(client, login_as, review)
    sent_back_and_resubmitted(review, body="The roof of the Al-Amal girls' school leaks.")
    response = client.post(f"{review.url}/publish", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert status(review) == "in_review"
    html = text_of(response)
    assert "The demand changed since you read it" in plain(html)
    assert "<ins>Al-Amal </ins>" in html
    fresh = form_fields(html, f"{review.url}/publish")
    assert fresh != form
    assert client.post(f"{review.url}/publish", data=fresh).status_code == 303
    assert status(review) == "open"


def test_an_attachment_added_and_resubmitted_after_reading_stops_the_publication_too(client, login_as, review):
    form = publish_form(client, login_as, review)
    proposals.request_changes(review.other, review.proposal, "Add the photo.")
    attach(review.author, review.proposal, png_bytes(), "roof.png")
    proposals.submit(review.author, review.proposal)
    db.session.commit()
    response = client.post(f"{review.url}/publish", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 409 and "roof.png" in text_of(response)
    assert status(review) == "in_review"


def test_what_the_reviewer_read_is_published(client, login_as, review):
    assert client.post(f"{review.url}/publish", data=publish_form(client, login_as, review)).status_code == 303
    assert status(review) == "open"


@pytest.mark.parametrize("damage", [
    lambda form: {}, lambda form: {**form, "revision": "x"}, lambda form: {**form, "revision": "9" * 20},
    lambda form: {**form, "submitted": "y" * 100},
], ids=["empty", "not-a-number", "huge", "too-long"])
def test_a_publish_form_that_does_not_hold_together_is_a_400(client, login_as, review, damage):
    response = client.post(f"{review.url}/publish", data=damage(publish_form(client, login_as, review)))
    assert response.status_code == 400
    assert status(review) == "in_review"
