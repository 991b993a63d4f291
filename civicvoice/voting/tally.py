"""Counting rules, as pure functions of the ballots (no database): anyone can recount from the published CSV.

- Adoption: yes / no / abstain, a quorum on turnout, a simple or two-thirds majority of yes + no.
- Ranked (Schulze method, as in Markus Schulze's 2011 paper and the Wikipedia example): candidates each voter leaves
  out rank below all the ones they ranked, equal among themselves.
- Approval: the most approvals wins.
"""
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class AdoptionResult:
    yes: int
    no: int
    abstain: int
    electorate: int
    turnout: int
    quorum_needed: int
    quorum_met: bool
    majority_met: bool

    @property
    def adopted(self) -> bool:
        return self.quorum_met and self.majority_met


def quorum_needed(electorate: int, quorum_percent: int) -> int:
    """The smallest turnout that meets the quorum (exactly at the quorum counts as met)."""
    needed = Fraction(electorate * quorum_percent, 100)
    return int(needed) + (needed.denominator != 1)


def adoption(yes: int, no: int, abstain: int, electorate: int, quorum_percent: int, majority: str) -> AdoptionResult:
    """Abstentions count for the quorum, not for the majority; a tie is not a majority."""
    if majority not in ("simple", "two_thirds"):
        raise ValueError(majority)
    turnout = yes + no + abstain
    needed = quorum_needed(electorate, quorum_percent)
    if majority == "simple":
        majority_met = yes > no
    else:
        majority_met = yes > 0 and 3 * yes >= 2 * (yes + no)
    return AdoptionResult(yes, no, abstain, electorate, turnout, needed, turnout >= needed and turnout > 0,
                          majority_met)


@dataclass(frozen=True)
class RankedResult:
    candidates: tuple
    pairwise: dict  # pairwise[a][b]: voters preferring a to b
    strongest: dict  # strongest[a][b]: strength of the strongest path from a to b
    order: tuple  # tuples of candidates, best first; candidates in one tuple are tied

    @property
    def winners(self) -> tuple:
        return self.order[0] if self.order else ()


def pairwise(candidates, ballots) -> dict:
    """d[a][b] = number of voters who rank a above b (unranked candidates below all ranked ones)."""
    d = {a: {b: 0 for b in candidates if b != a} for a in candidates}
    for ballot in ballots:
        rank = {candidate: position for position, candidate in enumerate(ballot) if candidate in d}
        last = len(rank)
        for a in candidates:
            for b in candidates:
                if a != b and rank.get(a, last) < rank.get(b, last):
                    d[a][b] += 1
    return d


def schulze(candidates, ballots) -> RankedResult:
    """The Schulze order. `ballots` are sequences of candidates, most preferred first (duplicates ignored).

    a beats b when the strongest path from a to b is stronger than from b to a (path strength = its weakest
    link, links being pairwise wins d[x][y] > d[y][x]). The order is in layers (see _layers); a group with
    several candidates is a tie.
    """
    candidates = tuple(candidates)
    cleaned = [tuple(dict.fromkeys(ballot)) for ballot in ballots]
    d = pairwise(candidates, cleaned)
    p = {a: {b: (d[a][b] if d[a][b] > d[b][a] else 0) for b in candidates if b != a} for a in candidates}
    for i in candidates:  # Floyd–Warshall on the widest path
        for j in candidates:
            if i == j:
                continue
            for k in candidates:
                if k in (i, j):
                    continue
                p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return RankedResult(candidates, d, p, _layers(candidates, p))


def _layers(candidates, p) -> tuple:
    """First every candidate nobody beats (the Schulze winners), then every one nobody left beats, and so on.

    Counting how many others each candidate beats is not enough: the "beats" relation is only a partial order,
    so a candidate who beats nobody may still be unbeaten, hence a winner, next to one who beats a third
    (ballots A>B and C alone: A beats B, C ties both, A and C win). The relation has no cycle, so every layer
    has someone in it.
    """
    left, order = list(candidates), []
    while left:
        layer = tuple(a for a in left if not any(p[b][a] > p[a][b] for b in left if b != a))
        order.append(layer)
        left = [a for a in left if a not in layer]
    return tuple(order)


@dataclass(frozen=True)
class ApprovalResult:
    candidates: tuple
    approvals: dict
    order: tuple

    @property
    def winners(self) -> tuple:
        return self.order[0] if self.order and self.approvals[self.order[0][0]] > 0 else ()


def approval(candidates, ballots) -> ApprovalResult:
    """Each ballot is a set of approved candidates; unknown candidates are ignored."""
    candidates = tuple(candidates)
    counts = {candidate: 0 for candidate in candidates}
    for ballot in ballots:
        for candidate in set(ballot):
            if candidate in counts:
                counts[candidate] += 1
    return ApprovalResult(candidates, counts, _grouped(candidates, counts))


def _grouped(candidates, score: dict) -> tuple:
    """Candidates by descending score, equal scores together (in the given candidate order)."""
    levels = sorted(set(score.values()), reverse=True)
    return tuple(tuple(c for c in candidates if score[c] == level) for level in levels)
