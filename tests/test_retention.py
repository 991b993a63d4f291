"""Retention (`flask retention run [--dry-run]`): a dry run counts what the run removes and changes nothing; the
signers of a demand closed long ago keep what its letter holds, so the issued letter still verifies; signers of
open demands, young accounts and accounts that wrote something are left alone; a second run finds nothing."""
import hashlib
import io
import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from civicvoice import create_app, retention
from civicvoice.accounts import tokens
from civicvoice.accounts.models import AccountToken, User, UserSession
from civicvoice.activity.models import Event
from civicvoice.database import utcnow
from civicvoice.extensions import db
from civicvoice.letters import approval
from civicvoice.letters import services as letters
from civicvoice.mail import MAX_ATTEMPTS, OutboxMessage
from civicvoice.proposals.models import Proposal
from civicvoice.signatures import services as signatures
from civicvoice.signatures.models import Signature
from tests.factories import (
    advance_proposal,
    committee_member,
    make_council,
    make_paper_batch,
    make_proposal,
    make_sent_letter,
    make_signature,
    make_user,
    session_secret,
)

LONG_AGO = timedelta(days=400)  # past RETENTION_SIGNER_MONTHS (12), RETENTION_LOG_DAYS (365) and the others
NOTHING = {kind.name: 0 for kind in retention.KINDS}


def _age_moves(proposal, by=LONG_AGO):
    """Date the demand's moves (its closing included) `by` earlier."""
    db.session.execute(update(Event).where(Event.subject_type == "proposals", Event.subject_id == proposal.id)
                       .values(created_at=utcnow() - by))
    db.session.commit()


def _signatures(proposal) -> list[tuple]:
    return sorted(db.session.execute(
        select(Signature.id, Signature.status, Signature.comment, Signature.phone, Signature.name,
               Signature.neighbourhood).where(Signature.proposal_id == proposal.id)).all())


@pytest.fixture
def closed_letter(app, db):
    """A demand signed online (with comments), by someone never confirmed, by someone voided, and on paper (with a
    phone, corrected once); adopted, its letter sent, then declined by the council long ago."""
    council = make_council(contact_email="council@example.org")
    proposal = make_proposal(status="open", council=council)
    make_signature(proposal, make_user("Hala Visible"), comment="My street is dark at night")
    make_signature(proposal, make_user("Nour Pending", verified=False), comment="Pending comment")
    voided = make_signature(proposal, make_user("Sami Voided"), comment="Voided comment")
    make_paper_batch(proposal, rows=(("Salwa Paper", "Old quarter", "0991234567"),))
    chair = committee_member(proposal.community)
    signatures.void(chair, voided, "A duplicate account")
    paper = db.session.scalar(select(Signature).where(Signature.proposal_id == proposal.id, Signature.source == "paper"))
    signatures.correct_paper(chair, paper, name="Salwa Paper", neighbourhood="Old quarter", phone="0991234567",
                             reason="typo")
    db.session.commit()
    for action in ("open_vote", "adopt"):
        advance_proposal(proposal, action)
    letter = make_sent_letter(proposal)
    advance_proposal(proposal, "decline")
    _age_moves(proposal)
    return letter


def test_a_dry_run_counts_what_the_run_removes_and_changes_nothing(app, db, closed_letter):
    proposal = closed_letter.proposal
    before = _signatures(proposal)
    would = retention.run(dry_run=True)
    assert _signatures(proposal) == before
    assert would["signers_of_closed_demands"] == 5  # two comments, one phone, one pending, one voided, one correction
    done = retention.run()
    assert done == would
    assert retention.run() == NOTHING


def test_signers_of_a_closed_demand_keep_what_the_letter_holds(app, db, client, closed_letter):
    version = closed_letter.current
    fingerprint = approval.fingerprint(approval.content(closed_letter))
    retention.run()
    rows = db.session.scalars(select(Signature).where(Signature.proposal_id == closed_letter.proposal_id)
                              .order_by(Signature.id)).all()
    assert [(s.source, s.status) for s in rows] == [("online", "confirmed"), ("paper", "confirmed")]
    assert all(s.comment == "" and s.phone is None and s.network_hash is None for s in rows)
    assert rows[0].user.display_name == "Hala Visible"
    assert (rows[1].name, rows[1].neighbourhood) == ("Salwa Paper", "Old quarter")
    corrected = db.session.scalar(select(Event).where(Event.verb == "signature.corrected"))
    assert "before" not in corrected.data and corrected.data["reason"] == "typo"
    # The letter is what it was: the annex it digests, the stored PDF, its hash, the public check.
    assert approval.fingerprint(approval.content(closed_letter)) == fingerprint
    data = letters.issued_pdf(version)
    assert hashlib.sha256(data).hexdigest() == version.pdf_sha256
    response = client.post(f"/verify/{version.verification_code}", data={"pdf": (io.BytesIO(data), "letter.pdf")},
                           headers={"Accept-Language": "en"}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "This file is exactly the letter as issued." in response.get_data(as_text=True)


def test_signers_of_open_and_recently_closed_demands_are_untouched(app, db):
    open_demand = make_proposal(status="open")
    make_signature(open_demand, comment="Still collecting")
    make_signature(open_demand, verified=False, comment="Not yet confirmed")
    recent = make_proposal(status="open")
    make_signature(recent, comment="Withdrawn last month")
    make_paper_batch(recent, rows=(("Rami", "Hill", "0990000000"),))
    advance_proposal(recent, "withdraw")
    _age_moves(recent, by=timedelta(days=300))
    before = _signatures(open_demand) + _signatures(recent)
    assert retention.run()["signers_of_closed_demands"] == 0
    assert _signatures(open_demand) + _signatures(recent) == before


def test_a_closed_demand_without_a_letter_keeps_its_confirmed_signers(app, db):
    proposal = make_proposal(status="open")
    signature = make_signature(proposal, comment="Why not")
    advance_proposal(proposal, "withdraw")
    _age_moves(proposal)
    assert retention.run()["signers_of_closed_demands"] == 1
    db.session.refresh(signature)
    proposal = db.session.get(Proposal, proposal.id)
    assert signature.status == "confirmed" and signature.comment == "" and proposal.signature_count == 1
    assert signatures.reconcile([proposal.id]) == []  # the counters still match the rows


def _aged_user(days: int, **fields) -> User:
    user = make_user(verified=False, **fields)
    user.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return user


def test_unverified_accounts_that_hold_nothing_go_once_old(app, db):
    old = _aged_user(40, email="old@example.org")
    young = _aged_user(5, email="young@example.org")
    author = _aged_user(40, email="author@example.org")
    make_proposal(status="draft", author=author)
    pending_signer = _aged_user(40, email="pending@example.org")
    make_signature(make_proposal(status="open"), pending_signer)  # pending: it never counted, holds nothing up
    verified_old = make_user(email="verified@example.org")
    verified_old.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    assert retention.run(dry_run=True)["unconfirmed_accounts"] == 2
    assert db.session.get(User, old.id).email == "old@example.org"
    assert retention.run()["unconfirmed_accounts"] == 2
    for user, gone in ((old, True), (pending_signer, True), (young, False), (author, False), (verified_old, False)):
        user = db.session.get(User, user.id)
        assert (user.deleted_at is not None, user.email is None) == (gone, gone), user.id
    deleted = db.session.scalar(select(Event).where(Event.verb == "account.deleted", Event.subject_id == old.id))
    assert deleted.actor_id is None and deleted.data == {"reason": "unconfirmed"}
    assert retention.run() == NOTHING


def test_ended_sessions_spent_links_old_mail_and_old_account_logs_go(app, db):
    user = make_user()
    session_secret(user)
    ended = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    ended.revoked_at, ended.revoked_reason = utcnow(), "signed_out"
    session_secret(user)  # live: kept
    tokens.issue("reset_password", user=user, email=user.email)
    tokens.issue("verify_email", user=user, email=user.email)
    db.session.execute(update(AccountToken).where(AccountToken.purpose == "reset_password")
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    now = utcnow()
    db.session.add_all([
        OutboxMessage(recipient="a@example.org", subject="old", text="x", sent_at=now - timedelta(days=40)),
        OutboxMessage(recipient="b@example.org", subject="given up", text="x", attempts=MAX_ATTEMPTS,
                      created_at=now - timedelta(days=40)),
        OutboxMessage(recipient="c@example.org", subject="recent", text="x", sent_at=now - timedelta(days=2)),
        OutboxMessage(recipient="d@example.org", subject="still trying", text="x", attempts=2,
                      created_at=now - timedelta(days=40)),
    ])
    db.session.execute(update(Event).where(Event.verb == "account.created").values(created_at=now - LONG_AGO))
    db.session.commit()
    folder = app.config["MAIL_OUTBOX_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name, age in (("old.eml", 40), ("new.eml", 1)):
        path = os.path.join(folder, name)
        with open(path, "w") as file:
            file.write("mail")
        stamp = (now - timedelta(days=age)).timestamp()
        os.utime(path, (stamp, stamp))
    expected = {**NOTHING, "ended_sessions": 1, "spent_links": 1, "outbox_messages": 2, "outbox_files": 1,
                "account_log": 1}
    assert retention.run(dry_run=True) == expected
    assert sorted(os.listdir(folder)) == ["new.eml", "old.eml"]
    assert retention.run() == expected
    assert sorted(os.listdir(folder)) == ["new.eml"]
    assert db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)).all() == ["recent",
                                                                                                  "still trying"]
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1
    assert db.session.scalars(select(AccountToken.purpose)).all() == ["verify_email"]
    assert retention.run() == NOTHING


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert retention.months_before(datetime(2026, 3, 31, 8, tzinfo=timezone.utc), 1) == \
        datetime(2026, 2, 28, 8, tzinfo=timezone.utc)
    assert retention.months_before(datetime(2026, 1, 15, tzinfo=timezone.utc), 12) == \
        datetime(2025, 1, 15, tzinfo=timezone.utc)


def test_the_command_says_what_would_go_and_what_went(app, db, closed_letter):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "signers_of_closed_demands: 5 would go" in dry.output
    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0 and "signers_of_closed_demands: 5\n" in done.output
    again = runner.invoke(args=["retention", "run"])
    assert "signers_of_closed_demands: 0\n" in again.output


def test_the_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RETENTION_SIGNER_MONTHS", "6")
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RETENTION_SIGNER_MONTHS"] == 6
    assert (app.config["RETENTION_UNCONFIRMED_DAYS"], app.config["RETENTION_OUTBOX_DAYS"]) == (30, 30)
    monkeypatch.setenv("RETENTION_OUTBOX_DAYS", "0")
    with pytest.raises(RuntimeError, match="RETENTION_OUTBOX_DAYS"):
        create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
