import re

import pytest

from civicvoice.accounts import services
from civicvoice.accounts.models import User
from tests.factories import PASSWORD, make_community, make_member, make_user


def _token(outbox, marker):
    return re.search(re.escape(marker) + r"([^\s/]+)", outbox[-1]["body"]).group(1)


def test_register_page_in_arabic_by_default(client):
    page = client.get("/register").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'name="display_name"' in page and 'name="email"' in page and 'name="phone"' in page


def test_register_verify_sign_in_journey(client, db, outbox):
    response = client.post("/register", data={"display_name": "ليلى حداد", "email": "layla@example.org",
                                              "password": "a good long password", "phone": "٠٩٤٤١٢٣٤٥٦"})
    assert response.status_code == 303 and response.headers["Location"] == "/register/check-email"
    user = services.find_by_email("layla@example.org")
    assert user.phone == "0944123456"  # typed with Arabic-Indic digits, stored as ASCII
    token = _token(outbox, "/account/verify/")
    assert client.get(f"/account/verify/{token}").status_code == 200  # GET only shows the button
    assert db.session.get(User, user.id).email_verified_at is None
    assert client.post(f"/account/verify/{token}").status_code == 303
    db.session.rollback()  # end the test's read transaction: see what the request committed
    assert db.session.get(User, user.id).identity_level == "email"
    response = client.post("/login", data={"email": "layla@example.org", "password": "a good long password"})
    assert response.status_code == 303
    assert "ليلى حداد" in client.get("/account").get_data(as_text=True)


def test_register_errors_keep_what_was_typed(client):
    response = client.post("/register", data={"display_name": "ليلى", "email": "not-an-email", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="ليلى"' in page and 'value="not-an-email"' in page
    assert 'aria-invalid="true"' in page
    assert page.count('class="error-message"') == 2


def test_register_with_a_taken_email_looks_the_same(client, outbox):
    make_user(email="omar@example.org")
    new = client.post("/register", data={"display_name": "أ", "email": "new@example.org",
                                         "password": "a good long password"})
    taken = client.post("/register", data={"display_name": "أ", "email": "omar@example.org",
                                           "password": "a good long password"})
    assert (new.status_code, new.headers["Location"]) == (taken.status_code, taken.headers["Location"])
    assert [m["to"] for m in outbox] == ["new@example.org", "omar@example.org"]


def test_login_failure_message(client):
    make_user(email="omar@example.org")
    response = client.post("/login", data={"email": "omar@example.org", "password": "wrong password!"})
    assert response.status_code == 200
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة" in response.get_data(as_text=True) or \
        "not correct" in response.get_data(as_text=True)


def test_login_redirects_to_a_local_next(client):
    make_user(email="omar@example.org")
    response = client.post("/login", data={"email": "omar@example.org", "password": PASSWORD,
                                           "next": "/communities/x"})
    assert response.headers["Location"] == "/communities/x"


def test_remember_me_sets_a_cookie(client):
    make_user(email="omar@example.org")
    client.post("/login", data={"email": "omar@example.org", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_pages_that_need_sign_in_redirect_to_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout(client, login_as):
    login_as(make_user())
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/account").status_code == 302


def test_password_reset_flow(client, outbox):
    make_user(email="omar@example.org")
    response = client.post("/account/reset", data={"email": "omar@example.org"})
    assert response.status_code == 200
    token = _token(outbox, "/account/reset/")
    assert client.get(f"/account/reset/{token}").status_code == 200
    weak = client.post(f"/account/reset/{token}", data={"password": "short"})
    assert weak.status_code == 200 and 'class="error-message"' in weak.get_data(as_text=True)
    assert client.post(f"/account/reset/{token}", data={"password": "a new long passphrase"}).status_code == 303
    assert services.authenticate("omar@example.org", "a new long passphrase") is not None
    # Used once: the link now sends the user back to ask for a new one.
    again = client.get(f"/account/reset/{token}")
    assert again.status_code == 303 and again.headers["Location"] == "/account/reset"


def test_reset_request_does_not_reveal_accounts(client):
    make_user(email="omar@example.org")
    known = client.post("/account/reset", data={"email": "omar@example.org"}).get_data(as_text=True)
    unknown = client.post("/account/reset", data={"email": "nobody@example.org"}).get_data(as_text=True)
    strip = lambda page, email: re.sub(r'name="csrf_token" value="[^"]*"', "", page).replace(email, "")
    assert strip(known, "omar@example.org") == strip(unknown, "nobody@example.org")


def test_edit_profile(client, login_as, db):
    user = make_user(name="عمر")
    login_as(user)
    response = client.post("/account", data={"display_name": "عمر الخطيب", "phone": "", "locale": "en",
                                              "digits": "latn"})
    assert response.status_code == 303
    db.session.rollback()  # end the test's read transaction: see what the request committed
    user = db.session.get(User, user.id)
    assert (user.display_name, user.locale, user.digits, user.show_name_publicly) == ("عمر الخطيب", "en", "latn",
                                                                                        False)
    assert '<html lang="en" dir="ltr">' in client.get("/account").get_data(as_text=True)


def test_edit_profile_rejects_bad_input_without_losing_it(client, login_as):
    login_as(make_user())
    response = client.post("/account", data={"display_name": "", "phone": "call me maybe", "locale": "xx",
                                              "digits": "arab"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="call me maybe"' in page
    assert page.count('class="error-message"') >= 2


def test_change_password_view(client, login_as):
    user = make_user()
    login_as(user)
    wrong = client.post("/account/password", data={"current_password": "nope nope nope",
                                                   "new_password": "a new long passphrase"})
    assert wrong.status_code == 200 and 'class="error-message"' in wrong.get_data(as_text=True)
    ok = client.post("/account/password", data={"current_password": PASSWORD,
                                                "new_password": "a new long passphrase"})
    assert ok.status_code == 303
    assert client.get("/account").status_code == 200  # this device stays signed in


def test_delete_account_view(client, login_as, db):
    community = make_community()
    user = make_member(community, make_user(email="gone@example.org"))
    login_as(user)
    unconfirmed = client.post("/account/delete", data={"password": PASSWORD})
    assert unconfirmed.status_code == 200
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 303
    db.session.rollback()
    assert services.find_by_email("gone@example.org") is None
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("path", ["/register", "/login", "/account/reset"])
def test_account_pages_in_english(client, path):
    client.post("/language", data={"locale": "en", "next": path})
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
