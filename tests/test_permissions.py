"""Role × action matrix for everything the application gates. Any new predicate must be added here.

Community and council predicates are asked about the community `C` / council `K` of the fixture; demand predicates
about its demand `P` (of `C`, addressed to `K`), put in each state the matrix lists. Argument and amendment
predicates are asked about one of P's arguments or amendments, P being in a state: the case "open:question" is
P open and its question (see `world`). Meeting predicates are asked about one of C's meetings, named by the case;
vote predicates about one of C's votes, named by the case (see POLLS); letter predicates about the letter of one
of C's adopted demands (addressed to `K`), named by the case (see LETTERS and COUNCIL_LETTERS); volunteering
predicates about one of C's opportunities, sign-ups, offers, feedback or profiles, named by the case (see
OPPORTUNITIES, SIGNUPS and the lines of the matrix).
"""
import importlib.util
import inspect
import pkgutil
from datetime import date, timedelta
from unittest import mock

import pytest
from flask import current_app
from flask_login import AnonymousUserMixin

import civicvoice
from civicvoice import permissions
from civicvoice.accounts import rules as account_rules
from civicvoice.accounts.models import UserSession
from civicvoice.communities import services as communities
from civicvoice.council import responses
from civicvoice.database import utcnow
from civicvoice.deliberation import amendments
from civicvoice.deliberation import services as deliberation
from civicvoice.extensions import db
from civicvoice.letters import services as letters
from civicvoice.meetings import services as meetings
from civicvoice.moderation.services import hide_argument
from civicvoice.proposals import states
from civicvoice.signatures import services as signatures
from civicvoice.volunteers import feedback as volunteer_feedback
from civicvoice.volunteers import offers as volunteer_offers
from civicvoice.volunteers import opportunities
from civicvoice.voting import services as voting
from tests.factories import (
    link_council,
    make_admin,
    make_adopted,
    make_centre,
    make_coauthor,
    make_committee,
    make_community,
    make_council,
    make_letter,
    make_meeting,
    make_member,
    make_opportunity,
    make_partner,
    make_pending,
    make_profile,
    make_proposal,
    make_signup,
    make_staff,
    make_user,
)
from tests.images import build_image, restore

# Every package's rules.py (the registry fills as they are imported).
RULES_MODULES = [importlib.import_module(f"civicvoice.{package.name}.rules")
                 for package in pkgutil.iter_modules(civicvoice.__path__) if package.ispkg
                 and importlib.util.find_spec(f"civicvoice.{package.name}.rules") is not None]

ROLES = ["anonymous", "unverified", "resident", "pending", "member", "signer", "author", "coauthor", "invited",
         "committee", "other_committee", "council_viewer", "council_responder", "other_council_staff", "admin",
         "deleted", "partner", "other_partner"]

# Members of `C`: "author" wrote `P`, "coauthor" accepted to write it with them, "invited" has not answered yet,
# "signer" co-signed `P` (online, confirmed) and did nothing else; "member" did not sign it.
MEMBERS = {"member", "signer", "author", "coauthor", "invited"}
# "partner" is a partner organisation's coordinator the committee of C added (not a member of C); "other_partner"
# one of another community.
EVERYONE_SIGNED_IN = {"unverified", "resident", "pending", "committee", "other_committee",
                      "council_viewer", "council_responder", "other_council_staff", "admin",
                      "partner", "other_partner"} | MEMBERS
EVERYONE = EVERYONE_SIGNED_IN | {"anonymous", "deleted"}
AUTHORS = {"author", "coauthor"}
REVIEWERS = {"committee", "admin"}
# Active members of `C`: the committee is one, the site admin is not.
ACTIVE_MEMBERS = MEMBERS | {"committee"}
NOBODY = set()
# Demand states: a status, or a status with how the demand got there.
PUBLIC_CASES = ["open", "voting", "adopted", "not_adopted", "submitted", "acknowledged", "in_progress", "resolved",
                "declined", "withdrawn", "merged"]
PRIVATE_CASES = ["draft", "in_review", "changes_requested", "rejected", "withdrawn_draft", "hidden"]
ALL_CASES = PUBLIC_CASES + PRIVATE_CASES
INVITABLE_CASES = {"draft", "in_review", "changes_requested"}
# The argument or amendment of `P` a case names after its state ("open:hidden"); without a name, the first one.
# Arguments are written by "member": a plain one "for", a "question", a "reply" to it, one "hidden" by the
# committee, one "deleted" by its author, and an "old" one whose edit window is over.
ARGUMENTS = ("for", "question", "reply", "hidden", "deleted", "old")
# Amendments are proposed by "member": one still "proposed", one "declined" by the author, one "withdrawn".
AMENDMENTS = ("proposed", "declined", "withdrawn")
# Meetings of `C`, scheduled by "committee": coming, running now, over, and cancelled before it started.
MEETINGS = ("upcoming", "started", "ended", "cancelled")
# Votes of `C` (priority ballots on two more demands of C, opened by "committee"), the electorate being C's active
# members when each opened: "open", nobody voted yet; "voted", "member" voted, "author" gave a proxy to
# "coauthor", "invited" one to "committee", who used it; "secret", "member" voted and "author" gave a proxy to
# "coauthor"; "verified_only", only members verified in person ("author" alone) may vote; "closed", closed early
# while the proxy "author" gave "coauthor" was still unused.
POLLS = ("open", "voted", "secret", "verified_only", "closed")
OPEN_POLLS = set(POLLS) - {"closed"}
# Letters of three more adopted demands of C addressed to K: "draft", drafted by "committee" (who may not approve
# it: four eyes); "draft_by_other", drafted by another committee member of C; "approved", approved by "committee";
# "sent", delivered by hand to K (K's staff see it from then on); "reedited", approved, then changed by "committee"
# (a new version, drafted by them, to approve again).
LETTERS = ("draft", "draft_by_other", "approved", "sent", "reedited")
UNSENT_LETTERS = set(LETTERS) - {"sent"}
# What the council did with the letters of more adopted demands of C sent to K ("sent" above is one it has not
# touched yet), through council/responses.py by "council_responder": "acknowledged"; "answered" (accepted, the
# demand still acknowledged); "scheduled" (accepted, then work scheduled: in progress); "referred" and "declined"
# (answered so); "resolved" (accepted, then reported resolved); and "to_other_council", a letter of C sent to the
# other council (the one "other_council_staff" answers for), untouched.
COUNCIL_LETTERS = ("acknowledged", "answered", "scheduled", "referred", "declined", "resolved", "to_other_council")
COUNCIL_STAFF = {"council_viewer", "council_responder"}
# Opportunities of C at its centre, run by "partner" (and so by the committee) unless named otherwise: "open", nobody
# signed up; "signed_up", "member" awaits confirmation; "confirmed", "member" is confirmed; "invited", "member" is
# invited; "full", its one place taken by "signer"; "started", begun an hour ago, "member" confirmed; "proposed" by
# "member", awaiting approval; "closed" and "cancelled" by the committee; "committee_only", run by the committee
# alone; "ongoing", with no date.
OPPORTUNITIES = ("open", "signed_up", "confirmed", "invited", "full", "started", "proposed", "closed", "cancelled",
                 "committee_only", "ongoing")
# "member"'s sign-ups on opportunities "partner" runs, in the state each name says ("hours": confirmed on one that
# started, 3 hours recorded; "feedback_given": the same, and "member" gave feedback).
SIGNUPS = ("pending", "confirmed", "invited", "withdrawn", "declined", "hours", "feedback_given")
COORDINATORS = {"committee", "partner", "admin"}
OPEN_OPPORTUNITIES = {"open", "signed_up", "confirmed", "invited", "full", "started", "committee_only", "ongoing"}


def _by_case(cases, roles, **exceptions) -> dict:
    return {case: exceptions.get(case, roles) for case in cases}


# predicate -> roles that may (on the community `C` / council `K` of the fixture)
MATRIX = {
    "can_view_notifications": EVERYONE_SIGNED_IN,
    "can_manage_sessions": EVERYONE_SIGNED_IN,
    "can_download_own_data": EVERYONE_SIGNED_IN,
    "can_administer_site": {"admin"},
    "can_create_community": {"admin"},
    "can_create_council": {"admin"},
    "can_edit_council": {"admin"},
    "can_link_councils": {"admin"},
    "can_appoint_anyone": {"admin"},
    "can_join_community": EVERYONE_SIGNED_IN - MEMBERS - {"pending", "committee"},
    "can_leave_community": MEMBERS | {"pending", "committee"},
    "can_edit_community": {"committee", "admin"},
    "can_manage_centres": {"committee", "admin"},
    "can_review_membership_requests": {"committee", "admin"},
    "can_view_member_list": {"committee", "admin"},
    "can_appoint_committee": {"committee", "admin"},
    "can_verify_in_person": {"committee", "admin"},
    "can_invite_council_staff": {"council_responder", "admin"},
    "can_view_council_staff": {"council_viewer", "council_responder", "admin"},
    # Demands: {state of P: roles that may}; can_transition_proposal by "state:action".
    "can_draft_proposal": MEMBERS | {"committee"},
    "can_review_proposals": REVIEWERS,
    "can_view_proposal": {**{case: EVERYONE for case in PUBLIC_CASES},
                          # an invitation lapses once the demand is rejected, withdrawn or hidden
                          **{case: AUTHORS | REVIEWERS | ({"invited"} if case in INVITABLE_CASES else NOBODY)
                             for case in PRIVATE_CASES}},
    "can_edit_proposal": {"draft": AUTHORS, "changes_requested": AUTHORS, "in_review": NOBODY, "open": NOBODY,
                          "rejected": NOBODY},
    "can_invite_coauthor": {"draft": {"author"}, "changes_requested": {"author"}, "in_review": NOBODY,
                            "open": NOBODY},
    "can_answer_coauthor_invitation": {"draft": {"invited"}, "changes_requested": {"invited"},
                                       "in_review": {"invited"}, "rejected": NOBODY, "open": NOBODY},
    # Accepting (not declining): the same people, unless blocked in C (tests/security/test_blocks.py).
    "can_become_coauthor": {"draft": {"invited"}, "changes_requested": {"invited"}, "in_review": {"invited"},
                            "rejected": NOBODY, "open": NOBODY},
    "can_set_signature_goal": {"draft": NOBODY, "in_review": REVIEWERS, "open": REVIEWERS, "voting": NOBODY,
                               "rejected": NOBODY},
    "can_transition_proposal": {
        "draft:submit": AUTHORS, "changes_requested:submit": AUTHORS, "in_review:submit": NOBODY,
        "in_review:publish": REVIEWERS, "in_review:request_changes": REVIEWERS, "in_review:reject": REVIEWERS,
        "open:publish": NOBODY, "draft:withdraw": AUTHORS, "open:withdraw": AUTHORS, "voting:withdraw": NOBODY,
        "open:merge": REVIEWERS, "open:hide": REVIEWERS, "withdrawn:hide": REVIEWERS, "hidden:hide": NOBODY,
        "hidden:unhide": REVIEWERS, "open:unhide": NOBODY,
        "open:open_vote": REVIEWERS, "voting:adopt": REVIEWERS, "voting:not_adopt": REVIEWERS,
        "adopted:send_letter": REVIEWERS, "submitted:acknowledge": {"council_responder"},
        "acknowledged:start_work": {"council_responder"}, "in_progress:resolve": {"council_responder"},
        "submitted:decline": {"council_responder"}, "resolved:reopen": REVIEWERS, "open:acknowledge": NOBODY,
    },
    # Signatures: active members sign open demands only (the site admin is no member of `C`).
    "can_sign_proposal": {"open": MEMBERS | {"committee"}, "draft": NOBODY, "in_review": NOBODY,
                          "voting": NOBODY, "adopted": NOBODY, "withdrawn": NOBODY, "merged": NOBODY,
                          "hidden": NOBODY},
    # Visibility and comment of one's signature (the service answers 409 to whoever has none), while signable.
    "can_change_signature": {"open": EVERYONE_SIGNED_IN, "voting": NOBODY, "adopted": NOBODY, "withdrawn": NOBODY},
    "can_manage_signatures": {"open": REVIEWERS, "voting": REVIEWERS, "adopted": REVIEWERS},
    "can_invalidate_signatures": {"open": REVIEWERS, "voting": NOBODY, "adopted": NOBODY, "withdrawn": NOBODY,
                                  "merged": NOBODY, "hidden": NOBODY, "in_review": NOBODY},
    # Signers' email addresses and phones: never the committee, only site administrators.
    "can_see_private_contact": {"admin"},
    # Arguments: active members, while the demand is alive (questions matter after the vote too).
    "can_argue": {case: ACTIVE_MEMBERS if case in states.ARGUABLE else NOBODY for case in ALL_CASES},
    "can_reply_argument": {"open": ACTIVE_MEMBERS, "in_progress": ACTIVE_MEMBERS, "open:question": ACTIVE_MEMBERS,
                           "open:reply": ACTIVE_MEMBERS, "not_adopted": NOBODY, "resolved": NOBODY,
                           "hidden": NOBODY, "open:hidden": NOBODY, "open:deleted": NOBODY},
    # Anywhere in a question's thread (the reply "open:reply" answers the question).
    "can_answer_as_authors": {"open:question": AUTHORS, "in_progress:question": AUTHORS, "open:reply": AUTHORS,
                              "open": NOBODY, "resolved:question": NOBODY, "hidden:question": NOBODY},
    "can_edit_argument": {"open": {"member"}, "open:reply": {"member"}, "open:old": NOBODY, "open:hidden": NOBODY,
                          "open:deleted": NOBODY},
    "can_delete_argument": {"open": {"member"}, "open:old": {"member"}, "resolved": {"member"},
                            "open:hidden": NOBODY, "open:deleted": NOBODY},
    # Not one's own argument.
    "can_mark_helpful": {"open": ACTIVE_MEMBERS - {"member"}, "voting": ACTIVE_MEMBERS - {"member"},
                         "open:question": ACTIVE_MEMBERS - {"member"}, "resolved": NOBODY, "open:hidden": NOBODY,
                         "open:deleted": NOBODY},
    # Taking one's own mark back: always (the service removes only the person's own mark).
    "can_remove_helpful_mark": {"open": EVERYONE_SIGNED_IN, "resolved": EVERYONE_SIGNED_IN,
                                "open:hidden": EVERYONE_SIGNED_IN},
    "can_moderate_argument": {"open": REVIEWERS, "resolved": REVIEWERS, "hidden": REVIEWERS,
                              "open:hidden": REVIEWERS},
    # Amendments: members who are not its authors propose while the demand is open; the authors decide.
    "can_propose_amendment": {case: ACTIVE_MEMBERS - AUTHORS if case == "open" else NOBODY for case in ALL_CASES},
    "can_take_position_on_amendment": {"open": ACTIVE_MEMBERS - {"member"}, "voting": NOBODY, "withdrawn": NOBODY,
                                       "open:declined": NOBODY, "open:withdrawn": NOBODY},
    "can_decide_amendment": {"open": AUTHORS, "voting": NOBODY, "merged": NOBODY, "open:declined": NOBODY,
                             "open:withdrawn": NOBODY},
    "can_withdraw_amendment": {"open": {"member"}, "voting": {"member"}, "open:declined": NOBODY,
                               "open:withdrawn": NOBODY},
    # Meetings: the committee (and site admins) organise them; members answer until they end.
    "can_schedule_meeting": REVIEWERS,
    "can_edit_meeting": {"upcoming": REVIEWERS, "started": NOBODY, "ended": NOBODY, "cancelled": NOBODY},
    "can_cancel_meeting": {"upcoming": REVIEWERS, "started": NOBODY, "ended": NOBODY, "cancelled": NOBODY},
    "can_rsvp_meeting": {"upcoming": ACTIVE_MEMBERS, "started": ACTIVE_MEMBERS, "ended": NOBODY, "cancelled": NOBODY},
    "can_post_minutes": {"upcoming": NOBODY, "started": REVIEWERS, "ended": REVIEWERS, "cancelled": NOBODY},
    # Votes: the committee opens them (an adoption vote on an open demand) and closes them early; the electors
    # vote, change an open ballot (not a secret one), give and take back proxies; the committee records
    # assisted ballots; members see who voted what unless the vote is secret.
    "can_open_vote": {"open": REVIEWERS, "draft": NOBODY, "in_review": NOBODY, "voting": NOBODY, "adopted": NOBODY,
                      "not_adopted": NOBODY, "hidden": NOBODY},
    "can_create_priority_ballot": REVIEWERS,
    "can_vote": {"open": ACTIVE_MEMBERS, "voted": {"member", "signer", "coauthor", "committee"},
                 "secret": {"signer", "coauthor", "invited", "committee"}, "verified_only": {"author"},
                 "closed": NOBODY},
    "can_vote_by_proxy": {"open": NOBODY, "voted": {"coauthor"}, "secret": {"coauthor"}, "verified_only": NOBODY,
                          "closed": NOBODY},
    "can_give_proxy": {"open": ACTIVE_MEMBERS, "voted": {"signer", "coauthor", "committee"},
                       "secret": {"signer", "coauthor", "invited", "committee"}, "verified_only": {"author"},
                       "closed": NOBODY},
    "can_revoke_proxy": {"open": NOBODY, "voted": {"author"}, "secret": {"author"}, "verified_only": NOBODY,
                         "closed": NOBODY},
    "can_record_assisted_ballot": {case: REVIEWERS if case in OPEN_POLLS else NOBODY for case in POLLS},
    "can_close_poll": {case: REVIEWERS if case in OPEN_POLLS else NOBODY for case in POLLS},
    "can_view_poll_votes": {case: NOBODY if case == "secret" else ACTIVE_MEMBERS | {"admin"} for case in POLLS},
    # Letters: the committee (and site admins) draft the letter of an adopted demand (P has none), edit it until
    # it is sent, approve what someone else drafted, send what is approved; K's staff read it once sent to K.
    "can_draft_letter": {case: REVIEWERS if case == "adopted" else NOBODY for case in ALL_CASES},
    "can_view_letter": {case: REVIEWERS | ({"council_viewer", "council_responder"} if case == "sent" else NOBODY)
                        for case in LETTERS},
    "can_edit_letter": {case: REVIEWERS if case in UNSENT_LETTERS else NOBODY for case in LETTERS},
    "can_approve_letter": {"draft": {"admin"}, "draft_by_other": REVIEWERS, "approved": NOBODY, "sent": NOBODY,
                           "reedited": {"admin"}},
    "can_send_letter": {case: REVIEWERS if case == "approved" else NOBODY for case in LETTERS},
    # The authors' discussion draft of the letter: the authors and the committee, whatever the state of P.
    "can_download_discussion_draft": {case: AUTHORS | REVIEWERS for case in ALL_CASES},
    # The council's side: K's staff (viewers and responders) and site admins read K's inbox and the letters sent
    # to K; only K's responders act, each step while the demand is where it applies. The staff of another council
    # see nothing of K's (and answer for their own council only).
    "can_view_council_inbox": COUNCIL_STAFF | {"admin"},
    "can_view_council_letter": {**{case: COUNCIL_STAFF | {"admin"} for case in ("sent", *COUNCIL_LETTERS)},
                                "to_other_council": {"other_council_staff", "admin"},
                                **{case: NOBODY for case in UNSENT_LETTERS}},
    "can_acknowledge_letter": {**{case: NOBODY for case in LETTERS + COUNCIL_LETTERS},
                               "sent": {"council_responder"}, "to_other_council": {"other_council_staff"}},
    "can_answer_letter": {**{case: NOBODY for case in LETTERS + COUNCIL_LETTERS},
                          "sent": {"council_responder"}, "acknowledged": {"council_responder"},
                          "to_other_council": {"other_council_staff"}},
    "can_post_progress": {**{case: NOBODY for case in LETTERS + COUNCIL_LETTERS},
                          "answered": {"council_responder"}, "scheduled": {"council_responder"}},
    # What contesting residents wrote: the committee, K's staff and site admins, whatever the state of P.
    "can_view_resolution_checks": {case: REVIEWERS | COUNCIL_STAFF for case in ("resolved", "in_progress", "draft")},
    # "Is it really fixed?": P's confirmed co-signers, while P is resolved.
    "can_check_resolution": {**{case: NOBODY for case in ALL_CASES}, "resolved": {"signer"}},
    # Notifications: everyone signed in chooses how they hear from us.
    "can_choose_notifications": EVERYONE_SIGNED_IN,
    # Moderation of C: its committee and site admins; the committee of another community can do nothing here.
    "can_moderate": REVIEWERS,
    "can_edit_moderation_rules": REVIEWERS,
    "can_view_dashboard": REVIEWERS,
    "can_block_member": REVIEWERS,
    # Reporting (see MODERATION_ITEMS): anyone signed in, but not their own words nor themselves, nor what is hidden.
    "can_report": {"argument": EVERYONE_SIGNED_IN - {"member"}, "hidden_argument": NOBODY,
                   "person": EVERYONE_SIGNED_IN - {"member"}, "not_a_member": NOBODY},
    "can_hide_item": {"argument": REVIEWERS, "hidden_argument": NOBODY, "person": REVIEWERS,
                      "not_a_member": NOBODY},
    # The case of the argument "member" wrote and the committee hid: its author reads why, and appeals once; the
    # appeal goes to another committee member than "committee", who hid it (so only site admins besides).
    "can_view_case": {"hidden": REVIEWERS | {"member"}, "appealed": REVIEWERS | {"member"}},
    "can_decide_case": {"hidden": REVIEWERS},
    "can_appeal": {"hidden": {"member"}, "appealed": NOBODY, "decided": NOBODY},
    "can_decide_appeal": {"waiting": {"admin"}, "decided": NOBODY},
    "can_contest_hiding": {"hidden": {"member"}},
    # An argument held for review ("open:held", by "member"): the committee publishes it or not.
    "can_review_held": {"open:held": REVIEWERS, "open": NOBODY},
    "can_lift_block": {"active": REVIEWERS, "lifted": NOBODY},
    # An amendment hidden by moderation: its author ("member") and the committee.
    "can_view_hidden_amendment": {"open": REVIEWERS | {"member"}},
    # Asking for an identity check in person: active members not verified yet ("author" is, see _voting).
    "can_request_verification": ACTIVE_MEMBERS - {"author"},
    # Volunteering. Anyone signed in keeps a profile; it is seen as its owner chose ("member"'s is for the
    # committee only, "signer"'s for members and coordinators too); site admins keep the list of skills.
    "can_edit_volunteer_profile": EVERYONE_SIGNED_IN,
    "can_view_volunteer_profile": {"committee_only": {"member", "committee", "admin"},
                                   "members": ACTIVE_MEMBERS | {"admin", "partner"}},
    "can_manage_skills": {"admin"},
    # The committee and the partners it added post and run opportunities; members propose them and offer help.
    "can_coordinate_volunteers": REVIEWERS | {"partner"},
    "can_manage_coordinators": REVIEWERS,
    "can_hand_over_opportunities": REVIEWERS,
    "can_propose_opportunity": ACTIVE_MEMBERS,
    "can_offer_help": {case: ACTIVE_MEMBERS if case in states.ACTIVE_PUBLIC else NOBODY for case in ALL_CASES},
    "can_withdraw_offer": {"active": {"member"}, "withdrawn": NOBODY},
    "can_view_opportunity": _by_case(OPPORTUNITIES, EVERYONE, proposed={"member"} | REVIEWERS | {"partner"}),
    "can_sign_up": _by_case(OPPORTUNITIES, NOBODY, open=ACTIVE_MEMBERS, signed_up=ACTIVE_MEMBERS - {"member"},
                            confirmed=ACTIVE_MEMBERS - {"member"}, invited=ACTIVE_MEMBERS,
                            committee_only=ACTIVE_MEMBERS, ongoing=ACTIVE_MEMBERS),
    "can_withdraw_signup": _by_case(OPPORTUNITIES, NOBODY, signed_up={"member"}, confirmed={"member"},
                                    invited={"member"}, full={"signer"}),
    "can_coordinate_opportunity": _by_case(OPPORTUNITIES, COORDINATORS, proposed=NOBODY, committee_only=REVIEWERS),
    "can_edit_opportunity": _by_case(OPPORTUNITIES, COORDINATORS, started=NOBODY, proposed=NOBODY, cancelled=NOBODY,
                                     committee_only=REVIEWERS),
    "can_cancel_opportunity": _by_case(OPPORTUNITIES, COORDINATORS, started=NOBODY, proposed=NOBODY,
                                       cancelled=NOBODY, committee_only=REVIEWERS),
    "can_close_opportunity": _by_case(OPPORTUNITIES, COORDINATORS, proposed=NOBODY, closed=NOBODY, cancelled=NOBODY,
                                      committee_only=REVIEWERS),
    "can_invite_volunteers": _by_case(OPPORTUNITIES, COORDINATORS, full=NOBODY, started=NOBODY, proposed=NOBODY,
                                      closed=NOBODY, cancelled=NOBODY, committee_only=REVIEWERS),
    "can_record_hours": _by_case(OPPORTUNITIES, NOBODY, started=COORDINATORS, ongoing=COORDINATORS),
    "can_decide_opportunity": _by_case(OPPORTUNITIES, NOBODY, proposed=REVIEWERS | {"partner"}),
    # Sign-ups: the coordinators decide and see the contact details of people who signed up (not of the invited,
    # the withdrawn or the declined); the volunteer downloads the certificate and gives feedback once.
    "can_decide_signup": _by_case(SIGNUPS, NOBODY, pending=COORDINATORS),
    "can_see_volunteer_contact": _by_case(SIGNUPS, COORDINATORS, invited=NOBODY, withdrawn=NOBODY, declined=NOBODY),
    "can_download_certificate": _by_case(SIGNUPS, NOBODY, hours={"member"}, feedback_given={"member"}),
    "can_give_feedback": _by_case(SIGNUPS, NOBODY, hours={"member"}),
    "can_answer_feedback": {"given": COORDINATORS},
}
SELF_PREDICATES = {"can_edit_profile", "can_delete_account", "can_end_session"}
# Who acts for others (their sign-in sessions are short and never remembered).
STAFF = {"committee", "other_committee", "council_viewer", "council_responder", "other_council_staff", "admin",
         "partner", "other_partner"}


@pytest.fixture(scope="session")
def world_image(database_url, tmp_path_factory):
    """The matrix's world, built through the services once for the session."""
    return build_image(database_url, tmp_path_factory.mktemp("matrix"), _build_world)


@pytest.fixture
def world(app, world_image):
    """The world restored from the session's image (as if built just now), in the test's session."""
    return restore(world_image)


def _build_world():
    app = current_app
    community, other = make_community(is_open=False), make_community()
    council, other_council = make_council(), make_council()
    link_council(community, council)
    deleted = make_member(community)
    proposal = make_proposal(community, status="draft", council=council)
    make_coauthor(proposal, deleted)  # a co-author who deleted their account is nobody
    deleted.deleted_at = deleted.created_at
    users = {
        "anonymous": AnonymousUserMixin(),
        "unverified": make_user(verified=False),
        "resident": make_user(),
        "pending": make_pending(community),
        "member": make_member(community),
        "signer": make_member(community),
        "author": proposal.author,
        "coauthor": make_coauthor(proposal),
        "invited": make_coauthor(proposal, accept=False),
        "committee": make_committee(community),
        "other_committee": make_committee(other),
        "council_viewer": make_staff(council, role="viewer"),
        "council_responder": make_staff(council, role="responder"),
        "other_council_staff": make_staff(other_council, role="responder"),
        "admin": make_admin(),
        "deleted": deleted,
    }
    db.session.commit()
    world = {"users": users, "community": community, "council": council, "other_council": other_council,
             "proposal": proposal}
    # Approving a letter renders its PDF: the predicates never read it, so a stand-in keeps the matrix quick.
    with mock.patch.object(letters.document, "pdf", lambda *args, **kwargs: (b"%PDF-1.7 stand-in", 1)):
        world |= _deliberation(app, db, world) | _voting(db, world) | _letters(db, world)
        world["letter"] |= _council_letters(db, world)
        world |= _moderation(db, world)
        world |= _volunteering(db, world, other)
    return world


def _volunteering(db, world, other) -> dict:
    """C's opportunities, "member"'s sign-ups, offers and feedback, and two profiles, as their names say."""
    users, community, proposal = world["users"], world["community"], world["proposal"]
    member, signer, chair = users["member"], users["signer"], users["committee"]
    make_centre(community)
    users["partner"] = make_partner(community, make_user())
    users["other_partner"] = make_partner(other, make_user())
    partner = users["partner"]

    def run(title, **fields):
        return make_opportunity(community, title=title, coordinator=partner, **fields)

    found = {name: run(name) for name in ("open", "signed_up", "confirmed", "invited", "closed", "cancelled")}
    found["full"] = run("full", capacity=1)
    found["started"] = run("started", starts_in_hours=-1)
    found["ongoing"] = run("ongoing", starts_in_hours=None, days=(4,))
    found["committee_only"] = make_opportunity(community, title="committee_only")
    found["proposed"] = make_opportunity(community, title="proposed", actor=member, status="proposed")
    make_signup(found["signed_up"], member)
    make_signup(found["confirmed"], member, status="confirmed")
    make_signup(found["invited"], member, status="invited")
    make_signup(found["full"], signer)
    make_signup(found["started"], member, status="confirmed")
    opportunities.close(chair, found["closed"])
    opportunities.cancel(chair, found["cancelled"], "المنارة مغلقة")
    signups = {"pending": make_signup(run("s1"), member), "confirmed": make_signup(run("s2"), member,
                                                                                    status="confirmed"),
               "invited": make_signup(run("s3"), member, status="invited"),
               "withdrawn": make_signup(run("s4"), member, status="withdrawn"),
               "declined": make_signup(run("s5"), member, status="declined"),
               "hours": make_signup(run("s6", starts_in_hours=-2), member, status="confirmed", hours=3),
               "feedback_given": make_signup(run("s7", starts_in_hours=-2), member, status="confirmed", hours=3)}
    feedback = volunteer_feedback.give_feedback(member, signups["feedback_given"], rating=4, went_well="جيد")
    _put(proposal, "open")
    offers = {"active": volunteer_offers.offer_help(member, proposal, kind="resource", detail="كراسٍ"),
              "withdrawn": volunteer_offers.offer_help(member, proposal, kind="resource", detail="شاحنة")}
    volunteer_offers.withdraw_offer(member, offers["withdrawn"])
    _put(proposal, "draft")
    profiles = {"committee_only": make_profile(member, community, skills=("plumbing",), visibility="committee"),
                "members": make_profile(signer, community, skills=("driving",), visibility="members")}
    db.session.commit()
    return {"opportunity": found, "signup": signups, "offer": offers, "feedback": {"given": feedback},
            "profile": profiles}


def _deliberation(app, db, world) -> dict:
    """P's arguments and amendments and C's meetings, each in the state its name says (see ARGUMENTS…)."""
    users, proposal = world["users"], world["proposal"]
    writer, chair = users["member"], users["committee"]
    _put(proposal, "open")  # written while P is open, through the services; the matrix then moves P
    signatures.sign(users["signer"], proposal, "public", "")
    post = {name: deliberation.post(writer, proposal, "question" if name == "question" else "for", "حجة")
            for name in ARGUMENTS if name != "reply"}
    post["reply"] = deliberation.reply(writer, post["question"], "سؤال آخر")
    hide_argument(chair, post["hidden"], "إساءة")
    deliberation.delete_own(writer, post["deleted"])
    post["old"].created_at = utcnow() - timedelta(minutes=app.config["ARGUMENT_EDIT_MINUTES"] + 1)
    proposed = {name: amendments.propose(writer, proposal, "أوضح", summary=f"ملخص {name}") for name in AMENDMENTS}
    amendments.decline(proposal.author, proposed["declined"], "لا")
    amendments.withdraw(writer, proposed["withdrawn"])
    _put(proposal, "draft")
    db.session.commit()
    starts = {"upcoming": 72, "started": -0.5, "ended": -3, "cancelled": 72}
    scheduled = {name: make_meeting(world["community"], actor=chair, starts_in_hours=hours, duration_minutes=90)
                 for name, hours in starts.items()}
    meetings.cancel(chair, scheduled["cancelled"], "المركز مغلق")
    db.session.commit()
    return {"argument": post, "amendment": proposed, "meeting": scheduled}


def _voting(db, world) -> dict:
    """C's votes, each in the state its name says (see POLLS)."""
    users, community = world["users"], world["community"]
    chair = users["committee"]
    demands = [make_proposal(community, author=users["member"], status="open").id for _ in range(2)]
    communities.verify_in_person(chair, community, users["author"])

    def ballot(secret=False, verified_only=False):
        return voting.open_priority_ballot(chair, community, title="أي الإصلاحات أولاً؟", proposal_ids=demands,
                                           method="approval", closes_at=utcnow() + timedelta(days=7),
                                           secret=secret, verified_only=verified_only)

    polls = {"open": ballot(), "voted": ballot(), "secret": ballot(secret=True),
             "verified_only": ballot(verified_only=True), "closed": ballot()}
    for name in ("voted", "secret"):
        voting.cast(users["member"], polls[name], demands[:1])
        voting.give_proxy(users["author"], polls[name], users["coauthor"])
    voting.give_proxy(users["invited"], polls["voted"], chair)
    voting.cast_by_proxy(chair, polls["voted"], users["invited"], demands)
    voting.give_proxy(users["author"], polls["closed"], users["coauthor"])
    voting.close(chair, polls["closed"], "انتهى النقاش")
    db.session.commit()
    return {"poll": polls}


def _letters(db, world) -> dict:
    """The letters of three more adopted demands of C addressed to K, each in the state its name says (LETTERS)."""
    users, community, council = world["users"], world["community"], world["council"]
    chair, other_chair = users["committee"], make_committee(community)

    def adopted():
        return make_adopted(community, council=council, author=users["member"])

    drafted = {"draft": make_letter(adopted(), drafter=chair),
               "draft_by_other": make_letter(adopted(), drafter=other_chair)}
    drafted |= {name: make_letter(adopted(), drafter=other_chair, approver=chair)
                for name in ("approved", "sent", "reedited")}
    letters.record_hand_delivery(chair, drafted["sent"], delivered_on=letters.local_today(community),
                                 delivered_by="سعاد", registry_number="1234")
    letters.edit(chair, drafted["reedited"], subject="موضوع معدّل")
    db.session.commit()
    assert [drafted[name].status for name in LETTERS] == ["draft", "draft", "approved", "sent", "draft"]
    return {"letter": drafted}


def _council_letters(db, world) -> dict:
    """The letters of more adopted demands of C, sent by hand and then handled by K as each name says
    (COUNCIL_LETTERS)."""
    users, community = world["users"], world["community"]
    chair, responder = users["committee"], users["council_responder"]

    def sent(council=world["council"]):
        letter = make_letter(make_adopted(community, council=council, author=users["member"]),
                             drafter=make_committee(community), approver=chair)
        letters.record_hand_delivery(chair, letter, delivered_on=letters.local_today(community), delivered_by="سعاد")
        return letter

    handled = {name: sent() for name in COUNCIL_LETTERS if name != "to_other_council"}
    handled["to_other_council"] = sent(world["other_council"])
    responses.acknowledge(responder, handled["acknowledged"])
    for name in ("answered", "scheduled", "resolved"):
        responses.answer(responder, handled[name], "accepted", body="سننفذ")
    responses.post_progress(responder, handled["scheduled"], "scheduled", "في الشهر القادم",
                            scheduled_for=date(2026, 12, 1))
    responses.post_progress(responder, handled["resolved"], "resolved", "تم الإصلاح")
    responses.answer(responder, handled["referred"], "referred", body="ليس لنا", referred_to="مديرية المياه")
    responses.answer(responder, handled["declined"], "declined", body="لا ميزانية")
    db.session.commit()
    assert {name: letter.proposal.status for name, letter in handled.items()} == {
        "acknowledged": "acknowledged", "answered": "acknowledged", "scheduled": "in_progress",
        "referred": "acknowledged", "declined": "declined", "resolved": "resolved", "to_other_council": "submitted"}
    return handled


def _moderation(db, world) -> dict:
    """What the moderation predicates are asked about (see MATRIX): items to report, the case of the argument the
    committee hid ("hidden"), an appeal waiting and one decided, an argument held for review, blocks."""
    from civicvoice.moderation import items
    from civicvoice.moderation import services as moderation

    users, community, proposal = world["users"], world["community"], world["proposal"]
    chair, hidden = users["committee"], world["argument"]["hidden"]
    case = moderation.case_of(items.of("argument", hidden))
    _put(proposal, "open")
    moderation.update_rules(chair, community, report_threshold=3, hold_account_days=0, hold_links=True,
                            hold_words="")
    held = deliberation.post(users["member"], proposal, "for", "https://example.org")
    assert held.status == "held"
    # Another hidden argument of "member", appealed and decided, for the states after an appeal.
    decided_case = moderation.hide(chair, items.of("argument", deliberation.post(users["member"], proposal, "for",
                                                                                 "نص")), "سبب")
    decided = moderation.appeal(users["member"], decided_case, "راجعوا")
    moderation.decide_appeal(decided.assignee, decided, "upheld", "باقٍ")
    waiting = moderation.appeal(users["member"], case, "راجعوا")
    not_appealed = moderation.hide(chair, items.of("argument", deliberation.post(users["member"], proposal, "for",
                                                                                 "نص آخر")), "سبب")
    blocked, unblocked = make_member(community), make_member(community)
    active = moderation.block(chair, community, blocked, "7", "إزعاج")
    lifted = moderation.block(chair, community, unblocked, "7", "إزعاج")
    moderation.lift_block(chair, lifted, "اعتذر")
    _put(proposal, "draft")
    db.session.commit()
    for_argument = world["argument"]["for"]
    return {
        "item": {"argument": items.of("argument", for_argument), "hidden_argument": items.of("argument", hidden),
                 "person": items.Item("user", users["member"], community),
                 "not_a_member": items.Item("user", users["resident"], community)},
        "case": {"hidden": not_appealed, "appealed": case, "decided": decided_case},
        "appeal": {"waiting": waiting, "decided": decided},
        "content": {"hidden": hidden},
        "block": {"active": active, "lifted": lifted},
    } | {"argument": world["argument"] | {"held": held}}


def _put(proposal, case):
    """Put the demand in the state `case` names (directly: the predicates read only the demand's fields)."""
    status = case.split(":")[0]
    published = status not in {"draft", "in_review", "changes_requested", "rejected", "withdrawn_draft"}
    proposal.status = "withdrawn" if status == "withdrawn_draft" else status
    proposal.published_at = utcnow() if published else None


# The object on `P` a predicate is asked about, by the name of its first parameter, and the one a case without
# a name means.
ON_THE_DEMAND = {"argument": ARGUMENTS[0], "amendment": AMENDMENTS[0]}


def _call(name, user, world, case=None):
    predicate = permissions.REGISTRY[name.removeprefix("can_")]
    params = list(inspect.signature(predicate).parameters)[1:]
    if not params:
        return predicate(user)
    subject = params[0]
    if subject == "proposal":  # "state" or "state:action"
        _put(world["proposal"], case)
        return predicate(user, world["proposal"], *case.split(":")[1:])
    if subject in ON_THE_DEMAND:  # "state" or "state:name"
        state, _, which = case.partition(":")
        _put(world["proposal"], state)
        return predicate(user, world[subject][which or ON_THE_DEMAND[subject]])
    if subject in ("meeting", "poll", "letter", "item", "case", "appeal", "content", "block", "opportunity", "signup",
                   "offer", "feedback", "profile"):  # its name
        return predicate(user, world[subject][case])
    target = world["council"] if "council" in name else world["community"]
    return predicate(user, target)


def _expectations():
    """(predicate, state or None, roles that may) for every line of the matrix."""
    for name, expected in MATRIX.items():
        if isinstance(expected, dict):
            yield from ((name, case, roles) for case, roles in expected.items())
        else:
            yield name, None, expected


@pytest.mark.parametrize("role", ROLES)
def test_matrix(world, role):
    user = world["users"][role]
    wrong = {(name, case): not (role in roles) for name, case, roles in _expectations()
             if _call(name, user, world, case) is not (role in roles)}
    assert wrong == {}


def test_matrix_covers_every_state_of_a_demand():
    cases = set(MATRIX["can_view_proposal"])
    assert {case.replace("withdrawn_draft", "withdrawn") for case in cases} == set(states.STATUSES)
    assert {case.split(":")[1] for case in MATRIX["can_transition_proposal"]} == set(states.TRANSITIONS)


def test_every_predicate_is_in_the_matrix():
    predicates = {f"can_{name}" for name in permissions.REGISTRY}
    assert predicates == set(MATRIX) | SELF_PREDICATES


def test_every_predicate_of_every_package_is_in_the_registry():
    """A can_… function of a package's rules.py that is not decorated with @rule would escape the matrix."""
    written = {(module.__name__, name) for module in RULES_MODULES
               for name, function in inspect.getmembers(module, inspect.isfunction)
               if name.startswith("can_") and function.__module__ == module.__name__}
    registered = {(function.__module__, function.__name__) for function in permissions.REGISTRY.values()}
    assert written == registered


@pytest.mark.parametrize("role", ROLES)
def test_people_edit_and_delete_only_their_own_account(world, role):
    user, other = world["users"][role], world["users"]["resident"]
    own = role not in ("anonymous", "deleted")
    assert permissions.REGISTRY["edit_profile"](user, user) is own
    assert permissions.REGISTRY["delete_account"](user, user) is own
    if role != "resident":
        assert permissions.REGISTRY["edit_profile"](user, other) is False


@pytest.mark.parametrize("role", ROLES)
def test_people_sign_out_only_their_own_sessions(world, role):
    user, other = world["users"][role], world["users"]["resident"]
    own = UserSession(user_id=getattr(user, "id", None))
    assert permissions.REGISTRY["end_session"](user, own) is (role not in ("anonymous", "deleted"))
    assert permissions.REGISTRY["end_session"](user, UserSession(user_id=other.id)) is (role == "resident")


@pytest.mark.parametrize("role", ROLES)
def test_staff_are_those_who_act_for_others(world, role):
    assert account_rules.is_staff(world["users"][role]) is (role in STAFF)


def test_verify_in_person_never_oneself_nor_twice_nor_outsiders(world, db):
    chair, member = world["users"]["committee"], world["users"]["member"]
    community = world["community"]
    assert permissions.REGISTRY["verify_in_person"](chair, community, communities.membership(community, member))
    assert not permissions.REGISTRY["verify_in_person"](chair, community, communities.membership(community, chair))
    pending = communities.membership(community, world["users"]["pending"])
    assert not permissions.REGISTRY["verify_in_person"](chair, community, pending)
    communities.verify_in_person(chair, community, member)
    assert not permissions.REGISTRY["verify_in_person"](chair, community, communities.membership(community, member))


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
        assert permissions.REGISTRY["join_community"](user, community)
        communities.join(user, community)
        assert not permissions.REGISTRY["join_community"](user, community)
        assert permissions.REGISTRY["leave_community"](user, community)
