"""Reports and the automatic hiding they lead to: one report per person per item, a threshold of distinct people
(email confirmed) per community, every kind of item, and reports racing each other."""
import pytest
from sqlalchemy import func, select

from civicvoice.activity.models import Event, Notification
from civicvoice.errors import Conflict, InvalidInput
from civicvoice.moderation import services as moderation
from civicvoice.moderation.models import ModerationCase, Report
from civicvoice.proposals import states
from tests.factories import (committee_member, item, make_amendment, make_argument, make_community, make_meeting,
                             make_member, make_proposal, make_report, make_user, make_vote)


def _case(db, target) -> ModerationCase:
    db.session.expire_all()
    return moderation.case_of(target)


def test_one_report_per_person_per_item(app, db):
    argument = make_argument()
    reporter = make_user()
    make_report(item("argument", argument), reporter)
    with pytest.raises(Conflict):
        moderation.report(reporter, item("argument", argument), "spam")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Report.id))) == 1


def test_the_database_refuses_a_second_report_by_the_same_person(app, db):
    from sqlalchemy.exc import IntegrityError

    report = make_report(item("argument", make_argument()))
    db.session.add(Report(case_id=report.case_id, reporter_id=report.reporter_id, reason="spam"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_three_different_people_hide_an_argument_until_review(app, db):
    argument = make_argument(body="نص مسيء NEVER-PUBLIC")
    target = item("argument", argument)
    for _ in range(2):
        make_report(target)
    assert (_case(db, target).status, db.session.get(type(argument), argument.id).status) == ("open", "visible")
    make_report(target)
    case = _case(db, target)
    assert case.status == "auto_hidden"
    refreshed = db.session.get(type(argument), argument.id)
    assert (refreshed.status, refreshed.hidden_reason) == ("hidden", "")


def test_the_author_and_the_committee_are_told_of_the_automatic_hiding(app, db):
    argument = make_argument()
    target = item("argument", argument)
    chair = committee_member(argument.proposal.community)
    for _ in range(3):
        make_report(target)
    notified = dict(db.session.execute(
        select(Notification.recipient_id, Event.verb).join(Event, Event.id == Notification.event_id)
        .where(Event.verb.in_(("moderation.auto_hidden", "moderation.review_needed")))).all())
    assert notified == {argument.author_id: "moderation.auto_hidden", chair.id: "moderation.review_needed"}
    # The first report of the round told the committee too (its digest).
    assert db.session.scalar(select(func.count()).select_from(Notification).join(Event).where(
        Event.verb == "moderation.reported", Notification.recipient_id == chair.id)) == 1


def test_reports_from_unconfirmed_addresses_do_not_count_towards_hiding(app, db):
    argument = make_argument()
    target = item("argument", argument)
    for _ in range(3):
        make_report(target, make_user(verified=False))
    assert _case(db, target).status == "open"
    assert moderation.pending_reports(_case(db, target)) == 0


def test_the_threshold_is_the_communitys_choice(app, db):
    community = make_community()
    moderation.update_rules(committee_member(community), community, report_threshold=1, hold_account_days=0,
                            hold_links=False, hold_words="")
    db.session.commit()
    argument = make_argument(make_proposal(community))
    make_report(item("argument", argument))
    assert _case(db, item("argument", argument)).status == "auto_hidden"


@pytest.mark.app_config(REPORT_THRESHOLD=2)
def test_the_sites_default_threshold_applies_until_a_community_sets_its_own(app, db):
    argument = make_argument()
    for _ in range(2):
        make_report(item("argument", argument))
    assert _case(db, item("argument", argument)).status == "auto_hidden"


def test_a_demand_hidden_by_reports_leaves_the_public_lists_and_keeps_where_it_was(app, db, client):
    proposal = make_proposal(status="open", title="مطلب مبلغ عنه")
    target = item("proposal", proposal)
    for _ in range(3):
        make_report(target)
    db.session.expire_all()
    assert proposal.status == "hidden" and _case(db, target).previous_status == "open"
    assert client.get(f"/demands/{proposal.id}").status_code == 404
    assert "مطلب مبلغ عنه" not in client.get("/demands").get_data(as_text=True)
    event = db.session.scalars(select(Event).where(Event.verb == "proposal.hide")).one()
    assert event.data["automatic"] is True and event.actor_id is None


def test_a_demand_being_voted_on_stays_up_and_waits_in_the_queue(app, db):
    poll = make_vote()
    proposal = poll.proposal
    target = item("proposal", proposal)
    for _ in range(3):
        make_report(target)
    db.session.expire_all()
    assert proposal.status == "voting" and _case(db, target).status == "open"
    assert [case.id for case in db.session.scalars(moderation.queue(proposal.community))] == [_case(db, target).id]


def test_amendments_and_minutes_are_hidden_by_reports_too(app, db):
    amendment = make_amendment(title="تعديل")
    meeting = make_meeting(starts_in_hours=-3)
    meeting.minutes, meeting.minutes_posted_at = "محضر فيه رقم هاتف", meeting.starts_at
    db.session.commit()
    for target in (item("amendment", amendment), item("minutes", meeting)):
        for _ in range(3):
            make_report(target)
    db.session.expire_all()
    assert amendment.hidden_at is not None and meeting.minutes_hidden_at is not None


def test_a_reported_person_has_their_arguments_held_until_the_committee_decides(app, db):
    proposal = make_proposal(status="open")
    person = make_member(proposal.community)
    target = item("user", person, proposal.community)
    for _ in range(3):
        make_report(target)
    assert _case(db, target).status == "auto_hidden"
    argument = make_argument(proposal, person, body="كلام جديد")
    assert (argument.status, argument.held_reason) == ("held", "reported_user")
    # Elsewhere nothing changes for them.
    elsewhere = make_proposal(status="open")
    assert make_argument(elsewhere, make_member(elsewhere.community, person)).status == "visible"


def test_new_reports_after_a_dismissal_start_a_new_round(app, db):
    argument = make_argument()
    target = item("argument", argument)
    for _ in range(3):
        make_report(target)
    case = _case(db, target)
    moderation.dismiss(committee_member(argument.proposal.community), case, "نقد مشروع")
    db.session.commit()
    assert (_case(db, target).status, db.session.get(type(argument), argument.id).status) == ("dismissed", "visible")
    assert moderation.pending_reports(_case(db, target)) == 0
    for _ in range(2):
        make_report(target)
    assert _case(db, target).status == "open"
    make_report(target)
    assert _case(db, target).status == "auto_hidden"


def test_a_reason_from_the_list_is_required(app, db):
    with pytest.raises(InvalidInput):
        moderation.report(make_user(), item("argument", make_argument()), "because")


@pytest.mark.postgres
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 10})
def test_reports_racing_each_other_hide_the_item_once(app, db):
    from civicvoice.accounts.models import User
    from civicvoice.deliberation.models import Argument
    from tests.racing import race

    argument = make_argument()
    reporters = [make_user().id for _ in range(8)]
    argument_id = argument.id

    def reporting(user_id):
        def action():
            with app.app_context():
                moderation.report(db.session.get(User, user_id),
                                  item("argument", db.session.get(Argument, argument_id)), "spam")
                db.session.commit()
                return "done"
        return action

    result = race([reporting(uid) for uid in reporters])
    assert result.errors == [], "\n".join(result.errors)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ModerationCase.id))) == 1
    assert db.session.scalar(select(func.count(Report.id))) == 8
    assert db.session.scalar(select(func.count(Event.id)).where(Event.verb == "moderation.auto_hidden")) == 1
    assert db.session.get(Argument, argument_id).status == "hidden"


def test_hideable_statuses_are_the_public_ones_but_the_vote(app):
    assert states.HIDEABLE == states.PUBLIC - {"voting", "merged"}
