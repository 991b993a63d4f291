"""The security log (ASVS 16.3.1–16.3.3, 16.4.1): failed sign-ins, refused permissions, rate limits, CSRF failures
and sessions are logged (logger `civicvoice.security`), with the fields that tell what happened, and never a
password nor an address in clear; what a request supplied cannot forge a log line.
"""
import logging
import shlex

import pytest
from flask import abort
from flask_login import current_user

from civicvoice import permissions, securitylog
from civicvoice.accounts.services import email_key
from civicvoice.accounts import rules as account_rules
from civicvoice.errors import NotAllowed
from civicvoice.securitylog import loggable
from tests.factories import PASSWORD, make_community, make_member, make_proposal, make_user

TYPED = "typed-Secret-passphrase-9"  # the password someone typed, which no log line may hold
FORGED = "\n2026-01-01 CRITICAL forged"


@pytest.fixture
def security_log(caplog):
    """Every record of every logger from INFO up; .events(name) the security log's records of that event."""
    caplog.set_level(logging.INFO)

    class Log:
        records = caplog.records

        @staticmethod
        def events(name):
            return [r for r in caplog.records if r.name == "civicvoice.security" and r.security["event"] == name]

        @staticmethod
        def text():
            formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
            return "\n".join(formatter.format(record) for record in caplog.records)

    return Log


def _login(client, email, password=TYPED, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_a_wrong_password_is_logged_with_a_tag_of_the_mailbox_never_the_address_nor_the_password(client,
                                                                                                  security_log):
    make_user(email="victim@example.org")
    assert _login(client, "Victim@example.org", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 200
    [record] = security_log.events("sign-in failed")
    assert record.levelno == logging.WARNING
    assert record.security["mailbox"] == securitylog.tag("mailbox", email_key("victim@example.org"))
    assert record.security["ip"] == "203.0.113.5" and record.security["endpoint"] == "accounts.login"
    assert record.security["reason"] == "credentials"
    text = security_log.text()
    assert TYPED not in text and "victim" not in text.lower()


def test_an_unknown_address_is_logged_alike(client, security_log):
    assert _login(client, "nobody@example.org").status_code == 200
    [record] = security_log.events("sign-in failed")
    assert record.security["mailbox"] == securitylog.tag("mailbox", email_key("nobody@example.org"))
    assert "nobody" not in security_log.text() and TYPED not in security_log.text()


def test_a_sign_in_and_its_sign_out_are_logged_as_session_events(client, security_log):
    user = make_user(email="resident@example.org")
    assert _login(client, user.email, PASSWORD).status_code == 303
    client.post("/logout")
    [started] = security_log.events("session started")
    [ended] = security_log.events("session ended")
    assert started.levelno == ended.levelno == logging.INFO
    assert started.security["user"] == ended.security["user"] == securitylog.tag("user", user.id)
    assert started.security["session"] == ended.security["session"]
    assert ended.security["reason"] == "signed_out"
    assert security_log.events("sign-in failed") == []
    assert PASSWORD not in security_log.text() and "resident@" not in security_log.text()


def test_sessions_ended_by_a_password_change_and_by_deleting_the_account_are_logged(app, client, security_log):
    user = make_user(email="resident@example.org")
    other_device = app.test_client()
    for browser in (client, other_device):
        assert _login(browser, user.email, PASSWORD).status_code == 303
    new = "a brand new and long passphrase"
    assert client.post("/account/password", data={"current_password": PASSWORD,
                                                  "new_password": new}).status_code == 303
    assert client.post("/account/delete", data={"password": new, "confirm": "y"}).status_code == 303
    ended = [(r.security["reason"], r.security.get("count")) for r in security_log.events("session ended")]
    assert ended == [("password_changed", "1"), ("account_deleted", "1")]  # the other device was signed out already
    assert all(r.security["user"] == securitylog.tag("user", user.id) for r in security_log.events("session ended"))
    assert new not in security_log.text() and PASSWORD not in security_log.text()


def test_a_refused_permission_is_logged_with_its_name_the_route_and_a_tag_of_the_account(client, login_as,
                                                                                         security_log):
    community = make_community()
    member = make_member(community)
    login_as(member)
    assert client.get(f"/communities/{community.slug}/members").status_code == 403
    [record] = security_log.events("access refused")
    assert record.levelno == logging.WARNING
    assert record.security["permission"] == "view_member_list"
    assert record.security["endpoint"] == "communities.members" and record.security["status"] == "403"
    assert record.security["user"] == securitylog.tag("user", member.id)


def test_a_permission_granted_logs_nothing(client, login_as, security_log):
    community = make_community()
    login_as(make_user(admin=True))
    assert client.get(f"/communities/{community.slug}/members").status_code == 200
    assert security_log.events("access refused") == []


@pytest.mark.own_app
def test_every_403_is_logged_whatever_raised_it(app, client, login_as, security_log):
    @app.get("/test/abort")
    def aborted():
        abort(403)

    @app.get("/test/domain")
    def domain():
        raise NotAllowed()

    @app.get("/test/require")
    def required():
        permissions.require(account_rules.can_administer_site(current_user))

    @app.get("/test/require-plain")
    def plain():
        permissions.require(False)

    login_as(make_user())
    for url in ("/test/abort", "/test/domain", "/test/require", "/test/require-plain"):
        assert client.get(url).status_code == 403
    records = security_log.events("access refused")
    assert [r.security["endpoint"] for r in records] == ["aborted", "domain", "required", "plain"]
    # A permission is named when one was asked, and only then.
    assert [r.security["permission"] for r in records] == ["-", "-", "administer_site", "-"]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="2 per minute",
                        LOGIN_LIMIT_PER_IP="50 per minute")
def test_a_rate_limit_refusal_is_logged_with_the_limit_and_the_endpoint(client, security_log):
    for _ in range(3):
        response = _login(client, "omar@example.org")
    assert response.status_code == 429
    [record] = security_log.events("rate limited")
    assert record.levelno == logging.WARNING
    assert record.security["limit"] == "LOGIN_LIMIT_PER_ACCOUNT"
    assert record.security["endpoint"] == "accounts.login"
    # Flask-Limiter's own log line names the key it counts: a tag, not the address.
    assert "omar" not in security_log.text() and TYPED not in security_log.text()


@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="1 per minute")
def test_a_limit_checked_inside_a_view_is_logged_too(client, login_as, security_log):
    proposal = make_proposal()
    login_as(proposal.author)
    url = f"/demands/{proposal.id}/arguments"
    assert client.post(url, data={"stance": "for", "body": "First"}).status_code == 303
    assert client.post(url, data={"stance": "for", "body": "Second"}).status_code == 429
    [record] = security_log.events("rate limited")
    assert record.security["limit"] == "POST_LIMIT_PER_ACCOUNT"
    assert record.security["endpoint"] == "deliberation.post"
    assert record.security["user"] == securitylog.tag("user", proposal.author.id)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_csrf_failure_is_logged(client, security_log):
    make_user(email="resident@example.org")
    assert _login(client, "resident@example.org", PASSWORD).status_code == 400
    [record] = security_log.events("csrf failed")
    assert record.levelno == logging.WARNING
    assert record.security["endpoint"] == "accounts.login" and "CSRF" in record.security["reason"]
    assert PASSWORD not in security_log.text() and "resident@" not in security_log.text()
    assert security_log.events("session started") == []


# Log injection (16.4.1) ---------------------------------------------------------------------------------------

def _one_line(record) -> bool:
    formatted = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(record)
    return "\n" not in formatted and "\r" not in formatted


def test_an_address_with_a_line_break_cannot_forge_a_line(client, security_log):
    assert _login(client, "a@example.org" + FORGED).status_code == 200
    [record] = security_log.events("sign-in failed")
    assert record.security["reason"] == "form"  # not even a valid address
    assert _one_line(record)
    assert not any(line.startswith("2026-01-01") for line in security_log.text().splitlines())


def test_a_user_agent_with_a_line_break_cannot_forge_a_line(client, security_log):
    _login(client, "a@example.org", environ_overrides={"HTTP_USER_AGENT": "Mozilla/5.0\r" + FORGED})
    [record] = security_log.events("sign-in failed")
    assert _one_line(record)
    assert record.security["agent"] == "Mozilla/5.0\\x0d\\x0a2026-01-01 CRITICAL forged"


def test_a_user_agent_cannot_add_fields_to_its_line(client, security_log):
    agent = 'Mozilla/5.0 "quoted" ip=6.6.6.6 user=admin \\'
    _login(client, "a@example.org", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    [record] = security_log.events("sign-in failed")
    words = shlex.split(record.getMessage())
    fields = dict(word.split("=", 1) for word in words if "=" in word)
    assert fields["ip"] == "203.0.113.5" and "user" not in fields
    assert fields["agent"] == agent  # quoted, and read back whole
    assert record.security["agent"] == agent.replace("\\", "\\\\")  # as loggable() wrote it


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_path_with_a_line_break_cannot_forge_a_line(client, security_log):
    response = client.post("/account/verify/token%0A2026-01-01%20CRITICAL%20forged")
    assert response.status_code == 400
    [record] = security_log.events("csrf failed")
    assert _one_line(record)
    assert record.security["path"] == "/account/verify/token\\x0a2026-01-01 CRITICAL forged"


@pytest.mark.parametrize("value, written", [
    ("line\nbreak\r", "line\\x0abreak\\x0d"),
    ("\x1b[31mred", "\\x1b[31mred"),  # terminal escape sequences
    ("\u2028\u2029\x85", "\\u2028\\u2029\\x85"),  # what str.splitlines() also breaks on
    ("\u202eevil", "\\u202eevil"),  # a bidi override turning the rest of the line around
    ("a\\x0aforged", "a\\\\x0aforged"),  # a typed escape cannot pass for an escaped line break
    ("محمد Müller", "محمد Müller"),  # letters of any script stay readable
])
def test_loggable_writes_every_control_character_as_an_escape(value, written):
    assert loggable(value) == written


def test_loggable_cuts_long_values():
    assert loggable("x" * 10_000) == "x" * securitylog.MAX_VALUE + "…"
