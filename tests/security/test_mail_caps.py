"""No mailbox is flooded (issue #18 item 8): mails a stranger can trigger are capped per recipient mailbox, per
kind, per hour (MAIL_CAP_PER_HOUR), whatever IP the requests come from; past the cap nothing is sent and nothing
shows (the page is the same), and the refusal is logged.

Counted in the database (outbox_messages' kind and mailbox), so every worker and host sees one count without Redis.
Aliases of one mailbox (case, +extensions, dots at Gmail) count as one.
"""
import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from civicvoice import activity, mail
from civicvoice.accounts.models import User
from civicvoice.extensions import db
from tests.factories import (make_admin, make_community, make_council, make_proposal, make_sent_letter,
                             make_user)
from tests.racing import race

CAP = 3
# Each IP stays under the per-IP limit of the mail forms: only the per-mailbox cap can stop the seventh mail.
pytestmark = pytest.mark.app_config(MAIL_CAP_PER_HOUR=CAP, RATELIMIT_ENABLED=True, MAIL_FORM_LIMIT="5 per hour")
SEVEN_IPS = [f"203.0.113.{n}" for n in range(1, 8)]
START = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
CSRF_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')  # signed with the time: it changes every second


def mails_to(outbox, address: str) -> list[dict]:
    return [message for message in outbox if message["to"].casefold() == address.casefold()]


def from_seven_ips(client, path: str, forms) -> list:
    """POST each form from its own IP; the responses, with each form's address blanked out of the page."""
    answers = []
    for ip, form in zip(SEVEN_IPS, forms, strict=True):
        response = client.post(path, data=form, environ_base={"REMOTE_ADDR": ip})
        page = CSRF_TOKEN.sub("", response.get_data(as_text=True).replace(form["email"], "<email>"))
        answers.append((response.status_code, response.headers.get("Location"), page))
    return answers


def test_seven_reset_requests_from_seven_ips_send_the_cap_and_the_same_page(client, outbox, caplog):
    make_user(email="victim@example.org")
    with caplog.at_level(logging.WARNING, logger="civicvoice.mail"):
        answers = from_seven_ips(client, "/account/reset", [{"email": "victim@example.org"}] * 7)
    assert len(mails_to(outbox, "victim@example.org")) == CAP
    assert {status for status, _location, _page in answers} == {200}
    assert len({page for _status, _location, page in answers}) == 1  # silently: the same page past the cap
    assert sum("MAIL_CAP_PER_HOUR" in record.getMessage() for record in caplog.records) == 7 - CAP


def test_aliases_of_one_mailbox_share_its_cap(client, outbox):
    make_user(email="victim.name@gmail.com")
    aliases = ["victim.name@gmail.com", "VictimName@gmail.com", "victim.name+1@gmail.com",
               "v.i.c.t.i.m.name@gmail.com", "victimname+x@googlemail.com", "Victim.Name@GMAIL.com",
               "victimname@gmail.com"]
    from_seven_ips(client, "/account/reset", [{"email": alias} for alias in aliases])
    assert len(outbox) == CAP


def test_an_address_without_an_account_is_capped_too(client, outbox):
    from_seven_ips(client, "/account/reset", [{"email": "stranger@example.org"}] * 7)
    assert len(mails_to(outbox, "stranger@example.org")) == CAP


def test_registering_an_address_over_and_over_sends_the_cap(client, outbox):
    form = {"display_name": "Visitor", "email": "victim@example.org", "password": "a long enough passphrase 42"}
    answers = from_seven_ips(client, "/register", [form] * 7)
    assert {(status, location) for status, location, _page in answers} == {(303, "/register/check-email")}
    sent = mails_to(outbox, "victim@example.org")
    # The first registration creates the account (its verification link); the next ones are told it exists.
    assert ["/account/verify/" in m["body"] for m in sent] == [True] + [False] * CAP


def test_registering_to_sign_over_and_over_sends_the_cap(client, outbox):
    proposal = make_proposal(make_community(is_open=True), status="open")
    make_user(email="victim@example.org")
    form = {"display_name": "Visitor", "email": "victim@example.org", "password": "a long enough passphrase 42",
            "visibility": "public"}
    from_seven_ips(client, f"/demands/{proposal.id}/sign/register", [form] * 7)
    assert len(mails_to(outbox, "victim@example.org")) == CAP


def test_resending_the_verification_link_over_and_over_sends_the_cap(client, login_as, outbox):
    login_as(make_user(email="slow@example.org", verified=False))
    for ip in SEVEN_IPS:
        assert client.post("/account/verify/resend", environ_base={"REMOTE_ADDR": ip}).status_code == 303
    assert len(mails_to(outbox, "slow@example.org")) == CAP


def test_council_invitations_to_one_address_are_capped(client, login_as, outbox):
    council = make_council()
    login_as(make_admin())
    for ip in SEVEN_IPS:
        response = client.post(f"/councils/{council.id}/staff", environ_base={"REMOTE_ADDR": ip},
                               data={"email": "clerk@example.org", "role": "viewer"})
        assert response.status_code == 303
    assert len(mails_to(outbox, "clerk@example.org")) == CAP


def test_another_kind_of_mail_still_goes_through(client, outbox):
    make_user(email="victim@example.org")
    from_seven_ips(client, "/account/reset", [{"email": "victim@example.org"}] * 7)
    form = {"display_name": "Visitor", "email": "victim@example.org", "password": "a long enough passphrase 42"}
    client.post("/register", data=form, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    sent = mails_to(outbox, "victim@example.org")
    assert len(sent) == CAP + 1
    assert "/login" in sent[-1]["body"] and "/login" not in sent[0]["body"]  # "already registered", not a reset


def test_an_hour_later_it_sends_again(client, outbox):
    make_user(email="victim@example.org")
    with freeze_time(START) as clock:
        from_seven_ips(client, "/account/reset", [{"email": "victim@example.org"}] * 7)
        clock.tick(timedelta(minutes=59))
        client.post("/account/reset", data={"email": "victim@example.org"},
                    environ_base={"REMOTE_ADDR": "198.51.100.2"})
        assert len(mails_to(outbox, "victim@example.org")) == CAP  # still within the hour of the first ones
        clock.tick(timedelta(minutes=1, seconds=1))
        client.post("/account/reset", data={"email": "victim@example.org"},
                    environ_base={"REMOTE_ADDR": "198.51.100.3"})
    assert len(mails_to(outbox, "victim@example.org")) == CAP + 1


def test_the_outbox_records_each_mails_kind_and_mailbox(client):
    make_user(email="Victim+news@Example.org")
    client.post("/account/reset", data={"email": "victim+x@example.org"})
    db.session.rollback()
    [message] = db.session.scalars(select(mail.OutboxMessage)).all()
    assert (message.kind, message.mailbox) == ("reset", "victim@example.org")


# What is not capped, and why. ----------------------------------------------------------------------------------

def test_notifications_are_not_capped(app, outbox):
    """A person who chose email at once for a kind gets every one: a stranger cannot trigger them (only members'
    own, rate-limited actions do), each carries a one-click unsubscribe, and a silent cap would drop news they
    asked for."""
    reader = make_user(email="reader@example.org")
    community = make_community()
    for n in range(CAP + 2):
        event = activity.record(None, "proposal.publish", community, community, title=f"مطلب {n}")
        activity.notify(event, [reader])
        db.session.commit()
    assert len(mails_to(outbox, "reader@example.org")) == CAP + 2


def test_letters_to_a_council_are_not_capped(app, outbox):
    """A council's contact address receives every community's letters: a lost letter is a lost demand."""
    council = make_council(contact_email="council@example.org", postal_address="دمشق")
    for _ in range(CAP + 1):
        make_sent_letter(council=council)
    assert len(mails_to(outbox, "council@example.org")) == CAP + 1


# Many workers at once. -----------------------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.app_config(MAIL_CAP_PER_HOUR=CAP, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 5})
def test_simultaneous_requests_from_many_ips_still_send_only_the_cap(app, outbox):
    make_user(email="victim@example.org")

    def asking(ip):
        client = app.test_client()

        def action():
            with app.app_context():
                return client.post("/account/reset", data={"email": "victim@example.org"},
                                   environ_base={"REMOTE_ADDR": ip}).status_code
        return action

    result = race([asking(ip) for ip in SEVEN_IPS])
    assert not result.errors, result.errors
    assert result.outcomes == [200] * 7
    assert len(mails_to(outbox, "victim@example.org")) == CAP
    assert db.session.scalar(select(User.id).where(User.email == "victim@example.org"))
