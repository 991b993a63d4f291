import re

import pytest
from freezegun import freeze_time
from sqlalchemy import inspect

from civicvoice.accounts import passwords
from civicvoice.config import Config
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize(
    "password, accepted",
    [
        ("short", False),
        ("nine char", False),
        ("ten chars!", True),  # no composition rules: length is what counts
        ("كلمة سر عربية طويلة", True),  # any script
        ("1234567890", False),  # common
        ("qwertyuiop", False),
        ("Password123", False),  # common, case-insensitively
        ("aaaaaaaaaaaa", False),  # too few distinct characters
        ("x" * 256 + "y", False),  # over the maximum: refused, never truncated
        ("correct horse battery staple", True),
    ],
)
def test_password_policy(app, password, accepted):
    assert (passwords.problems(password) == []) is accepted


def test_password_may_not_contain_the_email_or_name(app):
    assert passwords.problems("salma.hassan-2026!", email="salma.hassan@example.org")
    assert passwords.problems("I am Youssef Ali!", name="Youssef Ali")
    assert passwords.problems("a different sentence", email="salma@example.org", name="Salma") == []


def test_long_passwords_are_not_truncated(app):
    base = "a long passphrase that keeps going " * 3  # > 72 bytes, where bcrypt would stop looking
    hashed = passwords.hash_password(base + "1")
    assert passwords.check_password(hashed, base + "1")
    assert not passwords.check_password(hashed, base + "2")


def test_hashes_are_argon2id_and_salted(app):
    first, second = passwords.hash_password("same password"), passwords.hash_password("same password")
    assert first.startswith("$argon2id$") and first != second


def test_check_password_without_a_hash_is_false(app):
    assert passwords.check_password(None, "anything at all") is False
    assert passwords.check_password("not-a-hash", "anything at all") is False


# No forced rotation (ASVS 6.2.10): a password stays good however old it is. --------------------------------------

def test_a_password_set_years_ago_is_never_forced_to_change(client, db):
    with freeze_time("2016-03-01"):
        user = make_user(email="old.timer@example.org")  # the password, and the account, ten years old
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/account"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert [r.headers["Location"] for r in response.history] == ["/account"]  # straight where they were going
    assert response.request.path == "/account"
    for path in ("/", "/account", "/notifications", "/account/sessions"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.headers.get("Location"))
        assert "/account/password" not in page.headers.get("Location", "")


def test_there_is_no_password_expiry_to_set_or_to_record(db):
    expiry = re.compile(r"AGE|EXPIR|DAYS|HOURS|ROTAT|CHANGE|LIFETIME|VALID")
    assert [name for name in vars(Config) if "PASSWORD" in name and expiry.search(name)] == []
    columns = [column["name"] for column in inspect(db.engine).get_columns("users")]
    assert [name for name in columns if "password" in name] == ["password_hash"]  # no date to expire it from
