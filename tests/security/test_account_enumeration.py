"""Whether an address has an account does not show (issue #18 item 7): not in the answer, and not in the time it
takes. Registering (alone or with a signature) and asking for a password reset do the same work for a known and
an unknown address: the same number of argon2 hashes, one mail queued, the same response.

The structural tests count the work; the timing tests measure it with the production hash parameters, alternating
the two paths and comparing medians with a tolerance generous enough for a loaded two-core machine (before the fix
a known address registered about fifteen times faster than a new one).
"""
import gc
import re
import statistics
import time
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from civicvoice.extensions import db
from civicvoice.mail import OutboxMessage
from tests.conftest import TEST_CONFIG
from tests.factories import make_admin, make_community, make_council, make_proposal, make_user

TOLERANCE = 1.5  # slower path / faster path, medians
PRODUCTION_HASHING = pytest.mark.app_config(PASSWORD_HASH_PARAMS={})  # argon2-cffi's defaults, as in production
CSRF_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')  # signed with the time: it changes every second


@pytest.fixture
def hashes(monkeypatch):
    """How many argon2 hashes were computed (hash or verify) since the fixture started."""
    calls = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counting(self, *args, _original=original, **kwargs):
            calls.append(1)
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(PasswordHasher, name, counting)
    return calls


def _queued() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def work(client, hashes, path: str, form: dict) -> tuple:
    """(argon2 hashes, mails queued, status, Location, page with the typed address blanked) of one POST."""
    before_hashes, before_mails = len(hashes), _queued()
    response = client.post(path, data=form)
    page = CSRF_TOKEN.sub("", response.get_data(as_text=True).replace(form["email"], "<email>"))
    return (len(hashes) - before_hashes, _queued() - before_mails, response.status_code,
            response.headers.get("Location"), page)


def registration(email: str) -> dict:
    return {"display_name": "Visitor", "email": email, "password": "a long enough passphrase 42"}


# The same work, counted. ---------------------------------------------------------------------------------------

def test_registering_a_known_or_a_new_address_does_the_same_work(client, hashes):
    make_user(email="known@example.org")
    known = work(client, hashes, "/register", registration("known@example.org"))
    new = work(client, hashes, "/register", registration("new@example.org"))
    assert known == new
    assert known[:2] == (1, 1)  # one hash, one mail


def test_registering_to_sign_with_a_known_or_a_new_address_does_the_same_work(client, hashes):
    proposal = make_proposal(make_community(is_open=True), status="open")
    make_user(email="known@example.org")
    path = f"/demands/{proposal.id}/sign/register"
    known = work(client, hashes, path, {**registration("known@example.org"), "visibility": "public"})
    new = work(client, hashes, path, {**registration("new@example.org"), "visibility": "public"})
    assert known == new
    assert known[:2] == (1, 1)


def test_asking_for_a_reset_for_a_known_or_an_unknown_address_does_the_same_work(client, hashes):
    make_user(email="known@example.org")
    known = work(client, hashes, "/account/reset", {"email": "known@example.org"})
    unknown = work(client, hashes, "/account/reset", {"email": "unknown@example.org"})
    assert known == unknown
    assert known[:2] == (0, 1)  # no hash, one mail


def test_an_unknown_address_is_told_that_no_account_uses_it_in_the_readers_language(client, outbox):
    client.post("/account/reset", data={"email": "nobody@example.org"}, headers={"Accept-Language": "en"})
    [english] = outbox
    assert english["to"] == "nobody@example.org"
    assert "no account" in english["body"] and "/account/reset/" not in english["body"]
    client.post("/account/reset", data={"email": "nadie@example.org"})
    arabic = outbox[-1]
    assert arabic["to"] == "nadie@example.org" and "لا يوجد حساب" in arabic["subject"] + arabic["body"]


def test_inviting_council_staff_with_a_known_or_an_unknown_address_does_the_same_work(client, login_as, hashes):
    council = make_council()
    make_user(email="known@example.org")
    login_as(make_admin())
    path = f"/councils/{council.id}/staff"
    known = work(client, hashes, path, {"email": "known@example.org", "role": "viewer"})
    unknown = work(client, hashes, path, {"email": "unknown@example.org", "role": "viewer"})
    assert known == unknown
    assert known[:2] == (0, 1)


# The same time, measured. --------------------------------------------------------------------------------------

@contextmanager
def cheap_hashing(app):
    """Set-up accounts without paying for production hashes (the requests measured do pay)."""
    app.config["PASSWORD_HASH_PARAMS"] = TEST_CONFIG["PASSWORD_HASH_PARAMS"]
    try:
        yield
    finally:
        app.config["PASSWORD_HASH_PARAMS"] = {}


def medians(client, rounds: int, known_form, unknown_form, path: str) -> tuple[float, float]:
    """Median seconds of POSTing `known_form(n)` and `unknown_form(n)`, alternating which goes first (a busy
    moment of the machine falls on both), without the garbage collector's pauses."""
    timings = {"known": [], "unknown": []}
    forms = {"known": known_form, "unknown": unknown_form}
    gc.disable()
    try:
        for n in range(-1, rounds):  # round -1 warms up (templates compiled, caches filled) and is not counted
            for which in (("known", "unknown") if n % 2 == 0 else ("unknown", "known")):
                start = time.perf_counter()
                response = client.post(path, data=forms[which](n))
                elapsed = time.perf_counter() - start
                assert response.status_code in (200, 303)
                if n >= 0:
                    timings[which].append(elapsed)
    finally:
        gc.enable()
    return statistics.median(timings["known"]), statistics.median(timings["unknown"])


def assert_alike(known: float, unknown: float) -> None:
    ratio = max(known, unknown) / min(known, unknown)
    assert ratio < TOLERANCE, f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms (×{ratio:.2f})"


@PRODUCTION_HASHING
def test_registering_takes_as_long_for_a_known_address_as_for_a_new_one(app, client):
    rounds = 7
    with cheap_hashing(app):
        known = [make_user(email=f"known{n}@example.org").email for n in range(-1, rounds)]
    known_median, new_median = medians(client, rounds, lambda n: registration(known[n + 1]),
                                       lambda n: registration(f"new{n}@example.org"), "/register")
    assert_alike(known_median, new_median)


@PRODUCTION_HASHING
def test_asking_for_a_reset_takes_as_long_for_a_known_address_as_for_an_unknown_one(app, client):
    rounds = 31  # quick requests: many rounds, so a busy machine does not decide
    with cheap_hashing(app):
        known = [make_user(email=f"known{n}@example.org").email for n in range(-1, rounds)]
    known_median, unknown_median = medians(client, rounds, lambda n: {"email": known[n + 1]},
                                           lambda n: {"email": f"unknown{n}@example.org"}, "/account/reset")
    assert_alike(known_median, unknown_median)
