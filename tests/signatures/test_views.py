"""Signing through the web: one click for members (a normal form without JavaScript, a fragment with htmx),
register-and-sign for visitors, pending until the emailed link, already-signed never an error, withdraw,
void, paper batches with their scan, the public count, caching and the paginated signer list."""
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, inspect, select

from civicvoice.accounts import tokens
from civicvoice.accounts.models import User
from civicvoice.activity.models import Event, Notification
from civicvoice.extensions import db
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import services
from civicvoice.signatures.models import PaperBatch, Signature
from tests.factories import (committee_member, make_admin, make_centre, make_community, make_member,
                             make_paper_batch, make_proposal, make_signature, make_user, scan_png)

HX = {"HX-Request": "true"}
NEW_PASSWORD = "a long and memorable sentence"


@pytest.fixture
def demand(app):
    """An open demand of an open community (with a centre)."""
    community = make_community(is_open=True)
    make_centre(community, name="منارة الحي")
    return make_proposal(community, status="open")


def _counts(proposal) -> tuple[int, int, int]:
    db.session.expire_all()
    p = db.session.get(Proposal, proposal.id)
    return p.online_count, p.paper_count, p.signature_count


def _rows(proposal, **where) -> int:
    query = select(func.count(Signature.id)).where(Signature.proposal_id == proposal.id)
    for key, value in where.items():
        query = query.where(getattr(Signature, key) == value)
    return db.session.scalar(query)


def _sign(client, proposal, headers=None, **data):
    return client.post(f"/demands/{proposal.id}/sign", data={"visibility": "public", "comment": "", **data},
                       headers=headers or {})


def _member(proposal, **kwargs):
    return make_member(proposal.community, make_user(locale="en", **kwargs))


def _error_of(body: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', body)
    return match.group(1) if match else ""


# Members sign -------------------------------------------------------------------------------------

def test_a_verified_member_signs_with_one_click_and_counts_at_once(client, login_as, demand):
    login_as(_member(demand))
    response = _sign(client, demand, comment="الطريق مظلم")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/demands/{demand.id}#signatures")
    assert _counts(demand) == (1, 0, 1)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "Thank you for signing." in page and "You signed this demand." in page


def test_with_htmx_the_signing_box_is_swapped(client, login_as, demand):
    login_as(_member(demand))
    response = _sign(client, demand, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="signatures"')
    assert "<html" not in body and "You signed this demand." in body
    assert "HX-Request" in response.vary


def test_the_signing_form_works_without_javascript(client, login_as, demand):
    login_as(_member(demand))
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/demands/\d+/sign)"[^>]*>(.*?)</form>', page, re.S)
    assert form and form.group(1) == f"/demands/{demand.id}/sign"
    assert 'name="csrf_token"' in form.group(2) and 'name="visibility"' in form.group(2)


def test_an_unverified_member_is_pending_until_the_emailed_link_is_confirmed(client, login_as, demand):
    member = _member(demand, verified=False)
    login_as(member)
    assert _sign(client, demand).status_code == 303
    assert _rows(demand, status="pending") == 1
    assert _counts(demand) == (0, 0, 0)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "Confirm your email address and your signature will count." in page
    token = tokens.issue("verify_email", user=member, email=member.email)
    db.session.commit()
    assert client.get(f"/account/verify/{token}").status_code == 200  # the GET only shows a button
    assert _counts(demand) == (0, 0, 0)
    assert client.post(f"/account/verify/{token}").status_code == 303
    assert _counts(demand) == (1, 0, 1)
    assert client.post(f"/account/verify/{token}").status_code == 303  # a used link changes nothing
    assert _counts(demand) == (1, 0, 1)
    assert _rows(demand, status="confirmed") == 1


def test_a_wrong_verification_token_confirms_nothing(client, login_as, demand):
    login_as(_member(demand, verified=False))
    _sign(client, demand)
    assert client.post("/account/verify/not-a-token").status_code == 303
    assert _counts(demand) == (0, 0, 0) and _rows(demand, status="pending") == 1


def test_signing_twice_answers_already_signed_never_an_error(client, login_as, demand):
    login_as(_member(demand))
    assert _sign(client, demand).status_code == 303
    second = _sign(client, demand)
    assert second.status_code == 303
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "You already signed this demand." in page
    assert _rows(demand) == 1 and _counts(demand) == (1, 0, 1)


def test_signing_twice_with_htmx_answers_the_box(client, login_as, demand):
    login_as(_member(demand))
    assert _sign(client, demand, headers=HX).status_code == 200
    again = _sign(client, demand, headers=HX)
    assert again.status_code == 200
    assert "You signed this demand." in again.get_data(as_text=True)
    assert _rows(demand) == 1 and _counts(demand) == (1, 0, 1)


def test_a_non_member_is_offered_to_join_and_cannot_sign(client, login_as, demand):
    login_as(make_user(locale="en"))
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert f'action="/communities/{demand.community.slug}/join"' in page and "Join this community" in page
    assert f'action="/demands/{demand.id}/sign"' not in page
    assert _sign(client, demand).status_code == 403
    assert _rows(demand) == 0


def test_a_visitor_is_sent_to_sign_in_to_sign(client, demand):
    response = _sign(client, demand)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _rows(demand) == 0


def test_a_demand_that_is_not_open_is_not_signed(client, login_as):
    demand = make_proposal(status="voting")
    login_as(make_member(demand.community, make_user(locale="en")))
    assert _sign(client, demand).status_code == 403
    assert f'action="/demands/{demand.id}/sign"' not in client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert _rows(demand) == 0


def test_a_private_demand_is_404_to_sign(client, login_as):
    demand = make_proposal(status="in_review")
    login_as(make_member(demand.community))
    assert _sign(client, demand).status_code == 404


def test_a_bad_visibility_is_400(client, login_as, demand):
    login_as(_member(demand))
    assert _sign(client, demand, visibility="everyone").status_code == 400
    assert _rows(demand) == 0


# Visitors register and sign ------------------------------------------------------------------------

def _register_and_sign(client, proposal, email="newcomer@example.org", **data):
    return client.post(f"/demands/{proposal.id}/sign/register", data={
        "display_name": "Newcomer", "email": email, "password": NEW_PASSWORD, "visibility": "letter_only",
        "comment": "", **data})


def test_a_visitor_registers_and_signs_pending_until_the_link(client, outbox, demand):
    response = _register_and_sign(client, demand)
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/check-email")
    user = db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
    signature = db.session.scalar(select(Signature).where(Signature.user_id == user.id))
    assert (signature.status, signature.visibility) == ("pending", "letter_only")
    assert _counts(demand) == (0, 0, 0)
    [mail] = [message for message in outbox if message["to"] == "newcomer@example.org"]
    token = re.search(r"/account/verify/([^\s/]+)", mail["body"]).group(1)
    assert client.post(f"/account/verify/{token}").status_code == 303
    assert _counts(demand) == (1, 0, 1)
    assert client.post(f"/account/verify/{token}").status_code == 303
    assert _counts(demand) == (1, 0, 1)


def test_the_visitor_form_is_on_the_demand_page_of_an_open_community(client, demand):
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert f'action="/demands/{demand.id}/sign/register"' in page


def test_an_existing_email_gets_a_mail_the_same_answer_and_no_signature(client, outbox, demand):
    owner = make_user(email="owner@example.org")
    first = _register_and_sign(client, demand, email="someone.new@example.org")
    outbox.clear()
    second = _register_and_sign(client, demand, email="owner@example.org")
    assert (second.status_code, second.headers["Location"]) == (first.status_code, first.headers["Location"])
    assert second.get_data() == first.get_data()
    assert [m["to"] for m in outbox] == ["owner@example.org"]
    assert db.session.scalar(select(Signature).where(Signature.user_id == owner.id)) is None
    assert _rows(demand) == 1  # only the new visitor's (pending) signature


def test_register_and_sign_with_errors_keeps_what_was_typed(client, demand):
    response = _register_and_sign(client, demand, email="not-an-email", comment="لأن الطريق مظلم")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _error_of(body, "email") and "لأن الطريق مظلم" in body
    assert db.session.scalar(select(func.count(User.id)).where(User.display_name == "Newcomer")) == 0


def test_a_closed_communitys_visitor_cannot_register_and_sign(client, outbox):
    demand = make_proposal(make_community(is_open=False), status="open")
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert f'action="/demands/{demand.id}/sign/register"' not in page
    response = _register_and_sign(client, demand)
    assert response.status_code == 409
    assert db.session.scalar(select(User).where(User.email == "newcomer@example.org")) is None
    assert _rows(demand) == 0 and [m for m in outbox if m["to"] == "newcomer@example.org"] == []


def test_a_signed_in_person_is_sent_back_from_the_visitor_form(client, login_as, demand):
    login_as(_member(demand))
    response = _register_and_sign(client, demand)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/demands/{demand.id}")
    assert _rows(demand) == 0


# Changing and withdrawing ----------------------------------------------------------------------------

def test_the_signer_changes_visibility_and_comment(client, login_as, demand):
    signature = make_signature(demand, make_user(locale="en"), comment="قديم")
    login_as(signature.user)
    response = client.post(f"/demands/{demand.id}/signature", data={"visibility": "letter_only",
                                                                      "comment": "جديد"})
    assert response.status_code == 303
    db.session.expire_all()
    changed = db.session.get(Signature, signature.id)
    assert (changed.visibility, changed.comment) == ("letter_only", "جديد")
    assert _counts(demand) == (1, 0, 1)


def test_changing_without_a_signature_is_409(client, login_as, demand):
    login_as(_member(demand))
    response = client.post(f"/demands/{demand.id}/signature", data={"visibility": "public", "comment": ""})
    assert response.status_code == 409


def test_withdraw_takes_the_count_back_and_signing_again_works(client, login_as, demand):
    signature = make_signature(demand, make_user(locale="en"))
    login_as(signature.user)
    assert client.post(f"/demands/{demand.id}/signature/withdraw").status_code == 303
    assert _counts(demand) == (0, 0, 0) and _rows(demand) == 0
    assert _sign(client, demand).status_code == 303
    assert _counts(demand) == (1, 0, 1) and _rows(demand) == 1


def test_withdrawing_twice_is_409_not_500(client, login_as, demand):
    signature = make_signature(demand)
    login_as(signature.user)
    client.post(f"/demands/{demand.id}/signature/withdraw")
    assert client.post(f"/demands/{demand.id}/signature/withdraw").status_code == 409


def test_withdraw_with_htmx_answers_the_box_with_the_signing_form(client, login_as, demand):
    signature = make_signature(demand, make_user(locale="en"))
    login_as(signature.user)
    response = client.post(f"/demands/{demand.id}/signature/withdraw", headers=HX)
    assert response.status_code == 200
    assert f'action="/demands/{demand.id}/sign"' in response.get_data(as_text=True)


# Voiding -------------------------------------------------------------------------------------------

def test_the_committee_voids_an_online_signature_with_a_reason(client, login_as, demand):
    signature = make_signature(demand, make_user(locale="en"))
    signer = signature.user
    login_as(committee_member(demand.community))
    form = client.get(f"/signatures/{signature.id}/void")
    assert form.status_code == 200
    response = client.post(f"/signatures/{signature.id}/void", data={"reason": "حساب وهمي"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/demands/{demand.id}/signers")
    assert _counts(demand) == (0, 0, 0)
    event = db.session.scalar(select(Event).where(Event.verb == "signature.voided"))
    assert db.session.scalar(select(Notification.recipient_id).where(Notification.event_id == event.id)) == signer.id
    # The signer sees the reason, in the box and in their notifications, and cannot sign again.
    login_as(signer)
    assert "حساب وهمي" in client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "حساب وهمي" in client.get("/notifications").get_data(as_text=True)
    assert _sign(client, demand).status_code == 303
    assert _rows(demand) == 1 and _rows(demand, status="voided") == 1 and _counts(demand) == (0, 0, 0)
    assert f'action="/demands/{demand.id}/sign"' not in client.get(f"/demands/{demand.id}").get_data(as_text=True)


def test_voiding_without_a_reason_shows_the_error_and_changes_nothing(client, login_as, demand):
    signature = make_signature(demand)
    login_as(make_committee_en(demand))
    response = client.post(f"/signatures/{signature.id}/void", data={"reason": ""})
    assert response.status_code == 200
    assert _error_of(response.get_data(as_text=True), "reason") == "Please give a reason."
    assert _counts(demand) == (1, 0, 1)


def test_voiding_twice_is_409(client, login_as, demand):
    signature = make_signature(demand)
    login_as(committee_member(demand.community))
    client.post(f"/signatures/{signature.id}/void", data={"reason": "مكرر"})
    assert client.post(f"/signatures/{signature.id}/void", data={"reason": "مكرر"}).status_code == 409
    assert _counts(demand) == (0, 0, 0)


@pytest.mark.parametrize("who", ["member", "signer", "other_committee"])
def test_only_the_committee_voids(client, login_as, demand, who):
    signature = make_signature(demand)
    user = {"member": lambda: make_member(demand.community), "signer": lambda: signature.user,
            "other_committee": lambda: committee_member(make_community())}[who]()
    login_as(user)
    assert client.post(f"/signatures/{signature.id}/void", data={"reason": "x"}).status_code == 403
    assert _counts(demand) == (1, 0, 1)


def make_committee_en(proposal):
    from tests.factories import make_committee

    return make_committee(proposal.community, make_user(locale="en"))


# Paper batches -------------------------------------------------------------------------------------

ROWS = "سعاد الأحمد، حارة الجامع، ٠٩٤٤١٢٣٤٥٦\nخالد العلي، الحارة القبلية\nRana Haddad, Old Market, 0933 111 222"


def _paper(client, proposal, **fields):
    centre = proposal.community.centres[0]
    data = {"centre": str(centre.id), "collected_on": date.today().isoformat(),
            "scan": (io.BytesIO(scan_png()), "sheet.png"), "rows": ROWS, **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/demands/{proposal.id}/paper", data=data, content_type="multipart/form-data")


def test_a_paper_batch_with_its_scan_counts_separately_and_in_the_total(client, login_as, demand):
    make_signature(demand)
    login_as(make_committee_en(demand))
    response = _paper(client, demand)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/demands/{demand.id}/paper")
    assert _counts(demand) == (1, 3, 4)
    rows = services.paper_signatures(demand)
    assert [(s.name, s.neighbourhood, s.phone) for s in rows] == [
        ("سعاد الأحمد", "حارة الجامع", "0944123456"), ("خالد العلي", "الحارة القبلية", None),
        ("Rana Haddad", "Old Market", "0933 111 222")]
    batch = db.session.scalar(select(PaperBatch))
    assert batch.centre_id == demand.community.centres[0].id and batch.scan_type == "image/png"
    page = client.get(f"/demands/{demand.id}/paper").get_data(as_text=True)
    assert "3 paper signatures were added." in page
    shown = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "Online: 1 · On paper: 3" in shown and "4 signatures" in shown


def test_the_scan_is_required_and_the_typed_rows_are_kept(client, login_as, demand):
    login_as(make_committee_en(demand))
    response = _paper(client, demand, scan=None)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _error_of(body, "scan") == "Attach the scan of the sheet."
    assert "سعاد الأحمد، حارة الجامع، ٠٩٤٤١٢٣٤٥٦" in body
    assert _counts(demand) == (0, 0, 0) and db.session.scalar(select(func.count(PaperBatch.id))) == 0


def test_a_bad_line_gives_its_number_under_the_field_and_keeps_everything(client, login_as, demand):
    login_as(make_committee_en(demand))
    sheet_date = (date.today() - timedelta(days=3)).isoformat()
    response = _paper(client, demand, rows="سعاد الأحمد، حارة الجامع\nخالد العلي\nريم، الميدان",
                      collected_on=sheet_date)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    error = _error_of(body, "rows")
    assert error.startswith("Line 2:")
    assert "سعاد الأحمد، حارة الجامع\nخالد العلي\nريم، الميدان" in body
    assert f'value="{sheet_date}"' in body
    assert _counts(demand) == (0, 0, 0) and _rows(demand) == 0


def test_a_text_file_is_refused_as_a_scan(client, login_as, demand):
    login_as(make_committee_en(demand))
    response = _paper(client, demand, scan=(io.BytesIO(b"name,neighbourhood\n"), "sheet.txt"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "not a JPEG, PNG or PDF" in _error_of(body, "scan")
    assert ROWS.split("\n")[0] in body
    assert _counts(demand) == (0, 0, 0)


def test_a_text_file_named_like_an_image_is_refused_too(client, login_as, demand):
    login_as(make_committee_en(demand))
    response = _paper(client, demand, scan=(io.BytesIO(b"just text"), "sheet.png"))
    assert response.status_code == 200 and _error_of(response.get_data(as_text=True), "scan")
    assert _counts(demand) == (0, 0, 0)


def test_a_sheet_dated_in_the_future_is_refused(client, login_as, demand):
    login_as(make_committee_en(demand))
    response = _paper(client, demand, collected_on=(date.today() + timedelta(days=2)).isoformat())
    assert response.status_code == 200
    assert _error_of(response.get_data(as_text=True), "collected_on") == "The date cannot be in the future."
    assert _counts(demand) == (0, 0, 0)


def test_a_community_without_a_centre_records_paper_too(client, login_as):
    demand = make_proposal(make_community(), status="open")
    login_as(committee_member(demand.community))
    data = {"collected_on": date.today().isoformat(), "scan": (io.BytesIO(scan_png()), "sheet.png"),
            "rows": "سعاد، الجامع"}
    response = client.post(f"/demands/{demand.id}/paper", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert _counts(demand) == (0, 1, 1)
    assert db.session.scalar(select(PaperBatch.centre_id)) is None


@pytest.mark.parametrize("who", ["member", "anonymous_is_sent_to_sign_in"])
def test_only_the_committee_enters_paper(client, login_as, demand, who):
    if who == "member":
        login_as(make_member(demand.community))
    response = _paper(client, demand)
    assert response.status_code == (403 if who == "member" else 302)
    assert _counts(demand) == (0, 0, 0)


def test_the_scan_is_downloaded_by_the_committee_only(client, login_as, demand):
    batch = make_paper_batch(demand)
    url = f"/demands/{demand.id}/paper/{batch.id}/scan"
    login_as(make_member(demand.community))
    assert client.get(url).status_code == 403
    login_as(committee_member(demand.community))
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()


def test_the_scan_of_another_demand_is_404(client, login_as, demand):
    batch = make_paper_batch(make_proposal(demand.community, status="open"))
    login_as(committee_member(demand.community))
    assert client.get(f"/demands/{demand.id}/paper/{batch.id}/scan").status_code == 404


def test_correcting_a_paper_row_is_audited(client, login_as, demand):
    make_paper_batch(demand, rows=[("سعاد الاحمد", "الجامع", "0944")])
    [row] = services.paper_signatures(demand)
    chair = committee_member(demand.community)
    login_as(chair)
    response = client.post(f"/signatures/{row.id}/correct", data={
        "name": "سعاد الأحمد", "neighbourhood": "حارة الجامع", "reason": "خطأ إملائي"})
    assert response.status_code == 303
    db.session.expire_all()
    corrected = db.session.get(Signature, row.id)
    assert (corrected.name, corrected.neighbourhood, corrected.phone) == ("سعاد الأحمد", "حارة الجامع", "0944")
    event = db.session.scalar(select(Event).where(Event.verb == "signature.corrected"))
    assert event.actor_id == chair.id and event.data["reason"] == "خطأ إملائي"


def test_a_site_admin_corrects_the_phone(client, login_as, demand):
    make_paper_batch(demand, rows=[("سعاد", "الجامع", "0944")])
    [row] = services.paper_signatures(demand)
    login_as(make_admin())
    response = client.post(f"/signatures/{row.id}/correct", data={
        "name": "سعاد", "neighbourhood": "الجامع", "phone": "٠٩٥٥١٢٣", "reason": "رقم خاطئ"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Signature, row.id).phone == "0955123"


def test_a_correction_without_a_reason_is_refused_under_the_field(client, login_as, demand):
    make_paper_batch(demand, rows=[("سعاد", "الجامع", "")])
    [row] = services.paper_signatures(demand)
    login_as(make_committee_en(demand))
    response = client.post(f"/signatures/{row.id}/correct", data={"name": "ريم", "neighbourhood": "الجامع",
                                                                   "reason": ""})
    assert response.status_code == 200 and _error_of(response.get_data(as_text=True), "reason")
    db.session.expire_all()
    assert db.session.get(Signature, row.id).name == "سعاد"


def test_voiding_a_paper_row_with_a_reason(client, login_as, demand):
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    row = services.paper_signatures(demand)[0]
    login_as(committee_member(demand.community))
    assert client.post(f"/signatures/{row.id}/void", data={"reason": "مكرر على الورقة"}).status_code == 303
    assert _counts(demand) == (0, 1, 1)
    page = client.get(f"/demands/{demand.id}/paper").get_data(as_text=True)
    assert f'href="/signatures/{row.id}/correct"' not in page  # a voided row is no longer corrected


def test_correcting_an_online_signature_is_409(client, login_as, demand):
    signature = make_signature(demand)
    login_as(committee_member(demand.community))
    response = client.post(f"/signatures/{signature.id}/correct", data={"name": "x", "neighbourhood": "y",
                                                                         "reason": "z"})
    assert response.status_code == 409


# The goal ------------------------------------------------------------------------------------------

def test_reaching_the_goal_shows_on_the_page_and_notifies(client, login_as, demand):
    demand.signature_goal = 1
    db.session.commit()
    login_as(_member(demand))
    _sign(client, demand)
    assert db.session.get(Proposal, demand.id).goal_reached_at is not None
    assert db.session.scalar(select(func.count(Event.id)).where(Event.verb == "proposal.goal_reached")) == 1
    login_as(demand.author)
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.recipient_id == demand.author_id)) >= 1


# The public count ----------------------------------------------------------------------------------

def test_count_json_is_small_public_and_short_cached(client, demand):
    make_signature(demand)
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    response = client.get(f"/demands/{demand.id}/count.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"online": 1, "paper": 2, "total": 3, "goal": demand.signature_goal,
                                   "goal_reached": False}
    directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert "public" in directives and "no-store" not in directives
    max_age = next(int(d.split("=")[1]) for d in directives if d.startswith("max-age="))
    assert 0 < max_age <= 300
    assert "Set-Cookie" not in response.headers


def test_count_json_sets_no_cookie_for_a_signed_in_person_either(client, login_as, demand):
    login_as(_member(demand))
    client.get(f"/demands/{demand.id}")  # a page first: the session exists, the language is chosen
    response = client.get(f"/demands/{demand.id}/count.json")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


@pytest.mark.parametrize("status", ["draft", "in_review", "rejected", "hidden"])
def test_count_json_of_a_private_demand_is_404(client, login_as, status):
    demand = make_proposal(status=status)
    assert client.get(f"/demands/{demand.id}/count.json").status_code == 404
    login_as(make_member(demand.community))
    assert client.get(f"/demands/{demand.id}/count.json").status_code == 404


def test_count_json_of_a_private_demand_is_never_publicly_cached(client, login_as):
    """The committee may read a demand under review; a shared cache must not keep that answer for others."""
    demand = make_proposal(status="in_review")
    login_as(committee_member(demand.community))
    response = client.get(f"/demands/{demand.id}/count.json")
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]


def test_count_json_of_an_unknown_demand_is_404(client):
    assert client.get("/demands/999999/count.json").status_code == 404


# Caching of signing pages -----------------------------------------------------------------------------

def _no_store(response) -> bool:
    return "no-store" in {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}


def test_signing_and_signer_pages_send_no_store(client, login_as, demand):
    signature = make_signature(demand)
    make_paper_batch(demand)
    assert _no_store(client.get(f"/demands/{demand.id}"))
    assert _no_store(client.get(f"/demands/{demand.id}/signers"))
    assert _no_store(_register_and_sign(client, demand, email="bad"))
    member = _member(demand)
    login_as(member)
    assert _no_store(client.get(f"/demands/{demand.id}"))
    assert _no_store(_sign(client, demand, headers=HX))
    assert _no_store(client.post(f"/demands/{demand.id}/signature/withdraw", headers=HX))
    login_as(committee_member(demand.community))
    for url in (f"/demands/{demand.id}/paper", f"/demands/{demand.id}/signers.csv",
                f"/signatures/{signature.id}/void"):
        assert _no_store(client.get(url)), url


# The signer list -----------------------------------------------------------------------------------

def test_the_signer_list_shows_confirmed_signers_newest_first(client, demand):
    first = make_signature(demand, make_user(name="أول موقع"))
    make_signature(demand, make_user(name="موقع معلق", verified=False))
    last = make_signature(demand, make_user(name="آخر موقع"))
    body = client.get(f"/demands/{demand.id}/signers").get_data(as_text=True)
    assert body.index(last.user.display_name) < body.index(first.user.display_name)
    assert "موقع معلق" not in body


@pytest.mark.app_config(PER_PAGE=3)
def test_the_signer_list_is_paginated(client, demand):
    names = [f"موقع رقم {n}" for n in range(5)]
    for name in names:
        make_signature(demand, make_user(name=name))
    first = client.get(f"/demands/{demand.id}/signers").get_data(as_text=True)
    second = client.get(f"/demands/{demand.id}/signers?page=2").get_data(as_text=True)
    assert {n for n in names if n in first} == set(names[2:])  # newest first
    assert {n for n in names if n in second} == set(names[:2])
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert client.get(f"/demands/{demand.id}/signers?page=9").status_code == 404


@pytest.mark.app_config(PER_PAGE=10)
def test_the_signer_list_runs_the_same_number_of_queries_whatever_the_page_holds(client, demand, count_queries):
    def queries() -> int:
        with count_queries() as statements:
            assert client.get(f"/demands/{demand.id}/signers").status_code == 200
        return len(statements)

    make_signature(demand)
    make_paper_batch(demand)
    few = queries()
    for n in range(8):
        make_signature(demand, visibility="letter_only" if n % 2 else "public", comment=f"تعليق {n}")
    make_paper_batch(demand, rows=[("سعاد", "الجامع", ""), ("خالد", "الميدان", "")])
    assert queries() == few


def _statements_run(request) -> list[tuple[str, object]]:
    """Each SQL statement `request()` runs, with its parameters."""
    run = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        run.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", _before)
    try:
        request()
    finally:
        event.remove(db.engine, "before_cursor_execute", _before)
    return run


def test_the_signer_list_searches_an_index_instead_of_scanning_signatures(client, demand):
    """A demand with a hundred thousand signers must not cost a read of every signature (SECURITY.md E.27): each
    statement the page runs on signatures (the page of rows and the count) is planned through an index that
    starts with the demand and the status. On PostgreSQL, whose planner reads tiny tables whole, sequential scans
    are turned off for the EXPLAIN: it falls back to one only where no index can serve."""
    for n in range(25):
        make_signature(demand, visibility="letter_only" if n % 3 else "public")
    make_paper_batch(demand)
    indexes = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("signatures")}
    assert indexes["ix_signatures_proposal_status_confirmed"] == ["proposal_id", "status", "confirmed_at"]

    run = _statements_run(lambda: client.get(f"/demands/{demand.id}/signers?page=2"))
    on_signatures = [(sql, parameters) for sql, parameters in run if re.search(r"\bFROM signatures\b", sql)]
    assert len(on_signatures) == 2, run  # the page and its count
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    for sql, parameters in on_signatures:
        if postgresql:
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", parameters))
            assert "Seq Scan on signatures" not in plan, plan
            assert re.search(r"Index (Only )?Scan( Backward)? using \w+ on signatures", plan), plan
            assert re.search(r"Index Cond: \(+proposal_id = ", plan), plan
        else:
            plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)]
            steps = [step for step in plan if re.match(r"(SCAN|SEARCH) signatures\b", step)]
            assert steps and all(re.match(r"SEARCH signatures USING (COVERING )?INDEX \w+ "
                                          r"\(proposal_id=\? AND status=\?", step) for step in steps), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan  # newest first, read in the index's order
    db.session.rollback()


def test_the_signer_list_of_a_private_demand_is_404(client):
    demand = make_proposal(status="in_review")
    assert client.get(f"/demands/{demand.id}/signers").status_code == 404


def test_the_committee_sees_void_links_on_the_signer_list(client, login_as, demand):
    signature = make_signature(demand)
    assert f"/signatures/{signature.id}/void" not in client.get(f"/demands/{demand.id}/signers").get_data(
        as_text=True)
    login_as(committee_member(demand.community))
    assert f"/signatures/{signature.id}/void" in client.get(f"/demands/{demand.id}/signers").get_data(as_text=True)


def test_pages_render_in_arabic_by_default(client, login_as, demand):
    make_signature(demand)
    page = client.get(f"/demands/{demand.id}/signers").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    login_as(committee_member(demand.community))
    assert '<html lang="ar" dir="rtl">' in client.get(f"/demands/{demand.id}/paper").get_data(as_text=True)


def test_register_and_sign_is_signed_out_only(client, login_as, demand):
    """A signed-in person posting the visitor form does not create an account."""
    login_as(_member(demand))
    _register_and_sign(client, demand, email="another@example.org")
    assert db.session.scalar(select(User).where(User.email == "another@example.org")) is None

