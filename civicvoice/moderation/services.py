"""Moderation: reports and the automatic hiding they lead to, the committee's decisions, blocks, appeals,
pre-moderation of arguments, and the public log. Every action records a `moderation.*` event: the log, the
author's notification and the committee's queue all read from them."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import activity
from ..accounts.models import User
from ..activity.models import Event
from ..communities import services as communities
from ..communities.models import Block
from ..database import insert_ignoring, lock_row, utcnow
from ..deliberation.models import Argument
from ..deliberation.services import announce_reply
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..proposals.models import Proposal
from . import items, premoderation
from .items import Item
from .models import (
    APPEAL_DECISIONS,
    BLOCK_PERIODS,
    HIDDEN,
    PENDING,
    REASONS,
    Appeal,
    ModerationCase,
    ModerationRules,
    Report,
)
from .rules import case_of

# The public log: every decision, never the text it is about.
LOG_VERBS = ("moderation.auto_hidden", "moderation.hidden", "moderation.restored", "moderation.dismissed",
             "moderation.blocked", "moderation.unblocked", "moderation.appealed", "moderation.appeal_upheld",
             "moderation.appeal_granted", "moderation.approved", "moderation.rejected", "signature.invalidated")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give a reason."))
    if len(reason) > 1000:
        raise InvalidInput(_("Keep it under %(n)s characters.", n=1000))
    return reason


def _role(actor, community) -> str:
    """How the log names who acted: never a name, the role."""
    if actor is None:
        return "system"
    return "committee" if communities.is_committee_member(community, actor) else "admin"


def _committee(community) -> list:
    return [m.user for m in communities.committee(community)]


def _record(actor, verb: str, subject, community, **data):
    return activity.record(actor, verb, subject, community, role=_role(actor, community),
                           community_name=community.name, **data)


def _tell_committee(verb: str, case: ModerationCase, community, recipients=None) -> None:
    """Work for the committee: its own event, worded for the committee (the author's says "your content")."""
    event = activity.record(None, verb, case, community, kind=case.subject_type, community_name=community.name)
    activity.notify(event, _committee(community) if recipients is None else recipients, kind="committee")


# Rules -----------------------------------------------------------------------------------------

def rules_of(community) -> ModerationRules:
    """The community's rules (the defaults until the committee changes them; not stored until then)."""
    found = db.session.get(ModerationRules, community.id)
    return found or ModerationRules(community_id=community.id, report_threshold=current_app.config[
        "REPORT_THRESHOLD"], hold_account_days=0, hold_links=False, hold_words="")


def update_rules(actor, community, *, report_threshold: int, hold_account_days: int, hold_links: bool,
                 hold_words: str) -> ModerationRules:
    if not 1 <= report_threshold <= 100 or not 0 <= hold_account_days <= 365:
        raise InvalidInput()
    rules = db.session.get(ModerationRules, community.id)
    if rules is None:
        rules = ModerationRules(community_id=community.id)
        db.session.add(rules)
    words = "\n".join(dict.fromkeys(line.strip() for line in (hold_words or "").splitlines() if line.strip()))
    rules.report_threshold, rules.hold_account_days = report_threshold, hold_account_days
    rules.hold_links, rules.hold_words = hold_links, words
    activity.record(actor, "moderation.rules_changed", community, community, threshold=report_threshold,
                    account_days=hold_account_days, links=hold_links, words=len(rules.words))
    db.session.flush()
    return rules


# Cases and reports -----------------------------------------------------------------------------

def _open_case(item: Item) -> ModerationCase:
    """The item's case, made once even when two people report it at the same moment."""
    author = item.author
    db.session.execute(insert_ignoring(ModerationCase, ["community_id", "subject_type", "subject_id"], {
        "community_id": item.community.id, "subject_type": item.kind, "subject_id": item.id,
        "author_id": author.id if author is not None else None, "status": "open", "reason": "",
        "opened_at": utcnow(), "created_at": utcnow()}))
    return case_of(item)


def pending_reports(case: ModerationCase) -> int:
    """Reports not yet answered by a decision, from distinct people whose email is confirmed (a throwaway
    account cannot hide anything)."""
    return db.session.scalar(
        select(func.count()).select_from(Report).join(User, User.id == Report.reporter_id)
        .where(Report.case_id == case.id, Report.resolved_at.is_(None), User.email_verified_at.is_not(None),
               User.deleted_at.is_(None)))


def report(reporter, item: Item, reason: str, comment: str = "") -> Report:
    """Report an item. One report per person per item (the unique constraint decides: a second one raises
    Conflict). Once `report_threshold` different people's reports are pending, the item is hidden until a
    committee member reviews it; the committee hears of the first report of a round and of the hiding."""
    if reason not in REASONS:
        raise InvalidInput(_("Choose a reason from the list."))
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise InvalidInput(_("Keep it under %(n)s characters.", n=1000))
    case = _open_case(item)
    # The count below then sees every report committed before, so racing reports cannot all miss the threshold.
    _lock(case)
    try:
        with db.session.begin_nested():
            entry = Report(case_id=case.id, reporter_id=reporter.id, reason=reason, comment=comment)
            db.session.add(entry)
    except IntegrityError:
        raise Conflict(_("You have already reported this. The committee will look at it.")) from None
    if case.status not in PENDING and not case.is_hidden:  # decided before: a new round of reports
        reopened = db.session.execute(update(ModerationCase).where(
            ModerationCase.id == case.id, ModerationCase.status.in_(("restored", "dismissed")))
            .values(status="open", opened_at=utcnow())).rowcount
        db.session.refresh(case)
        if reopened:
            _tell_committee("moderation.reported", case, item.community)
    elif case.status == "open" and _first_report(case):
        _tell_committee("moderation.reported", case, item.community)
    if case.status == "open" and pending_reports(case) >= rules_of(item.community).report_threshold:
        _auto_hide(case, item)
    db.session.flush()
    return entry


def _first_report(case: ModerationCase) -> bool:
    return db.session.scalar(select(func.count()).where(Report.case_id == case.id,
                                                        Report.resolved_at.is_(None))) == 1


def _auto_hide(case: ModerationCase, item: Item) -> None:
    """Enough reports: hidden until reviewed. The UPDATE … WHERE status = 'open' decides when reports race."""
    if not item.can_be_hidden:
        return  # a demand being voted on stays up; the queue shows the committee it is waiting
    previous = item.obj.status if item.kind == "proposal" else None
    hidden = db.session.execute(update(ModerationCase).where(
        ModerationCase.id == case.id, ModerationCase.status == "open")
        .values(status="auto_hidden", previous_status=previous)).rowcount
    db.session.refresh(case)
    if not hidden:
        return
    items.hide(None, item, "")
    event = _record(None, "moderation.auto_hidden", case, item.community, kind=item.kind)
    activity.notify(event, item.told)
    _tell_committee("moderation.review_needed", case, item.community)


def _lock(row) -> None:
    """Decisions on one case (or one held argument) queue here, then read it and what it is about as the one
    before them left it: two committee members acting at once cannot both decide on what they saw."""
    lock_row(row)
    db.session.expire_all()


def _resolve_reports(case: ModerationCase) -> None:
    db.session.execute(update(Report).where(Report.case_id == case.id, Report.resolved_at.is_(None))
                       .values(resolved_at=utcnow()))


def _decide(actor, case: ModerationCase, status: str, reason: str) -> None:
    case.status, case.reason, case.decided_by_id, case.decided_at = status, reason, actor.id, utcnow()
    _resolve_reports(case)


def hide(actor, item: Item, reason: str) -> ModerationCase:
    """The committee hides an item (reported or not) or keeps hidden what reports hid; its author is told why and
    may appeal. For a person: their arguments in the community wait for review from now on."""
    reason = _reason(reason)
    case = case_of(item) or _open_case(item)
    _lock(case)
    if case.status == "hidden":
        raise InvalidTransition(_("This is hidden already."))
    if not item.is_hidden:
        if not item.can_be_hidden:
            raise InvalidTransition(_("This cannot be hidden now."))
        case.previous_status = item.obj.status if item.kind == "proposal" else None
        items.hide(actor, item, reason)
    elif item.kind == "argument":
        item.obj.hidden_reason = reason  # the placeholder now gives the committee's reason
    elif item.kind == "amendment":
        item.obj.hidden_reason = reason
    elif item.kind == "minutes":
        item.obj.minutes_hidden_reason = reason
    _decide(actor, case, "hidden", reason)
    event = _record(actor, "moderation.hidden", case, item.community, kind=item.kind, reason=reason)
    activity.notify(event, item.told)
    db.session.flush()
    return case


def restore(actor, case: ModerationCase, reason: str) -> None:
    """Show a hidden item again (or stop holding a person's posts); its reports are closed."""
    reason = _reason(reason)
    _lock(case)
    if case.status not in HIDDEN:
        raise InvalidTransition(_("This is not hidden."))
    item = item_of(case)
    items.show(actor, item, reason, case.previous_status)
    _decide(actor, case, "restored", reason)
    # An appeal still waiting has its answer: the item is back.
    db.session.execute(update(Appeal).where(Appeal.case_id == case.id, Appeal.decision.is_(None)).values(
        decision="granted", decision_reason=reason, decided_by_id=actor.id, decided_at=utcnow()))
    event = _record(actor, "moderation.restored", case, item.community, kind=item.kind, reason=reason)
    activity.notify(event, item.told)
    db.session.flush()


def dismiss(actor, case: ModerationCase, reason: str) -> None:
    """The reports are unfounded: the item stays (or is back, if the reports had hidden it)."""
    reason = _reason(reason)
    _lock(case)
    if case.status not in PENDING:
        raise InvalidTransition(_("These reports were already answered."))
    item = item_of(case)
    was_hidden = case.status == "auto_hidden"
    if was_hidden:
        items.show(actor, item, reason, case.previous_status)
    _decide(actor, case, "dismissed", reason)
    event = _record(actor, "moderation.dismissed", case, item.community, kind=item.kind, reason=reason)
    if was_hidden:
        activity.notify(event, item.told)
    db.session.flush()


def item_of(case: ModerationCase) -> Item:
    item = items.load(case.subject_type, case.subject_id, case.community)
    if item is None:
        raise InvalidTransition(_("This was removed in the meantime."))
    return item


def reports_of(case: ModerationCase) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id)))


def has_reported(user, item: Item) -> bool:
    case = case_of(item)
    return case is not None and db.session.scalar(
        select(func.count()).where(Report.case_id == case.id, Report.reporter_id == user.id)) > 0


# The queue --------------------------------------------------------------------------------------

def queue(community):
    """Cases waiting for the committee, oldest first (for db.paginate); see queue_items for their content."""
    return (select(ModerationCase).where(ModerationCase.community_id == community.id,
                                         ModerationCase.status.in_(PENDING))
            .order_by(ModerationCase.opened_at, ModerationCase.id))


def queue_details(cases: list[ModerationCase]) -> tuple[dict, dict]:
    """(case id -> item, case id -> its open reports), in one query per kind and one for every report."""
    found = items.load_many(cases)
    reports: dict[int, list[Report]] = {case.id: [] for case in cases}
    if cases:
        for entry in db.session.scalars(select(Report).where(Report.case_id.in_(list(reports)),
                                                              Report.resolved_at.is_(None)).order_by(Report.id)):
            reports[entry.case_id].append(entry)
    return found, reports


def held_arguments(community, limit: int = 50) -> list:
    return list(db.session.scalars(
        select(Argument).join(Proposal, Proposal.id == Argument.proposal_id)
        .where(Proposal.community_id == community.id, Argument.status == "held")
        .options(selectinload(Argument.proposal)).order_by(Argument.created_at, Argument.id).limit(limit)))


def open_appeals(community) -> list[Appeal]:
    return list(db.session.scalars(
        select(Appeal).join(ModerationCase, ModerationCase.id == Appeal.case_id)
        .where(ModerationCase.community_id == community.id, Appeal.decision.is_(None))
        .options(selectinload(Appeal.case)).order_by(Appeal.created_at, Appeal.id)))


def counts(community) -> dict[str, int]:
    """What waits for the committee, in two queries (the dashboard)."""
    waiting = dict(db.session.execute(
        select(ModerationCase.status, func.count()).where(ModerationCase.community_id == community.id,
                                                          ModerationCase.status.in_(PENDING))
        .group_by(ModerationCase.status)).all())
    held = db.session.scalar(select(func.count()).select_from(Argument).join(Proposal)
                             .where(Proposal.community_id == community.id, Argument.status == "held"))
    appeals = db.session.scalar(select(func.count()).select_from(Appeal).join(ModerationCase).where(
        ModerationCase.community_id == community.id, Appeal.decision.is_(None)))
    return {"reported": waiting.get("open", 0), "auto_hidden": waiting.get("auto_hidden", 0), "held": held,
            "appeals": appeals}


# Pre-moderation ---------------------------------------------------------------------------------

def hold_reason(author, community, text: str) -> str | None:
    """Why an argument by `author` must wait for the committee before it is published, or None.

    The committee (and site admins) are never held."""
    if communities.is_committee_member(community, author) or author.is_admin:
        return None
    rules = rules_of(community)
    held_person = db.session.scalar(select(ModerationCase.id).where(
        ModerationCase.community_id == community.id, ModerationCase.subject_type == "user",
        ModerationCase.subject_id == author.id, ModerationCase.status.in_(HIDDEN))) is not None
    return premoderation.hold_reason(account_created_at=author.created_at, now=utcnow(), text=text,
                                     hold_account_days=rules.hold_account_days, hold_links=rules.hold_links,
                                     words=rules.words, author_held=held_person)


def on_argument_written(argument, author, community, text: str) -> str | None:
    return hold_reason(author, community, text)


def hide_argument(actor, argument, reason: str) -> None:
    """The committee hides an argument: a placeholder with the reason replaces it; its text never reaches the page
    (a case, the log, the author told and free to appeal)."""
    if argument.status != "visible":
        raise InvalidTransition(_("Only a visible argument can be hidden."))
    hide(actor, items.of("argument", argument), reason)


def restore_argument(actor, argument, reason: str) -> None:
    case = case_of(items.of("argument", argument))
    if argument.status != "hidden" or case is None:
        raise InvalidTransition(_("Only a hidden argument can be restored."))
    restore(actor, case, reason)


def approve_held(actor, argument) -> None:
    """Publish an argument that waited for review; whoever it answers hears of it now."""
    _lock(argument)
    if argument.status != "held":
        raise InvalidTransition(_("This argument is not waiting for review."))
    community = argument.proposal.community
    argument.status, argument.held_reason = "visible", None
    event = _record(actor, "moderation.approved", argument, community, kind="argument",
                    proposal_id=argument.proposal_id, title=argument.proposal.title)
    activity.notify(event, [argument.author])
    if argument.parent_id is not None:
        announce_reply(argument)
    db.session.flush()


def reject_held(actor, argument, reason: str) -> ModerationCase:
    """Keep a held argument from the page, with the reason: it is hidden, and its author may appeal."""
    _lock(argument)
    if argument.status != "held":
        raise InvalidTransition(_("This argument is not waiting for review."))
    reason = _reason(reason)
    item = items.of("argument", argument)
    case = case_of(item) or _open_case(item)
    items.hide(actor, item, reason)
    _decide(actor, case, "hidden", reason)
    event = _record(actor, "moderation.rejected", case, item.community, kind="argument", reason=reason,
                    proposal_id=argument.proposal_id, title=argument.proposal.title)
    activity.notify(event, [argument.author])
    db.session.flush()
    return case


# Blocks -----------------------------------------------------------------------------------------

def block(actor, community, user, period: str, reason: str) -> Block:
    """Stop `user` posting, signing and voting in `community` for 7 or 30 days, or until lifted; they are told
    why and until when. A committee member is not blocked (remove them from the committee first)."""
    reason = _reason(reason)
    if period not in BLOCK_PERIODS:
        raise InvalidInput(_("Choose how long."))
    if user.id == actor.id or communities.is_committee_member(community, user):
        raise NotAllowed(_("A committee member cannot be blocked."))
    if communities.membership(community, user) is None:
        raise InvalidInput(_("Only a member of the community can be blocked there."))
    now = utcnow()
    # An expired block gives way: it is closed at the time it ended, so only one block is ever in force.
    db.session.execute(update(Block).where(Block.community_id == community.id, Block.user_id == user.id,
                                           Block.lifted_at.is_(None), Block.ends_at <= now)
                       .values(lifted_at=Block.ends_at))
    ends = None if period == "permanent" else now + timedelta(days=int(period))
    entry = Block(community_id=community.id, user_id=user.id, blocked_by_id=actor.id, reason=reason,
                  starts_at=now, ends_at=ends)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise Conflict(_("This person is blocked already.")) from None
    event = _record(actor, "moderation.blocked", entry, community, kind="user", reason=reason,
                    until=ends.isoformat() if ends else None, tz=community.timezone)
    activity.notify(event, [user])
    db.session.flush()
    return entry


def lift_block(actor, entry: Block, reason: str) -> None:
    reason = _reason(reason)
    if entry.lifted_at is not None or not entry.active_at(utcnow()):
        raise InvalidTransition(_("This block is not in force."))
    entry.lifted_at, entry.lifted_by_id, entry.lift_reason = utcnow(), actor.id, reason
    event = _record(actor, "moderation.unblocked", entry, entry.community, kind="user", reason=reason)
    activity.notify(event, [entry.user])
    db.session.flush()


def current_blocks(community) -> list[Block]:
    now = utcnow()
    return list(db.session.scalars(select(Block).where(
        Block.community_id == community.id, Block.lifted_at.is_(None),
        or_(Block.ends_at.is_(None), Block.ends_at > now)).order_by(Block.starts_at.desc())))


# Appeals ---------------------------------------------------------------------------------------

def assignee_for(case: ModerationCase):
    """Who decides an appeal: a committee member other than the one who decided to hide (and than the author),
    when the committee has more than one; among them, the one with fewest appeals waiting (then the lowest id)."""
    # Never its author (a committee member's own hidden words are judged by someone else).
    members = [user for user in _committee(case.community) if user.id != case.author_id]
    others = [user for user in members if user.id != case.decided_by_id] or members
    if not others:
        return None
    waiting = dict(db.session.execute(
        select(Appeal.assignee_id, func.count()).where(Appeal.assignee_id.in_([u.id for u in others]),
                                                       Appeal.decision.is_(None))
        .group_by(Appeal.assignee_id)).all())
    return min(others, key=lambda user: (waiting.get(user.id, 0), user.id))


def appeal(appellant, case: ModerationCase, text: str) -> Appeal:
    """The author asks, once, for the hiding to be looked at again (the unique constraint keeps it to one)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Say why the decision should change."))
    if len(text) > 2000:
        raise InvalidInput(_("Keep it under %(n)s characters.", n=2000))
    if case.status != "hidden" or case.author_id != appellant.id:
        raise InvalidTransition(_("There is no decision of the committee to appeal here."))
    assignee = assignee_for(case)
    entry = Appeal(case_id=case.id, appellant_id=appellant.id, text=text,
                   assignee_id=assignee.id if assignee else None)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise Conflict(_("You have appealed already: a decision can be appealed once.")) from None
    _record(appellant, "moderation.appealed", case, case.community, kind=case.subject_type)
    _tell_committee("moderation.appeal_assigned", case, case.community, [assignee])
    db.session.flush()
    return entry


def decide_appeal(actor, entry: Appeal, decision: str, reason: str) -> None:
    """Keep the item hidden ("upheld") or show it again ("granted"); the author is told why."""
    reason = _reason(reason)
    if decision not in APPEAL_DECISIONS:
        raise InvalidInput()
    case = entry.case
    _lock(case)
    if entry.decision is not None:
        raise Conflict(_("This appeal was decided already."))
    entry.decision, entry.decision_reason, entry.decided_by_id, entry.decided_at = decision, reason, actor.id, utcnow()
    if decision == "granted" and case.status in HIDDEN:
        item = item_of(case)
        items.show(actor, item, reason, case.previous_status)
        _decide(actor, case, "restored", reason)
    event = _record(actor, f"moderation.appeal_{decision}", case, case.community, kind=case.subject_type,
                    reason=reason)
    activity.notify(event, [entry.appellant])
    db.session.flush()


# The public log --------------------------------------------------------------------------------

def log(community):
    """Every moderation action in the community, newest first (for db.paginate): kind, action, reason, date and
    role, read from the events, which never hold the hidden text."""
    return (select(Event).where(Event.community_id == community.id, Event.verb.in_(LOG_VERBS))
            .order_by(Event.id.desc()))
