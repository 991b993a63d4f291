"""The committee's decisions (always with a reason), the author's one appeal routed to another committee member,
and the public log that names roles and never shows the hidden text."""
import pytest
from sqlalchemy import select

from civicvoice.activity.models import Event, Notification
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition
from civicvoice.moderation import services as moderation
from civicvoice.moderation.messages import log_line
from civicvoice.moderation.models import Appeal
from tests.factories import (committee_member, item, make_admin, make_amendment, make_argument, make_committee,
                             make_community, make_hidden, make_member, make_proposal, make_report)
from tests.pages import plain


def _verbs_for(db, user) -> list[str]:
    return list(db.session.scalars(select(Event.verb).join(Notification, Notification.event_id == Event.id)
                                   .where(Notification.recipient_id == user.id).order_by(Notification.id)))


@pytest.mark.parametrize("reason", ["", "   "])
def test_every_decision_needs_a_reason(app, db, reason):
    argument = make_argument()
    target = item("argument", argument)
    chair = committee_member(argument.proposal.community)
    with pytest.raises(InvalidInput):
        moderation.hide(chair, target, reason)
    for _ in range(3):
        make_report(target)
    case = moderation.case_of(target)
    for decide in (moderation.dismiss, moderation.restore):
        with pytest.raises(InvalidInput):
            decide(chair, case, reason)


def test_keeping_hidden_what_reports_hid_gives_the_reason_to_the_placeholder_and_the_author(app, db):
    argument = make_argument()
    target = item("argument", argument)
    for _ in range(3):
        make_report(target)
    chair = committee_member(argument.proposal.community)
    case = moderation.hide(chair, target, "شتيمة لجار")
    db.session.commit()
    db.session.expire_all()
    assert (case.status, case.reason, case.decided_by_id) == ("hidden", "شتيمة لجار", chair.id)
    assert argument.hidden_reason == "شتيمة لجار"
    assert moderation.pending_reports(case) == 0  # answered
    assert _verbs_for(db, argument.author) == ["moderation.auto_hidden", "moderation.hidden"]


def test_restoring_shows_it_again_and_dismissing_leaves_it_up(app, db):
    proposal = make_proposal(status="open")
    chair = committee_member(proposal.community)
    case = make_hidden(item("proposal", proposal), chair, "خارج الموضوع")
    assert proposal.status == "hidden"
    moderation.restore(chair, case, "أخطأنا")
    db.session.commit()
    assert (proposal.status, case.status) == ("open", "restored")
    with pytest.raises(InvalidTransition):
        moderation.restore(chair, case, "مرة ثانية")
    db.session.rollback()
    argument = make_argument(proposal)
    make_report(item("argument", argument))
    reported = moderation.case_of(item("argument", argument))
    moderation.dismiss(chair, reported, "رأي مشروع")
    db.session.commit()
    assert (reported.status, argument.status) == ("dismissed", "visible")
    # The author never knew of reports that changed nothing: they are not told of the dismissal either.
    assert "moderation.dismissed" not in _verbs_for(db, argument.author)


def test_hiding_an_amendment_takes_it_out_of_its_lists(app, db):
    from civicvoice.deliberation import amendments

    amendment = make_amendment()
    proposal = amendment.proposal
    assert amendments.open_count(proposal) == 1
    make_hidden(item("amendment", amendment), reason="نسخ حرفي من مطلب آخر")
    assert amendments.open_count(proposal) == 0
    assert list(db.session.scalars(amendments.of(proposal))) == []


def test_the_author_appeals_once_and_another_committee_member_decides(app, db):
    community = make_community()
    first, second = make_committee(community), make_committee(community)
    argument = make_argument(make_proposal(community))
    case = make_hidden(item("argument", argument), first, "إساءة")
    appeal = moderation.appeal(argument.author, case, "كان نقداً لا إساءة")
    db.session.commit()
    assert appeal.assignee_id == second.id
    assert _verbs_for(db, second) [-1:] == ["moderation.appeal_assigned"]
    with pytest.raises(Conflict):
        moderation.appeal(argument.author, case, "مرة أخرى")
    db.session.rollback()
    moderation.decide_appeal(second, appeal, "granted", "النقد مقبول")
    db.session.commit()
    db.session.expire_all()
    assert (appeal.decision, case.status, argument.status) == ("granted", "restored", "visible")
    assert _verbs_for(db, argument.author)[-1] == "moderation.appeal_granted"


def test_an_upheld_appeal_keeps_it_hidden(app, db):
    community = make_community()
    first, second = make_committee(community), make_committee(community)
    argument = make_argument(make_proposal(community))
    case = make_hidden(item("argument", argument), first)
    appeal = moderation.appeal(argument.author, case, "أرجو المراجعة")
    moderation.decide_appeal(second, appeal, "upheld", "الإساءة واضحة")
    db.session.commit()
    assert (case.status, argument.status, appeal.decision_reason) == ("hidden", "hidden", "الإساءة واضحة")
    with pytest.raises(Conflict):
        moderation.decide_appeal(first, appeal, "granted", "لا")


def test_appeals_are_shared_out_among_the_other_committee_members(app, db):
    community = make_community()
    decider, a, b = make_committee(community), make_committee(community), make_committee(community)
    assignees = []
    for _ in range(4):
        argument = make_argument(make_proposal(community))
        case = make_hidden(item("argument", argument), decider)
        assignees.append(moderation.appeal(argument.author, case, "راجعوا").assignee_id)
        db.session.commit()
    assert sorted(assignees) == sorted([a.id, b.id, a.id, b.id]) and decider.id not in assignees


def test_a_committee_of_one_decides_its_own_appeals(app, db):
    community = make_community()
    only = make_committee(community)
    argument = make_argument(make_proposal(community))
    case = make_hidden(item("argument", argument), only)
    assert moderation.appeal(argument.author, case, "راجعوا").assignee_id == only.id


def test_only_the_author_appeals_and_only_a_decision_of_the_committee(app, db):
    argument = make_argument()
    target = item("argument", argument)
    for _ in range(3):
        make_report(target)
    case = moderation.case_of(target)
    with pytest.raises(InvalidTransition):  # hidden by reports: the committee has not decided yet
        moderation.appeal(argument.author, case, "لماذا؟")
    make_hidden(target)
    with pytest.raises(InvalidTransition):
        moderation.appeal(make_member(argument.proposal.community), case, "لماذا؟")
    with pytest.raises(InvalidInput):
        moderation.appeal(argument.author, case, "  ")
    assert db.session.scalar(select(Appeal.id)) is None


def test_the_public_log_lists_every_action_by_role_without_the_hidden_text(app, db):
    community = make_community()
    chair = make_committee(community)
    admin = make_admin()
    argument = make_argument(make_proposal(community), body="SECRET-HIDDEN-TEXT")
    target = item("argument", argument)
    for _ in range(3):
        make_report(target)
    case = moderation.hide(chair, target, "إساءة لجار")
    moderation.restore(admin, case, "قرار المدير")
    person = make_member(community)
    moderation.block(chair, community, person, "7", "رسائل مزعجة")
    db.session.commit()
    events = list(db.session.scalars(moderation.log(community)))
    assert [e.verb for e in events] == ["moderation.blocked", "moderation.restored", "moderation.hidden",
                                       "moderation.auto_hidden"]
    with app.test_request_context():
        lines = [plain(str(log_line(e))) for e in events]
    assert lines[2] == "A committee member hid content (an argument): إساءة لجار" or "إساءة لجار" in lines[2]
    assert "SECRET-HIDDEN-TEXT" not in " ".join(lines)
    assert all(person.display_name not in line and chair.display_name not in line for line in lines)
    assert [e.data["role"] for e in events] == ["committee", "admin", "committee", "system"]
    assert all("SECRET-HIDDEN-TEXT" not in str(e.data) for e in events)


def test_hiding_a_demand_tells_its_co_authors_too(app, db):
    from tests.factories import make_coauthor

    proposal = make_proposal(status="open")
    coauthor = make_coauthor(proposal)
    moderation.hide(committee_member(proposal.community), item("proposal", proposal), "إعلان")
    db.session.commit()
    assert _verbs_for(db, proposal.author)[-1:] == _verbs_for(db, coauthor)[-1:] == ["moderation.hidden"]


@pytest.mark.postgres
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 5})
def test_committee_members_deciding_one_case_at_the_same_moment_decide_it_once(app, db):
    """Reports hid an argument; one member keeps it hidden while others restore it or dismiss the reports, all
    at once: one decision stands, the others are told it was decided, and the author hears of one decision."""
    from civicvoice.deliberation.models import Argument
    from civicvoice.moderation.models import ModerationCase
    from tests.racing import race

    argument = make_argument()
    target = item("argument", argument)
    for _ in range(3):
        make_report(target)
    community = argument.proposal.community
    members = [committee_member(community).id] + [make_committee(community).id for _ in range(5)]
    case_id, argument_id, author = moderation.case_of(target).id, argument.id, argument.author
    db.session.commit()

    def deciding(user_id, decision):
        def action():
            from civicvoice.accounts.models import User

            with app.app_context():
                actor, case = db.session.get(User, user_id), db.session.get(ModerationCase, case_id)
                try:
                    if decision == "hide":
                        moderation.hide(actor, moderation.item_of(case), "شتيمة")
                    else:
                        getattr(moderation, decision)(actor, case, "نقد مشروع")
                    db.session.commit()
                    return decision
                except (InvalidTransition, Conflict):
                    db.session.rollback()
                    return "refused"
        return action

    decisions = ["hide", "restore", "dismiss", "hide", "restore", "dismiss"]
    result = race([deciding(uid, decision) for uid, decision in zip(members, decisions)])
    assert result.errors == [], "\n".join(result.errors)
    assert len(result.outcomes) == 6 and 6 - result.count("refused") >= 1
    db.session.expire_all()
    decided = db.session.scalars(select(Event.verb).where(Event.verb.in_(
        ("moderation.hidden", "moderation.restored", "moderation.dismissed")))).all()
    case, argument = db.session.get(ModerationCase, case_id), db.session.get(Argument, argument_id)
    # Whatever order they came in, the case and the argument agree with the last decision recorded.
    assert {"hidden": "hidden", "restored": "visible", "dismissed": "visible"}[case.status] == argument.status
    assert len(decided) == 6 - result.count("refused")
    assert not (case.status == "dismissed" and "moderation.restored" in decided)  # a dismissal follows no restore
