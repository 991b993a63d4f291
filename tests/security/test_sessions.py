"""Sign-in sessions (SECURITY.md D.22, ASVS 7.2.4, 7.4.1): fresh at login, cleared at logout, revoked by a
password change, reset or account deletion, and remembered only when asked. Reset links die with any successful
reset or password change (issue #18, item 5).

Everything goes through the real POST /login form. A "replay" copies a cookie into a new client, as an
attacker holding a stolen cookie would.
"""
import re

import pytest

from civicvoice.accounts import tokens
from civicvoice.extensions import db
from tests.factories import PASSWORD, make_council, make_user

NEW_PASSWORD = "a brand new and long passphrase"


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


# Login: no fixation. ---------------------------------------------------------------------------

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
        assert session["_user_id"] == user.get_id()


def test_the_cookie_from_before_login_does_not_authenticate(app, client, user):
    client.get("/login")
    before = _cookie(client, "session")
    _login(client, user)
    assert _signed_in(client)
    assert not _replay(app, session=before)


def test_a_copied_session_cookie_authenticates_until_revoked(app, client, user):
    """The control for the revocation tests below: replaying a live cookie does sign in."""
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


# Revocation through the session version. -------------------------------------------------------

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


def test_password_change_keeps_this_device_signed_in(client, user):
    _login(client, user)
    _change_password(client)
    assert _signed_in(client)


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
    _login(other_device, user)
    stolen = _cookie(other_device, "session")
    _login(client, user)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 303
    assert not _replay(app, session=stolen)


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
    with client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()


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
