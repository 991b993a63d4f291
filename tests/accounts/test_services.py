from datetime import timedelta

import pytest
from freezegun import freeze_time

from civicvoice.accounts import services, sessions
from civicvoice.accounts.models import User
from civicvoice.activity.models import Event
from civicvoice.errors import InvalidInput
from tests.factories import PASSWORD, make_committee, make_community, make_user


def _link_token(message, marker):
    line = next(line for line in message["body"].splitlines() if marker in line)
    return line.rsplit("/", 1)[1]


def test_register_creates_an_unverified_account_and_mails_a_link(app, db, outbox):
    user = services.register("ليلى", "Layla@Example.ORG", "a good long password", phone="0944123456")
    db.session.commit()
    assert user.email == "Layla@example.org"
    assert user.identity_level == "unverified"
    assert user.password_hash != "a good long password"
    assert len(outbox) == 1 and outbox[0]["to"] == "Layla@example.org"
    assert "/account/verify/" in outbox[0]["body"]


def test_register_mail_is_in_the_users_language(app, db, outbox):
    services.register("Layla", "layla@example.org", "a good long password", locale="en")
    db.session.commit()
    assert "Confirm your email address" in outbox[0]["subject"]


def test_mail_is_sent_only_after_commit(app, db, outbox):
    services.register("ليلى", "layla@example.org", "a good long password")
    assert outbox == []
    db.session.rollback()
    assert outbox == []
    db.session.commit()
    assert outbox == []  # the rolled-back registration sent nothing


@pytest.mark.parametrize("variant", ["LAYLA@example.org", "layla+signup@example.org", "layla@EXAMPLE.org"])
def test_one_mailbox_one_account(app, db, outbox, variant):
    first = services.register("ليلى", "layla@example.org", "a good long password")
    db.session.commit()
    outbox.clear()
    assert services.register("ليلى 2", variant, "another long password") is None
    db.session.commit()
    assert db.session.query(User).count() == 1
    # The owner is told, the form reveals nothing.
    assert len(outbox) == 1 and outbox[0]["to"] == first.email


def test_gmail_dots_reach_the_same_mailbox(app):
    assert services.email_key("La.Yla+x@googlemail.com") == services.email_key("layla@gmail.com")
    assert services.email_key("la.yla@example.org") != services.email_key("layla@example.org")


def test_register_refuses_a_weak_password(app):
    with pytest.raises(InvalidInput):
        services.register("ليلى", "layla@example.org", "1234567890")


def test_verify_email_once(app, db, outbox):
    user = services.register("ليلى", "layla@example.org", "a good long password")
    db.session.commit()
    token = _link_token(outbox[0], "/account/verify/")
    services.verify_email(token)
    db.session.commit()
    assert user.identity_level == "email"
    assert db.session.query(Event).filter_by(verb="account.email_verified").count() == 1
    with pytest.raises(InvalidInput):
        services.verify_email(token)


def test_verification_link_expires(app, db, outbox):
    with freeze_time("2026-01-01 10:00"):
        services.register("ليلى", "layla@example.org", "a good long password")
        db.session.commit()
    token = _link_token(outbox[0], "/account/verify/")
    with freeze_time("2026-01-01 10:00") as frozen:
        frozen.tick(timedelta(hours=49))
        with pytest.raises(InvalidInput):
            services.verify_email(token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "%ff%fe", "x" * 500])
def test_bad_verification_tokens_are_refused(app, token):
    with pytest.raises(InvalidInput):
        services.verify_email(token)


def test_authenticate(app):
    user = make_user(email="omar@example.org")
    assert services.authenticate("OMAR@example.org", PASSWORD) == user
    assert services.authenticate("omar@example.org", "wrong password") is None
    assert services.authenticate("nobody@example.org", PASSWORD) is None
    assert services.authenticate("not an email", PASSWORD) is None


def test_password_reset_is_single_use_and_signs_out_everywhere(app, db, outbox):
    user = make_user(email="omar@example.org")
    secrets = [sessions.start(user, remember=remember)[1] for remember in (False, True)]
    services.request_password_reset("omar@example.org")
    db.session.commit()
    token = _link_token(outbox[0], "/account/reset/")
    services.reset_password(token, "a brand new passphrase")
    db.session.commit()
    assert services.authenticate("omar@example.org", "a brand new passphrase") == user
    assert [sessions.find(secret) for secret in secrets] == [None, None]
    with pytest.raises(InvalidInput):
        services.reset_password(token, "yet another passphrase")


def test_reset_request_for_unknown_email_says_no_account_uses_it(app, db, outbox):
    services.request_password_reset("Nobody@Example.org", locale="en")
    db.session.commit()
    [message] = outbox
    assert message["to"] == "Nobody@example.org"
    assert "no account uses it" in message["body"] and "/account/reset/" not in message["body"]


def test_reset_link_expires_after_an_hour(app, db, outbox):
    make_user(email="omar@example.org")
    with freeze_time("2026-01-01 10:00"):
        services.request_password_reset("omar@example.org")
        db.session.commit()
    token = _link_token(outbox[0], "/account/reset/")
    with freeze_time("2026-01-01 11:01"):
        assert not services.reset_token_valid(token)
        with pytest.raises(InvalidInput):
            services.reset_password(token, "a brand new passphrase")


def test_change_password_checks_the_current_one(app, db):
    user = make_user()
    with pytest.raises(InvalidInput):
        services.change_password(user, "wrong current password", "a brand new passphrase")
    services.change_password(user, PASSWORD, "a brand new passphrase")
    assert services.authenticate(user.email, "a brand new passphrase") == user


def test_update_profile(app, db):
    user = make_user()
    services.update_profile(user, display_name="  عمر  ", phone="0944", locale="en", digits="latn",
                            show_name_publicly=False)
    assert (user.display_name, user.locale, user.digits) == ("عمر", "en", "latn")
    assert str(user.public_name) == "أحد السكان"  # "a resident"


def test_delete_account_erases_personal_data_and_keeps_contributions(app, db):
    community = make_community()
    user = make_committee(community, make_user(name="سلمى", email="salma@example.org", phone="0944"))
    other = make_committee(community)
    event_ids = [e.id for e in db.session.query(Event).filter_by(actor_id=user.id)]
    services.delete_account(user, PASSWORD)
    db.session.commit()
    assert (user.email, user.email_key, user.phone, user.password_hash, user.display_name) == (
        None, None, None, None, "")
    assert not user.is_active
    assert str(user.public_name) == "عضو سابق"  # "former member"
    assert all(db.session.get(Event, i) is not None for i in event_ids)
    assert services.find_by_email("salma@example.org") is None
    assert services.authenticate("salma@example.org", PASSWORD) is None
    # The address is free again.
    assert make_user(email="salma@example.org") is not None
    assert other is not None


def test_delete_account_needs_the_password(app):
    user = make_user()
    with pytest.raises(InvalidInput):
        services.delete_account(user, "not my password")


def test_create_user_for_the_command_line(app, db):
    admin = services.create_user("root@example.org", "Root", "a long admin password", admin=True)
    assert admin.is_admin and admin.identity_level == "email"
    with pytest.raises(InvalidInput):
        services.create_user("root@example.org", "Root", "a long admin password")
