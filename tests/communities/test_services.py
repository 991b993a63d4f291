import pytest
from sqlalchemy import select

from civicvoice.activity.models import Event, Notification
from civicvoice.communities import services
from civicvoice.communities.models import Membership
from civicvoice.errors import Conflict, InvalidInput
from tests.factories import (make_committee, make_community, make_council, make_member, make_pending,
                             make_user)


def test_create_community_normalises_slug_and_code(app, db):
    community = services.create_community(None, name=" حي الميدان ", slug="Al-Midan", code="mdn")
    assert (community.name, community.slug, community.code) == ("حي الميدان", "al-midan", "MDN")
    assert db.session.scalar(select(Event.verb).where(Event.subject_id == community.id)) == "community.created"


def test_slug_and_code_are_unique(app, db):
    make_community(slug="al-midan", code="MDN")
    with pytest.raises(Conflict):
        services.create_community(None, name="x", slug="al-midan", code="NEW")
    with pytest.raises(Conflict):
        services.create_community(None, name="x", slug="other", code="mdn")


def test_join_an_open_community_at_once(app, db):
    community = make_community(is_open=True)
    user = make_user()
    membership = services.join(user, community)
    assert (membership.status, membership.role) == ("active", "member")
    assert services.member_count(community) == 1


def test_join_twice_is_a_conflict_not_a_crash(app, db):
    community = make_community()
    user = make_member(community)
    with pytest.raises(Conflict):
        services.join(user, community)
    db.session.rollback()
    assert db.session.query(Membership).count() == 1


def test_ask_to_join_a_closed_community_notifies_the_committee(app, db):
    community = make_community(is_open=False)
    committee = make_committee(community)
    user = make_user(name="ليلى")
    membership = services.join(user, community)
    db.session.commit()
    assert membership.status == "pending"
    assert services.member_count(community) == 1  # only the committee member counts
    verbs = [n.event.verb for n in db.session.scalars(
        select(Notification).where(Notification.recipient_id == committee.id))]
    assert "membership.requested" in verbs


def test_committee_approves_a_request(app, db):
    community = make_community(is_open=False)
    committee = make_committee(community)
    user = make_pending(community)
    membership = services.membership(community, user)
    services.approve_request(committee, membership)
    assert membership.status == "active" and membership.joined_at is not None
    assert db.session.scalar(select(Notification).where(Notification.recipient_id == user.id)).event.verb == \
        "membership.approved"
    with pytest.raises(Conflict):
        services.approve_request(committee, membership)


def test_committee_declines_a_request(app, db):
    community = make_community(is_open=False)
    committee = make_committee(community)
    user = make_pending(community)
    services.decline_request(committee, services.membership(community, user))
    assert services.membership(community, user) is None
    assert db.session.scalar(select(Notification).where(Notification.recipient_id == user.id)).event.verb == \
        "membership.declined"


def test_leave_and_withdraw_a_request(app, db):
    community = make_community()
    user = make_member(community)
    services.leave(user, community)
    assert services.membership(community, user) is None
    closed = make_community(is_open=False)
    pending = make_pending(closed)
    services.leave(pending, closed)
    assert services.membership(closed, pending) is None
    with pytest.raises(Conflict):
        services.leave(user, community)


def test_the_last_committee_member_cannot_leave(app, db):
    community = make_community()
    chair = make_committee(community)
    with pytest.raises(Conflict):
        services.leave(chair, community)
    make_committee(community)
    services.leave(chair, community)


def test_appoint_and_remove_committee_members(app, db):
    community = make_community()
    chair = make_committee(community)
    member = make_member(community)
    services.appoint_committee(chair, community, member)
    assert {m.user_id for m in services.committee(community)} == {chair.id, member.id}
    with pytest.raises(Conflict):
        services.appoint_committee(chair, community, member)
    services.remove_committee(chair, community, member)
    assert [m.user_id for m in services.committee(community)] == [chair.id]
    with pytest.raises(Conflict):
        services.remove_committee(chair, community, chair)  # a community keeps one committee member


def test_only_members_can_be_appointed(app, db):
    community = make_community()
    chair = make_committee(community)
    with pytest.raises(InvalidInput):
        services.appoint_committee(chair, community, make_user())
    with pytest.raises(InvalidInput):
        services.appoint_committee(chair, community, make_pending(make_community(is_open=False)))


def test_site_admin_appoints_a_first_committee_member(app, db):
    community = make_community(is_open=False)
    user = make_user()
    services.appoint_first_committee(None, community, user)
    membership = services.membership(community, user)
    assert (membership.role, membership.status) == ("committee", "active")


def test_verify_in_person_records_who_and_when(app, db):
    community = make_community()
    chair = make_committee(community)
    member = make_member(community)
    services.verify_in_person(chair, community, member)
    assert member.identity_level == "in_person"
    assert member.verified_in_person_by_id == chair.id and member.verified_in_person_at is not None
    with pytest.raises(Conflict):
        services.verify_in_person(chair, community, member)


def test_centres_and_councils(app, db):
    community = make_community()
    centre = services.add_centre(None, community, name="منارة الميدان", address="شارع الميدان",
                                 opening_hours="9:00 – 15:00", phone="011 123")
    services.update_centre(None, centre, name="منارة", address="x", opening_hours="y", phone="")
    assert (centre.name, centre.phone) == ("منارة", None)
    first, second = make_council(name="ب"), make_council(name="أ")
    services.link_councils(None, community, [first, second])
    db.session.commit()
    assert [c.name for c in community.councils] == ["أ", "ب"]
    services.link_councils(None, community, [first])
    assert community.councils == [first]


def test_member_counts_per_page_in_one_query(app, db, count_queries):
    communities = [make_community() for _ in range(3)]
    for i, community in enumerate(communities):
        for _ in range(i):
            make_member(community)
    make_pending(make_community(is_open=False))
    for community in communities:
        db.session.refresh(community)
    with count_queries() as queries:
        counts = services.member_counts(communities)
    assert len(queries) == 1
    assert [counts.get(c.id, 0) for c in communities] == [0, 1, 2]
