import pytest

from civicvoice.communities import services
from civicvoice.communities.models import Community
from tests.factories import (make_admin, make_centre, make_committee, make_community, make_council, make_member,
                             make_pending, make_user)


def test_home_lists_communities_with_member_counts(client):
    community = make_community("حي الميدان")
    make_member(community)
    make_member(community)
    page = client.get("/").get_data(as_text=True)
    assert "حي الميدان" in page
    assert "عضوان" in page  # Arabic dual: "two members"


def test_home_list_has_constant_queries(client, count_queries):
    for _ in range(3):
        make_member(make_community())
    with count_queries() as few:
        client.get("/")
    for _ in range(10):
        make_member(make_community())
    with count_queries() as many:
        client.get("/")
    assert len(many) == len(few)


def test_home_is_paginated(client, app):
    for i in range(app.config["PER_PAGE"] + 2):
        make_community(f"حي {i:02d}")
    first = client.get("/").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second


def test_community_page_shows_centres_committee_and_count(client):
    community = make_community("قرية عين الفيجة", description="وادي بردى")
    make_centre(community, name="منارة عين الفيجة", address="ساحة القرية", opening_hours="السبت 10:00",
                phone="+963 11 123 4567")
    make_committee(community, make_user(name="سلمى"))
    make_council(name="مجلس المحافظة")
    page = client.get(f"/communities/{community.slug}").get_data(as_text=True)
    for text in ("قرية عين الفيجة", "وادي بردى", "منارة عين الفيجة", "ساحة القرية", "السبت 10:00", "سلمى"):
        assert text in page
    assert '<bdi dir="ltr">+963 11 123 4567</bdi>' in page


def test_unknown_community_is_404(client):
    assert client.get("/communities/nowhere").status_code == 404


def test_join_an_open_community_in_one_click(client, login_as):
    community = make_community(is_open=True)
    user = make_user()
    login_as(user)
    response = client.post(f"/communities/{community.slug}/join")
    assert response.status_code == 303
    assert services.membership(community, user).status == "active"
    assert f"/communities/{community.slug}/leave" in client.get(f"/communities/{community.slug}").get_data(
        as_text=True)


def test_join_with_htmx_returns_the_membership_fragment(client, login_as):
    community = make_community()
    login_as(make_user())
    response = client.post(f"/communities/{community.slug}/join", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.lstrip().startswith("<section id=\"membership\"") and "<html" not in page
    assert "HX-Request" in response.headers["Vary"]


def test_ask_to_join_a_closed_community_then_approval(client, login_as, db):
    community = make_community(is_open=False)
    chair = make_committee(community)
    user = make_user(name="ليلى")
    login_as(user)
    client.post(f"/communities/{community.slug}/join")
    assert services.membership(community, user).status == "pending"
    login_as(chair)
    members_page = client.get(f"/communities/{community.slug}/members").get_data(as_text=True)
    assert "ليلى" in members_page
    membership_id = services.membership(community, user).id
    response = client.post(f"/communities/{community.slug}/requests/{membership_id}/approve")
    assert response.status_code == 303
    db.session.rollback()
    assert services.membership(community, user).status == "active"


def test_decline_a_request(client, login_as, db):
    community = make_community(is_open=False)
    chair = make_committee(community)
    user = make_pending(community)
    login_as(chair)
    membership_id = services.membership(community, user).id
    client.post(f"/communities/{community.slug}/requests/{membership_id}/decline")
    db.session.rollback()
    assert services.membership(community, user) is None


def test_joining_twice_is_a_409_page_not_a_500(client, login_as):
    community = make_community()
    user = make_member(community)
    login_as(user)
    # The button is gone, but a stale page can still post.
    response = client.post(f"/communities/{community.slug}/join")
    assert response.status_code == 403


def test_leave(client, login_as, db):
    community = make_community()
    make_committee(community)
    user = make_member(community)
    login_as(user)
    assert client.post(f"/communities/{community.slug}/leave").status_code == 303
    db.session.rollback()
    assert services.membership(community, user) is None


def test_last_committee_member_leaving_gets_a_clear_409(client, login_as):
    community = make_community()
    chair = make_committee(community)
    login_as(chair)
    response = client.post(f"/communities/{community.slug}/leave")
    assert response.status_code == 409
    assert "لجنة" in response.get_data(as_text=True)


def test_committee_appoints_removes_and_verifies(client, login_as, db):
    community = make_community()
    chair = make_committee(community)
    member = make_member(community)
    login_as(chair)
    assert client.post(f"/communities/{community.slug}/members/{member.id}/committee").status_code == 303
    db.session.rollback()
    assert services.membership(community, member).role == "committee"
    assert client.post(f"/communities/{community.slug}/members/{member.id}/committee/remove").status_code == 303
    assert client.post(f"/communities/{community.slug}/members/{member.id}/verify").status_code == 303
    db.session.rollback()
    assert services.membership(community, member).role == "member"
    assert db.session.get(type(member), member.id).identity_level == "in_person"


def test_committee_cannot_act_on_another_communitys_members(client, login_as):
    community, other = make_community(), make_community()
    chair = make_committee(community)
    outsider = make_member(other)
    login_as(chair)
    assert client.post(f"/communities/{community.slug}/members/{outsider.id}/verify").status_code == 404
    assert client.post(f"/communities/{other.slug}/members/{outsider.id}/verify").status_code == 403


def test_admin_creates_a_community_and_appoints_its_committee(client, login_as, db):
    login_as(make_admin())
    response = client.post("/admin/communities/new", data={
        "name": "حي الميدان", "slug": "al-midan", "code": "mdn", "description": "", "is_open": "y",
        "timezone": "Asia/Damascus"})
    assert response.status_code == 303 and response.headers["Location"] == "/communities/al-midan"
    future_chair = make_user(email="salma@example.org")
    client.post("/communities/al-midan/committee", data={"email": "salma@example.org"})
    db.session.rollback()
    community = services.by_slug("al-midan")
    assert community.code == "MDN"
    assert services.membership(community, future_chair).role == "committee"


def test_community_form_errors_are_shown_and_input_kept(client, login_as):
    make_community(slug="taken", code="TKN")
    login_as(make_admin())
    response = client.post("/admin/communities/new", data={
        "name": "حي", "slug": "Not A Slug!", "code": "", "timezone": "Mars/Olympus"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Not A Slug!"' in page and page.count('class="error-message"') == 3
    duplicate = client.post("/admin/communities/new", data={
        "name": "حي", "slug": "taken", "code": "NEW", "timezone": "Asia/Damascus"})
    assert duplicate.status_code == 409


def test_centres_and_council_links_through_views(client, login_as, db):
    community = make_community()
    council = make_council(name="مجلس مدينة دمشق")
    login_as(make_admin())
    response = client.post(f"/communities/{community.slug}/centres/new", data={
        "name": "منارة الميدان", "address": "شارع الميدان", "opening_hours": "9-3", "phone": "٠١١ ١٢٣"})
    assert response.status_code == 303
    assert client.post(f"/communities/{community.slug}/councils",
                       data={"councils": [str(council.id)]}).status_code == 303
    bad = client.post(f"/communities/{community.slug}/councils", data={"councils": ["999999"]})
    assert bad.status_code == 200 and 'class="error-message"' in bad.get_data(as_text=True)
    db.session.rollback()
    community = db.session.get(Community, community.id)
    assert community.centres[0].phone == "011 123"
    assert community.councils == [council]


def test_committee_edits_its_community_and_centres(client, login_as, db):
    community = make_community()
    centre = make_centre(community)
    login_as(make_committee(community))
    assert client.post(f"/communities/{community.slug}/edit", data={
        "name": "اسم جديد", "description": "وصف", "timezone": "Asia/Damascus", "signature_goal": "120",
        "review_due_days": "5", "review_overdue_days": "10"}).status_code == 303
    assert client.post(f"/communities/{community.slug}/centres/{centre.id}/edit", data={
        "name": "منارة جديدة", "address": "", "opening_hours": "", "phone": ""}).status_code == 303
    db.session.rollback()
    community = db.session.get(Community, community.id)
    assert (community.name, community.is_open, community.centres[0].name) == ("اسم جديد", False, "منارة جديدة")
    assert (community.signature_goal, community.review_due_days, community.review_overdue_days) == (120, 5, 10)


def test_review_overdue_must_follow_due(client, login_as):
    community = make_community()
    login_as(make_committee(community))
    response = client.post(f"/communities/{community.slug}/edit", data={
        "name": "حي", "timezone": "Asia/Damascus", "signature_goal": "50", "review_due_days": "10",
        "review_overdue_days": "5"})
    assert response.status_code == 200 and 'class="error-message"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/communities/{slug}", "/communities/{slug}/members"])
def test_community_pages_in_english(client, login_as, path):
    community = make_community()
    login_as(make_committee(community, make_user(locale="en")))
    page = client.get(path.format(slug=community.slug)).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page


def test_members_page_has_constant_queries(client, login_as, count_queries):
    community = make_community()
    login_as(make_committee(community))
    make_member(community)
    with count_queries() as few:
        client.get(f"/communities/{community.slug}/members")
    for _ in range(8):
        make_member(community)
    with count_queries() as many:
        client.get(f"/communities/{community.slug}/members")
    assert len(many) == len(few)
