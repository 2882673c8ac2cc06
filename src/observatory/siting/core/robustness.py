"""Robustness of a siting choice: re-solve on several demand sets (pure: no Django).

Scenes move: the demand of each of the last N months is solved on its own, and each candidate
site gets the share of months in which the model opens it. A site chosen every month is a safe
choice; one chosen once is an artefact of one month's demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from observatory.siting.core.solver import solve_model


@dataclass
class Robustness:
    """``counts[j]``: in how many demand sets site ``j`` is open; ``share`` = counts / runs."""

    counts: NDArray[np.int64]
    share: NDArray[np.float64]
    open_sites: list[NDArray[np.int64]]
    objectives: list[float]
    statuses: list[str]

    @property
    def runs(self) -> int:
        return len(self.open_sites)


def choice_frequency(
    model: str,
    costs: Sequence[ArrayLike],
    weights: Sequence[ArrayLike],
    *,
    radius: float | None = None,
    p: int | None = None,
    fixed: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    time_limit: float | None = None,
) -> Robustness:
    """Solve ``model`` once per demand set (``costs[k]``, ``weights[k]``, same sites in each).

    The demand points may differ between sets (each month has its own cells); the candidate
    sites, forced and excluded, are the same. ``time_limit`` applies to each solve.
    """
    if len(costs) != len(weights):
        raise ValueError("one weight vector is needed per cost matrix")
    if not costs:
        raise ValueError("no demand set to solve")
    n_sites = {np.shape(c)[1] for c in costs}
    if len(n_sites) != 1:
        raise ValueError("every cost matrix must have the same sites (columns)")
    counts = np.zeros(n_sites.pop(), dtype=np.int64)
    opened, objectives, statuses = [], [], []
    for c, w in zip(costs, weights, strict=True):
        result = solve_model(
            model,
            c,
            w,
            radius=radius,
            p=p,
            fixed=fixed,
            excluded=excluded,
            capacity=capacity,
            time_limit=time_limit,
        )
        counts[result.open_sites] += 1
        opened.append(result.open_sites)
        objectives.append(result.objective)
        statuses.append(str(result.status))
    return Robustness(counts, counts / len(costs), opened, objectives, statuses)
