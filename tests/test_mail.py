"""The mail outbox: written in the action's transaction, delivered after it commits, claimed once, tried again
when delivery fails; and after_commit callbacks that wait for the outermost commit."""
from datetime import timedelta

from sqlalchemy import func, select

from civicvoice import mail
from civicvoice.database import after_commit, utcnow
from civicvoice.mail import OutboxMessage


def test_a_queued_message_is_in_the_outbox_table_before_it_leaves(app, db, outbox):
    message = mail.queue("a@example.org", "Subject", "Body", kind="test", html="<p>Body</p>",
                         headers={"X-Test": "1"}, attachments=[("a.pdf", "application/pdf", b"%PDF")])
    assert outbox == [] and message.id is not None and message.sent_at is None
    db.session.commit()
    [sent] = outbox
    assert (sent["to"], sent["subject"], sent["html"], sent["headers"]) == ("a@example.org", "Subject",
                                                                          "<p>Body</p>", {"X-Test": "1"})
    assert sent["attachments"] == [("a.pdf", "application/pdf", b"%PDF")]
    assert db.session.get(OutboxMessage, message.id).sent_at is not None


def test_a_rolled_back_message_never_leaves(app, db, outbox):
    mail.queue("a@example.org", "Subject", "Body", kind="test")
    db.session.rollback()
    assert outbox == [] and db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_message_is_claimed_once_even_if_two_workers_try(app, db, outbox):
    message = mail.queue("a@example.org", "Subject", "Body", kind="test")
    db.session.commit()
    assert len(outbox) == 1
    assert mail.deliver_pending([message.id]) == 0  # sent already: nothing to claim
    assert len(outbox) == 1


def test_a_stale_claim_is_taken_over_but_a_fresh_one_is_not(app, db, outbox, monkeypatch):
    monkeypatch.setattr(mail, "deliver_soon", lambda ids: None)  # as if the job never ran
    message = mail.queue("a@example.org", "Subject", "Body", kind="test")
    db.session.commit()
    message.claimed_at = utcnow()
    db.session.commit()
    assert mail.deliver_pending() == 0
    message.claimed_at = utcnow() - timedelta(minutes=mail.CLAIM_MINUTES + 1)
    db.session.commit()
    assert mail.deliver_pending() == 1 and len(outbox) == 1


def test_failures_wait_longer_and_longer_and_give_up_after_many_attempts(app, db, monkeypatch):
    def down(message):
        raise OSError("no route to host")

    monkeypatch.setattr(mail, "_hand_over", down)
    message = mail.queue("a@example.org", "Subject", "Body", kind="test")
    db.session.commit()
    first_wait = db.session.get(OutboxMessage, message.id).next_attempt_at - utcnow()
    assert mail.deliver_pending() == 0  # not due yet
    message = db.session.get(OutboxMessage, message.id)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    mail.deliver_pending()
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.attempts == 2 and message.next_attempt_at - utcnow() > first_wait
    message.attempts, message.next_attempt_at = mail.MAX_ATTEMPTS, None
    db.session.commit()
    assert mail.deliver_pending() == 0 and db.session.get(OutboxMessage, message.id).attempts == mail.MAX_ATTEMPTS


def test_a_job_that_cannot_even_start_loses_nothing(app, db, outbox, monkeypatch):
    from civicvoice import jobs

    def no_redis(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(jobs, "run_later", no_redis)
    mail.queue("a@example.org", "Subject", "Body", kind="test")
    db.session.commit()  # the commit itself succeeds
    assert outbox == []
    monkeypatch.undo()
    assert mail.deliver_pending() == 1 and len(outbox) == 1


def test_header_values_are_single_lines(app, db, outbox):
    mail.queue("a@example.org\r\nBcc: b@example.org", "One\r\nBcc: c@example.org", "Body", kind="test",
               headers={"X-A": "x\ny"})
    db.session.commit()
    [sent] = outbox
    built = mail._build(sent)
    assert built["Bcc"] is None and "\n" not in sent["subject"] and sent["headers"] == {"X-A": "x y"}


def test_callbacks_wait_for_the_outermost_commit_not_a_savepoint(app, db):
    ran = []
    after_commit(lambda: ran.append("done"))
    with db.session.begin_nested():
        pass  # releasing a savepoint makes nothing durable yet
    assert ran == []
    db.session.commit()
    assert ran == ["done"]


def test_the_outbox_backend_writes_eml_files(app, db, tmp_path):
    app.config["MAIL_BACKEND"] = "outbox"
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    mail.queue("a@example.org", "سلام", "نص", kind="test", html="<p>نص</p>")
    db.session.commit()
    [path] = list(tmp_path.glob("*.eml"))
    assert b"multipart/alternative" in path.read_bytes()
