"""Sign-in sessions (SECURITY.md D.22, ASVS 7.2.3, 7.2.4, 7.3.1, 7.3.2, 7.4.1): server-side records of which the
cookie carries only a random secret (the database only its hash); a fresh one at each sign-in; ended by signing
out (a copied session or remember-me cookie dies with it), by idle time and by age, by a password change (the
other devices), a reset or the account's deletion; listed and ended one by one from "My sessions". Reset links
die with any successful reset or password change (issue #18, item 5).

Everything goes through the real POST /login form. A "replay" copies a cookie into a new client, as an
attacker holding a stolen cookie would.
"""
import re
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from civicvoice.accounts import tokens
from civicvoice.extensions import db
from tests.factories import PASSWORD, make_committee, make_community, make_council, make_staff, make_user

NEW_PASSWORD = "a brand new and long passphrase"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")
ENDED = "Your session has ended. Sign in again."


@pytest.fixture
def user(app):
    return make_user(email="resident@example.org")


def _login(client, user, **form):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, **form})
    assert response.status_code == 303
    return response


def _signed_in(client) -> bool:
    return client.get("/notifications").status_code == 200


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _replay(app, **cookies) -> bool:
    """Whether a new client holding only these cookies is signed in."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return _signed_in(other)


def _session_data(app, client) -> dict:
    """What the session cookie says (it is signed, not encrypted: anyone holding it can read it)."""
    return app.session_interface.get_signing_serializer(app).loads(_cookie(client, "session"))


def _identifier(app, client) -> str:
    return _session_data(app, client)["_user_id"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


# Login: a fresh session, no fixation. -----------------------------------------------------------

def test_login_issues_a_new_session_cookie(client, user):
    client.get("/login")
    before = _cookie(client, "session")
    assert before
    _login(client, user)
    assert _cookie(client, "session") not in (None, before)


def test_data_planted_in_the_session_before_login_is_gone_after_login(client, user):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]
    assert _signed_in(client)


def test_the_cookie_from_before_login_does_not_authenticate(app, client, user):
    client.get("/login")
    before = _cookie(client, "session")
    _login(client, user)
    assert _signed_in(client)
    assert not _replay(app, session=before)


def test_each_sign_in_gets_a_new_session_identifier(app, client, user):
    """ASVS 7.2.4: signing in again on the same browser starts another session; the one before it is over."""
    _login(client, user)
    first, first_cookie = _identifier(app, client), _cookie(client, "session")
    _login(client, user)
    assert _identifier(app, client) != first
    assert _signed_in(client)
    assert not _replay(app, session=first_cookie)


def test_the_cookie_carries_a_random_secret_not_the_account(app, client, user):
    """The session cookie is readable by whoever holds it: it names no account, only a secret of 128 bits or
    more (ASVS 7.2.3); the remember-me cookie carries the same secret."""
    _login(client, user, remember="y")
    identifier = _identifier(app, client)
    assert not re.fullmatch(r"\d+(:\d+)*", identifier)
    assert str(user.id) not in identifier.split(":")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", identifier)
    assert _cookie(client, "remember_token").split("|")[0] == identifier


def test_the_database_holds_no_session_secret(app, client, user, snapshot):
    """A stolen database yields no live cookie: the secret is stored only as a hash."""
    _login(client, user, remember="y")
    identifier = _identifier(app, client)
    assert len(identifier) >= 43
    assert identifier not in repr(snapshot())
    assert _replay(app, session=_cookie(client, "session"))  # the control: it is the live secret


def test_a_copied_session_cookie_authenticates_while_its_session_lives(app, client, user):
    """The control for the tests below: a cookie is a bearer token, so a live copy does sign in."""
    _login(client, user)
    assert _replay(app, session=_cookie(client, "session"))


# Logout. ---------------------------------------------------------------------------------------

def test_logout_clears_the_session(client, user):
    _login(client, user)
    with client.session_transaction() as session:
        session["planted"] = "anything"
    assert client.post("/logout").status_code == 303
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "planted" not in session
    assert not _signed_in(client)


def test_logout_removes_the_remember_cookie(client, user):
    _login(client, user, remember="y")
    assert _cookie(client, "remember_token")
    client.post("/logout")
    assert _cookie(client, "remember_token") is None


def test_logout_signs_out_a_remembered_user(client, user):
    """Regression: session.clear() after logout_user() dropped Flask-Login's "clear the cookie" mark, and the
    remember-me cookie signed the user straight back in on the next request."""
    _login(client, user, remember="y")
    client.post("/logout")
    assert not _signed_in(client)


def test_logout_ends_a_copied_session_cookie(app, client, user):
    _login(client, user)
    stolen = _cookie(client, "session")
    assert _replay(app, session=stolen)
    client.post("/logout")
    assert not _replay(app, session=stolen)


def test_logout_ends_a_copied_remember_cookie(app, client, user):
    _login(client, user, remember="y")
    stolen = _cookie(client, "remember_token")
    assert _replay(app, remember_token=stolen)
    client.post("/logout")
    assert not _replay(app, remember_token=stolen)


def test_a_device_whose_session_ended_is_told_to_sign_in_again(app, client, user):
    other_device = app.test_client()
    _login(other_device, user, remember="y")
    _login(client, user)
    assert client.post("/account/password", data={"current_password": PASSWORD,
                                                  "new_password": NEW_PASSWORD}).status_code == 303
    page = other_device.get("/", headers={"Accept-Language": "en"})
    assert ENDED in page.get_data(as_text=True)
    assert _cookie(other_device, "remember_token") is None
    assert not _signed_in(other_device)
    assert ENDED not in other_device.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)  # once


def test_signing_in_again_on_that_device_says_nothing_of_the_old_session(app, client):
    """Signing in starts the Flask session afresh: the note about the old session goes with it."""
    user = make_user(locale="en")
    with freeze_time(_now()) as clock:
        _login(client, user)
        clock.tick(timedelta(hours=3))
        _login(client, user)
        assert ENDED not in client.get("/").get_data(as_text=True)
        assert _signed_in(client)


# Idle timeout and absolute lifetime (ASVS 7.3.1, 7.3.2). ------------------------------------------

def test_a_resident_is_signed_out_after_two_idle_hours(app, client, user):
    with freeze_time(_now()) as clock:
        _login(client, user)
        clock.tick(timedelta(hours=1, minutes=59))
        assert _signed_in(client)
        clock.tick(timedelta(hours=1, minutes=59))  # idle time counts from the last request, not the sign-in
        assert _signed_in(client)
        stolen = _cookie(client, "session")
        clock.tick(timedelta(hours=2, minutes=1))
        assert not _signed_in(client)
        assert not _replay(app, session=stolen)


def test_staff_are_signed_out_after_eight_idle_hours_whatever_they_ticked(app, client):
    chair = make_committee(make_community())
    with freeze_time(_now()) as clock:
        _login(client, chair, remember="y")
        assert _cookie(client, "remember_token") is None  # staff never get the long session
        clock.tick(timedelta(hours=7, minutes=59))
        assert _signed_in(client)
        stolen = _cookie(client, "session")
        clock.tick(timedelta(hours=8, minutes=1))
        assert not _signed_in(client)
        assert not _replay(app, session=stolen)


@pytest.mark.parametrize("role", ["council staff", "site admin"])
def test_council_staff_and_site_admins_are_staff_too(app, client, role):
    person = make_user(admin=True) if role == "site admin" else make_user()
    if role == "council staff":
        make_staff(make_council(), person, role="viewer")
    with freeze_time(_now()) as clock:
        _login(client, person, remember="y")
        assert _cookie(client, "remember_token") is None
        clock.tick(timedelta(hours=8, minutes=1))
        assert not _signed_in(client)


def test_a_remembered_resident_stays_signed_in_for_thirty_days_and_no_longer(app, client, user):
    with freeze_time(_now()) as clock:
        _login(client, user, remember="y")
        remembered = _cookie(client, "remember_token")
        clock.tick(timedelta(days=29))  # the browser was closed: only the remember-me cookie is left
        assert _replay(app, remember_token=remembered)
        clock.tick(timedelta(days=1, minutes=1))
        assert not _replay(app, remember_token=remembered)


def test_an_active_session_ends_a_day_after_sign_in(app, client, user):
    with freeze_time(_now()) as clock:
        _login(client, user)
        for _hour in range(23):
            clock.tick(timedelta(hours=1))
            assert _signed_in(client)
        clock.tick(timedelta(hours=1, minutes=1))
        assert not _signed_in(client)


def test_a_resident_appointed_to_a_committee_gets_the_staff_timeout(app, client, user):
    with freeze_time(_now()) as clock:
        _login(client, user, remember="y")
        make_committee(make_community(), user)
        clock.tick(timedelta(minutes=2))
        assert _signed_in(client)  # the next request sees the new role
        clock.tick(timedelta(hours=8, minutes=1))
        assert not _signed_in(client)


# Revocation: password change, reset, deletion (ASVS 7.4.1). -------------------------------------

def _change_password(client):
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = client.post("/account/password", data=data)
    assert response.status_code == 303


def test_password_change_signs_out_other_devices(app, client, user):
    other_device = app.test_client()
    _login(other_device, user)
    stolen = _cookie(other_device, "session")
    assert _replay(app, session=stolen)
    _login(client, user)
    _change_password(client)
    assert not _replay(app, session=stolen)
    assert not _signed_in(other_device)


def test_password_change_keeps_this_device_signed_in(app, client, user):
    _login(client, user, remember="y")
    here, remembered = _cookie(client, "session"), _cookie(client, "remember_token")
    _change_password(client)
    assert _signed_in(client)
    assert _replay(app, session=here)
    assert _replay(app, remember_token=remembered)


def test_password_change_revokes_remember_cookies(app, client, user):
    other_device = app.test_client()
    _login(other_device, user, remember="y")
    remembered = _cookie(other_device, "remember_token")
    assert _replay(app, remember_token=remembered)
    _login(client, user)
    _change_password(client)
    assert not _replay(app, remember_token=remembered)


def test_password_reset_signs_out_every_session(app, client, user):
    _login(client, user, remember="y")
    stolen, remembered = _cookie(client, "session"), _cookie(client, "remember_token")
    token = tokens.issue("reset_password", user=user, email=user.email)
    db.session.commit()
    response = app.test_client().post(f"/account/reset/{token}", data={"password": NEW_PASSWORD})
    assert response.status_code == 303
    assert not _replay(app, session=stolen)
    assert not _replay(app, remember_token=remembered)
    assert not _signed_in(client)


def test_account_deletion_signs_out_every_session(app, client, user):
    other_device = app.test_client()
    _login(other_device, user, remember="y")
    stolen, remembered = _cookie(other_device, "session"), _cookie(other_device, "remember_token")
    _login(client, user)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 303
    assert not _replay(app, session=stolen)
    assert not _replay(app, remember_token=remembered)


# Remember me. ----------------------------------------------------------------------------------

def test_no_remember_cookie_unless_ticked(client, user):
    response = _login(client, user)
    assert not any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))
    assert _cookie(client, "remember_token") is None


def test_remember_cookie_when_ticked(client, user):
    response = _login(client, user, remember="y")
    assert any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))


def test_session_cookie_has_no_expiry_without_remember(client, user):
    """Without "remember me" the sign-in ends with the browser session."""
    response = _login(client, user)
    session_header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "expires=" not in session_header.lower() and "max-age=" not in session_header.lower()


# My sessions. ----------------------------------------------------------------------------------

def _device(app, user, agent, **form):
    device = app.test_client()
    device.environ_base["HTTP_USER_AGENT"] = agent
    _login(device, user, **form)
    return device


def _session_ids(user) -> list[int]:
    return list(db.session.scalars(text("SELECT id FROM user_sessions WHERE user_id = :user ORDER BY id"),
                                   {"user": user.id}))


def test_my_sessions_lists_each_device_and_marks_this_one(app):
    user = make_user(locale="en")
    _device(app, user, FIREFOX_ANDROID)
    here = _device(app, user, CHROME_WINDOWS)
    page = here.get("/account/sessions").get_data(as_text=True)
    page = re.sub(r"</?bdi>", "", page)
    assert "Firefox on Android" in page and "Chrome on Windows" in page
    entries = re.findall(r'<li class="session.*?</li>', page, re.S)
    assert len(entries) == 2
    [this_device] = [entry for entry in entries if "This device" in entry]
    assert "Chrome on Windows" in this_device
    assert 'href="/account/sessions"' in here.get("/account").get_data(as_text=True)


def test_my_sessions_speaks_arabic_first(app, user):
    here = _device(app, user, FIREFOX_ANDROID)
    page = here.get("/account/sessions").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "<bdi>Firefox</bdi> على <bdi>Android</bdi>" in page and "هذا الجهاز" in page


def test_signing_out_another_device_from_my_sessions(app):
    user = make_user(locale="en")
    phone = _device(app, user, FIREFOX_ANDROID, remember="y")
    stolen, remembered = _cookie(phone, "session"), _cookie(phone, "remember_token")
    here = _device(app, user, CHROME_WINDOWS)
    phone_session = _session_ids(user)[0]
    response = here.post(f"/account/sessions/{phone_session}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/account/sessions"
    assert not _replay(app, session=stolen)
    assert not _replay(app, remember_token=remembered)
    assert _signed_in(here)
    assert "Firefox on Android" not in here.get("/account/sessions").get_data(as_text=True)


def test_signing_out_every_other_device(app):
    user = make_user(locale="en")
    others = [_device(app, user, FIREFOX_ANDROID), _device(app, user, FIREFOX_ANDROID, remember="y")]
    stolen = [_cookie(device, "session") for device in others]
    here = _device(app, user, CHROME_WINDOWS)
    assert here.post("/account/sessions/end-others").status_code == 303
    assert not any(_replay(app, session=cookie) for cookie in stolen)
    assert _signed_in(here)
    page = here.get("/account/sessions").get_data(as_text=True)
    assert "Firefox on Android" not in page and "This device" in page


def test_someone_elses_session_cannot_be_ended(app, user):
    victim = app.test_client()
    _login(victim, user)
    [victim_session] = _session_ids(user)
    attacker = _device(app, make_user(), CHROME_WINDOWS)
    assert attacker.post(f"/account/sessions/{victim_session}/end").status_code == 404
    assert attacker.post("/account/sessions/999999/end").status_code == 404
    assert _signed_in(victim)


def test_my_sessions_needs_sign_in(client):
    response = client.get("/account/sessions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# Signing in through other doors. ----------------------------------------------------------------

def test_accepting_an_invitation_while_signed_in_keeps_a_working_session(app, client, user):
    """Regression: login_user() was given the current_user proxy, which then resolved to itself."""
    council = make_council()
    token = tokens.issue("council_invite", email=user.email, council_id=council.id, role="viewer")
    db.session.commit()
    _login(client, user)
    response = client.post(f"/council-invitations/{token}")
    assert response.status_code == 303
    assert _signed_in(client)


def test_accepting_an_invitation_starts_a_staff_session(app, client, user):
    """Joining a council's staff raises what the account may do: a new session, with the staff timeout."""
    council = make_council()
    token = tokens.issue("council_invite", email=user.email, council_id=council.id, role="viewer")
    db.session.commit()
    with freeze_time(_now()) as clock:
        _login(client, user, remember="y")
        before = _cookie(client, "session")
        assert client.post(f"/council-invitations/{token}").status_code == 303
        assert not _replay(app, session=before)
        clock.tick(timedelta(hours=8, minutes=1))
        assert not _signed_in(client)


# Reset links die with any reset or password change (issue #18, item 5). --------------------------

def _reset_link(client, outbox) -> str:
    assert client.post("/account/reset", data={"email": "resident@example.org"}).status_code == 200
    return re.search(r"/account/reset/([^\s/]+)", outbox[-1]["body"]).group(1)


def test_a_reset_through_a_newer_link_voids_the_older_one(app, client, user, outbox):
    older, newer = _reset_link(client, outbox), _reset_link(client, outbox)
    assert client.post(f"/account/reset/{newer}", data={"password": NEW_PASSWORD}).status_code == 303
    response = client.post(f"/account/reset/{older}", data={"password": "an attacker's own passphrase"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/reset"
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 303


def test_a_password_change_voids_outstanding_reset_links(app, client, user, outbox):
    link = _reset_link(app.test_client(), outbox)
    _login(client, user)
    _change_password(client)
    response = app.test_client().get(f"/account/reset/{link}")
    assert response.status_code == 303 and response.headers["Location"] == "/account/reset"
    refused = app.test_client().post(f"/account/reset/{link}", data={"password": "an attacker's own passphrase"})
    assert refused.status_code == 303
    assert _signed_in(client)
    assert client.post("/logout").status_code == 303
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 303
