"""The p-center (Hakimi 1965), solved with HiGHS (pure: no Django): open ``p`` sites to minimise
the largest cost from a demand point of positive weight to its site.

It is solved by bisection over the sorted distinct costs, each step a covering problem "all
points within r with at most p sites" (Minieka 1970; Daskin 2013, ch. 5).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike, NDArray

from observatory.siting.core.base import InfeasibleError, LocationModel, SolverError
from observatory.siting.core.coverage import _set_cover


class PCenter(LocationModel):
    """p-center: ``objective`` is the largest cost from a positive-weight point to its site."""

    name = "pcenter"

    @classmethod
    def from_cost_matrix(
        cls,
        costs: ArrayLike,
        p: int,
        weights: ArrayLike | None = None,
        *,
        fixed: ArrayLike | None = None,
        excluded: ArrayLike | None = None,
        radius: float | None = None,
    ) -> PCenter:
        """``radius``, when given, only defines ``covered`` in the results."""
        return cls(costs, weights, radius=radius, p=p, fixed=fixed, excluded=excluded)

    def solve(self, time_limit: float | None = None) -> PCenter:
        started = time.perf_counter()
        assert self.p is not None
        need = self.weights > 0
        sub = self.costs[need][:, self.allowed]
        if not need.any():
            raise InfeasibleError("no demand point has a positive weight")
        nearest = sub.min(axis=1)
        if not np.isfinite(nearest).all():
            bad = int(np.flatnonzero(need)[np.flatnonzero(~np.isfinite(nearest))[0]])
            raise InfeasibleError("a demand point cannot be served by any allowed site", bad)
        values = np.unique(sub[np.isfinite(sub)])
        # The optimum is one of the distinct costs, at least the largest nearest-site cost.
        lo = int(np.searchsorted(values, nearest.max()))
        hi = len(values) - 1
        best: NDArray[np.int64] | None = None
        best_idx = -1
        deadline = None if time_limit is None else started + time_limit
        timed_out = False
        while lo <= hi:  # invariant: the optimum is values[lo], or beyond hi when best is None
            mid = (lo + hi) // 2
            remaining = None if deadline is None else deadline - time.perf_counter()
            if remaining is not None and remaining <= 0:
                timed_out = True
                break
            sites, res = _set_cover(
                self.costs, self.weights, float(values[mid]), self.allowed, self.fixed, self.p, remaining
            )
            if sites is not None:
                best, best_idx, hi = sites, mid, mid - 1
            elif res.status == "time_limit":
                timed_out = True
                break
            else:
                lo = mid + 1
        if best is None:
            if timed_out:
                raise SolverError("no feasible solution found within the time limit")
            raise InfeasibleError(f"{self.p} sites cannot serve every demand point")
        # The p-center leaves many site sets tied; report the one found at the optimal radius,
        # completed up to p sites (cheapest extra sites in weighted cost) so that p are open.
        best = _complete_to_p(self, best)
        status = "time_limit" if timed_out and lo < best_idx else "optimal"
        objective = float(values[best_idx])
        bound = float(values[min(lo, best_idx)])
        gap = 0.0 if status == "optimal" else (objective - bound) / objective if objective > 0 else 0.0
        self._finish(best, status=status, objective=objective, bound=bound, gap=gap, started=started)
        return self


def _complete_to_p(model: LocationModel, sites: NDArray[np.int64]) -> NDArray[np.int64]:
    """Add sites greedily (largest drop in weighted cost) until ``p`` are open."""
    assert model.p is not None
    chosen = list(sites)
    current = np.min(model.costs[:, chosen], axis=1) if chosen else np.full(model.n_demand, np.inf)
    while len(chosen) < model.p:
        candidates = np.flatnonzero(model.allowed & ~np.isin(np.arange(model.n_sites), chosen))
        if not candidates.size:
            break
        new = np.minimum(current[:, None], model.costs[:, candidates])
        finite_w = np.where(np.isfinite(new), new, 1e300) * model.weights[:, None]
        j = int(candidates[np.argmin(finite_w.sum(axis=0))])
        chosen.append(j)
        current = np.minimum(current, model.costs[:, j])
    return np.array(sorted(chosen), dtype=np.int64)
