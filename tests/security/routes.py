"""Every rule of app.url_map, classified: how to build a real URL (and a form that would succeed) for it.

A new route fails the suites that enumerate the map until it is added here, so every route is looked at.
"""
import io
import itertools
import re
from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace
from unittest import mock

from PIL import Image
from sqlalchemy import select
from werkzeug.routing.converters import AnyConverter

from civicvoice import create_app
from civicvoice import pdf as letter_pdf
from civicvoice.accounts import sessions as user_sessions
from civicvoice.accounts import tokens
from civicvoice.activity import recipients
from civicvoice.activity.kinds import KINDS
from civicvoice.activity.models import Notification
from civicvoice.communities import services as communities_services
from civicvoice.communities.services import link_councils, membership
from civicvoice.council import responses as council_responses
from civicvoice.council.services import staff_membership
from civicvoice.database import utcnow
from civicvoice.deliberation import amendments
from civicvoice.deliberation import services as deliberation
from civicvoice.deliberation.models import Amendment, Argument
from civicvoice.extensions import db
from civicvoice.letters import approval as letter_approval
from civicvoice.letters import services as letters
from civicvoice.letters.models import Letter
from civicvoice.meetings import services as meetings
from civicvoice.meetings.models import Meeting
from civicvoice.moderation import items as moderation_items
from civicvoice.moderation import services as moderation
from civicvoice.moderation.services import hide_argument
from civicvoice.proposals import attachments as proposal_attachments
from civicvoice.proposals import services as proposals
from civicvoice.signatures import networks as signature_networks
from civicvoice.signatures import services as signatures
from civicvoice.volunteers import feedback as volunteer_feedback
from civicvoice.volunteers import hours, offers, opportunities, profiles, signups
from civicvoice.voting import services as voting
from tests.factories import (
    PASSWORD,
    make_admin,
    make_centre,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_pending,
    make_staff,
    make_user,
)

NEW_PASSWORD = "a brand new and long passphrase"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def build_world():
    """Real objects for every URL parameter, so that no 404 or refused permission hides what a test checks.

    The admin is on the committee of the closed community `alpha` (with one more committee member, a plain
    member and a pending request, which notified the admin), is not a member of `beta`, and has not yet
    verified their email (so a resend has something to do), and is signed in on another device (`admin_session_id`,
    which "My sessions" may sign out). Tokens are live.

    Demands of `alpha` (addressed to `council`): the admin's own `draft` (two revisions, a PNG attachment,
    `second` invited as co-author), a draft by the member to which the admin is `invited`, one `in_review`,
    one `published` (open) and one `kept` (open, the target of a merge). `open_demand` is an open demand of
    the open community `beta` (a visitor may register and sign it).

    Signatures of `published`: the admin's own (pending: their email is not verified), the member's
    (`signature_id`, confirmed), both signed from one network (`network_label`), and a paper batch of two rows
    entered at `centre` with a real PNG scan (`batch_id`, the first row `paper_id`). The admin has not signed
    `kept`.

    Arguments on `published`: the member's `argument_id`, the admin's own `own_argument_id` (within its edit
    window), `marked_argument_id` (by `second`, marked helpful by the admin) and `hidden_argument_id` (by
    `second`, hidden by the admin). Amendments: on `published`, by `second`, `free_amendment_id` (the admin
    took no position) and `supported_amendment_id` (the admin supports it), and the admin's own
    `own_amendment_id`; `mine_open` is an open demand of the admin's with the member's `amendment_id`.
    Meetings at `centre`: `meeting_id` in ten days and `past_meeting_id` that started two hours ago, both with
    `published` on the agenda (`past_item_id` the agenda item of the past one).

    Votes of `alpha` (`walkin` is a member verified in person who has not voted): `poll_id`, the open adoption
    vote on `vote_demand`, in which the member gave their proxy to the admin and the admin has neither voted
    nor given a proxy; `proxy_poll_id`, an open priority ballot in which the admin gave their proxy to
    `second`; `closed_poll_id`, a ranked priority ballot the member voted in, closed early. `vote_ready` is an
    open demand whose signature goal is reached, with no vote yet.

    Letters of `alpha` (the council has a contact address): `letter_ready`, an adopted demand with no letter yet;
    `letter_draft`, whose letter `second` drafted (the admin may approve it) and whose counts are out of date;
    `letter_approved`, whose letter `second` drafted and the admin approved (ready to send); `letter_sent`, whose
    letter has two approved versions (the first replaced) and was delivered by hand with a photo of the receipt
    (`letter_code` the code of its current version).

    The council's side (`staffer` is a responder of `council`, `viewer` a viewer of it, `outsider` a responder of
    `other_council`): `letter_sent`'s demand is still `submitted` (its letter `sent_letter_id`);
    `letter_acknowledged`'s letter (`acknowledged_letter_id`) was acknowledged by `staffer`; `letter_answered`'s
    (`answered_letter_id`) was answered "accepted" with a JPEG photo (`response_photo_id`);
    `letter_resolved`'s (`resolved_letter_id`) was accepted and then reported resolved, and its residents' check
    is open (for 14 days from now): `second` contested it with a photo (`check_id`); the member co-signed it and has
    not answered yet.

    Volunteering in `alpha` (the admin, on its committee, coordinates every opportunity of it): the member and
    `second` have profiles (the member's open to members, `second`'s to the committee only), the member offered help on `published`, the admin too (`offer_id`, the admin's own); `coordinator_id` is the
    partner coordinator (`partner`, of a partner organisation, not a member) the committee added, who runs
    `opportunity_id`, open at `centre` in five days, on which the member awaits confirmation (`signup_id`);
    `joined_opportunity_id`, open, on which the admin awaits confirmation; `started_opportunity_id`, begun two hours
    ago, on which the member is confirmed without hours yet (`started_signup_id`) and gave feedback (`feedback_id`),
    and the admin is confirmed with 3 hours recorded and no feedback (`own_signup_id`); `proposed_opportunity_id`,
    proposed by the member, awaiting approval. `skill_id` is a skill of the list.
    """
    admin = make_admin(name="Site admin", email="admin@example.org", verified=False)
    alpha = make_community(slug="alpha", is_open=False)
    make_committee(alpha, admin)
    second = make_committee(alpha)
    member = make_member(alpha)
    pending = make_pending(alpha)
    beta = make_community(slug="beta")
    centre = make_centre(alpha)
    council = make_council(contact_email="council@example.org")
    staffer = make_staff(council, role="responder")
    unverified = make_user(verified=False)
    link_councils(None, alpha, [council])
    demands = _demands(admin, alpha, council, second, member)
    demands["open_demand"] = _open_demand(admin, beta)
    signed = _signatures(admin, member, demands["published"], centre)
    demands["mine_open"] = _mine_open(admin, alpha, council)
    debate = _deliberation(admin, member, second, demands["published"], demands["mine_open"])
    meets = _meetings(admin, alpha, centre, demands["published"])
    votes = _votes(admin, alpha, member, second, demands["published"], demands["kept"], council)
    written = _letters(admin, alpha, council, second, member)
    viewer = make_staff(council, role="viewer")
    other_council = make_council(contact_email="other-council@example.org")
    outsider = make_staff(other_council, role="responder")
    answered = _council_side(admin, alpha, council, second, member, staffer, written["letter_sent"])
    moderated = _moderation(admin, alpha, member, second, pending, demands, debate, meets)
    volunteering = _volunteering(admin, alpha, centre, member, second, demands["published"])
    world = SimpleNamespace(
        **demands, **signed, **debate, **meets, **votes, **written, **answered, **moderated, **volunteering,
        admin=admin, alpha=alpha, beta=beta, second=second, member=member, pending=pending, centre=centre,
        council=council, staffer=staffer, unverified=unverified, viewer=viewer, other_council=other_council,
        outsider=outsider,
        request_id=membership(alpha, pending).id, staff_id=staff_membership(staffer).id,
        verify_token=tokens.issue("verify_email", user=unverified, email=unverified.email),
        reset_token=tokens.issue("reset_password", user=admin, email=admin.email),
        invite_token=tokens.issue("council_invite", email=admin.email, council_id=council.id, role="viewer"),
        notification_id=db.session.scalars(select(Notification.id).where(Notification.recipient_id == admin.id)
                                           .order_by(Notification.id)).first(),
        unsubscribe_token=recipients.unsubscribe_token(admin, "votes"),
        admin_session_id=user_sessions.start(admin, user_agent="Mozilla/5.0 (Android 14) Firefox/126.0")[0].id,
    )
    db.session.commit()
    return world


def demand_fields(council, **fields) -> dict:
    """Every field of the demand form, as the services take them."""
    return {"title": "إصلاح سقف مدرسة البنات", "summary": "السقف يدلف في الشتاء.",
            "body": "## التفاصيل\n- الصف الثالث", "category": "facility_repair",
            "council_id": council.id if council else None, "place": "الحارة القبلية", "latitude": None,
            "longitude": None, "resolution": "سقف لا يدلف.", **fields}


def demand_form(council, **fields) -> dict:
    """The same fields as a browser posts them."""
    data = demand_fields(council, **fields)
    data.pop("latitude"), data.pop("longitude")
    return {**data, "council_id": str(data["council_id"]) if data["council_id"] else ""}


def png_bytes(size=(4, 4), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def attach(uploader, proposal, data: bytes, filename: str):
    """Store one file on the demand through the attachment service (checked, cleaned, then written)."""
    [upload] = proposal_attachments.prepare([(data, filename)], proposal)
    return proposal_attachments.add(uploader, proposal, upload)


def _demands(admin, community, council, second, member) -> dict:
    draft = proposals.create_draft(admin, community, **demand_fields(council, title="مسودة المدير"))
    proposals.edit(admin, draft, **demand_fields(council, title="مسودة المدير المعدلة"))
    proposals.invite_coauthor(admin, draft, second)
    attachment = attach(admin, draft, png_bytes(), "photo.png")
    invited = proposals.create_draft(member, community, **demand_fields(council, title="مسودة بدعوة"))
    proposals.invite_coauthor(member, invited, admin)
    review = proposals.create_draft(member, community, **demand_fields(council, title="مطلب قيد المراجعة"))
    proposals.submit(member, review)
    published = proposals.create_draft(member, community, **demand_fields(council, title="إنارة الشارع العام"))
    proposals.submit(member, published)
    proposals.publish(admin, published)
    kept = proposals.create_draft(second, community, **demand_fields(council, title="إنارة الطريق العام"))
    proposals.submit(second, kept)
    proposals.publish(admin, kept)
    db.session.commit()
    return {"draft": draft, "invited": invited, "review": review, "published": published, "kept": kept,
            "attachment_id": attachment.id}


def _open_demand(admin, community):
    author = make_member(community)
    demand = proposals.create_draft(author, community, **demand_fields(None, title="مقاعد للحديقة"))
    proposals.submit(author, demand)
    proposals.publish(admin, demand)
    db.session.commit()
    return demand


def _signatures(admin, member, published, centre) -> dict:
    signatures.sign(admin, published, "public", "", address="198.51.100.12")
    signature = signatures.sign(member, published, "letter_only", "لأن الشارع مظلم", address="198.51.100.40")
    [scan] = proposal_attachments.prepare([(png_bytes(), "sheet.png")])
    batch = signatures.record_paper_batch(admin, published, centre=centre, collected_on=date.today(), scan=scan,
                                          rows=[("سعاد الأحمد", "حارة الجامع", "0944123456"),
                                                ("خالد العلي", "الحارة القبلية", "")])
    db.session.commit()
    paper = signatures.paper_signatures(published)
    return {"signature_id": signature.id, "batch_id": batch.id, "paper_id": paper[0].id,
            "network_label": signature_networks.network_label("198.51.100.40")}


def _mine_open(admin, community, council):
    demand = proposals.create_draft(admin, community, **demand_fields(council, title="حديقة للأطفال"))
    proposals.submit(admin, demand)
    proposals.publish(admin, demand)
    db.session.commit()
    return demand


def _deliberation(admin, member, second, published, mine_open) -> dict:
    argument = deliberation.post(member, published, "for", "الشارع مظلم منذ سنة.")
    own = deliberation.post(admin, published, "question", "من يدفع ثمن المصابيح؟")
    marked = deliberation.post(second, published, "against", "البلدية وعدت بذلك.")
    deliberation.mark_helpful(admin, marked)
    hidden = deliberation.post(second, published, "against", "كلام جارح.")
    hide_argument(admin, hidden, "إساءة")
    fields = {"summary": "السقف يدلف في الشتاء، والشارع مظلم."}
    free = amendments.propose(second, published, "أوضح.", **fields)
    supported = amendments.propose(second, published, "أدق.", summary="ملخص أدق.")
    amendments.take_position(admin, supported, "support")
    own_amendment = amendments.propose(admin, published, "أقصر.", summary="ملخص أقصر.")
    amendment = amendments.propose(member, mine_open, "أوضح.", **fields)
    db.session.commit()
    return {"argument_id": argument.id, "own_argument_id": own.id, "marked_argument_id": marked.id,
            "hidden_argument_id": hidden.id, "free_amendment_id": free.id,
            "supported_amendment_id": supported.id, "own_amendment_id": own_amendment.id,
            "amendment_id": amendment.id}


def _meetings(admin, community, centre, published) -> dict:
    soon = utcnow() + timedelta(days=10)
    meeting = meetings.schedule(admin, community, centre_id=centre.id, title="اجتماع الإنارة", starts_at=soon,
                                duration_minutes=90, agenda_ids=[published.id])
    past = meetings.schedule(admin, community, centre_id=centre.id, title="اجتماع الأمس", starts_at=soon,
                             duration_minutes=90, agenda_ids=[published.id])
    past.starts_at = utcnow() - timedelta(hours=2)  # the service refuses a past date, as it should
    db.session.commit()
    return {"meeting_id": meeting.id, "past_meeting_id": past.id, "past_item_id": past.agenda[0].id}


def _goal_reached(admin, community, council, signer, title):
    demand = proposals.create_draft(admin, community, **demand_fields(council, title=title))
    proposals.submit(admin, demand)
    proposals.publish(admin, demand)
    proposals.set_goal(admin, demand, 1)
    signatures.sign(signer, demand, "public", "")
    db.session.flush()
    assert demand.goal_reached_at is not None
    return demand


def _votes(admin, community, member, second, published, kept, council) -> dict:
    walkin = make_member(community, make_user(verified_in_person_at=utcnow()))
    closes = utcnow() + timedelta(days=7)
    vote_demand = _goal_reached(admin, community, council, member, "رصف الطريق إلى المدرسة")
    vote_ready = _goal_reached(admin, community, council, member, "حاويات قمامة للحي")
    poll = voting.open_adoption_vote(admin, vote_demand, closes_at=closes)
    voting.give_proxy(member, poll, admin)
    options = [published.id, kept.id]
    proxy_poll = voting.open_priority_ballot(admin, community, title="أي الإنارة أولاً؟", proposal_ids=options,
                                             method="approval", closes_at=closes)
    voting.give_proxy(admin, proxy_poll, second)
    closed = voting.open_priority_ballot(admin, community, title="أي الإصلاحات أولاً؟", proposal_ids=options,
                                         method="ranked", closes_at=closes)
    voting.cast(member, closed, [kept.id, published.id])
    voting.close(admin, closed, "اجتمع المجلس")
    db.session.commit()
    return {"walkin": walkin, "vote_demand": vote_demand, "vote_ready": vote_ready, "poll_id": poll.id,
            "proxy_poll_id": proxy_poll.id, "closed_poll_id": closed.id}


# A stand-in for the issued PDF of the world's letters: WeasyPrint takes a third of a second per letter, and the
# world is built for every test of the suite (tests/letters reads real PDFs back).
STAND_IN_PDF = b"%PDF-1.4\n% a stand-in for a rendered letter\n%%EOF\n"


@contextmanager
def quick_pdfs():
    with mock.patch.object(letter_pdf, "render", lambda html: (STAND_IN_PDF, 1)):
        yield


def _adopted(admin, community, council, member, title):
    demand = proposals.create_draft(member, community, **demand_fields(council, title=title))
    proposals.submit(member, demand)
    proposals.publish(admin, demand)
    proposals._move(admin, demand, "open_vote")  # through the table, as factories.advance_proposal does
    proposals._move(admin, demand, "adopt")
    db.session.flush()
    return demand


def _letters(admin, community, council, second, member) -> dict:
    ready = _adopted(admin, community, council, member, "مقاعد في الساحة")
    drafted = _adopted(admin, community, council, member, "رصيف للمشاة")
    approved = _adopted(admin, community, council, member, "إشارة مرور")
    sent = _adopted(admin, community, council, member, "مكتبة للحي")
    with quick_pdfs():
        draft_letter = letters.create(second, drafted, "ar")
        draft_letter.current.evidence = {**draft_letter.current.evidence, "total": 99}  # counts out of date
        letters.approve(admin, letters.create(second, approved, "ar_en"))
        sent_letter = letters.create(second, sent, "en")
        letters.approve(admin, sent_letter)
        letters.edit(admin, sent_letter, subject="طلب مكتبة للحي")
        version = letters.approve(second, sent_letter)
        letters.record_hand_delivery(admin, sent_letter, delivered_on=letters.local_today(community),
                                     delivered_by="سلمى", registry_number="IN-2026/17",
                                     receipt=(png_bytes(), "receipt.png"))
    db.session.commit()
    return {"letter_ready": ready, "letter_draft": drafted, "letter_approved": approved, "letter_sent": sent,
            "letter_code": version.verification_code}


def jpeg_bytes(size=(8, 8), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def _letter_of(proposal) -> Letter:
    return db.session.scalar(select(Letter).where(Letter.proposal_id == proposal.id))


def _sent(admin, community, council, second, member, title, signers=()):
    """An adopted demand (co-signed by `signers` while open) whose letter was delivered by hand: `submitted`."""
    demand = proposals.create_draft(member, community, **demand_fields(council, title=title))
    proposals.submit(member, demand)
    proposals.publish(admin, demand)
    for signer in signers:
        signatures.sign(signer, demand, "public", "")
    proposals._move(admin, demand, "open_vote")
    proposals._move(admin, demand, "adopt")
    with quick_pdfs():
        letter = letters.create(second, demand, "ar")
        letters.approve(admin, letter)
        letters.record_hand_delivery(admin, letter, delivered_on=letters.local_today(community),
                                     delivered_by="سلمى")
    db.session.flush()
    return demand, letter


def _council_side(admin, community, council, second, member, staffer, sent) -> dict:
    acknowledged, acknowledged_letter = _sent(admin, community, council, second, member, "حديقة عامة")
    council_responses.acknowledge(staffer, acknowledged_letter, registry_number="IN-2026/20", body="وصلنا.")
    answered, answered_letter = _sent(admin, community, council, second, member, "ملعب للحي")
    answer = council_responses.answer(staffer, answered_letter, "accepted", body="سننفذ.",
                                      photos=[(jpeg_bytes(), "site.jpg")])
    resolved, resolved_letter = _sent(admin, community, council, second, member, "إصلاح الرصيف",
                                      signers=(member, second))
    council_responses.answer(staffer, resolved_letter, "accepted", body="سننفذ.")
    council_responses.post_progress(staffer, resolved_letter, "resolved", "أصلحنا الرصيف.")
    contest = council_responses.check(second, resolved, "contest", "ما زال مكسوراً.", (png_bytes(), "still.png"))
    db.session.commit()
    return {"sent_letter_id": _letter_of(sent).id, "letter_acknowledged": acknowledged,
            "acknowledged_letter_id": acknowledged_letter.id, "letter_answered": answered,
            "answered_letter_id": answered_letter.id, "response_photo_id": answer.photos[0].id,
            "letter_resolved": resolved, "resolved_letter_id": resolved_letter.id, "check_id": contest.id}


def _moderation(admin, community, member, second, pending, demands, debate, meets) -> dict:
    """Reports by `second` of the member's argument (`reported_case_id`, open), of `published` and of the supported
    amendment; the hidden argument's case (`hidden_case_id`), which `second` appealed (`appeal_id`, assigned to
    the admin: the other committee member is its author); the admin's own argument hidden by `second`
    (`admin_hidden_case_id`, not appealed yet); minutes posted for the past meeting; an argument of the member
    held for review (`held_argument_id`: alpha holds arguments with links); `pending` blocked for 7 days
    (`block_id`); the member asking for an identity check in person."""
    meetings.post_minutes(admin, db.session.get(Meeting, meets["past_meeting_id"]), "حضر الجميع.", 12, {})
    argument = db.session.get(Argument, debate["argument_id"])
    reported = moderation.report(second, moderation_items.of("argument", argument), "offensive", "شتيمة")
    moderation.report(second, moderation_items.of("proposal", demands["published"]), "off_topic")
    moderation.report(second, moderation_items.of("amendment", db.session.get(Amendment,
                                                                              debate["supported_amendment_id"])),
                      "spam")
    hidden = db.session.get(Argument, debate["hidden_argument_id"])
    hidden_case = moderation.case_of(moderation_items.of("argument", hidden))
    appeal = moderation.appeal(second, hidden_case, "كان نقداً")
    own = deliberation.post(admin, demands["published"], "for", "مداخلة المدير")
    admin_hidden = moderation.hide(second, moderation_items.of("argument", own), "خارج الموضوع")
    moderation.update_rules(admin, community, report_threshold=3, hold_account_days=0, hold_links=True,
                            hold_words="")
    held = deliberation.post(member, demands["published"], "against", "انظروا https://example.org")
    block = moderation.block(admin, community, pending, "7", "رسائل مزعجة")
    communities_services.request_verification(member, community, "الخميس")
    db.session.commit()
    assert appeal.assignee_id == admin.id and held.status == "held"
    return {"reported_case_id": reported.case_id, "hidden_case_id": hidden_case.id, "appeal_id": appeal.id,
            "admin_hidden_case_id": admin_hidden.id, "held_argument_id": held.id, "block_id": block.id}


def _volunteering(admin, community, centre, member, second, published) -> dict:
    profiles.add_default_skills()  # the migration seeds them; each test's clean-up empties the table
    skills = {skill.key: skill.id for skill in profiles.skills()}
    profiles.save_profile(member, skill_ids=[skills["plumbing"]], days=1 << 4, visibility="members")
    profiles.save_profile(second, skill_ids=[skills["plumbing"]], visibility="committee")
    offers.offer_help(member, published, kind="time", hours=4, detail="أيام الجمعة")
    own_offer = offers.offer_help(admin, published, kind="resource", detail="عشرة كراسٍ")
    partner = make_user(name="منسقة الهلال")
    coordinator = opportunities.add_coordinator(admin, community, partner, "الهلال الأحمر")
    soon = utcnow() + timedelta(days=5)
    opportunity = opportunities.post(admin, community, title="إصلاح المضخة", centre_id=centre.id, starts_at=soon,
                                  duration_minutes=180, capacity=5, skill_ids=[skills["plumbing"]],
                                  coordinator_id=partner.id)
    signup = signups.sign_up(member, opportunity, "عندي عدة")
    joined = opportunities.post(admin, community, title="دهان الصفوف", centre_id=centre.id, starts_at=soon, capacity=5)
    signups.sign_up(admin, joined)
    started = opportunities.post(admin, community, title="تنظيف الساحة", centre_id=centre.id, starts_at=soon, capacity=5)
    started_signup, own = signups.sign_up(member, started), signups.sign_up(admin, started)
    signups.confirm(admin, started_signup), signups.confirm(admin, own)
    started.starts_at = utcnow() - timedelta(hours=2)  # the service refuses a past date, as it should
    hours.record_hours(admin, started, {own.id: 3})
    feedback = volunteer_feedback.give_feedback(member, started_signup, rating=4, went_well="تنظيم جيد")
    proposed = opportunities.propose(member, community, title="نادي القراءة", centre_id=centre.id, days=1 << 5, times=4,
                                  capacity=10)
    db.session.commit()
    return {"partner": partner, "coordinator_id": coordinator.id, "offer_id": own_offer.id,
            "opportunity_id": opportunity.id, "signup_id": signup.id, "joined_opportunity_id": joined.id,
            "started_opportunity_id": started.id, "started_signup_id": started_signup.id, "own_signup_id": own.id,
            "feedback_id": feedback.id, "proposed_opportunity_id": proposed.id, "skill_id": skills["first_aid"]}


def opportunity_form(centre, **fields) -> dict:
    """An opportunity as a coordinator's browser posts it: a date in the future, local time."""
    return {"title": "يوم عمل في المنارة", "description": "", "centre_id": str(centre.id), "proposal_id": "",
            "date": (date.today() + timedelta(days=20)).isoformat(), "time": "09:00", "duration_minutes": "180",
            "category": "", "capacity": "6", "coordinator_id": "", **fields}


def answer_form(**fields) -> dict:
    """The council's answer as a responder's browser posts it (multipart, with two fresh JPEG photos)."""
    return {"decision": "accepted", "body": "سننفذ الطلب هذا الشهر.", "referred_to": "", "language": "ar",
            "photos": [(io.BytesIO(jpeg_bytes()), "one.jpg"), (io.BytesIO(jpeg_bytes(color=(9, 9, 9))), "two.jpg")],
            **fields}


def progress_form(**fields) -> dict:
    """A progress update as a responder's browser posts it: the work scheduled, with its date and a photo."""
    return {"stage": "scheduled", "scheduled_for": (date.today() + timedelta(days=10)).isoformat(),
            "body": "يبدأ العمل بعد عشرة أيام.", "language": "ar",
            "photos": [(io.BytesIO(jpeg_bytes()), "plan.jpg")], **fields}


def letter_form(council, **fields) -> dict:
    """Every field of the letter's edit form, as a browser posts it."""
    return {"language": "ar", "letter_date": date.today().isoformat(), "recipient_name": council.name,
            "recipient_title": "رئيس المجلس", "recipient_address": "ساحة المحافظة", "subject": "رصيف آمن للمشاة",
            "body": "## الطلب\nرصيف على طول الشارع.", "place": "الشارع العام", "resolution": "رصيف مكتمل.",
            "signatories": "سلمى | عضو اللجنة\nيوسف | عضو اللجنة", **fields}


def approval_form(proposal) -> dict:
    """The approve form of the letter page as the approver's browser posts it: the version read, its fingerprint
    and its content (letters/approval.py)."""
    content = letter_approval.content(_letter_of(proposal))
    return {"version": str(content["version"]), "fingerprint": letter_approval.fingerprint(content),
            "read": letter_approval.encode(content)}


def delivery_form(**fields) -> dict:
    """A hand delivery as the committee's browser posts it (multipart, with a fresh PNG of the receipt)."""
    return {"delivered_on": date.today().isoformat(), "delivered_by": "سلمى", "registry_number": "IN-2026/18",
            "receipt": (io.BytesIO(png_bytes()), "receipt.png"), **fields}


def vote_settings(**fields) -> dict:
    """What every vote is opened with (an adoption vote also asks for the majority needed)."""
    return {"closes_in_days": "7", "quorum_percent": "20", **fields}


def meeting_form(centre, **fields) -> dict:
    """A meeting as the committee's browser posts it: a date in the future, local time."""
    return {"title": "اجتماع مفتوح", "centre_id": str(centre.id),
            "date": (date.today() + timedelta(days=20)).isoformat(), "time": "17:00",
            "duration_minutes": "90", "capacity": "", "description": "", **fields}


def paper_form(centre, **fields) -> dict:
    """A paper batch as the committee's browser posts it (multipart, with a fresh PNG scan)."""
    return {"centre": str(centre.id), "collected_on": date.today().isoformat(),
            "scan": (io.BytesIO(png_bytes()), "sheet.png"),
            "rows": "ريم حسن، حارة الجامع، ٠٩٤٤١٢٣٤٥٦\nسامر يوسف، الحارة القبلية", **fields}


# GET rules: endpoint -> URL values. ------------------------------------------------------------

GET_CASES = {
    "static": lambda w: {"filename": "css/app.css"},
    "health.healthz": lambda w: {},
    "health.readyz": lambda w: {},
    "communities.index": lambda w: {},
    "communities.show": lambda w: {"slug": w.alpha.slug},
    "communities.members": lambda w: {"slug": w.alpha.slug},
    "communities.admin": lambda w: {},
    "communities.create": lambda w: {},
    "communities.edit": lambda w: {"slug": w.alpha.slug},
    "communities.add_centre": lambda w: {"slug": w.alpha.slug},
    "communities.edit_centre": lambda w: {"slug": w.alpha.slug, "centre_id": w.centre.id},
    "communities.councils": lambda w: {"slug": w.alpha.slug},
    "communities.centre": lambda w: {"slug": w.alpha.slug, "centre_id": w.centre.id},
    "accounts.register": lambda w: {},
    "accounts.check_email": lambda w: {},
    "accounts.verify_email": lambda w: {"token": w.verify_token},
    "accounts.login": lambda w: {},
    "accounts.reset_request": lambda w: {},
    "accounts.reset": lambda w: {"token": w.reset_token},
    "accounts.profile": lambda w: {},
    "accounts.change_password": lambda w: {},
    "accounts.delete_account": lambda w: {},
    "accounts.sessions": lambda w: {},
    "activity.notifications": lambda w: {},
    "council.index": lambda w: {},
    "council.show": lambda w: {"council_id": w.council.id},
    "council.create": lambda w: {},
    "council.edit": lambda w: {"council_id": w.council.id},
    "council.staff": lambda w: {"council_id": w.council.id},
    "council.accept_invitation": lambda w: {"token": w.invite_token},
    "proposals.index": lambda w: {},
    "proposals.community_index": lambda w: {"slug": w.alpha.slug},
    "proposals.mine": lambda w: {},
    "proposals.similar": lambda w: {"slug": w.alpha.slug, "title": "إنارة الشارع"},
    "proposals.review_queue": lambda w: {"slug": w.alpha.slug},
    "proposals.create": lambda w: {"slug": w.alpha.slug},
    "proposals.edit": lambda w: {"proposal_id": w.draft.id},
    "proposals.show": lambda w: {"proposal_id": w.published.id},
    "proposals.request_changes": lambda w: {"proposal_id": w.review.id},
    "proposals.reject": lambda w: {"proposal_id": w.review.id},
    "proposals.withdraw": lambda w: {"proposal_id": w.draft.id},
    "proposals.merge": lambda w: {"proposal_id": w.published.id},
    "proposals.revisions": lambda w: {"proposal_id": w.draft.id},
    "proposals.compare": lambda w: {"proposal_id": w.draft.id, "from": 1, "to": 2},
    "proposals.attachment": lambda w: {"proposal_id": w.draft.id, "attachment_id": w.attachment_id},
    "signatures.signers": lambda w: {"proposal_id": w.published.id},
    "signatures.count": lambda w: {"proposal_id": w.published.id},
    "signatures.signers_csv": lambda w: {"proposal_id": w.published.id},
    "signatures.paper": lambda w: {"proposal_id": w.published.id},
    "signatures.scan": lambda w: {"proposal_id": w.published.id, "batch_id": w.batch_id},
    "signatures.void": lambda w: {"signature_id": w.signature_id},
    "signatures.correct": lambda w: {"signature_id": w.paper_id},
    "signatures.invalidate": lambda w: {"proposal_id": w.published.id, "network": w.network_label},
    "deliberation.arguments": lambda w: {"proposal_id": w.published.id, "sort": "newest"},
    "deliberation.reply": lambda w: {"argument_id": w.argument_id},
    "deliberation.edit": lambda w: {"argument_id": w.own_argument_id},
    "deliberation.history": lambda w: {"argument_id": w.argument_id},
    "moderation.hide_argument": lambda w: {"argument_id": w.argument_id},
    "deliberation.amendment_list": lambda w: {"proposal_id": w.published.id},
    "deliberation.propose_amendment": lambda w: {"proposal_id": w.published.id},
    "deliberation.amendment": lambda w: {"amendment_id": w.free_amendment_id},
    "deliberation.decline_amendment": lambda w: {"amendment_id": w.amendment_id},
    "meetings.index": lambda w: {"slug": w.alpha.slug},
    "meetings.create": lambda w: {"slug": w.alpha.slug},
    "meetings.show": lambda w: {"meeting_id": w.meeting_id},
    "meetings.calendar": lambda w: {"meeting_id": w.meeting_id},
    "meetings.edit": lambda w: {"meeting_id": w.meeting_id},
    "meetings.cancel": lambda w: {"meeting_id": w.meeting_id},
    "meetings.minutes": lambda w: {"meeting_id": w.past_meeting_id},
    "voting.open_vote": lambda w: {"proposal_id": w.vote_ready.id},
    "voting.index": lambda w: {"slug": w.alpha.slug},
    "voting.create_priority": lambda w: {"slug": w.alpha.slug},
    "voting.show": lambda w: {"poll_id": w.poll_id},
    "voting.assisted": lambda w: {"poll_id": w.poll_id},
    "voting.close": lambda w: {"poll_id": w.poll_id},
    "voting.ballots_csv": lambda w: {"poll_id": w.closed_poll_id},
    "voting.ballot_list": lambda w: {"poll_id": w.closed_poll_id},
    "voting.voters": lambda w: {"poll_id": w.poll_id},
    "letters.show": lambda w: {"proposal_id": w.letter_approved.id},
    "letters.edit": lambda w: {"proposal_id": w.letter_draft.id},
    "letters.receipt": lambda w: {"proposal_id": w.letter_sent.id},
    "letters.download": lambda w: {"proposal_id": w.letter_sent.id},
    "letters.version_pdf": lambda w: {"proposal_id": w.letter_sent.id, "number": 1},
    "letters.printable": lambda w: {"proposal_id": w.letter_sent.id},
    "letters.discussion_pdf": lambda w: {"proposal_id": w.letter_ready.id},
    "letters.discussion": lambda w: {"proposal_id": w.letter_ready.id},
    "letters.verify_form": lambda w: {},
    "letters.verify": lambda w: {"code": w.letter_code},
    "council.my_inbox": lambda w: {},
    "council.inbox": lambda w: {"council_id": w.council.id},
    "council.letter": lambda w: {"council_id": w.council.id, "letter_id": w.sent_letter_id},
    "council.response_photo": lambda w: {"proposal_id": w.letter_answered.id, "photo_id": w.response_photo_id},
    "council.check_photo": lambda w: {"proposal_id": w.letter_resolved.id, "check_id": w.check_id},
    "council.check": lambda w: {"proposal_id": w.letter_resolved.id},
    "council.reopen": lambda w: {"proposal_id": w.letter_resolved.id},
    "council.accountability": lambda w: {"council_id": w.council.id},
    "council.community_accountability": lambda w: {"slug": w.alpha.slug},
    "moderation.restore_argument": lambda w: {"argument_id": w.hidden_argument_id},
    "activity.settings": lambda w: {},
    "accounts.unsubscribe": lambda w: {"token": w.unsubscribe_token},
    # A rule with <any(...)> choices gets them as keyword arguments (get_case), like POST_CASES.
    "moderation.report": lambda w, kind="argument": {"slug": w.alpha.slug, "subject_id": reportable(w, kind)},
    "moderation.hide": lambda w, kind="argument": {"slug": w.alpha.slug, "subject_id": reportable(w, kind)},
    "moderation.item_case": lambda w, kind="argument": {"subject_id": {
        "argument": w.hidden_argument_id, "proposal": w.published.id, "amendment": w.supported_amendment_id}[kind]},
    "moderation.queue": lambda w: {"slug": w.alpha.slug},
    "moderation.case": lambda w: {"case_id": w.reported_case_id},
    "moderation.decide": lambda w, action="hide": {
        "case_id": w.hidden_case_id if action == "restore" else w.reported_case_id},
    "moderation.reject_held": lambda w: {"argument_id": w.held_argument_id},
    "moderation.block": lambda w: {"slug": w.alpha.slug, "user_id": w.walkin.id},
    "moderation.lift_block": lambda w: {"block_id": w.block_id},
    "moderation.appeal": lambda w: {"case_id": w.admin_hidden_case_id},
    "moderation.decide_appeal": lambda w: {"appeal_id": w.appeal_id},
    "moderation.rules": lambda w: {"slug": w.alpha.slug},
    "moderation.log": lambda w: {"slug": w.alpha.slug},
    "dashboard.show": lambda w: {"slug": w.alpha.slug},
    "volunteers.home": lambda w: {},
    "volunteers.history": lambda w: {},
    "volunteers.profile": lambda w: {},
    "volunteers.show_profile": lambda w: {"user_id": w.member.id},
    "volunteers.offers": lambda w: {"proposal_id": w.published.id},
    "volunteers.offer_help": lambda w: {"proposal_id": w.published.id},
    "volunteers.index": lambda w: {"slug": w.alpha.slug},
    "volunteers.create": lambda w: {"slug": w.alpha.slug},
    "volunteers.propose": lambda w: {"slug": w.alpha.slug},
    "volunteers.dashboard": lambda w: {"slug": w.alpha.slug},
    "volunteers.coordinators": lambda w: {"slug": w.alpha.slug},
    "volunteers.show": lambda w: {"opportunity_id": w.opportunity_id},
    "volunteers.edit": lambda w: {"opportunity_id": w.opportunity_id},
    "volunteers.cancel": lambda w: {"opportunity_id": w.opportunity_id},
    "volunteers.reject": lambda w: {"opportunity_id": w.proposed_opportunity_id},
    "volunteers.signups": lambda w: {"opportunity_id": w.opportunity_id},
    "volunteers.signups_csv": lambda w: {"opportunity_id": w.opportunity_id},
    "volunteers.suggested": lambda w: {"opportunity_id": w.opportunity_id},
    "volunteers.hours": lambda w: {"opportunity_id": w.started_opportunity_id},
    "volunteers.feedback": lambda w: {"opportunity_id": w.started_opportunity_id},
    "volunteers.give_feedback": lambda w: {"signup_id": w.own_signup_id},
    "volunteers.certificate_pdf": lambda w: {"signup_id": w.own_signup_id},
    "volunteers.skills": lambda w: {},
    "volunteers.edit_skill": lambda w: {"skill_id": w.skill_id},
}


def reportable(world, kind: str) -> int:
    """Something of `kind` in alpha the admin did not write (and has not reported): what a report is about."""
    return {"proposal": world.published.id, "argument": world.argument_id, "amendment": world.free_amendment_id,
            "minutes": world.past_meeting_id, "user": world.member.id}[kind]

# Who requests a rule in the suites that sign in (the site admin, but for these): the council's forms are its
# responders' (a site admin is not on the council's staff), "is it really fixed?" is for co-signers (the admin's
# own email is not verified, so they have no counted signature), and the menu's inbox link is for staff.
SIGNED_IN_AS = {
    "council.my_inbox": "staffer",
    "council.acknowledge": "staffer",
    "council.answer": "staffer",
    "council.progress": "staffer",
    "council.check": "member",
}
# GET rules that answer with a redirection (303) to the page, not the page itself: endpoint -> where to.
REDIRECTS = {
    "council.my_inbox": lambda w: f"/councils/{w.council.id}/inbox",
    "moderation.item_case": lambda w, kind="argument": "/moderation/cases/{}".format(
        {"argument": w.hidden_case_id, "proposal": _case_id(w, "proposal", w.published.id),
         "amendment": _case_id(w, "amendment", w.supported_amendment_id)}[kind]),
}


def _case_id(world, kind: str, subject_id: int) -> int:
    from civicvoice.moderation.models import ModerationCase

    return db.session.scalar(select(ModerationCase.id).where(ModerationCase.subject_type == kind,
                                                             ModerationCase.subject_id == subject_id))


def _with_choices(case, world, fixed: dict):
    """Call a GET_CASES / REDIRECTS entry with the rule's <any(...)> choices when it takes them."""
    import inspect

    accepted = set(inspect.signature(case).parameters) - {"w"}
    return case(world, **{name: value for name, value in fixed.items() if name in accepted})


def get_case(world, endpoint: str, fixed: dict) -> dict:
    """URL values of GET_CASES for this choice of the rule's <any(...)> values."""
    return {**_with_choices(GET_CASES[endpoint], world, fixed), **fixed}


def redirect_of(world, endpoint: str, fixed: dict) -> str:
    return _with_choices(REDIRECTS[endpoint], world, fixed)


def signed_in_as(world, endpoint: str):
    """The user who requests `endpoint` in the suites that sign in (see SIGNED_IN_AS)."""
    return getattr(world, SIGNED_IN_AS.get(endpoint, "admin"))

# POST rules: endpoint -> (URL values, a form that succeeds for the signed-in admin of build_world). ----
# A rule with <any(...)> choices is called with them as keyword arguments (post_case), so each choice can
# name an object on which it changes something.

POST_CASES = {
    "communities.join": lambda w: ({"slug": w.beta.slug}, {}),
    "communities.leave": lambda w: ({"slug": w.alpha.slug}, {}),
    "communities.appoint_by_email": lambda w: ({"slug": w.alpha.slug}, {"email": w.member.email}),
    "communities.decide_request": lambda w, decision=None: (
        {"slug": w.alpha.slug, "membership_id": w.request_id}, {}),
    "communities.appoint": lambda w: ({"slug": w.alpha.slug, "user_id": w.member.id}, {}),
    "communities.remove_from_committee": lambda w: ({"slug": w.alpha.slug, "user_id": w.second.id}, {}),
    "communities.verify_in_person": lambda w: ({"slug": w.alpha.slug, "user_id": w.member.id}, {}),
    "communities.create": lambda w: ({}, {"name": "New community", "slug": "new-community", "code": "NEW",
                                          "description": "", "is_open": "y", "timezone": "Asia/Damascus"}),
    "communities.edit": lambda w: ({"slug": w.alpha.slug}, {"name": "Renamed", "description": "Changed",
                                                            "timezone": "Asia/Damascus", "review_due_days": "5",
                                                            "review_overdue_days": "10", "signature_goal": "80"}),
    "communities.add_centre": lambda w: ({"slug": w.alpha.slug}, {"name": "Second", "address": "Road"}),
    "communities.edit_centre": lambda w: ({"slug": w.alpha.slug, "centre_id": w.centre.id},
                                          {"name": "Renamed centre", "address": "Street 2"}),
    "communities.councils": lambda w: ({"slug": w.alpha.slug}, {"councils": [str(w.council.id)]}),
    "accounts.register": lambda w: ({}, {"display_name": "Newcomer", "email": "newcomer@example.org",
                                         "password": NEW_PASSWORD}),
    "accounts.verify_email_confirm": lambda w: ({"token": w.verify_token}, {}),
    "accounts.resend_verification": lambda w: ({}, {}),
    "accounts.login": lambda w: ({}, {"email": w.admin.email, "password": PASSWORD}),
    "accounts.logout": lambda w: ({}, {}),
    "accounts.end_session": lambda w: ({"session_id": w.admin_session_id}, {}),
    "accounts.end_other_sessions": lambda w: ({}, {}),
    "accounts.reset_request": lambda w: ({}, {"email": w.member.email}),
    "accounts.reset": lambda w: ({"token": w.reset_token}, {"password": NEW_PASSWORD}),
    "accounts.profile": lambda w: ({}, {"display_name": "Renamed admin", "locale": "en", "digits": "latn"}),
    "accounts.change_password": lambda w: ({}, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    "accounts.delete_account": lambda w: ({}, {"password": PASSWORD, "confirm": "y"}),
    "accounts.download_data": lambda w: ({}, {}),
    "accounts.set_language": lambda w: ({}, {"locale": "en", "next": "/"}),
    "activity.mark_read": lambda w: ({}, {}),
    "council.create": lambda w: ({}, {"name": "New council", "jurisdiction": "Here", "response_days": "30"}),
    "council.edit": lambda w: ({"council_id": w.council.id}, {"name": "Renamed", "jurisdiction": "There",
                                                              "response_days": "20"}),
    "council.staff": lambda w: ({"council_id": w.council.id}, {"email": "new@example.org", "role": "viewer"}),
    "council.remove_staff": lambda w: ({"council_id": w.council.id, "staff_id": w.staff_id}, {}),
    "council.accept_invitation": lambda w: ({"token": w.invite_token}, {}),
    "proposals.create": lambda w: ({"slug": w.alpha.slug}, demand_form(w.council, title="مطلب جديد تماما")),
    "proposals.edit": lambda w: ({"proposal_id": w.draft.id}, demand_form(w.council, title="عنوان آخر للمسودة")),
    "proposals.submit": lambda w: ({"proposal_id": w.draft.id}, {}),
    "proposals.publish": lambda w: ({"proposal_id": w.review.id}, {
        "revision": str(proposals.latest_revision_number(w.review)), "submitted": proposals.submission(w.review)}),
    "proposals.request_changes": lambda w: ({"proposal_id": w.review.id}, {"reason": "Add the school's name."}),
    "proposals.reject": lambda w: ({"proposal_id": w.review.id}, {"code": "incomplete", "reason": "No details."}),
    "proposals.withdraw": lambda w: ({"proposal_id": w.draft.id}, {"reason": "Solved already."}),
    "proposals.merge": lambda w: ({"proposal_id": w.published.id}, {"target": str(w.kept.id),
                                                                     "reason": "Same street."}),
    "proposals.set_goal": lambda w: ({"proposal_id": w.published.id}, {"goal": "75"}),
    "proposals.invite_coauthor": lambda w: ({"proposal_id": w.draft.id}, {"email": w.member.email}),
    "proposals.answer_invitation": lambda w, answer=None: ({"proposal_id": w.invited.id}, {}),
    "proposals.remove_attachment": lambda w: ({"proposal_id": w.draft.id, "attachment_id": w.attachment_id}, {}),
    "signatures.sign": lambda w: ({"proposal_id": w.kept.id}, {"visibility": "letter_only", "comment": "نعم"}),
    "signatures.register_and_sign": lambda w: ({"proposal_id": w.open_demand.id}, {
        "display_name": "Newcomer", "email": "newcomer@example.org", "password": NEW_PASSWORD,
        "visibility": "public", "comment": ""}),
    "signatures.update": lambda w: ({"proposal_id": w.published.id}, {"visibility": "letter_only",
                                                                       "comment": "تغيير"}),
    "signatures.withdraw": lambda w: ({"proposal_id": w.published.id}, {}),
    "signatures.paper": lambda w: ({"proposal_id": w.published.id}, paper_form(w.centre)),
    "signatures.void": lambda w: ({"signature_id": w.signature_id}, {"reason": "حساب مكرر"}),
    "signatures.correct": lambda w: ({"signature_id": w.paper_id}, {
        "name": "سعاد الأحمد", "neighbourhood": "حارة الجامع الكبير", "phone": "0944123456",
        "reason": "خطأ في الإدخال"}),
    # The member's confirmed signature and the admin's pending one came from one network: what the page showed.
    "signatures.invalidate": lambda w: ({"proposal_id": w.published.id}, {
        "network": w.network_label, "confirmed": "1", "pending": "1", "reason": "دفعة من شبكة واحدة"}),
    "deliberation.post": lambda w: ({"proposal_id": w.published.id}, {"stance": "against", "body": "غالية."}),
    "deliberation.reply": lambda w: ({"argument_id": w.argument_id}, {"body": "صحيح."}),
    "deliberation.edit": lambda w: ({"argument_id": w.own_argument_id},
                                    {"body": "من يدفع ثمن المصابيح الجديدة؟"}),
    "deliberation.delete": lambda w: ({"argument_id": w.own_argument_id}, {}),
    "deliberation.mark_helpful": lambda w: ({"argument_id": w.argument_id}, {}),
    "deliberation.unmark_helpful": lambda w: ({"argument_id": w.marked_argument_id}, {}),
    "moderation.hide_argument": lambda w: ({"argument_id": w.argument_id}, {"reason": "إساءة"}),
    "moderation.restore_argument": lambda w: ({"argument_id": w.hidden_argument_id}, {"reason": "خطأ منا"}),
    "deliberation.propose_amendment": lambda w: ({"proposal_id": w.published.id}, {
        **demand_form(w.council, title="إنارة الشارع العام", summary="الشارع مظلم كله."), "reason": "أوضح."}),
    # Support and oppose change the admin's absent position; neutral removes the one they took.
    "deliberation.take_position": lambda w, position="support": (
        {"amendment_id": w.supported_amendment_id if position == "neutral" else w.free_amendment_id}, {}),
    "deliberation.accept_amendment": lambda w: ({"amendment_id": w.amendment_id}, {}),
    "deliberation.decline_amendment": lambda w: ({"amendment_id": w.amendment_id},
                                                 {"reason": "النص الحالي أدق."}),
    "deliberation.withdraw_amendment": lambda w: ({"amendment_id": w.own_amendment_id}, {}),
    "meetings.create": lambda w: ({"slug": w.alpha.slug},
                                  meeting_form(w.centre, agenda=[str(w.published.id)])),
    "meetings.edit": lambda w: ({"meeting_id": w.meeting_id},
                                meeting_form(w.centre, title="اجتماع الإنارة الثاني")),
    "meetings.cancel": lambda w: ({"meeting_id": w.meeting_id}, {"reason": "المركز مغلق."}),
    "meetings.rsvp": lambda w: ({"meeting_id": w.meeting_id}, {"answer": "going"}),
    "meetings.minutes": lambda w: ({"meeting_id": w.past_meeting_id}, {
        "minutes": "حضر الجميع.", "attendance": "12", "outcomes-0-item_id": str(w.past_item_id),
        "outcomes-0-outcome": "support", "outcomes-0-note": "بالإجماع"}),
    "voting.open_vote": lambda w: ({"proposal_id": w.vote_ready.id}, vote_settings(secret="y", majority="simple")),
    "voting.create_priority": lambda w: ({"slug": w.alpha.slug}, {
        **vote_settings(quorum_percent="0"), "title": "أي المطالب أولاً؟", "description": "", "method": "ranked",
        "options": [str(w.published.id), str(w.kept.id)]}),
    "voting.cast": lambda w: ({"poll_id": w.poll_id}, {"choice": "yes"}),
    "voting.cast_by_proxy": lambda w: ({"poll_id": w.poll_id, "grantor_id": w.member.id}, {"choice": "no"}),
    "voting.give_proxy": lambda w: ({"poll_id": w.poll_id}, {"email": w.second.email}),
    "voting.revoke_proxy": lambda w: ({"poll_id": w.proxy_poll_id}, {}),
    "voting.assisted": lambda w: ({"poll_id": w.poll_id}, {"voter_id": str(w.walkin.id), "choice": "abstain"}),
    "voting.close": lambda w: ({"poll_id": w.poll_id}, {"reason": "اجتمع المجلس قبل الموعد."}),
    "letters.create": lambda w: ({"proposal_id": w.letter_ready.id}, {"language": "ar_en"}),
    "letters.edit": lambda w: ({"proposal_id": w.letter_draft.id}, letter_form(w.council)),
    "letters.refresh_counts": lambda w: ({"proposal_id": w.letter_draft.id}, {}),
    "letters.approve": lambda w: ({"proposal_id": w.letter_draft.id}, approval_form(w.letter_draft)),
    "letters.send_email": lambda w: ({"proposal_id": w.letter_approved.id}, {}),
    "letters.deliver": lambda w: ({"proposal_id": w.letter_approved.id}, delivery_form()),
    "letters.verify": lambda w: ({"code": w.letter_code}, {"pdf": (io.BytesIO(STAND_IN_PDF), "letter.pdf")}),
    "council.acknowledge": lambda w: ({"council_id": w.council.id, "letter_id": w.sent_letter_id},
                                      {"registry_number": "IN-2026/31", "body": "وصلنا كتابكم.", "language": "ar"}),
    "council.answer": lambda w: ({"council_id": w.council.id, "letter_id": w.acknowledged_letter_id}, answer_form()),
    "council.progress": lambda w: ({"council_id": w.council.id, "letter_id": w.answered_letter_id}, progress_form()),
    "council.check": lambda w: ({"proposal_id": w.letter_resolved.id},
                                {"verdict": "contest", "comment": "الحفرة ما زالت.",
                                 "photo": (io.BytesIO(jpeg_bytes()), "hole.jpg")}),
    "council.reopen": lambda w: ({"proposal_id": w.letter_resolved.id}, {"reason": "الرصيف ما زال مكسوراً."}),
    "activity.mark_one_read": lambda w: ({"notification_id": w.notification_id}, {}),
    "activity.settings": lambda w: ({}, {**{kind: spec.default for kind, spec in KINDS.items()
                                            if spec.audience in ("everyone", "committee")}, "votes": "digest"}),
    "accounts.unsubscribe_confirm": lambda w: ({"token": w.unsubscribe_token}, {}),
    "communities.request_verification": lambda w: ({"slug": w.alpha.slug}, {"note": "صباح السبت"}),
    "moderation.report": lambda w, kind="argument": ({"slug": w.alpha.slug, "subject_id": reportable(w, kind)},
                                                     {"reason": "spam", "comment": "إعلان"}),
    "moderation.hide": lambda w, kind="argument": ({"slug": w.alpha.slug, "subject_id": reportable(w, kind)},
                                                   {"reason": "مسيء"}),
    "moderation.decide": lambda w, action="hide": (
        {"case_id": w.hidden_case_id if action == "restore" else w.reported_case_id}, {"reason": "قرار اللجنة"}),
    "moderation.approve_held": lambda w: ({"argument_id": w.held_argument_id}, {}),
    "moderation.reject_held": lambda w: ({"argument_id": w.held_argument_id}, {"reason": "رابط إعلاني"}),
    "moderation.block": lambda w: ({"slug": w.alpha.slug, "user_id": w.walkin.id},
                                   {"period": "30", "reason": "انتحال"}),
    "moderation.lift_block": lambda w: ({"block_id": w.block_id}, {"reason": "اعتذر"}),
    "moderation.appeal": lambda w: ({"case_id": w.admin_hidden_case_id}, {"text": "كان في صلب الموضوع"}),
    "moderation.decide_appeal": lambda w: ({"appeal_id": w.appeal_id}, {"decision": "upheld",
                                                                         "reason": "الإساءة واضحة"}),
    "moderation.rules": lambda w: ({"slug": w.alpha.slug}, {"report_threshold": "4", "hold_account_days": "7",
                                                            "hold_words": "كلمة"}),
    "volunteers.profile": lambda w: ({}, {"skills": [str(w.skill_id)], "tags": "نجارة", "interests": ["health"],
                                          "days": ["4", "5"], "times": ["0"], "centres": [str(w.centre.id)],
                                          "about": "", "visibility": "members"}),
    "volunteers.offer_help": lambda w: ({"proposal_id": w.published.id}, {"kind": "time", "hours": "6",
                                                                           "skill_id": "", "detail": "يوم السبت"}),
    "volunteers.withdraw_offer": lambda w: ({"offer_id": w.offer_id}, {}),
    "volunteers.create": lambda w: ({"slug": w.alpha.slug}, opportunity_form(w.centre, skills=[str(w.skill_id)])),
    "volunteers.propose": lambda w: ({"slug": w.alpha.slug}, opportunity_form(w.centre, date="", time="",
                                                                               days=["5"], times=["2"])),
    "volunteers.coordinators": lambda w: ({"slug": w.alpha.slug}, {"email": w.member.email,
                                                                    "organisation": "جمعية البر"}),
    "volunteers.remove_coordinator": lambda w: ({"slug": w.alpha.slug, "coordinator_id": w.coordinator_id}, {}),
    "volunteers.edit": lambda w: ({"opportunity_id": w.opportunity_id}, opportunity_form(
        w.centre, title="إصلاح المضخة والخزان", coordinator_id=str(w.partner.id))),
    "volunteers.cancel": lambda w: ({"opportunity_id": w.opportunity_id}, {"reason": "المنارة مغلقة."}),
    "volunteers.reject": lambda w: ({"opportunity_id": w.proposed_opportunity_id}, {"reason": "لا مكان لها."}),
    "volunteers.decide": lambda w, action=None: (
        {"opportunity_id": w.opportunity_id if action == "close" else w.proposed_opportunity_id}, {}),
    "volunteers.sign_up": lambda w: ({"opportunity_id": w.opportunity_id}, {"message": "أستطيع المساعدة"}),
    "volunteers.withdraw": lambda w: ({"opportunity_id": w.joined_opportunity_id}, {}),
    "volunteers.decide_signup": lambda w, decision=None: ({"signup_id": w.signup_id}, {}),
    "volunteers.invite": lambda w: ({"opportunity_id": w.opportunity_id, "user_id": w.second.id}, {}),
    "volunteers.hours": lambda w: ({"opportunity_id": w.started_opportunity_id}, {
        "lines-0-signup_id": str(w.started_signup_id), "lines-0-hours": "2.5"}),
    "volunteers.answer_feedback": lambda w: ({"feedback_id": w.feedback_id}, {"answer": "شكراً لك"}),
    "volunteers.give_feedback": lambda w: ({"signup_id": w.own_signup_id}, {"rating": "5", "went_well": "كل شيء"}),
    "volunteers.skills": lambda w: ({}, {"key": "carpentry", "name_ar": "النجارة", "name_en": "Carpentry"}),
    "volunteers.edit_skill": lambda w: ({"skill_id": w.skill_id}, {"name_ar": "الإسعاف الأولي",
                                                                   "name_en": "First aid", "active": "y"}),
}

# POST routes that only answer (checking an uploaded PDF against the issued letter's hash): success is a 200 page
# and no row changes, but the form still carries the token (a cross-site upload must not be answered either).
ANSWER_ONLY = {"letters.verify"}
# POST routes for visitors without an account: a signed-in person is only sent on, so they are posted
# signed out.
VISITORS_ONLY = {"signatures.register_and_sign"}
# POST routes authorised by the unguessable signed token in their URL, not by a session, hence not by a CSRF token:
# the one-click unsubscribe of RFC 8058, which mail programs post themselves (tests/security/test_csrf.py checks
# that a forged token is refused instead).
TOKEN_AUTHORISED = {"accounts.unsubscribe_confirm"}


# Who gets through each rule's gate: the role × route matrix (tests/security/test_route_matrix.py). ------------

# The roles of the matrix and the world's user who plays each (build_world, and build_matrix_world below).
ROLE_USERS = {
    "visitor": None,
    "resident": "resident",  # signed in, verified, a member of no community
    "member": "plain_member",  # an active member of alpha who wrote nothing (joined after its votes opened)
    "author": "member",  # the member who wrote alpha's published demand, the one in review, the reported argument…
    "committee": "second",  # on alpha's committee, not a site admin
    "other_committee": "other_committee",  # on the committee of another community, gamma
    "staff": "staffer",  # a responder of the council alpha addresses
    "viewer": "viewer",  # a viewer (read-only staff) of that council
    "other_staff": "outsider",  # a responder of another council
    "admin": "admin",  # the site admin (also on alpha's committee)
    "blocked": "blocked",  # an active member of alpha the committee blocked for 7 days
}
ROLES = tuple(ROLE_USERS)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"visitor"}
ADMIN = frozenset({"admin"})  # the site admin's own objects, or the site's administration
COMMITTEE = frozenset({"committee", "admin"})  # alpha's committee
MEMBERS = COMMITTEE | {"member", "author", "blocked"}  # alpha's members: reading
ACTIVE_MEMBERS = MEMBERS - {"blocked"}  # alpha's members who may take part
COUNCIL_STAFF = frozenset({"staff", "viewer"})  # the council alpha's letters go to
COUNCIL = COUNCIL_STAFF | {"admin"}

# endpoint (or endpoint[choice] for one choice of an <any(...)> rule) -> the roles it lets in, for its GET and its
# POST. Where the world's objects belong to someone, "let in" is who may act on that very object: routes.GET_CASES
# and POST_CASES say which (the admin's draft, the member's argument…), the comments why a role is left out.
ACCESS = {
    "static": EVERYONE,
    "health.healthz": EVERYONE,  # the probes: public, no personal data, no session (civicvoice/health.py)
    "health.readyz": EVERYONE,
    # Accounts: the forms for visitors send the signed-in on (a 3xx), the tokens authorise by themselves.
    "accounts.register": EVERYONE,
    "accounts.check_email": EVERYONE,
    "accounts.verify_email": EVERYONE,
    "accounts.verify_email_confirm": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.logout": EVERYONE,
    "accounts.reset_request": EVERYONE,
    "accounts.reset": EVERYONE,
    "accounts.set_language": EVERYONE,
    "accounts.unsubscribe": EVERYONE,
    "accounts.unsubscribe_confirm": EVERYONE,
    "accounts.profile": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.delete_account": SIGNED_IN,
    "accounts.download_data": SIGNED_IN,  # one's own data: each gets theirs
    "accounts.sessions": SIGNED_IN,
    "accounts.end_other_sessions": SIGNED_IN,
    "accounts.resend_verification": SIGNED_IN,
    "accounts.end_session": ADMIN,  # the admin's other browser
    "activity.notifications": SIGNED_IN,
    "activity.settings": SIGNED_IN,
    "activity.mark_read": SIGNED_IN,
    "activity.mark_one_read": ADMIN,  # the admin's notification
    # Communities.
    "communities.index": EVERYONE,
    "communities.show": EVERYONE,
    "communities.centre": EVERYONE,
    "communities.admin": ADMIN,
    "communities.create": ADMIN,
    "communities.councils": ADMIN,
    "communities.appoint_by_email": ADMIN,  # appointing someone who is not yet a member: the site's to do
    "communities.edit": COMMITTEE,
    "communities.add_centre": COMMITTEE,
    "communities.edit_centre": COMMITTEE,
    "communities.members": COMMITTEE,
    "communities.decide_request": COMMITTEE,
    "communities.appoint": COMMITTEE,
    "communities.remove_from_committee": COMMITTEE,
    "communities.verify_in_person": COMMITTEE,
    "communities.join": SIGNED_IN,  # beta, open to all
    "communities.leave": MEMBERS,
    "communities.request_verification": COMMITTEE | {"member", "blocked"},  # the author has asked already
    # Councils.
    "council.index": EVERYONE,
    "council.show": EVERYONE,
    "council.accountability": EVERYONE,
    "council.community_accountability": EVERYONE,
    "council.response_photo": EVERYONE,  # the council's answers are public
    "council.accept_invitation": EVERYONE,  # anyone but the invited is told it is not theirs (a 200)
    "council.create": ADMIN,
    "council.edit": ADMIN,
    "council.my_inbox": COUNCIL_STAFF | {"other_staff"},  # each to their own council's inbox
    "council.inbox": COUNCIL,
    "council.letter": COUNCIL,
    "council.staff": COUNCIL,  # the list; POST_ACCESS: inviting is the responders'
    "council.remove_staff": frozenset({"staff", "admin"}),
    "council.acknowledge": frozenset({"staff"}),  # the council's responders only: a site admin is not its staff
    "council.answer": frozenset({"staff"}),
    "council.progress": frozenset({"staff"}),
    # "Is it really fixed?": the co-signers of the resolved demand (the author, `second` who contested it).
    "council.check": frozenset({"author", "committee"}),
    "council.check_photo": frozenset({"committee", "admin"}) | COUNCIL_STAFF,  # `second`'s own photo
    "council.reopen": COMMITTEE,
    # Demands.
    "proposals.index": EVERYONE,
    "proposals.community_index": EVERYONE,
    "proposals.similar": EVERYONE,
    "proposals.show": EVERYONE,
    "proposals.mine": SIGNED_IN,
    "proposals.create": ACTIVE_MEMBERS,
    "proposals.review_queue": COMMITTEE,
    "proposals.request_changes": COMMITTEE,
    "proposals.reject": COMMITTEE,
    "proposals.publish": COMMITTEE,
    "proposals.merge": COMMITTEE,
    "proposals.set_goal": COMMITTEE,
    # The admin's draft: its author; `second`, invited as co-author and not yet accepted, may read it but not act.
    "proposals.edit": ADMIN,
    "proposals.submit": ADMIN,
    "proposals.withdraw": ADMIN,
    "proposals.invite_coauthor": ADMIN,
    "proposals.remove_attachment": ADMIN,
    "proposals.revisions": COMMITTEE,
    "proposals.compare": COMMITTEE,
    "proposals.attachment": COMMITTEE,
    "proposals.answer_invitation": ADMIN,  # the admin is the one invited
    # Signatures.
    "signatures.count": EVERYONE,
    "signatures.signers": EVERYONE,
    "signatures.register_and_sign": EVERYONE,  # a visitor's form: the signed-in are sent on
    "signatures.sign": ACTIVE_MEMBERS,
    "signatures.update": frozenset({"author", "admin"}),  # who signed `published` (POST_STATE: the others)
    "signatures.withdraw": frozenset({"author", "admin"}),
    "signatures.signers_csv": COMMITTEE,
    "signatures.paper": COMMITTEE,
    "signatures.scan": COMMITTEE,
    "signatures.void": COMMITTEE,
    "signatures.correct": COMMITTEE,
    "signatures.invalidate": COMMITTEE,
    # Deliberation.
    "deliberation.arguments": EVERYONE,
    "deliberation.amendment_list": EVERYONE,
    "deliberation.amendment": EVERYONE,
    "deliberation.post": ACTIVE_MEMBERS,
    "deliberation.reply": ACTIVE_MEMBERS,
    "deliberation.mark_helpful": ACTIVE_MEMBERS - {"author"},  # the author's own argument
    "deliberation.unmark_helpful": SIGNED_IN,  # one's own mark, if any: nothing for those without one
    "deliberation.history": COMMITTEE,
    "deliberation.edit": ADMIN,  # the admin's own argument
    "deliberation.delete": ADMIN,
    "deliberation.propose_amendment": ACTIVE_MEMBERS - {"author"},  # `published` is the author's
    "deliberation.take_position": ACTIVE_MEMBERS - {"committee"},  # `second` wrote the amendments
    "deliberation.accept_amendment": ADMIN,  # the admin's demand `mine_open`
    "deliberation.decline_amendment": ADMIN,
    "deliberation.withdraw_amendment": ADMIN,  # the admin's own amendment
    # Meetings.
    "meetings.index": EVERYONE,
    "meetings.show": EVERYONE,
    "meetings.calendar": EVERYONE,
    "meetings.create": COMMITTEE,
    "meetings.edit": COMMITTEE,
    "meetings.cancel": COMMITTEE,
    "meetings.minutes": COMMITTEE,
    "meetings.rsvp": ACTIVE_MEMBERS,
    # Votes: the adoption vote's electorate was fixed when it opened, before the plain member joined.
    "voting.index": EVERYONE,
    "voting.show": EVERYONE,
    "voting.ballot_list": EVERYONE,  # a closed vote's ballots, without voters: anyone can recount
    "voting.ballots_csv": EVERYONE,
    "voting.voters": MEMBERS,
    "voting.create_priority": COMMITTEE,
    "voting.open_vote": COMMITTEE,
    "voting.assisted": COMMITTEE,
    "voting.close": COMMITTEE,
    "voting.cast": COMMITTEE | {"author"},  # POST_STATE: the author gave their proxy
    "voting.give_proxy": COMMITTEE,  # POST_STATE: `second` cannot name themselves
    "voting.cast_by_proxy": ADMIN,  # the member's proxy is the admin's
    "voting.revoke_proxy": ADMIN,  # the admin's proxy
    # Letters: the committee's; the council reads what was sent to it; the demand's author discusses the draft.
    "letters.verify_form": EVERYONE,
    "letters.verify": EVERYONE,
    "letters.show": COMMITTEE,
    "letters.edit": COMMITTEE,
    "letters.create": COMMITTEE,
    "letters.refresh_counts": COMMITTEE,
    "letters.approve": ADMIN,  # `second` drafted it: four eyes
    "letters.send_email": COMMITTEE,
    "letters.deliver": COMMITTEE,
    "letters.discussion": COMMITTEE | {"author"},
    "letters.discussion_pdf": COMMITTEE | {"author"},
    "letters.download": COMMITTEE | COUNCIL_STAFF,
    "letters.printable": COMMITTEE | COUNCIL_STAFF,
    "letters.receipt": COMMITTEE | COUNCIL_STAFF,
    "letters.version_pdf": COMMITTEE | COUNCIL_STAFF,
    # Moderation: anyone signed in reports what they see and did not write; blocked members report nothing.
    "moderation.log": EVERYONE,
    "moderation.report[amendment]": SIGNED_IN - {"committee", "blocked"},  # `second`'s own amendment
    "moderation.report[argument]": SIGNED_IN - {"author", "blocked"},
    "moderation.report[minutes]": SIGNED_IN - {"blocked"},
    "moderation.report[proposal]": SIGNED_IN - {"author", "blocked"},
    "moderation.report[user]": SIGNED_IN - {"author", "blocked"},  # the author is that user
    "moderation.hide": COMMITTEE,
    "moderation.hide_argument": COMMITTEE,
    "moderation.restore_argument": COMMITTEE,
    "moderation.queue": COMMITTEE,
    "moderation.case": COMMITTEE | {"author"},  # the case is about the author's argument
    "moderation.item_case[amendment]": COMMITTEE,
    "moderation.item_case[argument]": COMMITTEE,
    "moderation.item_case[proposal]": COMMITTEE | {"author"},
    "moderation.decide": COMMITTEE,
    "moderation.approve_held": COMMITTEE,
    "moderation.reject_held": COMMITTEE,
    "moderation.block": COMMITTEE,
    "moderation.lift_block": COMMITTEE,
    "moderation.rules": COMMITTEE,
    "moderation.appeal": ADMIN,  # the admin's own hidden argument
    "moderation.decide_appeal": ADMIN,  # assigned to the admin
    "dashboard.show": COMMITTEE,
    # Volunteers.
    "volunteers.home": SIGNED_IN,
    "volunteers.history": SIGNED_IN,
    "volunteers.profile": SIGNED_IN,  # POST_STATE: alpha's centre is no choice for who is not in alpha
    "volunteers.show_profile": MEMBERS,  # the member's profile, open to members
    "volunteers.index": EVERYONE,
    "volunteers.show": EVERYONE,
    "volunteers.offers": EVERYONE,
    "volunteers.offer_help": ACTIVE_MEMBERS,
    "volunteers.withdraw_offer": ADMIN,  # the admin's offer
    "volunteers.propose": ACTIVE_MEMBERS,
    "volunteers.sign_up": ACTIVE_MEMBERS - {"author"},  # the author signed up already
    "volunteers.withdraw": ADMIN,  # the admin's place
    "volunteers.give_feedback": ADMIN,  # the admin's confirmed place
    "volunteers.certificate_pdf": ADMIN,
    "volunteers.create": COMMITTEE,
    "volunteers.dashboard": COMMITTEE,
    "volunteers.coordinators": COMMITTEE,
    "volunteers.remove_coordinator": COMMITTEE,
    "volunteers.edit": COMMITTEE,
    "volunteers.cancel": COMMITTEE,
    "volunteers.reject": COMMITTEE,
    "volunteers.decide": COMMITTEE,
    "volunteers.signups": COMMITTEE,
    "volunteers.signups_csv": COMMITTEE,
    "volunteers.suggested": COMMITTEE,
    "volunteers.decide_signup": COMMITTEE,
    "volunteers.invite": COMMITTEE,
    "volunteers.hours": COMMITTEE,
    "volunteers.feedback": COMMITTEE,
    "volunteers.answer_feedback": COMMITTEE,
    "volunteers.skills": ADMIN,
    "volunteers.edit_skill": ADMIN,
}
# Where a rule's POST lets in fewer than its GET shows the page to.
POST_ACCESS = {
    "council.staff": frozenset({"staff", "admin"}),  # viewers see the staff, responders invite
}
# POSTs that get through the gate and are then answered by the world's state with a 400 or a 409, for these roles:
# the request is theirs to make, the object is not in a state for it.
POST_STATE = {
    "signatures.update": SIGNED_IN - {"author", "admin", "blocked"},  # they have not signed `published`
    "signatures.withdraw": SIGNED_IN - {"author", "admin"},
    "moderation.report[argument]": frozenset({"committee"}),  # `second` reported it already
    "moderation.report[proposal]": frozenset({"committee"}),
    "voting.cast": frozenset({"author"}),  # their proxy is with the admin
    "voting.give_proxy": frozenset({"committee"}),  # to `second`: themselves
    "volunteers.profile": SIGNED_IN - MEMBERS,  # alpha's centre is not theirs to choose
}


def sign_in(client, world, role: str) -> None:
    """The client as `role`: the cookie of the session build_matrix_world opened for it (none for a visitor)."""
    with client.session_transaction() as session:
        session.clear()
        if role != "visitor":
            session["_user_id"] = world.secrets[role]
            session["_fresh"] = True


def access_key(endpoint: str, fixed: dict) -> str:
    """The key of ACCESS for this choice of the rule's <any(...)> values: the choice's own, or the rule's."""
    own = endpoint + "".join(f"[{value}]" for value in fixed.values())
    return own if own in ACCESS else endpoint


def allowed_roles(method: str, endpoint: str, fixed: dict) -> frozenset:
    key = access_key(endpoint, fixed)
    return POST_ACCESS.get(key, ACCESS[key]) if method == "POST" else ACCESS[key]


def state_roles(method: str, endpoint: str, fixed: dict) -> frozenset:
    return POST_STATE.get(access_key(endpoint, fixed), frozenset()) if method == "POST" else frozenset()


def build_matrix_world():
    """build_world() and the roles it lacks: a resident of no community, a plain member of alpha, a committee member
    of another community (gamma), a blocked member of alpha; and a sign-in session of every role's user, opened
    here so that it comes back with the world each time the world is restored (`secrets`: role -> cookie secret)."""
    world = build_world()
    world.resident = make_user(name="ساكن الحي")
    world.plain_member = make_member(world.alpha, make_user(name="عضو جديد"))
    world.other_committee = make_committee(make_community(slug="gamma"), make_user(name="لجنة حي آخر"))
    world.blocked = make_member(world.alpha, make_user(name="عضو محظور"))
    moderation.block(world.admin, world.alpha, world.blocked, "7", "رسائل مزعجة")
    world.secrets = {role: user_sessions.start(getattr(world, name))[1] for role, name in ROLE_USERS.items() if name}
    db.session.commit()
    return world


# Enumerating the map. --------------------------------------------------------------------------

def _map_app():
    return create_app({"TESTING": True, "SECRET_KEY": "routes-enumeration-key-0123456789abcdef",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})


URL_MAP = _map_app().url_map


def _choices(rule) -> list[dict]:
    """One set of fixed values per combination of <any(...)> choices in the rule (one empty set if none)."""
    anys = {name: sorted(converter.items) for name, converter in rule._converters.items()
            if isinstance(converter, AnyConverter)}
    names = sorted(anys)
    return [dict(zip(names, combo)) for combo in itertools.product(*(anys[name] for name in names))]


def rules(method: str) -> list[tuple[str, str, dict]]:
    """(endpoint, rule, fixed values) for every rule that accepts `method`, one per <any()> choice."""
    found = []
    for rule in sorted(URL_MAP.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if method in rule.methods:
            found.extend((rule.endpoint, rule.rule, fixed) for fixed in _choices(rule))
    return found


def post_case(world, endpoint: str, fixed: dict) -> tuple[dict, dict]:
    """(URL values, form) of POST_CASES for this choice of the rule's <any(...)> values."""
    return POST_CASES[endpoint](world, **fixed)


def rule_id(case) -> str:
    endpoint, rule, fixed = case
    return rule + "".join(f"[{value}]" for value in fixed.values())


def state_changing_endpoints() -> set[str]:
    return {rule.endpoint for rule in URL_MAP.iter_rules() if rule.methods - SAFE_METHODS}


def get_endpoints() -> set[str]:
    return {rule.endpoint for rule in URL_MAP.iter_rules() if "GET" in rule.methods}


def csrf_token_of(client, url: str = "/") -> str:
    """The CSRF token the site's own pages give this client (from the forms in the page header)."""
    match = CSRF_INPUT.search(client.get(url).get_data(as_text=True))
    assert match, f"{url} carries no CSRF token"
    return match.group(1)


def build(app, endpoint: str, values: dict) -> str:
    return app.url_map.bind("localhost").build(endpoint, values)
