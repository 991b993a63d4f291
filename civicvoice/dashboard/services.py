"""What the committee's dashboard reads: each block one or two bounded queries, whatever the community's size."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..communities import services as communities
from ..council import stats
from ..database import utcnow
from ..extensions import db
from ..letters.models import Letter
from ..moderation import services as moderation
from ..proposals import services as proposals
from ..proposals import states
from ..proposals.models import Proposal
from ..signatures.models import Signature
from ..voting.models import Poll

SHOWN = 10  # rows per block; the block links to its full list
WEEKS = 12


@dataclass(frozen=True)
class Week:
    starts: date
    signatures: int


def drafts_to_review(community) -> list[tuple[Proposal, dict]]:
    """Demands awaiting review, oldest first, with how long each has waited (due, overdue)."""
    return [(proposal, proposals.review_age(proposal)) for proposal in proposals.review_queue(community)]


def ready_for_a_vote(community) -> tuple[list[Proposal], int]:
    """Open demands that reached their signature goal and have no vote yet (an open vote moves them on), the
    longest waiting first, and how many there are in all."""
    waiting = (Proposal.community_id == community.id, Proposal.status == "open",
               Proposal.goal_reached_at.is_not(None))
    shown = list(db.session.scalars(
        select(Proposal).where(*waiting)
        .options(selectinload(Proposal.coauthors))  # the "open the vote" permission reads the authors
        .order_by(Proposal.goal_reached_at, Proposal.id).limit(SHOWN)))
    return shown, db.session.scalar(select(func.count()).where(*waiting))


def letters_waiting(community) -> dict[str, list[Letter]]:
    """Letters to approve (drafts) and to send (approved), oldest first."""
    found = {"draft": [], "approved": []}
    for letter in db.session.scalars(
            select(Letter).join(Letter.proposal).options(contains_eager(Letter.proposal))
            .where(Letter.community_id == community.id, Letter.status.in_(("draft", "approved")))
            .order_by(Letter.created_at, Letter.id)):
        found[letter.status].append(letter)
    return found


def overdue_answers(community, today: date) -> list[tuple[Letter, int]]:
    """Letters the community sent whose council's answer is overdue, with the days overdue (hidden demands
    included: the committee still follows them up)."""
    return [(letter, (today - letter.response_due_on).days)
            for letter in stats.overdue(today, community_id=community.id, limit=SHOWN, public=False)]


def figures(community, now: datetime | None = None) -> dict:
    """Members, active demands, signatures per week (12 weeks, this one last) and the turnout of the last votes."""
    now = now or utcnow()
    members = communities.member_count(community)
    active = db.session.scalar(select(func.count()).where(Proposal.community_id == community.id,
                                                          Proposal.status.in_(states.ACTIVE_PUBLIC)))
    return {"members": members, "active": active, "weeks": signatures_per_week(community, now),
            "turnouts": recent_turnouts(community)}


def signatures_per_week(community, now: datetime) -> list[Week]:
    """Confirmed signatures (online and paper) on the community's demands in the 12 weeks of 7 days ending now, one
    query, counted in SQL."""
    ends = now
    bounds = []
    for _ in range(WEEKS):
        starts = ends - timedelta(days=7)
        bounds.append((starts, ends))
        ends = starts
    bounds.reverse()
    columns = [func.count(case((and_(Signature.confirmed_at >= starts, Signature.confirmed_at < ends), 1)))
               for starts, ends in bounds]
    row = db.session.execute(
        select(*columns).select_from(Signature).join(Proposal, Proposal.id == Signature.proposal_id)
        .where(Proposal.community_id == community.id, Signature.status == "confirmed",
               Signature.confirmed_at >= bounds[0][0])).one()
    zone = ZoneInfo(community.timezone)  # each week is labelled with the day it starts in the community
    return [Week(starts.astimezone(zone).date(), count) for (starts, _ends), count in zip(bounds, row)]


def recent_turnouts(community, limit: int = 5) -> list[tuple[Poll, float]]:
    """The last closed votes, newest first, with their turnout as a share of the electorate."""
    polls = db.session.scalars(select(Poll).where(Poll.community_id == community.id, Poll.status == "closed")
                               .order_by(Poll.closed_at.desc(), Poll.id.desc()).limit(limit))
    return [(poll, poll.turnout / poll.electorate if poll.electorate else 0.0) for poll in polls]


def overview(community, today: date) -> dict:
    """Everything the dashboard shows."""
    drafts = drafts_to_review(community)
    ready, ready_total = ready_for_a_vote(community)
    return {
        "drafts": drafts[:SHOWN], "drafts_total": len(drafts),
        "overdue_drafts": sum(1 for _proposal, age in drafts if age["state"] == "overdue"),
        "moderation": moderation.counts(community),
        "ready": ready, "ready_total": ready_total,
        "letters": letters_waiting(community),
        "overdue_answers": overdue_answers(community, today),
        "requests": communities.pending_requests(community),
        "verifications": communities.verification_requests(community),
        "figures": figures(community),
    }
