"""The council's side of a letter, through council/responses.py: acknowledging, answering, reporting progress with
photos, and the residents' "is it really fixed?" check that can reopen the demand."""
import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civicvoice import storage
from civicvoice.activity.models import Event, Notification
from civicvoice.communities import services as communities
from civicvoice.council import responses
from civicvoice.council.models import CouncilResponse, ResolutionCheck, ResponsePhoto
from civicvoice.database import utcnow
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition
from civicvoice.proposals import attachments
from civicvoice.signatures import services as signatures
from tests.factories import (advance_proposal, make_answered, make_coauthor, make_committee, make_community,
                             make_council, make_member, make_proposal, make_sent_letter, make_signature, make_staff,
                             make_user)


# Building -----------------------------------------------------------------------------------------

def demand_with_people(db):
    """A sent letter whose demand has an author, a co-author, two confirmed co-signers, one pending co-signer and
    a member who did not sign; returns (letter, people)."""
    community = make_community()
    council = make_council(contact_email="diwan@example.org", postal_address="دمشق")
    proposal = make_proposal(community, status="draft", council=council)
    coauthor = make_coauthor(proposal)
    advance_proposal(proposal, "submit")
    advance_proposal(proposal, "publish")
    signers = [make_signature(proposal).user for _ in range(2)]
    pending = make_signature(proposal, verified=False).user
    bystander = make_member(community)
    advance_proposal(proposal, "open_vote")
    advance_proposal(proposal, "adopt")
    letter = make_sent_letter(proposal)
    assert proposal.status == "submitted"
    return letter, {"author": proposal.author, "coauthor": coauthor, "signers": signers, "pending": pending,
                    "bystander": bystander}


def notified(db, event) -> set[int]:
    return set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event.id)))


def event_of(db, proposal, verb) -> Event:
    return db.session.scalars(select(Event).where(Event.verb == verb, Event.subject_type == "proposals",
                                                  Event.subject_id == proposal.id).order_by(Event.id.desc())).first()


def committee_ids(community) -> set[int]:
    return {m.user_id for m in communities.committee(community)}


def responses_of(db, letter, kind=None) -> list[CouncilResponse]:
    query = select(CouncilResponse).where(CouncilResponse.letter_id == letter.id)
    if kind:
        query = query.where(CouncilResponse.kind == kind)
    return list(db.session.scalars(query.order_by(CouncilResponse.id)))


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "SecretCamera 1.0"  # Software
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 80, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


def resolved(db, signers=3):
    """An accepted demand the council reported resolved, with `signers` confirmed co-signers."""
    letter, responder = make_answered(signers=signers)
    report = responses.post_progress(responder, letter, "resolved", "أصلحنا الإنارة")
    db.session.commit()
    proposal = letter.proposal
    assert proposal.status == "resolved"
    return letter, responder, report, signatures.signer_accounts(proposal)


# Acknowledging ------------------------------------------------------------------------------------

def test_acknowledge_moves_the_demand_and_copies_the_registry_number(app, db):
    letter = make_sent_letter()
    responder = make_staff(letter.council)
    response = responses.acknowledge(responder, letter, registry_number=" 2026/55 ", body="وصلنا", language="ar")
    db.session.commit()
    assert letter.proposal.status == "acknowledged"
    assert (response.kind, response.registry_number, response.body, response.author_id) == (
        "acknowledgement", "2026/55", "وصلنا", responder.id)
    assert letter.registry_number == "2026/55"
    assert letter.acknowledged_at == response.created_at and letter.answered_at is None
    event = event_of(db, letter.proposal, "proposal.acknowledge")
    assert event.actor_id == responder.id
    assert (event.data["before"], event.data["after"], event.data["response_id"]) == (
        "submitted", "acknowledged", response.id)
    assert event.data["registry_number"] == "2026/55"


def test_acknowledge_keeps_a_registry_number_already_recorded(app, db):
    letter = make_sent_letter(method="hand")
    letter.registry_number = "1234"
    db.session.commit()
    response = responses.acknowledge(make_staff(letter.council), letter, registry_number="999")
    assert (letter.registry_number, response.registry_number) == ("1234", "999")


def test_acknowledge_notifies_signers_authors_and_committee_but_not_the_actor(app, db):
    letter, people = demand_with_people(db)
    proposal = letter.proposal
    # The responder co-signed the demand as a resident: they are in the audience, but acted.
    actor = make_staff(letter.council, user=people["signers"][0])
    responses.acknowledge(actor, letter)
    db.session.commit()
    expected = ({people["signers"][1].id, people["author"].id, people["coauthor"].id}
                | committee_ids(proposal.community))
    assert notified(db, event_of(db, proposal, "proposal.acknowledge")) == expected
    assert actor.id not in expected and people["pending"].id not in expected
    assert people["bystander"].id not in expected


def test_sending_a_letter_tells_the_council_staff_it_is_in_their_inbox(app, db):
    council = make_council(contact_email="diwan@example.org", postal_address="دمشق")
    responder, viewer = make_staff(council), make_staff(council, role="viewer")
    elsewhere = make_staff(make_council())
    letter = make_sent_letter(council=council)
    recipients = notified(db, event_of(db, letter.proposal, "proposal.send_letter"))
    assert {responder.id, viewer.id} <= recipients
    assert elsewhere.id not in recipients


def test_a_second_acknowledgement_is_an_invalid_transition(app, db):
    letter = make_sent_letter()
    responder = make_staff(letter.council)
    responses.acknowledge(responder, letter)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        responses.acknowledge(make_staff(letter.council), letter)
    db.session.rollback()
    assert len(responses_of(db, letter, "acknowledgement")) == 1


def test_an_unsent_letter_cannot_be_acknowledged(app, db):
    letter = make_sent_letter()
    letter.status = "approved"
    with pytest.raises(Conflict):
        responses.acknowledge(make_staff(letter.council), letter)


def test_acknowledge_refuses_an_unknown_language(app, db):
    letter = make_sent_letter()
    with pytest.raises(InvalidInput):
        responses.acknowledge(make_staff(letter.council), letter, language="fr")


# Answering ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("decision", ["accepted", "partial"])
def test_accepting_keeps_the_demand_acknowledged(app, db, decision):
    letter = make_sent_letter()
    responder = make_staff(letter.council)
    responses.acknowledge(responder, letter)
    answer = responses.answer(responder, letter, decision, body="سنصلح الإنارة")
    db.session.commit()
    assert letter.proposal.status == "acknowledged"
    assert (answer.kind, answer.decision, letter.answer_decision) == ("answer", decision, decision)
    assert letter.answered_at == answer.created_at
    event = event_of(db, letter.proposal, "proposal.council_answer")
    assert (event.data["decision"], event.data["response_id"]) == (decision, answer.id)
    assert [r.id for r in responses_of(db, letter, "answer")] == [answer.id]


def test_declining_needs_a_reason(app, db):
    letter = make_sent_letter()
    with pytest.raises(InvalidInput):
        responses.answer(make_staff(letter.council), letter, "declined", body="   ")
    assert letter.proposal.status == "submitted" and responses_of(db, letter) == []


def test_declining_closes_the_demand_with_the_reason(app, db):
    letter, people = demand_with_people(db)
    responder = make_staff(letter.council)
    answer = responses.answer(responder, letter, "declined", body="لا توجد ميزانية هذا العام")
    db.session.commit()
    proposal = letter.proposal
    assert proposal.status == "declined" and letter.answer_decision == "declined"
    event = event_of(db, proposal, "proposal.decline")
    assert (event.data["reason"], event.data["after"], event.data["response_id"]) == (
        "لا توجد ميزانية هذا العام", "declined", answer.id)
    assert set(people["signers"][i].id for i in range(2)) <= notified(db, event)
    # Answering a submitted letter acknowledged it first.
    assert [r.kind for r in responses_of(db, letter)] == ["acknowledgement", "answer"]


def test_referring_needs_the_body_named(app, db):
    letter = make_sent_letter()
    responder = make_staff(letter.council)
    with pytest.raises(InvalidInput):
        responses.answer(responder, letter, "referred", body="ليس من اختصاصنا")
    answer = responses.answer(responder, letter, "referred", body="ليس من اختصاصنا", referred_to=" مديرية المياه ")
    assert (answer.referred_to, letter.proposal.status) == ("مديرية المياه", "acknowledged")


def test_an_unknown_decision_is_refused(app, db):
    letter = make_sent_letter()
    with pytest.raises(InvalidInput):
        responses.answer(make_staff(letter.council), letter, "maybe", body="ربما")


def test_answering_a_submitted_letter_acknowledges_it_first(app, db):
    letter = make_sent_letter()
    responder = make_staff(letter.council)
    answer = responses.answer(responder, letter, "accepted", body="موافقون")
    db.session.commit()
    [ack] = responses_of(db, letter, "acknowledgement")
    assert letter.proposal.status == "acknowledged"
    assert letter.acknowledged_at == ack.created_at and letter.answered_at == answer.created_at
    assert event_of(db, letter.proposal, "proposal.acknowledge") is not None
    assert event_of(db, letter.proposal, "proposal.council_answer") is not None


def test_a_second_answer_is_a_conflict(app, db):
    letter, responder = make_answered()
    with pytest.raises(Conflict):
        responses.answer(make_staff(letter.council), letter, "partial", body="جزئياً")
    db.session.rollback()
    assert [r.decision for r in responses_of(db, letter, "answer")] == ["accepted"]


def test_an_english_answer_on_an_arabic_letter(app, db):
    letter = make_sent_letter()
    assert letter.current.language == "ar"
    answer = responses.answer(make_staff(letter.council), letter, "accepted", body="We will fix it.",
                              language="en")
    db.session.commit()
    assert (answer.language, answer.body) == ("en", "We will fix it.")


# Progress -----------------------------------------------------------------------------------------

def test_progress_is_refused_before_an_answer(app, db):
    letter = make_sent_letter()
    responder = make_staff(letter.council)
    responses.acknowledge(responder, letter)
    with pytest.raises(Conflict):
        responses.post_progress(responder, letter, "in_progress", "بدأنا")
    assert letter.proposal.status == "acknowledged"


@pytest.mark.parametrize("decision", ["declined", "referred"])
def test_progress_is_refused_after_a_decline_or_a_referral(app, db, decision):
    letter, responder = make_answered(decision=decision)
    with pytest.raises(Conflict):
        responses.post_progress(responder, letter, "in_progress", "بدأنا")
    assert responses_of(db, letter, "progress") == []


def test_scheduled_work_needs_its_date(app, db):
    letter, responder = make_answered()
    with pytest.raises(InvalidInput):
        responses.post_progress(responder, letter, "scheduled", "سنبدأ قريباً")
    with pytest.raises(InvalidInput):
        responses.post_progress(responder, letter, "scheduled", "  ", scheduled_for=date(2026, 7, 1))
    with pytest.raises(InvalidInput):
        responses.post_progress(responder, letter, "finished", "انتهى")
    assert letter.proposal.status == "acknowledged"


@pytest.mark.parametrize("decision", ["accepted", "partial"])
def test_scheduling_moves_the_demand_to_in_progress(app, db, decision):
    letter, responder = make_answered(decision=decision)
    update = responses.post_progress(responder, letter, "scheduled", "الأسبوع القادم", scheduled_for=date(2026, 7, 1))
    db.session.commit()
    assert letter.proposal.status == "in_progress"
    assert (update.stage, update.scheduled_for) == ("scheduled", date(2026, 7, 1))
    assert event_of(db, letter.proposal, "proposal.start_work").data["scheduled_for"] == "2026-07-01"
    # A further update while in progress records the step without a transition.
    responses.post_progress(responder, letter, "in_progress", "بدأ العمال")
    db.session.commit()
    assert letter.proposal.status == "in_progress"
    assert event_of(db, letter.proposal, "proposal.council_progress").data["stage"] == "in_progress"
    assert letter.resolved_at is None


def test_resolved_moves_the_demand_and_dates_the_letter(app, db):
    letter, responder = make_answered()
    responses.post_progress(responder, letter, "in_progress", "بدأ العمال")
    report = responses.post_progress(responder, letter, "resolved", "انتهى الإصلاح")
    db.session.commit()
    assert letter.proposal.status == "resolved"
    assert letter.resolved_at == report.created_at
    assert responses.current_round(letter.proposal).id == report.id
    assert event_of(db, letter.proposal, "proposal.resolve").data["response_id"] == report.id


def test_no_progress_once_resolved(app, db):
    letter, responder, _report, _signers = resolved(db)
    with pytest.raises(Conflict):
        responses.post_progress(responder, letter, "in_progress", "مرة أخرى")


# Photos -------------------------------------------------------------------------------------------

def test_a_photo_is_stored_reencoded_without_its_exif(app, db):
    original = jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get(0x0131) == "SecretCamera 1.0"  # the test photo does carry metadata
    letter, responder = make_answered()
    update = responses.post_progress(responder, letter, "in_progress", "صورة من الموقع",
                                     photos=[(original, "site.jpg")])
    db.session.commit()
    [photo] = update.photos
    assert photo.content_type == "image/jpeg"
    stored = storage.read(photo.storage_key)
    assert stored != original and stored.startswith(b"\xff\xd8\xff")
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {} and "exif" not in image.info
        assert image.size == (32, 24)


def test_an_answer_carries_photos(app, db):
    letter = make_sent_letter()
    answer = responses.answer(make_staff(letter.council), letter, "accepted", body="موافقون",
                              photos=[(png(), "plan.png"), (jpeg_with_exif(), "site.jpg")])
    db.session.commit()
    assert [p.content_type for p in answer.photos] == ["image/png", "image/jpeg"]
    assert all(storage.exists(p.storage_key) for p in answer.photos)


def test_a_pdf_is_not_a_photo(app, db):
    letter, responder = make_answered()
    with pytest.raises(InvalidInput):
        responses.post_progress(responder, letter, "in_progress", "تقرير", photos=[(b"%PDF-1.7 report", "r.pdf")])
    db.session.rollback()
    assert responses_of(db, letter, "progress") == []
    assert db.session.scalar(select(func.count(ResponsePhoto.id))) == 0


def test_at_most_four_photos(app, db):
    letter, responder = make_answered()
    with pytest.raises(InvalidInput):
        responses.post_progress(responder, letter, "in_progress", "صور", photos=[(png(), f"{n}.png") for n in range(5)])
    db.session.rollback()
    update = responses.post_progress(responder, letter, "in_progress", "صور",
                                     photos=[(png(), f"{n}.png") for n in range(4)])
    db.session.commit()
    assert len(update.photos) == 4
    assert len({p.storage_key for p in update.photos}) == 4


# The residents' check -----------------------------------------------------------------------------

def test_checking_only_while_a_round_is_open(app, db):
    letter, responder = make_answered(signers=1)
    signer = signatures.signer_accounts(letter.proposal)[0]
    with pytest.raises(Conflict):
        responses.check(signer, letter.proposal, "confirm")
    responses.post_progress(responder, letter, "in_progress", "بدأنا")
    with pytest.raises(Conflict):
        responses.check(signer, letter.proposal, "confirm")


def test_contesting_needs_a_comment(app, db):
    letter, _responder, report, signers = resolved(db)
    with pytest.raises(InvalidInput):
        responses.check(signers[0], letter.proposal, "contest", comment="  ")
    with pytest.raises(InvalidInput):
        responses.check(signers[0], letter.proposal, "maybe")
    assert responses.tally(report) == {"confirm": 0, "contest": 0}


def test_changing_ones_answer_updates_the_same_row(app, db):
    letter, _responder, report, signers = resolved(db)
    first = responses.check(signers[0], letter.proposal, "confirm")
    db.session.commit()
    second = responses.check(signers[0], letter.proposal, "contest", comment="ما زال الشارع مظلماً",
                             photo=(jpeg_with_exif(), "street.jpg"))
    db.session.commit()
    assert second.id == first.id
    rows = list(db.session.scalars(select(ResolutionCheck).where(ResolutionCheck.response_id == report.id)))
    assert [(r.user_id, r.verdict, r.comment) for r in rows] == [(signers[0].id, "contest", "ما زال الشارع مظلماً")]
    assert second.photo_type == "image/jpeg" and storage.exists(second.photo_key)
    assert responses.tally(report) == {"confirm": 0, "contest": 1}
    # The check stays off the demand's timeline: its events have the check as subject.
    verbs = set(db.session.scalars(select(Event.verb).where(Event.subject_type == "resolution_checks")))
    assert verbs == {"resolution.confirm", "resolution.contest"}


def test_settling_waits_fourteen_days(app, db):
    letter, _responder, report, signers = resolved(db)
    responses.check(signers[0], letter.proposal, "contest", comment="لم يتغير شيء")
    db.session.commit()
    assert responses.check_closes_at(report) == report.created_at + timedelta(days=14)
    assert responses.settle(letter.proposal, report.created_at + timedelta(days=13, hours=23)) is None
    assert letter.proposal.status == "resolved" and report.settled_at is None


def test_more_contests_than_confirmations_reopen_the_demand(app, db):
    letter, responder, report, signers = resolved(db)
    viewer = make_staff(letter.council, role="viewer")
    proposal = letter.proposal
    responses.check(signers[0], proposal, "contest", comment="ما زال مكسوراً")
    responses.check(signers[1], proposal, "contest", comment="لم يصلحوه")
    responses.check(signers[2], proposal, "confirm")
    db.session.commit()
    assert responses.settle(proposal, report.created_at + timedelta(days=14, seconds=1)) is True
    db.session.commit()
    assert proposal.status == "in_progress" and report.settled_at is not None
    event = event_of(db, proposal, "proposal.reopen")
    assert event.actor_id is None
    assert (event.data["automatic"], event.data["contests"], event.data["confirmations"]) == (True, 2, 1)
    recipients = notified(db, event)
    assert {responder.id, viewer.id} <= recipients
    assert {s.id for s in signers} | committee_ids(proposal.community) <= recipients
    assert responses.latest_contested_round(proposal).id == report.id
    assert [c.comment for c in responses.contests(report)] == ["ما زال مكسوراً", "لم يصلحوه"]
    # Settled: a second call does nothing, and nobody can check any more.
    assert responses.settle(proposal, report.created_at + timedelta(days=20)) is None
    with pytest.raises(Conflict):
        responses.check(signers[2], proposal, "contest", comment="متأخر")


def test_a_tie_stays_resolved_and_settling_is_idempotent(app, db):
    letter, _responder, report, signers = resolved(db)
    proposal = letter.proposal
    responses.check(signers[0], proposal, "contest", comment="ليس تماماً")
    responses.check(signers[1], proposal, "confirm")
    db.session.commit()
    when = report.created_at + timedelta(days=15)
    assert responses.settle(proposal, when) is False
    db.session.commit()
    assert proposal.status == "resolved" and report.settled_at == when
    assert responses.settle(proposal, when + timedelta(days=1)) is None
    assert report.settled_at == when
    assert event_of(db, proposal, "proposal.reopen") is None
    with pytest.raises(Conflict):
        responses.check(signers[2], proposal, "contest", comment="متأخر")


def test_nobody_answering_stays_resolved(app, db):
    letter, _responder, report, _signers = resolved(db)
    assert responses.settle(letter.proposal, report.created_at + timedelta(days=15)) is False
    assert letter.proposal.status == "resolved"


def test_settle_checks_cli_settles_only_the_due_rounds(app, db):
    due_contested, _r1, due_report, due_signers = resolved(db, signers=1)
    due_tie, _r2, tie_report, _tie_signers = resolved(db, signers=1)
    fresh, _r3, fresh_report, fresh_signers = resolved(db, signers=1)
    responses.check(due_signers[0], due_contested.proposal, "contest", comment="لا")
    responses.check(fresh_signers[0], fresh.proposal, "contest", comment="لا")
    for report in (due_report, tie_report):
        report.created_at = utcnow() - timedelta(days=15)
    fresh_report.created_at = utcnow() - timedelta(days=13)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["council", "settle-checks"])
    assert result.exit_code == 0, result.output
    assert "1 demand(s) reopened." in result.output
    db.session.expire_all()
    assert (due_contested.proposal.status, due_tie.proposal.status, fresh.proposal.status) == (
        "in_progress", "resolved", "resolved")
    assert due_report.settled_at is not None and tie_report.settled_at is not None
    assert fresh_report.settled_at is None
    again = app.test_cli_runner().invoke(args=["council", "settle-checks"])
    assert again.exit_code == 0 and "0 demand(s) reopened." in again.output


def test_committee_reopens_and_a_new_round_starts_afresh(app, db):
    letter, responder, first, signers = resolved(db)
    proposal = letter.proposal
    chair = make_committee(proposal.community)
    for signer in signers:
        responses.check(signer, proposal, "confirm")
    db.session.commit()
    with pytest.raises(InvalidInput):
        responses.reopen(chair, proposal, " ")
    db.session.rollback()
    responses.reopen(chair, proposal, "الحفرة ما زالت موجودة")
    db.session.commit()
    assert proposal.status == "in_progress" and first.settled_at is not None
    event = event_of(db, proposal, "proposal.reopen")
    assert (event.actor_id, event.data["reason"], event.data["confirmations"]) == (chair.id, "الحفرة ما زالت موجودة", 3)
    assert "automatic" not in event.data
    recipients = notified(db, event)
    assert chair.id not in recipients and responder.id in recipients
    assert responses.current_round(proposal) is None
    with pytest.raises(Conflict):
        responses.reopen(chair, proposal, "مرة أخرى")

    second = responses.post_progress(responder, letter, "resolved", "أصلحناها فعلاً")
    db.session.commit()
    assert proposal.status == "resolved" and responses.current_round(proposal).id == second.id
    assert responses.tally(second) == {"confirm": 0, "contest": 0}  # the old confirmations do not count
    responses.check(signers[0], proposal, "contest", comment="ما زالت")
    db.session.commit()
    assert responses.tally(second) == {"confirm": 0, "contest": 1}
    assert responses.tally(first) == {"confirm": 3, "contest": 0}
    assert responses.settle(proposal, second.created_at + timedelta(days=14, seconds=1)) is True
    assert proposal.status == "in_progress"


def test_page_context_shows_the_open_round(app, db):
    letter, _responder, report, signers = resolved(db)
    responses.check(signers[0], letter.proposal, "confirm")
    context = responses.page_context(letter.proposal, signers[0])
    assert context["check_round"].id == report.id
    assert context["check_tally"] == {"confirm": 1, "contest": 0}
    assert context["my_check"].verdict == "confirm"
    assert [r.kind for r in context["council_responses"]] == ["acknowledgement", "answer", "progress"]
    outsider = responses.page_context(letter.proposal, make_user())
    assert outsider["my_check"] is None


# Database constraints -----------------------------------------------------------------------------

def _insert(db, **fields):
    db.session.add(CouncilResponse(**fields))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _base(letter) -> dict:
    return {"letter_id": letter.id, "proposal_id": letter.proposal_id, "council_id": letter.council_id}


def test_an_answer_without_a_decision_is_refused_by_the_database(app, db):
    letter = make_sent_letter()
    _insert(db, **_base(letter), kind="answer", body="بلا قرار")


def test_a_decline_without_a_reason_is_refused_by_the_database(app, db):
    letter = make_sent_letter()
    _insert(db, **_base(letter), kind="answer", decision="declined", body="")


def test_progress_without_a_stage_and_scheduled_without_a_date_are_refused(app, db):
    letter = make_sent_letter()
    _insert(db, **_base(letter), kind="progress", body="شيء")
    _insert(db, **_base(letter), kind="progress", stage="scheduled", body="شيء")
    _insert(db, **_base(letter), kind="acknowledgement", decision="accepted")


def test_two_acknowledgements_of_a_letter_are_refused_by_the_database(app, db):
    letter = make_sent_letter()
    db.session.add(CouncilResponse(**_base(letter), kind="acknowledgement"))
    db.session.commit()
    _insert(db, **_base(letter), kind="acknowledgement")
    # The unique index covers acknowledgements and answers only: progress updates repeat.
    for _ in range(2):
        db.session.add(CouncilResponse(**_base(letter), kind="progress", stage="in_progress", body="تقدم"))
    db.session.commit()
    assert len(responses_of(db, letter, "progress")) == 2


def test_two_answers_of_a_letter_are_refused_by_the_database(app, db):
    letter = make_sent_letter()
    db.session.add(CouncilResponse(**_base(letter), kind="answer", decision="accepted"))
    db.session.commit()
    _insert(db, **_base(letter), kind="answer", decision="partial")


def test_a_contest_without_a_comment_and_a_second_check_are_refused_by_the_database(app, db):
    letter, _responder, report, signers = resolved(db)
    fields = {"response_id": report.id, "proposal_id": letter.proposal_id}
    db.session.add(ResolutionCheck(**fields, user_id=signers[0].id, verdict="contest", comment=""))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(ResolutionCheck(**fields, user_id=signers[0].id, verdict="confirm"))
    db.session.commit()
    db.session.add(ResolutionCheck(**fields, user_id=signers[0].id, verdict="confirm"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
