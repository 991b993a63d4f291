"""Outgoing mail, through an outbox table.

A message is rendered in its recipient's language and written to `outbox_messages` inside the request's own
transaction: a rolled-back action leaves nothing to send. Once the transaction commits, delivery is handed to a job
(`jobs.run_later`); a delivery that fails (SMTP down, a job lost with its worker) stays in the outbox and is tried
again, later and later, by `flask mail deliver` (cron). Each message is claimed before it is sent, so two workers
never send it twice.

Each message has a kind and the mailbox it reaches. Mails anyone can make the site send to an address (a
verification link, a reset link, "you already have an account") are capped per mailbox and kind per hour
(MAIL_CAP_PER_HOUR), counted in this table, so a stranger cannot flood a mailbox from many IPs.
"""
import hashlib
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
from sqlalchemy import (JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, and_, delete, func, or_,
                        select, update)
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
    mailbox: Mapped[str] = mapped_column(String(254), default="", server_default="")  # mailbox(recipient)
    kind: Mapped[str] = mapped_column(String(40), default="", server_default="")  # "reset", "notification", …
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
        Index("ix_outbox_messages_mailbox_kind", "mailbox", "kind", "created_at"),  # the hourly cap's count
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


def mailbox(address: str) -> str:
    """The mailbox an address reaches: lower case, without +extension, without dots where the domain ignores
    them (accounts are unique per mailbox, and the caps count per mailbox)."""
    local, _sep, domain = address.strip().casefold().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in current_app.config["EMAIL_DOTLESS_DOMAINS"]:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


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


def send(to: str, subject_template: str, body_template: str, locale: str = "ar", *, kind: str,
         capped: bool = True, attachments: list[tuple[str, str, bytes]] | None = None,
         **context) -> OutboxMessage | None:
    """Render a mail in the recipient's language and queue it; it leaves after the commit.

    `kind` and `capped`: see queue(). `attachments`: (file name, content type, bytes) triples, e.g. a letter's PDF.
    """
    subject, text, html = render(subject_template, body_template, locale, **context)
    return queue(to, subject, text, kind=kind, capped=capped, attachments=attachments)


def queue(to: str, subject: str, text: str, *, kind: str, capped: bool = True, html: str | None = None,
          headers: dict | None = None, attachments: list[tuple[str, str, bytes]] | None = None
          ) -> OutboxMessage | None:
    """Write one message to the outbox in the current transaction; it is delivered once that commits.

    A `capped` kind of mail goes out at most MAIL_CAP_PER_HOUR times an hour to one mailbox: past that, nothing is
    written (None) and the caller carries on as if it had been, so the page says nothing. Mail that a stranger
    cannot trigger and that must not be lost (notifications a person chose, letters to a council) is uncapped.
    """
    session = db.session
    box = mailbox(to)
    if capped and _over_cap(box, kind):
        log.warning("Not mailing %r: %s mails of kind %r went to that mailbox this hour (MAIL_CAP_PER_HOUR)", to,
                    current_app.config["MAIL_CAP_PER_HOUR"], kind)
        return None
    message = OutboxMessage(recipient=one_line(to), mailbox=box, kind=kind, subject=one_line(subject), text=text,
                            html=html, headers={one_line(k): one_line(v) for k, v in (headers or {}).items()},
                            attachments=[OutboxAttachment(filename=one_line(name), content_type=content_type,
                                                          data=data)
                                         for name, content_type, data in attachments or []])
    session.add(message)
    session.flush()
    message_id = message.id
    after_commit(lambda: deliver_soon([message_id]))
    return message


def _over_cap(box: str, kind: str) -> bool:
    """Whether this mailbox already had MAIL_CAP_PER_HOUR mails of this kind in the last hour (0: no cap)."""
    cap = current_app.config["MAIL_CAP_PER_HOUR"]
    if not cap:
        return False
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Count and write one at a time per mailbox and kind, until the commit: requests racing from many IPs
        # queue here instead of all counting the same rows. (SQLite has one writer at a time: a transaction
        # that read a count another one has since changed cannot write.)
        digest = hashlib.blake2b(f"{kind}\n{box}".encode(), digest_size=8).digest()
        session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))
    sent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.mailbox == box, OutboxMessage.kind == kind,
        OutboxMessage.created_at > utcnow() - timedelta(hours=1)))
    return sent >= cap


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


# Retention (`flask retention run`) -------------------------------------------------------------

def purge(before: datetime, *, dry_run: bool = False) -> int:
    """Delete the messages delivered before `before`, and those given up on (MAX_ATTEMPTS) written before it, with
    their attachments; returns how many (`dry_run`: only counts them). The hourly caps count the last hour only."""
    done = or_(and_(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at <= before),
               and_(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS,
                    OutboxMessage.created_at <= before))
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(done))
    return db.session.execute(delete(OutboxMessage).where(done).execution_options(synchronize_session=False)).rowcount


def purge_files(before: datetime, *, dry_run: bool = False) -> int:
    """Delete the files the outbox backend wrote (MAIL_OUTBOX_DIR) before `before`; returns how many."""
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    old = [path for path in sorted(folder.glob("*.eml")) if path.is_file()
           and path.stat().st_mtime <= before.timestamp()] if folder.is_dir() else []
    if not dry_run:
        for path in old:
            path.unlink(missing_ok=True)
    return len(old)


def outbox(app) -> list[dict]:
    """Messages delivered by the memory backend (tests)."""
    return app.extensions.setdefault("mail_outbox", [])
