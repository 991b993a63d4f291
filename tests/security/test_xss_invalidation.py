"""Stored and reflected XSS through voiding signatures together (SECURITY.md B.10, B.11), as in test_xss.py: the
committee's reason, the demand's title, the community's name and the signers' names hold `payload ~field`; the
filters typed on the committee's page hold the payload too. Each page is checked for the fields it shows: the
demand's timeline, the public moderation log, the signer's notifications and mail, the committee's page."""
import pytest

from civicvoice.activity import services as notifications
from civicvoice.extensions import db
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import invalidation, networks
from civicvoice.signatures import services as signatures
from tests.factories import make_committee, make_community, make_member, make_proposal, make_user

from .test_xss import _assert_escaped, _page, _scripts, payload  # noqa: F401 (payload is a fixture)

BURST = "198.51.100.{}"


@pytest.fixture
def voided(app, outbox, payload):
    def tag(field):
        return f"{payload} ~{field}"

    community = make_community(name=tag("community"), slug="alpha")
    chair = make_committee(community, make_user(name=tag("chair"), locale="en"))
    proposal = make_proposal(community, status="open", title=tag("title"))
    signer = make_member(community, make_user(name=tag("signer"), locale="en"))
    notifications.set_preference(signer, "signed", "now")  # mailed at once, to read the mail here
    signatures.sign(signer, proposal, "public", "", address=BURST.format(1))
    other = make_member(community, make_user(name=tag("other"), locale="en"))
    signatures.sign(other, proposal, "public", "", address=BURST.format(2))
    db.session.commit()
    objects = dict(chair=chair, signer=signer, proposal=proposal.id, community=community)
    return objects, tag


def test_the_committee_page_escapes_names_and_what_was_typed(client, login_as, voided, payload):
    objects, tag = voided
    login_as(objects["chair"])
    label = networks.network_label(BURST.format(1))
    body = _page(client, f"/demands/{objects['proposal']}/signatures/invalidate?network={label}")
    _assert_escaped(body, payload, tag, ["title", "signer", "other"])
    for field in ("network", "domain", "since_date", "until_time"):
        response = client.get(f"/demands/{objects['proposal']}/signatures/invalidate",
                              query_string={field: tag(field)})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        if "<" in payload:
            assert payload not in body
        assert _scripts(body) == []
        assert "49 ~" not in body


def test_the_reason_is_escaped_wherever_it_is_shown(client, login_as, outbox, voided, payload):
    objects, tag = voided
    login_as(objects["chair"])
    label = networks.network_label(BURST.format(1))
    response = client.post(f"/demands/{objects['proposal']}/signatures/invalidate",
                           data={"network": label, "confirmed": "2", "pending": "0", "reason": tag("reason")})
    assert response.status_code == 303
    pages = [(None, f"/demands/{objects['proposal']}", ["title", "reason"]),
             (None, "/communities/alpha/moderation/log", ["community", "title", "reason"]),
             ("signer", "/notifications", ["community", "title", "reason"])]
    for viewer, url, fields in pages:
        with client.session_transaction() as session:
            session.clear()
        if viewer:
            login_as(objects[viewer])
        body = _page(client, url)
        _assert_escaped(body, payload, tag, fields)
        assert "49 ~" not in body
    [message] = [m for m in outbox if m["to"] == objects["signer"].email]
    assert tag("reason") in message["body"] and tag("title") in message["body"]
    assert _scripts(message["html"]) == []
    if "<" in payload:
        assert payload not in message["html"]


def test_a_reason_sent_back_with_an_error_stays_escaped(client, login_as, voided, payload):
    objects, tag = voided
    login_as(objects["chair"])
    response = client.post(f"/demands/{objects['proposal']}/signatures/invalidate",
                           data={"network": networks.network_label(BURST.format(1)), "confirmed": "9",
                                 "pending": "0", "reason": tag("typed")})
    assert response.status_code == 409  # the numbers were not the ones shown: the form comes back
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed"])
    proposal = db.session.get(Proposal, objects["proposal"])
    assert invalidation.counts(proposal, invalidation.Match(network=networks.network_label(BURST.format(1)))) \
        == (2, 0)  # nothing was voided
