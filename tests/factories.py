"""Factories: plain functions with sane defaults, named after the state they build. They go through the services."""
from itertools import count

from civicvoice.accounts import services as accounts
from civicvoice.accounts import sessions as user_sessions
from civicvoice.communities import services as communities
from civicvoice.council import services as councils
from civicvoice.database import utcnow
from civicvoice.extensions import db

PASSWORD = "correct horse battery staple"
_seq = count(1)


def make_user(name=None, email=None, *, verified=True, admin=False, locale="ar", password=PASSWORD, **fields):
    n = next(_seq)
    user = accounts.create_user(email or f"user{n}@example.org", name or f"مستخدم {n}", password, admin=admin,
                                locale=locale, verified=verified, check_password_policy=False)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def session_secret(user, *, remember=False) -> str:
    """Open a sign-in session of `user` (as the login form does) and return the secret its cookie carries."""
    _record, secret = user_sessions.start(user, remember=remember)
    db.session.commit()
    return secret


def make_admin(**kwargs):
    return make_user(admin=True, **kwargs)


def make_community(name=None, *, is_open=True, admin=None, **kwargs):
    n = next(_seq)
    community = communities.create_community(admin, name=name or f"حي {n}", slug=kwargs.pop("slug", f"community-{n}"),
                                             code=kwargs.pop("code", f"C{n}"), is_open=is_open, **kwargs)
    db.session.commit()
    return community


def make_member(community, user=None, *, role="member"):
    user = user or make_user()
    if role == "committee":
        communities.appoint_first_committee(None, community, user)
    else:
        membership = communities.membership(community, user)
        if membership is None:
            membership = communities.join(user, community)
        if membership.status == "pending":
            membership.status, membership.joined_at = "active", utcnow()
    db.session.commit()
    return user


def make_committee(community, user=None):
    return make_member(community, user, role="committee")


def make_pending(community, user=None):
    user = user or make_user()
    communities.join(user, community)
    db.session.commit()
    return user


def make_council(name=None, **kwargs):
    council = councils.create_council(None, name=name or f"مجلس {next(_seq)}", **kwargs)
    db.session.commit()
    return council


def make_centre(community, **kwargs):
    centre = communities.add_centre(None, community, name=kwargs.pop("name", "منارة"), **kwargs)
    db.session.commit()
    return centre


def make_staff(council, user=None, role="responder"):
    user = user or make_user()
    councils.add_staff(None, council, user, role)
    db.session.commit()
    return user


# Proposals (demands) -----------------------------------------------------------------------------

# How a factory reaches each status from a draft: the actions of states.TRANSITIONS, in order.
PROPOSAL_PATHS = {
    "draft": (),
    "in_review": ("submit",),
    "changes_requested": ("submit", "request_changes"),
    "rejected": ("submit", "reject"),
    "open": ("submit", "publish"),
    "voting": ("submit", "publish", "open_vote"),
    "adopted": ("submit", "publish", "open_vote", "adopt"),
    "not_adopted": ("submit", "publish", "open_vote", "not_adopt"),
    "submitted": ("submit", "publish", "open_vote", "adopt", "send_letter"),
    "acknowledged": ("submit", "publish", "open_vote", "adopt", "send_letter", "acknowledge"),
    "in_progress": ("submit", "publish", "open_vote", "adopt", "send_letter", "acknowledge", "start_work"),
    "resolved": ("submit", "publish", "open_vote", "adopt", "send_letter", "acknowledge", "start_work", "resolve"),
    "declined": ("submit", "publish", "open_vote", "adopt", "send_letter", "decline"),
    "withdrawn": ("submit", "publish", "withdraw"),
    "merged": ("submit", "publish", "merge"),
    "hidden": ("submit", "publish", "hide"),
}
# Statuses reached through the council: a demand in them needs an addressed council.
COUNCIL_STATUSES = {"submitted", "acknowledged", "in_progress", "resolved", "declined"}


def proposal_fields(**fields) -> dict:
    """The fields of a draft, as the form would send them."""
    n = next(_seq)
    return {"title": f"مطلب تجريبي رقم {n}", "summary": "ملخص المطلب", "body": "## المشكلة\n\nشرح المشكلة.",
            "category": "facility_repair", "council_id": None, "place": "الحي", "resolution": "ما يعد حلاً",
            **fields}


def link_council(community, council=None):
    """Link `council` (a new one by default) to the community, keeping the councils already linked."""
    council = council or make_council()
    if council not in community.councils:
        communities.link_councils(None, community, [*community.councils, council])
        db.session.commit()
    return council


def committee_member(community):
    """A committee member of the community (the first one, or a new one)."""
    chair = communities.committee(community)
    return chair[0].user if chair else make_committee(community)


def council_responder(council):
    responder = next((s.user for s in councils.staff_of(council) if s.role == "responder"), None)
    return responder or make_staff(council, role="responder")


def advance_proposal(proposal, action, actor=None, reason="raison"):
    """Apply one action of the table through the services, by someone allowed to (committee, author or council)."""
    from civicvoice.proposals import services as proposals
    from civicvoice.proposals import states

    roles = states.TRANSITIONS[action].roles
    if actor is None:
        if "author" in roles:
            actor = proposal.author
        elif "committee" in roles:
            actor = committee_member(proposal.community)
        else:
            actor = council_responder(proposal.council)
    if action == "submit":
        proposals.submit(actor, proposal)
    elif action == "publish":
        proposals.publish(actor, proposal)
    elif action == "request_changes":
        proposals.request_changes(actor, proposal, reason)
    elif action == "reject":
        proposals.reject(actor, proposal, "other", reason)
    elif action == "withdraw":
        proposals.withdraw(actor, proposal, reason)
    elif action == "merge":
        kept = make_proposal(proposal.community, status="open")
        proposals.merge(actor, proposal, kept, reason)
    elif action == "unhide":  # back where it was: factories hide open demands
        proposals.unhide(actor, proposal, "open", reason)
    else:
        proposals._move(actor, proposal, action, reason if states.TRANSITIONS[action].needs_reason else "")
    db.session.commit()
    return proposal


def make_proposal(community=None, author=None, status="open", council=None, **fields):
    """A demand in `status`, drafted by a member and moved there through the services in table order."""
    from civicvoice.proposals import services as proposals

    community = community or make_community()
    author = make_member(community, author) if author is None or not _is_member(author, community) else author
    if council is None and status in COUNCIL_STATUSES and fields.get("council_id") is None:
        council = link_council(community)
    if council is not None:
        link_council(community, council)
        fields["council_id"] = council.id
    proposal = proposals.create_draft(author, community, **proposal_fields(**fields))
    db.session.commit()
    for action in PROPOSAL_PATHS[status]:
        advance_proposal(proposal, action)
    assert proposal.status == status
    return proposal


def _is_member(user, community) -> bool:
    membership = communities.membership(community, user)
    return membership is not None and membership.status == "active"


def make_coauthor(proposal, user=None, *, accept=True):
    """A member of the demand's community invited as co-author by its author; accepted unless accept=False."""
    from civicvoice.proposals import services as proposals

    user = user if user is not None and _is_member(user, proposal.community) else make_member(proposal.community, user)
    proposals.invite_coauthor(proposal.author, proposal, user)
    if accept:
        proposals.answer_invitation(user, proposal, accept=True)
    db.session.commit()
    return user


# Signatures ---------------------------------------------------------------------------------------

def scan_png(size=(4, 4), color=(30, 30, 200)) -> bytes:
    """A real PNG: what a phone photo of a signed sheet is, as far as the upload checks go."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def make_signature(proposal, user=None, *, visibility="public", comment="", verified=True, **user_fields):
    """`user` (a new member of the demand's community by default; verified unless verified=False) signs
    `proposal` through the service; confirmed at once when verified, pending otherwise."""
    from civicvoice.signatures import services as signatures

    if user is None:
        user = make_user(verified=verified, **user_fields)
    if not _is_member(user, proposal.community):
        make_member(proposal.community, user)
    signature = signatures.sign(user, proposal, visibility, comment)
    db.session.commit()
    return signature


def make_paper_batch(proposal, rows=(("سعاد الأحمد", "حارة الجامع", ""),), *, actor=None, centre=None,
                     collected_on=None, scan=None, filename="sheet.png"):
    """A sheet signed at a centre, entered by a committee member through the service, with a real scan.

    `rows` are (name, neighbourhood, phone) tuples, as services.parse_rows returns them.
    """
    from datetime import date

    from civicvoice.proposals import attachments
    from civicvoice.signatures import services as signatures

    actor = actor or committee_member(proposal.community)
    [upload] = attachments.prepare([(scan if scan is not None else scan_png(), filename)])
    batch = signatures.record_paper_batch(actor, proposal, centre=centre, collected_on=collected_on or date.today(),
                                          scan=upload, rows=list(rows))
    db.session.commit()
    return batch


# Deliberation -------------------------------------------------------------------------------------

def make_argument(proposal=None, author=None, *, stance="for", body="حجة واضحة مع رقم 42 و Latin text.", parent=None,
                  as_authors=False):
    """A top-level argument (or, with `parent`, a reply) posted through the services by a member."""
    from civicvoice.deliberation import services as deliberation

    proposal = proposal or (parent.proposal if parent is not None else make_proposal(status="open"))
    if author is None or not _is_member(author, proposal.community):
        author = make_member(proposal.community, author)
    if parent is not None:
        argument = deliberation.reply(author, parent, body, as_authors=as_authors)
    else:
        argument = deliberation.post(author, proposal, stance, body)
    db.session.commit()
    return argument


def make_amendment(proposal=None, author=None, *, reason="نص أوضح.", **fields):
    """An amendment proposed by a member who is not an author; by default it changes the summary."""
    from civicvoice.deliberation import amendments

    proposal = proposal or make_proposal(status="open")
    if author is None or not _is_member(author, proposal.community):
        author = make_member(proposal.community, author)
    fields = fields or {"summary": proposal.summary + " — مع موعد للتنفيذ."}
    amendment = amendments.propose(author, proposal, reason, **fields)
    db.session.commit()
    return amendment


def make_meeting(community=None, *, actor=None, starts_in_hours=72, duration_minutes=90, capacity=None,
                 agenda=(), title="اجتماع مفتوح في المنارة", centre=None):
    """A meeting scheduled by a committee member at a centre of `community` (one is added when it has none).

    `starts_in_hours` may be negative for a meeting that already happened (written directly: the service
    refuses a past date, as it should).
    """
    from datetime import timedelta

    from civicvoice.meetings import services as meetings

    community = community or make_community()
    centre = centre or (community.centres[0] if community.centres else make_centre(community))
    actor = actor or committee_member(community)
    starts_at = utcnow() + timedelta(hours=max(starts_in_hours, 1))
    meeting = meetings.schedule(actor, community, centre_id=centre.id, title=title, starts_at=starts_at,
                                duration_minutes=duration_minutes, capacity=capacity,
                                agenda_ids=[p.id for p in agenda])
    if starts_in_hours < 1:
        meeting.starts_at = utcnow() + timedelta(hours=starts_in_hours)
    db.session.commit()
    return meeting


# Voting -------------------------------------------------------------------------------------------

def make_goal_reached(proposal=None):
    """An open demand whose signature goal is reached (goal 1, one signature), ready for a vote."""
    from civicvoice.proposals import services as proposals

    proposal = proposal or make_proposal(status="open")
    proposals.set_goal(committee_member(proposal.community), proposal, 1)
    if proposal.goal_reached_at is None:
        make_signature(proposal)
    db.session.refresh(proposal)
    assert proposal.goal_reached_at is not None
    return proposal


def make_vote(proposal=None, *, voters=0, days=7, quorum_percent=20, majority="simple", secret=False,
              verified_only=False, actor=None):
    """An adoption vote opened by the committee on a demand that reached its goal.

    `voters` more members join the community first (they are in the electorate with everyone already there).
    """
    from datetime import timedelta

    from civicvoice.voting import services as voting

    proposal = make_goal_reached(proposal)
    for _ in range(voters):
        make_member(proposal.community)
    poll = voting.open_adoption_vote(actor or committee_member(proposal.community), proposal,
                                     closes_at=utcnow() + timedelta(days=days), quorum_percent=quorum_percent,
                                     majority=majority, secret=secret, verified_only=verified_only)
    db.session.commit()
    return poll


def make_priority_ballot(community=None, proposals=None, *, method="ranked", secret=False, days=7, actor=None,
                         title="أي الإصلاحات أولاً؟"):
    """A priority ballot across `proposals` (three new open demands of `community` by default)."""
    from datetime import timedelta

    from civicvoice.voting import services as voting

    community = community or (proposals[0].community if proposals else make_community())
    proposals = proposals or [make_proposal(community, status="open") for _ in range(3)]
    poll = voting.open_priority_ballot(actor or committee_member(community), community, title=title,
                                       proposal_ids=[p.id for p in proposals], method=method,
                                       closes_at=utcnow() + timedelta(days=days), secret=secret)
    db.session.commit()
    return poll


# Letters ------------------------------------------------------------------------------------------

def make_adopted(community=None, *, council=None, signers=0, letter_only=0, paper=(), verified_in_person=0,
                 **fields):
    """An adopted demand addressed to `council` (a new one, with a contact address, by default).

    Before the adoption `signers` members sign it online (the first `letter_only` of them asking to appear only in
    the letter, the first `verified_in_person` of them verified in person by the committee) and `paper` rows are
    entered on one sheet; then it goes to a vote and is adopted (through the state table, without a poll: see
    make_vote for a real vote).
    """
    community = community or make_community()
    council = council or make_council(contact_email=f"council{next(_seq)}@example.org",
                                      postal_address="دمشق، ساحة المحافظة")
    proposal = make_proposal(community, status="open", council=council, **fields)
    for n in range(signers):
        user = make_user()
        make_signature(proposal, user, visibility="letter_only" if n < letter_only else "public")
        if n < verified_in_person:
            communities.verify_in_person(committee_member(community), community, user)
            db.session.commit()
    if paper:
        make_paper_batch(proposal, rows=paper)
    advance_proposal(proposal, "open_vote")
    advance_proposal(proposal, "adopt")
    return proposal


def make_letter(proposal=None, *, drafter=None, approver=None, approve=False, language="ar"):
    """The letter of an adopted demand (make_adopted() by default), drafted by a committee member; approved by
    another one (`approver`, a new committee member by default) when approve=True or an approver is given."""
    from civicvoice.letters import services as letters

    proposal = proposal or make_adopted()
    drafter = drafter or committee_member(proposal.community)
    letter = letters.create(drafter, proposal, language)
    db.session.commit()
    if approve or approver is not None:
        letters.approve(approver or make_committee(proposal.community), letter)
        db.session.commit()
    return letter


def make_sent_letter(proposal=None, *, method="email", real_pdf=False, **adopted):
    """An approved letter sent to its council: the demand is `submitted`. The PDF is a stand-in unless real_pdf
    (rendering takes a second or two); `adopted` goes to make_adopted() when no proposal is given."""
    from unittest import mock

    from civicvoice.letters import document
    from civicvoice.letters import services as letters

    proposal = proposal or make_adopted(**adopted)
    with mock.patch.object(document, "pdf", document.pdf if real_pdf else
                           (lambda *args, **kwargs: (b"%PDF-1.7 stand-in", 1))):
        letter = make_letter(proposal, approve=True)
    sender = committee_member(proposal.community)
    if method == "email":
        letters.send_by_email(sender, letter)
    else:
        letters.record_hand_delivery(sender, letter, delivered_on=letters.local_today(proposal.community),
                                     delivered_by="سلمى")
    db.session.commit()
    return letter


def make_answered(letter=None, *, decision="accepted", responder=None, **sent):
    """A sent letter (make_sent_letter() by default) acknowledged and answered by a responder of its council."""
    from civicvoice.council import responses

    letter = letter or make_sent_letter(**sent)
    responder = responder or make_staff(letter.council)
    responses.answer(responder, letter, decision, body="سنعمل على ذلك" if decision != "declined" else "لا ميزانية",
                     referred_to="مديرية المياه" if decision == "referred" else "")
    db.session.commit()
    return letter, responder


# Moderation ---------------------------------------------------------------------------------------

def item(kind, obj, community=None):
    """The moderation item of a demand, argument, amendment, meeting (its minutes) or person (in `community`)."""
    from civicvoice.moderation import items

    return items.Item(kind, obj, community) if kind == "user" else items.of(kind, obj)


def make_report(target, reporter=None, *, reason="offensive", comment=""):
    """A report of `target` (an Item) by a verified person (a new one by default)."""
    from civicvoice.moderation import services as moderation

    entry = moderation.report(reporter or make_user(), target, reason, comment)
    db.session.commit()
    return entry


def make_hidden(target, actor=None, reason="إساءة"):
    """`target` hidden by a committee member of its community; returns the case."""
    from civicvoice.moderation import services as moderation

    case = moderation.hide(actor or committee_member(target.community), target, reason)
    db.session.commit()
    return case


# Volunteers ---------------------------------------------------------------------------------------

def skill_ids(*keys) -> list[int]:
    """The ids of skills of the list the migration seeds (plumbing, first_aid, building...)."""
    from civicvoice.volunteers import profiles

    profiles.add_default_skills()  # the migration seeds them; every test's clean-up empties the table
    ids = {skill.key: skill.id for skill in profiles.skills(active_only=False)}
    return [ids[key] for key in keys]


def make_profile(user=None, community=None, *, skills=(), interests=(), days=(), times=(), centres=(),
                 visibility="committee", tags=(), about=""):
    """A volunteer profile for `user` (a new member of `community`, or of a new community, by default), saved
    through the service; `skills` are keys of the seeded list, `days` Python weekdays (Friday is 4), `times`
    0 morning / 1 afternoon / 2 evening, `centres` Centre objects of the person's communities."""
    from civicvoice.volunteers import profiles

    community = community or make_community()
    if user is None or not _is_member(user, community):
        user = make_member(community, user)
    profile = profiles.save_profile(user, skill_ids=skill_ids(*skills), tags=list(tags), interests=list(interests),
                                      days=profiles.mask(days), times=profiles.mask(times),
                                      centre_ids=[centre.id for centre in centres], about=about,
                                      visibility=visibility)
    db.session.commit()
    return profile


def make_partner(community, user=None, organisation="الهلال الأحمر"):
    """A partner organisation's coordinator the committee of `community` added (not a member of it)."""
    from civicvoice.volunteers import opportunities

    user = user or make_user()
    opportunities.add_coordinator(committee_member(community), community, user, organisation)
    db.session.commit()
    return user


def make_opportunity(community=None, *, actor=None, title="إصلاح مضخة المياه", starts_in_hours=72,
                     duration_minutes=180, capacity=5, skills=(), centre=None, proposal=None, category=None,
                     coordinator=None, days=(), times=(), status="open", description=""):
    """An opportunity posted by a committee member (or `actor`) through the service, at `centre` (the community's
    first, made if needed, unless centre=False). `starts_in_hours=None` makes it ongoing (on `days`/`times`); a
    negative value one that already started (written directly: the service refuses a past date, as it should).
    status="proposed" has a member propose it instead."""
    from datetime import timedelta

    from civicvoice.volunteers import opportunities, profiles

    community = community or make_community()
    if centre is None:
        centre = community.centres[0] if community.centres else make_centre(community)
    fields = {"title": title, "description": description, "centre_id": centre.id if centre else None,
              "proposal_id": proposal.id if proposal is not None else None,
              "starts_at": None if starts_in_hours is None else utcnow() + timedelta(hours=max(starts_in_hours, 1)),
              "duration_minutes": duration_minutes, "days": profiles.mask(days), "times": profiles.mask(times),
              "category": category, "capacity": capacity, "skill_ids": skill_ids(*skills),
              "coordinator_id": coordinator.id if coordinator is not None else None}
    if status == "proposed":
        opportunity = opportunities.propose(actor or make_member(community), community, **fields)
    else:
        opportunity = opportunities.post(actor or committee_member(community), community, **fields)
    if starts_in_hours is not None and starts_in_hours < 1:
        opportunity.starts_at = utcnow() + timedelta(hours=starts_in_hours)
    db.session.commit()
    return opportunity


def make_signup(opportunity, user=None, *, status="pending", hours=None, message=""):
    """`user` (a new member of the opportunity's community by default) signed up through the services, then
    moved to `status` (pending, confirmed, declined, withdrawn, or invited instead of signed up); `hours`
    recorded by a coordinator (which needs a confirmed sign-up and an opportunity that started)."""
    from civicvoice.volunteers import hours as volunteer_hours
    from civicvoice.volunteers import signups

    community = opportunity.community
    user = user if user is not None and _is_member(user, community) else make_member(community, user)
    chair = committee_member(community)
    if status == "invited":
        signup = signups.invite(chair, opportunity, user)
    else:
        started = opportunity.starts_at
        if opportunity.has_started:  # sign up as it was before it started
            from datetime import timedelta

            opportunity.starts_at = utcnow() + timedelta(hours=1)
        signup = signups.sign_up(user, opportunity, message)
        if status in ("confirmed", "declined"):
            (signups.confirm if status == "confirmed" else signups.decline)(chair, signup)
        elif status == "withdrawn":
            signups.withdraw(user, opportunity)
        opportunity.starts_at = started
    db.session.flush()
    if hours is not None:
        volunteer_hours.record_hours(chair, opportunity, {signup.id: hours})
    db.session.commit()
    return signup
