"""Outgoing mail, through an outbox table.

A message is rendered in its recipient's language and written to `outbox_messages` inside the request's own
transaction: a rolled-back action leaves nothing to send. Once the transaction commits, delivery is handed to a job
(`jobs.run_later`); a delivery that fails (SMTP down, a job lost with its worker) stays in the outbox and is tried
again, later and later, by `flask mail deliver` (cron). Each message is claimed before it is sent, so two workers
never send it twice.
"""
import logging
import smtplib
import uuid
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, render_template
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, or_, select, update
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import jobs
from .database import after_commit, utcnow
from .extensions import db
from .i18n import fixed_digits, force_locale

log = logging.getLogger(__name__)

CLAIM_MINUTES = 10  # a claim older than this belongs to a worker that died: the message may be taken again
MAX_ATTEMPTS = 12  # with the growing wait between attempts, about two days of trying


class OutboxMessage(db.Model):
    """A mail waiting to be delivered (or delivered: `sent_at`)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]

    attachments: Mapped[list["OutboxAttachment"]] = relationship(cascade="all, delete-orphan",
                                                                 order_by="OutboxAttachment.id")

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_messages_unsent", "next_attempt_at", "id", sqlite_where=sql("sent_at IS NULL"),
              postgresql_where=sql("sent_at IS NULL")),
    )


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


def one_line(value: str) -> str:
    """A header value: whatever a name or title holds (new lines included), one line."""
    return " ".join(str(value).split())


@contextmanager
def rendering(locale: str = "ar", native_digits: bool | None = None):
    """Render for one recipient: their language and digits. Outside a request (command line, jobs) links are
    built against BASE_URL."""
    request_context = nullcontext() if has_request_context() else current_app.test_request_context(
        base_url=current_app.config["BASE_URL"])
    with request_context, force_locale(locale):
        digits = nullcontext() if native_digits is None else fixed_digits(native_digits)
        with digits:
            yield


def render(subject_template: str, body_template: str, locale: str = "ar", html_template: str | None = None,
           **context) -> tuple[str, str, str | None]:
    """(subject, text, html) in `locale`."""
    with rendering(locale):
        subject = one_line(render_template(subject_template, **context))
        text = render_template(body_template, **context)
        html = render_template(html_template, **context) if html_template else None
    return subject, text, html


def send(to: str, subject_template: str, body_template: str, locale: str = "ar",
         attachments: list[tuple[str, str, bytes]] | None = None, **context) -> OutboxMessage:
    """Render a mail in the recipient's language and queue it; it leaves after the commit.

    `attachments`: (file name, content type, bytes) triples, e.g. a letter's PDF.
    """
    subject, text, html = render(subject_template, body_template, locale, **context)
    return queue(to, subject, text, attachments=attachments)


def queue(to: str, subject: str, text: str, *, html: str | None = None, headers: dict | None = None,
          attachments: list[tuple[str, str, bytes]] | None = None) -> OutboxMessage:
    """Write one message to the outbox in the current transaction; it is delivered once that commits."""
    session = db.session
    message = OutboxMessage(recipient=one_line(to), subject=one_line(subject), text=text, html=html,
                            headers={one_line(k): one_line(v) for k, v in (headers or {}).items()},
                            attachments=[OutboxAttachment(filename=one_line(name), content_type=kind, data=data)
                                         for name, kind, data in attachments or []])
    session.add(message)
    session.flush()
    message_id = message.id
    after_commit(lambda: deliver_soon([message_id]))
    return message


def deliver_soon(ids: list[int]) -> None:
    """Hand delivery to a job; if even that fails (Redis away), the outbox sweep will find the messages."""
    try:
        jobs.run_later(deliver_pending, ids)
    except Exception:  # noqa: BLE001 - nothing is lost: the messages wait in the outbox
        log.exception("Could not start the delivery of outbox messages %s; they wait for `flask mail deliver`", ids)


def deliver_pending(ids: list[int] | None = None, limit: int = 500) -> int:
    """Deliver these outbox messages, or (None) every one that is due; return how many left. Never raises.

    Each message is its own transaction: one failure does not hold back the others.
    """
    ids = ids if ids is not None else _due(utcnow(), limit)
    return sum(_deliver_one(message_id) for message_id in ids)


def _due(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
                                       or_(OutboxMessage.next_attempt_at.is_(None),
                                           OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id).limit(limit)))


def _deliver_one(message_id: int) -> int:
    session = db.session
    now = utcnow()
    claimed = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
                                    or_(OutboxMessage.claimed_at.is_(None),
                                        OutboxMessage.claimed_at < now - timedelta(minutes=CLAIM_MINUTES)))
        .values(claimed_at=now)).rowcount
    session.commit()
    if not claimed:
        return 0
    message = session.get(OutboxMessage, message_id)
    attempts = message.attempts + 1
    try:
        _hand_over(message)
    except Exception as error:  # noqa: BLE001 - kept for the next attempt, whatever went wrong
        session.rollback()
        log.warning("Mail %s to %r failed (attempt %s): %r", message_id, message.recipient, attempts, error)
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            attempts=attempts, last_error=repr(error)[:2000], claimed_at=None,
            next_attempt_at=utcnow() + timedelta(minutes=2 ** min(attempts, 11))))
        session.commit()
        return 0
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        sent_at=utcnow(), attempts=attempts, claimed_at=None, last_error=""))
    session.commit()
    return 1


def _as_dict(message: OutboxMessage) -> dict:
    return {"to": message.recipient, "subject": message.subject, "body": message.text, "html": message.html,
            "headers": dict(message.headers or {}), "sender": current_app.config["MAIL_DEFAULT_SENDER"],
            "attachments": [(a.filename, a.content_type, a.data) for a in message.attachments], "id": message.id}


def _build(message: dict) -> EmailMessage:
    """The MIME message: plain text, and HTML as its alternative when there is one."""
    mail = EmailMessage()
    mail["From"] = message["sender"]
    mail["To"] = message["to"]
    mail["Subject"] = message["subject"]
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="civicvoice.local")
    for name, value in (message.get("headers") or {}).items():
        mail[name] = value
    mail.set_content(message["body"])
    if message.get("html"):
        mail.add_alternative(message["html"], subtype="html")
    for filename, content_type, data in message.get("attachments", []):
        maintype, subtype = content_type.split("/", 1)
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def _hand_over(message: OutboxMessage) -> None:
    """Give one message to the configured backend (smtp, outbox files or memory)."""
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    data = _as_dict(message)
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(data)
        return
    mail = _build(data)
    if backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(mail)
        return
    outbox_dir = Path(config["MAIL_OUTBOX_DIR"])
    outbox_dir.mkdir(parents=True, exist_ok=True)
    path = outbox_dir / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(mail))
    log.info("Mail to %r: %s (%s)\n%s", data["to"], data["subject"], path, data["body"])


def outbox(app) -> list[dict]:
    """Messages delivered by the memory backend (tests)."""
    return app.extensions.setdefault("mail_outbox", [])
