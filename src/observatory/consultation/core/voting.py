"""Counting votes (pure: no Django): approval, and Condorcet with the Schulze method.

Options are numbered ``0 .. n-1``. A ballot is a list of option numbers:

* **approval**: the options the voter approves (order does not matter); an empty list is a
  blank ballot that counts for participation only;
* **ranked**: the options in order of preference, best first. A ballot may be partial: the
  options it leaves out tie together, below every ranked option (the usual convention, also
  Schulze's). A ballot that ranks nothing is blank.

Ranked ballots are counted by Condorcet's rule: the option that beats every other one in
pairwise duels wins. When there is no such option (a cycle), the Schulze method decides: it
elects the options whose strongest beatpath to every other option is at least as strong as the
reverse one (Schulze 2011, "A new monotonic, clone-independent, reversal symmetric, and
Condorcet-consistent single-winner election method", Social Choice and Welfare 36:267-303).
Schulze always elects the Condorcet winner when there is one, so the two rules never disagree;
the result says which of them decided. The strength of a link is measured by winning votes
(d[i, j] when d[i, j] > d[j, i], otherwise 0), as in Schulze's paper and the Wikipedia example.
A remaining tie between Schulze winners is reported as a tie, never broken at random: a recount
must give the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

APPROVAL = "approval"
RANKED = "ranked"
METHODS = (APPROVAL, RANKED)

IntMatrix = NDArray[np.int64]


class BallotError(ValueError):
    """A ballot that cannot be counted (an unknown or a repeated option)."""

    def __init__(self, message: str, option: int | None = None) -> None:
        super().__init__(message)
        self.option = option


def validate_ballot(choices: Sequence[int], n_options: int) -> list[int]:
    """The ballot as a list of ints, or :class:`BallotError` naming the first bad option."""
    seen: set[int] = set()
    out: list[int] = []
    for c in choices:
        if isinstance(c, bool) or not isinstance(c, int | np.integer):
            raise BallotError(f"{c!r} is not an option number", None)
        c = int(c)
        if not 0 <= c < n_options:
            raise BallotError(f"option {c} does not exist (options are 0 to {n_options - 1})", c)
        if c in seen:
            raise BallotError(f"option {c} appears twice on the ballot", c)
        seen.add(c)
        out.append(c)
    return out


def approval_counts(ballots: Iterable[Sequence[int]], n_options: int) -> NDArray[np.int64]:
    """Number of approvals of each option."""
    counts = np.zeros(n_options, dtype=np.int64)
    for ballot in ballots:
        for c in validate_ballot(ballot, n_options):
            counts[c] += 1
    return counts


def pairwise_matrix(
    ballots: Iterable[Sequence[int]], n_options: int, weights: Iterable[int] | None = None
) -> IntMatrix:
    """``d[i, j]``: the number of voters who rank option ``i`` strictly above option ``j``.

    Unranked options tie last: a ranked option beats every unranked one, unranked options do
    not beat each other. ``weights`` gives how many voters cast each ballot (default one each).
    """
    d = np.zeros((n_options, n_options), dtype=np.int64)
    ballots = list(ballots)
    ws = [1] * len(ballots) if weights is None else list(weights)
    if len(ws) != len(ballots):
        raise ValueError("one weight per ballot")
    for ballot, w in zip(ballots, ws, strict=True):
        order = validate_ballot(ballot, n_options)
        if not order:
            continue
        # rank[c]: position of c, unranked options share the position after the last one.
        rank = np.full(n_options, len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        d += w * (rank[:, None] < rank[None, :])
    return d


def strongest_paths(d: IntMatrix) -> IntMatrix:
    """Schulze's ``p[i, j]``: the strength of the strongest beatpath from ``i`` to ``j``.

    Links are measured by winning votes; a Floyd-Warshall variant (widest paths), O(n³).
    """
    d = np.asarray(d, dtype=np.int64)
    n = d.shape[0]
    p = np.where(d > d.T, d, 0).astype(np.int64)
    np.fill_diagonal(p, 0)
    for k in range(n):
        # p[i, j] = max(p[i, j], min(p[i, k], p[k, j])) for i != k, j != k, i != j
        via = np.minimum(p[:, k][:, None], p[k, :][None, :])
        via[k, :] = 0
        via[:, k] = 0
        p = np.maximum(p, via)
        np.fill_diagonal(p, 0)
    return p


def condorcet_winner(d: IntMatrix) -> int | None:
    """The option that beats every other one head to head, if any."""
    d = np.asarray(d)
    n = d.shape[0]
    for i in range(n):
        if all(d[i, j] > d[j, i] for j in range(n) if j != i):
            return i
    return None


def schulze_ranking(p: IntMatrix) -> list[list[int]]:
    """The Schulze order as tiers (best first); options in one tier are tied.

    The relation "p[i, j] > p[j, i]" is transitive (Schulze 2011, section 4.1), so counting the
    options each one beats orders them.
    """
    p = np.asarray(p)
    n = p.shape[0]
    beats = [sum(1 for j in range(n) if j != i and p[i, j] > p[j, i]) for i in range(n)]
    tiers: dict[int, list[int]] = {}
    for i in range(n):
        tiers.setdefault(beats[i], []).append(i)
    return [tiers[b] for b in sorted(tiers, reverse=True)]


@dataclass
class Tally:
    """A counted vote: what the results page shows and a recount must reproduce."""

    method: str
    n_options: int
    ballots: int  # ballots counted, blank ones included
    blank: int
    winners: list[int]  # one option, or several on a tie
    decided_by: str  # "approval", "condorcet", "schulze" or "none" (no ballot)
    ranking: list[list[int]]  # tiers, best first
    approvals: list[int] = field(default_factory=list)  # approval: count per option
    first_choices: list[int] = field(default_factory=list)  # ranked: ballots ranking each option first
    pairwise: list[list[int]] = field(default_factory=list)  # ranked: d[i][j]
    strongest: list[list[int]] = field(default_factory=list)  # ranked: p[i][j]

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "options": self.n_options,
            "ballots": self.ballots,
            "blank": self.blank,
            "winners": self.winners,
            "decided_by": self.decided_by,
            "ranking": self.ranking,
            "approvals": self.approvals,
            "first_choices": self.first_choices,
            "pairwise": self.pairwise,
            "strongest_paths": self.strongest,
        }


def _tiers_by_count(counts: Sequence[int]) -> list[list[int]]:
    tiers: dict[int, list[int]] = {}
    for i, c in enumerate(counts):
        tiers.setdefault(int(c), []).append(i)
    return [tiers[c] for c in sorted(tiers, reverse=True)]


def tally(method: str, ballots: Sequence[Sequence[int]], n_options: int) -> Tally:
    """Count ``ballots`` by ``method`` (``"approval"`` or ``"ranked"``)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    checked = [validate_ballot(b, n_options) for b in ballots]
    blank = sum(1 for b in checked if not b)
    if method == APPROVAL:
        counts = approval_counts(checked, n_options)
        ranking = _tiers_by_count(counts.tolist())
        cast = len(checked) - blank
        top = ranking[0] if cast and ranking else []
        return Tally(
            method=method,
            n_options=n_options,
            ballots=len(checked),
            blank=blank,
            winners=list(top),
            decided_by="approval" if top else "none",
            ranking=ranking,
            approvals=counts.tolist(),
        )
    d = pairwise_matrix(checked, n_options)
    p = strongest_paths(d)
    firsts = np.zeros(n_options, dtype=np.int64)
    for b in checked:
        if b:
            firsts[b[0]] += 1
    ranking = schulze_ranking(p)
    if len(checked) == blank:
        winners: list[int] = []
        decided_by = "none"
    else:
        cw = condorcet_winner(d)
        winners = [cw] if cw is not None else list(ranking[0])
        decided_by = "condorcet" if cw is not None else "schulze"
    return Tally(
        method=method,
        n_options=n_options,
        ballots=len(checked),
        blank=blank,
        winners=winners,
        decided_by=decided_by,
        ranking=ranking,
        first_choices=firsts.tolist(),
        pairwise=d.tolist(),
        strongest=p.tolist(),
    )
