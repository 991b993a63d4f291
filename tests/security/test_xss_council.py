"""Stored XSS and template injection on the council's side (SECURITY.md B.10, B.13), as in test_xss.py: the council's
name, the community's name, the demands' titles and summaries, the responder's name, what the council publishes
(registry number, the body a demand was referred to, and its markdown messages: acknowledgement, answer, reason for
declining, progress), what a resident wrote contesting a repair and the committee's reason for reopening hold
`payload ~field`. Each page is checked for exactly the fields it shows: the inbox, the council's letter page, the
demand pages (answers, timeline), the "is it really fixed?" and reopen pages, both accountability pages, the
notifications, and the forms answered with errors.
"""
import io
from datetime import date, timedelta

import pytest

from civicvoice.communities import services as communities
from civicvoice.council import responses
from civicvoice.extensions import db
from civicvoice.letters.deadlines import today as council_today
from tests.factories import (
    advance_proposal,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_proposal,
    make_sent_letter,
    make_signature,
    make_staff,
    make_user,
)

from .test_xss import _assert_escaped, _page, _scripts, payload  # noqa: F401 (payload is a fixture)


@pytest.fixture
def council_site(site_image, payload):
    return site_image(_council_site, payload)


def _council_site(payload):
    """`alpha` writes to a council named `payload ~council`; its responder and every stored text carry the payload.

    Demands (each signed by `signer`, adopted, its letter delivered by hand): `answered` (acknowledged with a registry
    number and a message, then referred to another body), `declined` (with its reason), `reopened` (reported resolved,
    contested by the signer, reopened by the committee: back in progress), `fixed` (reported resolved, the check
    open) and `overdue` (past its deadline, unanswered). Returns (objects, tag)."""

    def tag(field):
        return f"{payload} ~{field}"

    council = make_council(name=tag("council"), contact_email="council@example.org")
    community = make_community(name=tag("community"), slug="alpha")
    communities.link_councils(None, community, [council])
    db.session.commit()
    chair = make_committee(community, make_user(name=tag("chair"), locale="en"))
    signer = make_member(community, make_user(name=tag("signer"), locale="en"))
    responder = make_staff(council, make_user(name=tag("responder"), locale="en"), role="responder")

    def letter(name):
        demand = make_proposal(community, status="open", council=council, title=tag(f"{name}_title"),
                               summary=tag("summary"))
        make_signature(demand, signer)
        advance_proposal(demand, "open_vote", actor=chair)
        advance_proposal(demand, "adopt", actor=chair)
        return make_sent_letter(demand, method="hand")

    answered, declined, reopened, fixed, overdue = (letter(name) for name in
                                                    ("answered", "declined", "reopened", "fixed", "overdue"))
    responses.acknowledge(responder, answered, registry_number=tag("registry"), body=tag("ack_body"))
    responses.answer(responder, answered, "referred", body=tag("answer_body"), referred_to=tag("referred_to"))
    responses.answer(responder, declined, "declined", body=tag("decline_reason"))
    for item in (reopened, fixed):
        responses.answer(responder, item, "accepted", body=tag("accept_body"))
    responses.post_progress(responder, fixed, "scheduled", tag("scheduled_body"),
                            scheduled_for=date.today() + timedelta(days=3))
    responses.post_progress(responder, reopened, "resolved", tag("reopened_body"))
    responses.check(signer, reopened.proposal, "contest", tag("comment"))
    responses.reopen(chair, reopened.proposal, tag("reopen_reason"))
    responses.post_progress(responder, fixed, "resolved", tag("fixed_body"))
    overdue.response_due_on = council_today(council) - timedelta(days=3)
    db.session.commit()
    objects = dict(chair=chair, signer=signer, responder=responder, council=council.id,
                   **{name: item.proposal_id for name, item in (("answered", answered), ("declined", declined),
                                                                 ("reopened", reopened), ("fixed", fixed),
                                                                 ("overdue", overdue))},
                   **{f"{name}_letter": item.id for name, item in (("answered", answered), ("reopened", reopened),
                                                                    ("overdue", overdue))})
    return objects, tag


def _format(url: str, objects: dict) -> str:
    return url.format(**{k: v for k, v in objects.items() if isinstance(v, int)})


# (viewer, url, fields shown as typed, escaped; fields rendered as markdown)
COUNCIL_PAGES = [
    ("responder", "/councils/{council}/inbox", ["council", "community", "answered_title", "overdue_title"], []),
    ("responder", "/councils/{council}/letters/{answered_letter}",
     ["answered_title", "community", "summary", "council", "registry", "referred_to", "responder"],
     ["ack_body", "answer_body"]),
    ("responder", "/councils/{council}/letters/{reopened_letter}", ["reopened_title", "comment"],
     ["reopened_body", "accept_body"]),
    ("responder", "/councils/{council}/letters/{overdue_letter}", ["overdue_title", "summary"], []),
    (None, "/demands/{answered}", ["answered_title", "council", "registry", "referred_to", "responder"],
     ["ack_body", "answer_body"]),
    (None, "/demands/{declined}", ["declined_title", "council", "decline_reason"], ["decline_reason"]),
    (None, "/demands/{reopened}", ["reopened_title", "council", "reopen_reason"], ["reopened_body"]),
    ("signer", "/demands/{fixed}", ["fixed_title", "council"], ["fixed_body", "scheduled_body"]),
    ("signer", "/demands/{fixed}/is-it-fixed", ["fixed_title"], ["fixed_body"]),
    ("chair", "/demands/{fixed}/reopen", ["fixed_title"], []),
    ("signer", "/notifications", ["council", "fixed_title"], []),
    (None, "/councils/{council}/accountability", ["council", "community", "overdue_title"], []),
    (None, "/communities/alpha/accountability", ["community", "overdue_title"], []),
]


@pytest.mark.parametrize("viewer, url, fields, markdown", COUNCIL_PAGES,
                         ids=[f"{viewer or 'visitor'} {url}" for viewer, url, _f, _m in COUNCIL_PAGES])
def test_council_pages_escape_stored_text(client, login_as, council_site, payload, viewer, url, fields, markdown):
    objects, tag = council_site
    if viewer:
        login_as(objects[viewer])
    body = _page(client, _format(url, objects))
    _assert_escaped(body, payload, tag, fields)
    for field in markdown:
        assert f"~{field}" in body, f"{field} is not shown on this page"
    assert "49 ~" not in body


def test_the_answer_form_with_errors_keeps_the_typed_text_escaped(client, login_as, council_site, payload):
    objects, tag = council_site
    login_as(objects["responder"])
    response = client.post(_format("/councils/{council}/letters/{overdue_letter}/answer", objects), data={
        "decision": "declined", "body": "", "referred_to": tag("typed_referred"), "language": "en"},
        content_type="multipart/form-data")  # declined without a reason: refused, shown again
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed_referred", "overdue_title"])


def test_the_progress_form_with_errors_keeps_the_typed_text_escaped(client, login_as, council_site, payload):
    objects, tag = council_site
    login_as(objects["responder"])
    response = client.post(_format("/councils/{council}/letters/{reopened_letter}/progress", objects), data={
        "stage": "scheduled", "scheduled_for": "", "body": tag("typed_progress"), "language": "en"},
        content_type="multipart/form-data")  # scheduled without a date: refused, shown again
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed_progress", "reopened_title", "comment"])


def test_the_check_form_with_errors_keeps_the_typed_text_escaped(client, login_as, council_site, payload):
    objects, tag = council_site
    login_as(objects["signer"])
    response = client.post(_format("/demands/{fixed}/is-it-fixed", objects), data={
        "verdict": "contest", "comment": tag("typed_comment"),
        "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "photo.pdf")},
        content_type="multipart/form-data")  # not a photo: refused, shown again
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed_comment", "fixed_title"])


def test_the_councils_markdown_is_rendered_without_scripts(client, council_site, payload):
    objects, tag = council_site
    body = _page(client, _format("/demands/{answered}", objects))
    assert "~ack_body" in body and "~answer_body" in body
    assert _scripts(body) == []
    assert "<script" not in body.split('id="council-answers"', 1)[1].split("</section>", 1)[0]
