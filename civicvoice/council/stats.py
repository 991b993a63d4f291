"""Accountability figures and the council inbox: bounded queries over sent letters (indexed on council or
community and sending time); nothing here writes."""
from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from ..communities.models import Community
from ..extensions import db
from ..letters.models import Letter
from ..proposals.models import Proposal

OVERDUE_SHOWN = 20
INBOX_STATUSES = ("submitted", "acknowledged", "in_progress", "resolved", "declined")


@dataclass(frozen=True)
class Figures:
    received: int
    acknowledged: int
    answered: int
    resolved: int
    declined: int
    overdue: int
    median_days_to_acknowledge: float | None
    median_days_to_answer: float | None
    decisions: dict


def _scope(council_id: int | None = None, community_id: int | None = None, public: bool = False):
    """Sent letters of a council or community; `public` leaves out those of demands hidden by moderation (the
    council's own inbox keeps them: they were sent)."""
    conditions = [Letter.status == "sent"]
    if public:
        conditions.append(Letter.proposal_id.not_in(select(Proposal.id).where(Proposal.status == "hidden")))
    if council_id is not None:
        conditions.append(Letter.council_id == council_id)
    if community_id is not None:
        conditions.append(Letter.community_id == community_id)
    return conditions


def _overdue_condition(today: date):
    return (Letter.answered_at.is_(None)) & (Letter.response_due_on < today)


def _median_days(pairs) -> float | None:
    days = [(later - sent).total_seconds() / 86400 for sent, later in pairs if later is not None]
    return round(median(days), 1) if days else None


def figures(today: date, council_id: int | None = None, community_id: int | None = None) -> Figures:
    """Letters received, acknowledged, answered, resolved, declined and overdue; median days to acknowledge and to
    answer (public: hidden demands left out). Three queries whatever the number of letters."""
    scope = _scope(council_id, community_id, public=True)
    row = db.session.execute(
        select(func.count(Letter.id), func.count(Letter.acknowledged_at), func.count(Letter.answered_at),
               func.count(case((Proposal.status == "resolved", 1))),
               func.count(case((Proposal.status == "declined", 1))),
               func.count(case((_overdue_condition(today), 1))))
        .join(Proposal, Proposal.id == Letter.proposal_id).where(*scope)).one()
    times = db.session.execute(select(Letter.sent_at, Letter.acknowledged_at, Letter.answered_at).where(
        *scope, Letter.acknowledged_at.is_not(None))).all()
    decisions = dict(db.session.execute(
        select(Letter.answer_decision, func.count()).where(*scope, Letter.answer_decision.is_not(None))
        .group_by(Letter.answer_decision)).all())
    return Figures(received=row[0], acknowledged=row[1], answered=row[2], resolved=row[3], declined=row[4],
                   overdue=row[5],
                   median_days_to_acknowledge=_median_days((sent, ack) for sent, ack, _answer in times),
                   median_days_to_answer=_median_days((sent, answered) for sent, _ack, answered in times),
                   decisions=decisions)


def overdue(today: date, council_id: int | None = None, community_id: int | None = None,
            limit: int = OVERDUE_SHOWN, public: bool = True) -> list[Letter]:
    """Letters past their deadline with no answer, longest overdue first."""
    return list(db.session.scalars(
        select(Letter).join(Letter.proposal).join(Letter.community)
        .options(contains_eager(Letter.proposal), contains_eager(Letter.community))
        .where(*_scope(council_id, community_id, public), _overdue_condition(today))
        .order_by(Letter.response_due_on, Letter.id).limit(limit)).unique())


def inbox(council_id: int, *, community_id: int | None = None, category: str = "", status: str = "",
          today: date | None = None):
    """Every letter sent to the council, newest first; filter by community, category, the demand's status, or
    "overdue". A select to paginate."""
    query = (select(Letter).join(Letter.proposal).join(Letter.community)
             .options(contains_eager(Letter.proposal), contains_eager(Letter.community))
             .where(*_scope(council_id=council_id)))
    if community_id:
        query = query.where(Letter.community_id == community_id)
    if category:
        query = query.where(Proposal.category == category)
    if status == "overdue" and today is not None:
        query = query.where(_overdue_condition(today))
    elif status in INBOX_STATUSES:
        query = query.where(Proposal.status == status)
    return query.order_by(Letter.sent_at.desc(), Letter.id.desc())


def inbox_communities(council_id: int) -> list[Community]:
    """The communities that wrote to this council, for the inbox filter."""
    return list(db.session.scalars(
        select(Community).where(Community.id.in_(select(Letter.community_id).where(*_scope(council_id=council_id))))
        .order_by(Community.name)))
