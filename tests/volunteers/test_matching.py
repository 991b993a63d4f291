"""Matching as a pure function: hand-computed rankings, the reasons given, deterministic tie-breaking, and
properties over random inputs (Hypothesis). No database here."""
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from civicvoice.volunteers.matching import (WEIGHTS, Match, OpportunityFacts, Reasons, VolunteerFacts,
                                            rank_opportunities, rank_volunteers, score)

FRIDAY, SATURDAY, MORNING, EVENING = 4, 5, 0, 2
NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def days(*numbers):
    return sum(1 << n for n in numbers)


LAYLA = VolunteerFacts(id=7, skills=frozenset({"plumbing", "teaching"}), interests=frozenset({"water_sanitation"}),
                       days=days(FRIDAY, SATURDAY), times=days(MORNING), centres=frozenset({3}))


def test_a_match_adds_the_weights_of_what_is_shared_and_says_why():
    pump = OpportunityFacts(id=1, skills=frozenset({"plumbing", "electricity"}), category="water_sanitation",
                            days=days(FRIDAY), times=days(MORNING), centre_id=3)
    match = score(LAYLA, pump)
    # plumbing 3 + category 2 + Friday 1 + morning 1 + centre 2
    assert match == Match(1, 9, Reasons(skills=("plumbing",), category="water_sanitation", days=(FRIDAY,),
                                        times=(MORNING,), centre_id=3))


def test_nothing_in_common_scores_nothing_and_has_no_reason():
    far = OpportunityFacts(id=2, skills=frozenset({"driving"}), category="health", days=days(0), times=days(EVENING),
                           centre_id=9)
    match = score(LAYLA, far)
    assert (match.score, bool(match.reasons)) == (0, False)


def test_opportunities_are_ranked_by_score_then_date_then_id():
    soon, later = NOW + timedelta(days=1), NOW + timedelta(days=5)
    candidates = [
        OpportunityFacts(id=10, skills=frozenset({"teaching"}), starts_at=later),                 # 3
        OpportunityFacts(id=11, skills=frozenset({"plumbing", "teaching"}), starts_at=later),     # 6
        OpportunityFacts(id=12, days=days(FRIDAY), centre_id=3, starts_at=soon),                   # 3, sooner
        OpportunityFacts(id=13, days=days(FRIDAY, SATURDAY), times=days(MORNING), starts_at=None),  # 3, ongoing
        OpportunityFacts(id=9, skills=frozenset({"teaching"}), starts_at=later),                  # 3, smaller id
        OpportunityFacts(id=14, skills=frozenset({"driving"}), starts_at=soon),                   # 0: left out
    ]
    ranked = rank_opportunities(LAYLA, candidates)
    assert [(m.id, m.score) for m in ranked] == [(11, 6), (12, 3), (9, 3), (10, 3), (13, 3)]
    assert ranked[1].reasons == Reasons(days=(FRIDAY,), centre_id=3)


def test_the_order_does_not_depend_on_the_order_of_the_candidates():
    candidates = [OpportunityFacts(id=n, skills=frozenset({"plumbing"}), starts_at=NOW) for n in (5, 3, 4)]
    assert [m.id for m in rank_opportunities(LAYLA, candidates)] == [3, 4, 5]
    assert [m.id for m in rank_opportunities(LAYLA, reversed(candidates))] == [3, 4, 5]


def test_volunteers_are_ranked_by_score_then_the_oldest_profile_then_id():
    roof = OpportunityFacts(id=1, skills=frozenset({"building", "electricity"}), category="facility_repair",
                            days=days(FRIDAY), times=days(MORNING), centre_id=3)
    old, new = NOW - timedelta(days=30), NOW
    people = [
        VolunteerFacts(id=1, skills=frozenset({"building"}), since=new),                                  # 3
        VolunteerFacts(id=2, skills=frozenset({"building", "electricity"}), days=days(FRIDAY), since=new),  # 7
        VolunteerFacts(id=3, skills=frozenset({"building"}), since=old),                                  # 3, older
        VolunteerFacts(id=4, interests=frozenset({"facility_repair"}), centres=frozenset({3}), since=new),  # 4
        VolunteerFacts(id=5, skills=frozenset({"teaching"}), since=old),                                  # 0
    ]
    ranked = rank_volunteers(roof, people)
    assert [(m.id, m.score) for m in ranked] == [(2, 7), (4, 4), (3, 3), (1, 3)]
    assert ranked[1].reasons == Reasons(category="facility_repair", centre_id=3)


def test_the_weights_are_those_documented():
    assert WEIGHTS == {"skill": 3, "category": 2, "centre": 2, "day": 1, "time": 1}


facts = st.builds(
    OpportunityFacts, id=st.integers(1, 10_000),
    skills=st.frozensets(st.sampled_from(["plumbing", "teaching", "driving", "first_aid"])),
    category=st.sampled_from([None, "health", "water_sanitation"]), days=st.integers(0, 127),
    times=st.integers(0, 7), centre_id=st.sampled_from([None, 1, 3]),
    starts_at=st.one_of(st.none(), st.datetimes(timezones=st.just(timezone.utc))))


@given(st.lists(facts, max_size=30, unique_by=lambda f: f.id))
def test_ranking_is_sorted_complete_and_independent_of_input_order(candidates):
    ranked = rank_opportunities(LAYLA, candidates)
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)
    assert {m.id for m in ranked} == {c.id for c in candidates if score(LAYLA, c).score > 0}
    assert rank_opportunities(LAYLA, list(reversed(candidates))) == ranked
    assert all(m.reasons for m in ranked)  # every suggestion says why


@given(facts)
def test_every_reason_is_really_shared(opportunity):
    match = score(LAYLA, opportunity)
    assert set(match.reasons.skills) <= LAYLA.skills & opportunity.skills
    assert all(LAYLA.days >> d & 1 and opportunity.days >> d & 1 for d in match.reasons.days)
    assert match.reasons.centre_id in (None, *LAYLA.centres)
