"""Privacy of signers: "letter only" names never appear on a public page, feed or export (only "a resident"),
names written on paper are never public, and signers' emails and phones are shown to site administrators
only, never to the committee."""
import re
from types import SimpleNamespace

import pytest

from civicvoice.extensions import db
from civicvoice.signatures import services
from tests.factories import (committee_member, make_admin, make_committee, make_community, make_member,
                             make_paper_batch, make_proposal, make_signature, make_user)

LETTER_ONLY = "Lina Letteronly"
PUBLIC = "Pat Publicname"
PAPER = "Paula Paperonly"
SECRETS = ["lina@example.org", "0944555666", "pat@example.org", "0944111222", "0933777888", "victor@example.org"]


@pytest.fixture
def w(app):
    """An open demand with a goal of 3, reached by: a public signer, a letter-only signer (who confirmed their
    email after signing), a paper row with a phone; a voided signer with a reason that names them."""
    community = make_community()
    demand = make_proposal(community, status="open")
    demand.signature_goal = 3
    demand.author.locale = "en"
    db.session.commit()
    committee = make_committee(community, make_user(locale="en", name="Chair Person"))
    public = make_signature(demand, make_user(name=PUBLIC, email="pat@example.org", phone="0944111222",
                                              locale="en"), comment="for the children")
    letter = make_signature(demand, make_user(name=LETTER_ONLY, email="lina@example.org", phone="0944555666",
                                              verified=False, locale="en"),
                            visibility="letter_only", comment="it is dark at night")
    voided = make_signature(demand, make_user(name="Victor Voided", email="victor@example.org"))
    services.void(committee, voided, "fake account of Victor Voided")
    db.session.commit()
    make_paper_batch(demand, rows=[(PAPER, "Old Market", "0933777888")], actor=committee)
    user = letter.user
    from civicvoice.database import utcnow

    user.email_verified_at = utcnow()
    services.confirm_pending(user)  # the third counted signature: the goal is reached, authors and committee told
    db.session.commit()
    return SimpleNamespace(demand=demand, committee=committee, public=public, letter=letter, voided=voided,
                           paper=services.paper_signatures(demand)[0], author=demand.author,
                           member=make_member(community, make_user(locale="en")))


def _get(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def _public_pages(client, w) -> dict[str, str]:
    d = w.demand.id
    return {url: _get(client, url) for url in (f"/demands/{d}", f"/demands/{d}/signers", f"/demands/{d}/count.json",
                                               "/demands", f"/communities/{w.demand.community.slug}/demands")}


def test_the_goal_was_reached_in_this_world(w):
    assert db.session.get(type(w.demand), w.demand.id).goal_reached_at is not None


@pytest.mark.parametrize("viewer", ["anonymous", "member", "author"])
def test_letter_only_and_paper_names_never_appear_on_public_pages(client, login_as, w, viewer):
    if viewer != "anonymous":
        login_as(getattr(w, viewer))
    for url, body in _public_pages(client, w).items():
        assert LETTER_ONLY not in body, url
        assert PAPER not in body, url
    assert PUBLIC in _get(client, f"/demands/{w.demand.id}")  # the control: chosen names are shown


def test_the_signers_page_says_a_resident_instead(client, login_as, w):
    login_as(w.member)
    body = _get(client, f"/demands/{w.demand.id}/signers")
    assert body.count("a resident") == 2  # the letter-only signer and the paper row
    assert PUBLIC in body and "it is dark at night" in body


def test_the_committee_pages_show_no_letter_only_name_publicly_either(client, login_as, w):
    login_as(w.committee)
    for url in (f"/demands/{w.demand.id}", f"/demands/{w.demand.id}/signers"):
        assert LETTER_ONLY not in _get(client, url), url


def test_the_timeline_lists_no_signer(client, w):
    body = _get(client, f"/demands/{w.demand.id}")
    timeline = body.split('id="timeline-title"', 1)[1].split("</section>", 1)[0]
    assert LETTER_ONLY not in timeline and PUBLIC not in timeline and "Victor Voided" not in timeline


def test_a_void_reason_is_not_public(client, login_as, w):
    for who in (None, w.member, w.author):
        if who is not None:
            login_as(who)
        for url, body in _public_pages(client, w).items():
            assert "fake account of Victor Voided" not in body, url


@pytest.mark.parametrize("who", ["author", "committee"])
def test_notifications_name_no_signer(client, login_as, w, who):
    login_as(getattr(w, who))
    body = _get(client, "/notifications")
    assert "ready for a vote" in body  # the control: the goal notification is there
    assert LETTER_ONLY not in body and PAPER not in body


def test_the_csv_says_a_resident_for_letter_only_and_paper(client, login_as, w):
    login_as(w.committee)
    body = client.get(f"/demands/{w.demand.id}/signers.csv").data.decode("utf-8")
    assert LETTER_ONLY not in body and PAPER not in body and PUBLIC in body


# Emails and phones -----------------------------------------------------------------------------------

def test_the_committee_never_sees_emails_or_phones(client, login_as, w):
    login_as(w.committee)
    d = w.demand.id
    urls = [f"/demands/{d}", f"/demands/{d}/signers", f"/demands/{d}/paper", f"/demands/{d}/signers.csv",
            f"/signatures/{w.public.id}/void", f"/signatures/{w.letter.id}/void", f"/signatures/{w.paper.id}/void",
            f"/signatures/{w.paper.id}/correct", "/notifications", f"/demands/{d}/count.json"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert [secret for secret in SECRETS if secret in body] == [], url


def test_the_committee_sees_paper_names_on_the_paper_page(client, login_as, w):
    login_as(w.committee)
    assert PAPER in _get(client, f"/demands/{w.demand.id}/paper")


def test_the_correct_form_has_no_phone_field_for_the_committee(client, login_as, w):
    login_as(w.committee)
    body = _get(client, f"/signatures/{w.paper.id}/correct")
    assert 'name="phone"' not in body and 'name="name"' in body


def test_the_committee_cannot_set_a_phone_by_posting_one(client, login_as, w):
    login_as(w.committee)
    response = client.post(f"/signatures/{w.paper.id}/correct", data={
        "name": PAPER, "neighbourhood": "Old Market", "phone": "0900000000", "reason": "typo"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(w.paper), w.paper.id).phone == "0933777888"  # kept as it was


def test_site_admins_see_phones_on_the_paper_page_and_in_the_correct_form(client, login_as, w):
    login_as(make_admin())
    assert "0933777888" in _get(client, f"/demands/{w.demand.id}/paper")
    body = _get(client, f"/signatures/{w.paper.id}/correct")
    assert 'name="phone"' in body and "0933777888" in body


def test_paper_pages_are_the_committees_only(client, login_as, w):
    d = w.demand.id
    login_as(w.member)
    for url in (f"/demands/{d}/paper", f"/signatures/{w.paper.id}/correct", f"/signatures/{w.paper.id}/void"):
        assert client.get(url).status_code == 403, url
    login_as(committee_member(make_community()))
    assert client.get(f"/demands/{d}/paper").status_code == 403


def test_the_signer_sees_their_own_choice(client, login_as, w):
    login_as(w.letter.user)
    body = _get(client, f"/demands/{w.demand.id}")
    assert "You signed this demand." in body
    [letter_only] = re.findall(r'<input[^>]*value="letter_only"[^>]*>', body)
    assert re.search(r"\bchecked\b", letter_only)
