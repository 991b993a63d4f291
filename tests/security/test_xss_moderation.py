"""Stored XSS and template injection through moderation and notifications (SECURITY.md B.10), as in test_xss.py:
report comments, the committee's reasons (hiding, restoring, blocking, deciding an appeal), the appeal's text, the
committee's word list, the note of an identity check request, and the titles and names they mention hold
`payload ~field`. Each page is checked for the fields it shows: the queue, the case, the public log, the report
and rules forms, the dashboard, the notifications, the blocked person's notice, and the mail (text and HTML)."""
import pytest

from civicvoice import activity
from civicvoice.communities import services as communities
from civicvoice.extensions import db
from civicvoice.moderation import services as moderation
from tests.factories import (item, make_argument, make_committee, make_community, make_member, make_proposal,
                             make_report, make_user)

from .test_xss import _assert_escaped, _page, _scripts, payload  # noqa: F401 (payload is a fixture)


@pytest.fixture
def moderated(site_image, payload):
    return site_image(_moderated, payload)


def _moderated(payload):
    def tag(field):
        return f"{payload} ~{field}"

    community = make_community(name=tag("community"), slug="alpha")
    chair = make_committee(community, make_user(name=tag("chair"), locale="en"))
    second = make_committee(community, make_user(name=tag("second"), locale="en"))
    author = make_member(community, make_user(name=tag("author"), locale="en"))
    proposal = make_proposal(community, status="open", title=tag("title"))
    argument = make_argument(proposal, author, body=tag("argument"))
    reported = make_argument(proposal, author, body=tag("reported"))
    make_report(item("argument", reported), make_user(name=tag("reporter")), comment=tag("comment"))
    case = moderation.hide(chair, item("argument", argument), tag("hide_reason"))
    appeal = moderation.appeal(author, case, tag("appeal"))
    moderation.update_rules(chair, community, report_threshold=3, hold_account_days=0, hold_links=False,
                            hold_words=tag("word"))
    person = make_member(community, make_user(name=tag("blocked"), locale="en"))
    moderation.block(chair, community, person, "7", tag("block_reason"))
    communities.request_verification(make_member(community, make_user(name=tag("asker"))), community, tag("note"))
    db.session.commit()
    objects = dict(community=community, chair=chair, second=second, author=author, person=person,
                   case=case.id, appeal=appeal.id, proposal=proposal.id,
                   reported_case=moderation.case_of(item("argument", reported)).id)
    return objects, tag


# (viewer, url, fields shown as typed and escaped)
PAGES = [
    ("chair", "/communities/alpha/moderation", ["reported", "comment", "title", "blocked", "block_reason"]),
    ("chair", "/moderation/cases/{reported_case}", ["reported", "comment", "reporter"]),
    ("author", "/moderation/cases/{case}", ["argument", "hide_reason", "appeal"]),
    ("second", "/moderation/appeals/{appeal}/decide", ["argument", "hide_reason", "appeal"]),
    (None, "/communities/alpha/moderation/log", ["community", "hide_reason", "block_reason"]),
    ("chair", "/communities/alpha/moderation/rules", ["community", "word"]),
    ("chair", "/communities/alpha/dashboard", ["community", "asker", "note"]),
    ("author", "/notifications", ["community", "hide_reason"]),
    ("person", "/communities/alpha", ["community", "block_reason"]),
    (None, "/demands/{proposal}", ["title", "hide_reason"]),
]


@pytest.mark.parametrize("viewer, url, fields", PAGES, ids=[f"{viewer or 'visitor'} {url}" for viewer, url, _f in PAGES])
def test_moderation_pages_escape_stored_text(client, login_as, moderated, payload, viewer, url, fields):
    objects, tag = moderated
    if viewer:
        login_as(objects[viewer])
    body = _page(client, url.format(**{k: v for k, v in objects.items() if isinstance(v, int)}))
    _assert_escaped(body, payload, tag, fields)
    assert "49 ~" not in body


def test_hidden_text_never_reaches_the_public_log_nor_the_demand_page(client, moderated, payload):
    objects, tag = moderated
    for url in ("/communities/alpha/moderation/log", f"/demands/{objects['proposal']}"):
        body = _page(client, url)
        assert "~argument" not in body and "~appeal" not in body and "~reporter" not in body


def test_the_report_form_with_errors_keeps_the_comment_escaped(client, login_as, moderated, payload):
    objects, tag = moderated
    login_as(objects["second"])
    from civicvoice.deliberation.models import Argument

    target = db.session.scalars(db.select(Argument).where(Argument.status == "visible")).first()
    response = client.post(f"/communities/alpha/report/argument/{target.id}", data={"comment": tag("typed")})
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed"])


def test_notification_mails_escape_html_and_keep_text_as_typed(app, outbox, moderated, payload):
    objects, tag = moderated
    outbox.clear()
    event = activity.record(objects["chair"], "proposal.publish", objects["community"], objects["community"],
                            title=tag("mail_title"))
    activity.notify(event, [objects["author"]])
    db.session.commit()
    [message] = outbox
    assert tag("mail_title") in message["body"] and tag("author") in message["body"]
    assert _scripts(message["html"]) == []
    if "<" in payload:
        assert payload not in message["html"]
    assert "49 ~" not in message["body"] + message["html"]
