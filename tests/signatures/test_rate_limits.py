"""Signing is throttled per account (whatever the IP) and per IP (SECURITY.md A.3): signing and withdrawing
share one budget, so toggling cannot flood the counters, and a limited request gets a localised 429."""
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from civicvoice.errors import TITLES
from civicvoice.extensions import db
from civicvoice.signatures.models import Signature
from civicvoice.signatures.networks import network_label
from tests.factories import make_community, make_member, make_proposal, make_user

pytestmark = pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGN_LIMIT_PER_ACCOUNT="2 per minute",
                                    SIGN_LIMIT_PER_IP="100 per minute")


@pytest.fixture
def demand(app):
    return make_proposal(make_community(), status="open")


def _sign(client, proposal, ip="203.0.113.1", headers=None):
    return client.post(f"/demands/{proposal.id}/sign", data={"visibility": "public", "comment": ""},
                       environ_base={"REMOTE_ADDR": ip}, headers=headers or {})


def _withdraw(client, proposal, ip="203.0.113.1"):
    return client.post(f"/demands/{proposal.id}/signature/withdraw", environ_base={"REMOTE_ADDR": ip})


def _rows(proposal) -> int:
    return db.session.scalar(select(func.count(Signature.id)).where(Signature.proposal_id == proposal.id))


def test_the_third_sign_or_withdraw_of_one_account_is_429(client, login_as, demand):
    login_as(make_member(demand.community))
    assert _sign(client, demand).status_code == 303
    assert _withdraw(client, demand).status_code == 303
    response = _sign(client, demand)
    assert response.status_code == 429
    assert _rows(demand) == 0  # the limited attempt did nothing


def test_the_third_withdrawal_attempt_is_429_too(client, login_as, demand):
    login_as(make_member(demand.community))
    assert _sign(client, demand).status_code == 303
    assert _sign(client, demand).status_code == 303  # already signed: still an attempt
    assert _withdraw(client, demand).status_code == 429
    assert _rows(demand) == 1


def test_the_account_limit_holds_across_ips(client, login_as, demand):
    login_as(make_member(demand.community))
    codes = [_sign(client, demand, ip=f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [303, 303, 429]


def test_other_accounts_are_not_affected(client, login_as, demand):
    login_as(make_member(demand.community))
    for _ in range(3):
        _sign(client, demand)
    login_as(make_member(demand.community))
    assert _sign(client, demand).status_code == 303


@pytest.mark.app_config(SIGN_LIMIT_PER_ACCOUNT="100 per minute", SIGN_LIMIT_PER_IP="2 per minute")
def test_the_third_signer_from_one_ip_is_429_and_another_ip_is_not(client, login_as, demand):
    codes = []
    for _ in range(3):
        login_as(make_member(demand.community))
        codes.append(_sign(client, demand, ip="192.0.2.50").status_code)
    assert codes == [303, 303, 429]
    assert _rows(demand) == 2
    login_as(make_member(demand.community))
    assert _sign(client, demand, ip="192.0.2.51").status_code == 303


@pytest.mark.app_config(SIGN_LIMIT_PER_ACCOUNT="100 per minute", SIGN_LIMIT_PER_IP="2 per minute")
def test_x_forwarded_for_does_not_evade_the_ip_limit(client, login_as, demand):
    codes = []
    for i in range(3):
        login_as(make_member(demand.community))
        codes.append(client.post(f"/demands/{demand.id}/sign", data={"visibility": "public"},
                                 headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code)
    assert codes[-1] == 429



@pytest.mark.app_config(SIGN_LIMIT_PER_ACCOUNT="100 per minute", SIGN_LIMIT_PER_IP="2 per minute",
                        TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_the_limit_keys_on_the_last_hop_only(client, login_as, demand):
    """The proxy appends the address it saw to whatever the client sent: a client that prepends fake addresses
    is still counted as itself, and two clients behind the one proxy are counted apart."""
    def sign_through_the_proxy(forwarded_for):
        login_as(make_member(demand.community))
        return client.post(f"/demands/{demand.id}/sign", data={"visibility": "public"},
                           environ_base={"REMOTE_ADDR": "10.1.1.1"}, headers={"X-Forwarded-For": forwarded_for})

    codes = [sign_through_the_proxy(f"10.0.0.{i}, 198.51.100.{i}, 192.0.2.77").status_code for i in range(3)]
    assert codes == [303, 303, 429]
    assert sign_through_the_proxy("10.0.0.9, 192.0.2.78").status_code == 303  # another client: its own budget
    # The address kept for a bulk invalidation is the client's too, neither a fake one nor the proxy's.
    kept = set(db.session.scalars(select(Signature.network_hash).where(Signature.proposal_id == demand.id)))
    assert kept == {network_label("192.0.2.77")} and network_label("192.0.2.77") != network_label("10.0.0.1")

@pytest.mark.parametrize("locale, lang", [("ar", 'lang="ar"'), ("en", 'lang="en"')])
def test_the_429_page_is_localised(client, login_as, demand, locale, lang):
    login_as(make_member(demand.community, make_user(locale=locale)))
    for _ in range(3):
        response = _sign(client, demand)
    page = response.get_data(as_text=True)
    with force_locale(locale):
        title = str(TITLES[429])
    assert response.status_code == 429
    assert lang in page and title in page
    assert "Retry-After" in response.headers


def test_the_429_with_htmx_is_a_fragment(client, login_as, demand):
    login_as(make_member(demand.community, make_user(locale="en")))
    for _ in range(3):
        response = _sign(client, demand, headers={"HX-Request": "true"})
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Too many attempts" in body
