"""The pure counting module against published examples and a brute-force beatpath search."""

import itertools
import random

import numpy as np
import pytest

from observatory.consultation.core.voting import (
    BallotError,
    condorcet_winner,
    pairwise_matrix,
    schulze_ranking,
    strongest_paths,
    tally,
    validate_ballot,
)


def _profile(groups: list[tuple[int, str]], letters: str):
    ballots = [[letters.index(c) for c in order] for _, order in groups]
    return ballots, [n for n, _ in groups]


def _expand(groups, letters):
    return [[letters.index(c) for c in order] for n, order in groups for _ in range(n)]


# Wikipedia, "Schulze method", the example with 45 voters and 5 candidates.
WIKIPEDIA = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def test_wikipedia_example_pairwise_table_strongest_paths_and_winner_e():
    ballots, weights = _profile(WIKIPEDIA, "ABCDE")
    d = pairwise_matrix(ballots, 5, weights)
    assert d.tolist() == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    p = strongest_paths(d)
    assert p.tolist() == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    # Published order: E > A > C > B > D, with no Condorcet winner (a cycle).
    assert schulze_ranking(p) == [[4], [0], [2], [1], [3]]
    result = tally("ranked", _expand(WIKIPEDIA, "ABCDE"), 5)
    assert result.winners == [4] and result.decided_by == "schulze" and result.ballots == 45


def test_schulze_four_candidate_example_elects_d():
    # Schulze's 21-voter example: D > A > C > B although A has the most first choices.
    groups = [(8, "ACDB"), (2, "BADC"), (4, "CDBA"), (4, "DBAC"), (3, "DCBA")]
    result = tally("ranked", _expand(groups, "ABCD"), 4)
    assert result.pairwise == [[0, 8, 14, 10], [13, 0, 6, 2], [7, 15, 0, 12], [11, 19, 9, 0]]
    assert result.strongest == [[0, 14, 14, 12], [13, 0, 13, 12], [13, 15, 0, 12], [13, 19, 13, 0]]
    assert result.ranking == [[3], [0], [2], [1]]
    assert result.winners == [3] and result.first_choices == [8, 2, 4, 7]


def test_tennessee_capital_condorcet_winner_is_nashville():
    # The classic Condorcet example: Memphis has the most first choices, Nashville beats all.
    groups = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]
    result = tally("ranked", _expand(groups, "MNCK"), 4)
    assert result.winners == [1] and result.decided_by == "condorcet"
    assert result.ranking == [[1], [2], [3], [0]]


def test_partial_ballots_leave_the_unranked_tied_last():
    # One voter ranks only B: B beats A and C for that voter, A and C stay even.
    d = pairwise_matrix([[1]], 3)
    assert d.tolist() == [[0, 0, 0], [1, 0, 1], [0, 0, 0]]


def test_a_perfect_tie_is_reported_not_broken():
    result = tally("ranked", [[0, 1], [1, 0]], 2)
    assert result.winners == [0, 1] and result.decided_by == "schulze"


def test_approval_counts_and_tie():
    result = tally("approval", [[0, 2], [2], [1, 0], []], 3)
    assert result.approvals == [2, 1, 2]
    assert result.winners == [0, 2] and result.blank == 1 and result.ballots == 4


def test_no_ballots_no_winner():
    assert tally("ranked", [], 3).winners == []
    assert tally("approval", [[], []], 3).decided_by == "none"


@pytest.mark.parametrize(
    ("ballot", "message"),
    [([0, 1, 0], "appears twice"), ([3], "does not exist"), ([-1], "does not exist"), (["a"], "not an")],
)
def test_bad_ballots_are_refused_with_the_option(ballot, message):
    with pytest.raises(BallotError, match=message):
        validate_ballot(ballot, 3)
    with pytest.raises(BallotError):
        tally("ranked", [[0], ballot], 3)


def _brute_strongest(d: np.ndarray) -> np.ndarray:
    """Strongest beatpath by enumerating every simple path (the definition, for small n)."""
    n = d.shape[0]
    p = np.zeros_like(d)
    for i, j in itertools.permutations(range(n), 2):
        others = [k for k in range(n) if k not in (i, j)]
        for r in range(len(others) + 1):
            for middle in itertools.permutations(others, r):
                path = [i, *middle, j]
                links = [d[a, b] if d[a, b] > d[b, a] else 0 for a, b in itertools.pairwise(path)]
                p[i, j] = max(p[i, j], min(links))
    return p


def test_strongest_paths_match_the_definition_on_random_profiles():
    rng = random.Random(7)
    for _ in range(40):
        n = rng.randint(2, 5)
        ballots = [rng.sample(range(n), rng.randint(0, n)) for _ in range(rng.randint(1, 30))]
        d = pairwise_matrix(ballots, n)
        p = strongest_paths(d)
        assert (p == _brute_strongest(d)).all()
        winners = tally("ranked", ballots, n).winners
        cw = condorcet_winner(d)
        if cw is not None:  # Schulze is Condorcet-consistent
            assert schulze_ranking(p)[0] == [cw] and winners == [cw]
