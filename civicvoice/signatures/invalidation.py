"""Voiding many signatures at once, found after the fact (SECURITY.md A.9): a burst from one network in one hour,
a run of addresses at one email domain. The committee sees what matches, then voids exactly that, with a reason:
one audited event, each signer told, the counters and the goal as if those signatures had never counted."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import activity
from ..accounts.models import User
from ..communities import services as communities
from ..database import utcnow
from ..errors import Conflict, InvalidInput, InvalidTransition
from ..extensions import db
from ..proposals.models import Proposal
from . import networks, services
from .models import Signature

LIVE = ("pending", "confirmed")
SHOWN = 10  # busiest networks and hours listed
SAMPLE = 50  # matching signatures listed by name (as each signer allowed)
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Match:
    """Which live signatures of a demand: all of these that are given (times in UTC; `until` excluded)."""

    network: str = ""  # a network's label, as the page shows it
    domain: str = ""  # an email domain as typed ("gmail.com", "@gmail.com")
    since: datetime | None = None
    until: datetime | None = None
    online_only: bool = True

    @property
    def narrowed(self) -> bool:
        """Some filter beyond the source: voiding every signature of a demand at once is not a thing to offer."""
        return bool(self.network or self.domain or self.since or self.until)

    def as_data(self) -> dict:
        """The filters as the audit event keeps them (the domain by name: the committee typed it)."""
        return {"network": self.network, "domain": networks.domain(self.domain) or "",
                "since": self.since.isoformat() if self.since else "",
                "until": self.until.isoformat() if self.until else "",
                "source": "online" if self.online_only else "all"}


def _where(proposal: Proposal, match: Match) -> list:
    conditions = [Signature.proposal_id == proposal.id, Signature.status.in_(LIVE)]
    if match.network:
        conditions.append(Signature.network_hash == match.network)
    if match.domain:
        # An unreadable domain matches nothing (rather than being ignored, which would widen the match).
        conditions.append(Signature.domain_hash == (networks.domain_hash(match.domain) or ""))
    if match.since:
        conditions.append(Signature.created_at >= match.since)
    if match.until:
        conditions.append(Signature.created_at < match.until)
    if match.online_only:
        conditions.append(Signature.source == "online")
    return conditions


def counts(proposal: Proposal, match: Match) -> tuple[int, int]:
    """(confirmed, pending) signatures that `match` takes."""
    found = dict(db.session.execute(select(Signature.status, func.count(Signature.id))
                                    .where(*_where(proposal, match)).group_by(Signature.status)).all())
    return found.get("confirmed", 0), found.get("pending", 0)


@dataclass(frozen=True)
class Burst:
    network: str
    start: datetime  # the hour's start, in the community's zone
    count: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=1)


@dataclass
class Preview:
    """What the committee sees before voiding: how many match, from where and when, and who (public names)."""

    confirmed: int = 0
    pending: int = 0
    networks: list[tuple[str, int]] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)
    unknown: int = 0  # online signatures with no network on record (signed before they were kept, or merged in)
    signatures: list[Signature] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.confirmed + self.pending


def preview(proposal: Proposal, match: Match) -> Preview:
    """Counts, the busiest networks and hours (in the community's zone), and the newest matching signatures."""
    zone = ZoneInfo(proposal.community.timezone)
    confirmed, pending = counts(proposal, match)
    seen = db.session.execute(select(Signature.network_hash, Signature.created_at)
                              .where(*_where(proposal, match), Signature.source == "online")).all()
    by_network, by_hour, unknown = Counter(), Counter(), 0
    for label, created_at in seen:
        if label is None:
            unknown += 1
            continue
        by_network[label] += 1
        by_hour[label, created_at.astimezone(zone).replace(minute=0, second=0, microsecond=0)] += 1
    bursts = [Burst(label, start, n) for (label, start), n in
              sorted(by_hour.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))[:SHOWN]]
    newest = db.session.scalars(select(Signature).where(*_where(proposal, match))
                                .order_by(Signature.created_at.desc(), Signature.id.desc()).limit(SAMPLE))
    return Preview(confirmed, pending, sorted(by_network.items(), key=lambda item: (-item[1], item[0]))[:SHOWN],
                   bursts, unknown, list(newest))


class CountChanged(Conflict):
    """What matches is no longer what the committee was shown: it confirms what it saw, or nothing."""

    default_message = _l("The signatures matching these filters changed while you were looking. Check the new "
                         "numbers, then confirm again.")

    def __init__(self, confirmed: int, pending: int):
        super().__init__()
        self.confirmed, self.pending = confirmed, pending


def invalidate(actor, proposal: Proposal, match: Match, reason: str, *, confirmed: int, pending: int) -> int:
    """Void every live signature `match` takes, as the committee saw them (`confirmed` and `pending`); returns
    how many.

    In one statement, inside a savepoint: when the rows it took are not the ones counted (someone signed,
    withdrew or confirmed meanwhile), nothing changes and CountChanged carries the new numbers. Confirmed ones
    leave the counters, and a goal they had carried is reached no more (services.uncount). One event records
    the filters, the numbers and the reason (the timeline and the public moderation log show the number, never
    a name); each signer is told why, and to ask the committee if they think it is a mistake.
    """
    if not proposal.is_signable:
        raise InvalidTransition(_("Signatures are voided together only while the demand is open for signatures."))
    if not match.narrowed:
        raise InvalidInput(_("Choose a network, an email domain or a time window first."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give a reason."))
    if confirmed + pending == 0:
        raise InvalidInput(_("No signature matches these filters."))
    with db.session.begin_nested():
        rows = db.session.execute(
            update(Signature).where(*_where(proposal, match))
            .values(status="voided", voided_at=utcnow(), voided_by_id=actor.id, void_reason=reason)
            .returning(Signature.user_id, Signature.source, Signature.confirmed_at)
            .execution_options(synchronize_session=False)).all()
        counted = [row for row in rows if row.confirmed_at is not None]
        if (len(counted), len(rows) - len(counted)) != (confirmed, pending):
            raise CountChanged(len(counted), len(rows) - len(counted))
    below = services.uncount(actor, proposal, online=sum(row.source == "online" for row in counted),
                             paper=sum(row.source == "paper" for row in counted))
    role = "committee" if communities.is_committee_member(proposal.community, actor) else "admin"
    event = activity.record(actor, "signature.invalidated", proposal, proposal.community, title=proposal.title,
                            reason=reason, count=len(rows), confirmed=confirmed, pending=pending,
                            filters=match.as_data(), below_goal=below, role=role,
                            community_name=proposal.community.name)
    activity.notify(event, _accounts([row.user_id for row in rows if row.user_id is not None]))
    return len(rows)


def _accounts(user_ids: list[int]) -> list[User]:
    people = []
    for start in range(0, len(user_ids), CHUNK):
        people += db.session.scalars(select(User).where(User.id.in_(user_ids[start:start + CHUNK])))
    return people
