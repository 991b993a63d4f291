"""What is kept of a demand's signers once it has been closed for RETENTION_SIGNER_MONTHS: what its letter holds.

The letter's annex lists every confirmed signature: the name (the account's, or the one written on the sheet), the
neighbourhood, the day, online or on paper, and how the identity was checked. That stays, so that the issued PDF,
its hash and the letter's approval fingerprint (letters/approval.py, which digests the annex) remain what they were.
What goes: the "why I sign" comments, paper signers' phones, the hashed networks and domains signing was checked
against, the names a committee member corrected on paper (kept in the correction's event), and the signatures that
never counted (still pending, or voided), which no letter holds.
"""
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update

from ..activity.models import Event
from ..extensions import db
from ..proposals.services import closed_before
from .models import Signature


def _conditions(before: datetime):
    closed = Signature.proposal_id.in_(closed_before(before))
    reducible = and_(closed, Signature.status == "confirmed",
                     or_(Signature.comment != "", Signature.phone.is_not(None), Signature.network_hash.is_not(None),
                         Signature.domain_hash.is_not(None)))
    uncounted = and_(closed, Signature.status != "confirmed")
    return closed, reducible, uncounted


def _corrections(closed) -> list[Event]:
    """The paper corrections of these signatures whose event still holds the name and neighbourhood before."""
    events = db.session.scalars(
        select(Event).join(Signature, and_(Event.subject_type == Signature.__tablename__,
                                           Event.subject_id == Signature.id))
        .where(Event.verb == "signature.corrected", closed))
    return [event for event in events if "before" in (event.data or {})]


def _count(condition) -> int:
    return db.session.scalar(select(func.count()).select_from(Signature).where(condition))


def reduce_closed(before: datetime, *, dry_run: bool = False) -> int:
    """Reduce the signatures of demands closed before `before` to what the letter holds; returns how many rows
    (signatures, and correction events) changed or went. `dry_run` only counts them."""
    closed, reducible, uncounted = _conditions(before)
    corrections = _corrections(closed)
    if dry_run:
        return _count(reducible) + _count(uncounted) + len(corrections)
    for event in corrections:
        event.data = {key: value for key, value in event.data.items() if key != "before"}
    db.session.flush()
    reduced = db.session.execute(
        update(Signature).where(reducible)
        .values(comment="", phone=None, network_hash=None, domain_hash=None)
        .execution_options(synchronize_session=False)).rowcount
    # Never counted (the counters hold confirmed signatures only): deleting them leaves every count as it is.
    dropped = db.session.execute(delete(Signature).where(uncounted)
                                 .execution_options(synchronize_session=False)).rowcount
    return reduced + dropped + len(corrections)
