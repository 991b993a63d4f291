"""Roles end with the next request (SECURITY.md 7.4.2, ASVS 7.4.2): a committee member taken off the committee, or a
council staffer taken off the council's staff, while signed in, is refused the committee's or the council's pages
and actions on the very next request of the same session (roles are read from the database on each request, never
kept in the session).

The pages are those routes.ACCESS opens to the role and to no one outside it: every committee-only GET rule of the
security world, and every GET rule that only the council's staff (and site admins) reach.
"""
import pytest

from civicvoice.communities.services import appoint_committee, remove_committee
from civicvoice.council.services import remove_staff, staff_membership
from tests.factories import make_member, make_user

from .routes import ACCESS, COMMITTEE, build, get_case, post_case, quick_pdfs, rule_id, rules

# Committee pages about the admin's draft, which `second` sees as its invited co-author: not the committee's.
DRAFT_PAGES = {"proposals.revisions", "proposals.compare", "proposals.attachment"}
COMMITTEE_PAGES = [case for case in rules("GET")
                   if ACCESS.get(case[0]) == COMMITTEE and case[0] not in DRAFT_PAGES]
# What the council's staff reach and no one outside the council and the committee does.
COUNCIL_PAGES = [case for case in rules("GET")
                 if "staff" in ACCESS.get(case[0], ()) and not {"resident", "member", "other_staff"}
                 & ACCESS.get(case[0], set())]


def _statuses(app, client, world, cases) -> dict:
    answers = {}
    with quick_pdfs():
        for case in cases:
            endpoint, _rule, fixed = case
            with client.get(build(app, endpoint, get_case(world, endpoint, fixed))) as response:
                answers[rule_id(case)] = response.status_code
    return answers


def _post(app, client, world, endpoint):
    values, data = post_case(world, endpoint, {})
    return client.post(build(app, endpoint, values), data=data)


def test_the_pages_checked_are_the_committees_and_the_councils():
    """The control of the lists: they hold the pages that matter (an empty list would prove nothing)."""
    committee = {case[0] for case in COMMITTEE_PAGES}
    assert {"communities.members", "moderation.queue", "proposals.review_queue", "dashboard.show",
            "signatures.signers_csv", "volunteers.signups_csv", "letters.show"} <= committee
    assert {case[0] for case in COUNCIL_PAGES} == {
        "council.inbox", "council.letter", "council.staff", "council.check_photo", "letters.download",
        "letters.printable", "letters.receipt", "letters.version_pdf"}


def test_a_committee_member_removed_while_signed_in_is_refused_at_the_next_request(app, client, login_as, world,
                                                                                     snapshot):
    user = make_member(world.alpha, make_user(name="عضوة لجنة"))
    appoint_committee(world.admin, world.alpha, user)
    login_as(user)
    before = _statuses(app, client, world, COMMITTEE_PAGES)
    assert set(before.values()) == {200}, before  # the control: each page is theirs while on the committee
    members_page = f"/communities/{world.alpha.slug}/members"
    with client.get(members_page) as response:
        assert world.pending.display_name in response.get_data(as_text=True)  # who asked to join

    remove_committee(world.admin, world.alpha, user)

    after = _statuses(app, client, world, COMMITTEE_PAGES)
    assert {rule: status for rule, status in after.items() if status not in (403, 404)} == {}
    rows = snapshot()
    for endpoint in ("proposals.publish", "communities.verify_in_person", "moderation.block", "letters.create"):
        assert _post(app, client, world, endpoint).status_code in (403, 404), endpoint
    assert snapshot() == rows
    with client.get(members_page) as response:
        assert response.status_code == 403
        assert world.pending.display_name not in response.get_data(as_text=True)


def test_a_council_staffer_removed_while_signed_in_is_refused_at_the_next_request(app, client, login_as, world,
                                                                                    snapshot):
    login_as(world.staffer)
    before = _statuses(app, client, world, COUNCIL_PAGES)
    assert set(before.values()) == {200}, before
    assert client.get("/council/inbox").status_code == 303

    remove_staff(world.admin, staff_membership(world.staffer))

    after = _statuses(app, client, world, COUNCIL_PAGES)
    assert {rule: status for rule, status in after.items() if status not in (403, 404)} == {}
    assert client.get("/council/inbox").status_code == 404
    rows = snapshot()
    for endpoint in ("council.acknowledge", "council.answer", "council.progress", "council.staff"):
        assert _post(app, client, world, endpoint).status_code in (403, 404), endpoint
    assert snapshot() == rows


@pytest.mark.parametrize("role", ["committee", "staff"])
def test_the_removed_keep_their_session_but_not_the_role(app, client, login_as, world, role):
    """What is taken away is the role, not the account: the same session still reaches its own pages."""
    user = world.second if role == "committee" else world.staffer
    role_page = (f"/communities/{world.alpha.slug}/edit" if role == "committee"
                 else f"/councils/{world.council.id}/inbox")
    login_as(user)
    assert client.get(role_page).status_code == 200
    if role == "committee":
        remove_committee(world.admin, world.alpha, user)
    else:
        remove_staff(world.admin, staff_membership(user))
    assert client.get(role_page).status_code in (403, 404)
    assert client.get("/notifications").status_code == 200
