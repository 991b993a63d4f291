import pytest

from civicvoice.accounts import passwords


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
