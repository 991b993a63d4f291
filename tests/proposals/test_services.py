"""Demand services: drafting, revisions, co-authors, the review, merge, goal, queues, lists and similarity."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from civicvoice import permissions
from civicvoice.activity.models import Event, Notification
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition
from civicvoice.extensions import db as database
from civicvoice.proposals import rules as proposal_rules
from civicvoice.proposals import services, states
from civicvoice.proposals.models import Revision
from tests.factories import (
    advance_proposal,
    link_council,
    make_coauthor,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_pending,
    make_proposal,
    make_user,
    proposal_fields,
)


def _last_event(proposal, verb=None):
    query = select(Event).where(Event.subject_type == "proposals", Event.subject_id == proposal.id)
    if verb:
        query = query.where(Event.verb == verb)
    return database.session.scalars(query.order_by(Event.id.desc())).first()


def _recipients(event) -> set[int]:
    return set(database.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event.id)))


def _ids(*users) -> set[int]:
    return {user.id for user in users}


# Drafting ------------------------------------------------------------------------------------------

def test_create_draft_saves_revision_one(app, db):
    community = make_community()
    council = link_council(community)
    author = make_member(community)
    proposal = services.create_draft(author, community, **proposal_fields(
        title="إصلاحُ سقفِ المدرسة", council_id=council.id, latitude=33.5, longitude=36.3))

    assert proposal.status == "draft" and proposal.author_id == author.id
    assert proposal.title_key == "اصلاح سقف مدرسه"
    assert proposal.signature_goal == community.signature_goal == 50
    [revision] = services.revisions(proposal)
    assert (revision.number, revision.editor_id, revision.title, revision.council_id) == (
        1, author.id, "إصلاحُ سقفِ المدرسة", council.id)
    event = _last_event(proposal)
    assert (event.verb, event.actor_id, event.community_id) == ("proposal.drafted", author.id, community.id)


def test_create_draft_refuses_a_council_not_linked_to_the_community(app, db):
    community = make_community()
    link_council(community)
    stranger = make_council()
    with pytest.raises(InvalidInput):
        services.create_draft(make_member(community), community, **proposal_fields(council_id=stranger.id))


@pytest.mark.parametrize("coordinates", [{"latitude": 33.5}, {"longitude": 36.3}])
def test_create_draft_refuses_half_coordinates(app, db, coordinates):
    community = make_community()
    with pytest.raises(InvalidInput):
        services.create_draft(make_member(community), community, **proposal_fields(**coordinates))


def test_create_draft_refuses_an_unknown_category(app, db):
    community = make_community()
    with pytest.raises(InvalidInput):
        services.create_draft(make_member(community), community, **proposal_fields(category="weather"))


def test_a_new_draft_takes_the_goal_of_its_community(app, db):
    community = make_community()
    community.signature_goal = 30
    proposal = make_proposal(community, status="draft")
    assert proposal.signature_goal == 30


# Editing and revisions ---------------------------------------------------------------------------------

def test_edit_saves_a_numbered_revision_of_what_changed(app, db):
    proposal = make_proposal(status="draft", title="إصلاح سقف المدرسة")
    coauthor = make_coauthor(proposal)
    fields = {**proposal_fields(), "title": "إصلاح سقف المدرسة والساحة", "body": "نص جديد"}

    revision = services.edit(coauthor, proposal, note="أضفت الساحة", **fields)

    assert revision.number == 2 and revision.editor_id == coauthor.id and revision.note == "أضفت الساحة"
    assert (revision.title, revision.body) == ("إصلاح سقف المدرسة والساحة", "نص جديد")
    assert proposal.title_key == "اصلاح سقف مدرسه ساحه"
    assert [r.number for r in services.revisions(proposal)] == [2, 1]
    assert services.revision(proposal, 1).title == "إصلاح سقف المدرسة"
    event = _last_event(proposal)
    assert (event.verb, event.actor_id, event.data["revision"]) == ("proposal.edited", coauthor.id, 2)


def test_edit_without_changes_saves_nothing(app, db):
    proposal = make_proposal(status="draft")
    same = {field: getattr(proposal, field) for field in ("title", "summary", "body", "category", "place")}
    events = db.session.query(Event).count()
    assert services.edit(proposal.author, proposal, **same) is None
    assert db.session.query(Revision).filter_by(proposal_id=proposal.id).count() == 1
    assert db.session.query(Event).count() == events


def test_edit_of_some_fields_keeps_the_others(app, db):
    proposal = make_proposal(status="draft", category="health", latitude=33.5, longitude=36.3)
    revision = services.edit(proposal.author, proposal, place="المستوصف")
    assert revision.number == 2 and (revision.place, revision.category) == ("المستوصف", "health")
    assert (proposal.latitude, proposal.longitude) == (33.5, 36.3)


def test_edit_checks_the_council_and_the_coordinates(app, db):
    proposal = make_proposal(status="draft")
    with pytest.raises(InvalidInput):
        services.edit(proposal.author, proposal, council_id=make_council().id)
    with pytest.raises(InvalidInput):
        services.edit(proposal.author, proposal, latitude=33.5)
    council = link_council(proposal.community)
    assert services.edit(proposal.author, proposal, council_id=council.id).council_id == council.id


def test_edit_after_changes_were_requested(app, db):
    proposal = make_proposal(status="changes_requested")
    assert services.edit(proposal.author, proposal, summary="ملخص أوضح").number == 2


@pytest.mark.parametrize("status", sorted(set(states.STATUSES) - states.EDITABLE))
def test_edit_is_refused_outside_the_editable_states(app, db, status):
    proposal = make_proposal(status=status)
    with pytest.raises(InvalidTransition):
        services.edit(proposal.author, proposal, title="عنوان آخر")
    assert proposal.title != "عنوان آخر"


# Co-authors -----------------------------------------------------------------------------------------

def test_invite_a_member_of_the_community_who_is_notified(app, db):
    proposal = make_proposal(status="draft")
    member = make_member(proposal.community)
    invitation = services.invite_coauthor(proposal.author, proposal, member)
    assert invitation.status == "invited"
    assert services.invitation_for(member, proposal) is invitation
    assert not proposal_rules.is_author(member, proposal)
    event = _last_event(proposal, "proposal.coauthor_invited")
    assert event.actor_id == proposal.author_id and _recipients(event) == _ids(member)


def test_only_active_members_of_the_same_community_can_be_invited(app, db):
    proposal = make_proposal(status="draft", community=make_community(is_open=False))
    outsiders = [make_user(), make_pending(proposal.community), make_member(make_community())]
    for person in outsiders:
        with pytest.raises(InvalidInput):
            services.invite_coauthor(proposal.author, proposal, person)
    assert proposal.coauthors == []


def test_nobody_is_invited_twice(app, db):
    proposal = make_proposal(status="draft")
    member = make_member(proposal.community)
    services.invite_coauthor(proposal.author, proposal, member)
    with pytest.raises(Conflict):
        services.invite_coauthor(proposal.author, proposal, member)
    with pytest.raises(Conflict):
        services.invite_coauthor(proposal.author, proposal, proposal.author)
    services.answer_invitation(member, proposal, accept=True)
    with pytest.raises(Conflict):
        services.invite_coauthor(proposal.author, proposal, member)


def test_accepting_makes_a_co_author_who_can_edit(app, db):
    proposal = make_proposal(status="draft")
    member = make_member(proposal.community)
    services.invite_coauthor(proposal.author, proposal, member)
    assert not permissions.REGISTRY["edit_proposal"](member, proposal)

    services.answer_invitation(member, proposal, accept=True)

    assert proposal_rules.is_author(member, proposal)
    assert services.authors(proposal) == [proposal.author, member]
    assert permissions.REGISTRY["edit_proposal"](member, proposal)
    assert services.edit(member, proposal, title="عنوان من المؤلف المشارك").editor_id == member.id
    event = _last_event(proposal, "proposal.coauthor_accepted")
    assert event.actor_id == member.id and _recipients(event) == _ids(proposal.author)


def test_declining_removes_the_invitation(app, db):
    proposal = make_proposal(status="draft")
    member = make_member(proposal.community)
    services.invite_coauthor(proposal.author, proposal, member)
    services.answer_invitation(member, proposal, accept=False)
    assert proposal.coauthors == [] and services.invitation_for(member, proposal) is None
    assert not proposal_rules.is_author(member, proposal)
    assert _recipients(_last_event(proposal, "proposal.coauthor_declined")) == _ids(proposal.author)
    with pytest.raises(Conflict):
        services.answer_invitation(member, proposal, accept=True)
    services.invite_coauthor(proposal.author, proposal, member)  # may be asked again


def test_an_invitation_cannot_be_answered_twice_or_without_one(app, db):
    proposal = make_proposal(status="draft")
    coauthor = make_coauthor(proposal)
    with pytest.raises(Conflict):
        services.answer_invitation(coauthor, proposal, accept=False)
    with pytest.raises(Conflict):
        services.answer_invitation(make_member(proposal.community), proposal, accept=True)
    assert proposal_rules.is_author(coauthor, proposal)


# The review -------------------------------------------------------------------------------------------

def test_submit_puts_the_draft_in_the_queue_and_tells_the_committee(app, db):
    community = make_community()
    chair, second = make_committee(community), make_committee(community)
    proposal = make_proposal(community, status="draft")
    coauthor = make_coauthor(proposal)

    with freeze_time("2026-03-01 09:00:00"):
        services.submit(coauthor, proposal)

    assert proposal.status == "in_review"
    assert proposal.submitted_at == datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    assert services.review_queue(community) == [proposal]
    event = _last_event(proposal)
    assert (event.verb, event.actor_id, event.data["before"], event.data["after"]) == (
        "proposal.submit", coauthor.id, "draft", "in_review")
    assert _recipients(event) == _ids(chair, second)


def test_publish_makes_it_public_with_the_goal_and_tells_the_authors(app, db):
    community = make_community()
    community.signature_goal = 120
    chair = make_committee(community)
    proposal = make_proposal(community, status="draft")
    coauthor, invited = make_coauthor(proposal), make_coauthor(proposal, accept=False)
    services.submit(proposal.author, proposal)
    assert proposal.published_at is None

    services.publish(chair, proposal)

    assert proposal.status == "open" and proposal.published_at is not None
    assert proposal.signature_goal == 120
    assert permissions.REGISTRY["view_proposal"](None, proposal)
    event = _last_event(proposal)
    assert event.verb == "proposal.publish" and event.actor_id == chair.id
    assert _recipients(event) == _ids(proposal.author, coauthor)
    assert invited.id not in _recipients(event)


def test_request_changes_needs_a_reason_and_goes_back_to_the_authors(app, db):
    proposal = make_proposal(status="in_review")
    coauthor = make_coauthor(proposal)
    chair = make_committee(proposal.community)
    with pytest.raises(InvalidInput):
        services.request_changes(chair, proposal, "  ")
    assert proposal.status == "in_review"

    services.request_changes(chair, proposal, "  أضيفوا صوراً للسقف ")

    assert proposal.status == "changes_requested"
    event = _last_event(proposal)
    assert (event.verb, event.actor_id, event.data["reason"]) == (
        "proposal.request_changes", chair.id, "أضيفوا صوراً للسقف")
    assert _recipients(event) == _ids(proposal.author, coauthor)
    assert proposal in services.drafts_of(coauthor)

    services.edit(coauthor, proposal, summary="مع الصور")
    first_submitted = proposal.submitted_at
    with freeze_time(first_submitted + timedelta(days=3)):
        services.submit(coauthor, proposal)
    assert proposal.status == "in_review"
    assert proposal.submitted_at == first_submitted + timedelta(days=3)  # the wait starts again


def test_reject_needs_a_listed_code_and_a_reason(app, db):
    proposal = make_proposal(status="in_review")
    chair = make_committee(proposal.community)
    with pytest.raises(InvalidInput):
        services.reject(chair, proposal, "boring", "سبب")
    with pytest.raises(InvalidInput):
        services.reject(chair, proposal, "duplicate", "")
    db.session.rollback()  # as the request would
    assert proposal.status == "in_review"

    services.reject(chair, proposal, "wrong_council", "هذه مسؤولية المحافظة")

    assert proposal.status == "rejected" and proposal.rejection_code == "wrong_council"
    event = _last_event(proposal)
    assert event.verb == "proposal.reject" and event.actor_id == chair.id
    assert (event.data["code"], event.data["reason"]) == ("wrong_council", "هذه مسؤولية المحافظة")
    assert _recipients(event) == _ids(proposal.author)
    assert not permissions.REGISTRY["view_proposal"](None, proposal)


def test_withdraw_a_draft_tells_the_co_authors_only(app, db):
    community = make_community()
    chair = make_committee(community)
    proposal = make_proposal(community, status="draft")
    coauthor = make_coauthor(proposal)
    with pytest.raises(InvalidInput):
        services.withdraw(proposal.author, proposal, "")
    services.withdraw(proposal.author, proposal, "لم يعد ضرورياً")
    assert proposal.status == "withdrawn"
    event = _last_event(proposal)
    assert event.data["reason"] == "لم يعد ضرورياً" and _recipients(event) == _ids(coauthor)
    assert chair.id not in _recipients(event)
    assert not permissions.REGISTRY["view_proposal"](None, proposal)


def test_withdraw_a_published_demand_tells_the_committee(app, db):
    community = make_community()
    chair = make_committee(community)
    proposal = make_proposal(community, status="open")
    coauthor = make_coauthor(proposal)
    services.withdraw(coauthor, proposal, "تم الإصلاح")
    assert proposal.status == "withdrawn"
    assert _recipients(_last_event(proposal)) == _ids(proposal.author, chair)
    assert permissions.REGISTRY["view_proposal"](None, proposal)


# Merge ------------------------------------------------------------------------------------------------

def test_merge_points_the_duplicate_to_the_kept_demand(app, db):
    community = make_community()
    chair = make_committee(community)
    kept, duplicate = make_proposal(community, status="open"), make_proposal(community, status="open")

    services.merge(chair, duplicate, kept, "نفس المطلب")

    assert duplicate.status == "merged" and duplicate.merged_into_id == kept.id
    assert duplicate.merged_into is kept and kept.status == "open"
    closed = _last_event(duplicate)
    assert (closed.verb, closed.actor_id, closed.data["reason"], closed.data["kept_id"]) == (
        "proposal.merge", chair.id, "نفس المطلب", kept.id)
    assert _recipients(closed) == _ids(duplicate.author)
    merged_in = _last_event(kept)
    assert (merged_in.verb, merged_in.actor_id, merged_in.data["duplicate_id"]) == (
        "proposal.merged_in", chair.id, duplicate.id)
    assert services.mergeable_targets(make_proposal(community, status="open")) == [kept]


def test_merge_only_into_another_active_demand_of_the_same_community(app, db):
    community = make_community()
    chair = make_committee(community)
    duplicate = make_proposal(community, status="open")
    for kept in [duplicate, make_proposal(status="open"), make_proposal(community, status="draft"),
                 make_proposal(community, status="merged"), make_proposal(community, status="resolved")]:
        with pytest.raises(InvalidInput):
            services.merge(chair, duplicate, kept, "مكرر")
    assert duplicate.status == "open" and duplicate.merged_into_id is None


def test_only_an_open_demand_can_be_merged(app, db):
    community = make_community()
    kept = make_proposal(community, status="open")
    duplicate = make_proposal(community, status="voting")
    with pytest.raises(InvalidTransition):
        services.merge(make_committee(community), duplicate, kept, "مكرر")
    assert duplicate.merged_into_id is None


# Signature goal ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("goal", [0, -5, 1_000_001])
def test_goal_out_of_bounds_is_refused(app, db, goal):
    proposal = make_proposal(status="open")
    with pytest.raises(InvalidInput):
        services.set_goal(make_committee(proposal.community), proposal, goal)
    assert proposal.signature_goal == 50


@pytest.mark.parametrize("goal", [1, 75, 1_000_000])
def test_goal_within_bounds_is_recorded(app, db, goal):
    proposal = make_proposal(status="open")
    chair = make_committee(proposal.community)
    services.set_goal(chair, proposal, goal)
    assert proposal.signature_goal == goal
    event = _last_event(proposal)
    assert (event.verb, event.actor_id, event.data) == ("proposal.goal_changed", chair.id,
                                                        {"before": 50, "after": goal})


# Review queue and age ----------------------------------------------------------------------------------

def test_review_queue_is_oldest_first_and_only_this_community(app, db):
    community = make_community()
    with freeze_time("2026-03-05"):
        newer = make_proposal(community, status="in_review")
    with freeze_time("2026-03-01"):
        older = make_proposal(community, status="in_review")
    make_proposal(community, status="draft")
    make_proposal(community, status="open")
    make_proposal(status="in_review")
    assert services.review_queue(community) == [older, newer]


@pytest.mark.parametrize(("days", "state", "due_in"), [(0, "on_time", 7), (6, "on_time", 1), (7, "due", 0),
                                                       (13, "due", 0), (14, "overdue", 0), (40, "overdue", 0)])
def test_review_is_due_after_seven_days_and_overdue_after_fourteen(app, db, days, state, due_in):
    with freeze_time("2026-03-01 12:00:00") as clock:
        proposal = make_proposal(status="in_review")
        clock.tick(timedelta(days=days, hours=1))
        assert services.review_age(proposal) == {"days": days, "state": state, "due_in": due_in}


@pytest.mark.parametrize(("days", "state"), [(1, "on_time"), (2, "due"), (4, "due"), (5, "overdue")])
def test_review_age_follows_the_community_settings(app, db, days, state):
    community = make_community()
    community.review_due_days, community.review_overdue_days = 2, 5
    db.session.commit()
    with freeze_time("2026-03-01 12:00:00") as clock:
        proposal = make_proposal(community, status="in_review")
        clock.tick(timedelta(days=days))
        assert services.review_age(proposal)["state"] == state


# Drafts of a person --------------------------------------------------------------------------------

def test_drafts_of_lists_unpublished_demands_one_authors_or_is_invited_to(app, db):
    community = make_community()
    author = make_member(community)
    mine = {status: make_proposal(community, author, status=status)
            for status in ("draft", "in_review", "changes_requested", "rejected", "open", "withdrawn")}
    withdrawn_draft = make_proposal(community, author, status="draft")
    services.withdraw(author, withdrawn_draft, "خطأ")
    someone_elses = make_proposal(community, status="draft")
    invited_to = make_proposal(community, status="draft")
    make_coauthor(invited_to, author, accept=False)
    coauthored = make_proposal(community, status="in_review")
    make_coauthor(coauthored, author)

    drafts = services.drafts_of(author)

    expected = {mine[s].id for s in ("draft", "in_review", "changes_requested", "rejected")}
    assert {p.id for p in drafts} == expected | {withdrawn_draft.id, invited_to.id, coauthored.id}
    assert someone_elses not in drafts
    assert services.drafts_of(make_member(community)) == []


# Lists ---------------------------------------------------------------------------------------------

def _listed(**filters):
    return list(database.session.scalars(services.listing(**filters)))


def test_private_and_hidden_demands_are_never_listed(app, db):
    community = make_community()
    made = {status: make_proposal(community, status=status) for status in states.STATUSES}
    withdrawn_draft = make_proposal(community, status="draft")
    services.withdraw(withdrawn_draft.author, withdrawn_draft, "خطأ")
    merged_into = made["merged"].merged_into  # the factory merges into a fresh open demand

    listed = {p.id for p in _listed(community=community)}

    public = set(services.LIST_STATUSES)
    assert listed == {made[status].id for status in public} | {merged_into.id}
    assert not public & (states.PRIVATE | {"hidden"})
    assert withdrawn_draft.id not in listed
    for status in states.PRIVATE | {"hidden"}:
        assert made[status].id not in {p.id for p in _listed(status=status)}


def test_filters_by_community_category_status_and_council(app, db):
    community, other = make_community(), make_community()
    council = link_council(community)
    water = make_proposal(community, status="open", category="water_sanitation", council=council)
    roads = make_proposal(community, status="voting", category="roads_transport")
    elsewhere = make_proposal(other, status="open", category="water_sanitation")

    assert {p.id for p in _listed()} >= {water.id, roads.id, elsewhere.id}
    assert _listed(community=community, category="water_sanitation") == [water]
    assert _listed(community=community, status="voting") == [roads]
    assert _listed(council_id=council.id) == [water]
    assert _listed(community=other) == [elsewhere]
    assert _listed(community=community, category="health") == []


def test_sort_orders(app, db):
    community = make_community()
    first, second, third = (make_proposal(community, status="open") for _ in range(3))
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    # Publication, signatures and activity each in a different order from creation.
    for proposal, published, signatures, active in [(first, 2, 10, 1), (second, 3, 5, 3), (third, 1, 40, 2)]:
        proposal.published_at = base + timedelta(days=published)
        proposal.signature_count = proposal.online_count = signatures
        proposal.last_activity_at = base + timedelta(days=active)
    db.session.commit()
    assert _listed(community=community, sort="newest") == [second, first, third]
    assert _listed(community=community, sort="signatures") == [third, first, second]
    assert _listed(community=community, sort="active") == [second, third, first]


def test_ties_are_broken_newest_first(app, db):
    community = make_community()
    first, second = make_proposal(community, status="open"), make_proposal(community, status="open")
    second.signature_count = first.signature_count = second.online_count = first.online_count = 3
    db.session.commit()
    assert _listed(community=community, sort="signatures") == [second, first]


# Similar demands ---------------------------------------------------------------------------------

@pytest.fixture
def roof(app, db):
    """An open demand about the school roof, and others around it."""
    community = make_community()
    roof = make_proposal(community, status="open", title="إصلاحُ سَقْفِ المدرسة")
    make_proposal(community, status="open", title="تنظيف الحديقة العامة")
    make_proposal(community, status="open", title="بناء مستشفى في القرية")
    return community, roof


@pytest.mark.parametrize("typed", [
    "إصلاح سقف المدرسة",  # the same words, no tashkeel
    "اصلاح سقف مدرسه",  # bare alef, haa for taa marbuta, no article
    "أصلاح سقف المدرسة",  # wrong hamza
    "إصلاح سـقـف المـدرسـة",  # tatweel
    "إصلاح سقف للمدرسة",  # joined preposition and article
    "وإصلاح سقف مدرسة",  # joined conjunction
    "سقف المدرسة",  # part of the title
])
def test_similar_finds_a_demand_spelled_differently(roof, typed):
    community, wanted = roof
    assert services.similar(community, typed)[0] == wanted


@pytest.mark.parametrize("typed", ["بناء مستشفي في القريه", "مستشفى القرية", "المستشفي"])
def test_similar_folds_alef_maqsura_and_yaa(roof, typed):
    community, _ = roof
    assert [p.title for p in services.similar(community, typed)][:1] == ["بناء مستشفى في القرية"]


@pytest.mark.parametrize("typed", ["انارة الشارع الرئيسي", "توزيع الخبز", "ab"])
def test_similar_leaves_out_unrelated_demands(roof, typed):
    community, _ = roof
    assert services.similar(community, typed) == []


def test_similar_leaves_out_private_and_closed_demands_and_other_communities(app, db):
    community = make_community()
    title = "إصلاح سقف المدرسة"
    for status in ("draft", "in_review", "changes_requested", "rejected", "hidden", "merged", "withdrawn",
                   "resolved"):
        make_proposal(community, status=status, title=title)
    make_proposal(status="open", title=title)
    assert services.similar(community, title) == []
    public = make_proposal(community, status="voting", title=title)
    assert services.similar(community, title) == [public]


def test_similar_leaves_out_the_demand_itself(roof):
    community, wanted = roof
    assert services.similar(community, wanted.title, exclude_id=wanted.id) == []
    twin = make_proposal(community, status="open", title="إصلاح سقف مدرسة القرية")
    assert services.similar(community, wanted.title, exclude_id=wanted.id) == [twin]


def test_similar_returns_the_best_matches_first_up_to_the_limit(app, db):
    community = make_community()
    close = make_proposal(community, status="open", title="إصلاح سقف المدرسة")
    looser = make_proposal(community, status="open", title="إصلاح باب المدرسة الخلفي")
    for n in range(6):
        make_proposal(community, status="open", title=f"إصلاح سقف المدرسة {n}")
    found = services.similar(community, "إصلاح سقف المدرسة", limit=3)
    assert len(found) == 3 and found[0] == close and looser not in found
    assert close in services.similar(community, "اصلاح سقف مدرسه")


def test_advancing_through_the_services_updates_activity_time(app, db):
    with freeze_time("2026-03-01") as clock:
        proposal = make_proposal(status="in_review")
        clock.tick(timedelta(days=2))
        advance_proposal(proposal, "publish")
        assert proposal.last_activity_at == datetime(2026, 3, 3, tzinfo=timezone.utc)
