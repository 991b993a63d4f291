"""Notifications: one per person per event, of a kind; the person's channel per kind (in the app, email at once,
daily digest); mails after the commit only, in the recipient's language, plain text and HTML, with a one-click
unsubscribe link for that kind that works without signing in."""
import re
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from civicvoice import activity, mail
from civicvoice.activity import emails, recipients
from civicvoice.activity import services as notifications
from civicvoice.activity.kinds import KINDS, kind_of
from civicvoice.activity.models import Notification, NotificationPreference
from tests.factories import (
    make_answered,
    make_community,
    make_member,
    make_proposal,
    make_sent_letter,
    make_signature,
    make_user,
)


def _event(actor=None, verb="proposal.publish", title="عنوان", **data):
    community = make_community()
    return activity.record(actor, verb, community, community, title=title, **data)


def _mails_to(outbox, user) -> list[dict]:
    return [message for message in outbox if message["to"] == user.email]


# Kinds and channels ----------------------------------------------------------------------------

@pytest.mark.parametrize("verb, kind", [
    ("proposal.publish", "my_demands"), ("proposal.reject", "my_demands"), ("argument.replied", "replies"),
    ("proposal.send_letter", "signed"), ("proposal.council_answer", "council"), ("resolution.contest", "council"),
    ("poll.opened", "votes"), ("moderation.hidden", "moderation"), ("meeting.cancelled", "meetings"),
    ("membership.requested", "committee"), ("membership.approved", "community"),
    ("opportunity.posted", "opportunities"), ("opportunity.reminder", "volunteering"),
    ("something.new", "community"),
])
def test_every_verb_has_one_kind(verb, kind):
    assert kind_of(verb) == kind


def test_important_decisions_come_at_once_and_the_rest_in_the_digest():
    at_once = {kind for kind, spec in KINDS.items() if spec.default == "now"}
    assert {"my_demands", "council", "votes", "moderation"} <= at_once
    assert {"replies", "signed", "meetings", "community", "committee"} <= set(KINDS) - at_once


def test_a_notification_takes_the_recipients_channel_for_its_kind(app, db):
    at_once, digest, app_only, unconfirmed = make_user(), make_user(), make_user(), make_user(verified=False)
    notifications.set_preference(digest, "my_demands", "digest")
    notifications.set_preference(app_only, "my_demands", "app")
    event = _event()
    activity.notify(event, [at_once, digest, app_only, unconfirmed])
    emails_by = dict(db.session.execute(select(Notification.recipient_id, Notification.email)).all())
    assert emails_by == {at_once.id: "now", digest.id: "digest", app_only.id: "none", unconfirmed.id: "none"}
    assert set(db.session.scalars(select(Notification.kind))) == {"my_demands"}


def test_notify_twice_for_one_event_notifies_each_person_once(app, db):
    user = make_user()
    event = _event()
    assert activity.notify(event, [user]) == 1
    assert activity.notify(event, [user], kind="committee") == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_choosing_the_default_stores_nothing_and_bad_choices_are_refused(app, db):
    from civicvoice.errors import InvalidInput

    user = make_user()
    assert notifications.set_preference(user, "votes", "now") is False
    assert db.session.scalar(select(func.count(NotificationPreference.id))) == 0
    assert notifications.set_preference(user, "votes", "digest") is True
    assert notifications.preferences(user)["votes"] == "digest"
    for kind, channel in (("votes", "sms"), ("nothing", "app")):
        with pytest.raises(InvalidInput):
            notifications.set_preference(user, kind, channel)


# Fan-out ---------------------------------------------------------------------------------------

def test_a_council_answer_reaches_every_signer_once(app, db, outbox):
    from civicvoice.activity.models import Event
    from civicvoice.signatures.services import signer_accounts

    letter = make_sent_letter(signers=3)
    proposal = letter.proposal
    outbox.clear()
    make_answered(letter)
    answer = db.session.scalars(select(Event).where(Event.verb == "proposal.council_answer")).one()
    notified = list(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == answer.id)))
    signers = {user.id for user in signer_accounts(proposal)}
    assert len(signers) == 3 and len(notified) == len(set(notified))
    assert signers | {proposal.author_id} <= set(notified)
    # Council answers come at once by default: a mail per person and council step (acknowledged, answered).
    for signer in signer_accounts(proposal):
        assert len(_mails_to(outbox, signer)) == 2


def test_withdrawing_a_public_demand_tells_its_signers(app, db):
    proposal = make_proposal(status="open")
    signature = make_signature(proposal)
    from civicvoice.proposals import services as proposals

    proposals.withdraw(proposal.author, proposal, "حُلّت المشكلة")
    db.session.commit()
    kinds = dict(db.session.execute(select(Notification.recipient_id, Notification.kind)).all())
    assert kinds[signature.user_id] == "signed"


def test_signers_hear_once_that_their_demand_goes_to_the_vote_and_how_the_vote_ended(app, db):
    """Signers who vote hear it from the vote itself; the others (not verified in person for a vote of verified
    members, or no longer members) from the demand, as "a demand I signed"."""
    from civicvoice.communities import services as communities
    from civicvoice.database import utcnow
    from civicvoice.voting import services as voting
    from tests.factories import committee_member, make_vote

    proposal = make_proposal(status="open")
    elector = make_signature(proposal, make_user(verified_in_person_at=utcnow())).user
    unverified = make_signature(proposal).user
    gone = make_signature(proposal).user
    poll = make_vote(proposal, verified_only=True)
    communities.leave(gone, proposal.community)
    voting.close(committee_member(proposal.community), poll, "صوّت الجميع")
    db.session.commit()
    heard = {}
    for recipient, verb, kind in db.session.execute(
            select(Notification.recipient_id, activity.models.Event.verb, Notification.kind)
            .join(activity.models.Event, activity.models.Event.id == Notification.event_id)):
        heard.setdefault(recipient, []).append((verb, kind))
    ended = "proposal.adopt" if poll.result["adopted"] else "proposal.not_adopt"
    assert sorted(heard[elector.id]) == [("poll.closed", "votes"), ("poll.opened", "votes")]
    assert sorted(heard[unverified.id]) == [("poll.closed", "votes"), ("proposal.open_vote", "signed")]
    assert sorted(heard[gone.id]) == sorted([("proposal.open_vote", "signed"), (ended, "signed")])
    assert {("proposal.open_vote", "my_demands"), (ended, "my_demands")} <= set(heard[proposal.author_id])


# Mail at once ----------------------------------------------------------------------------------

def test_mail_leaves_only_after_the_commit_and_never_after_a_rollback(app, db, outbox):
    user = make_user()
    activity.notify(_event(), [user])
    assert outbox == []
    db.session.rollback()
    assert outbox == [] and db.session.scalar(select(func.count(Notification.id))) == 0
    assert db.session.scalar(select(func.count(mail.OutboxMessage.id))) == 0
    activity.notify(_event(), [user])
    db.session.commit()
    assert [m["to"] for m in outbox] == [user.email]
    assert db.session.scalar(select(Notification.mailed_at)) is not None


def test_a_notification_mail_is_in_the_recipients_language_with_text_and_rtl_html(app, db, outbox):
    arabic, english = make_user(name="سلمى"), make_user(name="Layla", locale="en")
    activity.notify(_event(title="Pump / المضخة"), [arabic, english])
    db.session.commit()
    [to_arabic], [to_english] = _mails_to(outbox, arabic), _mails_to(outbox, english)
    assert "نشرت اللجنة" in to_arabic["subject"] and "published" in to_english["subject"]
    assert to_arabic["body"].startswith("مرحباً") and to_english["body"].startswith("Hello Layla")
    assert '<html lang="ar" dir="rtl">' in to_arabic["html"] and '<html lang="en" dir="ltr">' in to_english["html"]
    built = mail._build(to_arabic)
    assert [part.get_content_type() for part in built.walk() if not part.is_multipart()] == ["text/plain",
                                                                                             "text/html"]


def test_headers_cannot_be_injected_through_a_title(app, db, outbox):
    user = make_user()
    activity.notify(_event(title="مطلب\r\nBcc: thief@example.org"), [user])
    db.session.commit()
    [message] = outbox
    assert "\n" not in message["subject"] and "\r" not in message["subject"]
    raw = bytes(mail._build(message))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["To"] == user.email


def test_a_mail_carries_no_one_elses_address_or_phone(app, db, outbox):
    proposal = make_proposal(status="open")
    replier = make_member(proposal.community, make_user(phone="+963 944 000 111"))
    from tests.factories import make_argument

    parent = make_argument(proposal)
    notifications.set_preference(parent.author, "replies", "now")
    db.session.commit()
    outbox.clear()
    make_argument(proposal, replier, parent=parent)
    [message] = _mails_to(outbox, parent.author)
    everything = message["subject"] + message["body"] + message["html"]
    assert replier.email not in everything and "944 000 111" not in everything


def test_unconfirmed_addresses_get_no_mail(app, db, outbox):
    user = make_user(verified=False)
    activity.notify(_event(), [user])
    db.session.commit()
    assert outbox == []


def test_a_failed_delivery_stays_in_the_outbox_and_is_tried_again(app, db, outbox, monkeypatch):
    user = make_user()
    real = mail._hand_over

    def down(message):
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(mail, "_hand_over", down)
    activity.notify(_event(), [user])
    db.session.commit()
    message = db.session.scalars(select(mail.OutboxMessage)).one()
    assert (message.sent_at, message.attempts) == (None, 1) and "SMTP is down" in message.last_error
    assert message.next_attempt_at is not None
    monkeypatch.setattr(mail, "_hand_over", real)
    message.next_attempt_at = None  # its wait is over
    db.session.commit()
    assert emails.sweep() == {"notifications": 0, "outbox": 1}
    assert [m["to"] for m in outbox] == [user.email]
    assert emails.sweep() == {"notifications": 0, "outbox": 0}  # sent once, never twice


def test_a_job_that_dies_before_mailing_leaves_the_notification_for_the_sweep(app, db, outbox, monkeypatch):
    user = make_user()

    def crash(*args):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(emails, "_single", crash)
    activity.notify(_event(), [user])
    db.session.commit()
    assert outbox == [] and db.session.scalar(select(Notification.mailed_at)) is None
    monkeypatch.undo()
    assert emails.sweep()["notifications"] == 1
    assert [m["to"] for m in outbox] == [user.email]


# The daily digest ------------------------------------------------------------------------------

def test_the_digest_gathers_unread_notifications_by_kind(app, db, outbox):
    user = make_user(locale="en")
    notifications.set_preference(user, "my_demands", "digest")
    notifications.set_preference(user, "votes", "digest")
    for verb in ("proposal.publish", "proposal.reject", "poll.closed"):
        activity.notify(_event(verb=verb, reason="—", code="other"), [user])
    read = _event(verb="proposal.request_changes", reason="x")
    activity.notify(read, [user])
    db.session.commit()
    notifications.mark_read(user, db.session.scalars(select(Notification).where(
        Notification.event_id == read.id)).one())
    db.session.commit()
    assert outbox == []  # nothing at once
    assert emails.send_digests() == 1
    [digest] = outbox
    assert "3 new notifications" in digest["subject"]
    body = digest["body"]
    assert body.index("== My demands ==") < body.index("== Votes ==")
    assert body.count("\n- ") == 3
    assert emails.send_digests() == 0 and len(outbox) == 1


def test_immediate_and_in_app_only_notifications_stay_out_of_the_digest(app, db, outbox):
    user = make_user()
    notifications.set_preference(user, "votes", "app")
    activity.notify(_event(verb="poll.closed"), [user])
    activity.notify(_event(), [user])  # my_demands: at once
    db.session.commit()
    assert len(outbox) == 1
    assert emails.send_digests() == 0


# Unsubscribing ---------------------------------------------------------------------------------

def _unsubscribe_url(message) -> str:
    [url] = re.findall(r"(http://\S+/unsubscribe/\S+)", message["body"].split("--")[-1])[:1]
    assert message["headers"]["List-Unsubscribe"] == f"<{url}>"
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return url.split("localhost", 1)[-1].split("127.0.0.1:5000", 1)[-1]


def test_the_unsubscribe_link_works_without_signing_in_and_only_for_its_kind(app, db, client, outbox):
    user = make_user(locale="en")
    activity.notify(_event(), [user])
    db.session.commit()
    path = _unsubscribe_url(outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "My demands" in page.get_data(as_text=True)
    assert notifications.preferences(user)["my_demands"] == "now"  # a GET changes nothing (mail scanners)
    done = client.post(path)  # what a mail program does (RFC 8058): no session, no CSRF token
    assert done.status_code == 200 and "Done" in done.get_data(as_text=True)
    prefs = notifications.preferences(user)
    assert prefs["my_demands"] == "app"
    assert {kind: channel for kind, channel in prefs.items() if kind != "my_demands"} == {
        kind: spec.default for kind, spec in KINDS.items() if kind != "my_demands"}
    outbox.clear()
    activity.notify(_event(), [user])
    db.session.commit()
    assert outbox == [] and notifications.unread_count(user) == 2  # still in the app


def test_a_forged_or_altered_unsubscribe_token_is_not_found(app, db, client):
    user = make_user()
    token = recipients.unsubscribe_token(user, "votes")
    assert client.get(f"/unsubscribe/{token}x").status_code == 404
    assert client.post("/unsubscribe/not-a-token").status_code == 404
    assert recipients.read_unsubscribe_token(token) == (user.id, "votes")


def test_unsubscribing_from_the_digest_stops_every_kind_in_it_and_its_waiting_mail(app, db, client, outbox):
    user = make_user()
    notifications.set_preference(user, "votes", "digest")
    activity.notify(_event(verb="poll.closed"), [user])
    db.session.commit()
    client.post(f"/unsubscribe/{recipients.unsubscribe_token(user, 'digest')}")
    prefs = notifications.preferences(user)
    assert prefs["votes"] == "app" and prefs["replies"] == "app" and prefs["my_demands"] == "now"
    assert emails.send_digests() == 0 and outbox == []


# The notification centre ----------------------------------------------------------------------

def test_a_notification_links_to_its_page_and_is_marked_read_on_its_own(app, db, client, login_as):
    proposal = make_proposal(status="open")
    user = proposal.author
    note = db.session.scalars(select(Notification).where(Notification.recipient_id == user.id)).first()
    login_as(user)
    html = client.get("/notifications").get_data(as_text=True)
    assert f'href="/demands/{proposal.id}"' in html and f'/notifications/{note.id}/read' in html
    assert client.post(f"/notifications/{note.id}/read").status_code == 303
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None


def test_nobody_opens_or_reads_someone_elses_notification(app, db, client, login_as):
    proposal = make_proposal(status="open")
    note = db.session.scalars(select(Notification)).first()
    login_as(make_user())
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    assert db.session.get(Notification, note.id).read_at is None and proposal


def test_the_settings_page_saves_each_kind_and_keeps_bad_input_with_a_message(app, db, client, login_as):
    user = make_user(locale="en")
    login_as(user)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Daily digest email" in page and "Committee work" not in page  # not on a committee
    data = {kind: spec.default for kind, spec in KINDS.items() if spec.audience == "everyone"}
    response = client.post("/notifications/settings", data={**data, "votes": "digest", "replies": "app"})
    assert response.status_code == 303
    prefs = notifications.preferences(user)
    assert (prefs["votes"], prefs["replies"]) == ("digest", "app")
    bad = client.post("/notifications/settings", data={**data, "votes": "pigeon"})
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)
    assert notifications.preferences(user)["votes"] == "digest"


def test_unread_filter_and_mark_one_read(app, db, client, login_as):
    user = make_user(locale="en")
    first, second = _event(), _event(verb="poll.closed")
    activity.notify(first, [user])
    activity.notify(second, [user])
    db.session.commit()
    login_as(user)
    note = db.session.scalars(select(Notification).where(Notification.event_id == first.id)).one()
    assert client.post(f"/notifications/{note.id}/read").status_code == 303
    html = client.get("/notifications?show=unread").get_data(as_text=True)
    assert html.count('class="unread"') == 1
    assert client.get("/notifications?show=everything").status_code == 400


def test_the_bell_shows_the_unread_count(app, db, client, login_as):
    user = make_user()
    activity.notify(_event(), [user])
    db.session.commit()
    login_as(user)
    html = client.get("/").get_data(as_text=True)
    assert 'class="bell"' in html and "bell__icon" in html and ">١</span></a>" in html.replace("\n", "")

