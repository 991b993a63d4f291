"""Signing services: one signature per person per demand, pending until the email is confirmed, withdraw,
void, paper batches, corrections, the goal, merges and reconciliation; counters always equal the rows."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, insert, select, text
from sqlalchemy.exc import IntegrityError

from civicvoice.activity.models import Event, Notification
from civicvoice.database import utcnow
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from civicvoice.proposals import services as proposals
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import services
from civicvoice.signatures.models import Signature
from tests.factories import (committee_member, make_community, make_member, make_paper_batch,
                             make_pending, make_proposal, make_signature, make_user)


def _counts(db, proposal) -> tuple[int, int, int]:
    db.session.expire_all()
    p = db.session.get(Proposal, proposal.id)
    return p.online_count, p.paper_count, p.signature_count


def _rows(db, proposal, **where) -> int:
    query = select(func.count(Signature.id)).where(Signature.proposal_id == proposal.id)
    for key, value in where.items():
        query = query.where(getattr(Signature, key) == value)
    return db.session.scalar(query)


def _events(db, verb, proposal) -> list[Event]:
    """Events of `verb` about the demand (signature events have the signature as subject)."""
    def about(event):
        if event.subject_type == "proposals":
            return event.subject_id == proposal.id
        return (event.data or {}).get("proposal_id") == proposal.id

    return [event for event in db.session.scalars(select(Event).where(Event.verb == verb).order_by(Event.id))
            if about(event)]


@pytest.fixture
def demand(app):
    return make_proposal(status="open")


# The constraint ----------------------------------------------------------------------------------

def test_unique_proposal_user_constraint_is_in_the_database(db):
    inspector = inspect(db.engine)
    unique = [sorted(c["column_names"]) for c in inspector.get_unique_constraints("signatures")]
    unique += [sorted(i["column_names"]) for i in inspector.get_indexes("signatures") if i["unique"]]
    assert ["proposal_id", "user_id"] in unique


def test_the_database_refuses_a_second_row_for_the_same_person(db, demand):
    signature = make_signature(demand)
    row = {"proposal_id": demand.id, "user_id": signature.user_id, "source": "online", "status": "pending",
           "visibility": "public", "comment": "", "neighbourhood": "", "void_reason": "", "created_at": utcnow()}
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Signature).values(**row))
    db.session.rollback()
    assert _rows(db, demand) == 1


def test_paper_rows_without_user_do_not_collide(db, demand):
    make_paper_batch(demand, rows=[("أ", "ب", ""), ("ج", "د", ""), ("هـ", "و", "")])
    assert _rows(db, demand, source="paper") == 3


# Signing -------------------------------------------------------------------------------------------

def test_a_verified_member_counts_at_once(db, demand):
    signature = make_signature(demand)
    assert signature.status == "confirmed" and signature.confirmed_at is not None
    assert _counts(db, demand) == (1, 0, 1)


def test_a_member_verified_in_person_counts_at_once(db, demand):
    user = make_user(verified=False, verified_in_person_at=utcnow())
    assert make_signature(demand, user).status == "confirmed"
    assert _counts(db, demand) == (1, 0, 1)


def test_an_unverified_member_is_pending_until_the_email_is_confirmed(db, demand):
    signature = make_signature(demand, verified=False)
    assert signature.status == "pending"
    assert _counts(db, demand) == (0, 0, 0)
    user = signature.user
    user.email_verified_at = utcnow()
    assert services.confirm_pending(user) == 1
    db.session.commit()
    assert _counts(db, demand) == (1, 0, 1)
    assert services.confirm_pending(user) == 0  # a second confirmation counts nothing more
    db.session.commit()
    assert _counts(db, demand) == (1, 0, 1)
    assert db.session.get(Signature, signature.id).status == "confirmed"


def test_pending_signatures_of_a_demand_no_longer_open_stay_pending(db, demand):
    signature = make_signature(demand, verified=False)
    proposals._move(committee_member(demand.community), demand, "open_vote", "")
    db.session.commit()
    assert services.confirm_pending(signature.user) == 0
    assert db.session.get(Signature, signature.id).status == "pending"
    assert _counts(db, demand) == (0, 0, 0)


def test_signing_twice_is_already_signed_and_changes_nothing(db, demand):
    signature = make_signature(demand)
    with pytest.raises(services.AlreadySigned):
        services.sign(signature.user, demand)
    db.session.rollback()
    assert _rows(db, demand) == 1
    assert _counts(db, demand) == (1, 0, 1)


def test_already_signed_is_a_conflict_not_a_crash():
    assert issubclass(services.AlreadySigned, Conflict)


def test_a_non_member_cannot_sign(db, demand):
    outsider = make_user()
    with pytest.raises(NotAllowed):
        services.sign(outsider, demand)
    assert _rows(db, demand) == 0


def test_a_pending_member_cannot_sign(db):
    community = make_community(is_open=False)
    demand = make_proposal(community, status="open")
    with pytest.raises(NotAllowed):
        services.sign(make_pending(community), demand)


@pytest.mark.parametrize("status", ["in_review", "voting", "withdrawn"])
def test_only_open_demands_are_signed(db, status):
    demand = make_proposal(status=status)
    with pytest.raises(InvalidTransition):
        services.sign(make_member(demand.community), demand)


def test_an_unknown_visibility_is_refused(db, demand):
    with pytest.raises(InvalidInput):
        services.sign(make_member(demand.community), demand, visibility="everyone")


def test_signing_records_an_event(db, demand):
    signature = make_signature(demand)
    [event] = _events(db, "signature.signed", demand)
    assert event.actor_id == signature.user_id and event.data["pending"] is False


# Changing, withdrawing ----------------------------------------------------------------------------

def test_the_signer_changes_visibility_and_comment(db, demand):
    signature = make_signature(demand, comment="أول")
    services.update_choice(signature.user, demand, "letter_only", "  لأن الطريق مظلم  ")
    db.session.commit()
    changed = db.session.get(Signature, signature.id)
    assert (changed.visibility, changed.comment) == ("letter_only", "لأن الطريق مظلم")
    assert _counts(db, demand) == (1, 0, 1)


def test_changing_without_a_signature_is_a_conflict(db, demand):
    with pytest.raises(Conflict):
        services.update_choice(make_member(demand.community), demand, "public", "")


def test_withdraw_takes_the_count_back_and_allows_signing_again(db, demand):
    signature = make_signature(demand)
    user = signature.user
    services.withdraw(user, demand)
    db.session.commit()
    assert _rows(db, demand) == 0 and _counts(db, demand) == (0, 0, 0)
    assert services.sign(user, demand).status == "confirmed"
    db.session.commit()
    assert _rows(db, demand) == 1 and _counts(db, demand) == (1, 0, 1)


def test_withdrawing_a_pending_signature_leaves_the_counters_alone(db, demand):
    make_signature(demand)
    pending = make_signature(demand, verified=False)
    services.withdraw(pending.user, demand)
    db.session.commit()
    assert _counts(db, demand) == (1, 0, 1)


def test_withdrawing_twice_is_a_conflict(db, demand):
    signature = make_signature(demand)
    services.withdraw(signature.user, demand)
    with pytest.raises(Conflict):
        services.withdraw(signature.user, demand)


def test_no_withdrawal_once_the_demand_is_no_longer_open(db, demand):
    signature = make_signature(demand)
    proposals._move(committee_member(demand.community), demand, "open_vote", "")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.withdraw(signature.user, demand)


# Voiding -------------------------------------------------------------------------------------------

def test_the_committee_voids_an_online_signature_and_the_signer_is_told(db, demand):
    signature = make_signature(demand)
    chair = committee_member(demand.community)
    services.void(chair, signature, "  حساب وهمي ")
    db.session.commit()
    voided = db.session.get(Signature, signature.id)
    assert (voided.status, voided.void_reason, voided.voided_by_id) == ("voided", "حساب وهمي", chair.id)
    assert _counts(db, demand) == (0, 0, 0)
    [event] = _events(db, "signature.voided", demand)
    assert event.data["reason"] == "حساب وهمي"
    assert db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event.id)).all() \
        == [signature.user_id]


def test_a_voided_signer_cannot_sign_again_nor_withdraw(db, demand):
    signature = make_signature(demand)
    services.void(committee_member(demand.community), signature, "مكرر")
    db.session.commit()
    with pytest.raises(services.AlreadySigned):
        services.sign(signature.user, demand)
    db.session.rollback()
    with pytest.raises(Conflict):
        services.withdraw(signature.user, demand)
    db.session.rollback()
    assert _rows(db, demand) == 1 and _counts(db, demand) == (0, 0, 0)


def test_voiding_needs_a_reason(db, demand):
    signature = make_signature(demand)
    with pytest.raises(InvalidInput):
        services.void(committee_member(demand.community), signature, "   ")
    assert _counts(db, demand) == (1, 0, 1)


def test_voiding_twice_is_a_conflict_and_counts_once(db, demand):
    signature = make_signature(demand)
    chair = committee_member(demand.community)
    services.void(chair, signature, "مكرر")
    db.session.commit()
    with pytest.raises(Conflict):
        services.void(chair, signature, "مرة ثانية")
    db.session.rollback()
    assert _counts(db, demand) == (0, 0, 0)


def test_voiding_a_pending_signature_leaves_the_counters_alone(db, demand):
    make_signature(demand)
    pending = make_signature(demand, verified=False)
    services.void(committee_member(demand.community), pending, "وهمي")
    db.session.commit()
    assert _counts(db, demand) == (1, 0, 1)
    user = pending.user
    user.email_verified_at = utcnow()
    assert services.confirm_pending(user) == 0  # a voided signature never comes back by confirming
    assert _counts(db, demand) == (1, 0, 1)


# Paper -------------------------------------------------------------------------------------------

def test_rows_with_arabic_commas_and_arabic_indic_digits_are_parsed():
    rows = services.parse_rows("سعاد الأحمد، حارة الجامع، ٠٩٤٤١٢٣٤٥٦\n\n"
                               "خالد العلي،الحارة القبلية\n"
                               "Rana Haddad, Old Market, +963 944 000 111\n"
                               "ريم\tالميدان\t۰۹۳۳")
    assert rows == [("سعاد الأحمد", "حارة الجامع", "0944123456"), ("خالد العلي", "الحارة القبلية", ""),
                    ("Rana Haddad", "Old Market", "+963 944 000 111"), ("ريم", "الميدان", "0933")]


@pytest.mark.parametrize("text, line", [
    ("سعاد، حارة الجامع\nخالد العلي", 2),  # no neighbourhood
    ("سعاد، حارة الجامع\n\nخالد، الميدان، 0944، زيادة", 3),  # a fourth field (line numbers count blank lines)
    ("، حارة الجامع", 1),  # no name
    ("سعاد، حارة الجامع، 09x44", 1),  # a phone with letters
    ("سعاد، " + "ح" * 121, 1),  # too long
])
def test_a_bad_line_is_refused_with_its_number(app, text, line):
    with pytest.raises(InvalidInput) as error:
        services.parse_rows(text)
    assert str(line) in str(error.value.message)


def test_an_empty_sheet_is_refused(app):
    with pytest.raises(InvalidInput):
        services.parse_rows(" \n \n")


def test_paper_counts_separately_and_in_the_total(db, demand):
    make_signature(demand)
    batch = make_paper_batch(demand, rows=[("سعاد", "الجامع", "0944123456"), ("خالد", "الميدان", "")])
    assert _counts(db, demand) == (1, 2, 3)
    paper = services.paper_signatures(demand)
    assert [(s.name, s.neighbourhood, s.phone, s.status, s.batch_id) for s in paper] == [
        ("سعاد", "الجامع", "0944123456", "confirmed", batch.id), ("خالد", "الميدان", None, "confirmed", batch.id)]
    assert batch.scan_key and batch.scan_type == "image/png"
    [event] = _events(db, "signature.paper_batch", demand)
    assert event.data["count"] == 2


def test_a_sheet_dated_in_the_future_is_refused(db, demand):
    with pytest.raises(InvalidInput):
        make_paper_batch(demand, collected_on=date.today() + timedelta(days=2))
    db.session.rollback()
    assert _counts(db, demand) == (0, 0, 0)


def test_a_centre_of_another_community_is_refused(db, demand):
    from tests.factories import make_centre

    with pytest.raises(InvalidInput):
        make_paper_batch(demand, centre=make_centre(make_community()))


def test_paper_is_only_entered_while_the_demand_is_open(db):
    demand = make_proposal(status="voting")
    with pytest.raises(InvalidTransition):
        make_paper_batch(demand)


def test_correcting_a_paper_row_is_audited(db, demand):
    make_paper_batch(demand, rows=[("سعاد الاحمد", "الجامع", "")])
    [row] = services.paper_signatures(demand)
    chair = committee_member(demand.community)
    services.correct_paper(chair, row, name="سعاد الأحمد", neighbourhood="حارة الجامع", phone="0944",
                           reason="خطأ إملائي")
    db.session.commit()
    corrected = db.session.get(Signature, row.id)
    assert (corrected.name, corrected.neighbourhood, corrected.phone) == ("سعاد الأحمد", "حارة الجامع", "0944")
    [event] = _events(db, "signature.corrected", demand)
    assert event.actor_id == chair.id
    assert event.data["reason"] == "خطأ إملائي"
    assert event.data["before"] == {"name": "سعاد الاحمد", "neighbourhood": "الجامع"}
    assert _counts(db, demand) == (0, 1, 1)


def test_a_correction_needs_a_reason(db, demand):
    make_paper_batch(demand)
    [row] = services.paper_signatures(demand)
    with pytest.raises(InvalidInput):
        services.correct_paper(committee_member(demand.community), row, name="x", neighbourhood="y", phone="",
                               reason=" ")


def test_online_and_voided_rows_cannot_be_corrected(db, demand):
    online = make_signature(demand)
    make_paper_batch(demand)
    [paper] = services.paper_signatures(demand)
    chair = committee_member(demand.community)
    services.void(chair, paper, "مكرر")
    for row in (online, paper):
        with pytest.raises(Conflict):
            services.correct_paper(chair, row, name="x", neighbourhood="y", phone="", reason="z")


def test_voiding_a_paper_row_takes_it_out_of_the_paper_count(db, demand):
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    first = services.paper_signatures(demand)[0]
    services.void(committee_member(demand.community), first, "توقيع مكرر على الورقة")
    db.session.commit()
    assert _counts(db, demand) == (0, 1, 1)
    [event] = _events(db, "signature.voided", demand)
    assert event.data["source"] == "paper" and event.data["reason"] == "توقيع مكرر على الورقة"
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.event_id == event.id)) == 0


# The goal ----------------------------------------------------------------------------------------

def _goal_demand(db, goal=2):
    demand = make_proposal(status="open")
    demand.signature_goal = goal
    db.session.commit()
    return demand


def test_reaching_the_goal_records_one_event_and_tells_authors_and_committee(db):
    demand = _goal_demand(db)
    chair = committee_member(demand.community)
    make_signature(demand)
    assert _events(db, "proposal.goal_reached", demand) == []
    assert db.session.get(Proposal, demand.id).goal_reached_at is None
    make_signature(demand)
    [event] = _events(db, "proposal.goal_reached", demand)
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    notified = set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event.id)))
    assert notified == {demand.author_id, chair.id}


def test_the_goal_event_is_recorded_once_even_when_the_count_dips_and_rises(db):
    demand = _goal_demand(db)
    make_signature(demand)
    second = make_signature(demand)
    services.withdraw(second.user, demand)
    db.session.commit()
    make_signature(demand)
    make_signature(demand)
    assert len(_events(db, "proposal.goal_reached", demand)) == 1


def test_the_goal_is_reached_by_paper_too(db):
    demand = _goal_demand(db, goal=3)
    make_signature(demand)
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    assert len(_events(db, "proposal.goal_reached", demand)) == 1


def test_pending_signatures_do_not_reach_the_goal_until_confirmed(db):
    demand = _goal_demand(db, goal=1)
    pending = make_signature(demand, verified=False)
    assert db.session.get(Proposal, demand.id).goal_reached_at is None
    pending.user.email_verified_at = utcnow()
    services.confirm_pending(pending.user)
    db.session.commit()
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    assert len(_events(db, "proposal.goal_reached", demand)) == 1


# Merging -------------------------------------------------------------------------------------------

def test_merge_moves_signatures_without_counting_a_person_twice(db):
    community = make_community()
    duplicate, kept = make_proposal(community, status="open"), make_proposal(community, status="open")
    both = make_signature(kept).user
    make_signature(duplicate, both)
    make_signature(duplicate)
    make_signature(duplicate, verified=False)  # pending: moves, still pending
    make_paper_batch(duplicate, rows=[("سعاد", "الجامع", "")])
    make_signature(kept)
    proposals.merge(committee_member(community), duplicate, kept, "نفس الطلب")
    db.session.commit()
    assert _counts(db, kept) == (3, 1, 4)  # both once, kept's other signer, duplicate's other signer; paper
    assert _rows(db, kept, user_id=both.id) == 1
    assert _rows(db, kept, status="pending") == 1
    # What stays behind (the person who signed both) is counted on the duplicate alone.
    assert _counts(db, duplicate) == (1, 0, 1)
    assert services.reconcile() == []


def test_merge_that_reaches_the_goal_marks_it(db):
    community = make_community()
    duplicate, kept = make_proposal(community, status="open"), make_proposal(community, status="open")
    kept.signature_goal = 2
    db.session.commit()
    make_signature(kept)
    make_signature(duplicate)
    proposals.merge(committee_member(community), duplicate, kept, "نفس الطلب")
    db.session.commit()
    assert db.session.get(Proposal, kept.id).goal_reached_at is not None
    assert len(_events(db, "proposal.goal_reached", kept)) == 1


# Reconciliation ----------------------------------------------------------------------------------

def test_reconcile_fixes_injected_drift_and_reports_it(db, demand, caplog):
    make_signature(demand)
    make_signature(demand)
    make_paper_batch(demand, rows=[("سعاد", "الجامع", "")])
    untouched = make_proposal(status="open")
    make_signature(untouched)
    # All three wrong, but consistent with one another (the total is checked by the database).
    db.session.execute(text("UPDATE proposals SET online_count = 7, paper_count = 0, signature_count = 7 "
                            "WHERE id = :id"), {"id": demand.id})
    db.session.commit()
    drifts = services.reconcile()
    db.session.commit()
    assert drifts == [{"proposal_id": demand.id, "stored": {"online": 7, "paper": 0},
                       "counted": {"online": 2, "paper": 1}}]
    assert _counts(db, demand) == (2, 1, 3)
    assert _counts(db, untouched) == (1, 0, 1)
    assert str(demand.id) in caplog.text and "drift" in caplog.text
    assert services.reconcile() == []


def test_reconcile_ignores_pending_and_voided_rows(db, demand):
    make_signature(demand, verified=False)
    voided = make_signature(demand)
    services.void(committee_member(demand.community), voided, "وهمي")
    make_signature(demand)
    db.session.commit()
    assert services.reconcile() == []
    assert _counts(db, demand) == (1, 0, 1)
