"""Argument services: posting on a living demand, threads three levels deep, the authors' answers, notifications,
editing within the window, deleting, hiding, helpful marks and the counts read from them; and the database
constraints that back them."""
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from civicvoice.activity.models import Event, Notification
from civicvoice.database import utcnow
from civicvoice.deliberation import services
from civicvoice.deliberation.models import BODY_MAX, MAX_DEPTH, Argument, ArgumentEdit, HelpfulMark
from civicvoice.errors import InvalidInput, InvalidTransition
from civicvoice.moderation import services as moderation
from civicvoice.proposals import states
from tests.factories import (
    PROPOSAL_PATHS,
    committee_member,
    make_argument,
    make_coauthor,
    make_member,
    make_proposal,
    make_user,
)


@pytest.fixture
def demand(app):
    return make_proposal(status="open")


def _notified(db, user) -> list[str]:
    """The verbs of `user`'s notifications, oldest first."""
    return list(db.session.scalars(select(Event.verb).join(Notification, Notification.event_id == Event.id)
                                   .where(Notification.recipient_id == user.id).order_by(Notification.id)))


def _fresh(db, argument) -> Argument:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Argument, argument.id)


# Posting ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", sorted(states.ARGUABLE))
@pytest.mark.parametrize("stance", ["for", "against", "question"])
def test_members_post_each_stance_while_the_demand_is_arguable(app, db, status, stance):
    proposal = make_proposal(status=status)
    argument = services.post(make_member(proposal.community), proposal, stance, "  نص الحجة  ")
    assert (argument.stance, argument.body, argument.depth, argument.parent_id, argument.status) == (
        stance, "نص الحجة", 0, None, "visible")


@pytest.mark.parametrize("status", sorted(set(PROPOSAL_PATHS) - states.ARGUABLE))
def test_posting_on_a_demand_that_is_not_arguable_is_refused(app, db, status):
    proposal = make_proposal(status=status)
    with pytest.raises(InvalidTransition):
        services.post(make_member(proposal.community), proposal, "for", "نص")
    assert db.session.scalar(select(func.count(Argument.id))) == 0


def test_replying_on_a_demand_that_closed_is_refused(app, db, demand):
    argument = make_argument(demand)
    demand.status = "not_adopted"
    with pytest.raises(InvalidTransition):
        services.reply(make_member(demand.community), argument, "رد")


def test_an_unknown_stance_is_refused(app, db, demand):
    with pytest.raises(InvalidInput):
        services.post(make_member(demand.community), demand, "neutral", "نص")


@pytest.mark.parametrize("body", ["", "   \n ", None, "x" * (BODY_MAX + 1)])
def test_an_empty_or_too_long_body_is_refused(app, db, demand, body):
    with pytest.raises(InvalidInput):
        services.post(make_member(demand.community), demand, "for", body)


def test_a_body_of_exactly_the_maximum_length_is_accepted(app, db, demand):
    argument = services.post(make_member(demand.community), demand, "for", "x" * BODY_MAX)
    assert len(argument.body) == BODY_MAX


def test_an_empty_reply_is_refused(app, db, demand):
    with pytest.raises(InvalidInput):
        services.reply(make_member(demand.community), make_argument(demand), " ")


def test_posting_records_the_event_and_touches_the_demand(app, db, demand):
    before = demand.last_activity_at
    argument = make_argument(demand, stance="against")
    event = db.session.scalar(select(Event).where(Event.verb == "argument.posted"))
    assert (event.subject_id, event.data["proposal_id"], event.data["stance"]) == (argument.id, demand.id,
                                                                                   "against")
    assert demand.last_activity_at > before


# Threads -----------------------------------------------------------------------------------------

def test_replies_nest_to_the_third_level_then_stay_there(app, db, demand):
    root = make_argument(demand)
    level1 = make_argument(parent=root)
    level2 = make_argument(parent=level1)
    level3 = make_argument(parent=level2)
    assert [a.depth for a in (root, level1, level2, level3)] == [0, 1, 2, MAX_DEPTH]
    assert MAX_DEPTH == 2
    assert {a.root_id for a in (level1, level2, level3)} == {root.id}
    assert (level3.parent_id, level3.stance) == (level2.id, None)


def test_threads_put_a_reply_to_a_third_level_reply_beside_it(app, db, demand):
    root = make_argument(demand)
    level1 = make_argument(parent=root)
    level2 = make_argument(parent=level1)
    flat = make_argument(parent=level2)
    [tree] = services.threads([root])
    [node1] = tree.replies
    assert node1.argument.id == level1.id
    assert [n.argument.id for n in node1.replies] == [level2.id, flat.id]
    assert [n.replies for n in node1.replies] == [[], []]


def test_threads_keep_each_root_with_its_own_replies(app, db, demand):
    first, second = make_argument(demand), make_argument(demand, stance="against")
    reply_first, reply_second = make_argument(parent=first), make_argument(parent=second)
    trees = services.threads([second, first])
    assert [t.argument.id for t in trees] == [second.id, first.id]
    assert [[r.argument.id for r in t.replies] for t in trees] == [[reply_second.id], [reply_first.id]]


def test_threads_load_all_replies_in_one_query(app, db, demand, count_queries):
    roots = [make_argument(demand) for _ in range(3)]
    for root in roots:
        make_argument(parent=make_argument(parent=root))
    db.session.expire_all()
    roots = [db.session.get(Argument, root.id) for root in roots]
    with count_queries() as queries:
        trees = services.threads(roots)
    assert len(queries) == 1
    assert len(services.all_arguments(trees)) == 9


def test_threads_of_no_arguments_run_no_query(app, db, count_queries):
    with count_queries() as queries:
        assert services.threads([]) == []
    assert queries == []


def test_a_hidden_argument_cannot_be_answered(app, db, demand):
    argument = make_argument(demand)
    moderation.hide_argument(committee_member(demand.community), argument, "إساءة")
    with pytest.raises(InvalidTransition):
        services.reply(make_member(demand.community), argument, "رد")


# The authors' answers ----------------------------------------------------------------------------

def test_an_author_answers_a_question_on_the_authors_behalf(app, db, demand):
    question = make_argument(demand, stance="question")
    answer = services.reply(demand.author, question, "الجواب", as_authors=True)
    assert answer.as_authors is True


def test_a_coauthor_answers_deeper_in_a_question_thread_on_the_authors_behalf(app, db, demand):
    coauthor = make_coauthor(demand)
    question = make_argument(demand, stance="question")
    follow_up = make_argument(parent=question)
    assert services.reply(coauthor, follow_up, "الجواب", as_authors=True).as_authors is True


def test_a_member_who_is_no_author_cannot_answer_as_the_authors(app, db, demand):
    question = make_argument(demand, stance="question")
    with pytest.raises(InvalidInput):
        services.reply(make_member(demand.community), question, "جواب", as_authors=True)


@pytest.mark.parametrize("stance", ["for", "against"])
def test_authors_answer_as_authors_only_in_a_question_thread(app, db, demand, stance):
    argument = make_argument(demand, stance=stance)
    with pytest.raises(InvalidInput):
        services.reply(demand.author, argument, "جواب", as_authors=True)


def test_an_authors_plain_reply_is_not_marked_as_the_authors_answer(app, db, demand):
    question = make_argument(demand, stance="question")
    assert services.reply(demand.author, question, "رأيي الشخصي").as_authors is False


# Notifications -----------------------------------------------------------------------------------

def test_a_reply_notifies_the_parents_and_the_roots_authors_not_the_replier(app, db, demand):
    root_author, parent_author, replier = (make_member(demand.community) for _ in range(3))
    root = make_argument(demand, root_author)
    parent = make_argument(parent=root, author=parent_author)
    make_argument(parent=parent, author=replier)
    assert _notified(db, root_author) == ["argument.replied", "argument.replied"]
    assert _notified(db, parent_author) == ["argument.replied"]
    assert _notified(db, replier) == []


def test_replying_to_oneself_notifies_nobody(app, db, demand):
    author = make_member(demand.community)
    make_argument(parent=make_argument(demand, author), author=author)
    assert db.session.scalar(select(func.count(Notification.id)).join(Event, Event.id == Notification.event_id)
                             .where(Event.verb == "argument.replied")) == 0


def test_one_person_who_wrote_parent_and_root_is_notified_once(app, db, demand):
    author = make_member(demand.community)
    make_argument(parent=make_argument(demand, author))
    assert _notified(db, author) == ["argument.replied"]


# Editing -----------------------------------------------------------------------------------------

def test_editing_keeps_the_previous_text_and_sets_edited_at(app, db, demand):
    argument = make_argument(demand, body="النص الأول")
    written = argument.created_at
    assert services.edit(argument.author, argument, "النص الثاني") is True
    argument = _fresh(db, argument)
    assert (argument.body, argument.edited_at is not None) == ("النص الثاني", True)
    [kept] = services.history(argument)
    assert (kept.body, kept.written_at) == ("النص الأول", written)


def test_a_second_edit_keeps_the_first_edit_with_its_own_time(app, db, demand):
    argument = make_argument(demand, body="أ")
    services.edit(argument.author, argument, "ب")
    first_edit = argument.edited_at
    services.edit(argument.author, argument, "ج")
    assert [(e.body, e.written_at) for e in services.history(argument)] == [
        ("أ", argument.created_at), ("ب", first_edit)]


def test_an_unchanged_edit_changes_nothing(app, db, demand):
    argument = make_argument(demand, body="نص")
    assert services.edit(argument.author, argument, " نص ") is False
    assert (argument.edited_at, services.history(argument)) == (None, [])


def test_editing_after_the_window_is_refused(app, db, demand):
    minutes = app.config["ARGUMENT_EDIT_MINUTES"]
    with freeze_time(utcnow()) as clock:
        argument = make_argument(demand, body="نص")
        clock.tick(timedelta(minutes=minutes - 1))
        assert services.edit(argument.author, argument, "نص معدل") is True
        clock.tick(timedelta(minutes=2))
        with pytest.raises(InvalidTransition):
            services.edit(argument.author, argument, "نص آخر")
    assert _fresh(db, argument).body == "نص معدل"


def test_an_edit_must_not_empty_the_argument(app, db, demand):
    argument = make_argument(demand)
    with pytest.raises(InvalidInput):
        services.edit(argument.author, argument, "")


# Deleting, hiding, restoring ---------------------------------------------------------------------

def test_deleting_ones_argument_blanks_it_and_keeps_its_history_and_replies(app, db, demand):
    argument = make_argument(demand, body="ما قلته")
    reply = make_argument(parent=argument)
    services.delete_own(argument.author, argument)
    argument = _fresh(db, argument)
    assert (argument.body, argument.status) == ("", "deleted")
    assert [e.body for e in services.history(argument)] == ["ما قلته"]
    assert db.session.get(Argument, reply.id).status == "visible"
    assert [n.argument.id for n in services.threads([argument])[0].replies] == [reply.id]


def test_a_deleted_argument_cannot_be_deleted_again_nor_edited(app, db, demand):
    argument = make_argument(demand)
    services.delete_own(argument.author, argument)
    with pytest.raises(InvalidTransition):
        services.delete_own(argument.author, argument)
    with pytest.raises(InvalidTransition):
        services.edit(argument.author, argument, "عودة")


@pytest.mark.parametrize("reason", ["", "   "])
def test_hiding_needs_a_reason(app, db, demand, reason):
    argument = make_argument(demand)
    with pytest.raises(InvalidInput):
        moderation.hide_argument(committee_member(demand.community), argument, reason)
    assert _fresh(db, argument).status == "visible"


def test_hiding_records_the_reason_and_notifies_the_author(app, db, demand):
    argument = make_argument(demand, body="نص مسيء")
    moderation.hide_argument(committee_member(demand.community), argument, "  إساءة شخصية ")
    argument = _fresh(db, argument)
    assert (argument.status, argument.hidden_reason, argument.body) == ("hidden", "إساءة شخصية", "نص مسيء")
    assert _notified(db, argument.author) == ["moderation.hidden"]


def test_hiding_a_deleted_argument_is_refused(app, db, demand):
    argument = make_argument(demand)
    services.delete_own(argument.author, argument)
    with pytest.raises(InvalidTransition):
        moderation.hide_argument(committee_member(demand.community), argument, "سبب")


def test_restoring_shows_the_argument_again_and_tells_its_author(app, db, demand):
    argument = make_argument(demand)
    chair = committee_member(demand.community)
    moderation.hide_argument(chair, argument, "سبب")
    moderation.restore_argument(chair, argument, "أخطأنا")
    argument = _fresh(db, argument)
    assert (argument.status, argument.hidden_reason) == ("visible", "")
    assert _notified(db, argument.author) == ["moderation.hidden", "moderation.restored"]


def test_only_a_hidden_argument_can_be_restored(app, db, demand):
    argument = make_argument(demand)
    with pytest.raises(InvalidTransition):
        moderation.restore_argument(committee_member(demand.community), argument, "سبب")


# Helpful marks -----------------------------------------------------------------------------------

def test_marking_helpful_twice_counts_once(app, db, demand):
    argument, reader = make_argument(demand), make_member(demand.community)
    assert services.mark_helpful(reader, argument) is True
    assert services.mark_helpful(reader, argument) is False
    assert _fresh(db, argument).helpful_count == 1
    assert db.session.scalar(select(func.count(HelpfulMark.id))) == 1


def test_unmarking_removes_the_mark_and_decrements(app, db, demand):
    argument, reader = make_argument(demand), make_member(demand.community)
    services.mark_helpful(reader, argument)
    services.mark_helpful(make_member(demand.community), argument)
    assert services.unmark_helpful(reader, argument) is True
    assert _fresh(db, argument).helpful_count == 1
    assert services.marked_by(reader, [argument]) == set()


def test_unmarking_without_a_mark_changes_nothing(app, db, demand):
    argument = make_argument(demand)
    services.mark_helpful(make_member(demand.community), argument)
    assert services.unmark_helpful(make_member(demand.community), argument) is False
    assert _fresh(db, argument).helpful_count == 1


def test_the_helpful_count_never_goes_below_zero(app, db, demand):
    argument, reader = make_argument(demand), make_member(demand.community)
    services.mark_helpful(reader, argument)
    assert [services.unmark_helpful(reader, argument) for _ in range(3)] == [True, False, False]
    assert _fresh(db, argument).helpful_count == 0


def test_a_hidden_argument_cannot_be_marked(app, db, demand):
    argument = make_argument(demand)
    moderation.hide_argument(committee_member(demand.community), argument, "سبب")
    with pytest.raises(InvalidTransition):
        services.mark_helpful(make_member(demand.community), argument)


def test_recount_sets_the_counter_from_the_marks(app, db, demand):
    argument = make_argument(demand)
    for _ in range(3):
        services.mark_helpful(make_member(demand.community), argument)
    argument.helpful_count = 7
    db.session.flush()
    assert services.recount_helpful(argument) == 3
    assert _fresh(db, argument).helpful_count == 3


def test_marked_by_answers_in_one_query(app, db, demand, count_queries):
    reader = make_member(demand.community)
    arguments = [make_argument(demand) for _ in range(4)]
    services.mark_helpful(reader, arguments[0])
    services.mark_helpful(reader, arguments[2])
    services.mark_helpful(make_member(demand.community), arguments[1])
    db.session.commit()
    assert reader.id and [argument.id for argument in arguments]  # loaded before counting
    with count_queries() as queries:
        marked = services.marked_by(reader, arguments)
    assert marked == {arguments[0].id, arguments[2].id}
    assert len(queries) == 1


def test_marked_by_a_visitor_is_empty_without_a_query(app, db, demand, count_queries):
    from flask_login import AnonymousUserMixin

    argument = make_argument(demand)
    assert argument.id  # loaded before counting
    with count_queries() as queries:
        assert services.marked_by(AnonymousUserMixin(), [argument]) == set()
        assert services.marked_by(None, [argument]) == set()
    assert queries == []


# Counts and the strongest arguments --------------------------------------------------------------

def test_stance_counts_count_only_visible_top_level_arguments(app, db, demand):
    chair = committee_member(demand.community)
    make_argument(demand, stance="for")
    make_argument(parent=make_argument(demand, stance="for"))
    make_argument(demand, stance="question")
    hidden, deleted = make_argument(demand, stance="against"), make_argument(demand, stance="against")
    moderation.hide_argument(chair, hidden, "سبب")
    services.delete_own(deleted.author, deleted)
    make_argument(make_proposal(demand.community), stance="against")  # another demand
    assert services.stance_counts(demand) == {"for": 2, "against": 0, "question": 1}


def test_stance_counts_of_a_demand_without_arguments_are_zero(app, db, demand):
    assert services.stance_counts(demand) == {"for": 0, "against": 0, "question": 0}


def test_strongest_picks_the_most_helpful_argument_for_and_against(app, db, demand):
    weak_for, strong_for = make_argument(demand, stance="for"), make_argument(demand, stance="for")
    strong_against = make_argument(demand, stance="against")
    for _ in range(2):
        services.mark_helpful(make_member(demand.community), strong_for)
    services.mark_helpful(make_member(demand.community), weak_for)
    assert services.strongest(demand) == {"for": strong_for, "against": strong_against}


def test_strongest_prefers_the_oldest_on_a_tie(app, db, demand):
    older, newer = make_argument(demand, stance="against"), make_argument(demand, stance="against")
    services.mark_helpful(make_member(demand.community), newer)
    services.mark_helpful(make_member(demand.community), older)
    assert services.strongest(demand)["against"] == older


def test_strongest_ignores_questions_replies_and_hidden_arguments(app, db, demand):
    shown = make_argument(demand, stance="for")
    hidden, question = make_argument(demand, stance="for"), make_argument(demand, stance="question")
    reply = make_argument(parent=shown)
    for argument in (hidden, question, reply):
        services.mark_helpful(make_member(demand.community), argument)
    moderation.hide_argument(committee_member(demand.community), hidden, "سبب")
    assert services.strongest(demand) == {"for": shown, "against": None}


def test_top_level_sorts_by_helpfulness_or_newest_first(app, db, demand):
    first, second, third = (make_argument(demand) for _ in range(3))
    make_argument(parent=first)
    services.mark_helpful(make_member(demand.community), second)
    helpful = db.session.scalars(services.top_level(demand, "helpful")).all()
    newest = db.session.scalars(services.top_level(demand, "newest")).all()
    assert [a.id for a in helpful] == [second.id, third.id, first.id]
    assert [a.id for a in newest] == [third.id, second.id, first.id]


# The database ------------------------------------------------------------------------------------

def _unique_column_sets(db, table) -> list[list[str]]:
    inspector = inspect(db.engine)
    found = [sorted(c["column_names"]) for c in inspector.get_unique_constraints(table)]
    return found + [sorted(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]]


@pytest.mark.parametrize("table, columns", [
    ("helpful_marks", ["argument_id", "user_id"]),
    ("amendment_positions", ["amendment_id", "user_id"]),
    ("meeting_rsvps", ["meeting_id", "user_id"]),
    ("meeting_agenda_items", ["meeting_id", "proposal_id"]),
])
def test_one_row_per_person_is_a_unique_constraint_in_the_database(db, table, columns):
    assert columns in _unique_column_sets(db, table)


def test_the_database_refuses_a_second_helpful_mark_by_the_same_person(app, db, demand):
    argument, reader = make_argument(demand), make_user()
    row = {"argument_id": argument.id, "user_id": reader.id, "created_at": utcnow()}
    db.session.execute(insert(HelpfulMark).values(**row))
    with pytest.raises(IntegrityError):
        db.session.execute(insert(HelpfulMark).values(**row))
    db.session.rollback()


def test_the_database_refuses_a_reply_without_its_root(app, db, demand):
    argument = make_argument(demand)
    db.session.add(Argument(proposal_id=demand.id, author_id=argument.author_id, parent_id=argument.id, depth=1,
                            body="رد"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_negative_helpful_count(app, db, demand):
    argument = make_argument(demand)
    argument.helpful_count = -1
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_edit_history_row_belongs_to_its_argument(app, db, demand):
    argument = make_argument(demand)
    services.edit(argument.author, argument, "جديد")
    assert db.session.scalar(select(ArgumentEdit.argument_id)) == argument.id
