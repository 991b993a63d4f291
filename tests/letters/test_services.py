"""The rules of letters, through the services: references, drafting from the demand, four eyes, freezing,
sending and checking a letter by its code."""
import hashlib
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from civicvoice import storage
from civicvoice.activity.models import Event, Notification
from civicvoice.communities import services as communities
from civicvoice.errors import Conflict, InvalidInput, NotAllowed
from civicvoice.extensions import db as database
from civicvoice.letters import services
from civicvoice.letters.models import Letter, LetterVersion
from civicvoice.proposals import attachments
from civicvoice.signatures.models import Signature
from civicvoice.voting import services as voting
from tests.factories import (advance_proposal, committee_member, make_adopted, make_coauthor, make_committee,
                             make_community, make_council, make_letter, make_paper_batch, make_proposal,
                             make_signature, make_user, make_vote, scan_png)

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def letters_of(community) -> list[Letter]:
    return list(database.session.scalars(select(Letter).where(Letter.community_id == community.id)
                                            .order_by(Letter.id)))


# References --------------------------------------------------------------------------------------

@freeze_time("2026-03-10 12:00:00")
def test_references_follow_the_community_code_year_and_sequence(app, db):
    community, other = make_community(code="QDM"), make_community(code="BRZ")
    first = [make_letter(make_adopted(community)) for _ in range(3)]
    elsewhere = [make_letter(make_adopted(other)) for _ in range(2)]
    assert [letter.reference for letter in first] == ["QDM/2026/001", "QDM/2026/002", "QDM/2026/003"]
    assert [(letter.year, letter.sequence) for letter in first] == [(2026, 1), (2026, 2), (2026, 3)]
    # A second community has its own sequence.
    assert [letter.reference for letter in elsewhere] == ["BRZ/2026/001", "BRZ/2026/002"]
    assert make_letter(make_adopted(community)).reference == "QDM/2026/004"


def test_the_sequence_starts_again_each_year_in_the_community_timezone(app, db):
    community = make_community(code="HMS", timezone="Asia/Damascus")
    with freeze_time("2026-06-01 09:00:00"):
        assert make_letter(make_adopted(community)).reference == "HMS/2026/001"
        assert make_letter(make_adopted(community)).reference == "HMS/2026/002"
    # 22:30 UTC on 31 December is already 1 January in Damascus (UTC+3): the new year's first letter.
    with freeze_time("2026-12-31 22:30:00"):
        letter = make_letter(make_adopted(community))
    assert (letter.reference, letter.year, letter.sequence) == ("HMS/2027/001", 2027, 1)
    assert letter.current.letter_date == date(2027, 1, 1)
    with freeze_time("2027-02-01 09:00:00"):
        assert make_letter(make_adopted(community)).reference == "HMS/2027/002"


def test_a_number_is_never_given_twice(app, db):
    """The database refuses a second letter with the same number, whatever the code in front of it does."""
    taken = make_letter(make_adopted(make_community(code="DRA")))
    proposal = make_adopted(taken.community)
    db.session.add(Letter(proposal_id=proposal.id, community_id=taken.community_id, council_id=proposal.council_id,
                          year=taken.year, sequence=taken.sequence, reference=f"DRA/{taken.year}/other"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Letter(proposal_id=proposal.id, community_id=taken.community_id, council_id=proposal.council_id,
                          year=taken.year, sequence=taken.sequence + 1, reference=taken.reference))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_number_taken_meanwhile_is_skipped(app, db, monkeypatch):
    """Two members numbering at once read the same highest number: the loser's insert fails inside a savepoint
    and it takes the next free number, keeping the rest of its work."""
    community = make_community(code="TRT")
    make_letter(make_adopted(community))
    make_letter(make_adopted(community))
    proposal = make_adopted(community)
    real, calls = services._next_sequence, []

    def stale(community_id, year):
        calls.append(year)
        return 1 if len(calls) == 1 else real(community_id, year)  # the first read is out of date

    monkeypatch.setattr(services, "_next_sequence", stale)
    letter = services.create(committee_member(community), proposal)
    db.session.commit()
    assert len(calls) == 2
    assert letter.sequence == 3 and letter.reference.endswith("/003")
    assert [v.number for v in letter.versions] == [1]
    assert sorted(x.sequence for x in letters_of(community)) == [1, 2, 3]


def test_numbering_gives_up_with_a_conflict_after_a_few_attempts(app, db, monkeypatch):
    community = make_community(code="KSW")
    make_letter(make_adopted(community))
    proposal = make_adopted(community)
    monkeypatch.setattr(services, "_next_sequence", lambda community_id, year: 1)
    with pytest.raises(Conflict):
        services.create(committee_member(community), proposal)
    db.session.rollback()
    assert services.of(proposal) is None
    assert len(letters_of(community)) == 1


# Creating ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["open", "voting", "not_adopted", "draft"])
def test_only_an_adopted_demand_gets_a_letter(app, db, status):
    proposal = make_proposal(status=status, council=make_council())
    with pytest.raises(Conflict):
        services.create(committee_member(proposal.community), proposal)
    db.session.rollback()
    assert services.of(proposal) is None


def test_a_demand_without_a_council_gets_no_letter(app, db):
    proposal = make_proposal(status="adopted")
    assert proposal.council is None
    with pytest.raises(InvalidInput):
        services.create(committee_member(proposal.community), proposal)
    db.session.rollback()
    assert services.of(proposal) is None


def test_a_demand_gets_one_letter_only(app, db):
    letter = make_letter()
    with pytest.raises(Conflict):
        services.create(committee_member(letter.community), letter.proposal)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Letter.id)).where(Letter.proposal_id == letter.proposal_id)) == 1


def test_the_first_draft_comes_from_the_demand_its_council_and_its_committee(app, db):
    community = make_community()
    chair = committee_member(community)
    second = make_committee(community)
    council = make_council("مجلس مدينة حمص", contact_email="diwan@homs.example", postal_address="حمص، شارع الدبلان",
                           response_days=21)
    proposal = make_adopted(community, council=council, signers=4, letter_only=1, verified_in_person=3,
                            paper=(("سعاد الأحمد", "حارة الجامع", ""), ("Omar Haddad", "الخالدية", "0944-123-456")),
                            title="إنارة شارع الدبلان", summary="الشارع مظلم ليلاً.", body="## المطلوب\n\nأعمدة إنارة.",
                            place="شارع الدبلان", resolution="تعمل الأعمدة كلها")
    upload = attachments.prepare([(scan_png(), "street.png")], proposal)[0]
    attachments.add(proposal.author, proposal, upload)
    db.session.commit()

    letter = services.create(chair, proposal, "ar_en")
    db.session.commit()
    version = letter.current
    assert (version.number, version.language, version.drafted_by_id) == (1, "ar_en", chair.id)
    assert (version.approved_at, version.verification_code, version.pdf_key) == (None, None, None)
    assert (letter.status, letter.council_id, letter.created_by_id) == ("draft", council.id, chair.id)
    assert version.subject == "إنارة شارع الدبلان"
    assert version.body == "الشارع مظلم ليلاً.\n\n## المطلوب\n\nأعمدة إنارة."
    assert (version.place, version.resolution) == ("شارع الدبلان", "تعمل الأعمدة كلها")
    assert (version.recipient_name, version.recipient_address) == ("مجلس مدينة حمص", "حمص، شارع الدبلان")
    assert version.letter_date == services.local_today(community)
    assert [person["name"] for person in version.signatories] == [chair.display_name, second.display_name]
    assert all(person["role"] for person in version.signatories)
    assert version.evidence == {"total": 6, "online": 4, "paper": 2, "verified": 3, "goal": proposal.signature_goal,
                                "enclosures": ["street.png"]}
    drafted = db.session.scalar(select(Event).where(Event.verb == "proposal.letter_drafted",
                                                    Event.subject_id == proposal.id))
    assert drafted.data["reference"] == letter.reference


def test_the_draft_gives_the_result_of_the_adoption_vote(app, db):
    proposal = make_proposal(status="open", council=make_council(contact_email="a@council.example"))
    poll = make_vote(proposal, voters=4)
    chair = committee_member(proposal.community)
    voters = [u for u in voting.electors(poll) if u.id != chair.id][:4]
    for voter, choice in zip(voters, ["yes", "yes", "no", "abstain"], strict=True):
        voting.cast(voter, poll, choice)
    assert voting.close(chair, poll, "اكتمل النقاش") is True
    db.session.commit()
    assert proposal.status == "adopted"

    evidence = services.create(chair, proposal, "en").current.evidence
    assert {key: evidence["vote"][key] for key in ("yes", "no", "abstain", "turnout", "electorate")} == {
        "yes": 2, "no": 1, "abstain": 1, "turnout": 4, "electorate": poll.electorate}
    assert datetime.fromisoformat(evidence["vote"]["closed_at"]) == poll.closed_at
    assert poll.electorate > 4


def test_a_demand_adopted_without_a_poll_has_no_vote_in_its_evidence(app, db):
    assert "vote" not in make_letter(make_adopted(signers=1)).current.evidence


def test_the_discussion_draft_is_never_stored_nor_verifiable(app, db):
    proposal = make_adopted(signers=1)
    draft = services.discussion_draft(proposal, "en")
    assert (draft.number, draft.verification_code, draft.approved_at) == (0, None, None)
    assert (draft.language, draft.subject, draft.recipient_name) == ("en", proposal.title, proposal.council.name)
    assert draft.evidence["total"] == 1
    db.session.commit()
    assert services.of(proposal) is None
    assert db.session.scalar(select(func.count(LetterVersion.id))) == 0


# Editing and four eyes ---------------------------------------------------------------------------

def test_the_drafter_cannot_approve(app, db):
    letter = make_letter()
    drafter = db.session.get(type(letter.proposal.author), letter.current.drafted_by_id)
    with pytest.raises(NotAllowed):
        services.approve(drafter, letter)
    db.session.rollback()
    assert (letter.status, letter.current.approved_at, letter.current.verification_code) == ("draft", None, None)


@pytest.mark.parametrize("how", ["sql", "orm"])
def test_the_database_refuses_an_approval_by_the_drafter(app, db, how):
    letter = make_letter()
    version = letter.current
    assert version.drafted_by_id is not None
    if how == "sql":
        with pytest.raises(IntegrityError):
            db.session.execute(update(LetterVersion).where(LetterVersion.id == version.id)
                               .values(approved_by_id=LetterVersion.drafted_by_id))
    else:
        version.approved_by_id = version.drafted_by_id
        with pytest.raises(IntegrityError):
            db.session.flush()
    db.session.rollback()
    # Anyone else may be recorded (the other checks aside).
    other = make_user()
    db.session.execute(text("UPDATE letter_versions SET approved_by_id = :uid WHERE id = :id"),
                       {"uid": other.id, "id": version.id})
    db.session.commit()


def test_a_version_is_approved_only_complete(app, db):
    """Approved means rendered: the database refuses an approval without its code and hash."""
    letter = make_letter()
    with pytest.raises(IntegrityError):
        db.session.execute(update(LetterVersion).where(LetterVersion.id == letter.current.id)
                           .values(approved_at=datetime.now(timezone.utc), approved_by_id=make_user().id))
    db.session.rollback()


def test_approving_freezes_the_version_with_its_pdf_hash_and_code(app, db):
    letter = make_letter()
    approver = make_committee(letter.community)
    version = services.approve(approver, letter)
    db.session.commit()
    data = services.issued_pdf(version)
    assert data.startswith(b"%PDF-")
    assert version.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert (version.pdf_size, version.approved_by_id, letter.status) == (len(data), approver.id, "approved")
    assert version.pdf_pages >= 1 and version.approved_at is not None
    assert CODE.match(version.verification_code)
    assert letter.issued is version
    assert services.matches(version, data)
    with pytest.raises(Conflict):
        services.approve(make_committee(letter.community), letter)
    db.session.rollback()


def test_editing_a_draft_changes_it_in_place_and_makes_the_editor_its_drafter(app, db):
    letter = make_letter()
    drafter, editor = letter.current.drafted_by_id, make_committee(letter.community)
    version = services.edit(editor, letter, subject="موضوع أوضح", show_hijri=True)
    db.session.commit()
    assert (version.number, version.subject, version.show_hijri) == (1, "موضوع أوضح", True)
    assert version.drafted_by_id == editor.id and len(letter.versions) == 1
    # The one who drafted first may now approve what someone else changed; the editor may not.
    with pytest.raises(NotAllowed):
        services.approve(editor, letter)
    db.session.rollback()
    services.approve(db.session.get(type(editor), drafter), letter)
    db.session.commit()
    assert letter.status == "approved"


@pytest.mark.parametrize("fields", [{"subject": " "}, {"body": ""}, {"recipient_name": ""}, {"signatories": []}])
def test_a_letter_keeps_its_recipient_subject_body_and_signatories(app, db, fields):
    letter = make_letter()
    with pytest.raises(InvalidInput):
        services.edit(committee_member(letter.community), letter, **fields)
    db.session.rollback()


def test_only_the_letters_fields_can_be_edited(app, db):
    letter = make_letter()
    with pytest.raises(ValueError, match="verification_code"):
        services.edit(committee_member(letter.community), letter, verification_code="AAAA-AAAA-AAAA")
    db.session.rollback()


def test_changing_an_approved_letter_makes_a_new_version_to_approve_again(app, db):
    letter = make_letter(approve=True)
    first = letter.current
    code, digest, key, approved_at = first.verification_code, first.pdf_sha256, first.pdf_key, first.approved_at
    editor = make_committee(letter.community)

    second = services.edit(editor, letter, subject="موضوع جديد")
    db.session.commit()
    db.session.expire_all()
    assert [v.number for v in letter.versions] == [1, 2]
    assert (second.number, second.subject, second.drafted_by_id) == (2, "موضوع جديد", editor.id)
    assert (second.approved_at, second.verification_code, second.pdf_key) == (None, None, None)
    assert second.evidence == first.evidence
    assert (letter.status, letter.issued) == ("draft", None)
    first = db.session.get(LetterVersion, first.id)
    assert (first.verification_code, first.pdf_sha256, first.pdf_key, first.approved_at) == (code, digest, key,
                                                                                              approved_at)
    assert first.subject != "موضوع جديد"
    assert hashlib.sha256(services.issued_pdf(first)).hexdigest() == digest

    # The same values again change nothing (no version 3).
    assert services.edit(editor, letter, subject="موضوع جديد").number == 2
    services.approve(committee_member(letter.community), letter)
    db.session.commit()
    assert second.verification_code not in (None, code) and second.pdf_sha256 != digest
    # The replaced letter can still be checked by its own code.
    assert services.by_code(code) == first and services.by_code(second.verification_code) == second


def test_refreshing_the_counts_of_an_approved_letter_makes_a_new_version(app, db):
    proposal = make_adopted(signers=2)
    letter = make_letter(proposal, approve=True)
    chair = committee_member(proposal.community)
    assert letter.current.evidence["verified"] == 0
    # Nothing changed: the same version.
    assert services.refresh_evidence(chair, letter).number == 1
    assert letter.status == "approved"

    signer = db.session.scalars(select(Signature).where(Signature.proposal_id == proposal.id,
                                                                 Signature.user_id.is_not(None))).first()
    communities.verify_in_person(chair, proposal.community, signer.user)
    db.session.commit()
    version = services.refresh_evidence(chair, letter)
    db.session.commit()
    assert (version.number, version.evidence["verified"], letter.status) == (2, 1, "draft")
    assert version.subject == letter.versions[0].subject and version.approved_at is None
    assert letter.versions[0].evidence["verified"] == 0  # the approved version keeps what it said

    # On a draft the counts change in place.
    other = db.session.scalars(select(Signature).where(Signature.proposal_id == proposal.id,
                                                                Signature.user_id != signer.user_id)).first()
    communities.verify_in_person(chair, proposal.community, other.user)
    assert services.refresh_evidence(chair, letter).number == 2
    assert letter.current.evidence["verified"] == 2


# Sending -----------------------------------------------------------------------------------------

def adopted_with_people(council):
    """An adopted demand with a co-author, two confirmed online signers, one pending, and a paper sheet."""
    proposal = make_proposal(status="open", council=council)
    coauthor = make_coauthor(proposal)
    signers = [make_signature(proposal).user for _ in range(2)]
    pending = make_signature(proposal, verified=False)
    assert pending.status == "pending"
    make_paper_batch(proposal, rows=(("سعاد الأحمد", "حارة الجامع", ""),))
    advance_proposal(proposal, "open_vote")
    advance_proposal(proposal, "adopt")
    return proposal, {proposal.author.id, coauthor.id, *(u.id for u in signers)}, pending.user


def notified(proposal, verb="proposal.send_letter") -> list[int]:
    return sorted(database.session.scalars(
        select(Notification.recipient_id).join(Event, Event.id == Notification.event_id)
        .where(Event.verb == verb, Event.subject_type == "proposals", Event.subject_id == proposal.id)))


@freeze_time("2026-03-10 22:30:00")
def test_sending_by_email_submits_the_demand_with_the_pdf_attached(app, db, outbox):
    council = make_council("مجلس مدينة دمشق", contact_email="diwan@damascus.example", response_days=12)
    proposal, people, pending = adopted_with_people(council)
    letter = make_letter(proposal, approve=True)
    sender = committee_member(proposal.community)
    outbox.clear()

    services.send_by_email(sender, letter)
    assert outbox == []  # nothing leaves before the commit
    db.session.commit()

    now = datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc)
    assert (proposal.status, letter.status, letter.method, letter.sent_to) == (
        "submitted", "sent", "email", "diwan@damascus.example")
    assert letter.sent_at == now and proposal.submitted_at == now and letter.sent_by_id == sender.id
    # 22:30 UTC is already 11 March in Damascus: the council has 12 days from there.
    assert letter.response_due_on == date(2026, 3, 11) + timedelta(days=12) == date(2026, 3, 23)

    [mail] = outbox
    assert mail["to"] == "diwan@damascus.example"
    [(filename, content_type, data)] = mail["attachments"]
    assert (filename, content_type) == (letter.reference.replace("/", "-") + ".pdf", "application/pdf")
    assert hashlib.sha256(data).hexdigest() == letter.issued.pdf_sha256
    assert letter.reference in mail["subject"] + mail["body"]

    # Every confirmed online co-signer and every author is told; not the pending signer, not the sender.
    assert notified(proposal) == sorted(people)
    assert pending.id not in notified(proposal) and sender.id not in notified(proposal)
    event = db.session.scalar(select(Event).where(Event.verb == "proposal.send_letter",
                                                  Event.subject_id == proposal.id))
    assert (event.data["reference"], event.data["method"], event.data["due"]) == (letter.reference, "email",
                                                                                  "2026-03-23")


def test_a_rolled_back_sending_sends_nothing(app, db, outbox):
    letter = make_letter(make_adopted(signers=1), approve=True)
    outbox.clear()
    services.send_by_email(committee_member(letter.community), letter)
    db.session.rollback()
    assert outbox == []
    db.session.expire_all()
    assert (letter.status, letter.sent_at, letter.proposal.status) == ("approved", None, "adopted")
    assert notified(letter.proposal) == []


def test_sending_needs_the_councils_email_address(app, db, outbox):
    proposal = make_adopted(council=make_council(contact_email=""))
    letter = make_letter(proposal, approve=True)
    outbox.clear()
    with pytest.raises(InvalidInput):
        services.send_by_email(committee_member(proposal.community), letter)
    db.session.rollback()
    assert outbox == [] and letter.status == "approved" and proposal.status == "adopted"


def test_only_an_approved_letter_is_sent_and_only_once(app, db, outbox):
    letter = make_letter()
    chair = committee_member(letter.community)
    with pytest.raises(Conflict):
        services.send_by_email(chair, letter)
    with pytest.raises(Conflict):
        services.record_hand_delivery(chair, letter, delivered_on=date.today() - timedelta(days=1),
                                      delivered_by="سعاد")
    db.session.rollback()
    services.approve(make_committee(letter.community), letter)
    services.send_by_email(chair, letter)
    db.session.commit()
    for change in (lambda: services.send_by_email(chair, letter),
                   lambda: services.edit(chair, letter, subject="بعد الإرسال"),
                   lambda: services.refresh_evidence(chair, letter),
                   lambda: services.approve(make_committee(letter.community), letter)):
        with pytest.raises(Conflict):
            change()
        db.session.rollback()
    assert len([message for message in outbox if message["to"] == letter.council.contact_email]) == 1


def receipt_photo() -> bytes:
    """A PNG as a phone would send it, with a text chunk that must not be kept."""
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 33.5138 36.2765 secret-owner")
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@freeze_time("2026-03-10 22:30:00")
def test_a_hand_delivery_is_recorded_with_its_registry_number_and_receipt(app, db, outbox):
    council = make_council(contact_email="diwan@example.org", response_days=30)
    proposal, people, _pending = adopted_with_people(council)
    letter = make_letter(proposal, approve=True)
    chair = committee_member(proposal.community)
    outbox.clear()
    photo = receipt_photo()
    # 11 March is already today in Damascus (not in UTC): not a date in the future.
    services.record_hand_delivery(chair, letter, delivered_on=date(2026, 3, 11), delivered_by="  سعاد الأحمد ",
                                  registry_number=" 2026/4471 ", receipt=(photo, "receipt.png"))
    db.session.commit()
    assert (letter.status, letter.method, proposal.status) == ("sent", "hand", "submitted")
    assert (letter.delivered_on, letter.delivered_by, letter.registry_number) == (date(2026, 3, 11), "سعاد الأحمد",
                                                                                  "2026/4471")
    assert letter.response_due_on == date(2026, 4, 10)
    assert letter.receipt_type == "image/png"
    stored = storage.read(letter.receipt_key)
    assert b"secret-owner" in photo and b"secret-owner" not in stored  # re-encoded, metadata dropped
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (40, 30))
    assert notified(proposal) == sorted(people)
    assert outbox == []  # nothing is emailed to the council


@freeze_time("2026-03-10 12:00:00")
def test_a_hand_delivery_is_not_in_the_future_and_says_who_delivered_it(app, db):
    letter = make_letter(approve=True)
    chair = committee_member(letter.community)
    with pytest.raises(InvalidInput):
        services.record_hand_delivery(chair, letter, delivered_on=date(2026, 3, 11), delivered_by="سعاد")
    with pytest.raises(InvalidInput):
        services.record_hand_delivery(chair, letter, delivered_on=date(2026, 3, 10), delivered_by="  ")
    with pytest.raises(InvalidInput):  # a receipt that is no image
        services.record_hand_delivery(chair, letter, delivered_on=date(2026, 3, 10), delivered_by="سعاد",
                                      receipt=(b"not an image", "receipt.png"))
    db.session.rollback()
    assert (letter.status, letter.proposal.status) == ("approved", "adopted")


# Checking ----------------------------------------------------------------------------------------

def test_codes_are_found_however_they_are_typed(app, db, monkeypatch):
    monkeypatch.setattr(services, "new_code", lambda: "A0B1-C2D3-E4F5")
    version = make_letter(approve=True).current
    assert version.verification_code == "A0B1-C2D3-E4F5"
    for typed in ("A0B1-C2D3-E4F5", "a0b1-c2d3-e4f5", " a0b1 c2d3  e4f5 ", "A0B1C2D3E4F5", "AOBl-C2D3-E4F5",
                  "aob i c2d3 e4f5", "A0B1–C2D3–E4F5"):
        assert services.by_code(typed) == version, typed
    for typed in ("A0B1-C2D3-E4F", "A0B1-C2D3-E4F55", "", "A0B1-C2D3-E4F6", "ZZZZ-ZZZZ-ZZZZ", "A0B1-C2D3"):
        assert services.by_code(typed) is None, typed


def test_normalise_code():
    assert services.normalise_code("abcd efgh jkmn") == "ABCD-EFGH-JKMN"
    assert services.normalise_code("oOiIlL-0000-1111") == "0011-1100-0011-11"
    assert services.normalise_code("") == services.normalise_code(None) == ""
    assert len(services.normalise_code("abcd-efgh-jkm")) != 14


def test_new_codes_use_the_unambiguous_alphabet():
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE.match(code) and services.normalise_code(code) == code for code in codes)


def test_matches_compares_the_sha256_of_the_issued_pdf(app, db):
    version = make_letter(approve=True).current
    data = services.issued_pdf(version)
    assert services.matches(version, data)
    assert not services.matches(version, data + b"\n")
    assert not services.matches(version, data.replace(b"%PDF-", b"%PDF_", 1))
    assert not services.matches(version, b"")
