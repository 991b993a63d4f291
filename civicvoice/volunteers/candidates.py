"""Matching candidates: SQL chooses who or what may match, matching.py scores them."""
from datetime import timezone

from sqlalchemy import or_, select

from .. import permissions
from ..communities.models import Membership
from ..communities.rules import is_committee
from ..database import utcnow
from ..extensions import db
from . import matching
from .models import (
    Opportunity,
    Signup,
    Skill,
    VolunteerProfile,
    category_bits,
    opportunity_skills,
    profile_centres,
    profile_skills,
)
from .profiles import profile_of


def _skill_keys(link_table, column, owners) -> dict[int, set[str]]:
    """Skill keys per owner (a profile or an opportunity); `owners` is a subquery of their ids (one query)."""
    keys: dict[int, set[str]] = {}
    for owner, key in _rows(select(column, Skill.key).join(Skill, Skill.id == link_table.c.skill_id)
                            .where(column.in_(owners))):
        keys.setdefault(owner, set()).add(key)
    return keys


def _rows(query) -> list:
    """Plain rows through the session's connection: thousands of candidates need no ORM objects."""
    return db.session.connection().execute(query).all()


def _interest_keys(mask_value: int, cache: dict = {}) -> frozenset:  # noqa: B006 (a deliberate memo)
    if mask_value not in cache:
        cache[mask_value] = frozenset(key for key, bit in category_bits().items() if mask_value & bit)
    return cache[mask_value]


def volunteer_facts(profile: VolunteerProfile) -> matching.VolunteerFacts:
    return matching.VolunteerFacts(
        id=profile.user_id, skills=frozenset(skill.key for skill in profile.skills),
        interests=frozenset(profile.interest_keys), days=profile.days, times=profile.times,
        centres=frozenset(centre.id for centre in profile.centres), since=profile.created_at)


def opportunity_facts(opportunity: Opportunity) -> matching.OpportunityFacts:
    return matching.OpportunityFacts(
        id=opportunity.id, skills=frozenset(skill.key for skill in opportunity.skills),
        category=opportunity.category, days=opportunity.days, times=opportunity.times,
        centre_id=opportunity.centre_id, starts_at=opportunity.starts_at)


def opportunity_candidates(profile: VolunteerProfile) -> list[matching.OpportunityFacts]:
    """Open opportunities with a place left, not started, of the volunteer's communities, that they have no
    sign-up or invitation on and that share a skill, the category or a centre with the profile (a shared day or
    time of day adds to the score but is not enough alone, unless the profile gives nothing else): two queries,
    whatever the number of opportunities."""
    skill_ids = [skill.id for skill in profile.skills]
    centre_ids = [centre.id for centre in profile.centres]
    bits = category_bits()
    categories = [key for key, bit in bits.items() if profile.interests & bit]
    communities = select(Membership.community_id).where(Membership.user_id == profile.user_id,
                                                        Membership.status == "active")
    taken = select(Signup.opportunity_id).where(Signup.user_id == profile.user_id)
    common = []
    if skill_ids:
        common.append(Opportunity.id.in_(select(opportunity_skills.c.opportunity_id)
                                         .where(opportunity_skills.c.skill_id.in_(skill_ids))))
    if categories:
        common.append(Opportunity.category.in_(categories))
    if centre_ids:
        common.append(Opportunity.centre_id.in_(centre_ids))
    if not common:  # a profile with only days and times: those are what it shares
        common = [Opportunity.days.op("&")(profile.days) != 0, Opportunity.times.op("&")(profile.times) != 0]
    where = (Opportunity.status == "open", Opportunity.places_taken < Opportunity.capacity,
             or_(Opportunity.starts_at.is_(None), Opportunity.starts_at > utcnow()),
             Opportunity.community_id.in_(communities), Opportunity.id.not_in(taken), or_(*common))
    rows = _rows(select(Opportunity.id, Opportunity.category, Opportunity.days, Opportunity.times,
                        Opportunity.centre_id, Opportunity.starts_at).where(*where))
    keys = _skill_keys(opportunity_skills, opportunity_skills.c.opportunity_id, select(Opportunity.id).where(*where))
    return [matching.OpportunityFacts(id=row.id, skills=frozenset(keys.get(row.id, ())), category=row.category,
                                      days=row.days, times=row.times, centre_id=row.centre_id,
                                      starts_at=_utc(row.starts_at)) for row in rows]


def volunteer_candidates(opportunity: Opportunity, committee_only_too: bool = True) -> list[matching.VolunteerFacts]:
    """Profiles of the community's active members with no sign-up or invitation on the opportunity, sharing a
    skill, the category or the centre with it (days and times alone when it names none of those); profiles visible
    to the committee only are left out unless `committee_only_too`. Three queries, whatever the numbers."""
    skill_ids = [skill.id for skill in opportunity.skills]
    bit = category_bits().get(opportunity.category or "", 0)
    members = select(Membership.user_id).where(Membership.community_id == opportunity.community_id,
                                               Membership.status == "active")
    taken = select(Signup.user_id).where(Signup.opportunity_id == opportunity.id)
    common = []
    if skill_ids:
        common.append(VolunteerProfile.id.in_(select(profile_skills.c.profile_id)
                                              .where(profile_skills.c.skill_id.in_(skill_ids))))
    if bit:
        common.append(VolunteerProfile.interests.op("&")(bit) != 0)
    if opportunity.centre_id is not None:
        common.append(VolunteerProfile.id.in_(select(profile_centres.c.profile_id)
                                              .where(profile_centres.c.centre_id == opportunity.centre_id)))
    if not common:  # an opportunity with no skill, category or centre: its days and times are what it shares
        common = [VolunteerProfile.days.op("&")(opportunity.days) != 0,
                  VolunteerProfile.times.op("&")(opportunity.times) != 0]
    where = [VolunteerProfile.user_id.in_(members), VolunteerProfile.user_id.not_in(taken), or_(*common)]
    if not committee_only_too:
        where.append(VolunteerProfile.visibility == "members")
    rows = _rows(select(VolunteerProfile.id, VolunteerProfile.user_id, VolunteerProfile.interests,
                        VolunteerProfile.days, VolunteerProfile.times, VolunteerProfile.created_at).where(*where))
    ids = select(VolunteerProfile.id).where(*where)
    keys = _skill_keys(profile_skills, profile_skills.c.profile_id, ids)
    centres: dict[int, set[int]] = {}
    if opportunity.centre_id is not None and rows:
        # Only the opportunity's centre counts: one column of the link table, read for the candidates at once.
        for (profile_id,) in _rows(select(profile_centres.c.profile_id).where(
                profile_centres.c.profile_id.in_(ids), profile_centres.c.centre_id == opportunity.centre_id)):
            centres[profile_id] = {opportunity.centre_id}
    return [matching.VolunteerFacts(
        id=row.user_id, skills=frozenset(keys.get(row.id, ())), interests=_interest_keys(row.interests),
        days=row.days, times=row.times, centres=frozenset(centres.get(row.id, ())),
        since=_utc(row.created_at)) for row in rows]


def _utc(moment):
    """A time read through a plain connection: SQLite gives it naive (it is UTC), PostgreSQL aware."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def suggestions(user) -> list[matching.Match]:
    """Open opportunities for the person, best first, with the reasons; none without a profile."""
    profile = profile_of(user)
    if profile is None:
        return []
    return matching.rank_opportunities(volunteer_facts(profile), opportunity_candidates(profile))


def suggested_volunteers(viewer, opportunity: Opportunity) -> list[matching.Match]:
    """Volunteers for an opportunity, best first; a partner coordinator sees only the profiles open to them."""
    everyone = permissions.is_admin(viewer) or is_committee(viewer, opportunity.community)
    return matching.rank_volunteers(opportunity_facts(opportunity),
                                    volunteer_candidates(opportunity, committee_only_too=everyone))
