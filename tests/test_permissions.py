"""Role × action matrix for everything the Foundation gates. Any new predicate must be added here."""
import inspect

import pytest
from flask_login import AnonymousUserMixin

from civicvoice import permissions
from civicvoice.communities import services as communities
from tests.factories import (make_admin, make_committee, make_community, make_council, make_member, make_pending,
                             make_staff, make_user)

ROLES = ["anonymous", "unverified", "resident", "pending", "member", "committee", "other_committee",
         "council_viewer", "council_responder", "other_council_staff", "admin", "deleted"]

EVERYONE_SIGNED_IN = {"unverified", "resident", "pending", "member", "committee", "other_committee",
                      "council_viewer", "council_responder", "other_council_staff", "admin"}

# predicate -> roles that may (on the community `C` / council `K` of the fixture)
MATRIX = {
    "can_view_notifications": EVERYONE_SIGNED_IN,
    "can_administer_site": {"admin"},
    "can_create_community": {"admin"},
    "can_create_council": {"admin"},
    "can_edit_council": {"admin"},
    "can_link_councils": {"admin"},
    "can_appoint_anyone": {"admin"},
    "can_join_community": EVERYONE_SIGNED_IN - {"pending", "member", "committee"},
    "can_leave_community": {"pending", "member", "committee"},
    "can_edit_community": {"committee", "admin"},
    "can_manage_centres": {"committee", "admin"},
    "can_review_membership_requests": {"committee", "admin"},
    "can_view_member_list": {"committee", "admin"},
    "can_appoint_committee": {"committee", "admin"},
    "can_verify_in_person": {"committee", "admin"},
    "can_invite_council_staff": {"council_responder", "admin"},
    "can_view_council_staff": {"council_viewer", "council_responder", "admin"},
}
SELF_PREDICATES = {"can_edit_profile", "can_delete_account"}


@pytest.fixture
def world(app, db):
    community, other = make_community(is_open=False), make_community()
    council, other_council = make_council(), make_council()
    deleted = make_member(community)
    deleted.deleted_at = deleted.created_at
    users = {
        "anonymous": AnonymousUserMixin(),
        "unverified": make_user(verified=False),
        "resident": make_user(),
        "pending": make_pending(community),
        "member": make_member(community),
        "committee": make_committee(community),
        "other_committee": make_committee(other),
        "council_viewer": make_staff(council, role="viewer"),
        "council_responder": make_staff(council, role="responder"),
        "other_council_staff": make_staff(other_council, role="responder"),
        "admin": make_admin(),
        "deleted": deleted,
    }
    db.session.commit()
    return {"users": users, "community": community, "council": council}


def _call(name, user, world):
    predicate = getattr(permissions, name)
    params = list(inspect.signature(predicate).parameters)[1:]
    if not params:
        return predicate(user)
    target = world["council"] if "council" in name else world["community"]
    return predicate(user, target)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(world, role):
    wrong = {name: _call(name, world["users"][role], world) for name in MATRIX
             if _call(name, world["users"][role], world) is not (role in MATRIX[name])}
    assert wrong == {}


def test_every_predicate_is_in_the_matrix():
    predicates = {name for name, _ in inspect.getmembers(permissions, inspect.isfunction) if name.startswith("can_")}
    assert predicates == set(MATRIX) | SELF_PREDICATES


@pytest.mark.parametrize("role", ROLES)
def test_people_edit_and_delete_only_their_own_account(world, role):
    user, other = world["users"][role], world["users"]["resident"]
    own = role not in ("anonymous", "deleted")
    assert permissions.can_edit_profile(user, user) is own
    assert permissions.can_delete_account(user, user) is own
    if role != "resident":
        assert permissions.can_edit_profile(user, other) is False


def test_verify_in_person_never_oneself_nor_twice_nor_outsiders(world, db):
    chair, member = world["users"]["committee"], world["users"]["member"]
    community = world["community"]
    assert permissions.can_verify_in_person(chair, community, communities.membership(community, member))
    assert not permissions.can_verify_in_person(chair, community, communities.membership(community, chair))
    pending = communities.membership(community, world["users"]["pending"])
    assert not permissions.can_verify_in_person(chair, community, pending)
    communities.verify_in_person(chair, community, member)
    assert not permissions.can_verify_in_person(chair, community, communities.membership(community, member))


def test_require_sends_visitors_to_sign_in_and_refuses_others(client, login_as):
    community = make_community()
    response = client.get(f"/communities/{community.slug}/members")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(make_member(community))
    assert client.get(f"/communities/{community.slug}/members").status_code == 403


def test_permission_answers_follow_changes_within_a_request(app, db):
    """Answers are remembered per request, but never across a write (the memo empties on flush)."""
    community = make_community()
    user = make_user()
    with app.test_request_context():
        assert permissions.can_join_community(user, community)
        communities.join(user, community)
        assert not permissions.can_join_community(user, community)
        assert permissions.can_leave_community(user, community)
