"""The committee's page for voiding signatures together: filters that say what is wrong and keep what was typed,
public names only, a confirm step that needs a reason and a CSRF token, links from the demand, Arabic first."""
import re

import pytest
from sqlalchemy import func, select

from civicvoice.extensions import db
from civicvoice.signatures import networks, services
from civicvoice.signatures.models import Signature
from tests.factories import committee_member, make_community, make_member, make_proposal, make_user

BURST = "198.51.100.{}"


@pytest.fixture
def demand(app):
    return make_proposal(make_community(), status="open")


@pytest.fixture
def chair(demand):
    """A committee member of the demand's community who reads English (the Arabic page has its own test)."""
    person = committee_member(demand.community)
    person.locale = "en"
    db.session.commit()
    return person


def _form(body: str, proposal) -> str:
    """The confirm step's form (the page header has a sign-out form too)."""
    return body.split(f'<form method="post" action="{_url(proposal)}"')[1].split("</form>")[0]


def _sign(proposal, address, visibility="public", **user):
    person = make_member(proposal.community, make_user(**user))
    signature = services.sign(person, proposal, visibility, "", address=address)
    db.session.commit()
    return signature


def _url(proposal) -> str:
    return f"/demands/{proposal.id}/signatures/invalidate"


def _error_of(body: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', body)
    return match.group(1) if match else ""


def _voided() -> int:
    return db.session.scalar(select(func.count()).where(Signature.status == "voided"))


def test_without_filters_the_page_shows_the_busiest_networks_and_no_void_button(client, login_as, demand, chair):
    for n in range(3):
        _sign(demand, BURST.format(n))
    _sign(demand, "203.0.113.9")
    login_as(chair)
    body = client.get(_url(demand)).get_data(as_text=True)
    label = networks.network_label(BURST.format(0))
    assert label in body and networks.network_label("203.0.113.9") in body
    assert f"network={label}" in body  # "look at this network"
    assert f'<form method="post" action="{_url(demand)}"' not in body
    assert "198.51.100" not in body and "203.0.113" not in body


def test_names_are_shown_only_as_each_signer_allowed(client, login_as, demand, chair):
    _sign(demand, BURST.format(1), name="Public Person")
    _sign(demand, BURST.format(2), "letter_only", name="Private Person")
    login_as(chair)
    body = client.get(_url(demand), query_string={"network": networks.network_label(BURST.format(1))}) \
        .get_data(as_text=True)
    assert "Public Person" in body and "Private Person" not in body


@pytest.mark.parametrize("filters, field", [
    ({"network": "198.51.100.7"}, "network"),  # an address is not a label
    ({"network": "<script>"}, "network"),
    ({"domain": "not a domain"}, "domain"),
    ({"since_time": "14:00"}, "since_date"),  # a time needs its date
    ({"since_date": "2026-12-03", "until_date": "2026-12-02"}, "until_date"),
    ({"since_date": "2026-13-45"}, "since_date"),
    ({"with_paper": "y"}, "network"),  # paper alone is no filter
])
def test_bad_filters_are_said_under_their_field_and_kept(client, login_as, demand, chair, filters, field):
    _sign(demand, BURST.format(1))
    login_as(chair)
    response = client.get(_url(demand), query_string=filters, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert _error_of(body, field)
    assert 'name="reason"' not in body
    for value in filters.values():
        assert f'value="{value}"' in body.replace("&lt;", "<").replace("&gt;", ">") or value == "y"


def test_the_filters_are_in_arabic_first(client, login_as, demand, chair):
    chair.locale = "ar"
    db.session.commit()
    login_as(chair)
    body = client.get(_url(demand), query_string={"domain": "x"}).get_data(as_text=True)
    assert 'dir="rtl"' in body and "إلغاء تواقيع دفعة واحدة" in body
    assert _error_of(body, "domain") == "اكتب نطاق بريد إلكتروني، مثل gmail.com."


def test_the_confirm_step_repeats_the_filters_and_the_numbers(client, login_as, demand, chair):
    for n in range(2):
        _sign(demand, BURST.format(n))
    _sign(demand, BURST.format(5), verified=False)
    login_as(chair)
    label = networks.network_label(BURST.format(0))
    body = client.get(_url(demand), query_string={"network": label, "since_date": "2026-01-01",
                                                  "since_time": "08:30"}, headers={"Accept-Language": "en"}) \
        .get_data(as_text=True)
    form = _form(body, demand)
    for name, value in (("network", label), ("since_date", "2026-01-01"), ("since_time", "08:30"),
                        ("confirmed", "2"), ("pending", "1")):
        assert re.search(rf'name="{name}" type="hidden" value="{value}"', form), name
    assert "Void these 3 signatures" in body


def test_a_reason_is_required_and_nothing_is_voided_without_it(client, login_as, demand, chair):
    _sign(demand, BURST.format(1))
    login_as(chair)
    label = networks.network_label(BURST.format(1))
    response = client.post(_url(demand), data={"network": label, "confirmed": "1", "pending": "0", "reason": "  "},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert _error_of(body, "reason") == "Please give a reason."
    assert re.search(rf'name="network" type="hidden" value="{label}"', body)
    assert _voided() == 0


@pytest.mark.parametrize("numbers", [{"confirmed": "18446744073709551616", "pending": "0"},
                                     {"confirmed": "-1", "pending": "0"}, {"confirmed": "abc", "pending": "0"},
                                     {}])
def test_numbers_that_are_not_counts_void_nothing(client, login_as, demand, chair, numbers):
    _sign(demand, BURST.format(1))
    login_as(chair)
    response = client.post(_url(demand), data={"network": networks.network_label(BURST.format(1)), **numbers,
                                               "reason": "دفعة"})
    # Beyond 64 bits or below zero the shared form base refuses the input (400, the form shown again); the others are
    # the form's own errors.
    assert response.status_code == (400 if numbers.get("confirmed") in ("18446744073709551616", "-1") else 200)
    assert 'name="reason"' in response.get_data(as_text=True)
    assert _voided() == 0


def test_voiding_goes_to_the_signers_list_with_a_message(client, login_as, demand, chair):
    _sign(demand, BURST.format(1)), _sign(demand, BURST.format(2))
    login_as(chair)
    response = client.post(_url(demand), data={"network": networks.network_label(BURST.format(1)),
                                               "confirmed": "2", "pending": "0", "reason": "دفعة"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/demands/{demand.id}/signers")
    assert "2 signatures were voided; each signer is told why." in client.get(response.headers["Location"]) \
        .get_data(as_text=True)
    assert _voided() == 2


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_confirm_step_needs_its_csrf_token(client, login_as, demand, chair):
    _sign(demand, BURST.format(1))
    login_as(chair)
    response = client.post(_url(demand), data={"network": networks.network_label(BURST.format(1)),
                                               "confirmed": "1", "pending": "0", "reason": "دفعة"})
    assert response.status_code == 400
    assert _voided() == 0


def test_once_signing_is_over_the_committee_is_told_why_with_409(client, login_as, app):
    proposal = make_proposal(status="voting")
    login_as(committee_member(proposal.community))
    response = client.get(_url(proposal))
    assert response.status_code == 409
    assert "لا تُلغى التواقيع دفعة واحدة إلا ما دام المطلب مفتوحاً للتوقيع." in response.get_data(as_text=True)


def test_the_demand_and_its_signers_link_to_the_page_for_the_committee_only(client, login_as, demand, chair):
    member = make_member(demand.community)
    for page in (f"/demands/{demand.id}", f"/demands/{demand.id}/signers"):
        login_as(chair)
        assert _url(demand) in client.get(page).get_data(as_text=True), page
        login_as(member)
        assert _url(demand) not in client.get(page).get_data(as_text=True), page
