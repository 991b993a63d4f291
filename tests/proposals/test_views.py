"""Demands through the web: who sees what (404, never 403, for private demands), the whole review journey,
illegal moves (409 or 403, never 500), markdown, both languages and the htmx fragments."""
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from civicvoice.activity.models import Event, Notification
from civicvoice.communities.services import link_councils
from civicvoice.extensions import db
from civicvoice.proposals import services as proposals
from civicvoice.proposals import states
from civicvoice.proposals.models import Proposal, Revision
from tests.factories import make_admin, make_committee, make_community, make_council, make_member, make_user
from tests.security.routes import attach, png_bytes

FIELDS = {
    "title": "إصلاح سقف مدرسة البنات", "summary": "السقف يدلف في الشتاء.",
    "body": "## التفاصيل\n- الصف الثالث",
    "category": "facility_repair", "place": "الحارة القبلية", "latitude": None, "longitude": None,
    "resolution": "سقف لا يدلف.",
}


@pytest.fixture
def w(app):
    """A community addressing one council, its committee, an author, a co-author-to-be, a plain member; and
    people from elsewhere: a resident of no community, another community's committee, a site admin."""
    council = make_council(name="مجلس البلدة")
    community = make_community(slug="midan")
    link_councils(None, community, [council])
    db.session.commit()
    return SimpleNamespace(
        council=council, community=community, committee=make_committee(community),
        author=make_member(community, make_user(name="سلمى", email="salma@example.org")),
        coauthor=make_member(community, make_user(name="رامي", email="rami@example.org")),
        member=make_member(community), outsider=make_user(), other_committee=make_committee(make_community()),
        admin=make_admin(),
    )


def demand(w, status="open", author=None, **fields):
    """A demand of `w.community` brought to `status` through the services (two revisions, one attachment)."""
    author = author or w.author
    proposal = proposals.create_draft(author, w.community, **{**FIELDS, "council_id": w.council.id, **fields})
    proposals.edit(author, proposal, **{**FIELDS, "council_id": w.council.id, **fields,
                                        "summary": fields.get("summary", FIELDS["summary"]) + " منذ سنتين."})
    attach(author, proposal, png_bytes(), "photo.png")
    if status == "unpublished_withdrawn":
        proposals.withdraw(author, proposal, "لم يعد ضرورياً")
    elif status != "draft":
        proposals.submit(author, proposal)
    if status == "changes_requested":
        proposals.request_changes(w.committee, proposal, "أضيفوا اسم المدرسة")
    elif status == "rejected":
        proposals.reject(w.committee, proposal, "incomplete", "ناقص")
    elif status in ("open", "withdrawn", "merged", "hidden"):
        proposals.publish(w.committee, proposal)
    if status == "withdrawn":
        proposals.withdraw(author, proposal, "حُلّت المشكلة")
    elif status == "merged":
        proposals.merge(w.committee, proposal, demand(w, "open", title="مطلب آخر"), "مكرر")
    elif status == "hidden":
        proposal.status = "hidden"  # no route hides yet (moderation); the state exists
    db.session.commit()
    return proposal


def reload(proposal):
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def text_of(response):
    return response.get_data(as_text=True)


def _error_page(response):
    """The body without the address of the page (the language switch leads back to it), the CSRF token or the
    request's own reference (a new id for every request)."""
    body = re.sub(r'name="(next|csrf_token)" value="[^"]*"', "", text_of(response))
    return re.sub(r'<p class="reference">.*?</p>', "", body, flags=re.S)


# Visibility: private demands are 404 on every route, for everyone but authors, committee and admins. ----

PRIVATE = ["draft", "in_review", "changes_requested", "rejected", "hidden", "unpublished_withdrawn"]


def _routes(p):
    """Every proposals.* route that names one demand: (method, url, form)."""
    a = _attachment_id(p)
    base = f"/demands/{p.id}"
    return [
        ("GET", base, {}), ("GET", f"{base}/edit", {}), ("GET", f"{base}/revisions", {}),
        ("GET", f"{base}/diff?from=1&to=2", {}), ("GET", f"{base}/attachments/{a}", {}),
        ("GET", f"{base}/request-changes", {}), ("GET", f"{base}/reject", {}), ("GET", f"{base}/withdraw", {}),
        ("GET", f"{base}/merge", {}),
        ("POST", f"{base}/edit", {**FIELDS, "council_id": "1"}), ("POST", f"{base}/submit", {}),
        ("POST", f"{base}/publish", {}), ("POST", f"{base}/request-changes", {"reason": "x"}),
        ("POST", f"{base}/reject", {"code": "other", "reason": "x"}),
        ("POST", f"{base}/withdraw", {"reason": "x"}),
        ("POST", f"{base}/merge", {"target": "1", "reason": "x"}), ("POST", f"{base}/goal", {"goal": "10"}),
        ("POST", f"{base}/coauthors", {"email": "rami@example.org"}), ("POST", f"{base}/coauthors/accept", {}),
        ("POST", f"{base}/coauthors/decline", {}), ("POST", f"{base}/attachments/{a}/remove", {}),
    ]


def _attachment_id(p):
    from civicvoice.proposals.attachments import of

    return of(p)[0].id


def _call(client, method, url, data):
    with client.get(url) if method == "GET" else client.post(url, data=data) as response:
        response.get_data()  # read the file of an attachment, then close it
        return response


def _status(client, url):
    with client.get(url) as response:
        return response.status_code


def _missing(route):
    """The same route for a demand (and attachment) that does not exist."""
    method, url, data = route
    return method, re.sub(r"/\d+", "/999999", url), data


@pytest.mark.parametrize("status", PRIVATE)
@pytest.mark.parametrize("viewer", ["outsider", "member", "other_committee", "coauthor"])
def test_private_demands_are_404_on_every_route(client, login_as, w, status, viewer):
    p = demand(w, status)
    before = (reload(p).status, db.session.scalar(select(db.func.count(Event.id))))
    login_as(getattr(w, viewer))
    for route in _routes(p):
        response = _call(client, *route)
        assert response.status_code == 404, route
        assert _error_page(response) == _error_page(_call(client, *_missing(route))), route  # no difference
    assert (reload(p).status, db.session.scalar(select(db.func.count(Event.id)))) == before


@pytest.mark.parametrize("status", PRIVATE)
def test_private_demands_look_missing_to_visitors(client, w, status):
    p = demand(w, status)
    for route in _routes(p):
        response, missing = _call(client, *route), _call(client, *_missing(route))
        assert response.status_code == missing.status_code, route
        assert response.status_code in (302, 404), route  # pages 404; actions ask to sign in, as for any id
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("status", PRIVATE)
@pytest.mark.parametrize("viewer", ["author", "committee", "admin"])
def test_private_demands_are_visible_to_authors_committee_and_admins(client, login_as, w, status, viewer):
    p = demand(w, status)
    login_as(getattr(w, viewer))
    for url in (f"/demands/{p.id}", f"/demands/{p.id}/revisions", f"/demands/{p.id}/diff?from=1&to=2",
                f"/demands/{p.id}/attachments/{_attachment_id(p)}"):
        assert _status(client, url) == 200, url


def test_an_accepted_coauthor_sees_the_draft(client, login_as, w):
    p = demand(w, "draft")
    proposals.invite_coauthor(w.author, p, w.coauthor)
    proposals.answer_invitation(w.coauthor, p, True)
    db.session.commit()
    login_as(w.coauthor)
    assert client.get(f"/demands/{p.id}").status_code == 200
    assert client.get(f"/demands/{p.id}/edit").status_code == 200


@pytest.mark.parametrize("viewer", [None, "outsider", "member", "other_committee"])
def test_published_demands_are_public(client, login_as, w, viewer):
    p = demand(w, "open")
    if viewer:
        login_as(getattr(w, viewer))
    for url in (f"/demands/{p.id}", f"/demands/{p.id}/revisions", f"/demands/{p.id}/diff?from=1&to=2",
                f"/demands/{p.id}/attachments/{_attachment_id(p)}"):
        assert _status(client, url) == 200, url


def test_a_demand_withdrawn_after_publication_stays_public(client, w):
    p = demand(w, "withdrawn")
    page = text_of(client.get(f"/demands/{p.id}"))
    assert "حُلّت المشكلة" in page  # the reason, on the timeline


@pytest.mark.parametrize("viewer", [None, "author", "committee", "admin"])
def test_lists_and_similar_never_show_private_demands(client, login_as, w, viewer):
    for status in PRIVATE:
        demand(w, status, title=f"مطلب خاص بحالة {status}")
    shown = demand(w, "open", title="مطلب خاص منشور")
    if viewer:
        login_as(getattr(w, viewer))
    for url in ("/demands", "/communities/midan/demands", "/communities/midan/demands?sort=active",
                "/communities/midan/demands/similar?title=مطلب خاص بحالة"):
        page = text_of(client.get(url))
        assert "مطلب خاص منشور" in page, url
        assert "بحالة" not in page, url
    assert shown.title in text_of(client.get("/communities/midan/demands/similar?title=مطلب خاص"))


def test_my_drafts_lists_only_mine(client, login_as, w):
    mine = demand(w, "draft", title="مسودتي الأولى")
    demand(w, "draft", author=w.member, title="مسودة جاري")
    login_as(w.author)
    page = text_of(client.get("/demands/mine"))
    assert "مسودتي الأولى" in page and "مسودة جاري" not in page
    assert f"/demands/{mine.id}" in page


# The journey: draft → co-author → submit → changes requested → resubmit → publish. ----------------

def _form(w, **fields):
    data = {**FIELDS, "council_id": str(w.council.id), **fields}
    data.pop("latitude"), data.pop("longitude")
    return data


def test_a_member_can_open_the_draft_form_and_others_cannot(client, login_as, w):
    assert client.get("/communities/midan/demands/new").status_code == 302  # sign in first
    login_as(w.outsider)
    assert client.get("/communities/midan/demands/new").status_code == 403
    login_as(w.author)
    page = text_of(client.get("/communities/midan/demands/new"))
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert "مجلس البلدة" in page  # only councils linked to the community are offered


def test_draft_form_errors_are_in_arabic_and_keep_what_was_typed(client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new",
                           data=_form(w, title="", summary="", place="ساحة الجامع", resolution="حل واضح"))
    page = text_of(response)
    assert response.status_code == 200
    assert "اكتب عنواناً للمطلب." in page and "اكتب ملخصاً قصيراً." in page
    assert 'value="ساحة الجامع"' in page and "حل واضح</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(db.func.count(Proposal.id))) == 0


def test_a_council_not_linked_to_the_community_is_refused(client, login_as, w):
    elsewhere = make_council(name="مجلس بعيد")
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", data=_form(w, council_id=str(elsewhere.id)))
    assert response.status_code == 200
    assert db.session.scalar(select(db.func.count(Proposal.id))) == 0


def test_drafting_saves_revision_one_and_shows_the_draft(client, login_as, w):
    login_as(w.author)
    response = client.post("/communities/midan/demands/new", data=_form(w))
    assert response.status_code == 303
    p = db.session.scalar(select(Proposal))
    assert response.headers["Location"] == f"/demands/{p.id}"
    assert (p.status, p.author_id, p.council_id, p.signature_goal) == ("draft", w.author.id, w.council.id, 50)
    assert [r.number for r in proposals.revisions(p)] == [1]
    page = text_of(client.get(f"/demands/{p.id}"))
    assert FIELDS["title"] in page and "تقديم إلى اللجنة" in page  # "Submit to the committee"


def test_editing_saves_a_revision_and_the_diff_shows_it(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.author)
    response = client.post(f"/demands/{p.id}/edit", data=_form(w, title="إصلاح سقف مدرسة البنين"))
    assert response.status_code == 303
    assert reload(p).title == "إصلاح سقف مدرسة البنين"
    assert [r.number for r in proposals.revisions(p)] == [3, 2, 1]
    history = text_of(client.get(f"/demands/{p.id}/revisions"))
    assert "diff?from=2&amp;to=3" in history
    page = text_of(client.get(f"/demands/{p.id}/diff?from=2&to=3"))
    assert "<del>البنات</del>" in page and "<ins>البنين</ins>" in page
    assert client.get(f"/demands/{p.id}/diff?from=1&to=99").status_code == 404


def test_an_unchanged_edit_saves_no_revision(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.author)
    data = _form(w, summary=reload(p).summary)
    assert client.post(f"/demands/{p.id}/edit", data=data).status_code == 303
    assert len(proposals.revisions(p)) == 2


def test_editing_is_for_authors_of_editable_demands(client, login_as, w):
    draft, published = demand(w, "draft"), demand(w, "open")
    login_as(w.committee)
    assert client.get(f"/demands/{draft.id}/edit").status_code == 403  # sees it, may not write it
    login_as(w.author)
    assert client.get(f"/demands/{published.id}/edit").status_code == 403
    assert client.post(f"/demands/{published.id}/edit", data=_form(w, title="عنوان مختلف")).status_code == 403
    assert reload(published).title == FIELDS["title"]


def test_inviting_a_coauthor_by_email_and_accepting(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.author)
    response = client.post(f"/demands/{p.id}/coauthors", data={"email": "RAMI@example.org"})
    assert response.status_code == 303
    assert [(c.user_id, c.status) for c in reload(p).coauthors] == [(w.coauthor.id, "invited")]
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == w.coauthor.id))
    assert note.event.verb == "proposal.coauthor_invited"

    login_as(w.coauthor)
    assert client.get(f"/demands/{p.id}/edit").status_code == 403  # not before accepting
    page = text_of(client.get(f"/demands/{p.id}"))  # the link of the notification
    assert f"/demands/{p.id}/coauthors/accept" in page and f"/demands/{p.id}/coauthors/decline" in page
    assert client.post(f"/demands/{p.id}/coauthors/accept").status_code == 303
    assert [c.status for c in reload(p).coauthors] == ["accepted"]
    edited = client.post(f"/demands/{p.id}/edit", data=_form(w, title="عنوان كتبه المؤلف المشارك"))
    assert edited.status_code == 303
    assert proposals.revisions(reload(p))[0].editor_id == w.coauthor.id
    assert "رامي" in text_of(client.get(f"/demands/{p.id}"))  # among the authors
    assert client.post(f"/demands/{p.id}/coauthors/accept").status_code == 403  # nothing left to answer


def test_declining_an_invitation(client, login_as, w):
    p = demand(w, "draft")
    proposals.invite_coauthor(w.author, p, w.coauthor)
    db.session.commit()
    login_as(w.coauthor)
    response = client.post(f"/demands/{p.id}/coauthors/decline")
    assert response.status_code == 303 and response.headers["Location"] == "/demands/mine"
    assert reload(p).coauthors == []
    assert client.get(f"/demands/{p.id}").status_code == 404
    declined = db.session.scalar(select(Notification).where(Notification.recipient_id == w.author.id)
                                 .join(Event).where(Event.verb == "proposal.coauthor_declined"))
    assert declined is not None


@pytest.mark.parametrize("email", ["nobody@example.org", "not an email", ""])
def test_inviting_an_unknown_address_says_so(client, login_as, w, email):
    p = demand(w, "draft")
    login_as(w.author)
    page = text_of(client.post(f"/demands/{p.id}/coauthors", data={"email": email}, follow_redirects=True))
    assert "لا يوجد عضو في هذا المجتمع المحلي يستخدم هذا البريد الإلكتروني." in page
    assert reload(p).coauthors == []


def test_inviting_someone_outside_the_community_reads_like_an_unknown_address(client, login_as, w):
    """The author must not learn whether an address has an account (SECURITY.md A.6)."""
    p = demand(w, "draft")
    login_as(w.author)
    unknown = client.post(f"/demands/{p.id}/coauthors", data={"email": "nobody@example.org"},
                          follow_redirects=True)
    outsider = client.post(f"/demands/{p.id}/coauthors", data={"email": w.outsider.email}, follow_redirects=True)
    assert outsider.status_code == unknown.status_code == 200
    assert "لا يوجد عضو في هذا المجتمع المحلي يستخدم هذا البريد الإلكتروني." in text_of(outsider)
    assert reload(p).coauthors == []


def test_inviting_twice_is_a_conflict_not_an_error(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.author)
    client.post(f"/demands/{p.id}/coauthors", data={"email": w.coauthor.email})
    assert client.post(f"/demands/{p.id}/coauthors", data={"email": w.coauthor.email}).status_code == 409
    assert len(reload(p).coauthors) == 1


def test_only_the_author_invites(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.committee)
    assert client.post(f"/demands/{p.id}/coauthors", data={"email": w.coauthor.email}).status_code == 403


def test_submit_request_changes_resubmit_publish(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.author)
    assert client.post(f"/demands/{p.id}/submit").status_code == 303
    assert reload(p).status == "in_review" and reload(p).submitted_at is not None
    assert db.session.scalar(select(Notification).where(Notification.recipient_id == w.committee.id))

    login_as(w.committee)
    queue = text_of(client.get("/communities/midan/review"))
    assert FIELDS["title"] in queue
    form = client.get(f"/demands/{p.id}/request-changes")
    assert form.status_code == 200 and 'name="reason"' in text_of(form)
    refused = client.post(f"/demands/{p.id}/request-changes", data={"reason": "   "})
    assert refused.status_code == 200 and "يُرجى ذكر السبب." in text_of(refused)
    assert reload(p).status == "in_review"
    asked = client.post(f"/demands/{p.id}/request-changes", data={"reason": "أضيفوا اسم المدرسة"})
    assert asked.status_code == 303
    assert reload(p).status == "changes_requested"
    event = db.session.scalar(select(Event).where(Event.verb == "proposal.request_changes"))
    assert (event.actor_id, event.data["reason"]) == (w.committee.id, "أضيفوا اسم المدرسة")
    told = db.session.scalar(select(Notification).where(Notification.recipient_id == w.author.id,
                                                        Notification.event_id == event.id))
    assert told is not None

    login_as(w.author)
    assert "أضيفوا اسم المدرسة" in text_of(client.get("/notifications"))
    edited = client.post(f"/demands/{p.id}/edit", data=_form(w, title="إصلاح سقف مدرسة البنات الثانوية"))
    assert edited.status_code == 303
    assert client.post(f"/demands/{p.id}/submit").status_code == 303
    assert reload(p).status == "in_review"

    login_as(w.committee)
    assert client.post(f"/demands/{p.id}/publish", data=publish_form(p)).status_code == 303
    published = reload(p)
    assert published.status == "open" and published.published_at is not None

    client.post("/logout")
    page = text_of(client.get(f"/demands/{p.id}"))
    assert "إصلاح سقف مدرسة البنات الثانوية" in page
    timeline = page.split('id="timeline-title"', 1)[1]
    assert timeline.count("<li>") >= 6  # drafted, edited ×2, attached, submitted ×2, changes, published
    assert "أضيفوا اسم المدرسة" in timeline


def test_reject_with_a_code_and_a_reason(client, login_as, w):
    p = demand(w, "in_review")
    login_as(w.committee)
    page = text_of(client.get(f"/demands/{p.id}/reject"))
    assert 'value="duplicate"' in page and 'value="wrong_council"' in page
    missing_code = client.post(f"/demands/{p.id}/reject", data={"reason": "مكرر"})
    assert missing_code.status_code == 200 and "اختر سبباً من القائمة." in text_of(missing_code)
    invented = client.post(f"/demands/{p.id}/reject", data={"code": "because", "reason": "مكرر"})
    assert invented.status_code == 200
    assert reload(p).status == "in_review"
    assert client.post(f"/demands/{p.id}/reject", data={"code": "duplicate", "reason": "مكرر"}).status_code == 303
    rejected = reload(p)
    assert (rejected.status, rejected.rejection_code) == ("rejected", "duplicate")
    event = db.session.scalar(select(Event).where(Event.verb == "proposal.reject"))
    assert event.data["code"] == "duplicate" and event.data["reason"] == "مكرر"
    assert db.session.scalar(select(Notification).where(Notification.recipient_id == w.author.id,
                                                        Notification.event_id == event.id))
    client.post("/logout")
    assert client.get(f"/demands/{p.id}").status_code == 404


def test_withdraw_with_a_reason(client, login_as, w):
    p = demand(w, "open")
    login_as(w.author)
    assert client.post(f"/demands/{p.id}/withdraw", data={"reason": ""}).status_code == 200
    assert reload(p).status == "open"
    assert client.post(f"/demands/{p.id}/withdraw", data={"reason": "حلّت البلدية المشكلة"}).status_code == 303
    assert reload(p).status == "withdrawn"
    assert db.session.scalar(select(Notification).where(Notification.recipient_id == w.committee.id))
    client.post("/logout")
    assert "حلّت البلدية المشكلة" in text_of(client.get(f"/demands/{p.id}"))


def test_merge_into_another_demand(client, login_as, w):
    kept = demand(w, "open", title="إنارة الشارع العام")
    duplicate = demand(w, "open", title="إنارة الطريق العام")
    login_as(w.committee)
    form = text_of(client.get(f"/demands/{duplicate.id}/merge"))
    assert f'value="{kept.id}"' in form and f'value="{duplicate.id}"' not in form
    private = demand(w, "in_review", title="مطلب قيد المراجعة")
    assert client.post(f"/demands/{duplicate.id}/merge",
                       data={"target": str(private.id), "reason": "مكرر"}).status_code == 200  # not a choice
    assert reload(duplicate).status == "open"
    response = client.post(f"/demands/{duplicate.id}/merge", data={"target": str(kept.id), "reason": "مكرر"})
    assert response.status_code == 303
    merged = reload(duplicate)
    assert (merged.status, merged.merged_into_id) == ("merged", kept.id)
    client.post("/logout")
    page = text_of(client.get(f"/demands/{duplicate.id}"))
    assert f'href="/demands/{kept.id}"' in page
    assert "إنارة الطريق العام" in text_of(client.get(f"/demands/{kept.id}"))  # "the duplicate … was merged"


def test_committee_sets_the_signature_goal(client, login_as, w):
    p = demand(w, "open")
    assert reload(p).signature_goal == 50
    login_as(w.author)
    assert client.post(f"/demands/{p.id}/goal", data={"goal": "10"}).status_code == 403
    login_as(w.committee)
    for bad in ("0", "-5", "abc", "1000001"):
        # Back to the demand with the reason; a number below zero is no count at all (the shared form base): 400.
        assert client.post(f"/demands/{p.id}/goal", data={"goal": bad}).status_code == (400 if bad == "-5" else 303)
        assert reload(p).signature_goal == 50
    assert client.post(f"/demands/{p.id}/goal", data={"goal": "120"}).status_code == 303
    assert reload(p).signature_goal == 120
    assert db.session.scalar(select(Event).where(Event.verb == "proposal.goal_changed")).data["after"] == 120


def test_a_new_demand_takes_the_community_goal(client, login_as, w):
    w.community.signature_goal = 80
    db.session.commit()
    login_as(w.author)
    client.post("/communities/midan/demands/new", data=_form(w))
    assert db.session.scalar(select(Proposal)).signature_goal == 80


# Illegal moves: 409 with a clear message for a role that could act in another state, 403 for a role that
# never can, 404 for people who cannot see the demand; never a 500. ------------------------------------

ACTION_FORMS = {
    "submit": {}, "publish": {}, "request_changes": {"reason": "سبب"},
    "reject": {"code": "other", "reason": "سبب"},
    "withdraw": {"reason": "سبب"}, "merge": {"reason": "سبب"},
}
ACTION_URLS = {"request_changes": "request-changes"}


def publish_form(p) -> dict:
    """The publish button's hidden fields, as the demand page gives them to a reviewer (the revision and the
    submission read)."""
    return {"revision": str(proposals.latest_revision_number(p)), "submitted": proposals.submission(reload(p))}


@pytest.mark.parametrize("status", ["draft", "in_review", "changes_requested", "rejected", "open", "withdrawn",
                                    "merged", "hidden", "unpublished_withdrawn"])
@pytest.mark.parametrize("role", ["author", "committee", "admin", "member"])
def test_every_move_by_every_role_in_every_state(client, login_as, w, status, role):
    kept = demand(w, "open", title="المطلب الباقي")
    for action, data in ACTION_FORMS.items():
        p = demand(w, status)
        if action == "merge":
            data = {**data, "target": str(kept.id)}
        if action == "publish":
            data = publish_form(p)
        login_as(getattr(w, role))
        roles = {"author": {"author"}, "committee": {"committee"}, "admin": {"committee"}, "member": set()}[role]
        visible = status in states.PUBLIC and (status != "withdrawn" or p.published_at) or roles
        move = states.TRANSITIONS[action]
        before = reload(p).status
        response = client.post(f"/demands/{p.id}/{ACTION_URLS.get(action, action)}", data=data)
        if not visible:
            expected = 404
        elif not roles & move.roles:
            expected = 403
        elif before not in move.sources:
            expected = 409
        else:
            expected = 303
        assert response.status_code == expected, (action, before)
        assert reload(p).status == (move.target if expected == 303 else before), action


def test_publishing_a_draft_is_a_clear_409(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.committee)
    response = client.post(f"/demands/{p.id}/publish", data=publish_form(p))
    assert response.status_code == 409
    assert "لا يمكن القيام بهذه الخطوة في الحالة الراهنة." in text_of(response)
    assert reload(p).status == "draft"


def test_a_second_click_on_publish_is_a_409(client, login_as, w):
    p = demand(w, "in_review")
    login_as(w.committee)
    form = publish_form(p)
    assert client.post(f"/demands/{p.id}/publish", data=form).status_code == 303
    again = client.post(f"/demands/{p.id}/publish", data=form)
    assert again.status_code == 409
    again_htmx = client.post(f"/demands/{p.id}/publish", data=form, headers={"HX-Request": "true"})
    assert again_htmx.status_code == 409 and "<html" not in text_of(again_htmx)


def test_the_reason_forms_of_an_impossible_move_are_409(client, login_as, w):
    p = demand(w, "open")
    login_as(w.committee)
    assert client.get(f"/demands/{p.id}/request-changes").status_code == 409
    assert client.get(f"/demands/{p.id}/reject").status_code == 409
    assert client.get(f"/demands/{p.id}/withdraw").status_code == 403  # only authors withdraw


def test_buttons_are_shown_only_for_possible_moves(client, login_as, w):
    p = demand(w, "in_review")
    login_as(w.committee)
    page = text_of(client.get(f"/demands/{p.id}"))
    assert f"/demands/{p.id}/publish" in page and f"/demands/{p.id}/request-changes" in page
    assert f"/demands/{p.id}/submit" not in page and f"/demands/{p.id}/edit" not in page
    login_as(w.author)
    page = text_of(client.get(f"/demands/{p.id}"))
    assert f"/demands/{p.id}/publish" not in page and f"/demands/{p.id}/withdraw" in page


# Markdown. ----------------------------------------------------------------------------------------

BODY = """# عنوان رئيسي

## Details

- first point
- second point

1. one
2. two

A [link](https://example.org/page) and <b>raw html</b> <script>alert(1)</script>
and [bad](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=) and <a href="https://evil">a</a>
"""


def _prose(page):
    return page.split('class="prose"', 1)[1].split("</div>", 1)[0]


def test_markdown_headings_lists_and_links_render(client, w):
    p = demand(w, "open", body=BODY)
    prose = _prose(text_of(client.get(f"/demands/{p.id}")))
    assert "<h1>عنوان رئيسي</h1>" in prose and "<h2>Details</h2>" in prose
    assert "<li>first point</li>" in prose and "<ol>" in prose and "<ul>" in prose
    link = re.search(r'<a [^>]*href="https://example.org/page"[^>]*>link</a>', prose)
    assert link and 'rel="nofollow noopener"' in link.group(0)


def test_markdown_escapes_raw_html_and_drops_script_links(client, w):
    p = demand(w, "open", body=BODY)
    prose = _prose(text_of(client.get(f"/demands/{p.id}")))
    assert "&lt;b&gt;raw html&lt;/b&gt;" in prose and "<b>" not in prose
    assert "<script" not in prose and "&lt;script&gt;" in prose
    hrefs = re.findall(r'<a [^>]*href="([^"]*)"', prose)
    assert hrefs == ["https://example.org/page"]
    assert "javascript:" not in " ".join(hrefs) and "data:" not in " ".join(hrefs)


def test_every_link_in_the_body_is_nofollow(client, w):
    p = demand(w, "open",
               body="[a](https://a.example) [b](http://b.example) <https://c.example> [m](mailto:x@y.org)")
    prose = _prose(text_of(client.get(f"/demands/{p.id}")))
    anchors = re.findall(r"<a [^>]*>", prose)
    assert len(anchors) == 4
    assert all('rel="nofollow noopener"' in a for a in anchors)


def test_summary_and_resolution_are_plain_text(client, w):
    p = demand(w, "open", summary="**not bold** <i>x</i>", resolution="# not a heading")
    page = text_of(client.get(f"/demands/{p.id}"))
    assert "**not bold** &lt;i&gt;x&lt;/i&gt;" in page and "# not a heading" in page


# Languages. ---------------------------------------------------------------------------------------

def _pages(w):
    draft, review, published = demand(w, "draft"), demand(w, "in_review"), demand(w, "open")
    return [
        ("/demands", None), ("/communities/midan/demands", None), (f"/demands/{published.id}", None),
        (f"/demands/{published.id}/revisions", None), (f"/demands/{published.id}/diff?from=1&to=2", None),
        ("/communities/midan/demands/new", "author"), (f"/demands/{draft.id}/edit", "author"),
        ("/demands/mine", "author"), (f"/demands/{draft.id}/withdraw", "author"),
        ("/communities/midan/review", "committee"), (f"/demands/{review.id}/request-changes", "committee"),
        (f"/demands/{review.id}/reject", "committee"), (f"/demands/{published.id}/merge", "committee"),
    ]


@pytest.mark.parametrize("locale, direction", [("ar", "rtl"), ("en", "ltr")])
def test_every_demand_page_renders_in_both_languages(client, login_as, w, locale, direction):
    for user in (w.author, w.committee):
        user.locale = locale
    db.session.commit()
    for url, who in _pages(w):
        if who:
            login_as(getattr(w, who))
        else:
            client.post("/logout")
        response = client.get(url, headers={"Accept-Language": locale})
        assert response.status_code == 200, url
        assert f'<html lang="{locale}" dir="{direction}">' in text_of(response), url


def test_english_pages_speak_english(client, login_as, w):
    w.author.locale = "en"
    db.session.commit()
    p = demand(w, "draft")
    login_as(w.author)
    page = text_of(client.get(f"/demands/{p.id}"))
    assert "Submit to the committee" in page and "Timeline" in page
    assert "Draft a new demand" in text_of(client.get("/communities/midan/demands/new"))


def test_arabic_pages_speak_arabic(client, login_as, w):
    p = demand(w, "draft")
    login_as(w.author)
    page = text_of(client.get(f"/demands/{p.id}"))
    assert "تقديم إلى اللجنة" in page and "السجل الزمني" in page
    assert "صياغة مطلب جديد" in text_of(client.get("/communities/midan/demands/new"))
    assert "المطالب" in text_of(client.get("/demands"))


# htmx. --------------------------------------------------------------------------------------------

def test_similar_demands_is_a_fragment(client, w):
    demand(w, "open", title="إصلاح إنارة الشارع العام")
    response = client.get("/communities/midan/demands/similar?title=اصلاح انارة الشارع")
    page = text_of(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="similar-demands"') and "<html" not in page
    assert "إصلاح إنارة الشارع العام" in page


def test_similar_demands_ignores_short_or_unrelated_titles(client, w):
    demand(w, "open", title="إصلاح إنارة الشارع العام")
    for title in ("", "ا", "مدرسة البنات الابتدائية"):
        page = text_of(client.get("/communities/midan/demands/similar", query_string={"title": title}))
        assert "إصلاح إنارة الشارع العام" not in page


def test_similar_demands_excludes_the_demand_being_edited(client, w):
    p = demand(w, "open", title="إصلاح إنارة الشارع العام")
    page = text_of(client.get("/communities/midan/demands/similar",
                              query_string={"title": p.title, "exclude": str(p.id)}))
    assert p.title not in page


def test_similar_demands_of_an_unknown_community_is_404(client):
    assert client.get("/communities/nowhere/demands/similar?title=abc").status_code == 404


@pytest.mark.parametrize("url", ["/demands", "/communities/midan/demands", "/demands?sort=signatures&page=1"])
def test_lists_answer_htmx_with_the_list_fragment(client, w, url):
    demand(w, "open", title="مطلب في القائمة")
    full = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert "<html" in text_of(full) and 'id="demand-list"' in text_of(full)
    body = text_of(fragment)
    assert body.lstrip().startswith('<div id="demand-list">') and "<html" not in body
    assert "مطلب في القائمة" in body
    assert "HX-Request" in fragment.vary and "HX-Request" in full.vary


def test_the_draft_form_asks_for_similar_demands_while_typing(client, login_as, w):
    login_as(w.author)
    page = text_of(client.get("/communities/midan/demands/new"))
    assert 'hx-get="/communities/midan/demands/similar"' in page and 'id="similar-demands"' in page


def test_typing_a_known_title_without_javascript_shows_similar_demands(client, login_as, w):
    existing = demand(w, "open", title="إصلاح إنارة الشارع العام")
    login_as(w.member)
    page = text_of(client.post("/communities/midan/demands/new",
                               data=_form(w, title="اصلاح انارة الشارع العام", summary="")))
    assert f'href="/demands/{existing.id}"' in page


def test_revisions_page_names_who_edited(client, w):
    p = demand(w, "open")
    revisions = db.session.scalars(select(Revision).where(Revision.proposal_id == p.id))
    editors = {r.number: r.editor_id for r in revisions}
    assert editors == {1: w.author.id, 2: w.author.id}
    assert "سلمى" in text_of(client.get(f"/demands/{p.id}/revisions"))
