"""Sign-in session records (accounts/sessions.py): what is kept, how long a session lives, who ends it, the purge.

The browser's side (cookies, replays, the "My sessions" page) is tested in tests/security/test_sessions.py.
"""
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from civicvoice import create_app
from civicvoice.accounts import services, tokens
from civicvoice.accounts import sessions as user_sessions
from civicvoice.accounts.models import AccountToken, UserSession
from civicvoice.activity.models import Event
from civicvoice.database import utcnow
from civicvoice.errors import InvalidInput
from tests.factories import PASSWORD, make_committee, make_community, make_partner, make_user

NEW_PASSWORD = "a brand new and long passphrase"


def _now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.mark.parametrize("agent, device", [
    ("Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0", ("Firefox", "Android")),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
      "Safari/537.36"), ("Chrome", "Windows")),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
      "Safari/537.36 Edg/126.0.2592.68"), ("Edge", "Windows")),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.5 Mobile/15E148 Safari/604.1"), ("Safari", "iOS")),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"), ("Chrome", "iOS")),
    (("Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 "
      "Chrome/121.0.0.0 Mobile Safari/537.36"), ("Samsung Internet", "Android")),
    (("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile "
      "Safari/537.36 OPR/82.0.0.0"), ("Opera", "Android")),
    (("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
      "Safari/605.1.15"), ("Safari", "macOS")),
    (("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
      "Safari/537.36"), ("Chrome", "ChromeOS")),
    (("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 "
      "Safari/537.36"), ("Chrome", "Linux")),
    ("curl/8.5.0", ("", "")),
    ("", ("", "")),
])
def test_the_device_is_named_by_browser_and_system_only(agent, device):
    assert user_sessions.describe_device(agent) == device


def test_a_session_keeps_only_a_hash_of_its_secret(app, db):
    user = make_user()
    record, secret = user_sessions.start(user, user_agent="Mozilla/5.0 (Android 14) Firefox/126.0")
    db.session.commit()
    assert len(secret) >= 43  # 256 random bits, URL-safe
    assert record.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.execute(select(UserSession.__table__).where(UserSession.id == record.id)).one()
    assert secret not in repr(tuple(row))
    assert (record.browser, record.platform) == ("Firefox", "Android")
    assert user_sessions.find(secret) is record
    for wrong in (secret[:-1], record.secret_hash, "", None, 42, ["x"]):
        assert user_sessions.find(wrong) is None


def test_the_database_refuses_two_sessions_with_one_hash_and_a_session_without_a_future(app, db):
    user = make_user()
    record, _secret = user_sessions.start(user)
    db.session.commit()
    now = utcnow()
    for clash in ({"secret_hash": record.secret_hash}, {"idle_minutes": 0}, {"expires_at": now},
                  {"revoked_reason": "signed_out"}, {"revoked_at": now, "revoked_reason": "tired"}):
        fields = {"secret_hash": "b" * 64, "created_at": now, "last_seen_at": now, "idle_minutes": 5,
                  "expires_at": now + timedelta(hours=1), **clash}
        db.session.add(UserSession(user_id=user.id, **fields))
        with pytest.raises(Exception, match="(?i)unique|check"):
            db.session.flush()
        db.session.rollback()


def test_how_long_each_kind_of_session_lives(app, db):
    resident, chair = make_user(), make_committee(make_community())
    assert user_sessions.policy(resident, False) == (120, timedelta(hours=24), False)
    assert user_sessions.policy(resident, True) == (30 * 24 * 60, timedelta(days=30), True)
    assert user_sessions.policy(chair, True) == (480, timedelta(hours=24), False)
    assert user_sessions.policy(make_partner(make_community(), make_user()), True)[2] is False


@pytest.mark.app_config(SESSION_IDLE_MINUTES=15, SESSION_IDLE_MINUTES_STAFF=10, SESSION_REMEMBER_DAYS=7,
                        SESSION_MAX_HOURS=9)
def test_the_settings_decide(app, db):
    resident, chair = make_user(), make_committee(make_community())
    assert user_sessions.policy(resident, False) == (15, timedelta(hours=9), False)
    assert user_sessions.policy(resident, True) == (7 * 24 * 60, timedelta(days=7), True)
    assert user_sessions.policy(chair, True) == (10, timedelta(hours=9), False)


def test_session_settings_come_from_the_environment_and_must_be_positive(monkeypatch):
    config = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    monkeypatch.setenv("SESSION_IDLE_MINUTES_STAFF", "240")
    monkeypatch.setenv("SESSION_REMEMBER_DAYS", "14")
    app = create_app(config)
    assert (app.config["SESSION_IDLE_MINUTES_STAFF"], app.config["SESSION_REMEMBER_DAYS"]) == (240, 14)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    monkeypatch.setenv("SESSION_MAX_HOURS", "0")
    with pytest.raises(RuntimeError, match="SESSION_MAX_HOURS"):
        create_app(config)


def test_a_session_is_over_when_idle_too_long_or_too_old(app, db):
    user = make_user()
    with freeze_time(_now()) as clock:
        _record, idle = user_sessions.start(user)
        record, busy = user_sessions.start(user)
        db.session.commit()
        for _hour in range(23):
            clock.tick(timedelta(hours=1))
            user_sessions.touch(record.id, user_sessions.due_touch(record, utcnow()))
            db.session.commit()
            assert user_sessions.find(busy) is not None
        assert user_sessions.find(idle) is None  # two idle hours passed long ago
        clock.tick(timedelta(hours=1))
        assert user_sessions.find(busy) is None  # a day after signing in, however busy


def test_last_seen_is_written_at_most_once_a_minute(app, client, login_as, count_queries):
    user = make_user()
    with freeze_time(_now()) as clock:
        login_as(user)
        with count_queries() as queries:
            for _second in range(0, 60, 10):
                assert client.get("/notifications").status_code == 200
                clock.tick(timedelta(seconds=9))
        assert not [q for q in queries if q.startswith("UPDATE user_sessions")]
        clock.tick(timedelta(seconds=7))
        with count_queries() as queries:
            assert client.get("/notifications").status_code == 200
        assert len([q for q in queries if q.startswith("UPDATE user_sessions")]) == 1


def test_a_remembered_resident_who_joins_a_committee_gets_the_staff_policy(app, db):
    user = make_user()
    with freeze_time(_now()) as clock:
        record, _secret = user_sessions.start(user, remember=True)
        db.session.commit()
        clock.tick(timedelta(minutes=5))
        assert user_sessions.due_touch(record, utcnow()) == {"last_seen_at": utcnow()}
        make_committee(make_community(), user)
        values = user_sessions.due_touch(record, utcnow())
    assert values == {"last_seen_at": values["last_seen_at"], "idle_minutes": 480,
                      "expires_at": record.created_at + timedelta(hours=24), "remembered": False}


def test_a_password_change_ends_the_other_sessions_and_the_reset_links(app, db):
    user = make_user()
    here, here_secret = user_sessions.start(user)
    _other, other_secret = user_sessions.start(user, remember=True)
    links = [tokens.issue("reset_password", user=user, email=user.email) for _ in range(2)]
    db.session.commit()
    services.change_password(user, PASSWORD, NEW_PASSWORD, keep=here)
    db.session.commit()
    assert user_sessions.find(here_secret) is here
    assert user_sessions.find(other_secret) is None
    assert [services.reset_token_valid(link) for link in links] == [False, False]


def test_a_reset_ends_every_session_and_every_other_link(app, db):
    user, neighbour = make_user(), make_user()
    secrets = [user_sessions.start(user)[1] for _ in range(2)]
    older, newer = (tokens.issue("reset_password", user=user, email=user.email) for _ in range(2))
    theirs = tokens.issue("reset_password", user=neighbour, email=neighbour.email)
    verify = tokens.issue("verify_email", user=user, email=user.email)
    db.session.commit()
    services.reset_password(newer, NEW_PASSWORD)
    db.session.commit()
    assert [user_sessions.find(secret) for secret in secrets] == [None, None]
    assert not services.reset_token_valid(older)
    assert services.reset_token_valid(theirs)  # only this account's links
    assert tokens.peek("verify_email", verify) is not None  # only reset links
    with pytest.raises(InvalidInput):
        services.reset_password(older, "an attacker's own passphrase")


def test_deleting_the_account_erases_its_sessions(app, db):
    user = make_user()
    user_sessions.start(user, user_agent="Mozilla/5.0 (Android 14) Firefox/126.0")
    db.session.commit()
    services.delete_account(user, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


def test_signing_out_devices_from_my_sessions_is_recorded(app, db):
    user = make_user()
    here, _ = user_sessions.start(user)
    phone, _ = user_sessions.start(user)
    others = [user_sessions.start(user)[0] for _ in range(2)]
    db.session.commit()
    assert user_sessions.sign_out_device(user, phone) is True
    assert user_sessions.sign_out_device(user, phone) is False  # already signed out: nothing more recorded
    assert user_sessions.sign_out_other_devices(user, here) == 2
    assert user_sessions.sign_out_other_devices(user, here) == 0
    db.session.commit()
    assert user_sessions.live(user) == [here]
    assert [(o.revoked_reason) for o in [phone, *others]] == ["ended_elsewhere"] * 3
    events = db.session.scalars(select(Event).where(Event.verb.like("account.%session%")).order_by(Event.id)).all()
    assert [(e.verb, e.actor_id, e.data) for e in events] == [
        ("account.session_ended", user.id, {"session": phone.id}),
        ("account.other_sessions_ended", user.id, {"sessions": [o.id for o in reversed(others)]}),
    ]


def _purge_fixture(db, clock):
    """Sessions of each ending, two and a half hours after they started: which live, which are over."""
    user, chair = make_user(), make_committee(make_community())
    live = {"staff": user_sessions.start(chair)[0], "remembered": user_sessions.start(user, remember=True)[0]}
    over = {"idle": user_sessions.start(user)[0], "signed_out": user_sessions.start(user, remember=True)[0]}
    user_sessions.end(over["signed_out"], "signed_out")
    db.session.commit()
    clock.tick(timedelta(hours=2, minutes=30))
    return live, over


def test_purge_deletes_the_sessions_that_are_over_and_only_those(app, db):
    with freeze_time(_now()) as clock:
        live, _over = _purge_fixture(db, clock)
        assert user_sessions.purge() == 2
        db.session.commit()
    remaining = set(db.session.scalars(select(UserSession.id)))
    assert remaining == {record.id for record in live.values()}


def test_flask_sessions_purge_from_cron(app, db):
    with freeze_time(_now()) as clock:
        _purge_fixture(db, clock)
        first = app.test_cli_runner().invoke(args=["sessions", "purge"])
        again = app.test_cli_runner().invoke(args=["sessions", "purge"])
    assert first.exit_code == 0 and "2 ended session(s) deleted." in first.output
    assert again.exit_code == 0 and "0 ended session(s) deleted." in again.output
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2
