"""Votes through the web: the committee opens an adoption vote from the demand page, members vote (and change
a non-secret vote), ranked and approval ballots, proxies, assisted ballots at the centre, closing early or on
first access after the deadline, results (chart and table, Schulze order and pairwise matrix), the anonymous
CSV and the receipt search, who voted what, secrecy, plural-correct counts in Arabic and English and a fixed
number of queries. Refusals are 400, 403, 404 or 409 with a message, never 500."""
import csv
import io
import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from civicvoice.activity.models import Event
from civicvoice.database import utcnow
from civicvoice.extensions import db
from civicvoice.proposals.models import Proposal
from civicvoice.voting import services as voting
from civicvoice.voting.models import Ballot, Elector, Participation, Poll, Proxy, new_receipt
from tests.factories import (make_committee, make_community, make_goal_reached, make_member, make_priority_ballot,
                             make_proposal, make_user, make_vote)

EN = {"Accept-Language": "en"}
RECEIPT = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


@pytest.fixture
def w(app):
    """`midan` with its committee (Chair), two members (Member, Other), an open demand by Author whose signature
    goal is reached (signed by one more member), a resident of no community and the committee of another
    community. Everyone named reads English. The electorate of a vote opened now is five people."""
    community = make_community(slug="midan")
    committee = make_committee(community, make_user(name="Chair", locale="en"))
    author = make_member(community, make_user(name="Author", locale="en"))
    demand = make_goal_reached(make_proposal(community, author, status="open", title="Light the main street"))
    return SimpleNamespace(
        community=community, committee=committee, author=author, demand=demand,
        member=make_member(community, make_user(name="Member", locale="en", email="member@example.org")),
        other=make_member(community, make_user(name="Other", locale="en", email="other@example.org")),
        outsider=make_user(name="Outsider", locale="en", email="outsider@example.org"),
        other_committee=make_committee(make_community(slug="elsewhere"), make_user(name="Elsewhere", locale="en")),
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    """The words of a page, without tags (inline ones leave no space) and with single spaces."""
    html = re.sub(r"</?(bdi|span|strong|em|a)\b[^>]*>", "", html)
    text = unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u2068", "").replace("\u2069", "")
    return re.sub(r"\s+", " ", text).strip()


def flashes(client, response) -> list[str]:
    """The flash messages shown on the page a 303 leads to."""
    assert response.status_code == 303, text_of(response)[:2000]
    html = text_of(client.get(response.headers["Location"]))
    return [plain(item) for block in re.findall(r'<ul class="flash">(.*?)</ul>', html, re.S)
            for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def reload(model, obj):
    db.session.expire_all()
    return db.session.get(model, obj.id)


def open_form(**fields) -> dict:
    return {"closes_in_days": "7", "quorum_percent": "20", "majority": "simple", **fields}


def cast(voter, poll, answer, **kwargs):
    ballot = voting.cast(voter, poll, answer, **kwargs)
    db.session.commit()
    return ballot


def close(poll, actor=None, reason="The hall is booked."):
    voting.close(actor, poll, reason)
    db.session.commit()
    return poll


def section(html: str, marker: str) -> str:
    return html.split(marker, 1)[1]


# Opening an adoption vote. ----------------------------------------------------------------------------------

def test_the_demand_page_offers_the_committee_to_open_the_vote(client, login_as, w):
    login_as(w.committee)
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    assert f'href="/demands/{w.demand.id}/vote/open"' in html
    login_as(w.member)
    assert f"/demands/{w.demand.id}/vote/open" not in text_of(client.get(f"/demands/{w.demand.id}"))


def test_the_committee_opens_an_adoption_vote(client, login_as, w):
    login_as(w.committee)
    assert client.get(f"/demands/{w.demand.id}/vote/open").status_code == 200
    before = utcnow()
    response = client.post(f"/demands/{w.demand.id}/vote/open",
                           data=open_form(closes_in_days="5", quorum_percent="30", majority="two_thirds",
                                          secret="y"))
    poll = db.session.scalar(select(Poll))
    assert response.status_code == 303 and response.headers["Location"] == f"/votes/{poll.id}"
    assert (poll.kind, poll.method, poll.proposal_id, poll.quorum_percent, poll.majority, poll.secret,
            poll.verified_only, poll.status) == ("adoption", "yes_no", w.demand.id, 30, "two_thirds", True,
                                                 False, "open")
    assert timedelta(days=5) <= poll.closes_at - before < timedelta(days=5, minutes=1)
    assert poll.electorate == count(Elector, poll_id=poll.id) == 5
    assert reload(Proposal, w.demand).status == "voting"


def test_a_vote_for_verified_members_only_snapshots_only_them(client, login_as, w):
    w.member.verified_in_person_at = utcnow()
    db.session.commit()
    login_as(w.committee)
    client.post(f"/demands/{w.demand.id}/vote/open", data=open_form(verified_only="y"))
    poll = db.session.scalar(select(Poll))
    assert poll.verified_only
    assert list(db.session.scalars(select(Elector.user_id).where(Elector.poll_id == poll.id))) == [w.member.id]


@pytest.mark.parametrize("who, status", [(None, 302), ("member", 403), ("author", 403), ("outsider", 403),
                                         ("other_committee", 403)])
def test_only_the_committee_opens_a_vote(client, login_as, w, who, status):
    if who:
        login_as(getattr(w, who))
    assert client.get(f"/demands/{w.demand.id}/vote/open").status_code == status
    assert client.post(f"/demands/{w.demand.id}/vote/open", data=open_form()).status_code == status
    assert count(Poll) == 0


def test_a_demand_below_its_goal_shows_a_clear_error_never_500(client, login_as, w):
    demand = make_proposal(w.community, status="open", title="Not enough signatures")
    login_as(w.committee)
    page = text_of(client.get(f"/demands/{demand.id}"))
    assert f"/demands/{demand.id}/vote/open" not in page
    assert "The committee opens the community's vote once the signature goal is reached." in plain(page)
    form = client.get(f"/demands/{demand.id}/vote/open")
    assert form.status_code == 200
    assert "The demand has not reached its signature goal yet." in text_of(form)
    response = client.post(f"/demands/{demand.id}/vote/open", data=open_form())
    assert response.status_code == 400
    assert "The demand has not reached its signature goal yet." in text_of(response)
    assert count(Poll) == 0 and reload(Proposal, demand).status == "open"


@pytest.mark.parametrize("field, value", [("closes_in_days", "0"), ("closes_in_days", "61"),
                                          ("closes_in_days", "soon"), ("closes_in_days", ""),
                                          ("quorum_percent", "101"), ("quorum_percent", "-1"),
                                          ("majority", "unanimous"), ("majority", "")])
def test_invalid_settings_are_form_errors_not_500(client, login_as, w, field, value):
    login_as(w.committee)
    response = client.post(f"/demands/{w.demand.id}/vote/open", data=open_form(**{field: value}))
    assert response.status_code == (400 if value.startswith("-") else 200)  # below zero: no count at all
    assert 'class="error-message"' in text_of(response)
    assert count(Poll) == 0


def test_arabic_indic_digits_are_accepted_in_the_settings(client, login_as, w):
    login_as(w.committee)
    response = client.post(f"/demands/{w.demand.id}/vote/open", data=open_form(closes_in_days="٣",
                                                                                quorum_percent="٢٥"))
    assert response.status_code == 303
    assert db.session.scalar(select(Poll.quorum_percent)) == 25


def test_a_demand_under_vote_cannot_get_a_second_vote(client, login_as, w):
    make_vote(w.demand)
    login_as(w.committee)
    assert client.get(f"/demands/{w.demand.id}/vote/open").status_code == 403
    assert client.post(f"/demands/{w.demand.id}/vote/open", data=open_form()).status_code == 403
    assert count(Poll) == 1


def test_after_opening_the_demand_page_shows_the_vote_and_signing_is_closed(client, login_as, w):
    poll = make_vote(w.demand)
    login_as(w.member)  # has not signed
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    box = plain(section(html, 'id="vote-title"'))
    assert "The community's vote" in plain(html)
    assert "Open until" in box and "0 of 5 eligible members voted" in box
    assert f'href="/votes/{poll.id}"' in section(html, 'id="vote-title"')
    assert f'action="/demands/{w.demand.id}/sign"' not in html
    assert client.post(f"/demands/{w.demand.id}/sign", data={"visibility": "public"}).status_code in (403, 409)
    assert reload(Proposal, w.demand).signature_count == 1


def test_the_timeline_says_the_vote_opened(client, w):
    make_vote(w.demand)
    timeline = plain(section(text_of(client.get(f"/demands/{w.demand.id}", headers=EN)), 'id="timeline-title"'))
    assert "The committee opened the community's vote on Light the main street." in timeline


# Voting on an adoption vote. ----------------------------------------------------------------------------------

@pytest.mark.parametrize("choice", ["yes", "no", "abstain"])
def test_members_vote_and_get_a_receipt_code(client, login_as, w, choice):
    poll = make_vote(w.demand)
    login_as(w.member)
    page = text_of(client.get(f"/votes/{poll.id}"))
    assert f'action="/votes/{poll.id}/ballot"' in page
    response = client.post(f"/votes/{poll.id}/ballot", data={"choice": choice})
    assert response.headers["Location"] == f"/votes/{poll.id}"
    ballot = db.session.scalar(select(Ballot))
    [message] = flashes(client, response)
    # Isolated (U+2066…U+2069), so the code keeps its order inside an Arabic sentence on a phone.
    assert f"Your receipt code is \u2066{ballot.receipt}:" in message  # plain() drops the closing U+2069
    assert RECEIPT.fullmatch(ballot.receipt)
    assert (ballot.voter_id, ballot.choice) == (w.member.id, choice)
    assert reload(Poll, poll).turnout == 1


def test_a_member_changes_their_vote_until_it_closes(client, login_as, w):
    poll = make_vote(w.demand)
    login_as(w.member)
    client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"})
    receipt = db.session.scalar(select(Ballot.receipt))
    page = text_of(client.get(f"/votes/{poll.id}"))
    assert "Change my vote" in page and receipt in page
    assert re.search(r'<input checked id="choice-0" name="choice" required type="radio" value="yes">', page)
    response = client.post(f"/votes/{poll.id}/ballot", data={"choice": "no"})
    assert flashes(client, response) == ["Your vote is changed."]
    [ballot] = db.session.scalars(select(Ballot)).all()
    assert (ballot.choice, ballot.receipt) == ("no", receipt)
    assert reload(Poll, poll).turnout == 1


def test_a_secret_ballot_cannot_be_changed(client, login_as, w):
    poll = make_vote(w.demand, secret=True)
    login_as(w.member)
    page = text_of(client.get(f"/votes/{poll.id}"))
    assert "once cast, it cannot be changed" in page
    client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"})
    page = text_of(client.get(f"/votes/{poll.id}"))
    assert "Your vote is counted." in page and f'action="/votes/{poll.id}/ballot"' not in page
    response = client.post(f"/votes/{poll.id}/ballot", data={"choice": "no"})
    assert response.status_code == 409
    assert "This vote was already cast; it cannot be changed." in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1 and reload(Poll, poll).turnout == 1
    close(reload(Poll, poll), w.committee)  # sealed until then
    assert db.session.scalar(select(Ballot.choice)) == "yes"


def test_a_member_who_joined_after_the_vote_opened_cannot_vote(client, login_as, w):
    poll = make_vote(w.demand)
    late = make_member(w.community, make_user(name="Late", locale="en"))
    login_as(late)
    page = plain(text_of(client.get(f"/votes/{poll.id}")))
    assert "You are not on the list of people who may vote: it was drawn up when the vote opened." in page
    assert client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"}).status_code == 403
    assert count(Ballot) == 0 and count(Participation) == 0


@pytest.mark.parametrize("who, status", [("outsider", 403), ("other_committee", 403), (None, 302)])
def test_people_outside_the_electorate_cannot_vote(client, login_as, w, who, status):
    poll = make_vote(w.demand)
    if who:
        login_as(getattr(w, who))
    assert client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"}).status_code == status
    assert count(Ballot) == 0


def test_a_visitor_is_invited_to_sign_in_to_vote(client, w):
    poll = make_vote(w.demand)
    html = text_of(client.get(f"/votes/{poll.id}", headers=EN))
    assert f'<a href="/login?next=/votes/{poll.id}">Sign in to vote.</a>' in html


@pytest.mark.parametrize("data, error", [({}, "Choose yes, no or abstain."), ({"choice": "maybe"}, None),
                                         ({"choice": ""}, "Choose yes, no or abstain.")])
def test_an_invalid_ballot_is_400_with_the_error_shown(client, login_as, w, data, error):
    poll = make_vote(w.demand)
    login_as(w.member)
    response = client.post(f"/votes/{poll.id}/ballot", data=data)
    html = text_of(response)
    assert response.status_code == 400
    assert 'class="error-message"' in html
    assert error is None or error in html
    assert count(Ballot) == 0


def test_a_closed_vote_takes_no_more_ballots(client, login_as, w):
    poll = close(make_vote(w.demand), w.committee)
    login_as(w.member)
    assert f'action="/votes/{poll.id}/ballot"' not in text_of(client.get(f"/votes/{poll.id}"))
    response = client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"})
    assert response.status_code == 409 and "This vote is closed." in text_of(response)
    assert count(Ballot) == 0


# Ranked and approval ballots. ---------------------------------------------------------------------------------

@pytest.fixture
def ranked(w):
    demands = [make_proposal(w.community, status="open", title=title) for title in ("Roof", "Lights", "Water")]
    return make_priority_ballot(w.community, demands, method="ranked", title="Which repairs first?"), demands


def selected(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, f"no select {name}"
    chosen = re.search(r'<option selected value="([^"]*)"', select_html.group(1))
    return chosen.group(1) if chosen else None


def test_the_ranked_ballot_has_one_select_per_demand(client, login_as, w, ranked):
    poll, demands = ranked
    login_as(w.member)
    html = text_of(client.get(f"/votes/{poll.id}"))
    selects = re.findall(r'<select[^>]*name="(rank_\d+)"[^>]*>(.*?)</select>', html, re.S)
    assert [name for name, _options in selects] == [f"rank_{d.id}" for d in demands]
    for demand, (_name, options) in zip(demands, selects):
        assert re.findall(r'value="([^"]*)"', options) == ["", "1", "2", "3"]
        assert f'<label for="rank_{demand.id}">{demand.title}</label>' in html


def test_a_ranked_ballot_is_kept_in_the_order_given(client, login_as, w, ranked):
    poll, (roof, lights, water) = ranked
    login_as(w.member)
    response = client.post(f"/votes/{poll.id}/ballot",
                           data={f"rank_{roof.id}": "2", f"rank_{lights.id}": "1", f"rank_{water.id}": ""})
    assert response.status_code == 303
    assert db.session.scalar(select(Ballot.ranking)) == [lights.id, roof.id]
    html = text_of(client.get(f"/votes/{poll.id}"))
    assert (selected(html, f"rank_{lights.id}"), selected(html, f"rank_{roof.id}"),
            selected(html, f"rank_{water.id}")) == ("1", "2", "")


def test_two_demands_with_the_same_rank_are_an_error_keeping_the_ranks(client, login_as, w, ranked):
    poll, (roof, lights, water) = ranked
    login_as(w.member)
    response = client.post(f"/votes/{poll.id}/ballot",
                           data={f"rank_{roof.id}": "1", f"rank_{lights.id}": "1", f"rank_{water.id}": "3"})
    html = text_of(response)
    assert response.status_code == 400
    assert "Give each demand a different rank." in html
    assert (selected(html, f"rank_{roof.id}"), selected(html, f"rank_{lights.id}"),
            selected(html, f"rank_{water.id}")) == ("1", "1", "3")
    assert count(Ballot) == 0


def test_a_rank_beyond_the_number_of_demands_is_refused(client, login_as, w, ranked):
    poll, (roof, _lights, _water) = ranked
    login_as(w.member)
    response = client.post(f"/votes/{poll.id}/ballot", data={f"rank_{roof.id}": "9"})
    assert response.status_code == 400 and count(Ballot) == 0


def test_the_approval_ballot_has_a_checkbox_per_demand(client, login_as, w):
    demands = [make_proposal(w.community, status="open", title=title) for title in ("Roof", "Lights", "Water")]
    poll = make_priority_ballot(w.community, demands, method="approval")
    login_as(w.member)
    html = text_of(client.get(f"/votes/{poll.id}"))
    boxes = re.findall(r'<input id="options-\d+" name="options" type="checkbox" value="(\d+)">', html)
    assert boxes == [str(d.id) for d in demands]
    response = client.post(f"/votes/{poll.id}/ballot", data={"options": [str(demands[0].id), str(demands[2].id)]})
    assert response.status_code == 303
    assert sorted(db.session.scalar(select(Ballot.ranking))) == sorted([demands[0].id, demands[2].id])
    html = text_of(client.get(f"/votes/{poll.id}"))
    assert re.findall(r'<input checked id="options-\d+" name="options" type="checkbox" value="(\d+)">', html) == [
        str(demands[0].id), str(demands[2].id)]


def test_an_approval_of_a_demand_not_on_the_ballot_is_refused(client, login_as, w):
    poll = make_priority_ballot(w.community, method="approval")
    stranger = make_proposal(w.community, status="open")
    login_as(w.member)
    response = client.post(f"/votes/{poll.id}/ballot", data={"options": [str(stranger.id)]})
    assert response.status_code == 400 and count(Ballot) == 0


def test_the_committee_opens_a_priority_ballot(client, login_as, w):
    demands = [make_proposal(w.community, status="open", title=title) for title in ("Roof", "Lights")]
    login_as(w.committee)
    form = text_of(client.get("/communities/midan/votes/new"))
    assert all(f'value="{d.id}"' in form for d in demands)
    response = client.post("/communities/midan/votes/new", data={
        "title": "Which repairs first?", "description": "", "method": "approval",
        "options": [str(d.id) for d in demands], "closes_in_days": "7", "quorum_percent": "0"})
    poll = db.session.scalar(select(Poll))
    assert response.status_code == 303 and response.headers["Location"] == f"/votes/{poll.id}"
    assert (poll.kind, poll.method, [o.proposal_id for o in poll.options]) == (
        "priority", "approval", [d.id for d in demands])


def test_a_priority_ballot_needs_two_demands(client, login_as, w):
    login_as(w.committee)
    response = client.post("/communities/midan/votes/new", data={
        "title": "Which repairs first?", "method": "ranked", "options": [str(w.demand.id)], "closes_in_days": "7",
        "quorum_percent": "0"})
    html = text_of(response)
    assert response.status_code == 200 and count(Poll) == 0
    assert "Choose between 2 and 20 open or adopted demands of this community." in html
    assert 'value="Which repairs first?"' in html  # what was typed is kept


@pytest.mark.parametrize("who, status", [("member", 403), ("other_committee", 403), (None, 302)])
def test_only_the_committee_opens_a_priority_ballot(client, login_as, w, who, status):
    if who:
        login_as(getattr(w, who))
    assert client.get("/communities/midan/votes/new").status_code == status
    assert "/communities/midan/votes/new" not in text_of(client.get("/communities/midan/votes"))


# Proxies. -----------------------------------------------------------------------------------------------------

def give(client, login_as, poll, grantor, email):
    login_as(grantor)
    return client.post(f"/votes/{poll.id}/proxy", data={"email": email})


def test_a_member_gives_a_proxy_by_email(client, login_as, w):
    poll = make_vote(w.demand)
    login_as(w.member)
    assert f'action="/votes/{poll.id}/proxy"' in text_of(client.get(f"/votes/{poll.id}"))
    response = give(client, login_as, poll, w.member, "OTHER@example.org ")
    assert flashes(client, response) == ["Other can now vote for you in this vote."]
    proxy = db.session.scalar(select(Proxy))
    assert (proxy.grantor_id, proxy.holder_id, proxy.used) == (w.member.id, w.other.id, False)
    page = plain(text_of(client.get(f"/votes/{poll.id}")))
    assert "You gave your proxy to Other." in page and "Take my proxy back" in page


@pytest.mark.parametrize("email", ["nobody@example.org", "outsider@example.org", "late@example.org",
                                   "not an email", ""])
def test_an_unknown_address_reads_like_a_non_elector(client, login_as, w, email):
    """Unknown, not a member, joined too late, not an address: one neutral message, no proxy."""
    poll = make_vote(w.demand)
    make_member(w.community, make_user(name="Late", email="late@example.org"))
    response = give(client, login_as, poll, w.member, email)
    assert flashes(client, response) == ["No member entitled to vote in this vote uses this email address."]
    assert count(Proxy) == 0


def test_a_proxy_cannot_be_given_to_oneself(client, login_as, w):
    poll = make_vote(w.demand)
    response = give(client, login_as, poll, w.member, w.member.email)
    assert response.status_code == 400 and "Choose another member." in text_of(response)
    assert count(Proxy) == 0


def test_the_holder_sees_a_ballot_for_the_grantor_and_casts_it(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    login_as(w.other)
    html = text_of(client.get(f"/votes/{poll.id}"))
    assert "Vote for Member (proxy)" in plain(html)
    action = f'action="/votes/{poll.id}/proxies/{w.member.id}/ballot"'
    assert action in html
    response = client.post(f"/votes/{poll.id}/proxies/{w.member.id}/ballot", data={"choice": "no"})
    ballot = db.session.scalar(select(Ballot))
    assert flashes(client, response) == [f"The vote of Member is counted. Receipt code: \u2066{ballot.receipt}"]
    participation = db.session.scalar(select(Participation))
    assert (participation.user_id, participation.channel, participation.cast_by_id) == (
        w.member.id, "proxy", w.other.id)
    assert (ballot.voter_id, ballot.choice) == (w.member.id, "no")
    assert db.session.scalar(select(Proxy.used))
    assert action not in text_of(client.get(f"/votes/{poll.id}"))
    # The holder still has their own vote, and the grantor is told theirs was cast.
    assert f'action="/votes/{poll.id}/ballot"' in text_of(client.get(f"/votes/{poll.id}"))
    login_as(w.member)
    assert "It was cast by your proxy." in text_of(client.get(f"/votes/{poll.id}"))


def test_a_proxy_is_used_once(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    login_as(w.other)
    client.post(f"/votes/{poll.id}/proxies/{w.member.id}/ballot", data={"choice": "no"})
    again = client.post(f"/votes/{poll.id}/proxies/{w.member.id}/ballot", data={"choice": "yes"})
    assert again.status_code in (403, 409)
    assert db.session.scalar(select(Ballot.choice)) == "no" and count(Ballot) == 1


def test_a_proxy_ballot_for_someone_else_is_404(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    login_as(w.other)
    assert client.post(f"/votes/{poll.id}/proxies/{w.author.id}/ballot", data={"choice": "no"}).status_code == 404
    assert count(Ballot) == 0


def test_an_invalid_proxy_ballot_shows_the_error(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    login_as(w.other)
    response = client.post(f"/votes/{poll.id}/proxies/{w.member.id}/ballot", data={})
    assert flashes(client, response)[-1] == "Check the ballot: Choose yes, no or abstain."
    assert count(Ballot) == 0 and not db.session.scalar(select(Proxy.used))


def test_the_grantor_revokes_the_proxy_and_votes_themselves(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    response = client.post(f"/votes/{poll.id}/proxy/revoke")
    assert flashes(client, response)[-1] == "You took your proxy back: you can vote yourself."
    assert count(Proxy) == 0
    login_as(w.other)
    assert "Vote for Member" not in text_of(client.get(f"/votes/{poll.id}"))
    assert client.post(f"/votes/{poll.id}/proxies/{w.member.id}/ballot", data={"choice": "no"}).status_code == 403
    login_as(w.member)
    assert client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"}).status_code == 303


def test_a_member_who_gave_a_proxy_takes_it_back_before_voting(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    assert f'action="/votes/{poll.id}/ballot"' not in text_of(client.get(f"/votes/{poll.id}"))
    response = client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"})
    assert response.status_code == 409
    assert "You gave your proxy for this vote: take it back to vote yourself." in text_of(response)
    assert count(Ballot) == 0


def test_a_used_proxy_cannot_be_revoked(client, login_as, w):
    poll = make_vote(w.demand)
    give(client, login_as, poll, w.member, w.other.email)
    login_as(w.other)
    client.post(f"/votes/{poll.id}/proxies/{w.member.id}/ballot", data={"choice": "no"})
    login_as(w.member)
    page = text_of(client.get(f"/votes/{poll.id}"))
    assert "They used it." in page and f'action="/votes/{poll.id}/proxy/revoke"' not in page
    assert client.post(f"/votes/{poll.id}/proxy/revoke").status_code == 403
    assert db.session.scalar(select(Proxy.used)) and count(Ballot) == 1


def test_a_holder_keeps_at_most_two_proxies(client, login_as, w):
    poll = make_vote(w.demand)
    for grantor in (w.member, w.author):
        assert give(client, login_as, poll, grantor, w.other.email).status_code == 303
    response = give(client, login_as, poll, w.committee, w.other.email)
    assert response.status_code == 409
    assert "This member already holds 2 proxies for this vote." in text_of(response)
    assert count(Proxy) == 2


def test_someone_who_voted_cannot_give_a_proxy(client, login_as, w):
    poll = make_vote(w.demand)
    cast(w.member, poll, "yes")
    login_as(w.member)
    assert f'action="/votes/{poll.id}/proxy"' not in text_of(client.get(f"/votes/{poll.id}"))
    assert give(client, login_as, poll, w.member, w.other.email).status_code == 403
    assert count(Proxy) == 0


# Assisted ballots at the centre. --------------------------------------------------------------------------------

@pytest.fixture
def walkins(w):
    """Members verified in person: Amina and Basel (Basel votes online), Carla who is not verified; Dana is
    verified but joins after the vote opens."""
    now = utcnow()
    amina = make_member(w.community, make_user(name="Amina", verified_in_person_at=now))
    basel = make_member(w.community, make_user(name="Basel", verified_in_person_at=now))
    carla = make_member(w.community, make_user(name="Carla"))
    poll = make_vote(w.demand)
    dana = make_member(w.community, make_user(name="Dana", verified_in_person_at=now))
    cast(basel, poll, "yes")
    return SimpleNamespace(poll=poll, amina=amina, basel=basel, carla=carla, dana=dana)


def test_the_assisted_page_lists_only_verified_electors_who_have_not_voted(client, login_as, w, walkins):
    login_as(w.committee)
    html = text_of(client.get(f"/votes/{walkins.poll.id}/assisted"))
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>',
                         re.search(r'<select[^>]*name="voter_id"[^>]*>(.*?)</select>', html, re.S).group(1))
    assert options == [(str(walkins.amina.id), "Amina")]


def test_recording_an_assisted_ballot_shows_the_receipt(client, login_as, w, walkins):
    login_as(w.committee)
    response = client.post(f"/votes/{walkins.poll.id}/assisted",
                           data={"voter_id": str(walkins.amina.id), "choice": "no"})
    assert response.headers["Location"] == f"/votes/{walkins.poll.id}/assisted"
    ballot = db.session.scalar(select(Ballot).where(Ballot.voter_id == walkins.amina.id))
    assert flashes(client, response) == [
        f"The ballot of Amina is counted. Give them their receipt code: \u2066{ballot.receipt}"]
    participation = db.session.scalar(select(Participation).where(Participation.user_id == walkins.amina.id))
    assert (participation.channel, participation.cast_by_id, ballot.choice) == ("assisted", w.committee.id, "no")
    event = db.session.scalar(select(Event).where(Event.verb == "poll.voted_assisted"))
    assert event.actor_id == w.committee.id and event.data["cast_by"] == "Chair"
    assert "No member verified in person is waiting to vote." in text_of(
        client.get(f"/votes/{walkins.poll.id}/assisted"))


@pytest.mark.parametrize("voter", ["carla", "dana", "basel"])
def test_an_assisted_ballot_for_someone_not_listed_is_refused(client, login_as, w, walkins, voter):
    login_as(w.committee)
    response = client.post(f"/votes/{walkins.poll.id}/assisted",
                           data={"voter_id": str(getattr(walkins, voter).id), "choice": "no"})
    assert response.status_code == 200 and 'class="error-message"' in text_of(response)
    assert count(Participation, channel="assisted") == 0


@pytest.mark.parametrize("who, status", [("member", 403), ("other_committee", 403), (None, 302)])
def test_only_the_committee_records_assisted_ballots(client, login_as, w, walkins, who, status):
    if who:
        login_as(getattr(w, who))
    assert client.get(f"/votes/{walkins.poll.id}/assisted").status_code == status
    response = client.post(f"/votes/{walkins.poll.id}/assisted",
                           data={"voter_id": str(walkins.amina.id), "choice": "no"})
    assert response.status_code == status
    assert count(Participation, channel="assisted") == 0


# Closing and results. -----------------------------------------------------------------------------------------

def test_the_committee_closes_early_with_a_reason(client, login_as, w):
    poll = make_vote(w.demand)
    login_as(w.committee)
    assert f'href="/votes/{poll.id}/close"' in text_of(client.get(f"/votes/{poll.id}"))
    assert client.get(f"/votes/{poll.id}/close").status_code == 200
    response = client.post(f"/votes/{poll.id}/close", data={"reason": "The council meets tomorrow."})
    assert flashes(client, response) == ["The vote is closed and counted."]
    poll = reload(Poll, poll)
    assert (poll.status, poll.closed_by_id, poll.close_reason) == ("closed", w.committee.id,
                                                                  "The council meets tomorrow.")
    assert "Closed early by the committee: The council meets tomorrow." in plain(
        text_of(client.get(f"/votes/{poll.id}")))


def test_closing_early_needs_a_reason(client, login_as, w):
    poll = make_vote(w.demand)
    login_as(w.committee)
    response = client.post(f"/votes/{poll.id}/close", data={"reason": "  "})
    assert response.status_code == 200
    assert "Please give a reason for closing early." in text_of(response)
    assert reload(Poll, poll).status == "open"


@pytest.mark.parametrize("who, status", [("member", 403), ("author", 403), ("other_committee", 403), (None, 302)])
def test_only_the_committee_closes_early(client, login_as, w, who, status):
    poll = make_vote(w.demand)
    if who:
        login_as(getattr(w, who))
        assert "/close" not in text_of(client.get(f"/votes/{poll.id}"))
    assert client.post(f"/votes/{poll.id}/close", data={"reason": "Now."}).status_code == status
    assert reload(Poll, poll).status == "open"


def test_a_closed_vote_cannot_be_closed_again(client, login_as, w):
    poll = close(make_vote(w.demand), w.committee)
    login_as(w.committee)
    assert client.post(f"/votes/{poll.id}/close", data={"reason": "Again."}).status_code == 403


@pytest.fixture
def adopted(w):
    """Electorate of ten: three yes, one no, one abstention; closed early by the committee."""
    poll = make_vote(w.demand, voters=5)
    voters = list(voting.electors(poll))
    for voter, choice in zip(voters, ["yes", "yes", "yes", "no", "abstain"]):
        cast(voter, poll, choice)
    return close(poll, w.committee)


def test_adoption_results_show_the_result_quorum_and_majority(client, w, adopted):
    page = plain(text_of(client.get(f"/votes/{adopted.id}", headers=EN)))
    assert "Results Adopted Quorum met (2 votes needed) · majority met" in page
    assert "5 of 10 eligible members voted (50%)" in page


def test_adoption_results_have_an_accessible_chart_and_a_table(client, w, adopted):
    html = text_of(client.get(f"/votes/{adopted.id}", headers=EN))
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-adoption-title"' in svg
    assert '<title id="chart-adoption-title">Votes for each answer</title>' in svg
    assert re.findall(r"<title>([^<]*)</title>", svg) == ["Yes: 3", "No: 1", "Abstain: 1"]
    widths = [float(x) for x in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] > widths[1] == widths[2] > 0
    table = plain(section(html, "<caption"))
    assert "Yes 3 No 1 Abstain 1" in table


def test_the_chart_is_mirrored_on_arabic_pages(client, w, adopted):
    html = text_of(client.get(f"/votes/{adopted.id}", headers={"Accept-Language": "ar"}))
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'direction="rtl"' in svg
    assert re.search(r'<rect x="(\d+\.\d)"', html).group(1) == "0.0"  # the largest bar fills the width


def test_the_demand_moves_to_adopted_and_its_timeline_says_so(client, w, adopted):
    assert reload(Proposal, w.demand).status == "adopted"
    html = text_of(client.get(f"/demands/{w.demand.id}", headers=EN))
    assert "Adopted" in plain(section(html, 'id="vote-title"')).split("Timeline")[0]
    assert f'href="/votes/{adopted.id}"' in section(html, 'id="vote-title"')
    timeline = plain(section(html, 'id="timeline-title"'))
    assert "The community adopted the demand: 3 yes, 1 no, 1 abstentions (turnout 5 of 10)." in timeline


def test_below_quorum_the_demand_is_not_adopted(client, w):
    poll = make_vote(w.demand, voters=5, quorum_percent=50)
    for voter in list(voting.electors(poll))[:2]:
        cast(voter, poll, "yes")
    close(poll, w.committee)
    assert reload(Proposal, w.demand).status == "not_adopted"
    page = plain(text_of(client.get(f"/votes/{poll.id}", headers=EN)))
    assert "Not adopted Quorum not met (5 votes needed) · majority met" in page
    timeline = plain(section(text_of(client.get(f"/demands/{w.demand.id}", headers=EN)), 'id="timeline-title"'))
    assert "The community did not adopt the demand: 2 yes, 0 no, 0 abstentions (turnout 2 of 10)." in timeline


def test_two_thirds_are_needed_when_asked(client, w):
    poll = make_vote(w.demand, voters=5, majority="two_thirds")
    for voter, choice in zip(voting.electors(poll), ["yes", "yes", "no", "no"]):
        cast(voter, poll, choice)
    close(poll, w.committee)
    page = plain(text_of(client.get(f"/votes/{poll.id}", headers=EN)))
    assert "Not adopted Quorum met" in page and "majority not met" in page
    assert "two thirds of yes and no needed" in page
    assert reload(Proposal, w.demand).status == "not_adopted"


def test_members_are_told_the_vote_closed(client, login_as, w, adopted):
    from civicvoice.activity.models import Notification

    assert db.session.scalar(select(func.count()).select_from(Notification).join(Event).where(
        Event.verb == "poll.closed", Notification.recipient_id == w.member.id)) == 1


@pytest.fixture
def ranked_result(w, ranked):
    """Roof, Lights, Water: two voters put Lights > Roof > Water, one Roof > Lights > Water, one only Water."""
    poll, (roof, lights, water) = ranked
    people = [w.member, w.other, w.author, w.committee]
    for person, ranking in zip(people, [[lights, roof, water], [lights, roof, water], [roof, lights, water],
                                        [water]]):
        cast(person, poll, [d.id for d in ranking])
    return close(poll, w.committee), roof, lights, water


def test_ranked_results_show_the_schulze_order(client, w, ranked_result):
    poll, roof, lights, water = ranked_result
    html = text_of(client.get(f"/votes/{poll.id}", headers=EN))
    order = re.search(r'<ol class="ranking-result">(.*?)</ol>', html, re.S).group(1)
    assert [plain(item) for item in re.findall(r"<li>(.*?)</li>", order, re.S)] == ["Lights", "Roof", "Water"]


def test_ranked_results_show_the_pairwise_matrix(client, w, ranked_result):
    poll, roof, lights, water = ranked_result
    html = text_of(client.get(f"/votes/{poll.id}", headers=EN))
    table = re.search(r'<table class="pairwise">(.*?)</table>', html, re.S).group(1)
    header = [plain(cell) for cell in re.findall(r'<th scope="col">(.*?)</th>', table)]
    rows = {plain(name): [plain(cell) for cell in re.findall(r"<td>(.*?)</td>", cells)]
            for name, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)}
    assert header == ["Lights", "Roof", "Water"]
    assert rows == {"Lights": ["—", "2", "3"], "Roof": ["1", "—", "3"], "Water": ["1", "1", "—"]}
    assert 'aria-labelledby="chart-ranked-title"' in html


def test_approval_results_show_the_counts(client, w):
    demands = [make_proposal(w.community, status="open", title=title) for title in ("Roof", "Lights", "Water")]
    poll = make_priority_ballot(w.community, demands, method="approval")
    roof, lights, water = demands
    for person, approved in zip([w.member, w.other, w.author], [[roof, water], [water], [lights, water]]):
        cast(person, poll, [d.id for d in approved])
    close(poll, w.committee)
    html = text_of(client.get(f"/votes/{poll.id}", headers=EN))
    order = re.search(r'<ol class="ranking-result">(.*?)</ol>', html, re.S).group(1)
    # Equal counts share a place, in the order of the ballot.
    assert [plain(item) for item in re.findall(r"<li>(.*?)</li>", order, re.S)] == ["Water", "Roof = Lights (tie)"]
    svg = re.search(r'<svg[^>]*aria-labelledby="chart-approval-title".*?</svg>', html, re.S).group(0)
    assert re.findall(r"<title>([^<]*)</title>", svg) == ["Water: 3", "Roof: 1", "Lights: 1"]
    assert "Water · 3 (60%)" in plain(svg)


# Closing on first access after the deadline. -------------------------------------------------------------------

def test_the_first_visit_after_the_deadline_closes_and_counts_the_vote(client, w):
    poll = make_vote(w.demand, days=7, quorum_percent=20)
    cast(w.member, poll, "yes")
    cast(w.other, poll, "yes")
    with freeze_time(utcnow() + timedelta(days=7, minutes=1)):
        html = text_of(client.get(f"/votes/{poll.id}", headers=EN))
    poll = reload(Poll, poll)
    assert poll.status == "closed" and poll.closed_by_id is None and poll.result["yes"] == 2
    assert "Closed" in plain(html) and "Adopted" in plain(html) and "Closed early" not in plain(html)
    assert reload(Proposal, w.demand).status == "adopted"


def test_before_the_deadline_a_visit_changes_nothing(client, w):
    poll = make_vote(w.demand, days=7)
    with freeze_time(utcnow() + timedelta(days=6, hours=23)):
        client.get(f"/votes/{poll.id}")
    assert reload(Poll, poll).status == "open"


def test_a_ballot_sent_after_the_deadline_is_not_counted(client, login_as, w):
    poll = make_vote(w.demand, days=1)
    with freeze_time(utcnow() + timedelta(days=2)):
        login_as(w.member)  # two days on, a session opened then (one opened before would have ended)
        response = client.post(f"/votes/{poll.id}/ballot", data={"choice": "yes"})
    assert response.status_code == 409 and "This vote is closed." in text_of(response)
    assert reload(Poll, poll).status == "closed" and count(Ballot) == 0


# The anonymous ballots: CSV and receipt search. ----------------------------------------------------------------

def rows_of(response) -> list[list[str]]:
    body = text_of(response)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_csv_lists_every_ballot_with_its_receipt_and_no_voter(client, w, adopted):
    response = client.get(f"/votes/{adopted.id}/ballots.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="vote-{adopted.id}-ballots.csv"'
    rows = rows_of(response)
    assert rows[0] == ["receipt", "choice"]
    ballots = {b.receipt: b.choice for b in db.session.scalars(select(Ballot))}
    assert {receipt: choice for receipt, choice in rows[1:]} == ballots and len(rows) == 6
    assert [row[0] for row in rows[1:]] == sorted(ballots)  # by receipt, not by time or voter
    body = text_of(response)
    for person in voting.electors(adopted):
        assert person.display_name not in body and person.email not in body


def test_the_ranked_csv_gives_the_rankings_and_the_demands(client, w, ranked_result):
    poll, roof, lights, water = ranked_result
    rows = rows_of(client.get(f"/votes/{poll.id}/ballots.csv"))
    assert rows[0] == ["receipt", "ranking"]
    assert sorted(row[1] for row in rows[1:5]) == sorted([f"{lights.id} > {roof.id} > {water.id}"] * 2 + [
        f"{roof.id} > {lights.id} > {water.id}", f"{water.id}"])
    assert rows[5] == [] and rows[6] == ["demand", "title"]
    assert rows[7:] == [[str(roof.id), "Roof"], [str(lights.id), "Lights"], [str(water.id), "Water"]]


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "-2+3", "@cmd"])
def test_csv_cells_that_start_a_formula_are_neutralised(client, w, title):
    demands = [make_proposal(w.community, status="open", title=title),
               make_proposal(w.community, status="open", title="Lights")]
    poll = make_priority_ballot(w.community, demands, method="approval")
    cast(w.member, poll, [demands[0].id])
    close(poll, w.committee)
    rows = rows_of(client.get(f"/votes/{poll.id}/ballots.csv"))
    titles = [row[1] for row in rows[rows.index(["demand", "title"]) + 1:]]
    assert titles == ["'" + title, "Lights"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_csv_is_404_while_the_vote_is_open(client, w):
    poll = make_vote(w.demand)
    assert client.get(f"/votes/{poll.id}/ballots.csv").status_code == 404
    assert client.get(f"/votes/{poll.id}/ballots").status_code == 404


def test_the_ballots_list_finds_a_ballot_by_its_receipt(client, w, adopted):
    ballot = db.session.scalar(select(Ballot).where(Ballot.choice == "no"))
    html = text_of(client.get(f"/votes/{adopted.id}/ballots", query_string={"receipt": ballot.receipt.lower()},
                              headers=EN))
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", html, re.S)
    assert [(plain(a), plain(b)) for a, b in rows] == [(ballot.receipt, "No")]


def test_the_ballots_list_shows_every_ballot(client, w, adopted):
    html = text_of(client.get(f"/votes/{adopted.id}/ballots", headers=EN))
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", html, re.S)
    assert sorted(plain(b) for _a, b in rows) == ["Abstain", "No", "Yes", "Yes", "Yes"]


def test_an_unknown_receipt_is_said_so(client, w, adopted):
    html = text_of(client.get(f"/votes/{adopted.id}/ballots?receipt=AAAA-BBBB-CCCC", headers=EN))
    assert "No ballot with this receipt code." in html


def test_unknown_parameters_of_the_ballots_list_are_400(client, w, adopted):
    assert client.get(f"/votes/{adopted.id}/ballots?voter=1").status_code == 400


# Who voted what. -----------------------------------------------------------------------------------------------

def test_the_voters_page_shows_public_names_and_choices(client, login_as, w):
    poll = make_vote(w.demand)
    hidden = make_member(w.community, make_user(name="Hidden Name", show_name_publicly=False))
    db.session.delete(db.session.scalar(select(Elector).where(Elector.poll_id == poll.id,
                                                              Elector.user_id == w.author.id)))
    db.session.add(Elector(poll_id=poll.id, user_id=hidden.id))
    db.session.commit()
    cast(w.member, poll, "yes")
    cast(hidden, poll, "no")
    login_as(w.other)
    assert f'href="/votes/{poll.id}/voters"' in text_of(client.get(f"/votes/{poll.id}"))
    html = text_of(client.get(f"/votes/{poll.id}/voters"))
    rows = [[plain(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", section(html, "<tbody>"), re.S)]
    assert sorted(rows) == sorted([["Member", "Yes", "online"], ["a resident", "No", "online"]])
    assert "Hidden Name" not in html


def test_the_voters_page_says_how_each_voted(client, login_as, w):
    poll = make_vote(w.demand)
    voting.give_proxy(w.member, poll, w.other)
    voting.cast_by_proxy(w.other, poll, w.member, "abstain")
    db.session.commit()
    login_as(w.other)
    html = plain(text_of(client.get(f"/votes/{poll.id}/voters")))
    assert "Member Abstain by proxy" in html


@pytest.mark.parametrize("who, status", [("member", 403), ("committee", 403), (None, 302)])
def test_the_voters_page_of_a_secret_vote_is_closed_to_everyone(client, login_as, w, who, status):
    poll = make_vote(w.demand, secret=True)
    cast(w.other, poll, "yes")
    if who:
        login_as(getattr(w, who))
        assert "/voters" not in text_of(client.get(f"/votes/{poll.id}"))
    assert client.get(f"/votes/{poll.id}/voters").status_code == status


@pytest.mark.parametrize("who, status", [("outsider", 403), ("other_committee", 403), (None, 302)])
def test_the_voters_page_is_for_members_only(client, login_as, w, who, status):
    poll = make_vote(w.demand)
    cast(w.other, poll, "yes")
    if who:
        login_as(getattr(w, who))
    assert client.get(f"/votes/{poll.id}/voters").status_code == status


# Secret votes: no page ties a voter to a choice. ----------------------------------------------------------------

SECRET_VOTER = "Zainab Secretvoter"


@pytest.fixture
def secret(w):
    """A secret vote: Zainab votes no online, Member yes by proxy (held by Other), Other yes; then it closes."""
    zainab = make_member(w.community, make_user(name=SECRET_VOTER, locale="en", email="zainab@example.org"))
    poll = make_vote(w.demand, secret=True)
    cast(zainab, poll, "no")
    voting.give_proxy(w.member, poll, w.other)
    voting.cast_by_proxy(w.other, poll, w.member, "yes")
    cast(w.other, poll, "yes")
    db.session.commit()
    return SimpleNamespace(poll=poll, zainab=zainab)


def test_a_secret_ballot_carries_no_voter(w, secret):
    assert list(db.session.scalars(select(Ballot.voter_id))) == [None, None, None]


@pytest.mark.parametrize("viewer", [None, "committee", "author", "other"])
def test_no_page_ties_a_secret_voter_to_a_choice(client, login_as, w, secret, viewer):
    if viewer:
        login_as(getattr(w, viewer))
    poll = secret.poll
    urls = [f"/votes/{poll.id}", f"/demands/{w.demand.id}", "/communities/midan/votes"]
    open_pages = [text_of(client.get(url, headers=EN)) for url in urls]
    close(reload(Poll, poll), w.committee)
    urls += [f"/votes/{poll.id}/ballots", f"/votes/{poll.id}/ballots.csv"]
    closed_pages = [text_of(client.get(url, headers=EN)) for url in urls]
    if viewer:
        closed_pages.append(text_of(client.get("/notifications")))
    for page in open_pages + closed_pages:
        assert SECRET_VOTER not in page and "zainab@example.org" not in page
    assert client.get(f"/votes/{poll.id}/voters").status_code in (302, 403)


def test_the_secret_csv_has_only_receipts_and_choices(client, w, secret):
    close(secret.poll, w.committee)
    rows = rows_of(client.get(f"/votes/{secret.poll.id}/ballots.csv"))
    assert rows[0] == ["receipt", "choice"]
    assert all(len(row) == 2 and RECEIPT.fullmatch(row[0]) for row in rows[1:])
    assert sorted(row[1] for row in rows[1:]) == ["no", "yes", "yes"]


def test_a_secret_voter_does_not_see_their_choice_again(client, login_as, w, secret):
    """Once cast, the page says it is counted, not what it was (someone looking over a shoulder learns nothing)."""
    login_as(secret.zainab)
    html = text_of(client.get(f"/votes/{secret.poll.id}"))
    assert "Your vote is counted." in html
    assert "checked" not in html


# Counts in Arabic and English. ---------------------------------------------------------------------------------

@pytest.fixture
def sized(w):
    """make(electorate, turnout) -> an open adoption vote with exactly that many electors (members verified in
    person, the vote being for them only), `turnout` of whom voted."""

    def make(electorate, turnout):
        demand = make_goal_reached(make_proposal(w.community, status="open"))
        people = [make_member(w.community, make_user(verified_in_person_at=utcnow())) for _ in range(electorate)]
        poll = make_vote(demand, verified_only=True)
        for voter in people[:turnout]:
            cast(voter, poll, "yes")
        assert (poll.electorate, poll.turnout) == (electorate, turnout)
        return poll

    return make


@pytest.mark.parametrize("electorate, turnout, expected", [
    (1, 0, "0 of 1 eligible member voted"), (1, 1, "1 of 1 eligible member voted"),
    (4, 1, "1 of 4 eligible members voted"), (2, 0, "0 of 2 eligible members voted")])
def test_the_turnout_reads_right_in_english(client, sized, electorate, turnout, expected):
    poll = sized(electorate, turnout)
    assert expected in plain(text_of(client.get(f"/votes/{poll.id}", headers=EN)))
    assert expected in plain(text_of(client.get(f"/demands/{poll.proposal_id}", headers=EN)))


@pytest.mark.parametrize("electorate, turnout, expected", [
    (1, 1, "صوّت ١ من أصل ١ عضو يحق له التصويت"),
    (2, 1, "صوّت ١ من أصل ٢ عضوين يحق لهما التصويت"),
    (4, 1, "صوّت ١ من أصل ٤ أعضاء يحق لهم التصويت"),
    (11, 3, "صوّت ٣ من أصل ١١ عضواً يحق لهم التصويت")])
def test_the_turnout_reads_right_in_arabic(client, sized, electorate, turnout, expected):
    poll = sized(electorate, turnout)
    html = text_of(client.get(f"/votes/{poll.id}", headers={"Accept-Language": "ar"}))
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert expected in plain(html)


@pytest.mark.parametrize("turnout, expected", [(1, "1 vote of 2"), (2, "2 votes of 2"), (0, "0 votes of 2")])
def test_the_votes_index_counts_votes(client, sized, turnout, expected):
    poll = sized(2, turnout)
    html = plain(text_of(client.get(f"/communities/{poll.community.slug}/votes", headers=EN)))
    assert expected in html


def test_the_quorum_needed_reads_right(client, w):
    poll = make_vote(w.demand, quorum_percent=20)  # 20 % of 5: one vote
    close(poll, w.committee)
    assert "(1 vote needed)" in plain(text_of(client.get(f"/votes/{poll.id}", headers=EN)))


@pytest.mark.parametrize("url", ["/votes/{id}", "/votes/{id}/ballots", "/communities/midan/votes",
                                 "/demands/{demand}/vote/open"])
def test_arabic_pages_are_right_to_left(client, login_as, w, adopted, url):
    login_as(make_committee(w.community, make_user(locale="ar")))
    other = make_goal_reached(make_proposal(w.community, status="open"))
    response = client.get(url.format(id=adopted.id, demand=other.id))
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in text_of(response)


def test_the_votes_index_lists_open_and_closed_votes(client, w, adopted):
    make_priority_ballot(w.community, title="Which repairs first?")
    html = plain(text_of(client.get("/communities/midan/votes", headers=EN)))
    assert "Which repairs first? priority ballot Open until" in html
    assert "Light the main street adoption vote Closed" in html


def test_a_demand_the_committee_hid_leaves_the_votes_list_and_ballots_keep_its_place_not_its_title(
        client, login_as, w, adopted):
    from civicvoice.moderation import items
    from civicvoice.moderation import services as moderation

    spared = make_proposal(w.community, status="open", title="Benches for the park")
    hidden = make_proposal(w.community, status="open", title="Buy from my shop")
    ballot = make_priority_ballot(w.community, [spared, hidden], title="Which repairs first?")
    for demand in (w.demand, hidden):  # the adopted one, and an option of the open ballot
        moderation.hide(w.committee, items.of("proposal", demand), "إعلان")
    db.session.commit()
    listing = plain(text_of(client.get("/communities/midan/votes", headers=EN)))
    assert "Light the main street" not in listing and "Which repairs first?" in listing
    assert client.get(f"/votes/{adopted.id}", headers=EN).status_code == 404
    login_as(w.member)  # an elector, who sees the ballot's options
    page = plain(text_of(client.get(f"/votes/{ballot.id}", headers=EN)))
    assert "Buy from my shop" not in page
    assert "Benches for the park" in page and "A demand hidden by the committee" in page


# Queries. ------------------------------------------------------------------------------------------------------

def _many_voters(poll, n):
    """n more electors of `poll`'s community vote (added to the electorate directly: it is a snapshot)."""
    for _ in range(n):
        person = make_member(poll.community)
        db.session.add(Elector(poll_id=poll.id, user_id=person.id))
        poll.electorate += 1
        db.session.commit()
        cast(person, poll, "yes" if poll.method == "yes_no" else [o.proposal_id for o in poll.options])


CASES = [(page, viewer) for page in ("voters", "ballots", "index") for viewer in (None, "member", "committee")
         if not (page == "voters" and viewer is None)]  # a visitor is sent to sign in


@pytest.mark.parametrize("page, viewer", CASES)
def test_vote_lists_load_in_a_fixed_number_of_queries(client, login_as, count_queries, w, page, viewer):
    if viewer:
        login_as(getattr(w, viewer))
    poll = make_vote(w.demand)
    ranked_poll = make_priority_ballot(w.community)
    _many_voters(poll, 2)
    _many_voters(ranked_poll, 2)
    close(ranked_poll, w.committee)
    url = {"voters": f"/votes/{poll.id}/voters", "ballots": f"/votes/{ranked_poll.id}/ballots",
           "index": "/communities/midan/votes"}[page]
    client.get(url)  # warm caches that do not depend on the ballots
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(3):
        make_vote(make_goal_reached(make_proposal(w.community, status="open")))
    _many_voters(poll, 12)
    ranking = [o.proposal_id for o in ranked_poll.options]
    db.session.add_all(Ballot(poll_id=ranked_poll.id, receipt=new_receipt(), ranking=ranking) for _ in range(12))
    db.session.commit()
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few), "\n".join(many)
