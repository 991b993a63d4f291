"""Matching volunteers and opportunities: pure functions, from plain facts to a ranked list with its reasons.

SQL chooses the candidates (open, not full, in the volunteer's communities, not signed up yet, something in
common: see services.opportunity_candidates and services.volunteer_candidates); these functions only score them.
The score adds WEIGHTS for each shared skill, the demand category among the volunteer's interests, each shared day,
each shared time of day and a preferred centre. Ties go to the sooner date (an ongoing opportunity, an older
profile last... see the sort keys), then to the smaller id, so the order never depends on the database's.
"""
from dataclasses import dataclass, field
from datetime import datetime

WEIGHTS = {"skill": 3, "category": 2, "centre": 2, "day": 1, "time": 1}
# An opportunity with no date sorts after the dated ones of the same score.
_NEVER = datetime.max.replace(tzinfo=None)


@dataclass(frozen=True)
class VolunteerFacts:
    id: int  # the user's id
    skills: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    days: int = 0
    times: int = 0
    centres: frozenset[int] = frozenset()
    since: datetime | None = None  # when the profile was made


@dataclass(frozen=True)
class OpportunityFacts:
    id: int
    skills: frozenset[str] = frozenset()
    category: str | None = None
    days: int = 0
    times: int = 0
    centre_id: int | None = None
    starts_at: datetime | None = None


@dataclass(frozen=True)
class Reasons:
    """What a match rests on, as keys the page turns into words ("matches: plumbing, Fridays")."""

    skills: tuple[str, ...] = ()
    category: str | None = None
    days: tuple[int, ...] = ()  # Python weekdays, Monday 0
    times: tuple[int, ...] = ()  # 0 morning, 1 afternoon, 2 evening
    centre_id: int | None = None

    def __bool__(self) -> bool:
        return bool(self.skills or self.category or self.days or self.times or self.centre_id)


@dataclass(frozen=True)
class Match:
    id: int  # the opportunity's (rank_opportunities) or the volunteer's (rank_volunteers)
    score: int
    reasons: Reasons = field(default_factory=Reasons)


def _bits(mask: int) -> tuple[int, ...]:
    return tuple(bit for bit in range(7) if mask >> bit & 1)


def score(volunteer: VolunteerFacts, opportunity: OpportunityFacts) -> Match:
    """How well one volunteer fits one opportunity, and why (the Match carries the opportunity's id)."""
    skills = tuple(sorted(volunteer.skills & opportunity.skills))
    category = opportunity.category if opportunity.category in volunteer.interests else None
    days = _bits(volunteer.days & opportunity.days)
    times = _bits(volunteer.times & opportunity.times)
    centre = opportunity.centre_id if opportunity.centre_id in volunteer.centres else None
    reasons = Reasons(skills=skills, category=category, days=days, times=times, centre_id=centre)
    total = (WEIGHTS["skill"] * len(skills) + WEIGHTS["category"] * bool(category) + WEIGHTS["day"] * len(days)
             + WEIGHTS["time"] * len(times) + WEIGHTS["centre"] * bool(centre))
    return Match(opportunity.id, total, reasons)


def _naive(moment: datetime | None) -> datetime:
    return _NEVER if moment is None else moment.replace(tzinfo=None)


def rank_opportunities(volunteer: VolunteerFacts, candidates) -> list[Match]:
    """Candidate opportunities for `volunteer`, best first; those with nothing in common are left out.

    Order: score (highest first), then the date (soonest first, ongoing ones last), then the id.
    """
    dated = {}
    matches = []
    for opportunity in candidates:
        match = score(volunteer, opportunity)
        if match.score > 0:
            matches.append(match)
            dated[opportunity.id] = _naive(opportunity.starts_at)
    return sorted(matches, key=lambda m: (-m.score, dated[m.id], m.id))


def rank_volunteers(opportunity: OpportunityFacts, candidates) -> list[Match]:
    """Candidate volunteers for `opportunity`, best first (the Matches carry the volunteers' ids).

    Order: score, then the date of the profile (the longest waiting first), then the id.
    """
    since = {}
    matches = []
    for volunteer in candidates:
        match = score(volunteer, opportunity)
        if match.score > 0:
            matches.append(Match(volunteer.id, match.score, match.reasons))
            since[volunteer.id] = _naive(volunteer.since)
    return sorted(matches, key=lambda m: (-m.score, since[m.id], m.id))
