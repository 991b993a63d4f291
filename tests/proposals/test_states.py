"""The lifecycle table of a demand: its named sets, every (status, action) pair, and every role."""
import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from civicvoice import permissions
from civicvoice.activity.models import Event
from civicvoice.errors import InvalidInput, InvalidTransition
from civicvoice.proposals import rules as proposal_rules
from civicvoice.proposals import services, states
from tests.factories import (
    advance_proposal,
    council_responder,
    link_council,
    make_admin,
    make_coauthor,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_proposal,
    make_staff,
    make_user,
)

ALLOWED = sorted((action, status) for action, move in states.TRANSITIONS.items() for status in move.sources)
REFUSED = sorted((action, status) for action in states.TRANSITIONS for status in states.STATUSES
                 if (action, status) not in ALLOWED)

# The roles each kind of person holds on the demand of the `people` fixture, as states.py names them.
HOLDS = {
    "anonymous": set(),
    "resident": set(),
    "member": set(),
    "author": {"author"},
    "coauthor": {"author"},
    "invited": set(),
    "committee": {"committee"},
    "other_committee": set(),
    "council_responder": {"council"},
    "council_viewer": set(),
    "other_council_responder": set(),
    "admin": {"committee"},  # site administrators act as committee
}


# Named sets --------------------------------------------------------------------------------------

def test_named_sets_are_consistent():
    statuses = set(states.STATUSES)
    assert len(statuses) == len(states.STATUSES)
    for named in (states.PRIVATE, states.EDITABLE, states.SIGNABLE, states.DELIBERATION, states.PUBLIC,
                  states.ACTIVE_PUBLIC):
        assert named <= statuses
    assert states.EDITABLE <= states.PRIVATE
    assert states.SIGNABLE <= states.PUBLIC
    assert states.ACTIVE_PUBLIC <= states.PUBLIC
    assert states.DELIBERATION <= states.ACTIVE_PUBLIC
    assert not states.PRIVATE & states.PUBLIC
    assert "hidden" not in states.PUBLIC | states.PRIVATE


def test_every_status_has_a_label():
    assert set(states.LABELS) == set(states.STATUSES)
    assert all(str(label) for label in states.LABELS.values())


def test_every_transition_goes_between_known_statuses_by_known_roles():
    for action, move in states.TRANSITIONS.items():
        # Only "unhide" names no target: it goes back where the demand was (one of the statuses it may be hidden from).
        assert move.target in states.STATUSES or (action == "unhide" and move.target is None), action
        assert move.sources and move.sources <= set(states.STATUSES), action
        assert move.target not in move.sources, action
        assert move.roles and move.roles <= {"author", "committee", "council", "system"}, action


def test_the_table_follows_the_documented_lifecycle():
    """draft → in_review → (changes_requested → in_review)* → open → voting → adopted → submitted → acknowledged →
    in_progress → resolved, and the side exits of DESIGN.md."""
    steps = [("draft", "in_review"), ("in_review", "changes_requested"), ("changes_requested", "in_review"),
             ("in_review", "open"), ("in_review", "rejected"), ("open", "voting"), ("voting", "adopted"),
             ("voting", "not_adopted"), ("adopted", "submitted"), ("submitted", "acknowledged"),
             ("acknowledged", "in_progress"), ("in_progress", "resolved"), ("in_progress", "declined"),
             ("open", "withdrawn"), ("open", "merged"), ("open", "hidden")]
    edges = {(status, move.target) for move in states.TRANSITIONS.values() for status in move.sources}
    assert [step for step in steps if step not in edges] == []
    # Nothing public ever goes back to the private statuses.
    assert {(a, b) for a, b in edges if a in states.PUBLIC and b in states.PRIVATE} == set()
    # Rejected and merged demands are final; a hidden one only goes back to where it was (moderation).
    for status in ("rejected", "merged"):
        assert {action for action, move in states.TRANSITIONS.items() if status in move.sources} == set(), status
    assert {action for action, move in states.TRANSITIONS.items() if "hidden" in move.sources} == {"unhide"}
    assert states.HIDEABLE <= states.PUBLIC and "voting" not in states.HIDEABLE


AFTER_PUBLICATION = {"open", "voting", "adopted", "not_adopted", "submitted", "acknowledged", "in_progress",
                     "resolved", "declined", "withdrawn"}
# The table as DESIGN.md and the issue describe it, written out: a change to states.py must change this too.
DOCUMENTED = {
    "submit": ({"draft", "changes_requested"}, "in_review", {"author"}, False),
    "publish": ({"in_review"}, "open", {"committee"}, False),
    "request_changes": ({"in_review"}, "changes_requested", {"committee"}, True),
    "reject": ({"in_review"}, "rejected", {"committee"}, True),
    "withdraw": ({"draft", "in_review", "changes_requested", "open"}, "withdrawn", {"author"}, True),
    "merge": ({"open"}, "merged", {"committee"}, True),
    # Not while the community votes on the text; "system" when enough reports hide it (moderation).
    "hide": (AFTER_PUBLICATION - {"voting"}, "hidden", {"committee", "system"}, True),
    "unhide": ({"hidden"}, None, {"committee", "system"}, True),
    "open_vote": ({"open"}, "voting", {"committee"}, False),
    "adopt": ({"voting"}, "adopted", {"committee", "system"}, False),
    "not_adopt": ({"voting"}, "not_adopted", {"committee", "system"}, False),
    "send_letter": ({"adopted"}, "submitted", {"committee"}, False),
    "acknowledge": ({"submitted"}, "acknowledged", {"council"}, False),
    "start_work": ({"acknowledged"}, "in_progress", {"council"}, False),
    "resolve": ({"acknowledged", "in_progress"}, "resolved", {"council"}, False),
    "decline": ({"submitted", "acknowledged", "in_progress"}, "declined", {"council"}, True),
    "reopen": ({"resolved"}, "in_progress", {"committee", "system"}, True),
}


def test_the_table_is_the_documented_one():
    actual = {action: (set(move.sources), move.target, set(move.roles), move.needs_reason)
              for action, move in states.TRANSITIONS.items()}
    assert actual == DOCUMENTED


def test_transition_returns_the_move_for_every_allowed_pair():
    for action, status in ALLOWED:
        assert states.transition(action, status) is states.TRANSITIONS[action]
        assert states.allowed(action, status)


@pytest.mark.parametrize("status", states.STATUSES)
def test_transition_refuses_every_pair_the_table_does_not_have(status):
    refused = [action for action, source in REFUSED if source == status]
    for action in refused:
        with pytest.raises(InvalidTransition):
            states.transition(action, status)
        assert not states.allowed(action, status)


def test_unknown_actions_are_refused():
    with pytest.raises(InvalidTransition):
        states.transition("delete", "draft")
    assert not states.allowed("delete", "draft")


# Every role × status × action ------------------------------------------------------------------------

@pytest.fixture
def people(app, db):
    community, other = make_community(is_open=False), make_community()
    council, other_council = make_council(), make_council()
    link_council(community, council)
    author = make_member(community)
    proposal = make_proposal(community, author, status="draft", council=council)
    users = {
        "anonymous": AnonymousUserMixin(),
        "resident": make_user(),
        "member": make_member(community),
        "author": author,
        "coauthor": make_coauthor(proposal),
        "invited": make_coauthor(proposal, accept=False),
        "committee": make_committee(community),
        "other_committee": make_committee(other),
        "council_responder": make_staff(council, role="responder"),
        "council_viewer": make_staff(council, role="viewer"),
        "other_council_responder": make_staff(other_council, role="responder"),
        "admin": make_admin(),
    }
    return {"users": users, "proposal": proposal}


@pytest.mark.parametrize("role", HOLDS)
def test_roles_on_a_demand(people, role):
    assert proposal_rules.proposal_roles(people["users"][role], people["proposal"]) == HOLDS[role]


@pytest.mark.parametrize("role", HOLDS)
def test_who_may_apply_each_action_from_each_status(people, role):
    """The predicate answers exactly what the table says: the action leaves this status and the role is listed."""
    user, proposal = people["users"][role], people["proposal"]
    wrong = []
    for status in states.STATUSES:
        proposal.status = status
        for action, move in states.TRANSITIONS.items():
            expected = status in move.sources and bool(HOLDS[role] & move.roles)
            if permissions.REGISTRY["transition_proposal"](user, proposal, action) is not expected:
                wrong.append((status, action))
    assert wrong == []


def test_the_walk_grants_something_to_each_acting_role(people):
    """Guards the walk above: authors, committee, admins and the council each have moves somewhere."""
    proposal = people["proposal"]
    for role, status, action in [("author", "draft", "submit"), ("coauthor", "changes_requested", "submit"),
                                 ("author", "open", "withdraw"), ("committee", "in_review", "publish"),
                                 ("admin", "voting", "adopt"), ("council_responder", "submitted", "acknowledge")]:
        proposal.status = status
        assert permissions.REGISTRY["transition_proposal"](people["users"][role], proposal, action), (role, action)
    proposal.status = "in_review"
    assert not permissions.REGISTRY["transition_proposal"](people["users"]["author"], proposal, "publish")
    assert not permissions.REGISTRY["transition_proposal"](people["users"]["committee"], proposal, "submit")


# Through the services -------------------------------------------------------------------------------

def _actor_for(proposal, action):
    """Someone holding one of the roles the table allows for `action` on this demand."""
    roles = states.TRANSITIONS[action].roles
    if "author" in roles:
        return proposal.author
    if "committee" in roles:
        return make_committee(proposal.community)
    return council_responder(proposal.council)


@pytest.mark.parametrize(("action", "status"), ALLOWED)
def test_every_allowed_move_works_through_the_services(app, db, action, status):
    proposal = make_proposal(status=status)
    actor = _actor_for(proposal, action)
    assert permissions.REGISTRY["transition_proposal"](actor, proposal, action)

    advance_proposal(proposal, action, actor, reason="سبب واضح")

    # "unhide" goes back to where the demand was: factories hide open demands.
    assert proposal.status == (states.TRANSITIONS[action].target or "open")
    event = db.session.scalars(select(Event).where(Event.subject_type == "proposals", Event.subject_id == proposal.id)
                               .order_by(Event.id.desc())).first()
    assert event.verb == f"proposal.{action}"
    assert event.actor_id == actor.id
    assert event.data["before"] == status and event.data["after"] == proposal.status
    if states.TRANSITIONS[action].needs_reason:
        assert event.data["reason"] == "سبب واضح"


@pytest.mark.parametrize("status", states.STATUSES)
def test_every_other_move_is_refused_by_the_services(app, db, status):
    proposal = make_proposal(status=status)
    chair = make_committee(proposal.community)
    events = db.session.query(Event).count()
    for action, source in REFUSED:
        if source != status:
            continue
        with pytest.raises(InvalidTransition):
            services._move(chair, proposal, action, "سبب")
        assert proposal.status == status, action
    assert db.session.query(Event).count() == events


@pytest.mark.parametrize("action", sorted(a for a, move in states.TRANSITIONS.items() if move.needs_reason))
def test_moves_that_need_a_reason_refuse_a_blank_one(app, db, action):
    source = sorted(states.TRANSITIONS[action].sources)[0]
    proposal = make_proposal(status=source)
    with pytest.raises(InvalidInput):
        services._move(make_committee(proposal.community), proposal, action, "   ")
    assert proposal.status == source
