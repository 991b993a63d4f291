"""Amendments: a member proposes a new text for an open demand; members take a side; the authors decide."""
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import activity
from ..accounts.models import User
from ..database import utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition
from ..extensions import db
from ..proposals import services as proposals
from ..proposals import states
from .models import AMENDABLE_FIELDS, Amendment, AmendmentPosition

LOCKED_ONCE_SIGNED = ("category", "council_id")


def compared_with(amendment: Amendment):
    """What the amendment is read against: the demand as it stands while open, the base revision once decided."""
    if amendment.status == "proposed":
        return amendment.proposal
    return proposals.revision(amendment.proposal, amendment.base_revision) or amendment.proposal


def _same_text(new, current):
    """`current` when `new` differs from it only by line endings (browsers post CRLF, stored texts may have LF),
    so a field the amender did not touch is not read as a change."""
    if isinstance(new, str) and isinstance(current, str):
        return current if new.replace("\r\n", "\n") == current.replace("\r\n", "\n") else new
    return new


def _check(proposal, fields: dict) -> None:
    proposals.check_fields(proposal.community, {"latitude": None, "longitude": None} | fields)
    changed = {name for name in AMENDABLE_FIELDS if fields[name] != getattr(proposal, name)}
    if not changed:
        raise InvalidInput(_("The amendment does not change the text."))
    if proposal.signature_count > 0 and changed & set(LOCKED_ONCE_SIGNED):
        raise InvalidInput(_("The demand has signatures: an amendment cannot change its council or category."))


def propose(author, proposal, reason: str, **fields) -> Amendment:
    """Record a new version of the demand's text (all its amendable fields) and why it is better."""
    if proposal.status not in states.AMENDABLE:
        raise InvalidTransition(_("Amendments are possible only while the demand is open for signatures."))
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    fields = {name: _same_text(fields.get(name, getattr(proposal, name)), getattr(proposal, name))
              for name in AMENDABLE_FIELDS}
    _check(proposal, fields)
    amendment = Amendment(proposal_id=proposal.id, author_id=author.id, reason=reason.strip(),
                          base_revision=proposals.latest_revision_number(proposal), **fields)
    db.session.add(amendment)
    db.session.flush()
    proposal.last_activity_at = utcnow()
    event = activity.record(author, "proposal.amendment_proposed", proposal, proposal.community,
                            title=proposal.title, amendment_id=amendment.id)
    activity.notify(event, proposals.authors(proposal))
    return amendment


def _require_open(amendment: Amendment) -> None:
    if amendment.status != "proposed":
        raise InvalidTransition(_("This amendment was already decided."))
    if amendment.proposal.status not in states.AMENDABLE:
        raise InvalidTransition(_("Amendments are possible only while the demand is open for signatures."))


def position_of(user, amendment: Amendment) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(AmendmentPosition.position).where(
        AmendmentPosition.amendment_id == amendment.id, AmendmentPosition.user_id == user.id))


def _shift(amendment: Amendment, before: str | None, after: str | None) -> None:
    """Move the counters in SQL, so concurrent positions never lose an update."""
    def delta(side):
        return (1 if after == side else 0) - (1 if before == side else 0)
    db.session.execute(update(Amendment).where(Amendment.id == amendment.id).values(
        support_count=Amendment.support_count + delta("support"),
        oppose_count=Amendment.oppose_count + delta("oppose")))
    db.session.refresh(amendment, ["support_count", "oppose_count"])


def take_position(user, amendment: Amendment, position: str | None) -> None:
    """Support, oppose, or (None) withdraw one's position; one row per person, changing it updates the row."""
    _require_open(amendment)
    if position not in ("support", "oppose", None):
        raise InvalidInput(_("Choose support or oppose."))
    row = db.session.scalar(select(AmendmentPosition).where(
        AmendmentPosition.amendment_id == amendment.id, AmendmentPosition.user_id == user.id).with_for_update())
    before = row.position if row else None
    if before == position:
        return
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(AmendmentPosition(amendment_id=amendment.id, user_id=user.id, position=position))
        except IntegrityError:
            raise Conflict(_("Your position was recorded a moment ago. Reload the page to see it.")) from None
    elif position is None:
        db.session.delete(row)
    else:
        row.position = position
    db.session.flush()
    _shift(amendment, before, position)


def accept(actor, amendment: Amendment):
    """The authors take the amendment: it becomes the demand's next revision, credited to the amender.

    Refused (Conflict) when a field it changes was changed by another revision since it was written.
    """
    _require_open(amendment)
    proposal = amendment.proposal
    base = proposals.revision(proposal, amendment.base_revision)
    wanted = {name: getattr(amendment, name) for name in AMENDABLE_FIELDS
              if base is None or getattr(amendment, name) != getattr(base, name)}
    stale = [name for name in wanted if base is not None and getattr(proposal, name) != getattr(base, name)]
    if stale:
        raise Conflict(_("The text changed since this amendment was written. Ask its author to propose it again."))
    changed = {name: value for name, value in wanted.items() if getattr(proposal, name) != value}
    if not changed:
        raise Conflict(_("The demand's text already matches this amendment."))
    if proposal.signature_count > 0 and set(changed) & set(LOCKED_ONCE_SIGNED):
        raise InvalidInput(_("The demand has signatures: an amendment cannot change its council or category."))
    rev = proposals.apply_amendment(amendment.author, proposal, changed, amendment.id)
    amendment.status = "accepted"
    amendment.revision_number = rev.number
    amendment.decided_by_id = actor.id
    amendment.decided_at = utcnow()
    event = activity.record(actor, "proposal.amendment_accepted", proposal, proposal.community,
                            title=proposal.title, amendment_id=amendment.id, revision=rev.number,
                            amender=amendment.author.public_name if amendment.author else "")
    activity.notify(event, [amendment.author, *_people_with_positions(amendment)])
    db.session.flush()
    return rev


def decline(actor, amendment: Amendment, reason: str) -> None:
    _require_open(amendment)
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    amendment.status = "declined"
    amendment.decline_reason = reason.strip()
    amendment.decided_by_id = actor.id
    amendment.decided_at = utcnow()
    proposal = amendment.proposal
    event = activity.record(actor, "proposal.amendment_declined", proposal, proposal.community,
                            title=proposal.title, amendment_id=amendment.id, reason=reason.strip())
    activity.notify(event, [amendment.author, *_people_with_positions(amendment)])
    db.session.flush()


def withdraw(actor, amendment: Amendment) -> None:
    if amendment.status != "proposed":
        raise InvalidTransition(_("This amendment was already decided."))
    amendment.status = "withdrawn"
    amendment.decided_at = utcnow()
    activity.record(actor, "proposal.amendment_withdrawn", amendment.proposal, amendment.proposal.community,
                    title=amendment.proposal.title, amendment_id=amendment.id)
    db.session.flush()


def _people_with_positions(amendment: Amendment) -> list:
    return list(db.session.scalars(select(User).join(AmendmentPosition, AmendmentPosition.user_id == User.id)
                                   .where(AmendmentPosition.amendment_id == amendment.id)))


def of(proposal):
    """The demand's amendments (not those hidden by moderation), open ones first, then newest first; for
    db.paginate."""
    return (select(Amendment).where(Amendment.proposal_id == proposal.id, Amendment.hidden_at.is_(None))
            .order_by(case((Amendment.status == "proposed", 0), else_=1), Amendment.id.desc()))


def open_count(proposal) -> int:
    return db.session.scalar(select(func.count()).where(Amendment.proposal_id == proposal.id,
                                                        Amendment.status == "proposed", Amendment.hidden_at.is_(None)))

