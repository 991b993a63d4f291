"""Votes: opening with a snapshot of the electorate, casting (online, by proxy, assisted), closing and counting."""
import logging
import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import activity
from ..accounts.models import User
from ..communities.models import Block, Membership
from ..communities.rules import is_blocked
from ..database import lock_row, utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..proposals import services as proposals
from ..proposals.models import Proposal
from . import sealing, tally
from .models import (CHOICES, MAJORITIES, Ballot, Elector, Participation, Poll, PollOption, Proxy, new_key,
                     new_receipt)
from .rules import is_elector, participation_of, proxy_given

PRIORITY_STATUSES = frozenset({"open", "adopted"})
MAX_OPTIONS = 20
MAX_PROXIES_PER_HOLDER = 2
# Plain ballots written per INSERT when a secret vote's box is opened (SQLite binds at most 32,766 values).
OPENING_BATCH = 1000

log = logging.getLogger(__name__)


class BallotBoxUnreadable(Conflict):
    """Closing a secret vote cannot open its sealed ballots: the close is refused, the vote stays open, nothing is
    lost (a key put back in SECRET_KEY or SECRET_KEY_FALLBACKS opens them)."""

    default_message = _l("The secret ballots of this vote cannot be opened with the site's secret key: it was "
                         "changed while the vote was open. Nothing is lost and the vote stays open: a site "
                         "administrator must put the previous key back (or list it in SECRET_KEY_FALLBACKS), then "
                         "the vote can be closed and counted.")


class BallotBoxAltered(Conflict):
    """The sealed ballots do not match the turnout, or two share a receipt: rows were added, copied or deleted
    outside the application. Counting them would hide it, so the close is refused."""

    default_message = _l("The ballot box of this vote does not match the number of people who voted: it was "
                         "altered outside the application. The vote was not counted; a site administrator must "
                         "check the database.")


# Opening ---------------------------------------------------------------------------------------

def _check_settings(closes_at: datetime, quorum_percent: int, majority: str) -> None:
    if closes_at <= utcnow():
        raise InvalidInput(_("Choose a closing time in the future."))
    if not 0 <= quorum_percent <= 100:
        raise InvalidInput(_("Enter a quorum between 0 and 100 %."))
    if majority not in MAJORITIES:
        raise InvalidInput(_("Choose the majority needed."))


def _snapshot(poll: Poll, verified_only: bool) -> int:
    """Copy the community's active members (identity-verified ones only, if asked) as the electorate, in SQL.

    Members the committee blocked there are left out: they may not vote, so they must not weigh on the turnout."""
    blocked = exists().where(Block.community_id == poll.community_id, Block.user_id == Membership.user_id,
                             Block.in_force_at(utcnow()))
    members = (select(literal(poll.id), Membership.user_id).join(User, User.id == Membership.user_id)
               .where(Membership.community_id == poll.community_id, Membership.status == "active",
                      User.deleted_at.is_(None), ~_blocked(poll, Membership.user_id)))
    if verified_only:
        members = members.where(User.verified_in_person_at.is_not(None))
    db.session.execute(insert(Elector).from_select(["poll_id", "user_id"], members))
    count = db.session.scalar(select(func.count()).where(Elector.poll_id == poll.id))
    poll.electorate = count
    return count


def _blocked(poll: Poll, user_id) -> object:
    """SQL: a block is in force on this person (a column or an id) in the vote's community."""
    return exists().where(Block.community_id == poll.community_id, Block.user_id == user_id,
                          Block.in_force_at(utcnow()))


def _announce(actor, poll: Poll, electorate: list | None = None) -> None:
    event = activity.record(actor, "poll.opened", poll, poll.community, title=poll.title, kind=poll.kind,
                            closes_at=poll.closes_at.isoformat(), tz=poll.community.timezone)
    activity.notify(event, electors(poll) if electorate is None else electorate)


def open_adoption_vote(actor, proposal: Proposal, *, closes_at: datetime, quorum_percent: int = 20,
                       majority: str = "simple", secret: bool = False, verified_only: bool = False) -> Poll:
    """The committee puts a demand that reached its signature goal to the community's vote (open → voting)."""
    if proposal.status != "open":
        raise InvalidTransition(_("Only a demand open for signatures can be put to a vote."))
    if proposal.goal_reached_at is None:
        raise InvalidInput(_("The demand has not reached its signature goal yet."))
    _check_settings(closes_at, quorum_percent, majority)
    poll = Poll(community_id=proposal.community_id, proposal_id=proposal.id, kind="adoption", method="yes_no",
                title=proposal.title, secret=secret, verified_only=verified_only, quorum_percent=quorum_percent,
                majority=majority, opened_by_id=actor.id, opens_at=utcnow(), closes_at=closes_at)
    try:
        with db.session.begin_nested():
            db.session.add(poll)
    except IntegrityError:
        raise Conflict(_("This demand already has a vote.")) from None
    _snapshot(poll, verified_only)
    electorate = electors(poll)  # the vote tells them; the demand's news goes to its other co-signers
    proposals.open_vote(actor, proposal, told={user.id for user in electorate}, poll_id=poll.id)
    _announce(actor, poll, electorate)
    return poll


def priority_choices(community) -> list[Proposal]:
    return list(db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id, Proposal.status.in_(PRIORITY_STATUSES))
        .order_by(Proposal.published_at.desc(), Proposal.id.desc())))


def open_priority_ballot(actor, community, *, title: str, proposal_ids: list[int], method: str,
                         closes_at: datetime, description: str = "", secret: bool = False,
                         verified_only: bool = False, quorum_percent: int = 0) -> Poll:
    """Rank (Schulze) or approve several open or adopted demands of the community: which first?"""
    if method not in ("ranked", "approval"):
        raise InvalidInput(_("Choose ranked or approval."))
    _check_settings(closes_at, quorum_percent, "simple")
    wanted = list(dict.fromkeys(proposal_ids))
    allowed = {p.id for p in priority_choices(community)}
    if len(wanted) < 2 or len(wanted) > MAX_OPTIONS or any(pid not in allowed for pid in wanted):
        raise InvalidInput(_("Choose between 2 and %(n)s open or adopted demands of this community.",
                             n=MAX_OPTIONS))
    poll = Poll(community_id=community.id, kind="priority", method=method, title=title.strip(),
                description=description.strip(), secret=secret, verified_only=verified_only,
                quorum_percent=quorum_percent, opened_by_id=actor.id, opens_at=utcnow(), closes_at=closes_at,
                options=[PollOption(proposal_id=pid, position=i) for i, pid in enumerate(wanted)])
    db.session.add(poll)
    db.session.flush()
    _snapshot(poll, verified_only)
    _announce(actor, poll)
    return poll


# Reading ---------------------------------------------------------------------------------------

def electors(poll: Poll) -> list:
    return list(db.session.scalars(select(User).join(Elector, Elector.user_id == User.id)
                                   .where(Elector.poll_id == poll.id)))


def ballot_of(user, poll: Poll) -> Ballot | None:
    """The person's ballot, for a vote that is not secret (a secret ballot cannot be found from its voter)."""
    if poll.secret or user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Ballot).where(Ballot.poll_id == poll.id, Ballot.voter_id == user.id))


def _listed(query):
    """Votes anyone may see listed: not the adoption vote of a demand the committee hid."""
    return query.outerjoin(Proposal, Proposal.id == Poll.proposal_id).where(
        or_(Poll.proposal_id.is_(None), Proposal.status != "hidden"))


def open_polls(community) -> list[Poll]:
    return list(db.session.scalars(_listed(select(Poll)).where(Poll.community_id == community.id,
                                                               Poll.status == "open").order_by(Poll.closes_at)))


def of_community(community):
    """All votes of a community anyone may see listed, newest first; for db.paginate."""
    return _listed(select(Poll)).where(Poll.community_id == community.id).order_by(Poll.opens_at.desc(),
                                                                                  Poll.id.desc())


def option_title(proposal: Proposal) -> str:
    """How a demand reads among a ballot's options: a demand the committee hid keeps its place, not its title."""
    if proposal.status == "hidden":
        return _("A demand hidden by the committee")
    return proposal.title


def for_proposal(proposal) -> Poll | None:
    return db.session.scalar(select(Poll).where(Poll.proposal_id == proposal.id))


def votes_cast(poll: Poll):
    """Who voted what, for a vote that is not secret; for db.paginate."""
    if poll.secret:
        raise InvalidTransition()
    return (select(Ballot).options(joinedload(Ballot.voter))
            .where(Ballot.poll_id == poll.id, Ballot.voter_id.is_not(None)).order_by(Ballot.voter_id))


def channels(poll: Poll, user_ids: list[int]) -> dict[int, Participation]:
    """How each of these people voted (online, proxy, assisted), in one query."""
    if not user_ids:
        return {}
    return {p.user_id: p for p in db.session.scalars(select(Participation).where(
        Participation.poll_id == poll.id, Participation.user_id.in_(user_ids)))}


def assistable(poll: Poll) -> list:
    """Electors verified in person who have not voted, and are not blocked in the community since the vote opened:
    whom the committee may record a ballot for."""
    voted = select(Participation.user_id).where(Participation.poll_id == poll.id)
    return list(db.session.scalars(
        select(User).join(Elector, Elector.user_id == User.id)
        .where(Elector.poll_id == poll.id, User.verified_in_person_at.is_not(None), User.id.not_in(voted),
               ~_blocked(poll, User.id))
        .order_by(User.display_name)))


def ballot_query(poll: Poll, receipt: str = ""):
    """Ballots sorted by receipt code (an order that says nothing about who voted when); for db.paginate.

    Never for a secret vote that is still open: its ballots are sealed until it closes."""
    if poll.secret and poll.status == "open":
        raise InvalidTransition(_("The ballots of a secret vote are counted when it closes."))
    query = select(Ballot).where(Ballot.poll_id == poll.id)
    if receipt:
        query = query.where(Ballot.receipt == receipt)
    return query.order_by(Ballot.receipt)


def ballots(poll: Poll) -> list[Ballot]:
    return list(db.session.scalars(ballot_query(poll)))


# Casting ---------------------------------------------------------------------------------------

def _clean(poll: Poll, answer) -> dict:
    """The ballot's columns for `answer`: a choice for yes/no, a list of demand ids for ranked or approval.

    Any other shape (a list for yes/no, a word for a ranking) is refused as invalid input, not left to fail
    later as a TypeError: the service is the last check whatever calls it.
    """
    if poll.method == "yes_no":
        if not isinstance(answer, str) or answer not in CHOICES:
            raise InvalidInput(_("Choose yes, no or abstain."))
        return {"choice": answer, "ranking": None}
    options = {option.proposal_id for option in poll.options}
    try:
        if not isinstance(answer, list | tuple | None):
            raise TypeError(type(answer))
        ids = list(dict.fromkeys(int(pid) for pid in answer or []))
    except (TypeError, ValueError):
        raise InvalidInput(_("Choose among the demands of this ballot.")) from None
    if any(pid not in options for pid in ids):
        raise InvalidInput(_("Choose among the demands of this ballot."))
    return {"choice": None, "ranking": ids}


def _require_open(poll: Poll) -> None:
    close_if_due(poll)
    if poll.status != "open":
        raise InvalidTransition(_("This vote is closed."))


def cast(voter, poll: Poll, answer, *, channel: str = "online", cast_by=None) -> Ballot:
    """Record a ballot. One per elector (the unique constraint decides); an open vote's own ballot may be changed
    until it closes, a secret ballot never. Returns the ballot (its receipt is shown once, to the voter).

    A secret ballot is stored sealed (sealing.py): what is returned is then the ballot as cast, in clear, never
    added to the session, for the voter's eyes only."""
    _require_open(poll)
    if not is_elector(voter, poll):
        raise InvalidInput(_("Only members of the community when the vote opened can vote."))
    # Whatever the channel: a member blocked in the community since the vote opened votes neither online, nor
    # through a proxy given before the block, nor at the centre.
    if is_blocked(voter, poll.community):
        raise NotAllowed(_("The committee blocked this member from voting in this community."))
    columns = _clean(poll, answer)
    if channel == "online" and proxy_given(voter, poll) is not None:
        raise Conflict(_("You gave your proxy for this vote: take it back to vote yourself."))
    existing = participation_of(voter, poll)
    if existing is not None:
        if poll.secret or channel != "online" or existing.channel != "online":
            raise Conflict(_("This vote was already cast; it cannot be changed."))
        _count_in(poll, 0)
        ballot = ballot_of(voter, poll)
        ballot.choice, ballot.ranking = columns["choice"], columns["ranking"]
        activity.record(voter, "poll.vote_changed", poll, poll.community, title=poll.title)
        db.session.flush()
        return ballot
    try:
        with db.session.begin_nested():
            db.session.add(Participation(poll_id=poll.id, user_id=voter.id, channel=channel,
                                         cast_by_id=cast_by.id if cast_by is not None else None))
    except IntegrityError:
        raise Conflict(_("This vote was already cast; it cannot be changed.")) from None
    if poll.secret:
        ballot = Ballot(poll_id=poll.id, receipt=new_receipt(), **columns)
        db.session.add(Ballot(poll_id=poll.id,
                              sealed=sealing.seal(poll.id, ballot.receipt, columns["choice"], columns["ranking"])))
    else:
        ballot = Ballot(poll_id=poll.id, voter_id=voter.id, receipt=new_receipt(), **columns)
        db.session.add(ballot)
    _count_in(poll, 1)
    db.session.flush()
    db.session.refresh(poll, ["turnout"])
    actor = cast_by if cast_by is not None else voter
    activity.record(actor, f"poll.voted_{channel}", poll, poll.community, title=poll.title, voter_id=voter.id,
                    voter=voter.known_name, cast_by=cast_by.known_name if cast_by is not None else "")
    return ballot


def _count_in(poll: Poll, added: int) -> None:
    """Add to the turnout while the vote is still open, in one UPDATE that also locks the vote's row.

    Closing updates the same row (… WHERE status = 'open'), so a ballot, new or changed, lands either before
    the close and is counted, or after it and is refused: never recorded yet left out of the result.
    """
    held = db.session.execute(update(Poll).where(Poll.id == poll.id, Poll.status == "open")
                              .values(turnout=Poll.turnout + added)).rowcount
    if not held:
        raise InvalidTransition(_("This vote is closed."))


def give_proxy(grantor, poll: Poll, holder) -> Proxy:
    """Let `holder` (another elector, holding at most two proxies) vote for `grantor` in this vote."""
    _require_open(poll)
    if holder.id == grantor.id:
        raise InvalidInput(_("Choose another member."))
    if not is_elector(grantor, poll) or not is_elector(holder, poll):
        raise InvalidInput(_("Both of you must be entitled to vote in this vote."))
    if participation_of(grantor, poll) is not None:
        raise Conflict(_("You already voted."))
    lock_row(poll)
    held = db.session.scalar(select(func.count()).where(Proxy.poll_id == poll.id, Proxy.holder_id == holder.id))
    if held >= MAX_PROXIES_PER_HOLDER:
        raise Conflict(_("This member already holds %(n)s proxies for this vote.", n=MAX_PROXIES_PER_HOLDER))
    proxy = Proxy(poll_id=poll.id, grantor_id=grantor.id, holder_id=holder.id)
    try:
        with db.session.begin_nested():
            db.session.add(proxy)
    except IntegrityError:
        raise Conflict(_("You already gave your proxy for this vote.")) from None
    event = activity.record(grantor, "poll.proxy_given", poll, poll.community, title=poll.title,
                            name=grantor.known_name)
    activity.notify(event, [holder])
    return proxy


def revoke_proxy(grantor, poll: Poll) -> None:
    proxy = proxy_given(grantor, poll)
    if proxy is None or proxy.used:
        raise Conflict(_("There is no proxy to take back: it was used or never given."))
    holder = proxy.holder
    # Deleted only while still unused, in SQL: a holder using it at this very moment wins, or loses, whole.
    taken = db.session.execute(delete(Proxy).where(Proxy.id == proxy.id, Proxy.used.is_(False))).rowcount
    if not taken:
        raise Conflict(_("There is no proxy to take back: it was used or never given."))
    event = activity.record(grantor, "poll.proxy_revoked", poll, poll.community, title=poll.title,
                            name=grantor.known_name)
    activity.notify(event, [holder])
    db.session.flush()


def cast_by_proxy(holder, poll: Poll, grantor, answer) -> Ballot:
    """The holder votes for the grantor. The proxy is marked used in SQL (once only, whoever races).

    A holder blocked in the community casts no one's vote (nor is a blocked grantor's cast: see cast)."""
    if is_blocked(holder, poll.community):
        raise NotAllowed(_("The committee blocked this member from voting in this community."))
    used = db.session.execute(update(Proxy).where(
        Proxy.poll_id == poll.id, Proxy.grantor_id == grantor.id, Proxy.holder_id == holder.id,
        Proxy.used.is_(False)).values(used=True)).rowcount
    if not used:
        raise Conflict(_("This proxy was already used or taken back."))
    ballot = cast(grantor, poll, answer, channel="proxy", cast_by=holder)
    event = activity.record(holder, "poll.proxy_used", poll, poll.community, title=poll.title,
                            name=holder.known_name)
    activity.notify(event, [grantor])
    return ballot


def record_assisted(actor, poll: Poll, voter, answer) -> Ballot:
    """A committee member records, at the centre, the ballot of a member verified in person (no phone needed)."""
    if voter.verified_in_person_at is None:
        raise InvalidInput(_("Only members whose identity was verified in person can vote at the centre."))
    return cast(voter, poll, answer, channel="assisted", cast_by=actor)


# Closing ---------------------------------------------------------------------------------------

def count(poll: Poll) -> dict:
    """The result of the ballots as they are now (a JSON-ready dict)."""
    rows = ballots(poll)
    if poll.method == "yes_no":
        counts = {choice: sum(1 for b in rows if b.choice == choice) for choice in CHOICES}
        result = tally.adoption(counts["yes"], counts["no"], counts["abstain"], poll.electorate,
                                poll.quorum_percent, poll.majority)
        return {"yes": result.yes, "no": result.no, "abstain": result.abstain, "turnout": result.turnout,
                "electorate": result.electorate, "quorum_needed": result.quorum_needed,
                "quorum_met": result.quorum_met, "majority_met": result.majority_met, "adopted": result.adopted}
    candidates = [option.proposal_id for option in poll.options]
    quorum = tally.quorum_needed(poll.electorate, poll.quorum_percent)
    base = {"turnout": len(rows), "electorate": poll.electorate, "quorum_needed": quorum,
            "quorum_met": len(rows) >= quorum and len(rows) > 0}
    if poll.method == "ranked":
        ranked = tally.schulze(candidates, [b.ranking for b in rows])
        return base | {"order": [list(group) for group in ranked.order],
                       "pairwise": {str(a): {str(b): n for b, n in row.items()} for a, row in ranked.pairwise.items()},
                       "strongest": {str(a): {str(b): n for b, n in row.items()}
                                     for a, row in ranked.strongest.items()}}
    approved = tally.approval(candidates, [b.ranking for b in rows])
    return base | {"order": [list(group) for group in approved.order],
                   "approvals": {str(pid): n for pid, n in approved.approvals.items()}}


def close(actor, poll: Poll, reason: str = "") -> bool:
    """Close the vote and count it; an adoption vote moves its demand to adopted or not adopted.

    Idempotent and safe under concurrency: only the request whose UPDATE … WHERE status = 'open' wins closes it.
    `actor` None is the scheduler (closing time reached). Returns False when it was already closed.
    """
    early = actor is not None and utcnow() < poll.closes_at
    if early and not reason.strip():
        raise InvalidInput(_("Please give a reason for closing early."))
    # A savepoint: when the box cannot be opened, the vote is back to open before the error leaves.
    with db.session.begin_nested():
        won = db.session.execute(update(Poll).where(Poll.id == poll.id, Poll.status == "open").values(
            status="closed", closed_at=utcnow(), closed_by_id=actor.id if actor else None,
            close_reason=reason.strip())).rowcount
        if won and poll.secret:
            _open_box(poll)
    db.session.refresh(poll)
    if not won:
        return False
    poll.result = count(poll)
    event = activity.record(actor, "poll.closed", poll, poll.community, title=poll.title, early=early,
                            reason=reason.strip(), adopted=poll.result.get("adopted"), turnout=poll.turnout,
                            electorate=poll.electorate)
    members = [m.user for m in db.session.scalars(
        select(Membership).where(Membership.community_id == poll.community_id, Membership.status == "active"))]
    activity.notify(event, members)
    if poll.kind == "adoption":
        proposal = db.session.get(Proposal, poll.proposal_id)
        if proposal.status == "voting":
            decide = proposals.adopt if poll.result["adopted"] else proposals.not_adopt
            decide(actor, proposal, told={member.id for member in members}, poll_id=poll.id,
                   turnout=poll.turnout, electorate=poll.electorate,
                   yes=poll.result["yes"], no=poll.result["no"], abstain=poll.result["abstain"])
    db.session.flush()
    return True


def _open_box(poll: Poll) -> None:
    """Replace a secret vote's sealed ballots with plain ones, once it is closed (its row locked by the closing
    UPDATE, so no ballot lands meanwhile).

    The plain ballots get fresh random keys (a sealed row's key was seen next to its place in the table) and are
    written in a random order (secrets.SystemRandom, the operating system's generator): PostgreSQL's heap, which
    kept the order of voting, then keeps a random permutation of it, and every row carries the closing
    transaction's id (xmin), not its voter's. Ballots written in clear before sealing existed are shuffled too.
    """
    rows = db.session.execute(select(Ballot.receipt, Ballot.choice, Ballot.ranking, Ballot.sealed)
                              .where(Ballot.poll_id == poll.id)).all()
    turnout = db.session.scalar(select(Poll.turnout).where(Poll.id == poll.id))
    if len(rows) != turnout:
        log.error("Poll %s: %s ballots in the box for a turnout of %s; not closed", poll.id, len(rows), turnout)
        raise BallotBoxAltered()
    try:
        plain = [sealing.unseal(poll.id, row.sealed) if row.sealed is not None
                 else {"receipt": row.receipt, "choice": row.choice, "ranking": row.ranking} for row in rows]
    except sealing.Unreadable:
        log.error("Poll %s: its sealed ballots open with no configured key (SECRET_KEY changed?); not closed",
                  poll.id)
        raise BallotBoxUnreadable() from None
    secrets.SystemRandom().shuffle(plain)
    db.session.execute(delete(Ballot).where(Ballot.poll_id == poll.id).execution_options(synchronize_session=False))
    try:
        with db.session.begin_nested():
            for start in range(0, len(plain), OPENING_BATCH):
                db.session.execute(insert(Ballot.__table__).values(
                    [{"key": new_key(), "poll_id": poll.id, "voter_id": None, "sealed": None, **ballot}
                     for ballot in plain[start:start + OPENING_BATCH]]))
    except IntegrityError:  # two ballots with one receipt: a sealed row was copied
        log.error("Poll %s: two sealed ballots share a receipt code; not closed", poll.id)
        raise BallotBoxAltered() from None


def close_if_due(poll: Poll) -> bool:
    """Close a vote whose time is over, on the first access after it (the scheduler may not have run yet)."""
    if poll.status == "open" and poll.closes_at <= utcnow():
        return close(None, poll)
    return False


def due() -> list[int]:
    return list(db.session.scalars(select(Poll.id).where(Poll.status == "open", Poll.closes_at <= utcnow())
                                   .order_by(Poll.closes_at)))
