""""Download my data": a POST from the account page gives the signed-in person a ZIP of data.json (their rows from
every package that holds any) and the files they uploaded, byte for byte; nothing of anyone else; a secret ballot's
choice stays unlinked; the download and a deletion are logged; downloads are limited per account."""
import io
import json
import logging
import zipfile

import pytest
from sqlalchemy import select

from civicvoice import storage
from civicvoice.accounts import personal_data
from civicvoice.activity.models import Event
from civicvoice.extensions import db
from civicvoice.meetings import services as meetings
from civicvoice.proposals import attachments
from civicvoice.voting import services as voting
from tests.factories import (
    PASSWORD,
    item,
    make_argument,
    make_coauthor,
    make_community,
    make_meeting,
    make_member,
    make_opportunity,
    make_proposal,
    make_report,
    make_signature,
    make_signup,
    make_user,
    make_vote,
    scan_png,
)

OTHER_EMAIL, OTHER_NAME = "zed.other@example.org", "Zed Otherperson"


@pytest.fixture
def person(app, db):
    """Pia, who did one of everything in a community, beside Zed, who did the same things there."""
    community = make_community()
    pia = make_member(community, make_user("Pia Person", "pia@example.org"))
    zed = make_member(community, make_user(OTHER_NAME, OTHER_EMAIL))
    hers = make_proposal(community, author=pia, status="open", title="Fix the fountain")
    attachment = attachments.add(pia, hers, attachments.prepare([(scan_png(color=(200, 10, 10)), "fountain.png")])[0])
    db.session.commit()
    photo = storage.read(attachment.storage_key)  # as the site keeps it (uploads are re-encoded without metadata)
    make_signature(hers, zed, comment="Zed signs too")
    make_argument(hers, zed, body="Zed argues here")
    his = make_proposal(community, author=zed, status="open", title="Pave the lane")
    make_signature(his, pia, comment="I walk there every day")
    zeds_argument = make_argument(his, pia, body="Pia argues for paving")
    make_report(item("argument", make_argument(his, zed, body="Zed again")), reporter=pia, comment="Pia reports it")
    make_coauthor(make_proposal(community, author=zed, status="draft", title="Plant trees"), pia)
    open_poll = make_vote(make_proposal(community, status="open", title="Open vote"))
    secret_poll = make_vote(make_proposal(community, status="open", title="Secret vote"), secret=True)
    for poll, hers_answer in ((open_poll, "yes"), (secret_poll, "abstain")):
        voting.cast(pia, poll, hers_answer)
        voting.cast(zed, poll, "no")
    meeting = make_meeting(community)
    meetings.rsvp(pia, meeting, "going")
    meetings.rsvp(zed, meeting, "maybe")
    opportunity = make_opportunity(community)
    make_signup(opportunity, pia, message="Pia can help on Fridays")
    make_signup(opportunity, zed, message="Zed can help too")
    db.session.commit()
    return {"user": pia, "photo": photo, "open_poll": open_poll, "secret_poll": secret_poll,
            "argument": zeds_argument}


def _download(client, login_as, user):
    login_as(user)
    response = client.post("/account/data")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip" and "no-store" in response.headers["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_zip_holds_the_persons_rows_from_every_package(client, login_as, person):
    archive = _download(client, login_as, person["user"])
    data = json.loads(archive.read("data.json"))
    assert data["accounts"]["account"]["email"] == "pia@example.org"
    assert [m["role"] for m in data["communities"]["memberships"]] == ["member"]
    assert [d["title"] for d in data["proposals"]["demands_authored"]] == ["Fix the fountain"]
    assert [c["title"] for c in data["proposals"]["coauthorships"]] == ["Plant trees"]
    assert [s["comment"] for s in data["signatures"]["signatures"]] == ["I walk there every day"]
    assert [a["body"] for a in data["deliberation"]["arguments"]] == ["Pia argues for paving"]
    assert [(b["poll_id"], b["choice"]) for b in data["voting"]["ballots"]] == [(person["open_poll"].id, "yes")]
    assert {p["poll_id"] for p in data["voting"]["participations"]} == {person["open_poll"].id,
                                                                       person["secret_poll"].id}
    assert [a["answer"] for a in data["meetings"]["answers"]] == ["going"]
    assert [s["message"] for s in data["volunteers"]["signups"]] == ["Pia can help on Fridays"]
    assert [r["comment"] for r in data["moderation"]["reports_made"]] == ["Pia reports it"]
    assert {"proposal.drafted", "signature.signed", "argument.posted"} <= {a["verb"] for a in data["activity"]["actions"]}
    assert set(personal_data.names()) <= set(data)


def test_a_secret_ballots_choice_is_not_in_the_zip(client, login_as, person):
    data = json.loads(_download(client, login_as, person["user"]).read("data.json"))
    assert "abstain" not in json.dumps(data)  # her secret choice: nothing links it to her
    secret = [p for p in data["voting"]["participations"] if p["poll_id"] == person["secret_poll"].id]
    assert secret == [{"poll_id": person["secret_poll"].id, "channel": "online", "title": "Secret vote",
                       "secret": True, "closed_at": None}]


def test_the_files_she_uploaded_are_in_the_zip_byte_for_byte(client, login_as, person):
    archive = _download(client, login_as, person["user"])
    listed = json.loads(archive.read("data.json"))["files"]
    assert [(f["name"], f["content_type"]) for f in listed] == [("fountain.png", "image/png")]
    assert archive.read(listed[0]["path"]) == person["photo"]
    assert sorted(archive.namelist()) == sorted(["data.json", listed[0]["path"]])


def test_nothing_of_another_person_nor_any_secret_is_in_the_zip(client, login_as, person):
    archive = _download(client, login_as, person["user"])
    text = archive.read("data.json").decode()
    for other in (OTHER_EMAIL, OTHER_NAME, "Zed signs too", "Zed argues here", "Zed again", "Zed can help too",
                  "maybe"):
        assert other not in text, other
    for secret in ("password_hash", "secret_hash", "nonce", "$argon2"):
        assert secret not in text, secret


def test_every_package_that_holds_personal_data_gives_it(app):
    """A table with a column pointing at an account belongs to a package that registered an exporter (activity's
    rows are given by accounts, the package above it, under its own name)."""
    holders = set()
    for mapper in db.Model.registry.mappers:
        table = mapper.class_.__table__
        if any(fk.column.table.name == "users" for fk in table.foreign_keys):
            holders.add(mapper.class_.__module__.split(".")[1])
    assert "volunteers" in holders and "voting" in holders
    assert holders <= set(personal_data.names())


def test_only_the_signed_in_person_downloads_by_post(app, client, person):
    response = client.post("/account/data")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert client.get("/account/data").status_code == 405


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_download_without_the_csrf_token_is_refused(client, login_as, person):
    login_as(person["user"])
    assert client.post("/account/data").status_code == 400


def test_the_account_page_offers_the_download(client, login_as, person):
    login_as(person["user"])
    html = client.get("/account").get_data(as_text=True)
    assert 'action="/account/data"' in html and "تنزيل بياناتي" in html


def test_the_download_is_logged(client, login_as, person, caplog):
    user = person["user"]
    with caplog.at_level(logging.INFO, logger="civicvoice.security"):
        _download(client, login_as, user)
    assert any(r.security["event"] == "personal data exported" for r in caplog.records if hasattr(r, "security"))
    event = db.session.scalar(select(Event).where(Event.verb == "account.data_exported"))
    assert event.actor_id == user.id and event.subject_id == user.id


def test_a_deletion_is_logged_too(client, login_as, caplog, app):
    user = make_user()
    login_as(user)
    with caplog.at_level(logging.INFO, logger="civicvoice.security"):
        response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 303
    lines = [r.security for r in caplog.records if hasattr(r, "security")]
    assert any(line["event"] == "account deleted" and line["reason"] == "self" for line in lines)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, DATA_EXPORT_LIMIT="2 per hour")
def test_downloads_are_limited_per_account(client, login_as):
    first, second = make_user(), make_user()
    login_as(first)
    assert [client.post("/account/data").status_code for _ in range(3)] == [200, 200, 429]
    login_as(second)
    assert client.post("/account/data").status_code == 200
