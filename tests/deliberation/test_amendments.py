"""Amendment services: proposing a new text for an open demand, positions and their counters, accepting as a new
revision credited to the amender (refused when the same field changed since), declining, withdrawing."""
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from civicvoice.activity.models import Event, Notification
from civicvoice.activity.services import timeline
from civicvoice.database import utcnow
from civicvoice.deliberation import amendments
from civicvoice.deliberation.models import Amendment, AmendmentPosition
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition
from civicvoice.proposals import services as proposals
from civicvoice.proposals import states
from civicvoice.proposals.models import Proposal, Revision
from tests.factories import (PROPOSAL_PATHS, advance_proposal, link_council, make_amendment, make_member,
                             make_proposal, make_signature)


@pytest.fixture
def demand(app):
    return make_proposal(status="open")


def _notified(db, user, verb) -> int:
    return db.session.scalar(select(func.count(Notification.id)).join(Event, Event.id == Notification.event_id)
                             .where(Notification.recipient_id == user.id, Event.verb == verb))


def _fresh(db, model, id_):
    db.session.commit()
    db.session.expire_all()
    return db.session.get(model, id_)


def _counts(db, amendment) -> tuple[int, int]:
    amendment = _fresh(db, Amendment, amendment.id)
    return amendment.support_count, amendment.oppose_count


def _positions(db, amendment) -> dict[int, str]:
    return dict(db.session.execute(select(AmendmentPosition.user_id, AmendmentPosition.position)
                                   .where(AmendmentPosition.amendment_id == amendment.id)).all())


# Proposing ---------------------------------------------------------------------------------------

def test_a_member_proposes_a_new_text_against_the_latest_revision(app, db, demand):
    member = make_member(demand.community)
    amendment = amendments.propose(member, demand, "  أوضح  ", summary="ملخص أوضح")
    assert (amendment.status, amendment.reason, amendment.summary, amendment.title) == (
        "proposed", "أوضح", "ملخص أوضح", demand.title)
    assert amendment.base_revision == proposals.latest_revision_number(demand) == 1
    assert demand.summary == "ملخص المطلب"  # the demand itself is unchanged until the authors accept


def test_proposing_tells_the_authors(app, db, demand):
    make_amendment(demand)
    assert _notified(db, demand.author, "proposal.amendment_proposed") == 1


@pytest.mark.parametrize("status", sorted(set(PROPOSAL_PATHS) - states.AMENDABLE))
def test_amendments_are_refused_unless_the_demand_is_open(app, db, status):
    proposal = make_proposal(status=status)
    with pytest.raises(InvalidTransition):
        amendments.propose(make_member(proposal.community), proposal, "سبب", summary="جديد")
    assert db.session.scalar(select(func.count(Amendment.id))) == 0


def test_an_amendment_must_change_something(app, db, demand):
    with pytest.raises(InvalidInput):
        amendments.propose(make_member(demand.community), demand, "سبب", title=demand.title)


@pytest.mark.parametrize("reason", ["", "  "])
def test_an_amendment_needs_a_reason(app, db, demand, reason):
    with pytest.raises(InvalidInput):
        amendments.propose(make_member(demand.community), demand, reason, summary="جديد")


def test_an_amendment_cannot_address_a_council_the_community_does_not_address(app, db, demand):
    from tests.factories import make_council

    with pytest.raises(InvalidInput):
        amendments.propose(make_member(demand.community), demand, "سبب", council_id=make_council().id)


@pytest.mark.parametrize("field", ["category", "council_id"])
def test_category_and_council_can_change_before_any_signature(app, db, demand, field):
    value = "health" if field == "category" else link_council(demand.community).id
    amendment = amendments.propose(make_member(demand.community), demand, "سبب", **{field: value})
    assert getattr(amendment, field) == value


@pytest.mark.parametrize("field", ["category", "council_id"])
def test_category_and_council_are_locked_once_the_demand_has_signatures(app, db, demand, field):
    value = "health" if field == "category" else link_council(demand.community).id
    make_signature(demand)
    assert demand.signature_count == 1
    with pytest.raises(InvalidInput):
        amendments.propose(make_member(demand.community), demand, "سبب", **{field: value})


def test_the_text_can_still_be_amended_once_signed(app, db, demand):
    make_signature(demand)
    assert make_amendment(demand, title="عنوان أوضح").title == "عنوان أوضح"


# Positions ---------------------------------------------------------------------------------------

def test_support_counts_once_per_person(app, db, demand):
    amendment, member = make_amendment(demand), make_member(demand.community)
    amendments.take_position(member, amendment, "support")
    amendments.take_position(member, amendment, "support")
    assert _counts(db, amendment) == (1, 0)
    assert _positions(db, amendment) == {member.id: "support"}


def test_changing_ones_position_updates_the_row_and_both_counters(app, db, demand):
    amendment, member = make_amendment(demand), make_member(demand.community)
    amendments.take_position(member, amendment, "support")
    row_id = db.session.scalar(select(AmendmentPosition.id))
    amendments.take_position(member, amendment, "oppose")
    assert _counts(db, amendment) == (0, 1)
    assert db.session.scalars(select(AmendmentPosition.id)).all() == [row_id]
    amendments.take_position(member, amendment, "support")
    assert _counts(db, amendment) == (1, 0)


def test_withdrawing_ones_position_removes_the_row_and_decrements(app, db, demand):
    amendment, member = make_amendment(demand), make_member(demand.community)
    amendments.take_position(make_member(demand.community), amendment, "oppose")
    amendments.take_position(member, amendment, "oppose")
    amendments.take_position(member, amendment, None)
    assert _counts(db, amendment) == (0, 1)
    assert member.id not in _positions(db, amendment)
    assert amendments.position_of(member, amendment) is None


def test_withdrawing_a_position_one_never_took_changes_nothing(app, db, demand):
    amendment = make_amendment(demand)
    amendments.take_position(make_member(demand.community), amendment, None)
    assert _counts(db, amendment) == (0, 0)
    assert _positions(db, amendment) == {}


def test_counters_follow_many_people(app, db, demand):
    amendment = make_amendment(demand)
    for position in ["support"] * 3 + ["oppose"] * 2:
        amendments.take_position(make_member(demand.community), amendment, position)
    assert _counts(db, amendment) == (3, 2)


def test_an_unknown_position_is_refused(app, db, demand):
    with pytest.raises(InvalidInput):
        amendments.take_position(make_member(demand.community), make_amendment(demand), "abstain")


@pytest.mark.parametrize("decide", ["accept", "decline", "withdraw"])
def test_a_decided_amendment_refuses_new_positions(app, db, demand, decide):
    amendment = make_amendment(demand)
    if decide == "accept":
        amendments.accept(demand.author, amendment)
    elif decide == "decline":
        amendments.decline(demand.author, amendment, "لا")
    else:
        amendments.withdraw(amendment.author, amendment)
    with pytest.raises(InvalidTransition):
        amendments.take_position(make_member(demand.community), amendment, "support")


def test_positions_close_when_the_demand_goes_to_the_vote(app, db, demand):
    amendment = make_amendment(demand)
    advance_proposal(demand, "open_vote")
    with pytest.raises(InvalidTransition):
        amendments.take_position(make_member(demand.community), amendment, "support")


def test_the_database_refuses_a_second_position_row(app, db, demand):
    amendment, member = make_amendment(demand), make_member(demand.community)
    row = {"amendment_id": amendment.id, "user_id": member.id, "position": "support", "created_at": utcnow()}
    db.session.execute(insert(AmendmentPosition).values(**row))
    with pytest.raises(IntegrityError):
        db.session.execute(insert(AmendmentPosition).values(**row))
    db.session.rollback()


# Accepting ---------------------------------------------------------------------------------------

def test_accepting_makes_a_revision_credited_to_the_amender(app, db, demand):
    amendment = make_amendment(demand, title="عنوان أوضح", summary="ملخص أوضح")
    rev = amendments.accept(demand.author, amendment)
    db.session.commit()
    assert (rev.number, rev.editor_id, rev.amendment_id) == (2, amendment.author_id, amendment.id)
    assert (rev.title, rev.summary) == ("عنوان أوضح", "ملخص أوضح")
    assert proposals.latest_revision_number(demand) == 2


def test_accepting_changes_the_demands_text(app, db, demand):
    body = demand.body
    amendment = make_amendment(demand, title="عنوان أوضح", place="قرب المدرسة")
    amendments.accept(demand.author, amendment)
    proposal = _fresh(db, Proposal, demand.id)
    assert (proposal.title, proposal.place, proposal.body) == ("عنوان أوضح", "قرب المدرسة", body)


def test_accepting_records_the_decision_on_the_amendment(app, db, demand):
    amendment = make_amendment(demand)
    amendments.accept(demand.author, amendment)
    amendment = _fresh(db, Amendment, amendment.id)
    assert (amendment.status, amendment.revision_number, amendment.decided_by_id) == (
        "accepted", 2, demand.author_id)
    assert amendment.decided_at is not None


def test_accepting_is_on_the_demands_timeline(app, db, demand):
    amendment = make_amendment(demand)
    amendments.accept(demand.author, amendment)
    db.session.commit()
    [event] = [e for e in db.session.scalars(timeline("proposals", demand.id))
               if e.verb == "proposal.amendment_accepted"]
    assert (event.data["amendment_id"], event.data["revision"], event.data["amender"]) == (
        amendment.id, 2, amendment.author.public_name)


def test_accepting_tells_the_amender_and_those_who_took_a_position(app, db, demand):
    amendment = make_amendment(demand)
    supporter = make_member(demand.community)
    amendments.take_position(supporter, amendment, "support")
    amendments.accept(demand.author, amendment)
    assert _notified(db, amendment.author, "proposal.amendment_accepted") == 1
    assert _notified(db, supporter, "proposal.amendment_accepted") == 1
    assert _notified(db, demand.author, "proposal.amendment_accepted") == 0


def test_accepting_when_another_amendment_changed_the_same_field_since_is_a_conflict(app, db, demand):
    first = make_amendment(demand, summary="ملخص أول")
    second = make_amendment(demand, summary="ملخص ثان")
    amendments.accept(demand.author, first)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        amendments.accept(demand.author, second)
    assert type(refused.value) is Conflict
    db.session.rollback()
    assert _fresh(db, Proposal, demand.id).summary == "ملخص أول"
    assert db.session.get(Amendment, second.id).status == "proposed"


def test_a_second_amendment_of_other_fields_is_accepted_and_keeps_the_first(app, db, demand):
    first = make_amendment(demand, summary="ملخص أول")
    second = make_amendment(demand, title="عنوان ثان")
    amendments.accept(demand.author, first)
    rev = amendments.accept(demand.author, second)
    assert rev.number == 3
    proposal = _fresh(db, Proposal, demand.id)
    assert (proposal.summary, proposal.title) == ("ملخص أول", "عنوان ثان")


def test_category_change_is_refused_at_acceptance_when_signatures_came_since(app, db, demand):
    amendment = make_amendment(demand, category="health")
    make_signature(demand)
    with pytest.raises(InvalidInput):
        amendments.accept(demand.author, amendment)


def test_an_amendment_is_accepted_once(app, db, demand):
    amendment = make_amendment(demand)
    amendments.accept(demand.author, amendment)
    with pytest.raises(InvalidTransition):
        amendments.accept(demand.author, amendment)
    assert db.session.scalar(select(func.count(Revision.id)).where(Revision.proposal_id == demand.id)) == 2


def test_a_decided_amendment_is_read_against_its_base_revision(app, db, demand):
    old_summary = demand.summary
    amendment = make_amendment(demand, summary="ملخص جديد")
    assert amendments.compared_with(amendment) is demand
    amendments.accept(demand.author, amendment)
    base = amendments.compared_with(amendment)
    assert (base.number, base.summary) == (1, old_summary)


# Declining and withdrawing -----------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_needs_a_reason(app, db, demand, reason):
    amendment = make_amendment(demand)
    with pytest.raises(InvalidInput):
        amendments.decline(demand.author, amendment, reason)
    assert _fresh(db, Amendment, amendment.id).status == "proposed"


def test_declining_records_the_reason_and_tells_the_amender(app, db, demand):
    amendment = make_amendment(demand)
    amendments.decline(demand.author, amendment, "  خارج الموضوع ")
    amendment = _fresh(db, Amendment, amendment.id)
    assert (amendment.status, amendment.decline_reason, amendment.decided_by_id) == (
        "declined", "خارج الموضوع", demand.author_id)
    assert _notified(db, amendment.author, "proposal.amendment_declined") == 1
    assert proposals.latest_revision_number(demand) == 1


def test_withdrawing_ones_amendment(app, db, demand):
    amendment = make_amendment(demand)
    amendments.withdraw(amendment.author, amendment)
    amendment = _fresh(db, Amendment, amendment.id)
    assert (amendment.status, amendment.decided_at is not None) == ("withdrawn", True)
    assert amendments.open_count(demand) == 0


def test_a_decided_amendment_cannot_be_withdrawn(app, db, demand):
    amendment = make_amendment(demand)
    amendments.decline(demand.author, amendment, "لا")
    with pytest.raises(InvalidTransition):
        amendments.withdraw(amendment.author, amendment)


def test_a_withdrawn_amendment_cannot_be_accepted(app, db, demand):
    amendment = make_amendment(demand)
    amendments.withdraw(amendment.author, amendment)
    with pytest.raises(InvalidTransition):
        amendments.accept(demand.author, amendment)


def test_the_list_shows_open_amendments_first_then_newest(app, db, demand):
    old_open, decided, new_open = (make_amendment(demand, summary=f"ملخص {n}") for n in range(3))
    amendments.decline(demand.author, decided, "لا")
    listed = db.session.scalars(amendments.of(demand)).all()
    assert [a.id for a in listed] == [new_open.id, old_open.id, decided.id]
    assert amendments.open_count(demand) == 2
