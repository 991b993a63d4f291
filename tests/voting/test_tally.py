"""The counting rules, as pure functions: published examples, edge cases of quorum and majority, and properties
(Hypothesis) that any correct Schulze count has. No database."""
import random
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicvoice.voting import tally

# Property tests leave no example database behind in the repository (pytest runs with -p no:cacheprovider too).
PROPERTIES = settings(database=None, max_examples=200, deadline=None)

# Wikipedia, "Schulze method", Example: 45 voters, 5 candidates.
WIKIPEDIA_GROUPS = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"), (2, "CBADE"),
                    (7, "DCEBA"), (8, "EBADC")]
WIKIPEDIA_BALLOTS = [list(order) for n, order in WIKIPEDIA_GROUPS for _ in range(n)]
# The published tables, row a, column b (None on the diagonal).
WIKIPEDIA_D = {"A": [None, 20, 26, 30, 22], "B": [25, None, 16, 33, 18], "C": [19, 29, None, 17, 24],
               "D": [15, 12, 28, None, 14], "E": [23, 27, 21, 31, None]}
WIKIPEDIA_P = {"A": [None, 28, 28, 30, 24], "B": [25, None, 28, 33, 24], "C": [25, 29, None, 29, 24],
               "D": [25, 28, 28, None, 24], "E": [25, 28, 28, 31, None]}


def _table(matrix: dict) -> dict:
    return {a: [matrix[a].get(b) for b in "ABCDE"] for a in "ABCDE"}


# Schulze: the published example -----------------------------------------------------------------

def test_wikipedia_example_has_45_voters():
    assert len(WIKIPEDIA_BALLOTS) == 45


def test_wikipedia_example_order_is_e_a_c_b_d():
    result = tally.schulze("ABCDE", WIKIPEDIA_BALLOTS)
    assert result.order == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.winners == ("E",)


def test_wikipedia_example_pairwise_matrix_is_the_published_one():
    assert _table(tally.schulze("ABCDE", WIKIPEDIA_BALLOTS).pairwise) == WIKIPEDIA_D


def test_wikipedia_example_strongest_paths_are_the_published_ones():
    assert _table(tally.schulze("ABCDE", WIKIPEDIA_BALLOTS).strongest) == WIKIPEDIA_P


def test_candidate_order_given_does_not_change_the_wikipedia_result():
    result = tally.schulze("DBECA", WIKIPEDIA_BALLOTS)
    assert result.order == (("E",), ("A",), ("C",), ("B",), ("D",))


# Schulze: edge cases -----------------------------------------------------------------------------

def test_two_candidates_with_equal_support_are_tied():
    result = tally.schulze("AB", [["A", "B"], ["B", "A"]])
    assert result.order == (("A", "B"),)
    assert result.winners == ("A", "B")


def test_a_tie_below_a_clear_winner_stays_a_tie():
    result = tally.schulze("ABC", [["A", "B", "C"], ["A", "C", "B"]])
    assert result.order == (("A",), ("B", "C"))


def test_a_condorcet_cycle_ties_everyone():
    """Rock–paper–scissors: A beats B, B beats C, C beats A, each 2 to 1, so every path is equally strong."""
    result = tally.schulze("ABC", [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]])
    assert result.pairwise["A"]["B"] == result.pairwise["B"]["C"] == result.pairwise["C"]["A"] == 2
    assert result.order == (("A", "B", "C"),)


def test_no_ballots_ties_everyone_at_zero():
    result = tally.schulze("ABC", [])
    assert result.order == (("A", "B", "C"),)
    assert all(n == 0 for row in result.pairwise.values() for n in row.values())
    assert all(n == 0 for row in result.strongest.values() for n in row.values())


def test_empty_ballots_count_for_nobody():
    assert tally.schulze("ABC", [[], []]).pairwise == tally.schulze("ABC", []).pairwise
    assert tally.schulze("ABC", [[], [], ["B"]]).order == (("B",), ("A", "C"))


def test_candidates_left_out_of_a_ballot_rank_below_the_ranked_ones_and_equal_among_themselves():
    d = tally.schulze("ABC", [["B"]]).pairwise
    assert (d["B"]["A"], d["B"]["C"]) == (1, 1)
    assert (d["A"]["B"], d["C"]["B"], d["A"]["C"], d["C"]["A"]) == (0, 0, 0, 0)


def test_partial_rankings_decide_among_the_ranked_candidates():
    result = tally.schulze("ABCD", [["C", "A"], ["C"], ["A", "B"]])
    assert result.pairwise["C"]["A"] == 2 and result.pairwise["A"]["C"] == 1
    assert result.winners == ("C",)


def test_a_candidate_ranked_twice_counts_at_its_first_place():
    assert tally.schulze("ABC", [["A", "B", "A", "C"]]).pairwise == tally.schulze("ABC", [["A", "B", "C"]]).pairwise
    assert tally.schulze("ABC", [["B", "A", "B"]]).order == (("B",), ("A",), ("C",))


def test_unknown_candidates_in_a_ballot_are_ignored():
    assert tally.schulze("AB", [["Z", "B", "A"]]).pairwise == tally.schulze("AB", [["B", "A"]]).pairwise


# Approval ----------------------------------------------------------------------------------------

def test_approval_counts_each_approval_once():
    result = tally.approval("ABC", [["A", "B"], ["B"], ["B", "C", "B"]])
    assert result.approvals == {"A": 1, "B": 3, "C": 1}
    assert result.order == (("B",), ("A", "C"))
    assert result.winners == ("B",)


def test_approval_tie_for_first_gives_two_winners():
    result = tally.approval("ABC", [["A", "C"], ["C", "A"], ["B"]])
    assert result.winners == ("A", "C")
    assert result.order == (("A", "C"), ("B",))


def test_approval_without_any_approval_has_no_winner():
    assert tally.approval("AB", [[], []]).winners == ()
    assert tally.approval("AB", []).order == (("A", "B"),)


def test_approval_ignores_unknown_candidates():
    assert tally.approval("AB", [["A", "Z"]]).approvals == {"A": 1, "B": 0}


# Adoption: quorum --------------------------------------------------------------------------------

def test_turnout_exactly_at_the_quorum_meets_it():
    """20 % of 10 members is 2 votes."""
    assert tally.adoption(2, 0, 0, electorate=10, quorum_percent=20, majority="simple").quorum_met


def test_one_vote_below_the_quorum_does_not_meet_it():
    result = tally.adoption(1, 0, 0, electorate=10, quorum_percent=20, majority="simple")
    assert not result.quorum_met and not result.adopted


@pytest.mark.parametrize("electorate, percent, needed", [(7, 20, 2), (10, 20, 2), (11, 20, 3), (5, 20, 1),
                                                          (3, 100, 3), (10, 0, 0), (0, 20, 0), (3, 33, 1)])
def test_quorum_needed_rounds_up(electorate, percent, needed):
    assert tally.quorum_needed(electorate, percent) == needed


def test_quorum_of_20_percent_of_7_needs_2_votes_not_1():
    assert not tally.adoption(1, 0, 0, electorate=7, quorum_percent=20, majority="simple").quorum_met
    assert tally.adoption(2, 0, 0, electorate=7, quorum_percent=20, majority="simple").quorum_met


def test_abstentions_count_towards_the_quorum():
    assert not tally.adoption(1, 0, 0, electorate=10, quorum_percent=20, majority="simple").quorum_met
    result = tally.adoption(1, 0, 1, electorate=10, quorum_percent=20, majority="simple")
    assert result.quorum_met and result.turnout == 2 and result.adopted


def test_abstentions_do_not_count_towards_the_majority():
    """1 yes, 0 no, 5 abstentions: adopted (a majority of yes + no), although yes is not half the turnout."""
    assert tally.adoption(1, 0, 5, electorate=10, quorum_percent=20, majority="simple").adopted
    assert tally.adoption(1, 0, 5, electorate=10, quorum_percent=20, majority="two_thirds").adopted
    assert not tally.adoption(1, 1, 5, electorate=10, quorum_percent=20, majority="simple").majority_met


def test_zero_votes_are_not_adopted_even_without_a_quorum():
    result = tally.adoption(0, 0, 0, electorate=10, quorum_percent=0, majority="simple")
    assert not result.quorum_met and not result.adopted


def test_only_abstentions_are_not_adopted():
    for majority in ("simple", "two_thirds"):
        result = tally.adoption(0, 0, 4, electorate=4, quorum_percent=20, majority=majority)
        assert result.quorum_met and not result.majority_met and not result.adopted


# Adoption: majority ------------------------------------------------------------------------------

def test_simple_majority_tie_is_not_adopted():
    result = tally.adoption(3, 3, 0, electorate=6, quorum_percent=20, majority="simple")
    assert result.quorum_met and not result.majority_met and not result.adopted


def test_simple_majority_one_more_yes_is_adopted():
    assert tally.adoption(4, 3, 0, electorate=7, quorum_percent=20, majority="simple").adopted


def test_two_thirds_exactly_is_adopted():
    assert tally.adoption(2, 1, 0, electorate=3, quorum_percent=20, majority="two_thirds").adopted


def test_just_below_two_thirds_is_not_adopted():
    assert not tally.adoption(3, 2, 0, electorate=5, quorum_percent=20, majority="two_thirds").adopted
    # 199 of 300 is one short of two thirds.
    assert not tally.adoption(199, 101, 0, electorate=300, quorum_percent=20, majority="two_thirds").adopted
    assert tally.adoption(200, 100, 0, electorate=300, quorum_percent=20, majority="two_thirds").adopted


def test_a_simple_majority_is_not_two_thirds():
    assert tally.adoption(3, 2, 0, electorate=5, quorum_percent=20, majority="simple").adopted
    assert not tally.adoption(3, 2, 0, electorate=5, quorum_percent=20, majority="two_thirds").majority_met


def test_unknown_majority_is_refused():
    with pytest.raises(ValueError):
        tally.adoption(1, 0, 0, electorate=1, quorum_percent=0, majority="most")


# Properties --------------------------------------------------------------------------------------

CANDIDATES = "ABCDE"


@st.composite
def elections(draw, min_ballots=0):
    """(candidates, ballots): 2–5 candidates, up to 25 ballots, each ranking any subset in any order."""
    candidates = CANDIDATES[:draw(st.integers(min_value=2, max_value=5))]
    ballot = st.lists(st.sampled_from(candidates), unique=True, max_size=len(candidates))
    return candidates, draw(st.lists(ballot, min_size=min_ballots, max_size=25))


def condorcet_winner(candidates, ballots):
    """The candidate preferred to every other by more voters than the reverse, if any (computed independently)."""
    def prefers(ballot, a, b):
        rank = {c: i for i, c in enumerate(ballot)}
        return rank.get(a, len(ballot)) < rank.get(b, len(ballot))

    for a in candidates:
        if all(sum(prefers(x, a, b) for x in ballots) > sum(prefers(x, b, a) for x in ballots)
               for b in candidates if b != a):
            return a
    return None


@PROPERTIES
@given(elections())
def test_the_schulze_winner_is_the_condorcet_winner_when_there_is_one(election):
    candidates, ballots = election
    winner = condorcet_winner(candidates, ballots)
    if winner is not None:
        assert tally.schulze(candidates, ballots).winners == (winner,)


def test_the_condorcet_property_is_not_vacuous():
    """The strategy does produce elections with a Condorcet winner (else the property above proves nothing)."""
    assert condorcet_winner("ABC", [["B", "A"], ["B"], ["C", "B"]]) == "B"
    assert tally.schulze("ABC", [["B", "A"], ["B"], ["C", "B"]]).winners == ("B",)


@PROPERTIES
@given(elections(), st.randoms(use_true_random=False))
def test_permuting_ballots_never_changes_the_result(election, rng):
    candidates, ballots = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    before, after = tally.schulze(candidates, ballots), tally.schulze(candidates, shuffled)
    assert (after.order, after.pairwise, after.strongest) == (before.order, before.pairwise, before.strongest)


@PROPERTIES
@given(elections(min_ballots=1), st.randoms(use_true_random=False))
def test_a_ballot_ranking_the_sole_winner_first_keeps_it_a_winner(election, rng):
    candidates, ballots = election
    winners = tally.schulze(candidates, ballots).winners
    if len(winners) != 1:
        return
    [winner] = winners
    rest = [c for c in candidates if c != winner]
    rng.shuffle(rest)
    extra = [winner, *rest[:rng.randint(0, len(rest))]]
    assert winner in tally.schulze(candidates, [*ballots, extra]).winners


def beats(result, a, b) -> bool:
    return result.strongest[a][b] > result.strongest[b][a]


@PROPERTIES
@given(elections())
def test_the_winners_are_exactly_the_candidates_nobody_beats(election):
    """Schulze's definition: X wins when p[X][Y] >= p[Y][X] for every other Y."""
    candidates, ballots = election
    result = tally.schulze(candidates, ballots)
    unbeaten = tuple(a for a in candidates if not any(beats(result, b, a) for b in candidates if b != a))
    assert result.winners == unbeaten


def test_a_candidate_who_beats_nobody_but_is_unbeaten_is_a_winner():
    """A > B on one ballot, C alone on another: A beats B, C ties with both. Counting wins would crown A alone."""
    result = tally.schulze("ABC", [["A", "B"], ["C"]])
    assert result.winners == ("A", "C")
    assert result.order == (("A", "C"), ("B",))


@PROPERTIES
@given(elections())
def test_the_order_follows_the_strongest_paths(election):
    """No one beats anyone of an earlier group; everyone after the first group is beaten by the group just
    before; inside a group, paths are equally strong."""
    candidates, ballots = election
    result = tally.schulze(candidates, ballots)
    assert sorted(c for group in result.order for c in group) == sorted(candidates)
    for i, group in enumerate(result.order):
        for a in group:
            assert not any(beats(result, a, b) or beats(result, b, a) for b in group if b != a)
            assert not any(beats(result, a, b) for earlier in result.order[:i] for b in earlier)
            if i:
                assert any(beats(result, b, a) for b in result.order[i - 1])


@PROPERTIES
@given(elections())
def test_pairwise_counts_match_a_direct_count(election):
    candidates, ballots = election
    d = tally.schulze(candidates, ballots).pairwise
    for a, b in permutations(candidates, 2):
        expected = sum(1 for ballot in ballots
                       if a in ballot and (b not in ballot or ballot.index(a) < ballot.index(b)))
        assert d[a][b] == expected


def test_permuting_the_wikipedia_ballots_keeps_e_a_c_b_d():
    shuffled = list(WIKIPEDIA_BALLOTS)
    random.Random(6).shuffle(shuffled)
    assert tally.schulze("ABCDE", shuffled).order == (("E",), ("A",), ("C",), ("B",), ("D",))
