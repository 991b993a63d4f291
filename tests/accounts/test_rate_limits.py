"""Sign-in is throttled per account (whatever the IP) and per IP; mail-sending forms per IP."""
import pytest

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="5 per minute",
                                    LOGIN_LIMIT_PER_IP="8 per minute", MAIL_FORM_LIMIT="3 per hour")


def _login(client, email, password="wrong password here", ip="203.0.113.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_sixth_failed_login_for_one_account_is_refused_even_from_rotating_ips(client):
    make_user(email="omar@example.org")
    codes = [_login(client, "omar@example.org", ip=f"203.0.113.{i}").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    # Even the right password waits now.
    assert _login(client, "omar@example.org", PASSWORD, ip="198.51.100.7").status_code == 429


def test_the_account_limit_counts_aliases_of_the_same_mailbox(client):
    make_user(email="omar@example.org")
    for variant in ["omar@example.org", "OMAR@example.org", "omar+1@example.org", "Omar@Example.org",
                    "omar+2@example.org"]:
        assert _login(client, variant).status_code == 200
    assert _login(client, "omar+3@example.org").status_code == 429


def test_successful_logins_do_not_count(client):
    make_user(email="omar@example.org")
    for _ in range(7):
        assert _login(client, "omar@example.org", PASSWORD).status_code == 303
        client.post("/logout")


def test_one_ip_trying_many_accounts_is_refused(client):
    codes = [_login(client, f"user{i}@example.org").status_code for i in range(9)]
    assert codes[:8] == [200] * 8 and codes[8] == 429


def test_other_accounts_are_not_affected(client):
    make_user(email="omar@example.org")
    for _ in range(6):
        _login(client, "omar@example.org", ip="203.0.113.9")
    assert _login(client, "layla@example.org", ip="198.51.100.1").status_code == 200


def test_the_429_page_is_localised(client):
    for _ in range(6):
        response = _login(client, "omar@example.org", ip="203.0.113.10")
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and 'lang="ar"' in page and "محاولات" in page
    assert "Retry-After" in response.headers


def test_password_reset_form_is_limited_per_ip(client, outbox):
    make_user(email="omar@example.org")
    codes = [client.post("/account/reset", data={"email": "omar@example.org"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert len(outbox) == 3


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client):
    make_user(email="omar@example.org")
    codes = [client.post("/login", data={"email": f"u{i}@example.org", "password": "x" * 12},
                         headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(9)]
    assert codes[-1] == 429


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_only_the_last_hop_counts(client):
    """Failed sign-ins with fake addresses prepended to X-Forwarded-For count against the address the proxy saw;
    another client behind the same proxy keeps its own budget."""
    def failed_login(i, forwarded_for):
        return client.post("/login", data={"email": f"u{i}@example.org", "password": "x" * 12},
                           environ_base={"REMOTE_ADDR": "10.1.1.1"},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    codes = [failed_login(i, f"192.0.2.{i}, 198.51.100.7") for i in range(9)]
    assert codes == [200] * 8 + [429]
    assert failed_login(9, "192.0.2.9, 198.51.100.8") == 200
