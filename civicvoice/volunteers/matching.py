"""Matching volunteers and opportunities: pure functions, from plain facts to a ranked list with its reasons.

SQL chooses the candidates (open, not full, in the volunteer's communities, not signed up yet, a skill, the
category or a centre in common: see services.opportunity_candidates and services.volunteer_candidates); these
functions only score them.
The score adds WEIGHTS for each shared skill, the demand category among the volunteer's interests, each shared day,
each shared time of day and a preferred centre. Ties go to the sooner date (an ongoing opportunity, an older
profile last... see the sort keys), then to the smaller id, so the order never depends on the database's.
"""
from datetime import datetime
from typing import NamedTuple

WEIGHTS = {"skill": 3, "category": 2, "centre": 2, "day": 1, "time": 1}
# An opportunity with no date sorts after the dated ones of the same score.
_NEVER = datetime.max.replace(tzinfo=None)
# The bits of each 7-bit mask (days; times use the first three), computed once: scoring runs for thousands of
# candidates per request. Plain tuples (NamedTuple) rather than dataclasses for the same reason.
_BITS = tuple(tuple(bit for bit in range(7) if mask >> bit & 1) for mask in range(128))


class VolunteerFacts(NamedTuple):
    id: int  # the user's id
    skills: frozenset = frozenset()
    interests: frozenset = frozenset()
    days: int = 0
    times: int = 0
    centres: frozenset = frozenset()
    since: datetime | None = None  # when the profile was made


class OpportunityFacts(NamedTuple):
    id: int
    skills: frozenset = frozenset()
    category: str | None = None
    days: int = 0
    times: int = 0
    centre_id: int | None = None
    starts_at: datetime | None = None


class Reasons(NamedTuple):
    """What a match rests on, as keys the page turns into words ("matches: plumbing, Fridays")."""

    skills: tuple = ()
    category: str | None = None
    days: tuple = ()  # Python weekdays, Monday 0
    times: tuple = ()  # 0 morning, 1 afternoon, 2 evening
    centre_id: int | None = None

    def __bool__(self) -> bool:
        return bool(self.skills or self.category or self.days or self.times or self.centre_id)


class Match(NamedTuple):
    id: int  # the opportunity's (rank_opportunities) or the volunteer's (rank_volunteers)
    score: int
    reasons: Reasons = Reasons()


def _reasons(volunteer, opportunity) -> tuple[int, Reasons]:
    skills = tuple(sorted(volunteer.skills & opportunity.skills)) if opportunity.skills else ()
    category = opportunity.category if opportunity.category in volunteer.interests else None
    days = _BITS[volunteer.days & opportunity.days & 127]
    times = _BITS[volunteer.times & opportunity.times & 7]
    centre = opportunity.centre_id if opportunity.centre_id in volunteer.centres else None
    total = (WEIGHTS["skill"] * len(skills) + WEIGHTS["category"] * (category is not None)
             + WEIGHTS["day"] * len(days) + WEIGHTS["time"] * len(times) + WEIGHTS["centre"] * (centre is not None))
    return total, Reasons(skills, category, days, times, centre)


def score(volunteer: VolunteerFacts, opportunity: OpportunityFacts) -> Match:
    """How well one volunteer fits one opportunity, and why (the Match carries the opportunity's id)."""
    total, reasons = _reasons(volunteer, opportunity)
    return Match(opportunity.id, total, reasons)


def _naive(moment: datetime | None) -> datetime:
    return _NEVER if moment is None else moment.replace(tzinfo=None)


def rank_opportunities(volunteer: VolunteerFacts, candidates) -> list[Match]:
    """Candidate opportunities for `volunteer`, best first; those with nothing in common are left out.

    Order: score (highest first), then the date (soonest first, ongoing ones last), then the id.
    """
    keyed = []
    for opportunity in candidates:
        total, reasons = _reasons(volunteer, opportunity)
        if total > 0:
            keyed.append(((-total, _naive(opportunity.starts_at), opportunity.id), Match(opportunity.id, total, reasons)))
    keyed.sort(key=lambda pair: pair[0])
    return [match for _key, match in keyed]


def rank_volunteers(opportunity: OpportunityFacts, candidates) -> list[Match]:
    """Candidate volunteers for `opportunity`, best first (the Matches carry the volunteers' ids).

    Order: score, then the date of the profile (the longest waiting first), then the id.
    """
    keyed = []
    for volunteer in candidates:
        total, reasons = _reasons(volunteer, opportunity)
        if total > 0:
            keyed.append(((-total, _naive(volunteer.since), volunteer.id), Match(volunteer.id, total, reasons)))
    keyed.sort(key=lambda pair: pair[0])
    return [match for _key, match in keyed]
