"""Emailed tokens (SECURITY.md C.16, D.23; ASVS 7.2.3): each is bound to its purpose, carries at least 128 bits of
randomness, and the database refuses two of them with one nonce.

Tokens are taken from the links in the mails the site sends (the unsubscribe link's is made by the function the
notification mails use), and offered through the site's own routes, as whoever holds the mail would.
"""
import math
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from civicvoice.accounts.models import AccountToken, User
from civicvoice.activity.recipients import unsubscribe_token
from civicvoice.database import utcnow
from tests.factories import PASSWORD, make_admin, make_council

EMAIL = "reader@example.org"
NEW_PASSWORD = "a passphrase only the attacker knows"
ROUTES = {
    "verify_email": r"/account/verify/([^\s/]+)",
    "reset_password": r"/account/reset/([^\s/]+)",
    "council_invite": r"/council-invitations/([^\s/]+)",
}
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")  # secrets.token_urlsafe's alphabet (base64url, no padding)
# The refusals, as an Arabic reader (the default language) sees them.
INVALID = {
    "verify_email": "رابط التحقق هذا غير صالح أو انتهت صلاحيته. سجّل الدخول للحصول على رابط جديد.",
    "reset_password": "رابط إعادة التعيين هذا غير صالح أو انتهت صلاحيته. اطلب رابطاً جديداً.",
    "council_invite": "هذه الدعوة غير صالحة أو منتهية الصلاحية أو مستخدمة مسبقاً.",
    "unsubscribe": "الصفحة غير موجودة",
}


def _link_token(outbox, purpose: str) -> str:
    found = [m for m in outbox if m["to"] == EMAIL and re.search(ROUTES[purpose], m["body"])]
    assert found, [m["body"] for m in outbox]
    return re.search(ROUTES[purpose], found[-1]["body"]).group(1)


@pytest.fixture
def reader(client, db, outbox):
    """A newly registered reader: unverified, so a verification that should not happen would show."""
    response = client.post("/register", data={"display_name": "قارئ البريد", "email": EMAIL, "password": PASSWORD})
    assert response.status_code == 303
    return db.session.scalar(select(User).where(User.email == EMAIL))


@pytest.fixture
def mailed(app, client, outbox, reader):
    """The reader's token of every purpose, from the mails the site sent them."""
    assert client.post("/account/reset", data={"email": EMAIL}).status_code == 200
    admin = app.test_client()
    sign_in(admin, make_admin())
    response = admin.post(f"/councils/{make_council().id}/staff", data={"email": EMAIL, "role": "responder"})
    assert response.status_code == 303
    tokens = {purpose: _link_token(outbox, purpose) for purpose in ROUTES}
    tokens["unsubscribe"] = unsubscribe_token(reader, "digest")  # what every notification mail's link carries
    return tokens


def sign_in(browser, user) -> None:
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303


def _browser(app, target: str, reader):
    """A new browser; at an invitation, signed in as the invited address (all an invitation asks for)."""
    browser = app.test_client()
    if target == "council_invite":
        sign_in(browser, reader)
    return browser


def _offer(browser, target: str, token: str):
    """Open the link, then post what its page asks for; the answer is followed to the page the reader lands on."""
    path = {"verify_email": "/account/verify/", "reset_password": "/account/reset/",
            "council_invite": "/council-invitations/", "unsubscribe": "/unsubscribe/"}[target] + token
    browser.get(path)
    return browser.post(path, data={"password": NEW_PASSWORD}, follow_redirects=True)


PAIRS = [(given, target) for given in (*ROUTES, "unsubscribe") for target in (*ROUTES, "unsubscribe")
         if given != target]


@pytest.mark.parametrize("given, target", PAIRS, ids=[f"{g}-at-{t}" for g, t in PAIRS])
def test_a_token_offered_for_another_purpose_does_nothing(app, reader, mailed, snapshot, given, target):
    browser = _browser(app, target, reader)
    before = snapshot()
    response = _offer(browser, target, mailed[given])
    page = response.get_data(as_text=True)
    assert response.status_code == (404 if target == "unsubscribe" else 200)
    assert INVALID[target] in page, page  # the invalid-link page, in the reader's language
    after = snapshot()
    assert after == before  # nothing verified, no password set, no council joined, no mail stopped, no token used


@pytest.mark.parametrize("purpose", [*ROUTES, "unsubscribe"])
def test_each_token_works_for_its_own_purpose(app, reader, mailed, snapshot, purpose):
    """The control for the test above: the same tokens, offered where they belong, do change the database."""
    browser = _browser(app, purpose, reader)
    before = snapshot()
    response = _offer(browser, purpose, mailed[purpose])
    assert response.status_code == 200
    assert INVALID[purpose] not in response.get_data(as_text=True)
    assert snapshot() != before


# Size: at least 128 bits of randomness in every link (D.23, ASVS 7.2.3). ------------------------------------------

def _nonce(app, purpose: str, token: str) -> str:
    """The nonce a link carries (it is signed, not encrypted), read as the site reads it."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=f"civicvoice.{purpose}")
    return serializer.loads(token)


def _random_bits(nonces: list[str]) -> float:
    """What the shortest of `nonces` can hold, over the alphabet they use between them."""
    alphabet = set("".join(nonces))
    return min(len(nonce) for nonce in nonces) * math.log2(len(alphabet))


@pytest.mark.app_config(MAIL_CAP_PER_HOUR=0)  # fifty reset mails to one mailbox
def test_emailed_tokens_carry_at_least_128_random_bits(app, db, client, outbox, mailed):
    for _ in range(49):
        assert client.post("/account/reset", data={"email": EMAIL}).status_code == 200
    links = re.findall(ROUTES["reset_password"], "\n".join(m["body"] for m in outbox if m["to"] == EMAIL))
    nonces = [_nonce(app, "reset_password", token) for token in links]
    assert len(nonces) == 50 and len(set(nonces)) == 50  # no two alike
    assert all(URL_SAFE.fullmatch(nonce) for nonce in nonces), nonces
    # secrets.token_urlsafe(32): 43 characters of 64, 258 bits; a random guess needs 2**127 tries on average.
    assert len(set("".join(nonces))) == 64  # 2,150 random characters of 64 use every one of them
    assert _random_bits(nonces) >= 256
    stored = set(db.session.scalars(select(AccountToken.nonce).where(AccountToken.purpose == "reset_password")))
    assert set(nonces) <= stored  # the link carries the stored nonce itself, not something derived from less
    for purpose in ("verify_email", "council_invite"):  # the other links wrap a nonce of the same making
        nonce = _nonce(app, purpose, mailed[purpose])
        assert URL_SAFE.fullmatch(nonce) and len(nonce) >= 43, nonce


# Uniqueness: the database itself refuses a nonce twice (D.23). ----------------------------------------------------

def test_the_nonce_is_unique_in_the_database(db):
    inspector = inspect(db.engine)
    unique = [c["column_names"] for c in inspector.get_unique_constraints("account_tokens")]
    unique += [i["column_names"] for i in inspector.get_indexes("account_tokens") if i["unique"]]
    assert ["nonce"] in unique


def test_the_database_refuses_two_tokens_with_one_nonce(app, db, reader):
    row = {"nonce": "n" * 43, "purpose": "reset_password", "user_id": reader.id, "email": EMAIL, "data": {},
           "created_at": utcnow(), "expires_at": utcnow() + timedelta(hours=1)}
    with db.engine.connect() as connection:
        connection.execute(insert(AccountToken.__table__).values(row))
        for other in ({}, {"purpose": "verify_email"}, {"user_id": None, "email": "another@example.org"}):
            savepoint = connection.begin_nested()
            with pytest.raises(IntegrityError, match="(?i)unique|duplicate"):
                connection.execute(insert(AccountToken.__table__).values({**row, **other}))
            savepoint.rollback()
        count = connection.scalar(select(AccountToken.id).where(AccountToken.nonce == row["nonce"])
                                  .with_only_columns(func.count()))
        connection.rollback()
    assert count == 1
