"""Allow and block lists for signing (SECURITY.md A.3): an allowed network or email domain is free of the per-IP
limit (a centre's own connection, where a whole queue signs from one address); a blocked network is refused with
a 403 that says why and nothing counted, and the block wins over an allowed domain (e-petitions 281eee98: the VPN
case). A mistyped entry stops the site at start, naming it."""
import ipaddress

import pytest
from sqlalchemy import func, select

from civicvoice import create_app
from civicvoice.accounts.models import User
from civicvoice.extensions import db
from civicvoice.signatures.models import Signature
from tests.factories import make_community, make_member, make_proposal, make_user

CENTRE = "192.0.2.50"  # the community centre's own connection
ELSEWHERE = "198.51.100.9"
VPN = "203.0.113.7"

pytestmark = pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGN_LIMIT_PER_ACCOUNT="100 per minute",
                                    SIGN_LIMIT_PER_IP="2 per minute", SIGN_ALLOW_NETWORKS="192.0.2.0/24",
                                    SIGN_ALLOW_DOMAINS="centre.example.org",
                                    SIGN_BLOCK_NETWORKS="203.0.113.0/24, 2001:db8:bad::/48")


@pytest.fixture
def demand(app):
    return make_proposal(make_community(), status="open")


def _member(demand, email=None, **fields):
    return make_member(demand.community, make_user(email=email, **fields) if email or fields else None)


def _sign(client, login_as, demand, ip, user=None):
    login_as(user or _member(demand))
    return client.post(f"/demands/{demand.id}/sign", data={"visibility": "public", "comment": ""},
                       environ_base={"REMOTE_ADDR": ip})


def _rows(demand) -> int:
    return db.session.scalar(select(func.count(Signature.id)).where(Signature.proposal_id == demand.id))


def test_an_allowed_network_signs_past_the_ip_limit(client, login_as, demand):
    assert [_sign(client, login_as, demand, CENTRE).status_code for _ in range(5)] == [303] * 5
    assert _rows(demand) == 5
    # The limit holds elsewhere: the third signer from one other address waits.
    assert [_sign(client, login_as, demand, ELSEWHERE).status_code for _ in range(3)] == [303, 303, 429]


def test_an_allowed_email_domain_signs_past_the_ip_limit(client, login_as, demand):
    residents = [_member(demand, f"resident{i}@centre.example.org") for i in range(4)]
    codes = [_sign(client, login_as, demand, ELSEWHERE, resident).status_code for resident in residents]
    assert codes == [303] * 4
    # They were not counted against the address: two others from it sign, the third waits.
    assert [_sign(client, login_as, demand, ELSEWHERE).status_code for _ in range(3)] == [303, 303, 429]
    assert _rows(demand) == 6


def test_an_unverified_address_at_an_allowed_domain_is_limited_like_anyone(client, login_as, demand):
    """Anyone can type an address at the domain: only a verified one vouches for the signer."""
    codes = [_sign(client, login_as, demand, ELSEWHERE,
                   _member(demand, f"typed{i}@centre.example.org", verified=False)).status_code for i in range(3)]
    assert codes == [303, 303, 429]


@pytest.mark.parametrize("locale, message", [
    ("en", "Signatures are not accepted from the network you are connected through"),
    ("ar", "لا تُقبل التواقيع من الشبكة التي تتصل عبرها"),
])
def test_a_blocked_network_is_refused_with_a_localised_403_and_nothing_counted(client, login_as, demand, locale,
                                                                                message):
    response = _sign(client, login_as, demand, VPN, _member(demand, locale=locale))
    assert response.status_code == 403
    assert message in response.get_data(as_text=True) and f'lang="{locale}"' in response.get_data(as_text=True)
    assert _rows(demand) == 0
    db.session.refresh(demand)
    assert demand.online_count == 0


def test_a_blocked_ipv6_network_and_an_ipv4_address_written_as_ipv6_are_refused(client, login_as, demand):
    assert _sign(client, login_as, demand, "2001:db8:bad::1").status_code == 403
    assert _sign(client, login_as, demand, f"::ffff:{VPN}").status_code == 403
    assert _rows(demand) == 0


def test_a_blocked_network_wins_over_an_allowed_domain(client, login_as, demand):
    resident = _member(demand, "resident@centre.example.org")
    assert _sign(client, login_as, demand, VPN, resident).status_code == 403
    assert _rows(demand) == 0
    assert _sign(client, login_as, demand, ELSEWHERE, resident).status_code == 303  # the same person, elsewhere


@pytest.mark.app_config(SIGN_ALLOW_NETWORKS="203.0.113.7")
def test_a_blocked_network_wins_over_an_allowed_address_inside_it(client, login_as, demand):
    assert _sign(client, login_as, demand, VPN).status_code == 403
    assert _rows(demand) == 0


def test_a_visitor_registering_to_sign_from_a_blocked_network_is_refused(client, demand, outbox):
    response = client.post(f"/demands/{demand.id}/sign/register", environ_base={"REMOTE_ADDR": VPN}, data={
        "display_name": "Visitor", "email": "visitor@example.org", "password": "a long enough password 42",
        "visibility": "public"})
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "visitor@example.org")) is None
    assert _rows(demand) == 0 and not outbox


def test_the_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIGN_ALLOW_NETWORKS", "192.0.2.50, 198.51.100.0/24")
    monkeypatch.setenv("SIGN_ALLOW_DOMAINS", "@Centre.Example.org")
    monkeypatch.setenv("SIGN_BLOCK_NETWORKS", "2001:db8::/32")
    config = create_app({"SECRET_KEY": "x" * 40}).config
    assert config["SIGN_ALLOW_NETWORKS"] == (ipaddress.ip_network("192.0.2.50/32"),
                                             ipaddress.ip_network("198.51.100.0/24"))
    assert config["SIGN_ALLOW_DOMAINS"] == ("centre.example.org",)
    assert config["SIGN_BLOCK_NETWORKS"] == (ipaddress.ip_network("2001:db8::/32"),)


@pytest.mark.parametrize("key, value", [
    ("SIGN_ALLOW_NETWORKS", "192.0.2.0/24, 10.0.0.300"),
    ("SIGN_BLOCK_NETWORKS", "203.0.113.0/33"),
    ("SIGN_BLOCK_NETWORKS", "vpn.example.net"),
    ("SIGN_ALLOW_DOMAINS", "centre.example.org, not a domain"),
    ("SIGN_ALLOW_DOMAINS", "localhost"),
])
def test_a_mistyped_entry_stops_the_app_naming_the_setting_and_the_entry(monkeypatch, key, value):
    monkeypatch.setenv(key, value)
    bad = value.split(", ")[-1]
    with pytest.raises(RuntimeError, match=f"{key}: '{bad}' is not"):
        create_app({"SECRET_KEY": "x" * 40})

