"""Arguments on a demand: posting, replying, the authors' answers, editing, deleting, hiding, helpful marks."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from .. import activity
from ..activity.models import Event
from ..database import utcnow
from ..errors import InvalidInput, InvalidTransition
from ..extensions import db
from ..proposals import states
from ..proposals.rules import is_author
from . import signals
from .models import BODY_MAX, MAX_DEPTH, STANCES, Argument, ArgumentEdit, HelpfulMark
from .rules import within_edit_window

SORTS = {
    "helpful": (Argument.helpful_count.desc(), Argument.id.desc()),
    "newest": (Argument.id.desc(),),
}


def _text(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write something first."))
    if len(body) > BODY_MAX:
        raise InvalidInput(_("Keep it under %(n)s characters.", n=BODY_MAX))
    return body


def _touch(argument: Argument) -> None:
    argument.proposal.last_activity_at = utcnow()


# Writing ---------------------------------------------------------------------------------------

def post(author, proposal, stance: str, body: str) -> Argument:
    """A top-level argument for or against the demand, or a question to its authors."""
    if proposal.status not in states.ARGUABLE:
        raise InvalidTransition(_("This demand is closed to new arguments."))
    if stance not in STANCES:
        raise InvalidInput(_("Choose for, against or question."))
    argument = Argument(proposal_id=proposal.id, author_id=author.id, stance=stance, body=_text(body))
    _hold_if_the_rules_say(author, proposal, argument)
    db.session.add(argument)
    db.session.flush()
    argument.proposal.last_activity_at = utcnow()
    activity.record(author, "argument.posted", argument, proposal.community, proposal_id=proposal.id,
                    stance=stance, held=argument.status == "held")
    return argument


def _hold_if_the_rules_say(author, proposal, argument: Argument) -> None:
    """The community's pre-moderation rules may make the argument wait for the committee (status "held")."""
    reason = signals.hold_reason(argument, author, proposal.community, argument.body)
    if reason is not None:
        argument.status, argument.held_reason = "held", reason


def reply(author, parent: Argument, body: str, as_authors: bool = False) -> Argument:
    """Answer an argument. Threads nest three levels; deeper answers join the third level, flat.

    `as_authors` marks an author's answer to a question as the authors' answer.
    """
    proposal = parent.proposal
    if proposal.status not in states.ARGUABLE:
        raise InvalidTransition(_("This demand is closed to new arguments."))
    if not parent.is_visible:
        raise InvalidTransition(_("This argument can no longer be answered."))
    root_id = parent.root_id or parent.id
    root = parent if parent.root_id is None else db.session.get(Argument, root_id)
    if as_authors and (root.stance != "question" or not is_author(author, proposal)):
        raise InvalidInput(_("Only the demand's authors answer a question on their behalf."))
    argument = Argument(proposal_id=proposal.id, author_id=author.id, root_id=root_id, parent_id=parent.id,
                        depth=min(parent.depth + 1, MAX_DEPTH), body=_text(body), as_authors=as_authors)
    _hold_if_the_rules_say(author, proposal, argument)
    db.session.add(argument)
    db.session.flush()
    _touch(argument)
    activity.record(author, "argument.replied", argument, proposal.community, proposal_id=proposal.id,
                    title=proposal.title, as_authors=as_authors, parent_id=parent.id)
    if argument.status == "visible":  # a held reply is announced when the committee publishes it
        announce_reply(argument)
    return argument


def announce_reply(argument: Argument) -> None:
    """Tell the authors of the argument answered and of its thread that a reply is published."""
    event = db.session.scalar(select(Event).where(Event.verb == "argument.replied", Event.subject_type == "arguments",
                                                  Event.subject_id == argument.id))
    parent = db.session.get(Argument, argument.parent_id)
    root = db.session.get(Argument, argument.root_id)
    activity.notify(event, [parent.author, root.author])


def edit(author, argument: Argument, body: str) -> bool:
    """Change one's own argument within the edit window; the previous text is kept for the committee.

    The new text meets the community's pre-moderation rules as a new argument would: a link or a listed word
    added in an edit makes the argument wait for the committee too. Returns False when the text is unchanged.
    """
    if not argument.is_visible or not within_edit_window(argument):
        raise InvalidTransition(_("The time to edit this argument is over."))
    body = _text(body)
    if body == argument.body:
        return False
    db.session.add(ArgumentEdit(argument_id=argument.id, body=argument.body,
                                written_at=argument.edited_at or argument.created_at))
    argument.body = body
    argument.edited_at = utcnow()
    _hold_if_the_rules_say(author, argument.proposal, argument)
    db.session.flush()
    return True


def delete_own(author, argument: Argument) -> None:
    """Withdraw one's argument: replies stay, under a "deleted by its author" placeholder.

    The text leaves the page; like an edit, it stays in the history the committee can read.
    """
    if not argument.is_visible:
        raise InvalidTransition(_("This argument was already removed."))
    db.session.add(ArgumentEdit(argument_id=argument.id, body=argument.body,
                                written_at=argument.edited_at or argument.created_at))
    argument.body = ""
    argument.status = "deleted"
    activity.record(author, "argument.deleted", argument, argument.proposal.community,
                    proposal_id=argument.proposal_id)
    db.session.flush()


def mark_helpful(user, argument: Argument) -> bool:
    """One mark per person (the unique constraint decides under concurrency); False when already marked."""
    if not argument.is_visible:
        raise InvalidTransition(_("This argument can no longer be marked as helpful."))
    if argument.author_id == user.id:
        raise InvalidInput(_("You cannot mark your own argument as helpful."))
    try:
        with db.session.begin_nested():
            db.session.add(HelpfulMark(argument_id=argument.id, user_id=user.id))
    except IntegrityError:
        return False
    db.session.execute(update(Argument).where(Argument.id == argument.id)
                       .values(helpful_count=Argument.helpful_count + 1))
    db.session.refresh(argument, ["helpful_count"])
    return True


def unmark_helpful(user, argument: Argument) -> bool:
    """Remove one's mark; False when there was none. The count moves only when a row was deleted."""
    removed = db.session.execute(delete(HelpfulMark).where(
        HelpfulMark.argument_id == argument.id, HelpfulMark.user_id == user.id)).rowcount
    if removed:
        db.session.execute(update(Argument).where(Argument.id == argument.id)
                           .values(helpful_count=Argument.helpful_count - removed))
    db.session.refresh(argument, ["helpful_count"])
    return bool(removed)


def recount_helpful(argument: Argument) -> int:
    """Set the counter from the marks (the reconcile check of the concurrency tests)."""
    count = db.session.scalar(select(func.count()).where(HelpfulMark.argument_id == argument.id))
    argument.helpful_count = count
    db.session.flush()
    return count


# Reading ---------------------------------------------------------------------------------------

def history(argument: Argument) -> list[ArgumentEdit]:
    return list(db.session.scalars(
        select(ArgumentEdit).where(ArgumentEdit.argument_id == argument.id).order_by(ArgumentEdit.id)))


def stance_counts(proposal) -> dict[str, int]:
    """Visible top-level arguments per stance: "N for · M against · K questions"."""
    rows = db.session.execute(
        select(Argument.stance, func.count()).where(Argument.proposal_id == proposal.id,
                                                    Argument.parent_id.is_(None), Argument.status == "visible")
        .group_by(Argument.stance))
    return {stance: 0 for stance in STANCES} | dict(rows.all())


def strongest(proposal) -> dict[str, Argument | None]:
    """The most helpful visible argument for, and against (the oldest wins a tie)."""
    ranked = (
        select(Argument.id, Argument.stance,
               func.row_number().over(partition_by=Argument.stance,
                                      order_by=(Argument.helpful_count.desc(), Argument.id)).label("rank"))
        .where(Argument.proposal_id == proposal.id, Argument.parent_id.is_(None), Argument.status == "visible",
               Argument.stance.in_(("for", "against")))
        .subquery())
    found = db.session.scalars(select(Argument).join(ranked, ranked.c.id == Argument.id).where(ranked.c.rank == 1))
    best = {argument.stance: argument for argument in found}
    return {"for": best.get("for"), "against": best.get("against")}


def _held_shown(viewer_id: int | None, all_held: bool):
    """Arguments waiting for review are shown to the committee (`all_held`) and to their own author only."""
    if all_held:
        return true()
    if viewer_id is None:
        return Argument.status != "held"
    return or_(Argument.status != "held", Argument.author_id == viewer_id)


def top_level(proposal, sort: str = "helpful", viewer_id: int | None = None, all_held: bool = False):
    """A statement for db.paginate: the demand's top-level arguments (placeholders included), sorted."""
    return (select(Argument).where(Argument.proposal_id == proposal.id, Argument.parent_id.is_(None),
                                   _held_shown(viewer_id, all_held))
            .order_by(*SORTS[sort]))


@dataclass
class Node:
    argument: Argument
    replies: list["Node"] = field(default_factory=list)


def threads(roots: list[Argument], viewer_id: int | None = None, all_held: bool = False) -> list[Node]:
    """The page's arguments with their replies as trees, in one query whatever the number of replies.

    A reply to a third-level reply is shown beside it, at the third level (the thread goes flat there).
    Replies waiting for review are left out but for their author and the committee (see _held_shown).
    """
    nodes = {argument.id: Node(argument) for argument in roots}
    if not roots:
        return []
    replies = db.session.scalars(
        select(Argument).where(Argument.root_id.in_(list(nodes)), _held_shown(viewer_id, all_held))
        .order_by(Argument.id))
    for argument in replies:
        node = nodes[argument.id] = Node(argument)
        parent = nodes.get(argument.parent_id)
        if parent is None:  # its parent is not on the page (cannot happen within one root): keep it visible
            parent = nodes[argument.root_id]
        while parent.argument.depth >= MAX_DEPTH and parent.argument.parent_id in nodes:
            parent = nodes[parent.argument.parent_id]
        parent.replies.append(node)
    return [nodes[argument.id] for argument in roots]


def marked_by(user, arguments) -> set[int]:
    """Which of these arguments `user` marked helpful (one query)."""
    ids = [argument.id for argument in arguments]
    if not ids or user is None or not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(HelpfulMark.argument_id).where(
        HelpfulMark.user_id == user.id, HelpfulMark.argument_id.in_(ids))))


def all_arguments(nodes: list[Node]) -> list[Argument]:
    found, stack = [], list(nodes)
    while stack:
        node = stack.pop()
        found.append(node.argument)
        stack.extend(node.replies)
    return found

