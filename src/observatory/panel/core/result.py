"""A lottery's result (pure: no Django): panels, probabilities, and concrete panels from compositions.

The solvers find a distribution over panel *compositions* (seats per type); within a type every
member must be equally likely, so :func:`expand_compositions` turns each composition into concrete
panels by systematic sampling (one uniform offset shared by all types), which gives every member
of a type the exact same probability with exact rational weights.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from observatory.panel.core.problem import Problem


@dataclass
class LotteryResult:
    """A distribution over panels and every volunteer's selection probability.

    ``panels`` lists ``(members, probability)`` with members as sorted agent indices into
    ``ids``; ``probabilities[i]`` is the probability that volunteer ``ids[i]`` is selected.
    """

    method: str
    ids: list[str]
    k: int
    probabilities: NDArray[np.float64]
    panels: list[tuple[tuple[int, ...], float]]
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def min_probability(self) -> float:
        return float(self.probabilities.min())

    @property
    def gini(self) -> float:
        return gini(self.probabilities)

    @property
    def geometric_mean(self) -> float:
        p = self.probabilities
        return 0.0 if np.any(p <= 0) else float(np.exp(np.mean(np.log(p))))

    def probability_by_id(self) -> dict[str, float]:
        return {i: float(p) for i, p in zip(self.ids, self.probabilities, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``observatory panel probabilities --json``."""
        return {
            "method": self.method,
            "n": self.n,
            "k": self.k,
            "min_probability": self.min_probability,
            "gini": self.gini,
            "geometric_mean": self.geometric_mean,
            "probabilities": self.probability_by_id(),
            "panels": [
                {"members": [self.ids[i] for i in members], "probability": q} for members, q in self.panels
            ],
            "seconds": self.seconds,
        }


def gini(p: NDArray[np.float64]) -> float:
    """Gini coefficient of a non-negative vector (0 = all equal)."""
    x = np.sort(np.asarray(p, dtype=np.float64))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * x) / (n * x.sum())) - (n + 1) / n)


def expand_compositions(
    prob: Problem, comps: Sequence[NDArray[np.int64]], weights: Sequence[float]
) -> list[tuple[tuple[int, ...], float]]:
    """Concrete panels realising a distribution over compositions, every type member equally likely.

    Within each type of ``n_t`` volunteers holding ``c_t`` seats, members are chosen by systematic
    sampling with one uniform offset ``U`` shared by all types: member ``j`` is in when an integer
    lies in ``[j c_t/n_t - U, (j+1) c_t/n_t - U)``, so each member has probability ``c_t/n_t``. The
    chosen set changes only at offsets that are multiples of ``gcd(c_t, n_t)/n_t``, so each
    composition yields at most ``n`` panels with exact rational weights.
    """
    out: dict[tuple[int, ...], float] = {}
    for comp, w in zip(comps, weights, strict=True):
        if w <= 0:
            continue
        breaks = {Fraction(0)}
        for t in np.flatnonzero((comp > 0) & (comp < prob.type_size)):
            n_t, c_t = int(prob.type_size[t]), int(comp[t])
            g = math.gcd(c_t, n_t)
            breaks.update(Fraction(j * g, n_t) for j in range(n_t // g))
        edges = [*sorted(breaks), Fraction(1)]
        mids = np.array([float((a + b) / 2) for a, b in itertools.pairwise(edges)])
        chosen = np.zeros((len(mids), prob.pool.n), dtype=bool)  # one row per offset interval
        for t in np.flatnonzero(comp > 0):
            n_t, c_t = int(prob.type_size[t]), int(comp[t])
            if c_t == n_t:
                chosen[:, prob.members[t]] = True
                continue
            s = np.arange(n_t + 1) * (c_t / n_t) - mids[:, None]
            chosen[:, prob.members[t]] = np.diff(np.floor(s), axis=1) == 1
        for row, (a, b) in zip(chosen, itertools.pairwise(edges), strict=True):
            key = tuple(np.flatnonzero(row).tolist())
            out[key] = out.get(key, 0.0) + w * float(b - a)
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))
