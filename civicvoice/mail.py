"""Outgoing mail: queued during a request, delivered only after the transaction commits."""
import logging
import smtplib
import uuid
from contextlib import nullcontext
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template

from . import jobs
from .database import after_commit
from .i18n import force_locale

log = logging.getLogger(__name__)


def send(to: str, subject_template: str, body_template: str, locale: str = "ar",
         attachments: list[tuple[str, str, bytes]] | None = None, **context) -> None:
    """Render a mail in the recipient's language and deliver it after the commit.

    `attachments`: (file name, content type, bytes) triples, e.g. a letter's PDF.
    """
    # Outside a request (command line, jobs) links are built against BASE_URL.
    request_context = nullcontext() if has_request_context() else current_app.test_request_context(
        base_url=current_app.config["BASE_URL"])
    with request_context, force_locale(locale):
        subject = " ".join(render_template(subject_template, **context).split())  # one line, whatever names hold
        body = render_template(body_template, **context)
    message = {"to": to, "subject": subject, "body": body, "sender": current_app.config["MAIL_DEFAULT_SENDER"],
               "attachments": list(attachments or [])}
    after_commit(lambda: jobs.run_later(deliver, message))


def _build(message: dict) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = message["sender"]
    mail["To"] = message["to"]
    mail["Subject"] = message["subject"]
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="civicvoice.local")
    mail.set_content(message["body"])
    for filename, content_type, data in message.get("attachments", []):
        maintype, subtype = content_type.split("/", 1)
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def deliver(message: dict) -> None:
    """Hand one message to the configured backend (smtp, outbox or memory)."""
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
        return
    mail = _build(message)
    if backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(mail)
        return
    outbox = Path(config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(mail))
    log.info("Mail to %r: %s (%s)\n%s", message["to"], message["subject"], path, message["body"])


def outbox(app) -> list[dict]:
    """Messages delivered by the memory backend (tests)."""
    return app.extensions.setdefault("mail_outbox", [])
