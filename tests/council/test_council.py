import re

import pytest

from civicvoice.accounts import services as accounts
from civicvoice.communities.models import Council
from civicvoice.council import services
from civicvoice.errors import Conflict, InvalidInput
from tests.factories import PASSWORD, make_admin, make_council, make_staff, make_user


def _invite_token(outbox):
    return re.search(r"/council-invitations/(\S+)", outbox[-1]["body"]).group(1)


def test_create_council_with_default_deadline(app):
    council = services.create_council(None, name=" مجلس مدينة دمشق ", jurisdiction="دمشق")
    assert (council.name, council.response_days) == ("مجلس مدينة دمشق", 30)


def test_admin_creates_and_edits_a_council(client, login_as, db):
    login_as(make_admin())
    response = client.post("/admin/councils/new", data={
        "name": "مجلس مدينة دمشق", "jurisdiction": "محافظة دمشق", "contact_email": "diwan@example.org",
        "postal_address": "ساحة المحافظة", "response_days": "٤٥"})
    assert response.status_code == 303
    council = db.session.query(Council).one()
    assert council.response_days == 45
    assert client.post(f"/councils/{council.id}/edit", data={
        "name": "مجلس", "jurisdiction": "", "contact_email": "", "postal_address": "",
        "response_days": "30"}).status_code == 303


@pytest.mark.parametrize("days", ["0", "366", "abc", ""])
def test_response_deadline_must_be_sensible(client, login_as, days):
    login_as(make_admin())
    response = client.post("/admin/councils/new", data={"name": "مجلس", "response_days": days})
    assert response.status_code == 200 and 'class="error-message"' in response.get_data(as_text=True)


def test_public_council_pages(client):
    council = make_council(name="مجلس مدينة دمشق", jurisdiction="محافظة دمشق", response_days=30)
    assert "مجلس مدينة دمشق" in client.get("/councils").get_data(as_text=True)
    page = client.get(f"/councils/{council.id}").get_data(as_text=True)
    assert "محافظة دمشق" in page and "٣٠ يوماً" in page
    assert client.get("/councils/999").status_code == 404


def test_invite_staff_who_registers_through_the_link(client, login_as, outbox, db):
    council = make_council(name="مجلس")
    login_as(make_admin())
    response = client.post(f"/councils/{council.id}/staff", data={"email": "rana@council.example",
                                                                   "role": "responder"})
    assert response.status_code == 303
    token = _invite_token(outbox)
    client.post("/logout")
    assert client.get(f"/council-invitations/{token}").status_code == 200
    response = client.post(f"/council-invitations/{token}", data={"display_name": "رنا",
                                                                   "password": "a long staff password"})
    assert response.status_code == 303
    user = accounts.find_by_email("rana@council.example")
    assert services.staff_membership(user).role == "responder"
    assert user.identity_level == "email"
    # Signed in, and the link is spent.
    assert client.get("/account").status_code == 200
    assert client.get(f"/council-invitations/{token}").status_code == 303


def test_existing_user_accepts_when_signed_in_as_the_invited_address(app, db, outbox):
    council = make_council()
    user = make_user(email="omar@example.org")
    services.invite_staff(None, council, "omar@example.org", "viewer")
    db.session.commit()
    token = _invite_token(outbox)
    with pytest.raises(Conflict):
        services.accept_invitation(token, make_user(email="someone-else@example.org"))
    db.session.rollback()
    services.accept_invitation(token, user)
    assert services.staff_membership(user).council_id == council.id
    with pytest.raises(InvalidInput):
        services.accept_invitation(token, user)


def test_an_account_works_for_one_council(app, db):
    first, second = make_council(), make_council()
    user = make_staff(first)
    with pytest.raises(Conflict):
        services.add_staff(None, second, user, "viewer")


def test_responders_invite_colleagues_viewers_cannot(client, login_as, outbox):
    council = make_council()
    viewer = make_staff(council, role="viewer")
    responder = make_staff(council, role="responder")
    login_as(viewer)
    assert client.get(f"/councils/{council.id}/staff").status_code == 200
    assert client.post(f"/councils/{council.id}/staff", data={"email": "x@example.org",
                                                               "role": "viewer"}).status_code == 403
    login_as(responder)
    assert client.post(f"/councils/{council.id}/staff", data={"email": "x@example.org",
                                                               "role": "viewer"}).status_code == 303
    assert outbox[-1]["to"] == "x@example.org"


def test_staff_of_another_council_cannot_see_or_invite(client, login_as):
    council, other = make_council(), make_council()
    login_as(make_staff(other))
    assert client.get(f"/councils/{council.id}/staff").status_code == 403
    assert client.post(f"/councils/{council.id}/staff", data={"email": "x@example.org",
                                                               "role": "viewer"}).status_code == 403


def test_council_staff_sign_in_like_everyone_else(client):
    council = make_council()
    make_staff(council, make_user(email="staff@council.example"))
    response = client.post("/login", data={"email": "staff@council.example", "password": PASSWORD})
    assert response.status_code == 303


def test_remove_staff(client, login_as, db):
    council = make_council()
    staff_user = make_staff(council, role="viewer")
    staff_id = services.staff_membership(staff_user).id
    login_as(make_admin())
    assert client.post(f"/councils/{council.id}/staff/{staff_id}/remove").status_code == 303
    assert services.staff_membership(staff_user) is None
