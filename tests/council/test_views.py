"""The council's side through the web: its inbox (own letters only, newest first, days left or overdue, filters,
pages), the letter page with the demand's figures and the answer forms (responders only: viewers read, others get a
404), acknowledging, answering (errors in the reader's language keep what was typed; photos published on the demand's
page and served sandboxed), reporting progress, the residents' "is it really fixed?" check, the committee's reopen,
official entries on the demand's timeline, the public accountability pages in Arabic and English, the council's
calendar settings, and the menu's inbox link."""
import io
import re
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from sqlalchemy import func, select

from civicvoice.communities.models import Council
from civicvoice.council import answer_views, responses
from civicvoice.council.models import CouncilResponse, ResolutionCheck, ResponsePhoto
from civicvoice.database import utcnow
from civicvoice.deliberation import services as deliberation
from civicvoice.extensions import db
from civicvoice.letters.deadlines import today as council_today
from civicvoice.letters.models import Letter
from civicvoice.voting import services as voting
from tests.factories import (
    advance_proposal,
    committee_member,
    make_admin,
    make_committee,
    make_community,
    make_council,
    make_member,
    make_paper_batch,
    make_proposal,
    make_sent_letter,
    make_signature,
    make_staff,
    make_user,
    make_vote,
)
from tests.pages import flashes, plain, text_of

EN = {"Accept-Language": "en"}


@pytest.fixture
def w(app):
    """The "Town Council" (30 calendar days to answer) linked to `midan` and `souk`; its responder and viewer, the
    responder of another council, the chair of `midan`'s committee, a co-signer and a plain resident of `midan`. All
    read English but the Arabic responder."""
    midan = make_community(name="Midan", slug="midan")
    souk = make_community(name="Souk", slug="souk")
    council = make_council("Town Council", contact_email="council@example.org", response_days=30)
    other_council = make_council("Other Council", contact_email="other@example.org")
    chair = make_committee(midan, make_user(name="Chair Person", locale="en"))
    return SimpleNamespace(
        midan=midan, souk=souk, council=council, other_council=other_council, chair=chair,
        responder=make_staff(council, make_user(name="Council Clerk", locale="en"), role="responder"),
        arabic_responder=make_staff(council, make_user(name="موظف المجلس", locale="ar"), role="responder"),
        viewer=make_staff(council, make_user(name="Council Viewer", locale="en"), role="viewer"),
        outsider=make_staff(other_council, make_user(name="Other Clerk", locale="en"), role="responder"),
        signer=make_member(midan, make_user(name="Co Signer", locale="en")),
        resident=make_member(midan, make_user(name="Plain Resident", locale="en")),
    )


def sent(w, title, *, community=None, council=None, category="facility_repair", sent_days_ago=1, due_in=29,
         signer=True):
    """A letter of an adopted demand (co-signed by w.signer unless signer=False) delivered by hand `sent_days_ago`
    days ago, due in `due_in` days (negative: overdue)."""
    community = community or w.midan
    proposal = make_proposal(community, status="open", council=council or w.council, title=title, category=category)
    if signer:
        make_signature(proposal, w.signer)
    advance_proposal(proposal, "open_vote", actor=committee_member(community))
    advance_proposal(proposal, "adopt", actor=committee_member(community))
    letter = make_sent_letter(proposal, method="hand")
    letter.sent_at = utcnow() - timedelta(days=sent_days_ago)
    letter.response_due_on = council_today(letter.council) + timedelta(days=due_in)
    db.session.commit()
    return letter


def inbox_titles(html: str) -> list[str]:
    block = re.search(r'<ol class="list inbox">(.*?)</ol>', html, re.S)
    return [unescape(title) for title in re.findall(r'/letters/\d+"><bdi>([^<]*)</bdi>', block.group(1))] if block else []


def jpeg(color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "JPEG")
    return out.getvalue()


def arabic(message: str) -> str:
    """The Arabic of a message of the catalogue (which must have one)."""
    with force_locale("ar"):
        translated = gettext(message)
    assert translated != message, f"{message!r} is not translated"
    return translated


def letter_url(letter, action="") -> str:
    return f"/councils/{letter.council_id}/letters/{letter.id}" + (f"/{action}" if action else "")


def reload(letter) -> Letter:
    db.session.expire_all()
    return db.session.get(Letter, letter.id)


# The inbox ---------------------------------------------------------------------------------------

@pytest.fixture
def inbox(w):
    """Three letters to the council and one to another council: `overdue` (midan, repair, sent 40 days ago, 10 days
    overdue), `fresh` (souk, water, sent 5 days ago, 25 days left) and `seen` (midan, education, sent 2 days ago,
    acknowledged)."""
    letters = SimpleNamespace(
        overdue=sent(w, "Fix the school roof", sent_days_ago=40, due_in=-10),
        fresh=sent(w, "Clean water for the souk", community=w.souk, category="water_sanitation", sent_days_ago=5,
                   due_in=25, signer=False),
        seen=sent(w, "Books for the library", category="education", sent_days_ago=2, due_in=28),
        elsewhere=sent(w, "Another council's letter", council=w.other_council, signer=False),
    )
    responses.acknowledge(w.responder, letters.seen)
    db.session.commit()
    return letters


def test_inbox_lists_only_the_councils_letters_newest_first_with_the_deadline(client, login_as, w, inbox):
    login_as(w.responder)
    response = client.get(f"/councils/{w.council.id}/inbox")
    assert response.status_code == 200
    html = text_of(response)
    assert inbox_titles(html) == ["Books for the library", "Clean water for the souk", "Fix the school roof"]
    assert "Another council" not in html
    assert "3 letters" in plain(html)
    assert "10 days overdue" in plain(html) and "25 days left" in plain(html) and "28 days left" in plain(html)


def test_the_demand_page_shows_anyone_how_overdue_the_councils_answer_is(client, login_as, w, inbox):
    login_as(w.resident)
    page = plain(text_of(client.get(f"/demands/{inbox.overdue.proposal_id}")))
    assert "10 days overdue" in page
    assert "overdue" not in plain(text_of(client.get(f"/demands/{inbox.fresh.proposal_id}")))
    answered = inbox.overdue
    responses.answer(w.responder, answered, "accepted", body="We will")
    db.session.commit()
    assert "overdue" not in plain(text_of(client.get(f"/demands/{answered.proposal_id}")))


def test_the_demand_page_leads_the_councils_staff_to_the_letter_in_their_inbox(client, login_as, w, inbox):
    link = f'href="{letter_url(inbox.overdue)}"'
    login_as(w.viewer)
    assert link in text_of(client.get(f"/demands/{inbox.overdue.proposal_id}"))
    for other in (w.outsider, w.resident):
        login_as(other)
        assert link not in text_of(client.get(f"/demands/{inbox.overdue.proposal_id}"))


def test_the_menu_link_leads_staff_to_their_own_inbox(client, login_as, w, inbox):
    login_as(w.viewer)
    response = client.get("/council/inbox")
    assert response.status_code == 303 and response.headers["Location"] == f"/councils/{w.council.id}/inbox"
    login_as(w.outsider)
    response = client.get("/council/inbox")
    assert response.headers["Location"] == f"/councils/{w.other_council.id}/inbox"
    assert inbox_titles(text_of(client.get(response.headers["Location"]))) == ["Another council's letter"]
    login_as(w.resident)
    assert client.get("/council/inbox").status_code == 404


@pytest.mark.parametrize("query, expected", [
    ("community={souk}", ["Clean water for the souk"]),
    ("community={midan}", ["Books for the library", "Fix the school roof"]),
    ("category=water_sanitation", ["Clean water for the souk"]),
    ("category=education", ["Books for the library"]),
    ("status=overdue", ["Fix the school roof"]),
    ("status=acknowledged", ["Books for the library"]),
    ("status=submitted", ["Clean water for the souk", "Fix the school roof"]),
    ("community={midan}&status=submitted", ["Fix the school roof"]),
    ("category=nonsense&status=nonsense", ["Books for the library", "Clean water for the souk",
                                           "Fix the school roof"]),
])
def test_inbox_filters(client, login_as, w, inbox, query, expected):
    login_as(w.viewer)
    url = f"/councils/{w.council.id}/inbox?" + query.format(souk=w.souk.id, midan=w.midan.id)
    response = client.get(url)
    assert response.status_code == 200
    assert inbox_titles(text_of(response)) == expected


def test_inbox_filter_keeps_the_choice_selected(client, login_as, w, inbox):
    login_as(w.viewer)
    html = text_of(client.get(f"/councils/{w.council.id}/inbox?community={w.souk.id}&status=overdue"))
    assert re.search(rf'<option value="{w.souk.id}" selected>Souk</option>', html)
    assert '<option value="overdue" selected>' in html
    assert inbox_titles(html) == []
    assert "No letter matches." in html


def test_inbox_pages(client, login_as, w, inbox, monkeypatch):
    monkeypatch.setattr(answer_views, "INBOX_PAGE", 2)
    login_as(w.responder)
    first = text_of(client.get(f"/councils/{w.council.id}/inbox"))
    assert inbox_titles(first) == ["Books for the library", "Clean water for the souk"]
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    assert "page=2" in next_link
    second = text_of(client.get(unescape(next_link)))
    assert inbox_titles(second) == ["Fix the school roof"]
    assert "Page 2 of 2" in second
    filtered = text_of(client.get(f"/councils/{w.council.id}/inbox?community={w.midan.id}&page=2"))
    assert inbox_titles(filtered) == []  # two midan letters fit on page 1
    assert inbox_titles(text_of(client.get(f"/councils/{w.council.id}/inbox?page=99"))) == []


def test_another_councils_staff_and_residents_get_404(client, login_as, w, inbox):
    for user in (w.outsider, w.resident, w.chair, w.signer):
        login_as(user)
        assert client.get(f"/councils/{w.council.id}/inbox").status_code == 404
        assert client.get(letter_url(inbox.overdue)).status_code == 404
    login_as(w.outsider)  # their own council's address does not reach another council's letter either
    assert client.get(f"/councils/{w.other_council.id}/letters/{inbox.overdue.id}").status_code == 404
    assert client.post(f"/councils/{w.other_council.id}/letters/{inbox.overdue.id}/acknowledge").status_code == 404
    assert client.post(letter_url(inbox.overdue, "acknowledge")).status_code == 404
    assert reload(inbox.overdue).acknowledged_at is None


def test_anonymous_is_sent_to_sign_in(client, w, inbox):
    for url in (f"/councils/{w.council.id}/inbox", letter_url(inbox.overdue), "/council/inbox"):
        response = client.get(url)
        assert response.status_code in (302, 303)
        assert "/login" in response.headers["Location"]
    response = client.post(letter_url(inbox.overdue, "acknowledge"))
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert reload(inbox.overdue).acknowledged_at is None


# The letter page -------------------------------------------------------------------------------

def test_viewer_reads_the_letter_but_gets_no_form_and_403_on_post(client, login_as, w, inbox):
    login_as(w.viewer)
    response = client.get(letter_url(inbox.overdue))
    assert response.status_code == 200
    html = text_of(response)
    assert "Fix the school roof" in html and "10 days overdue" in plain(html)
    assert '<form method="post" action="/councils' not in html
    for action in ("acknowledge", "answer", "progress"):
        assert f'{letter_url(inbox.overdue, action)}"' not in html
        assert client.post(letter_url(inbox.overdue, action), data={
            "decision": "accepted", "stage": "in_progress", "body": "x"}).status_code == 403
    assert reload(inbox.overdue).acknowledged_at is None


def test_responder_sees_the_forms_the_state_allows(client, login_as, w, inbox):
    login_as(w.responder)
    html = text_of(client.get(letter_url(inbox.overdue)))
    assert f'action="{letter_url(inbox.overdue, "acknowledge")}"' in html
    assert f'action="{letter_url(inbox.overdue, "answer")}"' in html
    assert f'action="{letter_url(inbox.overdue, "progress")}"' not in html  # not accepted yet
    html = text_of(client.get(letter_url(inbox.seen)))
    assert f'action="{letter_url(inbox.seen, "acknowledge")}"' not in html  # already acknowledged
    assert f'action="{letter_url(inbox.seen, "answer")}"' in html


def test_the_letter_page_shows_signatures_arguments_and_the_vote(client, login_as, w):
    demand = make_proposal(w.midan, status="open", council=w.council, title="Light the main street")
    voters = [make_member(w.midan, make_user(locale="en")) for _ in range(3)]
    for voter in voters[:2]:
        make_signature(demand, voter)
    make_paper_batch(demand, rows=(("Salma", "Mosque lane", ""),), actor=w.chair)
    deliberation.post(voters[0], demand, "for", "The street is dark.")
    deliberation.post(voters[1], demand, "for", "Children walk there at night.")
    deliberation.post(voters[2], demand, "against", "It costs too much.")
    deliberation.post(voters[2], demand, "question", "Who pays for the bulbs?")
    db.session.commit()
    poll = make_vote(demand, quorum_percent=0)
    voting.cast(voters[0], poll, "yes")
    voting.cast(voters[1], poll, "yes")
    voting.cast(voters[2], poll, "no")
    voting.close(w.chair, poll, "The meeting decided.")
    db.session.commit()
    assert demand.status == "adopted"
    letter = make_sent_letter(demand, method="hand")
    login_as(w.viewer)
    text = plain(text_of(client.get(letter_url(letter))))
    db.session.refresh(demand)
    total, online = demand.signature_count, demand.online_count
    assert (total, online) == (3, 2)
    assert "3 in all: 2 online, 1 on paper" in text
    assert "2 for, 1 against, 1 questions" in text
    db.session.refresh(poll)
    assert f"2 yes, 1 no, 0 abstentions (turnout {poll.turnout} of {poll.electorate})" in text


# Acknowledging and answering ------------------------------------------------------------------------

def test_responder_acknowledges(client, login_as, w, inbox):
    login_as(w.responder)
    response = client.post(letter_url(inbox.overdue, "acknowledge"), data={
        "registry_number": "IN-2026/55", "body": "We received your letter.", "language": "en"})
    assert flashes(client, response) == ["Receipt acknowledged. The residents are told."]
    letter = reload(inbox.overdue)
    assert letter.proposal.status == "acknowledged"
    assert letter.acknowledged_at is not None and letter.registry_number == "IN-2026/55"
    page = plain(text_of(client.get(f"/demands/{letter.proposal_id}")))
    assert "Receipt acknowledged" in page and "registry number IN-2026/55" in page
    assert "We received your letter." in page
    assert client.post(letter_url(letter, "acknowledge"), data={"language": "en"}).status_code == 403  # once


def test_a_decline_without_a_reason_is_refused_in_arabic_keeping_what_was_typed(client, login_as, w, inbox):
    login_as(w.arabic_responder)
    response = client.post(letter_url(inbox.overdue, "answer"), data={
        "decision": "declined", "body": "", "referred_to": "مديرية التربية", "language": "ar"},
        content_type="multipart/form-data")
    assert response.status_code == 400
    html = text_of(response)
    assert 'dir="rtl"' in html
    assert arabic("Give the reason for declining: residents read it.") in unescape(html)
    assert 'value="مديرية التربية"' in html
    assert re.search(r'<input[^>]*value="declined"[^>]*checked|<input[^>]*checked[^>]*value="declined"', html)
    letter = reload(inbox.overdue)
    assert letter.proposal.status == "submitted" and letter.answered_at is None
    assert db.session.scalar(select(func.count(CouncilResponse.id))
                             .where(CouncilResponse.letter_id == letter.id)) == 0


def test_a_referral_without_the_body_referred_to_is_refused_in_arabic_keeping_what_was_typed(client, login_as, w,
                                                                                                 inbox):
    login_as(w.arabic_responder)
    typed = "أحلنا الطلب إلى الجهة المختصة."
    response = client.post(letter_url(inbox.overdue, "answer"), data={
        "decision": "referred", "body": typed, "referred_to": "", "language": "ar"},
        content_type="multipart/form-data")
    assert response.status_code == 400
    html = unescape(text_of(response))
    assert arabic("Name the body the demand was referred to.") in html
    assert re.search(r"<textarea[^>]*>\s*" + re.escape(typed) + r"\s*</textarea>", html)
    assert reload(inbox.overdue).answered_at is None


def test_an_answer_with_two_photos_is_published_on_the_demand_page(client, login_as, w, inbox):
    login_as(w.responder)
    response = client.post(letter_url(inbox.overdue, "answer"), data={
        "decision": "accepted", "body": "We will repair the roof this summer.", "referred_to": "", "language": "en",
        "photos": [(io.BytesIO(jpeg()), "roof.jpg"), (io.BytesIO(jpeg((200, 10, 10))), "plan.jpg")]},
        content_type="multipart/form-data")
    assert flashes(client, response) == ["The answer is published on the demand's page. The residents are told."]
    letter = reload(inbox.overdue)
    assert letter.answer_decision == "accepted" and letter.answered_at is not None
    assert letter.proposal.status == "acknowledged"  # answering acknowledged it first
    client.post("/logout")
    page = text_of(client.get(f"/demands/{letter.proposal_id}", headers=EN))
    photos = re.findall(rf'<img src="(/demands/{letter.proposal_id}/council-photos/\d+)"', page)
    assert len(photos) == 2
    assert "We will repair the roof this summer." in page and "Decision: Accepted" in plain(page)
    for url in photos:
        with client.get(url) as photo:
            assert photo.status_code == 200
            assert photo.mimetype == "image/jpeg"
            assert "sandbox" in photo.headers["Content-Security-Policy"]
            assert Image.open(io.BytesIO(photo.data)).format == "JPEG"
    other = sent(w, "Another demand", signer=False)
    photo_id = photos[0].rsplit("/", 1)[1]
    assert client.get(f"/demands/{other.proposal_id}/council-photos/{photo_id}").status_code == 404


def test_a_photo_that_is_not_an_image_is_refused(client, login_as, w, inbox):
    login_as(w.responder)
    response = client.post(letter_url(inbox.overdue, "answer"), data={
        "decision": "accepted", "body": "Yes.", "language": "en",
        "photos": [(io.BytesIO(b"%PDF-1.4 not a photo"), "scan.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Only photos (JPEG or PNG) can be attached here." in text_of(response)
    assert reload(inbox.overdue).answered_at is None
    assert db.session.scalar(select(func.count(ResponsePhoto.id))) == 0


# Progress, the residents' check, reopening ------------------------------------------------------------

def accepted(client, w, letter):
    response = client.post(letter_url(letter, "answer"), data={
        "decision": "accepted", "body": "We will do it.", "language": "en"}, content_type="multipart/form-data")
    assert flashes(client, response) == ["The answer is published on the demand's page. The residents are told."]


def resolve(client, login_as, w, letter):
    login_as(w.responder)
    accepted(client, w, letter)
    response = client.post(letter_url(letter, "progress"), data={
        "stage": "resolved", "body": "The roof is repaired.", "language": "en"}, content_type="multipart/form-data")
    assert flashes(client, response) == ["The update is published on the demand's page. The residents are told."]
    assert reload(letter).proposal.status == "resolved"


def test_progress_scheduled_without_a_date_is_refused(client, login_as, w, inbox):
    login_as(w.responder)
    accepted(client, w, inbox.overdue)
    response = client.post(letter_url(inbox.overdue, "progress"), data={
        "stage": "scheduled", "scheduled_for": "", "body": "Work starts soon.", "language": "en"},
        content_type="multipart/form-data")
    assert response.status_code == 400
    html = text_of(response)
    assert "Enter the date the work is scheduled for." in html
    assert "Work starts soon." in html
    assert reload(inbox.overdue).proposal.status == "acknowledged"
    day = date.today() + timedelta(days=12)
    response = client.post(letter_url(inbox.overdue, "progress"), data={
        "stage": "scheduled", "scheduled_for": day.isoformat(), "body": "Work starts soon.", "language": "en"},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert reload(inbox.overdue).proposal.status == "in_progress"


def test_resolved_asks_signers_is_it_really_fixed(client, login_as, w, inbox):
    resolve(client, login_as, w, inbox.overdue)
    demand_id = inbox.overdue.proposal_id
    login_as(w.signer)
    page = text_of(client.get(f"/demands/{demand_id}"))
    assert "Is it really fixed?" in page
    assert f'href="/demands/{demand_id}/is-it-fixed"' in page
    form = text_of(client.get(f"/demands/{demand_id}/is-it-fixed"))
    assert 'name="verdict"' in form and 'value="contest"' in form and "The roof is repaired." in form
    response = client.post(f"/demands/{demand_id}/is-it-fixed", data={"verdict": "contest", "comment": ""},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Say what is still wrong." in text_of(response)
    assert db.session.scalar(select(func.count(ResolutionCheck.id))) == 0
    response = client.post(f"/demands/{demand_id}/is-it-fixed", data={
        "verdict": "contest", "comment": "It still leaks.", "photo": (io.BytesIO(jpeg()), "leak.jpg")},
        content_type="multipart/form-data")
    assert flashes(client, response) == [
        "Thank you: your answer is counted, and the council will see what you wrote."]
    check = db.session.scalars(select(ResolutionCheck)).one()
    assert (check.user_id, check.verdict, check.comment) == (w.signer.id, "contest", "It still leaks.")
    assert check.photo_key
    assert "Your answer: not fixed." in plain(text_of(client.get(f"/demands/{demand_id}")))
    # The contesting photo is for the committee and the council's staff.
    photo_url = f"/demands/{demand_id}/checks/{check.id}/photo"
    assert client.get(photo_url).status_code == 404
    login_as(w.viewer)
    with client.get(photo_url) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert "sandbox" in photo.headers["Content-Security-Policy"]
    assert "1 say it is not" in plain(text_of(client.get(letter_url(inbox.overdue))))


def test_a_non_signer_cannot_answer_the_check(client, login_as, w, inbox):
    resolve(client, login_as, w, inbox.overdue)
    demand_id = inbox.overdue.proposal_id
    for user in (w.resident, w.responder):
        login_as(user)
        page = text_of(client.get(f"/demands/{demand_id}"))
        assert "Is it really fixed?" in page and f"/demands/{demand_id}/is-it-fixed" not in page
        assert client.get(f"/demands/{demand_id}/is-it-fixed").status_code == 403
        response = client.post(f"/demands/{demand_id}/is-it-fixed", data={"verdict": "confirm"},
                               content_type="multipart/form-data")
        assert response.status_code == 403
    assert db.session.scalar(select(func.count(ResolutionCheck.id))) == 0


def test_the_committee_reopens_with_a_reason(client, login_as, w, inbox):
    resolve(client, login_as, w, inbox.overdue)
    demand_id = inbox.overdue.proposal_id
    for user in (w.signer, w.responder, w.resident):
        login_as(user)
        assert client.get(f"/demands/{demand_id}/reopen").status_code == 403
        assert client.post(f"/demands/{demand_id}/reopen", data={"reason": "No."}).status_code == 403
    login_as(w.chair)
    page = text_of(client.get(f"/demands/{demand_id}"))
    assert f'href="/demands/{demand_id}/reopen"' in page
    assert client.get(f"/demands/{demand_id}/reopen").status_code == 200
    assert client.post(f"/demands/{demand_id}/reopen", data={"reason": ""}).status_code == 400
    assert reload(inbox.overdue).proposal.status == "resolved"
    response = client.post(f"/demands/{demand_id}/reopen", data={"reason": "The roof still leaks."})
    assert flashes(client, response) == ["The demand is back in progress; the council and the residents are told."]
    assert reload(inbox.overdue).proposal.status == "in_progress"
    assert "The roof still leaks." in text_of(client.get(f"/demands/{demand_id}"))


def test_the_timeline_marks_the_councils_entries_official(client, login_as, w, inbox):
    login_as(w.responder)
    response = client.post(letter_url(inbox.overdue, "acknowledge"), data={"language": "en"})
    assert flashes(client, response) == ["Receipt acknowledged. The residents are told."]
    accepted(client, w, inbox.overdue)
    client.post("/logout")
    html = text_of(client.get(f"/demands/{inbox.overdue.proposal_id}", headers=EN))
    timeline = re.search(r'<ol class="list timeline">(.*?)</ol>', html, re.S).group(1)
    entries = re.findall(r"<li( class=\"official\")?>(.*?)</li>", timeline, re.S)
    official = [plain(body) for marked, body in entries if marked]
    others = [plain(body) for marked, body in entries if not marked]
    assert len(official) == 2 and others  # acknowledged and answered; the residents' own steps are not official
    assert all("Official" in entry for entry in official)
    assert not any("Official" in entry for entry in others)
    assert 'class="card official"' in html  # the answers' box


# Accountability ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/councils/{council}/accountability", "/communities/midan/accountability"])
def test_accountability_pages_in_arabic(client, w, inbox, url):
    responses.answer(w.responder, inbox.seen, "declined", body="No budget.")
    db.session.commit()
    response = client.get(url.format(council=w.council.id))
    assert response.status_code == 200
    html = text_of(response)
    assert 'lang="ar" dir="rtl"' in html
    assert html.count("<svg") == 2
    figures = dict(re.findall(r"<div><dt>([^<]*)</dt><dd>([^<]*)</dd></div>", html))
    assert arabic("Letters received" if "councils" in url else "Letters sent") in figures
    # received (the council: midan's two and the souk's; midan: its two to the council and one to another council),
    # acknowledged, answered (declined), resolved, declined, overdue
    assert list(figures.values())[:6] == ["٣", "١", "١", "٠", "١", "١"]
    assert not re.search(r"<dd>[0-9]", html)  # no Latin digits in the figures
    overdue = re.search(r'<h2 id="overdue-title">.*?</section>', html, re.S).group(0)
    assert "Fix the school roof" in overdue and "١٠" in overdue
    assert "Books for the library" not in overdue


@pytest.mark.parametrize("url", ["/councils/{council}/accountability", "/communities/midan/accountability"])
def test_accountability_pages_in_english(client, w, inbox, url):
    response = client.get(url.format(council=w.council.id), headers=EN)
    assert response.status_code == 200
    html = text_of(response)
    assert 'lang="en" dir="ltr"' in html
    assert html.count("<svg") == 2
    text = plain(html)
    assert ("Letters received 3" if "councils" in url else "Letters sent 3") in text
    assert "Acknowledged 1" in text and "Overdue, no answer 1" in text
    assert "Fix the school roof" in text and "10 days overdue" in text
    assert "Median days to acknowledge" in text


def test_accountability_of_a_council_without_letters(client, w):
    html = text_of(client.get(f"/councils/{w.other_council.id}/accountability", headers=EN))
    assert "Letters received 0" in plain(html) and "No letter is overdue." in html
    assert html.count("<svg") == 2
    assert client.get("/councils/999999/accountability").status_code == 404
    assert client.get("/communities/nowhere/accountability").status_code == 404


def test_language_switch_applies_to_accountability(client, w, inbox):
    client.post("/language", data={"locale": "en", "next": "/"})
    assert 'dir="ltr"' in text_of(client.get(f"/councils/{w.council.id}/accountability"))
    client.post("/language", data={"locale": "ar", "next": "/"})
    assert 'dir="rtl"' in text_of(client.get(f"/councils/{w.council.id}/accountability"))


# The council's calendar and the menu ------------------------------------------------------------------

def checked_days(html: str) -> set[str]:
    return {value for tag in re.findall(r'<input[^>]*name="weekend"[^>]*>', html) if "checked" in tag
            for value in re.findall(r'value="(\d)"', tag)}


def test_council_form_shows_the_weekend_it_has(client, login_as, w):
    """The stored weekend is checked on the form, so that saving it unchanged keeps it."""
    login_as(make_admin(locale="en"))
    assert checked_days(text_of(client.get(f"/councils/{w.council.id}/edit"))) == {"4", "5"}  # Friday, Saturday


def test_council_form_saves_the_calendar(client, login_as, w):
    login_as(make_admin(locale="en"))
    form = {"name": "Town Council", "jurisdiction": "", "contact_email": "council@example.org",
            "postal_address": "", "response_days": "20", "timezone": "Asia/Beirut", "working_days": "y",
            "weekend": ["5", "6"]}
    assert client.post(f"/councils/{w.council.id}/edit", data=form).status_code == 303
    council = db.session.get(Council, w.council.id)
    assert (council.timezone, council.working_days, council.weekend_days, council.response_days) == (
        "Asia/Beirut", True, frozenset({5, 6}), 20)
    page = text_of(client.get(f"/councils/{w.council.id}/edit"))
    assert checked_days(page) == {"5", "6"}
    assert "checked" in re.search(r'<input[^>]*name="working_days"[^>]*>', page).group(0)
    assert "20 working days" in plain(text_of(client.get(f"/councils/{w.council.id}")))
    form.pop("working_days")
    assert client.post(f"/councils/{w.council.id}/edit", data=form).status_code == 303
    assert db.session.get(Council, w.council.id).working_days is False


def test_council_form_refuses_seven_weekend_days(client, login_as, w):
    login_as(make_admin(locale="en"))
    response = client.post(f"/councils/{w.council.id}/edit", data={
        "name": "Town Council", "response_days": "30", "timezone": "Asia/Damascus", "working_days": "y",
        "weekend": [str(day) for day in range(7)]})
    assert response.status_code != 303
    assert "Leave at least one working day." in text_of(response)
    council = db.session.get(Council, w.council.id)
    assert (council.weekend_days, council.working_days) == (frozenset({4, 5}), False)


def test_the_menu_shows_the_council_inbox_only_to_council_staff(client, login_as, w):
    link = '<a href="/council/inbox">Council inbox</a>'
    for user in (w.responder, w.viewer, w.outsider):
        login_as(user)
        assert link in text_of(client.get("/"))
    for user in (w.resident, w.chair, make_admin(locale="en")):
        login_as(user)
        assert link not in text_of(client.get("/"))
    client.post("/logout")
    assert "/council/inbox" not in text_of(client.get("/", headers=EN))
