"""Notifications by email: at once, or gathered in a daily digest; each in its recipient's language, plain text and
HTML (right to left in Arabic), with a one-click unsubscribe link for its kind.

Both run as jobs after the action's commit (inline in a fresh context, or in an RQ worker). A notification is
claimed (`mailed_at`) in the same transaction that writes its mail to the outbox, so it is mailed once, and a job
that dies on the way leaves it unmailed for the next sweep (`flask mail deliver`).
"""
import html
import logging
import re

from flask import render_template
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from .. import mail, urls
from ..database import utcnow
from ..extensions import db
from .kinds import KINDS
from .messages import describe, link
from .models import Notification
from .recipients import can_be_mailed, unsubscribe_token

log = logging.getLogger(__name__)
BATCH = 100
_TAG = re.compile(r"<[^>]+>")


def plain(markup) -> str:
    """A notification's sentence as plain text: isolated names keep their Unicode isolates, tags go."""
    text = re.sub(r"<bdi[^>]*>", "\u2068", str(markup))
    text = text.replace("</bdi>", "\u2069")
    return html.unescape(_TAG.sub("", text))


def _absolute(path: str | None) -> str | None:
    return urls.absolute(path) if path else None


def _headers(unsubscribe_url: str) -> dict:
    # RFC 8058: mail programs offer "unsubscribe" and post to the link themselves, without opening a page.
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated"}


def _render(recipient, subject_template: str, name: str, unsubscribe_kind: str, **context):
    """(subject, text, html, headers) of one mail to `recipient`, in their language and digits; its unsubscribe
    link stops `unsubscribe_kind`."""
    with mail.rendering(recipient.locale, native_digits=recipient.digits != "latn"):
        unsubscribe_url = urls.external("accounts.unsubscribe",
                                        token=unsubscribe_token(recipient, unsubscribe_kind))
        context |= {"recipient": recipient, "unsubscribe_url": unsubscribe_url, "plain": plain,
                    "describe": describe, "absolute": lambda event: _absolute(link(event)),
                    "settings_url": urls.external("activity.settings")}
        subject = mail.one_line(render_template(subject_template, **context))[:300]
        text = render_template(f"email/{name}.txt", **context)
        body = render_template(f"email/{name}.html", **context)
    return subject, text, body, _headers(unsubscribe_url)


def _claim(query) -> list[int]:
    """Mark these notifications mailed now and return their ids (only those nobody else claimed)."""
    return list(db.session.execute(query.values(mailed_at=utcnow()).returning(Notification.id)).scalars())


def send_now(event_id: int | None = None) -> int:
    """Mail, one by one, the notifications due at once (of `event_id`, or all); returns how many mails were
    written to the outbox (which delivers them after each batch commits)."""
    pending = select(Notification.id).where(Notification.email == "now", Notification.mailed_at.is_(None))
    if event_id is not None:
        pending = pending.where(Notification.event_id == event_id)
    ids = list(db.session.scalars(pending.order_by(Notification.id)))
    return sum(_send_batch(ids[start:start + BATCH]) for start in range(0, len(ids), BATCH))


def _send_batch(ids: list[int]) -> int:
    try:
        claimed = _claim(update(Notification).where(Notification.id.in_(ids), Notification.mailed_at.is_(None)))
        notes = db.session.scalars(select(Notification).where(Notification.id.in_(claimed))
                                   .options(joinedload(Notification.recipient)).order_by(Notification.id)).all()
        queued = [_single(note) for note in notes if can_be_mailed(note.recipient)]
        db.session.commit()
        return len(queued)
    except Exception:  # noqa: BLE001 - rolled back: the notifications stay unmailed for the next sweep
        db.session.rollback()
        log.exception("Could not mail notifications %s", ids)
        return 0


def _single(note: Notification):
    subject, text, body, headers = _render(note.recipient, "email/notification_subject.txt", "notification",
                                           note.kind, event=note.event, kind=KINDS[note.kind])
    # Uncapped (mail.queue): only members' own, rate-limited actions trigger notifications, each person chose email
    # for the kind and can stop it in one click, and a silent cap would drop news they asked for.
    return mail.queue(note.recipient.email, subject, text, kind="notification", capped=False, html=body,
                      headers=headers)


def send_digests() -> int:
    """One mail per person gathering their unread notifications waiting for the digest, grouped by kind; returns
    how many digests were written. Run it once a day (cron or the RQ scheduler); a second run the same day finds
    nothing left to send."""
    recipients = list(db.session.scalars(select(Notification.recipient_id).where(
        Notification.email == "digest", Notification.mailed_at.is_(None)).distinct()))
    return sum(_digest_for(recipient_id) for recipient_id in recipients)


def _digest_for(recipient_id: int) -> int:
    try:
        claimed = _claim(update(Notification).where(
            Notification.recipient_id == recipient_id, Notification.email == "digest",
            Notification.mailed_at.is_(None)))
        # Read in the app already: nothing new to say about it.
        notes = db.session.scalars(select(Notification).where(Notification.id.in_(claimed),
                                                              Notification.read_at.is_(None))
                                   .options(joinedload(Notification.recipient)).order_by(Notification.id)).all()
        sent = bool(notes) and can_be_mailed(notes[0].recipient)
        if sent:
            _digest(notes)
        db.session.commit()
        return int(sent)
    except Exception:  # noqa: BLE001 - rolled back: the next run carries them
        db.session.rollback()
        log.exception("Could not build the digest of user %s", recipient_id)
        return 0


def groups(notes: list[Notification]) -> list[tuple[str, object, list[Notification]]]:
    """(kind, its description, its notifications) in the order of KINDS."""
    by_kind: dict[str, list[Notification]] = {}
    for note in notes:
        by_kind.setdefault(note.kind, []).append(note)
    return [(kind, spec, by_kind[kind]) for kind, spec in KINDS.items() if kind in by_kind]


def _digest(notes: list[Notification]):
    recipient = notes[0].recipient
    grouped = groups(notes)
    with mail.rendering(recipient.locale, native_digits=recipient.digits != "latn"):
        kind_links = {kind: urls.external("accounts.unsubscribe", token=unsubscribe_token(recipient, kind))
                      for kind, _spec, _notes in grouped}
        count = ngettext("%(num)s new notification", "%(num)s new notifications", len(notes))
    subject, text, body, headers = _render(recipient, "email/digest_subject.txt", "digest", "digest",
                                           groups=grouped, kind_links=kind_links, count=count)
    return mail.queue(recipient.email, subject, text, kind="digest", capped=False, html=body, headers=headers)


def sweep() -> dict:
    """Everything that should have left and has not: notifications due at once, then the outbox."""
    return {"notifications": send_now(), "outbox": mail.deliver_pending()}
