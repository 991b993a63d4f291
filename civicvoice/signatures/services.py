"""Signing, withdrawing, voiding, paper batches, and counters that never drift.

Counters on the demand change in SQL, in the same transaction as the signature row, and only when a
conditional write really changed a row: a double click or two racing requests count once.
"""
import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from .. import activity, storage
from ..accounts.models import User
from ..accounts.names import has_web_address
from ..communities import services as communities
from ..database import insert_ignoring, utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..i18n import to_ascii_digits
from ..proposals import states
from ..proposals.models import Proposal
from ..proposals.services import authors
from . import networks
from .models import VISIBILITY, PaperBatch, Signature

log = logging.getLogger(__name__)


class AlreadySigned(Conflict):
    default_message = _("You already signed this demand.")


# Counters --------------------------------------------------------------------------------------

def _count(proposal: Proposal, online: int = 0, paper: int = 0) -> None:
    """Add to the demand's counters atomically; record, once, that the goal was reached."""
    db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id).values(
            signature_count=Proposal.signature_count + online + paper,
            online_count=Proposal.online_count + online, paper_count=Proposal.paper_count + paper)
        .execution_options(synchronize_session=False))
    reached = db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id, Proposal.goal_reached_at.is_(None),
                               Proposal.signature_count >= Proposal.signature_goal)
        .values(goal_reached_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(proposal)
    if reached == 1:
        event = activity.record(None, "proposal.goal_reached", proposal, proposal.community, title=proposal.title,
                                goal=proposal.signature_goal)
        _tell_authors_and_committee(event, proposal)


def uncount(actor, proposal: Proposal, online: int = 0, paper: int = 0) -> bool:
    """Take confirmed signatures the committee voided out of the counters; True when the demand fell below its
    goal.

    The goal counts valid signatures only: when voided ones had carried the demand to it, it is reached no more
    (recorded, its authors and committee told) and the vote waits until it is reached again. A withdrawal does
    not do this: people changing their minds must not make the goal come and go (see _count).
    """
    _count(proposal, online=-online, paper=-paper)
    lost = db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id, Proposal.goal_reached_at.is_not(None),
                               Proposal.signature_count < Proposal.signature_goal)
        .values(goal_reached_at=None).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(proposal)
    if lost == 1:
        event = activity.record(actor, "proposal.goal_lost", proposal, proposal.community, title=proposal.title,
                                goal=proposal.signature_goal, count=proposal.signature_count)
        _tell_authors_and_committee(event, proposal)
    return lost == 1


def _tell_authors_and_committee(event, proposal: Proposal) -> None:
    activity.notify(event, authors(proposal) + [m.user for m in communities.committee(proposal.community)])


def check_goal(proposal: Proposal) -> None:
    """Record that the goal is reached when a lower goal is set below the signatures already counted."""
    _count(proposal)


def reconcile(proposal_ids: list[int] | None = None, *, warn: bool = True) -> list[dict]:
    """Recount confirmed signatures and fix any counter that drifted; returns the drifts found.

    warn=False when the recount follows a deliberate bulk move (a merge), which is no drift.
    """
    counted = (select(Signature.proposal_id, Signature.source, func.count(Signature.id))
               .where(Signature.status == "confirmed").group_by(Signature.proposal_id, Signature.source))
    truth: dict[int, dict[str, int]] = {}
    for proposal_id, source, n in db.session.execute(counted):
        truth.setdefault(proposal_id, {"online": 0, "paper": 0})[source] = n
    query = select(Proposal)
    if proposal_ids is not None:
        query = query.where(Proposal.id.in_(proposal_ids))
    drifts = []
    for proposal in db.session.scalars(query):
        real = truth.get(proposal.id, {"online": 0, "paper": 0})
        stored = {"online": proposal.online_count, "paper": proposal.paper_count}
        if stored != real:
            drifts.append({"proposal_id": proposal.id, "stored": stored, "counted": real})
            if warn:
                log.warning("Signature counters of demand %s drifted: stored %s, counted %s", proposal.id, stored,
                            real)
            proposal.online_count, proposal.paper_count = real["online"], real["paper"]
            proposal.signature_count = real["online"] + real["paper"]
    db.session.flush()
    return drifts


# Online signatures -----------------------------------------------------------------------------

def signature_of(user, proposal: Proposal) -> Signature | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Signature).where(Signature.proposal_id == proposal.id,
                                                     Signature.user_id == user.id))


def _insert_ignoring_duplicates(values: dict):
    return insert_ignoring(Signature, ["proposal_id", "user_id"], values)


def sign(user, proposal: Proposal, visibility: str = "public", comment: str = "", *,
         address: str | None = None) -> Signature:
    """Co-sign as `user`: counted now if their identity is verified, pending until they confirm their email.
    `address` is the signer's IP address (as ProxyFix decided it): only its network's hash is kept.

    A second attempt (double click, two tabs, racing requests) raises AlreadySigned and changes nothing.
    """
    if proposal.status not in states.SIGNABLE:
        raise InvalidTransition(_("This demand is not open for signatures."))
    if not communities.is_active_member(proposal.community, user):
        raise NotAllowed(_("Join the community to sign its demands."))
    if visibility not in VISIBILITY:
        raise InvalidInput()
    confirmed = user.is_identity_verified
    now = utcnow()
    new_id = db.session.execute(_insert_ignoring_duplicates({
        "proposal_id": proposal.id, "user_id": user.id, "source": "online",
        "status": "confirmed" if confirmed else "pending", "visibility": visibility, "comment": comment.strip(),
        "neighbourhood": "", "void_reason": "", "created_at": now, "confirmed_at": now if confirmed else None,
        "network_hash": networks.network_label(address), "domain_hash": networks.domain_hash(user.email),
    })).scalar()
    if new_id is None:
        raise AlreadySigned()
    if confirmed:
        _count(proposal, online=1)
    proposal.last_activity_at = now
    signature = db.session.get(Signature, new_id)
    # Signature events have the signature as subject: the demand's public timeline never lists signers.
    activity.record(user, "signature.signed", signature, proposal.community, proposal_id=proposal.id,
                    pending=not confirmed)
    return signature


def confirm_pending(user) -> int:
    """Count `user`'s pending signatures now that their email is verified; returns how many."""
    confirmed = 0
    pending = db.session.scalars(select(Signature).where(Signature.user_id == user.id,
                                                         Signature.status == "pending")).all()
    for signature in pending:
        proposal = db.session.get(Proposal, signature.proposal_id)
        if proposal.status not in states.SIGNABLE:
            continue
        changed = db.session.execute(
            update(Signature).where(Signature.id == signature.id, Signature.status == "pending")
            .values(status="confirmed", confirmed_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            _count(proposal, online=1)
            confirmed += 1
    return confirmed


def update_choice(user, proposal: Proposal, visibility: str, comment: str) -> None:
    signature = signature_of(user, proposal)
    if signature is None or signature.status == "voided" or proposal.status not in states.SIGNABLE:
        raise Conflict(_("You can change your signature only while the demand is open for signatures."))
    if visibility not in VISIBILITY:
        raise InvalidInput()
    signature.visibility, signature.comment = visibility, comment.strip()
    db.session.flush()


def withdraw(user, proposal: Proposal) -> None:
    """Take one's signature back while the demand is still signable."""
    if proposal.status not in states.SIGNABLE:
        raise InvalidTransition(_("You can withdraw your signature only while the demand is open for signatures."))
    signature = signature_of(user, proposal)
    status = signature and db.session.execute(
        delete(Signature).where(Signature.id == signature.id, Signature.status.in_(("pending", "confirmed")))
        .returning(Signature.status).execution_options(synchronize_session=False)).scalar()
    if not status:
        raise Conflict(_("You have not signed this demand."))
    db.session.expunge(signature)
    if status == "confirmed":
        _count(proposal, online=-1)
    activity.record(user, "signature.withdrawn", signature, proposal.community, proposal_id=proposal.id)


def void(actor, signature: Signature, reason: str) -> None:
    """The committee strikes a signature (a fake account, a duplicate on paper); the signer is told."""
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    before = db.session.execute(
        update(Signature).where(Signature.id == signature.id, Signature.status != "voided")
        .values(status="voided", voided_at=utcnow(), voided_by_id=actor.id, void_reason=reason.strip())
        .returning(Signature.confirmed_at).execution_options(synchronize_session=False)).first()
    if before is None:
        raise Conflict(_("This signature was already voided."))
    proposal = db.session.get(Proposal, signature.proposal_id)
    if before.confirmed_at is not None:
        uncount(actor, proposal, **{signature.source: 1})
    db.session.refresh(signature)
    event = activity.record(actor, "signature.voided", signature, proposal.community, proposal_id=proposal.id,
                            source=signature.source, reason=reason.strip(), title=proposal.title)
    if signature.user is not None:
        activity.notify(event, [signature.user])


# Paper -----------------------------------------------------------------------------------------

def parse_rows(text: str) -> list[tuple[str, str, str]]:
    """One signer per line: name, neighbourhood[, phone] separated by commas (, or ،) or tabs."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace("،", ",").replace("\t", ",").split(",")]
        if len(parts) < 2 or not parts[0] or not parts[1] or len(parts) > 3:
            raise InvalidInput(_("Line %(n)s: write the name, then the neighbourhood, then the phone if given.",
                                 n=number))
        phone = parts[2] if len(parts) == 3 else ""
        if phone and not all(ch.isdigit() or ch in "+- ()" for ch in phone):
            raise InvalidInput(_("Line %(n)s: the phone may contain digits only.", n=number))
        if len(parts[0]) > 120 or len(parts[1]) > 120 or len(phone) > 32:
            raise InvalidInput(_("Line %(n)s is too long.", n=number))
        if has_web_address(parts[0]):
            raise InvalidInput(_("Line %(n)s: write the name without a web or email address.", n=number))

        rows.append((parts[0], parts[1], to_ascii_digits(phone)))
    if not rows:
        raise InvalidInput(_("Enter at least one signer."))
    return rows


def record_paper_batch(actor, proposal: Proposal, *, centre, collected_on: date, scan, rows) -> PaperBatch:
    """Enter a sheet signed at a centre: the scan (a prepared upload) and one confirmed signature per row."""
    if proposal.status not in states.SIGNABLE:
        raise InvalidTransition(_("This demand is not open for signatures."))
    if centre is not None and centre.community_id != proposal.community_id:
        raise InvalidInput(_("Choose a centre of this community."))
    if collected_on > date.today():
        raise InvalidInput(_("The date cannot be in the future."))
    batch = PaperBatch(proposal_id=proposal.id, centre_id=centre.id if centre else None, collected_on=collected_on,
                       entered_by_id=actor.id, scan_key=storage.save(scan.data, scan.content_type), scan_type=scan.content_type,
                       scan_filename=scan.filename)
    db.session.add(batch)
    db.session.flush()
    now = utcnow()
    db.session.add_all(
        Signature(proposal_id=proposal.id, source="paper", status="confirmed", visibility="letter_only", name=name,
                  neighbourhood=neighbourhood, phone=phone or None, batch_id=batch.id, confirmed_at=now)
        for name, neighbourhood, phone in rows)
    db.session.flush()
    _count(proposal, paper=len(rows))
    proposal.last_activity_at = now
    activity.record(actor, "signature.paper_batch", proposal, proposal.community, batch_id=batch.id, count=len(rows),
                    centre=centre.name if centre else "")
    return batch


def correct_paper(actor, signature: Signature, *, name: str, neighbourhood: str, phone: str, reason: str) -> None:
    if signature.source != "paper" or signature.status == "voided":
        raise Conflict(_("Only paper signatures that are not voided can be corrected."))
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    before = {"name": signature.name, "neighbourhood": signature.neighbourhood}
    signature.name, signature.neighbourhood, signature.phone = name.strip(), neighbourhood.strip(), phone or None
    proposal = db.session.get(Proposal, signature.proposal_id)
    activity.record(actor, "signature.corrected", signature, proposal.community, proposal_id=proposal.id,
                    reason=reason.strip(), before=before)
    db.session.flush()


def forget_networks(proposal: Proposal) -> int:
    """Signing is over for good: forget the hashed networks and domains of the demand's signatures (a bulk
    invalidation needed them, nothing else does). Returns how many rows held some."""
    return db.session.execute(
        update(Signature).where(Signature.proposal_id == proposal.id,
                                Signature.network_hash.is_not(None) | Signature.domain_hash.is_not(None))
        .values(network_hash=None, domain_hash=None).execution_options(synchronize_session=False)).rowcount


# Merge -----------------------------------------------------------------------------------------

def move(duplicate: Proposal, kept: Proposal) -> int:
    """Carry the duplicate's signatures over to the kept demand, skipping people who signed both."""
    already = select(Signature.user_id).where(Signature.proposal_id == kept.id, Signature.user_id.is_not(None))
    moved = db.session.execute(
        update(Signature).where(Signature.proposal_id == duplicate.id, Signature.status != "voided",
                                (Signature.user_id.is_(None)) | Signature.user_id.not_in(already))
        .values(proposal_id=kept.id).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    reconcile([duplicate.id, kept.id], warn=False)
    _count(kept)  # the moved signatures may reach the kept demand's goal
    return moved


# Reading ---------------------------------------------------------------------------------------

def signers(proposal: Proposal):
    """Confirmed signatures, newest first; paginate with db.paginate."""
    return (select(Signature).where(Signature.proposal_id == proposal.id, Signature.status == "confirmed")
            .order_by(Signature.confirmed_at.desc(), Signature.id.desc()))


def signer_accounts(proposal: Proposal) -> list:
    """The accounts behind the confirmed signatures (paper signers have none): who is told what becomes of it."""
    return list(db.session.scalars(
        select(User).join(Signature, Signature.user_id == User.id)
        .where(Signature.proposal_id == proposal.id, Signature.status == "confirmed")))


def latest_public(proposal: Proposal, limit: int = 5) -> list[Signature]:
    return list(db.session.scalars(signers(proposal).where(Signature.source == "online",
                                                           Signature.visibility == "public").limit(limit)))


def paper_signatures(proposal: Proposal) -> list[Signature]:
    return list(db.session.scalars(
        select(Signature).where(Signature.proposal_id == proposal.id, Signature.source == "paper")
        .order_by(Signature.batch_id, Signature.id)))


def all_signatures(proposal: Proposal) -> list[Signature]:
    """Every confirmed signature in a stable order (the export and the letter annex)."""
    return list(db.session.scalars(
        select(Signature).where(Signature.proposal_id == proposal.id, Signature.status == "confirmed")
        .order_by(Signature.confirmed_at, Signature.id)))


# What signatures answer and do when the core announces (connected in views.init_app) ---------------------------

def on_email_verified(user) -> str | None:
    """Signatures given before the address was verified count from now on."""
    return _("Your signature now counts.") if confirm_pending(user) else None


def on_followers(proposal: Proposal) -> list:
    return signer_accounts(proposal)


def on_merged(duplicate: Proposal, kept: Proposal) -> None:
    move(duplicate, kept)


def on_goal_changed(proposal: Proposal) -> None:
    check_goal(proposal)


def on_moved(proposal: Proposal, before: str, after: str) -> None:
    """Once signing is over for good (a hidden demand may be made public again), what a bulk invalidation of its
    signatures would match on is forgotten."""
    if before in states.SIGNABLE and after not in states.SIGNABLE and after != "hidden":
        forget_networks(proposal)
