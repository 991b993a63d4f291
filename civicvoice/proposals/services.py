"""Demand operations: drafting, co-authors, revisions, the review and the moves of the lifecycle."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import activity, arabic
from ..activity.models import Event
from ..communities import services as communities
from ..database import lock_row, utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition
from ..extensions import db
from . import signals, states
from .models import CATEGORIES, REJECTION_REASONS, Coauthor, Proposal, Revision
from .rules import invitation_for

TEXT_FIELDS = ("title", "summary", "body", "category", "council_id", "place", "resolution")


# Reading ---------------------------------------------------------------------------------------

def authors(proposal: Proposal) -> list:
    """The author and the co-authors who accepted, in the order they joined."""
    people = [proposal.author] if proposal.author is not None else []
    return people + [c.user for c in proposal.coauthors if c.status == "accepted"]


def revisions(proposal: Proposal) -> list[Revision]:
    return list(db.session.scalars(
        select(Revision).where(Revision.proposal_id == proposal.id).order_by(Revision.number.desc())))


def revision(proposal: Proposal, number: int) -> Revision | None:
    return db.session.scalar(
        select(Revision).where(Revision.proposal_id == proposal.id, Revision.number == number))


def review_queue(community) -> list[Proposal]:
    """Demands awaiting the committee, oldest first."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id, Proposal.status == "in_review")
        .options(selectinload(Proposal.author), selectinload(Proposal.coauthors))
        .order_by(Proposal.submitted_at, Proposal.id)))


def review_age(proposal: Proposal, now: datetime | None = None) -> dict:
    """How long the demand has waited, and whether its review is on time, due or overdue."""
    waited = (now or utcnow()) - (proposal.submitted_at or proposal.created_at)
    days = waited.days
    community = proposal.community
    if days >= community.review_overdue_days:
        state = "overdue"
    elif days >= community.review_due_days:
        state = "due"
    else:
        state = "on_time"
    return {"days": days, "state": state, "due_in": max(community.review_due_days - days, 0)}


def drafts_of(user) -> list[Proposal]:
    """Demands this person authors or was invited to, that are not public yet."""
    coauthored = select(Coauthor.proposal_id).where(Coauthor.user_id == user.id)
    return list(db.session.scalars(
        select(Proposal).where((Proposal.author_id == user.id) | Proposal.id.in_(coauthored),
                               Proposal.status.in_(states.PRIVATE | {"withdrawn"}), Proposal.published_at.is_(None))
        .order_by(Proposal.last_activity_at.desc())))


# Every verb _move records: the last of them dates the demand's present status.
MOVES = tuple(f"proposal.{action}" for action in states.TRANSITIONS)


def closed_before(moment: datetime):
    """The ids (a SELECT) of the demands closed (states.CLOSED) whose last move is older than `moment`; a demand
    without recorded moves (older data) counts from its last activity."""
    last_move = (select(func.max(Event.created_at))
                 .where(Event.subject_type == Proposal.__tablename__, Event.subject_id == Proposal.id,
                        Event.verb.in_(MOVES))
                 .correlate(Proposal).scalar_subquery())
    return select(Proposal.id).where(Proposal.status.in_(states.CLOSED),
                                     func.coalesce(last_move, Proposal.last_activity_at) <= moment)


# Writing ---------------------------------------------------------------------------------------

def check_fields(community, fields: dict) -> None:
    if fields.get("category") not in CATEGORIES:
        raise InvalidInput(_("Choose a category from the list."))
    council_id = fields.get("council_id")
    if council_id is not None and council_id not in {council.id for council in community.councils}:
        raise InvalidInput(_("Choose one of the councils this community addresses."))
    centre_id = fields.get("centre_id")
    if centre_id is not None and centre_id not in {centre.id for centre in community.centres}:
        raise InvalidInput(_("Choose one of the community's centres."))
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    if (latitude is None) != (longitude is None):
        raise InvalidInput(_("Give both latitude and longitude, or neither."))


def latest_revision_number(proposal: Proposal) -> int:
    return db.session.scalar(select(func.max(Revision.number)).where(Revision.proposal_id == proposal.id)) or 0


def _save_revision(editor, proposal: Proposal, note: str = "", amendment_id: int | None = None) -> Revision:
    rev = Revision(proposal_id=proposal.id, number=latest_revision_number(proposal) + 1,
                   editor_id=editor.id if editor else None, note=note, amendment_id=amendment_id,
                   **{field: getattr(proposal, field) for field in TEXT_FIELDS})
    db.session.add(rev)
    db.session.flush()
    return rev


def create_draft(author, community, **fields) -> Proposal:
    """Start a draft (revision 1). Only councils linked to the community may be addressed."""
    check_fields(community, fields)
    proposal = Proposal(community_id=community.id, author_id=author.id, status="draft",
                        signature_goal=community.signature_goal, **fields)
    proposal.title_key = arabic.key(proposal.title)
    db.session.add(proposal)
    db.session.flush()
    _save_revision(author, proposal)
    activity.record(author, "proposal.drafted", proposal, community, title=proposal.title)
    return proposal


def edit(editor, proposal: Proposal, note: str = "", **fields) -> Revision | None:
    """Save the authors' changes as a new revision; None when nothing changed."""
    if proposal.status not in states.EDITABLE:
        raise InvalidTransition(_("This demand can no longer be edited."))
    # Check the demand as it will be, so a partial edit keeps the fields it does not name.
    current = {name: getattr(proposal, name) for name in ("category", "council_id", "latitude", "longitude")}
    check_fields(proposal.community, current | fields)
    changed = {k: v for k, v in fields.items() if getattr(proposal, k) != v}
    if not changed:
        return None
    rev = _apply(editor, proposal, changed, note)
    activity.record(editor, "proposal.edited", proposal, proposal.community, revision=rev.number)
    return rev


def _apply(editor, proposal: Proposal, changed: dict, note: str = "", amendment_id: int | None = None) -> Revision:
    for name, value in changed.items():
        setattr(proposal, name, value)
    proposal.title_key = arabic.key(proposal.title)
    proposal.last_activity_at = utcnow()
    return _save_revision(editor, proposal, note, amendment_id)


def apply_amendment(amender, proposal: Proposal, changed: dict, amendment_id: int) -> Revision:
    """Write an accepted amendment as the demand's next revision, credited to the amender.

    Called by deliberation.amendments.accept, which checks the state and the text; the demand is open,
    so this bypasses the EDITABLE rule that limits the authors' own edits to drafts.
    """
    return _apply(amender, proposal, changed, amendment_id=amendment_id)


def invite_coauthor(actor, proposal: Proposal, user) -> Coauthor:
    """Invite a member of the same community to write the demand too."""
    if user.id == proposal.author_id or any(c.user_id == user.id for c in proposal.coauthors):
        raise Conflict(_("This person is already an author or invited."))
    if not communities.is_active_member(proposal.community, user):
        raise InvalidInput(_("Only members of the community can be co-authors."))
    invitation = Coauthor(proposal_id=proposal.id, user_id=user.id, status="invited")
    try:
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:
        raise Conflict(_("This person is already an author or invited.")) from None
    db.session.expire(proposal, ["coauthors"])
    event = activity.record(actor, "proposal.coauthor_invited", proposal, proposal.community,
                            title=proposal.title, user_id=user.id)
    activity.notify(event, [user])
    return invitation


def answer_invitation(user, proposal: Proposal, accept: bool) -> None:
    invitation = invitation_for(user, proposal)
    if invitation is None:
        raise Conflict(_("There is no invitation waiting for you on this demand."))
    if accept:
        invitation.status = "accepted"
    else:
        db.session.delete(invitation)
    verb = "proposal.coauthor_accepted" if accept else "proposal.coauthor_declined"
    event = activity.record(user, verb, proposal, proposal.community, title=proposal.title,
                            name=user.display_name)
    activity.notify(event, [proposal.author])
    db.session.flush()
    db.session.refresh(proposal)


def _move(actor, proposal: Proposal, action: str, reason: str = "", target: str | None = None, **data):
    """Apply one transition of the table, record it with its reason, and return the event.

    `target` only for a transition whose table entry names none ("unhide": back to a status it may leave from
    to be hidden)."""
    move = states.transition(action, proposal.status)
    if move.needs_reason and not reason.strip():
        raise InvalidInput(_("Please give a reason."))
    after = move.target
    if after is None:
        if target not in states.HIDEABLE:
            raise InvalidTransition()
        after = target
    before = proposal.status
    proposal.status = after
    proposal.last_activity_at = utcnow()
    signals.moved.send(proposal, before=before, after=after)
    event = activity.record(actor, f"proposal.{action}", proposal, proposal.community, title=proposal.title,
                            reason=reason.strip(), before=before, after=after, **data)
    db.session.flush()
    return event


def _notify_authors(event, proposal: Proposal) -> None:
    activity.notify(event, authors(proposal))


def submit(actor, proposal: Proposal) -> None:
    """Send the draft to the committee's review queue."""
    event = _move(actor, proposal, "submit")
    proposal.submitted_at = utcnow()
    activity.notify(event, [m.user for m in communities.committee(proposal.community)])


class ReviewedTextChanged(Conflict):
    """The demand is not what the reviewer read: it went back to its authors and was submitted again since."""

    default_message = _l("The demand changed since you read it: read it again before publishing it.")


def submission(proposal: Proposal) -> str:
    """Which submission of the demand is under review (its time): the publish form carries the one read."""
    return proposal.submitted_at.isoformat() if proposal.submitted_at else ""


def publish(actor, proposal: Proposal, *, revision: int | None = None, submitted: str | None = None) -> None:
    """Make the demand public and open for signatures (its goal was copied from the community at drafting).

    `revision` and `submitted` are what the reviewer read (the publish form carries them): a demand sent back and
    submitted again since, with a new text or new attachments, is not published (ReviewedTextChanged). Code with
    no reader (the demo, factories) may leave them out."""
    if revision is not None or submitted is not None:
        lock_row(proposal)  # a resubmission at this moment lands before the check, or after the publication
        db.session.refresh(proposal)
        if revision != latest_revision_number(proposal) or submitted != submission(proposal):
            raise ReviewedTextChanged()
    event = _move(actor, proposal, "publish")
    proposal.published_at = utcnow()
    _notify_authors(event, proposal)


def request_changes(actor, proposal: Proposal, reason: str) -> None:
    _notify_authors(_move(actor, proposal, "request_changes", reason), proposal)


def reject(actor, proposal: Proposal, code: str, reason: str) -> None:
    if code not in REJECTION_REASONS:
        raise InvalidInput(_("Choose a reason from the list."))
    event = _move(actor, proposal, "reject", reason, code=code)
    proposal.rejection_code = code
    _notify_authors(event, proposal)


def withdraw(actor, proposal: Proposal, reason: str) -> None:
    """The authors take the demand back; once it was public, its committee and co-signers are told."""
    event = _move(actor, proposal, "withdraw", reason)
    if proposal.published_at:
        activity.notify(event, [m.user for m in communities.committee(proposal.community)], kind="committee")
        activity.notify(event, authors(proposal) + signals.followers_of(proposal))
    else:
        activity.notify(event, authors(proposal))


def open_vote(actor, proposal: Proposal, told=frozenset(), **data) -> None:
    """Signing stops and the community votes (called by voting.services.open_adoption_vote)."""
    _notify_authors_and_signers(_move(actor, proposal, "open_vote", **data), proposal, told)


def adopt(actor, proposal: Proposal, told=frozenset(), **data) -> None:
    """The vote adopted the demand (`actor` None when the closing time closed it)."""
    _notify_authors_and_signers(_move(actor, proposal, "adopt", **data), proposal, told)


def not_adopt(actor, proposal: Proposal, told=frozenset(), **data) -> None:
    _notify_authors_and_signers(_move(actor, proposal, "not_adopt", **data), proposal, told)


def _notify_authors_and_signers(event, proposal: Proposal, told) -> None:
    """The authors, then the co-signers: except those the vote itself tells (ids in `told`), so that nobody
    hears of one step twice."""
    _notify_authors(event, proposal)
    activity.notify(event, [user for user in signals.followers_of(proposal) if user.id not in told], kind="signed")


def send_letter(actor, proposal: Proposal, **data):
    """The committee sent the formal letter: the demand is with the council now (letters/services.py calls this)."""
    return _move(actor, proposal, "send_letter", **data)


def council_move(actor, proposal: Proposal, action: str, reason: str = "", **data):
    """The council's moves (acknowledge, start_work, resolve, decline) and reopening after a contested resolution;
    council/responses.py calls this and notifies. Returns the event."""
    if action not in ("acknowledge", "start_work", "resolve", "decline", "reopen"):
        raise InvalidTransition()
    data.pop("title", None)  # _move records the title itself
    return _move(actor, proposal, action, reason, **data)


def hide(actor, proposal: Proposal, reason: str, automatic: bool = False):
    """Take the demand out of every public list (moderation/services.py calls this and tells the authors);
    `automatic` when reports hid it, until the committee reviews it. Returns the event."""
    return _move(actor, proposal, "hide", reason or "reports", automatic=automatic)


def unhide(actor, proposal: Proposal, back_to: str, reason: str):
    """Public again, in the status it had when it was hidden. Returns the event."""
    return _move(actor, proposal, "unhide", reason, target=back_to)


def merge(actor, duplicate: Proposal, kept: Proposal, reason: str) -> None:
    """Close `duplicate` in favour of `kept` (same community); the duplicate points to the kept demand.

    Its co-signatures move over, without counting twice anyone who signed both.
    """
    if kept.id == duplicate.id or kept.community_id != duplicate.community_id:
        raise InvalidInput(_("Choose another demand of the same community."))
    if kept.status not in states.ACTIVE_PUBLIC:
        raise InvalidInput(_("The demand to keep must be public and still active."))
    event = _move(actor, duplicate, "merge", reason, kept_id=kept.id, kept_title=kept.title)
    duplicate.merged_into_id = kept.id
    signers = signals.followers_of(duplicate)  # before the move: who signed the duplicate hears where it went
    signals.merged.send(duplicate, kept=kept)
    kept.last_activity_at = utcnow()
    activity.record(actor, "proposal.merged_in", kept, kept.community, title=kept.title,
                    duplicate_id=duplicate.id, duplicate_title=duplicate.title)
    activity.notify(event, authors(duplicate), kind="my_demands")
    activity.notify(event, signers)


def set_goal(actor, proposal: Proposal, goal: int) -> None:
    if not 1 <= goal <= 1_000_000:
        raise InvalidInput(_("Enter a number between 1 and 1,000,000."))
    before = proposal.signature_goal
    proposal.signature_goal = goal
    activity.record(actor, "proposal.goal_changed", proposal, proposal.community, before=before, after=goal)
    db.session.flush()
    signals.goal_changed.send(proposal)


def mergeable_targets(proposal: Proposal) -> list[Proposal]:
    return list(db.session.scalars(
        select(Proposal).where(Proposal.community_id == proposal.community_id, Proposal.id != proposal.id,
                               Proposal.status.in_(states.ACTIVE_PUBLIC))
        .order_by(Proposal.title)))


def overdue_cutoff(community) -> datetime:
    return utcnow() - timedelta(days=community.review_overdue_days)


# Lists -----------------------------------------------------------------------------------------

LIST_STATUSES = ("open", "voting", "adopted", "not_adopted", "submitted", "acknowledged", "in_progress", "resolved",
                 "declined", "withdrawn", "merged")
SORT_ORDERS = {
    "newest": (Proposal.published_at.desc(), Proposal.id.desc()),
    "signatures": (Proposal.signature_count.desc(), Proposal.id.desc()),
    "active": (Proposal.last_activity_at.desc(), Proposal.id.desc()),
}


def listing(*, community=None, category: str = "", status: str = "", council_id: int | None = None,
            sort: str = "newest"):
    """Public demands with the given filters (values already checked against the allowlists); for db.paginate."""
    query = select(Proposal).where(Proposal.status.in_(LIST_STATUSES), Proposal.published_at.is_not(None))
    if community is not None:
        query = query.where(Proposal.community_id == community.id)
    if category:
        query = query.where(Proposal.category == category)
    if status:
        query = query.where(Proposal.status == status)
    if council_id:
        query = query.where(Proposal.council_id == council_id)
    return query.order_by(*SORT_ORDERS[sort])


def similar(community, title: str, exclude_id: int | None = None, limit: int = 5) -> list[Proposal]:
    """Public demands of the community whose titles match `title`, spelling variants folded, best first."""
    wanted = arabic.key(title)
    if len(wanted) < 3:
        return []
    query = select(Proposal.id, Proposal.title_key).where(
        Proposal.community_id == community.id, Proposal.status.in_(states.ACTIVE_PUBLIC))
    if exclude_id:
        query = query.where(Proposal.id != exclude_id)
    scored = sorted(((arabic.similarity(wanted, key), pid) for pid, key in db.session.execute(query)),
                    reverse=True)
    ids = [pid for score, pid in scored[:limit] if score >= 0.3]
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))}
    return [found[pid] for pid in ids]
