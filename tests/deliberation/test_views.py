"""Arguments and amendments through the web: what the demand page shows (counts, strongest, threads,
placeholders), who may post, reply, edit, delete, mark, hide and decide (403 or a sign-in, never 500), forms
that keep what was typed (errors and the posting limit), private demands (404 on every route) and a fixed
number of queries."""
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from civicvoice.database import utcnow
from civicvoice.deliberation import amendments
from civicvoice.deliberation import services as deliberation
from civicvoice.deliberation.models import Amendment, AmendmentPosition, Argument, HelpfulMark
from civicvoice.extensions import db
from civicvoice.moderation.services import hide_argument
from civicvoice.proposals.models import Proposal
from tests.factories import (
    advance_proposal,
    make_amendment,
    make_argument,
    make_committee,
    make_community,
    make_member,
    make_proposal,
    make_user,
)

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def w(app):
    """An open demand of `midan` by `author`; its committee, two plain members, a resident of no community and
    the committee of another community. Everyone reads English."""
    community = make_community(slug="midan")
    author = make_user(name="Salma", locale="en")
    demand = make_proposal(community, author, status="open", title="Light the main street",
                           summary="The street is dark at night.")
    return SimpleNamespace(
        community=community, demand=demand, author=author,
        committee=make_committee(community, make_user(name="Chair", locale="en")),
        member=make_member(community, make_user(name="Member", locale="en")),
        other=make_member(community, make_user(name="Other", locale="en")),
        outsider=make_user(name="Outsider", locale="en"),
        other_committee=make_committee(make_community(), make_user(name="Elsewhere", locale="en")),
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    """The words of a page, without tags and with single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ·", "·").replace("· ", "·")


def article_ids(html: str) -> list[int]:
    """The ids of the arguments on the page, in page order."""
    return [int(n) for n in re.findall(r'<article class="argument[^"]*" id="argument-(\d+)"', html)]


def reload(model, obj):
    db.session.expire_all()
    return db.session.get(model, obj.id)


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return match.group(1).strip()


def mark(users, argument):
    for user in users:
        deliberation.mark_helpful(user, argument)
    db.session.commit()


# The argument section of the demand page. ---------------------------------------------------------------

def test_the_demand_page_counts_visible_top_level_arguments_by_stance(client, w):
    for stance in ("for", "for", "against", "question", "question", "question"):
        top = make_argument(w.demand, stance=stance)
    make_argument(parent=top, body="A reply is not counted.")
    hidden = make_argument(w.demand, stance="against")
    hide_argument(w.committee, hidden, "Off topic")
    db.session.commit()
    body = plain(text_of(client.get(f"/demands/{w.demand.id}", headers=EN)))
    assert "2 for·1 against·3 questions" in body


def test_the_counts_read_zero_on_a_demand_without_arguments(client, w):
    body = plain(text_of(client.get(f"/demands/{w.demand.id}", headers=EN)))
    assert "0 for·0 against·0 questions" in body


def _strongest(html: str, stance: str) -> str:
    block = html.split(f'class="strongest strongest--{stance}"', 1)[1]
    return block.split('class="strongest strongest--', 1)[0].split('class="threads"', 1)[0]


def test_the_strongest_argument_for_and_against_are_side_by_side(client, w):
    weak_for = make_argument(w.demand, stance="for", body="Weak for")
    strong_for = make_argument(w.demand, stance="for", body="Strong for")
    strong_against = make_argument(w.demand, stance="against", body="Strong against")
    weak_against = make_argument(w.demand, stance="against", body="Weak against")
    mark([w.member, w.other, w.committee], strong_for)
    mark([w.member], weak_for)
    mark([w.member, w.other], strong_against)
    html = text_of(client.get(f"/demands/{w.demand.id}", headers=EN))
    assert 'class="side-by-side"' in html
    best_for, best_against = _strongest(html, "for"), _strongest(html, "against")
    assert "Strong for" in best_for and "Weak for" not in best_for
    assert "against" not in best_for.split("</h3>")[1]
    assert "Strong against" in best_against and "Weak against" not in best_against
    assert f"#argument-{strong_for.id}" in best_for and f"#argument-{strong_against.id}" in best_against
    assert weak_against.id  # shown in the threads, not as the strongest


def test_a_hidden_argument_is_never_the_strongest(client, w):
    visible = make_argument(w.demand, stance="for", body="Visible for")
    hidden = make_argument(w.demand, stance="for", body="Hidden for, much liked")
    mark([w.member, w.other], hidden)
    hide_argument(w.committee, hidden, "Insults")
    db.session.commit()
    html = text_of(client.get(f"/demands/{w.demand.id}", headers=EN))
    assert "Visible for" in _strongest(html, "for")


def test_sorting_by_helpful_and_by_newest(client, w):
    old_liked = make_argument(w.demand, body="Old and liked")
    middle = make_argument(w.demand, body="Middle")
    newest = make_argument(w.demand, body="Newest")
    mark([w.member, w.other], old_liked)
    mark([w.member], middle)
    url = f"/demands/{w.demand.id}/arguments"
    assert article_ids(text_of(client.get(url))) == [old_liked.id, middle.id, newest.id]
    assert article_ids(text_of(client.get(f"{url}?sort=helpful"))) == [old_liked.id, middle.id, newest.id]
    assert article_ids(text_of(client.get(f"{url}?sort=newest"))) == [newest.id, middle.id, old_liked.id]


def test_the_htmx_sort_answers_the_section_alone(client, w):
    make_argument(w.demand, body="Some argument")
    response = client.get(f"/demands/{w.demand.id}/arguments?sort=newest", headers=HTMX)
    html = text_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "Some argument" in html


@pytest.mark.parametrize("query", ["sort=author.email", "sort=helpful_count", "sort=", "sort=id%3BDROP",
                                   "sort=newest&order=asc", "page=1&per_page=100", "filter=1", "page=0",
                                   "page=-3"])
def test_unknown_sorts_extra_keys_and_bad_pages_are_400(client, w, query):
    assert client.get(f"/demands/{w.demand.id}/arguments?{query}").status_code == 400


def test_a_page_beyond_the_last_is_an_empty_list_not_an_error(client, w):
    make_argument(w.demand, body="Only argument")
    response = client.get(f"/demands/{w.demand.id}/arguments?page=999")
    assert response.status_code == 200
    assert article_ids(text_of(response)) == []


def test_fifty_arguments_fit_on_a_page_by_default(client, w):
    for n in range(51):
        make_argument(w.demand, author=w.member, body=f"Argument {n}")
    url = f"/demands/{w.demand.id}/arguments?sort=newest"
    first = text_of(client.get(url))
    assert len(article_ids(first)) == 50 and "page=2" in first
    assert len(article_ids(text_of(client.get(url + "&page=2")))) == 1


@pytest.mark.app_config(ARGUMENTS_PER_PAGE=3)
def test_arguments_are_paginated_by_top_level_argument(client, w):
    tops = [make_argument(w.demand, body=f"Argument {n}") for n in range(5)]
    replies = [make_argument(parent=tops[4], body=f"Reply {n}") for n in range(4)]  # do not count
    url = f"/demands/{w.demand.id}/arguments?sort=newest"
    first = text_of(client.get(url, headers=EN))
    assert article_ids(first) == [tops[4].id, *[r.id for r in replies], tops[3].id, tops[2].id]
    assert "page=2" in first and "Page 1 of 2" in first
    second = text_of(client.get(url + "&page=2", headers=EN))
    assert article_ids(second) == [tops[1].id, tops[0].id]


@pytest.mark.app_config(ARGUMENTS_PER_PAGE=2)
def test_the_demand_page_shows_the_first_page_only(client, w):
    tops = [make_argument(w.demand, body=f"Argument {n}") for n in range(3)]
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    assert len(article_ids(html)) == 2 and tops[0].id not in article_ids(html)  # equal marks: newest first
    assert f"/demands/{w.demand.id}/arguments?page=2" in html.replace("amp;", "").replace("sort=helpful&", "")


def test_replies_nest_under_their_argument(client, w):
    top = make_argument(w.demand, body="Top")
    reply = make_argument(parent=top, body="First reply")
    deeper = make_argument(parent=reply, body="Second level")
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    thread = html.split(f'id="argument-{top.id}"', 1)[1]
    assert 'class="replies"' in thread
    assert thread.index(f'id="argument-{reply.id}"') < thread.index(f'id="argument-{deeper.id}"')


def test_markdown_links_in_arguments_get_nofollow_noopener(client, w):
    make_argument(w.demand, body="See [the plan](https://example.org/plan) and [x](javascript:alert(1))")
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    links = re.findall(r'<a href="https://example\.org/plan"[^>]*>', html)
    assert links and all('rel="nofollow noopener"' in link for link in links)
    assert not re.search(r"""href=["']?\s*javascript:""", html, re.I)  # left as text, never a link


PAGES = ["/demands/{id}", "/demands/{id}/arguments", "/demands/{id}/arguments?sort=newest"]


# A fixed number of queries, whatever the size of the discussion. ------------------------------------------

def _discussion(w, tops: int, viewer):
    """`tops` arguments (for and against alternately), each with a reply and a reply to it; the viewer marked
    every third; one hidden, one deleted, one edited, one question answered by the authors."""
    people = [w.member, w.other, make_member(w.community)]
    for n in range(tops):
        top = make_argument(w.demand, author=people[n % 3], stance=("for", "against")[n % 2], body=f"Top {n}")
        reply = make_argument(parent=top, author=people[(n + 1) % 3], body=f"Reply {n}")
        make_argument(parent=reply, author=people[(n + 2) % 3], body=f"Reply to reply {n}")
        if n % 3 == 0 and top.author_id != viewer.id:
            mark([viewer], top)
    question = make_argument(w.demand, author=people[0], stance="question", body="Who pays?")
    make_argument(parent=question, author=w.author, body="The council.", as_authors=True)
    hidden, deleted = make_argument(w.demand, author=people[1]), make_argument(w.demand, author=people[2])
    hide_argument(w.committee, hidden, "Insults")
    deliberation.delete_own(people[2], deleted)
    edited = make_argument(w.demand, author=viewer, body="Before")
    deliberation.edit(viewer, edited, "After")
    db.session.commit()


@pytest.mark.parametrize("viewer", ["member", "committee", "visitor"])
@pytest.mark.parametrize("page", PAGES)
def test_the_discussion_loads_in_a_fixed_number_of_queries(client, login_as, count_queries, w, viewer, page):
    who = getattr(w, viewer, None)
    if who is not None:
        login_as(who)
    url = page.format(id=w.demand.id)
    _discussion(w, 2, who or w.member)
    client.get(url)  # warm caches that do not depend on the discussion
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _discussion(w, 30, who or w.member)
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200 and len(article_ids(text_of(response))) > 90
    assert len(many) == len(few), "\n".join(many)


# Hidden and deleted arguments. ------------------------------------------------------------------------------

SECRET = "Text the committee hid, NEVER-ON-THE-PAGE"


@pytest.fixture
def hidden(w):
    argument = make_argument(w.demand, author=w.member, body=SECRET)
    make_argument(parent=argument, author=w.other, body="A reply that stays")
    hide_argument(w.committee, argument, "Personal attack")
    db.session.commit()
    return argument


@pytest.mark.parametrize("viewer", [None, "member", "other", "committee", "author", "outsider"])
@pytest.mark.parametrize("page", PAGES)
def test_a_hidden_argument_shows_the_reason_never_its_text(client, login_as, w, hidden, viewer, page):
    if viewer:
        login_as(getattr(w, viewer))
    html = text_of(client.get(page.format(id=w.demand.id), headers=EN))
    assert "Hidden by the committee:" in html and "Personal attack" in html
    assert "NEVER-ON-THE-PAGE" not in html
    assert "A reply that stays" in html


def test_the_hidden_text_is_not_in_the_htmx_fragment_either(client, login_as, w, hidden):
    login_as(w.committee)
    html = text_of(client.get(f"/demands/{w.demand.id}/arguments", headers=HTMX))
    assert "Personal attack" in html and "NEVER-ON-THE-PAGE" not in html


def test_the_hidden_text_is_not_on_pages_about_its_replies(client, login_as, w, hidden):
    reply = db.session.scalar(select(Argument).where(Argument.parent_id == hidden.id))
    login_as(w.member)
    assert "NEVER-ON-THE-PAGE" not in text_of(client.get(f"/arguments/{reply.id}/reply"))
    assert client.get(f"/arguments/{hidden.id}/reply").status_code == 403  # nobody answers a hidden argument
    assert client.get(f"/arguments/{hidden.id}/edit").status_code == 403


def test_the_committee_reads_the_hidden_text_on_the_history_page(client, login_as, w, hidden):
    login_as(w.committee)
    html = text_of(client.get(f"/arguments/{hidden.id}/history"))
    assert "NEVER-ON-THE-PAGE" in html and "Personal attack" in html


def test_the_committee_is_offered_restore_and_history_on_the_placeholder(client, login_as, w, hidden):
    login_as(w.committee)
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    assert f"/arguments/{hidden.id}/restore" in html and f"/arguments/{hidden.id}/history" in html
    login_as(w.member)
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    assert f"/arguments/{hidden.id}/restore" not in html and f"/arguments/{hidden.id}/history" not in html


def test_a_deleted_argument_leaves_a_placeholder_and_its_replies(client, login_as, w):
    argument = make_argument(w.demand, author=w.member, body="I take this back, DELETED-TEXT")
    make_argument(parent=argument, author=w.other, body="Reply to the deleted one")
    login_as(w.member)
    response = client.post(f"/arguments/{argument.id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/demands/{w.demand.id}#argument-{argument.id}"
    html = text_of(client.get(f"/demands/{w.demand.id}", headers=EN))
    assert "Deleted by its author." in html
    assert "DELETED-TEXT" not in html
    assert "Reply to the deleted one" in html
    assert reload(Argument, argument).status == "deleted"


# Posting an argument. ---------------------------------------------------------------------------------------

def _post(client, w, **data):
    data = {"stance": "for", "body": "Lamps save lives.", **data}
    return client.post(f"/demands/{w.demand.id}/arguments", data=data)


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_saved(client, w):
    response = _post(client, w)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(Argument) == 0


@pytest.mark.parametrize("who", ["outsider", "other_committee"])
def test_someone_who_is_not_a_member_gets_403(client, login_as, w, who):
    login_as(getattr(w, who))
    assert _post(client, w).status_code == 403
    assert count(Argument) == 0


def test_a_non_member_sees_no_argument_form(client, login_as, w):
    login_as(w.outsider)
    assert 'class="argument-form"' not in text_of(client.get(f"/demands/{w.demand.id}"))
    login_as(w.member)
    assert 'class="argument-form"' in text_of(client.get(f"/demands/{w.demand.id}"))


def test_posting_redirects_to_the_argument_on_the_demand_page(client, login_as, w):
    login_as(w.member)
    response = _post(client, w, stance="against", body="Too expensive this year.")
    argument = db.session.scalar(select(Argument))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/demands/{w.demand.id}#argument-{argument.id}"
    assert (argument.stance, argument.body) == ("against", "Too expensive this year.")
    assert argument.author_id == w.member.id
    assert "Too expensive this year." in text_of(client.get(f"/demands/{w.demand.id}"))


def test_an_empty_body_shows_the_error_and_keeps_the_stance(client, login_as, w):
    login_as(w.member)
    response = _post(client, w, stance="question", body="   ")
    html = text_of(response)
    assert response.status_code == 200
    assert "Write something first." in html
    assert re.search(r'<input[^>]*checked[^>]*value="question"|<input[^>]*value="question"[^>]*checked', html)
    assert count(Argument) == 0


def test_a_missing_stance_shows_the_error_and_keeps_the_text(client, login_as, w):
    login_as(w.member)
    response = client.post(f"/demands/{w.demand.id}/arguments",
                           data={"body": "My long argument, typed on a phone."})
    html = text_of(response)
    assert response.status_code == 200
    assert "Choose for, against or question." in html
    assert textarea(html, "body") == "My long argument, typed on a phone."
    assert count(Argument) == 0


def test_an_unknown_stance_is_refused_and_keeps_the_text(client, login_as, w):
    login_as(w.member)
    response = _post(client, w, stance="neutral", body="Kept text")
    assert response.status_code == 200 and textarea(text_of(response), "body") == "Kept text"
    assert count(Argument) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="2 per minute")
def test_posting_too_fast_answers_429_and_keeps_the_text(client, login_as, w):
    login_as(w.member)
    assert _post(client, w, body="First").status_code == 303
    assert _post(client, w, body="Second").status_code == 303
    response = _post(client, w, stance="against", body="Third, a long argument typed on a phone")
    html = text_of(response)
    assert response.status_code == 429
    assert "You are posting quickly." in html
    assert textarea(html, "body") == "Third, a long argument typed on a phone"
    assert count(Argument) == 2


@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="2 per minute")
def test_the_posting_limit_is_per_account(client, login_as, w):
    login_as(w.member)
    for body in ("One", "Two"):
        assert _post(client, w, body=body).status_code == 303
    assert _post(client, w, body="Three").status_code == 429
    login_as(w.other)
    assert _post(client, w, body="Someone else").status_code == 303


@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="1 per minute")
def test_an_invalid_form_does_not_use_up_the_limit(client, login_as, w):
    login_as(w.member)
    assert _post(client, w, body="").status_code == 200
    assert _post(client, w, body="Now with text").status_code == 303


@pytest.mark.parametrize("status", ["draft", "in_review", "rejected", "not_adopted", "withdrawn"])
def test_a_demand_that_is_not_arguable_refuses_arguments(client, login_as, w, status):
    demand = make_proposal(w.community, w.author, status=status)
    login_as(w.member)
    response = client.post(f"/demands/{demand.id}/arguments", data={"stance": "for", "body": "x"})
    assert response.status_code in (403, 404)
    assert count(Argument) == 0


# Replies. ---------------------------------------------------------------------------------------------------

def test_the_authors_answer_box_is_offered_to_authors_on_a_question_only(client, login_as, w):
    question = make_argument(w.demand, author=w.member, stance="question", body="Who pays?")
    claim = make_argument(w.demand, author=w.member, stance="for", body="Good idea")
    login_as(w.author)
    assert 'name="as_authors"' in text_of(client.get(f"/arguments/{question.id}/reply"))
    assert 'name="as_authors"' not in text_of(client.get(f"/arguments/{claim.id}/reply"))
    login_as(w.other)
    assert 'name="as_authors"' not in text_of(client.get(f"/arguments/{question.id}/reply"))


def test_an_author_answers_a_question_for_the_authors(client, login_as, w):
    question = make_argument(w.demand, author=w.member, stance="question", body="Who pays?")
    login_as(w.author)
    response = client.post(f"/arguments/{question.id}/reply",
                           data={"body": "The council does.", "as_authors": "y"})
    answer = db.session.scalar(select(Argument).where(Argument.parent_id == question.id))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/demands/{w.demand.id}#argument-{answer.id}"
    assert answer.as_authors is True
    html = text_of(client.get(f"/demands/{w.demand.id}", headers=EN))
    assert re.search(rf'<article class="argument argument--authors" id="argument-{answer.id}">\s*<p[^>]*>\s*'
                     r"<span[^>]*>The authors(&#39;|')s? answer</span>", html)


def test_a_member_cannot_answer_for_the_authors(client, login_as, w):
    question = make_argument(w.demand, author=w.member, stance="question", body="Who pays?")
    login_as(w.other)
    assert client.post(f"/arguments/{question.id}/reply",
                       data={"body": "I say the council.", "as_authors": "y"}).status_code == 303
    answer = db.session.scalar(select(Argument).where(Argument.parent_id == question.id))
    assert answer.as_authors is False


def test_an_empty_reply_shows_the_error(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.other)
    response = client.post(f"/arguments/{argument.id}/reply", data={"body": ""})
    assert response.status_code == 200 and "Write something first." in text_of(response)
    assert count(Argument) == 1


@pytest.mark.parametrize("who, status", [(None, 302), ("outsider", 403), ("other_committee", 403)])
def test_only_members_reply(client, login_as, w, who, status):
    argument = make_argument(w.demand, author=w.member)
    if who:
        login_as(getattr(w, who))
    assert client.get(f"/arguments/{argument.id}/reply").status_code == status
    assert client.post(f"/arguments/{argument.id}/reply", data={"body": "Hi"}).status_code == status
    assert count(Argument) == 1


@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="1 per minute")
def test_replying_too_fast_answers_429_and_keeps_the_text(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.other)
    assert client.post(f"/arguments/{argument.id}/reply", data={"body": "First reply"}).status_code == 303
    response = client.post(f"/arguments/{argument.id}/reply", data={"body": "Second reply, kept"})
    html = text_of(response)
    assert response.status_code == 429
    assert "You are posting quickly." in html and textarea(html, "body") == "Second reply, kept"
    assert count(Argument) == 2


# Editing within the window, deleting. -----------------------------------------------------------------------

def test_the_author_edits_within_the_window(client, login_as, w):
    argument = make_argument(w.demand, author=w.member, body="Frist version")
    login_as(w.member)
    assert textarea(text_of(client.get(f"/arguments/{argument.id}/edit")), "body") == "Frist version"
    response = client.post(f"/arguments/{argument.id}/edit", data={"body": "First version"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/demands/{w.demand.id}#argument-{argument.id}"
    assert reload(Argument, argument).body == "First version"
    html = text_of(client.get(f"/demands/{w.demand.id}", headers=EN))
    assert "First version" in html and "Frist version" not in html and ">edited<" in html


def test_the_edit_window_closes_after_15_minutes(client, login_as, w):
    argument = make_argument(w.demand, author=w.member, body="Original")
    login_as(w.member)
    with freeze_time(utcnow() + timedelta(minutes=14)):
        assert client.get(f"/arguments/{argument.id}/edit").status_code == 200
    with freeze_time(utcnow() + timedelta(minutes=16)):
        assert client.get(f"/arguments/{argument.id}/edit").status_code == 403
        assert client.post(f"/arguments/{argument.id}/edit", data={"body": "Too late"}).status_code == 403
        assert f"/arguments/{argument.id}/edit" not in text_of(client.get(f"/demands/{w.demand.id}"))
    assert reload(Argument, argument).body == "Original"


@pytest.mark.parametrize("who", ["other", "committee", "author"])
def test_only_its_author_edits_or_deletes_an_argument(client, login_as, w, who):
    argument = make_argument(w.demand, author=w.member, body="Original")
    login_as(getattr(w, who))
    assert client.get(f"/arguments/{argument.id}/edit").status_code == 403
    assert client.post(f"/arguments/{argument.id}/edit", data={"body": "Changed"}).status_code == 403
    assert client.post(f"/arguments/{argument.id}/delete").status_code == 403
    assert reload(Argument, argument).body == "Original"
    assert reload(Argument, argument).status == "visible"


def test_an_empty_edit_shows_the_error(client, login_as, w):
    argument = make_argument(w.demand, author=w.member, body="Original")
    login_as(w.member)
    response = client.post(f"/arguments/{argument.id}/edit", data={"body": " "})
    assert response.status_code == 200 and "Write something first." in text_of(response)
    assert reload(Argument, argument).body == "Original"


def test_deleting_twice_is_refused(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.member)
    assert client.post(f"/arguments/{argument.id}/delete").status_code == 303
    assert client.post(f"/arguments/{argument.id}/delete").status_code == 403


# Helpful marks. ---------------------------------------------------------------------------------------------

def test_marking_helpful_redirects_back_without_htmx(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.other)
    response = client.post(f"/arguments/{argument.id}/helpful")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/demands/{w.demand.id}#argument-{argument.id}"
    assert reload(Argument, argument).helpful_count == 1
    assert count(HelpfulMark, argument_id=argument.id, user_id=w.other.id) == 1


def test_marking_helpful_with_htmx_answers_the_button_alone(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.other)
    response = client.post(f"/arguments/{argument.id}/helpful", headers=HTMX)
    html = text_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<span class="helpful" id="helpful-{argument.id}">')
    assert "<html" not in html
    assert 'aria-pressed="true"' in html and f"/arguments/{argument.id}/helpful/remove" in html
    assert "· 1" in html


def test_unmarking_helpful(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    mark([w.other], argument)
    login_as(w.other)
    html = text_of(client.get(f"/demands/{w.demand.id}"))
    assert f"/arguments/{argument.id}/helpful/remove" in html
    response = client.post(f"/arguments/{argument.id}/helpful/remove", headers=HTMX)
    assert response.status_code == 200 and 'aria-pressed="false"' in text_of(response)
    assert reload(Argument, argument).helpful_count == 0
    # Twice: nothing to undo, nothing moves.
    assert client.post(f"/arguments/{argument.id}/helpful/remove").status_code == 303
    assert reload(Argument, argument).helpful_count == 0


def test_marking_twice_counts_once(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.other)
    client.post(f"/arguments/{argument.id}/helpful")
    client.post(f"/arguments/{argument.id}/helpful")
    assert reload(Argument, argument).helpful_count == 1


def test_nobody_marks_their_own_argument(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.member)
    assert client.post(f"/arguments/{argument.id}/helpful").status_code == 403
    assert reload(Argument, argument).helpful_count == 0


@pytest.mark.parametrize("who, status", [(None, 302), ("outsider", 403), ("other_committee", 403)])
def test_only_members_mark_helpful(client, login_as, w, who, status):
    argument = make_argument(w.demand, author=w.member)
    if who:
        login_as(getattr(w, who))
    assert client.post(f"/arguments/{argument.id}/helpful").status_code == status
    assert reload(Argument, argument).helpful_count == 0


# Hiding and restoring: the committee of the demand's community only. ----------------------------------------

@pytest.mark.parametrize("who", ["member", "author", "other_committee", "outsider"])
def test_only_the_committee_hides_restores_and_reads_the_history(client, login_as, w, who):
    visible = make_argument(w.demand, author=w.other)
    hidden = make_argument(w.demand, author=w.other)
    hide_argument(w.committee, hidden, "Spam")
    db.session.commit()
    login_as(getattr(w, who))
    assert client.get(f"/arguments/{visible.id}/hide").status_code == 403
    assert client.post(f"/arguments/{visible.id}/hide", data={"reason": "I dislike it"}).status_code == 403
    assert client.post(f"/arguments/{hidden.id}/restore", data={"reason": "Fine"}).status_code == 403
    assert client.get(f"/arguments/{visible.id}/history").status_code == 403
    assert (reload(Argument, visible).status, reload(Argument, hidden).status) == ("visible", "hidden")


def test_hiding_needs_a_reason(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.committee)
    response = client.post(f"/arguments/{argument.id}/hide", data={"reason": "  "})
    assert response.status_code == 200 and "Please give a reason." in text_of(response)
    assert reload(Argument, argument).status == "visible"


def test_the_committee_hides_then_restores(client, login_as, w):
    argument = make_argument(w.demand, author=w.member, body="Borderline text")
    login_as(w.committee)
    assert "Borderline text" in text_of(client.get(f"/arguments/{argument.id}/hide"))
    response = client.post(f"/arguments/{argument.id}/hide", data={"reason": "Insults a neighbour"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/demands/{w.demand.id}#argument-{argument.id}"
    assert (reload(Argument, argument).status, reload(Argument, argument).hidden_reason) == (
        "hidden", "Insults a neighbour")
    response = client.post(f"/arguments/{argument.id}/restore", data={"reason": ""})
    assert response.status_code == 200 and "Please give a reason." in text_of(response)
    response = client.post(f"/arguments/{argument.id}/restore", data={"reason": "It was fair criticism"})
    assert response.status_code == 303
    assert reload(Argument, argument).status == "visible"
    assert "Borderline text" in text_of(client.get(f"/demands/{w.demand.id}"))


def test_restoring_a_visible_argument_is_a_conflict_not_a_500(client, login_as, w):
    argument = make_argument(w.demand, author=w.member)
    login_as(w.committee)
    assert client.post(f"/arguments/{argument.id}/restore", data={"reason": "x"}).status_code == 409


def test_the_history_shows_earlier_texts_to_the_committee(client, login_as, w):
    argument = make_argument(w.demand, author=w.member, body="EARLIER-TEXT")
    deliberation.edit(w.member, argument, "Later text")
    db.session.commit()
    login_as(w.committee)
    html = text_of(client.get(f"/arguments/{argument.id}/history"))
    assert "EARLIER-TEXT" in html and "Later text" in html
    assert "EARLIER-TEXT" not in text_of(client.get(f"/demands/{w.demand.id}"))


# Private demands: 404 on every argument and amendment route, for anyone who may not see the demand. ---------

def _argument_routes(argument, amendment):
    a, m, p = argument.id, amendment.id, argument.proposal_id
    return [
        ("GET", f"/demands/{p}/arguments", {}),
        ("POST", f"/demands/{p}/arguments", {"stance": "for", "body": "x"}),
        ("GET", f"/arguments/{a}/reply", {}), ("POST", f"/arguments/{a}/reply", {"body": "x"}),
        ("GET", f"/arguments/{a}/edit", {}), ("POST", f"/arguments/{a}/edit", {"body": "x"}),
        ("POST", f"/arguments/{a}/delete", {}), ("POST", f"/arguments/{a}/helpful", {}),
        ("POST", f"/arguments/{a}/helpful/remove", {}), ("GET", f"/arguments/{a}/history", {}),
        ("GET", f"/arguments/{a}/hide", {}), ("POST", f"/arguments/{a}/hide", {"reason": "x"}),
        ("GET", f"/arguments/{a}/restore", {}), ("POST", f"/arguments/{a}/restore", {"reason": "x"}),
        ("GET", f"/demands/{p}/amendments", {}), ("GET", f"/demands/{p}/amendments/new", {}),
        ("POST", f"/demands/{p}/amendments/new", {"title": "x", "reason": "x"}),
        ("GET", f"/amendments/{m}", {}), ("POST", f"/amendments/{m}/support", {}),
        ("POST", f"/amendments/{m}/oppose", {}), ("POST", f"/amendments/{m}/neutral", {}),
        ("POST", f"/amendments/{m}/accept", {}), ("GET", f"/amendments/{m}/decline", {}),
        ("POST", f"/amendments/{m}/decline", {"reason": "x"}), ("POST", f"/amendments/{m}/withdraw", {}),
    ]


def _make_private(demand, how):
    if how == "hidden":
        advance_proposal(demand, "hide")
    else:  # a demand taken back to a draft, as a data fix might: nothing of it may leak either
        demand.status, demand.published_at = "draft", None
        db.session.commit()


@pytest.mark.parametrize("how", ["hidden", "draft"])
@pytest.mark.parametrize("who", ["member", "outsider", "other_committee"])
def test_arguments_of_a_private_demand_are_404_on_every_route(client, login_as, w, how, who):
    argument = make_argument(w.demand, author=w.member)
    amendment = make_amendment(w.demand, author=w.member)
    _make_private(w.demand, how)
    login_as(getattr(w, who))
    for method, url, data in _argument_routes(argument, amendment):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 404, (method, url)
    assert count(Argument) == 1 and reload(Argument, argument).status == "visible"


@pytest.mark.parametrize("how", ["hidden", "draft"])
def test_a_visitor_never_sees_a_private_demands_arguments(client, w, how):
    argument = make_argument(w.demand, author=w.member, body="PRIVATE-ARGUMENT")
    amendment = make_amendment(w.demand, author=w.member)
    _make_private(w.demand, how)
    for method, url, data in _argument_routes(argument, amendment):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code in (302, 404), (method, url)  # pages 404; actions ask to sign in first
        assert "PRIVATE-ARGUMENT" not in text_of(response)


def test_unknown_argument_and_amendment_ids_are_404(client, login_as, w):
    login_as(w.committee)
    for url in ("/arguments/999999/reply", "/arguments/999999/history", "/amendments/999999",
                "/demands/999999/arguments", "/demands/999999/amendments"):
        assert client.get(url).status_code == 404, url


# Amendments. ------------------------------------------------------------------------------------------------

def _amendment_form(demand, **fields) -> dict:
    return {"title": demand.title, "summary": demand.summary, "body": demand.body, "place": demand.place,
            "resolution": demand.resolution, "category": demand.category,
            "council_id": str(demand.council_id or ""), "reason": "Clearer and shorter.", **fields}


def _input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return value.group(1) if value else None


@pytest.fixture
def council_demand(w):
    """An open demand of `w.community` addressed to a linked council (amendments post the council too)."""
    from tests.factories import link_council

    council = link_council(w.community)
    return make_proposal(w.community, w.author, status="open", council=council,
                         title="Repair the school roof", summary="The roof leaks in winter.")


def test_the_amendment_form_starts_from_the_current_text(client, login_as, w, council_demand):
    login_as(w.member)
    html = text_of(client.get(f"/demands/{council_demand.id}/amendments/new"))
    assert _input_value(html, "title") == "Repair the school roof"
    assert textarea(html, "summary") == "The roof leaks in winter."
    assert textarea(html, "reason") == ""


def test_proposing_an_amendment(client, login_as, w, council_demand):
    login_as(w.member)
    data = _amendment_form(council_demand, summary="The roof leaks every winter since 2020.")
    response = client.post(f"/demands/{council_demand.id}/amendments/new", data=data)
    amendment = db.session.scalar(select(Amendment))
    assert response.status_code == 303 and response.headers["Location"] == f"/amendments/{amendment.id}"
    assert (amendment.summary, amendment.author_id, amendment.status) == (
        "The roof leaks every winter since 2020.", w.member.id, "proposed")
    assert reload(Proposal, council_demand).summary == "The roof leaks in winter."  # the authors decide


def test_an_amendment_without_a_reason_keeps_the_typed_text(client, login_as, w, council_demand):
    login_as(w.member)
    response = client.post(f"/demands/{council_demand.id}/amendments/new",
                           data=_amendment_form(council_demand, summary="A new summary I typed", reason=""))
    html = text_of(response)
    assert response.status_code == 200 and "Please give a reason." in html
    assert textarea(html, "summary") == "A new summary I typed"
    assert count(Amendment) == 0


def test_an_amendment_that_changes_nothing_shows_the_error_and_keeps_the_reason(client, login_as, w,
                                                                               council_demand):
    login_as(w.member)
    response = client.post(f"/demands/{council_demand.id}/amendments/new",
                           data=_amendment_form(council_demand, reason="My long reason"))
    html = text_of(response)
    assert response.status_code == 200
    assert "The amendment does not change the text." in html
    assert textarea(html, "reason") == "My long reason"
    assert count(Amendment) == 0


def test_a_signed_demand_keeps_its_category_and_the_form_says_so(client, login_as, w, council_demand):
    from tests.factories import make_signature

    make_signature(council_demand)
    login_as(w.member)
    html = text_of(client.get(f"/demands/{council_demand.id}/amendments/new"))
    assert "its council and category cannot change" in html
    response = client.post(f"/demands/{council_demand.id}/amendments/new", data=_amendment_form(
        council_demand, category="other", summary="Typed summary", reason="Typed reason"))
    html = text_of(response)
    assert response.status_code == 200
    assert "an amendment cannot change its council or category" in html
    assert textarea(html, "summary") == "Typed summary" and textarea(html, "reason") == "Typed reason"
    assert count(Amendment) == 0


@pytest.mark.parametrize("who, status", [(None, 302), ("outsider", 403), ("other_committee", 403),
                                         ("author", 403)])
def test_only_members_who_are_not_authors_propose_amendments(client, login_as, w, council_demand, who,
                                                             status):
    if who:
        login_as(getattr(w, who))
    url = f"/demands/{council_demand.id}/amendments/new"
    assert client.get(url).status_code == status
    assert client.post(url, data=_amendment_form(council_demand, summary="Changed")).status_code == status
    assert count(Amendment) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="1 per minute")
def test_proposing_amendments_too_fast_answers_429_and_keeps_the_text(client, login_as, w, council_demand):
    login_as(w.member)
    url = f"/demands/{council_demand.id}/amendments/new"
    assert client.post(url, data=_amendment_form(council_demand, summary="First change")).status_code == 303
    response = client.post(url, data=_amendment_form(council_demand, summary="Second change, kept",
                                                     reason="Second reason, kept"))
    html = text_of(response)
    assert response.status_code == 429
    assert "You are posting quickly." in html
    assert textarea(html, "summary") == "Second change, kept"
    assert textarea(html, "reason") == "Second reason, kept"
    assert count(Amendment) == 1


def test_the_amendment_page_shows_the_changes_word_by_word(client, w):
    amendment = make_amendment(w.demand, summary="The street is dark every night.")
    html = text_of(client.get(f"/amendments/{amendment.id}", headers=EN))
    assert re.search(r"<del>[^<]*at[^<]*</del>", html)
    assert re.search(r"<ins>[^<]*every[^<]*</ins>", html)
    assert "The street is dark" in html and amendment.reason in html


def test_the_amendments_list_shows_open_amendments(client, w):
    amendment = make_amendment(w.demand, reason="Give a date")
    html = text_of(client.get(f"/demands/{w.demand.id}/amendments", headers=EN))
    assert f"/amendments/{amendment.id}" in html and "Give a date" in html
    demand_page = plain(text_of(client.get(f"/demands/{w.demand.id}", headers=EN)))
    assert "1 amendment awaits the authors" in demand_page


def test_members_support_oppose_and_withdraw_their_position(client, login_as, w):
    amendment = make_amendment(w.demand, author=w.member)
    login_as(w.other)
    response = client.post(f"/amendments/{amendment.id}/support")
    assert response.status_code == 303 and response.headers["Location"] == f"/amendments/{amendment.id}"
    assert (reload(Amendment, amendment).support_count, reload(Amendment, amendment).oppose_count) == (1, 0)
    assert "You support it." in text_of(client.get(f"/amendments/{amendment.id}"))
    client.post(f"/amendments/{amendment.id}/oppose")
    assert (reload(Amendment, amendment).support_count, reload(Amendment, amendment).oppose_count) == (0, 1)
    assert count(AmendmentPosition, amendment_id=amendment.id) == 1
    client.post(f"/amendments/{amendment.id}/neutral")
    assert (reload(Amendment, amendment).support_count, reload(Amendment, amendment).oppose_count) == (0, 0)
    assert count(AmendmentPosition, amendment_id=amendment.id) == 0


@pytest.mark.parametrize("who, status", [(None, 302), ("outsider", 403), ("other_committee", 403),
                                         ("member", 403)])  # `member` wrote it
def test_only_other_members_take_a_position(client, login_as, w, who, status):
    amendment = make_amendment(w.demand, author=w.member)
    if who:
        login_as(getattr(w, who))
    assert client.post(f"/amendments/{amendment.id}/support").status_code == status
    assert reload(Amendment, amendment).support_count == 0


def test_an_unknown_position_is_404(client, login_as, w):
    amendment = make_amendment(w.demand, author=w.member)
    login_as(w.other)
    assert client.post(f"/amendments/{amendment.id}/abstain").status_code == 404


def test_the_author_accepts_and_the_revisions_credit_the_amender(client, login_as, w):
    amender = make_member(w.community, make_user(name="Amina the amender", locale="en"))
    amendment = make_amendment(w.demand, author=amender, summary="The street is dark every night.")
    login_as(w.author)
    response = client.post(f"/amendments/{amendment.id}/accept")
    assert response.status_code == 303 and response.headers["Location"] == f"/amendments/{amendment.id}"
    assert reload(Proposal, w.demand).summary == "The street is dark every night."
    assert reload(Amendment, amendment).status == "accepted"
    html = text_of(client.get(f"/demands/{w.demand.id}/revisions", headers=EN))
    assert "From an amendment by" in html and "Amina the amender" in html
    assert f"/amendments/{amendment.id}" in html
    assert "The street is dark every night." in text_of(client.get(f"/demands/{w.demand.id}"))


@pytest.mark.parametrize("who, status", [(None, 302), ("member", 403), ("other", 403), ("committee", 403),
                                         ("other_committee", 403), ("outsider", 403)])
def test_only_the_authors_accept_or_decline(client, login_as, w, who, status):
    amendment = make_amendment(w.demand, author=w.member)
    if who:
        login_as(getattr(w, who))
    assert client.post(f"/amendments/{amendment.id}/accept").status_code == status
    assert client.get(f"/amendments/{amendment.id}/decline").status_code == status
    assert client.post(f"/amendments/{amendment.id}/decline", data={"reason": "No"}).status_code == status
    assert reload(Amendment, amendment).status == "proposed"
    assert reload(Proposal, w.demand).summary == "The street is dark at night."


def test_declining_needs_a_reason_and_shows_it(client, login_as, w):
    amendment = make_amendment(w.demand, author=w.member)
    login_as(w.author)
    response = client.post(f"/amendments/{amendment.id}/decline", data={"reason": ""})
    assert response.status_code == 200 and "Please give a reason." in text_of(response)
    assert reload(Amendment, amendment).status == "proposed"
    response = client.post(f"/amendments/{amendment.id}/decline",
                           data={"reason": "The date is not known yet."})
    assert response.status_code == 303 and response.headers["Location"] == f"/amendments/{amendment.id}"
    assert reload(Amendment, amendment).status == "declined"
    html = text_of(client.get(f"/amendments/{amendment.id}", headers=EN))
    assert "Why the authors declined it" in html and "The date is not known yet." in html
    assert reload(Proposal, w.demand).summary == "The street is dark at night."


def test_a_decided_amendment_cannot_be_decided_again(client, login_as, w):
    amendment = make_amendment(w.demand, author=w.member)
    login_as(w.author)
    assert client.post(f"/amendments/{amendment.id}/accept").status_code == 303
    assert client.post(f"/amendments/{amendment.id}/accept").status_code == 403
    assert client.post(f"/amendments/{amendment.id}/decline", data={"reason": "x"}).status_code == 403


def test_the_amender_withdraws_and_nobody_else_may(client, login_as, w):
    amendment = make_amendment(w.demand, author=w.member)
    login_as(w.other)
    assert client.post(f"/amendments/{amendment.id}/withdraw").status_code == 403
    login_as(w.member)
    assert client.post(f"/amendments/{amendment.id}/withdraw").status_code == 303
    assert reload(Amendment, amendment).status == "withdrawn"


def test_accepting_a_stale_amendment_is_a_conflict_not_a_500(client, login_as, w):
    first = make_amendment(w.demand, author=w.member, summary="First new summary.")
    second = make_amendment(w.demand, author=w.other, summary="Second new summary.")
    amendments.accept(w.author, first)
    db.session.commit()
    login_as(w.author)
    response = client.post(f"/amendments/{second.id}/accept")
    assert response.status_code == 409
    assert reload(Proposal, w.demand).summary == "First new summary."


@pytest.mark.parametrize("status", ["draft", "in_review", "changes_requested", "rejected"])
def test_the_amendments_of_a_private_demand_are_404(client, login_as, w, status):
    demand = make_proposal(w.community, w.author, status=status)
    for who in (None, w.member, w.outsider):
        if who:
            login_as(who)
        assert client.get(f"/demands/{demand.id}/amendments").status_code == 404
        expected = 302 if who is None else 404  # the form asks a visitor to sign in first
        assert client.get(f"/demands/{demand.id}/amendments/new").status_code == expected


def test_an_amendment_on_a_demand_no_longer_open_cannot_be_proposed(client, login_as, w):
    demand = make_proposal(w.community, w.author, status="voting")
    login_as(w.member)
    assert client.get(f"/demands/{demand.id}/amendments").status_code == 200
    assert client.get(f"/demands/{demand.id}/amendments/new").status_code == 403
