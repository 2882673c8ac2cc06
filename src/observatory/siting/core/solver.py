"""Exact facility-location models solved with HiGHS (pure: no Django).

Four classic models over a cost matrix ``costs[i, j]`` (demand point ``i``, candidate site ``j``;
``inf`` where site ``j`` cannot serve ``i``) and demand weights ``weights[i] >= 0``:

* :class:`MCLP`    maximal covering (Church & ReVelle 1974): open ``p`` sites to cover the most
  weight within ``radius``;
* :class:`PMedian` p-median (Hakimi 1964; ReVelle & Swain 1970): open ``p`` sites to minimise the
  weighted cost to the nearest open site, optionally with a capacity per site (single sourcing);
* :class:`PCenter` p-center (Hakimi 1965): open ``p`` sites to minimise the largest cost;
* :class:`LSCP`    location set covering (Toregas et al. 1971): the fewest sites covering every
  demand point within ``radius``.

Every model takes ``fixed`` sites (forced open, such as an existing room) and ``excluded`` sites
(never opened, such as candidates too near a school). Demand points of weight zero need no
service: they do not constrain p-center and LSCP. The API follows spopt
(``MCLP.from_cost_matrix(costs, weights, radius, p).solve()``, results as attributes) but the
formulations are the tight ones of the literature, so that large instances are proven optimal:

* MCLP aggregates demand points with the same set of covering sites into one row;
* the p-median uses the radius formulation over sorted distinct costs (Elloumi 2010; García,
  Labbé & Marín 2011) in its chained form (one nonzero per pair), restricted to each point's
  ``k`` nearest sites plus a lower-bounding tail level; the restriction is a relaxation, and
  ``k`` grows for the points whose nearest open site falls outside it until none does, which
  proves the optimum of the full model. Above 50,000 point-site pairs it is preceded by a
  greedy + interchange incumbent (the MIP start) and a Lagrangian bound that closes the sites
  which cannot be in a solution better than the incumbent (valid reductions, see
  :func:`_pmedian_lagrangian`);
* the p-center is solved by bisection over the sorted distinct costs, each step a covering
  problem "all points within r with at most p sites" (Minieka 1970; Daskin 2013, ch. 5).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from observatory.core.highs import new_highs

__all__ = [
    "LSCP",
    "MCLP",
    "InfeasibleError",
    "LocationModel",
    "PCenter",
    "PMedian",
    "SolverError",
    "solve_model",
]

MODELS = ("mclp", "pmedian", "pcenter", "lscp")


class SolverError(Exception):
    """The solver stopped without any feasible solution (time limit or numerical trouble)."""


class InfeasibleError(ValueError):
    """The instance has no solution; ``demand`` is the index of a point that cannot be served."""

    def __init__(self, message: str, demand: int | None = None) -> None:
        super().__init__(message)
        self.demand = demand


# --------------------------------------------------------------------------------------------
# A small MIP builder over HiGHS: columns and rows gathered as arrays, passed in one call.


@dataclass
class _MipResult:
    status: str  # "optimal", "time_limit" or "infeasible"
    x: NDArray[np.float64] | None
    objective: float
    bound: float
    gap: float


class _Mip:
    def __init__(self, *, maximize: bool = False) -> None:
        self.maximize = maximize
        self._cost: list[NDArray[np.float64]] = []
        self._lower: list[NDArray[np.float64]] = []
        self._upper: list[NDArray[np.float64]] = []
        self._integer: list[NDArray[np.bool_]] = []
        self._rows: list[NDArray[np.int64]] = []
        self._cols: list[NDArray[np.int64]] = []
        self._vals: list[NDArray[np.float64]] = []
        self._row_lower: list[NDArray[np.float64]] = []
        self._row_upper: list[NDArray[np.float64]] = []
        self.num_col = 0
        self.num_row = 0
        self.offset = 0.0

    def add_cols(self, cost: ArrayLike, lower: ArrayLike, upper: ArrayLike, *, integer: bool) -> int:
        cost = np.atleast_1d(np.asarray(cost, dtype=np.float64))
        n = len(cost)
        self._cost.append(cost)
        self._lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)).copy())
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        self._integer.append(np.full(n, integer))
        start = self.num_col
        self.num_col += n
        return start

    def add_rows(
        self,
        lower: ArrayLike,
        upper: ArrayLike,
        rows: ArrayLike,
        cols: ArrayLike,
        vals: ArrayLike,
        count: int,
    ) -> int:
        """Add ``count`` rows; ``rows`` are local indices (0..count-1) of the nonzeros."""
        self._row_lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)).copy())
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)).copy())
        rows = np.asarray(rows, dtype=np.int64) + self.num_row
        cols = np.asarray(cols, dtype=np.int64)
        self._rows.append(rows)
        self._cols.append(cols)
        self._vals.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), rows.shape).copy())
        start = self.num_row
        self.num_row += count
        return start

    def solve(self, time_limit: float | None = None, start: NDArray[np.float64] | None = None) -> _MipResult:
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = self.num_col
        lp.num_row_ = self.num_row
        lp.col_cost_ = np.concatenate(self._cost) if self._cost else np.zeros(0)
        lp.col_lower_ = np.concatenate(self._lower) if self._lower else np.zeros(0)
        empty = np.zeros(0)
        lp.col_upper_ = np.clip(np.concatenate(self._upper), -inf, inf) if self._upper else empty
        lp.row_lower_ = np.clip(np.concatenate(self._row_lower), -inf, inf) if self._row_lower else empty
        lp.row_upper_ = np.clip(np.concatenate(self._row_upper), -inf, inf) if self._row_upper else empty
        lp.offset_ = self.offset
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximize else highspy.ObjSense.kMinimize
        if self._rows:
            matrix = sparse.csc_matrix(
                (np.concatenate(self._vals), (np.concatenate(self._rows), np.concatenate(self._cols))),
                shape=(self.num_row, self.num_col),
            )
            matrix.sum_duplicates()
            matrix.sort_indices()
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
            lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
            lp.a_matrix_.value_ = matrix.data
        else:
            lp.a_matrix_.start_ = np.zeros(self.num_col + 1, dtype=np.int32)
        integer = np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool)
        if integer.any():
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in integer
            ]
        h = new_highs(mip_rel_gap=1e-9, mip_abs_gap=1e-7)
        if time_limit is not None:
            h.setOptionValue("time_limit", max(float(time_limit), 0.01))
        h.passModel(lp)
        if start is not None and integer.any():
            solution = highspy.HighsSolution()
            solution.col_value = list(np.asarray(start, dtype=np.float64))
            solution.value_valid = True
            h.setSolution(solution)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if status == highspy.HighsModelStatus.kInfeasible:
            return _MipResult("infeasible", None, math.nan, math.nan, math.nan)
        x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
        objective = float(info.objective_function_value) if has_solution else math.nan
        if status == highspy.HighsModelStatus.kOptimal:
            return _MipResult("optimal", x, objective, objective, 0.0)
        if status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt):
            bound = float(info.mip_dual_bound) if integer.any() else math.nan
            gap = float(info.mip_gap) if integer.any() else math.nan
            return _MipResult("time_limit", x, objective, bound, gap)
        raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(status)}")


# --------------------------------------------------------------------------------------------
# Shared validation and results.


def _as_index_set(values: ArrayLike | None, n: int, what: str) -> NDArray[np.int64]:
    if values is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(values)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"{what}: a boolean mask must have one value per site ({n})")
        return np.flatnonzero(arr).astype(np.int64)
    arr = np.unique(arr.astype(np.int64).ravel())
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"{what}: site index out of range 0..{n - 1}")
    return arr


class LocationModel:
    """Common inputs, validation and results of the four models.

    After :meth:`solve`: ``status`` ("optimal" or "time_limit"), ``objective``, ``bound`` and
    ``gap`` (relative MIP gap, 0 when proven optimal), ``open_sites`` (sorted site indices),
    ``assignment`` (site index per demand point, -1 when none can serve it), ``assigned_cost``,
    ``covered`` (within ``radius`` when one is given, else served at all), ``covered_weight``,
    ``total_weight``, ``coverage_share``, ``mean_cost`` (weighted, over served points),
    ``max_cost`` (over served points of positive weight) and ``seconds``.
    """

    name = "model"

    def __init__(
        self,
        costs: ArrayLike,
        weights: ArrayLike | None,
        *,
        radius: float | None = None,
        p: int | None = None,
        fixed: ArrayLike | None = None,
        excluded: ArrayLike | None = None,
    ) -> None:
        c = np.array(costs, dtype=np.float64)
        if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
            raise ValueError("costs must be a non-empty 2-D matrix (demand points x sites)")
        if np.isnan(c).any():
            raise ValueError("costs contain NaN (use inf for a pair that cannot serve)")
        if (c < 0).any():
            raise ValueError("costs must not be negative")
        n_demand, n_sites = c.shape
        w = np.ones(n_demand) if weights is None else np.array(weights, dtype=np.float64).ravel()
        if w.shape != (n_demand,):
            raise ValueError(f"weights must have one value per demand point ({n_demand})")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and not negative")
        if radius is not None and not (np.isfinite(radius) and radius >= 0):
            raise ValueError("radius must be a finite number >= 0")
        self.costs = c
        self.weights = w
        self.radius = None if radius is None else float(radius)
        self.fixed = _as_index_set(fixed, n_sites, "fixed")
        self.excluded = _as_index_set(excluded, n_sites, "excluded")
        both = np.intersect1d(self.fixed, self.excluded)
        if both.size:
            raise ValueError(f"sites {both.tolist()} are both forced open and excluded")
        self.allowed = np.ones(n_sites, dtype=bool)
        self.allowed[self.excluded] = False
        n_allowed = int(self.allowed.sum())
        if p is not None:
            if int(p) != p or p < 1:
                raise ValueError("p must be a positive integer")
            p = int(p)
            if p > n_allowed:
                raise ValueError(f"p = {p} is larger than the {n_allowed} candidate sites")
            if p < len(self.fixed):
                raise ValueError(f"p = {p} is smaller than the {len(self.fixed)} sites forced open")
        self.p = p
        self.status: str | None = None

    @property
    def n_demand(self) -> int:
        return int(self.costs.shape[0])

    @property
    def n_sites(self) -> int:
        return int(self.costs.shape[1])

    def _site_bounds(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lower = np.zeros(self.n_sites)
        lower[self.fixed] = 1.0
        upper = self.allowed.astype(np.float64)
        return lower, upper

    def _finish(
        self,
        open_sites: ArrayLike,
        *,
        status: str,
        objective: float,
        bound: float,
        gap: float,
        started: float,
        assignment: NDArray[np.int64] | None = None,
    ) -> None:
        sites = np.unique(np.asarray(open_sites, dtype=np.int64))
        self.open_sites = sites
        if assignment is None:
            sub = self.costs[:, sites]
            if sites.size:
                best = np.argmin(sub, axis=1)
                reachable = np.isfinite(sub[np.arange(self.n_demand), best])
                assignment = np.where(reachable, sites[best], -1)
            else:
                assignment = np.full(self.n_demand, -1, dtype=np.int64)
        self.assignment = assignment.astype(np.int64)
        served = self.assignment >= 0
        cost = np.full(self.n_demand, np.inf)
        cost[served] = self.costs[np.flatnonzero(served), self.assignment[served]]
        self.assigned_cost = cost
        if self.radius is not None:
            self.covered = served & (cost <= self.radius)
        else:
            self.covered = served
        w = self.weights
        self.total_weight = float(w.sum())
        self.covered_weight = float(w[self.covered].sum())
        self.coverage_share = self.covered_weight / self.total_weight if self.total_weight > 0 else math.nan
        served_weight = float(w[served].sum())
        served_cost = float((w[served] * cost[served]).sum())
        self.mean_cost = served_cost / served_weight if served_weight > 0 else math.nan
        positive = served & (w > 0)
        self.max_cost = float(cost[positive].max()) if positive.any() else math.nan
        self.status = status
        self.objective = float(objective)
        self.bound = float(bound)
        self.gap = float(gap)
        self.seconds = time.perf_counter() - started

    def solve(self, time_limit: float | None = None) -> LocationModel:
        raise NotImplementedError


def _unique_rows(matrix: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Distinct boolean rows and, for each input row, the index of its distinct row."""
    packed = np.packbits(matrix, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    return matrix[first], inverse.ravel().astype(np.int64)


def _cover_rows(cover: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    rows, cols = np.nonzero(cover)
    return rows.astype(np.int64), cols.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Maximal covering.


class MCLP(LocationModel):
    """Maximal covering location problem: ``objective`` is the weight covered within ``radius``."""

    name = "mclp"

    @classmethod
    def from_cost_matrix(
        cls,
        costs: ArrayLike,
        weights: ArrayLike,
        radius: float,
        p: int,
        *,
        fixed: ArrayLike | None = None,
        excluded: ArrayLike | None = None,
    ) -> MCLP:
        return cls(costs, weights, radius=radius, p=p, fixed=fixed, excluded=excluded)

    def solve(self, time_limit: float | None = None) -> MCLP:
        started = time.perf_counter()
        assert self.radius is not None and self.p is not None
        cover = (self.costs <= self.radius) & self.allowed[None, :]
        useful = (self.weights > 0) & cover.any(axis=1)
        groups, inverse = _unique_rows(cover[useful])
        group_weight = np.bincount(inverse, weights=self.weights[useful], minlength=len(groups))
        mip = _Mip(maximize=True)
        lower, upper = self._site_bounds()
        x0 = mip.add_cols(np.zeros(self.n_sites), lower, upper, integer=True)
        y0 = mip.add_cols(group_weight, 0.0, 1.0, integer=False)
        g = len(groups)
        rows, cols = _cover_rows(groups)
        # y_g - sum_{j covers g} x_j <= 0
        mip.add_rows(
            -np.inf,
            0.0,
            np.concatenate([np.arange(g), rows]),
            np.concatenate([y0 + np.arange(g), x0 + cols]),
            np.concatenate([np.ones(g), -np.ones(len(rows))]),
            g,
        )
        mip.add_rows(self.p, self.p, np.zeros(self.n_sites), x0 + np.arange(self.n_sites), 1.0, 1)
        res = mip.solve(time_limit)
        if res.x is None:
            raise SolverError("no feasible solution found within the time limit")
        open_sites = np.flatnonzero(res.x[x0 : x0 + self.n_sites] > 0.5)
        self._finish(
            open_sites, status=res.status, objective=0.0, bound=res.bound, gap=res.gap, started=started
        )
        # The objective is recomputed from the open sites (exact, free of solver tolerances).
        self.objective = self.covered_weight
        if res.status == "optimal":
            self.bound = self.objective
        return self


# --------------------------------------------------------------------------------------------
# Location set covering.


class LSCP(LocationModel):
    """Location set covering: ``objective`` is the number of open sites (forced ones included)."""

    name = "lscp"

    @classmethod
    def from_cost_matrix(
        cls,
        costs: ArrayLike,
        radius: float,
        weights: ArrayLike | None = None,
        *,
        fixed: ArrayLike | None = None,
        excluded: ArrayLike | None = None,
    ) -> LSCP:
        return cls(costs, weights, radius=radius, fixed=fixed, excluded=excluded)

    def solve(self, time_limit: float | None = None) -> LSCP:
        started = time.perf_counter()
        assert self.radius is not None
        open_sites, res = _set_cover(
            self.costs, self.weights, self.radius, self.allowed, self.fixed, None, time_limit
        )
        if open_sites is None:
            raise SolverError("no feasible solution found within the time limit")
        self._finish(
            open_sites,
            status=res.status,
            objective=len(open_sites),
            bound=res.bound,
            gap=res.gap,
            started=started,
        )
        return self


def _set_cover(
    costs: NDArray[np.float64],
    weights: NDArray[np.float64],
    radius: float,
    allowed: NDArray[np.bool_],
    fixed: NDArray[np.int64],
    p: int | None,
    time_limit: float | None,
) -> tuple[NDArray[np.int64] | None, _MipResult]:
    """Fewest sites covering every positive-weight point within ``radius`` (at most ``p``).

    Raises :class:`InfeasibleError` when a point has no allowed site within the radius; returns
    ``(None, result)`` when the cardinality limit ``p`` makes it infeasible.
    """
    n_sites = costs.shape[1]
    cover = (costs <= radius) & allowed[None, :]
    need = weights > 0
    lacking = np.flatnonzero(need & ~cover.any(axis=1))
    if lacking.size:
        raise InfeasibleError(
            f"{lacking.size} demand point(s) have no allowed site within {radius:g}", int(lacking[0])
        )
    fixed_mask = np.zeros(n_sites, dtype=bool)
    fixed_mask[fixed] = True
    # Points already covered by a forced site need no row.
    todo = need & ~(cover & fixed_mask[None, :]).any(axis=1)
    groups, _ = _unique_rows(cover[todo]) if todo.any() else (np.zeros((0, n_sites), dtype=bool), None)
    mip = _Mip()
    lower = fixed_mask.astype(np.float64)
    upper = allowed.astype(np.float64)
    mip.add_cols(np.ones(n_sites), lower, upper, integer=True)
    rows, cols = _cover_rows(groups)
    if len(groups):
        mip.add_rows(1.0, np.inf, rows, cols, 1.0, len(groups))
    if p is not None:
        mip.add_rows(-np.inf, p, np.zeros(n_sites), np.arange(n_sites), 1.0, 1)
    res = mip.solve(time_limit)
    if res.x is None:
        return None, res
    return np.flatnonzero(res.x > 0.5), res


# --------------------------------------------------------------------------------------------
# p-center.


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


def _level_cut(sorted_costs: NDArray[np.float64], k: int) -> int:
    """``k`` widened over ties, so that a neighbourhood never cuts a cost level in two."""
    while k < len(sorted_costs) and np.isfinite(sorted_costs[k]) and sorted_costs[k] == sorted_costs[k - 1]:
        k += 1
    return k


# Above this many (demand point x candidate site) pairs the p-median first runs the Lagrangian
# relaxation to close candidate sites (small instances go straight to HiGHS).
_LAGRANGE_MIN_PAIRS = 50_000
_BIG = 1e300


def _pmedian_heuristic(
    costs: NDArray[np.float64],
    weights: NDArray[np.float64],
    p: int,
    fixed: NDArray[np.bool_],
    allowed: NDArray[np.bool_],
    start: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.int64], float]:
    """Greedy add (or ``start``) then best-improvement vertex substitution (Teitz & Bart 1968).

    Each round evaluates every swap (out ``r``, in ``j``) at once from the nearest and second
    nearest open costs (Whitaker's fast interchange), O(points x sites) per round. Returns the
    sorted sites and their total weighted cost (``inf`` when some point is left unserved).
    """
    n = costs.shape[0]
    finite = np.isfinite(costs)
    # an unserved point costs more than any real pair (finite: sums must not overflow)
    unserved = 2.0 * float(costs[finite].max(initial=0.0)) + 1.0
    c = np.where(finite, costs, unserved)
    w = weights
    chosen = np.flatnonzero(fixed).tolist()
    if start is not None:
        chosen = sorted(set(chosen) | set(np.asarray(start).tolist()))[:p]
    current = c[:, chosen].min(axis=1) if chosen else np.full(n, unserved)
    candidate = allowed.copy()
    candidate[chosen] = False
    candidate &= ~fixed
    while len(chosen) < p:
        gain = w @ np.maximum(current[:, None] - c, 0.0)
        gain[~candidate] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        candidate[j] = False
        current = np.minimum(current, c[:, j])
    sites = np.array(chosen, dtype=np.int64)
    rows = np.arange(n)
    while not fixed[sites].all() and candidate.any():
        sub = c[:, sites]
        if len(sites) > 1:
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
            first = np.where(a <= b, two[:, 0], two[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            first, d1, d2 = np.zeros(n, dtype=np.int64), sub[:, 0], np.full(n, unserved)
        total = float(w @ d1)
        capped = np.minimum(c, d1[:, None])
        add = w @ (capped - d1[:, None])  # change from opening j with every open site kept
        best_delta, best_r, best_j = -1e-9 * max(1.0, abs(total)), -1, -1
        for r in range(len(sites)):
            if fixed[sites[r]]:
                continue
            mine = np.flatnonzero(first == r)
            delta = add.copy()
            if mine.size:  # r's points fall back to min(second nearest, j)
                delta += w[mine] @ (np.minimum(c[mine], d2[mine, None]) - capped[mine])
            delta[~candidate] = np.inf
            j = int(np.argmin(delta))
            if delta[j] < best_delta:
                best_delta, best_r, best_j = float(delta[j]), r, j
        if best_r < 0:
            break
        candidate[sites[best_r]] = True
        candidate[best_j] = False
        sites[best_r] = best_j
    sites = np.sort(sites)
    nearest = c[:, sites].min(axis=1)
    if (nearest >= unserved).any():
        return sites, math.inf
    return sites, float(w @ nearest)


def _pmedian_lagrangian(
    costs: NDArray[np.float64],
    weights: NDArray[np.float64],
    p: int,
    fixed: NDArray[np.bool_],
    allowed: NDArray[np.bool_],
    incumbent: NDArray[np.int64],
    upper: float,
    deadline: float | None,
    max_iterations: int = 4000,
) -> tuple[float, NDArray[np.bool_], NDArray[np.bool_], NDArray[np.int64], float]:
    """Lower bound and site fixing from the Lagrangian relaxation of the assignment rows.

    Relaxing ``sum_j z_ij = 1`` with multipliers ``u_i`` leaves ``L(u) = sum_i u_i`` plus the
    ``p`` smallest ``rho_j = sum_i min(0, w_i c_ij - u_i)`` (forced sites always counted),
    maximised by subgradient steps (Held, Wolfe & Crowder 1974; Beasley 1993). Against the
    incumbent's cost ``upper``: a site whose opening lifts the bound above ``upper`` is closed,
    one whose closing does is forced open. Both are valid reductions: every solution they cut
    off costs more than the incumbent, which they keep. Every 100 steps the relaxed solution's
    sites seed the interchange heuristic, which may improve the incumbent (Lagrangian heuristic).
    Returns ``(bound, closed, forced, incumbent, upper)``.
    """
    m = costs.shape[1]
    fixed = fixed.copy()
    in_incumbent = np.zeros(m, dtype=bool)
    in_incumbent[incumbent] = True
    closed = np.zeros(m, dtype=bool)
    forced = np.zeros(m, dtype=bool)
    tol = 1e-9 * abs(upper)
    # Each point keeps its K ~ 4 m / p cheapest allowed sites; capping u_i at the K-th cost keeps
    # the relaxation exact on this sparse list (any u gives a valid bound), ~m/K times faster.
    wc = np.where(np.isfinite(costs), costs * weights[:, None], _BIG)
    wc[:, ~allowed] = _BIG
    n_keep = min(int(allowed.sum()), 16 + math.ceil(4 * allowed.sum() / p))
    if n_keep < m:
        near = np.argpartition(wc, n_keep - 1, axis=1)[:, :n_keep]
    else:
        near = np.tile(np.arange(m), (len(wc), 1))
    vals = np.take_along_axis(wc, near, axis=1)
    cap = vals.max(axis=1) if n_keep < int(allowed.sum()) else np.full(len(wc), np.inf)
    del wc
    u = np.minimum(1.2 * vals.min(axis=1, initial=_BIG, where=np.isin(near, incumbent)), cap)
    u = np.where(u >= _BIG, vals.min(axis=1), u)

    def relax(mult: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        live = np.where((allowed & ~closed)[near], vals, _BIG)
        below = live < mult[:, None]
        rho = np.bincount(near[below], weights=(live - mult[:, None])[below], minlength=m).astype(np.float64)
        return rho, below

    best_bound, best_u = -math.inf, u.copy()
    step, stall = 2.0, 0
    tried: set[tuple[int, ...]] = set()
    quiet = 0
    for iteration in range(max_iterations):
        free = np.flatnonzero(allowed & ~closed & ~fixed)
        n_free = p - int(fixed.sum())
        rho, below = relax(u)
        order = free[np.argsort(rho[free], kind="stable")]
        chosen = np.concatenate([np.flatnonzero(fixed), order[:n_free]])
        bound = float(u.sum() + rho[chosen].sum())
        is_chosen = np.zeros(m, dtype=bool)
        is_chosen[chosen] = True
        g = 1.0 - (below & is_chosen[near]).sum(axis=1)
        if bound > best_bound + 1e-12 * abs(bound):
            best_bound, best_u, stall = bound, u.copy(), 0
        else:
            stall += 1
            if stall >= 60:
                step, stall = step / 2, 0
        last = (
            iteration == max_iterations - 1
            or step < 1e-5
            or best_bound >= upper - tol
            or (deadline is not None and time.perf_counter() >= deadline)
        )
        key = tuple(np.sort(chosen).tolist())
        if iteration % 100 == 24 and not last and key not in tried:
            tried.add(key)
            sites, value = _pmedian_heuristic(costs, weights, p, fixed, allowed & ~closed, chosen)
            if value < upper - tol:
                incumbent, upper = sites, value
                in_incumbent[:] = False
                in_incumbent[incumbent] = True
        if (iteration % 50 == 49 or last) and 0 < n_free < len(free):
            # fix with the best multipliers so far
            rho_b, _ = relax(best_u)
            order_b = free[np.argsort(rho_b[free], kind="stable")]
            base = float(best_u.sum() + rho_b[fixed].sum() + rho_b[order_b[:n_free]].sum())
            last_in, first_out = rho_b[order_b[n_free - 1]], rho_b[order_b[n_free]]
            out, inn = order_b[n_free:], order_b[:n_free]
            shut = out[(base - last_in + rho_b[out] > upper + tol) & ~in_incumbent[out]]
            keep = inn[(base - rho_b[inn] + first_out > upper + tol) & in_incumbent[inn]]
            forced[keep] = True
            fixed[keep] = True
            closed[shut] = True
            # few sites left and no more closing: the MIP is small now, stop the ascent
            quiet = 0 if shut.size or keep.size else quiet + 1
            if quiet >= 3 and len(free) - shut.size <= 64:
                last = True
        if last:
            break
        norm = float(g @ g)
        if norm == 0.0:  # the relaxed solution satisfies every assignment row: optimal
            break
        u = np.minimum(u + step * (upper - bound) / norm * g, cap)
    return best_bound, closed, forced, incumbent, upper


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


# --------------------------------------------------------------------------------------------
# p-median.


class PMedian(LocationModel):
    """p-median: ``objective`` is the total weighted cost to the assigned site.

    With ``capacity`` (one number for all sites, or one per site, in weight units) each demand
    point goes whole to one open site whose assigned weight stays within its capacity.
    """

    name = "pmedian"

    def __init__(
        self,
        costs: ArrayLike,
        weights: ArrayLike | None,
        *,
        radius: float | None = None,
        p: int | None = None,
        fixed: ArrayLike | None = None,
        excluded: ArrayLike | None = None,
        capacity: ArrayLike | None = None,
        k: int | None = None,
    ) -> None:
        super().__init__(costs, weights, radius=radius, p=p, fixed=fixed, excluded=excluded)
        if capacity is None:
            self.capacity = None
        else:
            cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (self.n_sites,)).copy()
            if not np.isfinite(cap).all() or (cap < 0).any():
                raise ValueError("capacity must be finite and not negative")
            self.capacity = cap
            assert self.p is not None
            best = np.sort(cap[self.allowed])[::-1][: self.p].sum()
            if best < self.weights.sum():
                raise InfeasibleError(
                    f"the {self.p} largest capacities ({best:g}) cannot hold the total weight "
                    f"({self.weights.sum():g})"
                )
        self.k = k
        self.iterations = 0
        self.closed_by_bound = 0  # candidate sites the Lagrangian bound proved never open
        self.forced_by_bound = 0  # and always open
        self.lagrange_bound = math.nan
        self._fixed_mask = np.zeros(self.n_sites, dtype=bool)
        self._allowed_mask = self.allowed.copy()

    @classmethod
    def from_cost_matrix(
        cls,
        costs: ArrayLike,
        weights: ArrayLike,
        p: int,
        *,
        fixed: ArrayLike | None = None,
        excluded: ArrayLike | None = None,
        capacity: ArrayLike | None = None,
        radius: float | None = None,
        k: int | None = None,
    ) -> PMedian:
        """``radius``, when given, only defines ``covered``; ``k`` the first neighbourhood size."""
        return cls(costs, weights, radius=radius, p=p, fixed=fixed, excluded=excluded, capacity=capacity, k=k)

    def solve(self, time_limit: float | None = None) -> PMedian:
        started = time.perf_counter()
        assert self.p is not None
        need = np.flatnonzero(self.weights > 0)
        deadline = None if time_limit is None else started + time_limit
        finite_count = np.isfinite(self.costs[need][:, self.allowed]).sum(axis=1)
        if (finite_count == 0).any():
            bad = int(need[np.flatnonzero(finite_count == 0)[0]])
            raise InfeasibleError("a demand point cannot be served by any allowed site", bad)
        allowed = self.allowed.copy()
        fixed = np.zeros(self.n_sites, dtype=bool)
        fixed[self.fixed] = True
        incumbent: NDArray[np.int64] | None = None
        upper, lagrange_bound = math.inf, -math.inf
        if self.capacity is None and need.size:
            # A heuristic incumbent (MIP start), then the Lagrangian bound to close sites.
            incumbent, upper = _pmedian_heuristic(
                self.costs[need], self.weights[need], self.p, fixed, allowed
            )
            if math.isfinite(upper) and need.size * allowed.sum() >= _LAGRANGE_MIN_PAIRS:
                lr_deadline = None if time_limit is None else started + 0.6 * time_limit
                lagrange_bound, closed, forced, incumbent, upper = _pmedian_lagrangian(
                    self.costs[need],
                    self.weights[need],
                    self.p,
                    fixed,
                    allowed,
                    incumbent,
                    upper,
                    lr_deadline,
                )
                self.closed_by_bound = int(closed.sum())
                self.forced_by_bound = int(forced.sum())
                self.lagrange_bound = lagrange_bound
                allowed &= ~closed
                fixed |= forced
                if lagrange_bound >= upper - 1e-9 * abs(upper):  # the bound meets the incumbent
                    self._finish(
                        incumbent, status="optimal", objective=upper, bound=upper, gap=0.0, started=started
                    )
                    served = self.assignment >= 0
                    self.objective = float((self.weights[served] * self.assigned_cost[served]).sum())
                    self.bound = self.objective
                    return self
            else:
                incumbent = None if not math.isfinite(upper) else incumbent
        self._fixed_mask, self._allowed_mask = fixed, allowed
        allowed_idx = np.flatnonzero(allowed)
        sub = self.costs[need][:, allowed_idx]
        order = np.argsort(sub, axis=1, kind="stable")
        sorted_costs = np.take_along_axis(sub, order, axis=1)
        if self.capacity is None and fixed.any():
            # a point is never served beyond its nearest forced site: the rest of its list goes
            is_fixed = fixed[allowed_idx[order]]
            has = is_fixed.any(axis=1)
            first_fixed = np.where(has, np.argmax(is_fixed, axis=1), sorted_costs.shape[1])
            beyond = np.arange(sorted_costs.shape[1])[None, :] > first_fixed[:, None]
            sorted_costs[beyond] = np.inf
        finite_count = np.isfinite(sorted_costs).sum(axis=1)
        n_allowed = len(allowed_idx)
        k0 = self.k or max(4, min(n_allowed, math.ceil(1.5 * n_allowed / self.p)))
        if self.k is None and self.closed_by_bound and n_allowed <= 64:
            k0 = n_allowed  # few sites left after the bound: the full model at once
        k = np.array([_level_cut(sorted_costs[t], min(k0, int(finite_count[t]))) for t in range(len(need))])
        # Breakpoints: the first level of each cost group (geometric at first, refined later).
        # Breakpoints at every cost level of the neighbourhood: the tight radius formulation
        # (coarser groups give a weaker relaxation that HiGHS branches on for longer).
        breaks = [
            np.unique(np.searchsorted(sorted_costs[t], sorted_costs[t, : k[t]], "left"))
            for t in range(len(need))
        ]
        start_sites: NDArray[np.int64] | None = incumbent
        while True:
            self.iterations += 1
            remaining = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
            if self.capacity is not None:
                open_sites, assign, res = self._build_capacitated(
                    need, allowed_idx, order, sorted_costs, k, remaining
                )
                if open_sites is None:
                    raise SolverError("no feasible solution found within the time limit")
                outside = assign < 0
                if not outside.any() or res.status != "optimal":
                    break
                grow = outside & (k < finite_count)
                for g in np.flatnonzero(grow).tolist():
                    k[g] = _level_cut(sorted_costs[g], min(2 * int(k[g]), int(finite_count[g])))
                continue
            open_sites, res = self._build_radius(
                need, allowed_idx, order, sorted_costs, k, breaks, remaining, start_sites
            )
            if open_sites is None:
                raise SolverError("no feasible solution found within the time limit")
            if res.status != "optimal":
                break
            # The model is a relaxation: a point whose nearest open site lies beyond its
            # neighbourhood, or beyond the first level of its cost group, was charged too little.
            is_open = np.zeros(self.n_sites, dtype=bool)
            is_open[open_sites] = True
            changed = False
            for t in range(len(need)):
                kt = int(k[t])
                hit = np.flatnonzero(is_open[allowed_idx[order[t, :kt]]])
                if not hit.size:
                    k[t] = _level_cut(sorted_costs[t], min(2 * kt, int(finite_count[t])))
                    changed = True
                    continue
                q = int(np.searchsorted(sorted_costs[t], sorted_costs[t, hit[0]], "left"))
                b = breaks[t]
                g = int(np.searchsorted(b, q, "right")) - 1
                if b[g] != q:
                    breaks[t] = np.insert(b, g + 1, q)
                    changed = True
            if not changed:
                break
            start_sites = open_sites
            if deadline is not None and time.perf_counter() >= deadline:
                # out of time before the relaxation closed: its optimum is still a lower bound
                res = _MipResult("time_limit", res.x, res.objective, res.objective, math.nan)
                break
        full_assign = None
        if self.capacity is not None:
            full_assign = np.full(self.n_demand, -1, dtype=np.int64)
            full_assign[need] = assign
        elif incumbent is not None and res.status != "optimal":
            # stopped early: keep the heuristic's sites when HiGHS found nothing better
            found = self.weights[need] @ np.min(self.costs[need][:, open_sites], axis=1)
            if upper < found:
                open_sites = incumbent
        self._finish(
            open_sites,
            status=res.status,
            objective=0.0,
            bound=res.bound,
            gap=res.gap,
            started=started,
            assignment=full_assign,
        )
        if self.capacity is not None:
            # zero-weight points: nearest open site (they use no capacity)
            zero = np.flatnonzero((self.weights == 0) & (self.assignment < 0))
            if zero.size and self.open_sites.size:
                subz = self.costs[zero][:, self.open_sites]
                best = self.open_sites[np.argmin(subz, axis=1)]
                self.assignment[zero] = np.where(np.isfinite(subz.min(axis=1)), best, -1)
                self._finish(
                    self.open_sites,
                    status=res.status,
                    objective=0.0,
                    bound=res.bound,
                    gap=res.gap,
                    started=started,
                    assignment=self.assignment,
                )
        served = self.assignment >= 0
        self.objective = float((self.weights[served] * self.assigned_cost[served]).sum())
        if res.status == "optimal":
            self.bound = self.objective
        else:
            # the reduced problem keeps the incumbent, so its bound holds for the full one
            self.bound = max(self.bound, lagrange_bound) if math.isfinite(self.bound) else lagrange_bound
            if self.objective > 0 and math.isfinite(self.bound):
                self.gap = max(0.0, (self.objective - self.bound) / self.objective)
        return self

    def _build_radius(
        self,
        need: NDArray[np.int64],
        allowed_idx: NDArray[np.int64],
        order: NDArray[np.int64],
        sorted_costs: NDArray[np.float64],
        k: NDArray[np.int64],
        breaks: list[NDArray[np.int64]],
        time_limit: float | None,
        start_sites: NDArray[np.int64] | None,
    ) -> tuple[NDArray[np.int64] | None, _MipResult]:
        n_sites = self.n_sites
        mip = _Mip()
        lower = self._fixed_mask.astype(np.float64)
        upper = self._allowed_mask.astype(np.float64)
        mip.add_cols(np.zeros(n_sites), lower, upper, integer=True)
        # Point i's k nearest sites, in cost order, are cut into groups at its breakpoints
        # b_0 = 0 < b_1 < ... (each the first site of a distinct cost). y_g = "no open site in
        # groups 0..g". Chain rows: y_0 + sum_{g0} x >= 1; y_g - y_{g-1} + sum_{g} x >= 0. Cost:
        # w (c[b_0] + sum_g (c[b_{g+1}] - c[b_g]) y_g), with c[b_G] the first cost beyond the
        # neighbourhood (y_last = 0 when it holds every site). Every point is charged the cost of
        # the first site of its group: a lower bound, exact once breakpoints sit at the open sites.
        is_start = np.zeros(n_sites, dtype=bool)
        if start_sites is not None:
            is_start[start_sites] = True
        y_cost, y_upper, r_rows, r_cols, r_vals, r_lower, y_start = [], [], [], [], [], [], []
        n_y = 0
        offset = 0.0
        for t, i in enumerate(need):
            kt = int(k[t])
            c = sorted_costs[t]
            b = breaks[t]
            b = b[b < kt]
            breaks[t] = b
            n_g = len(b)
            ends = np.append(b[1:], kt)
            tail = c[kt] if kt < len(c) and np.isfinite(c[kt]) else None
            nxt = np.append(c[b[1:]], tail if tail is not None else c[b[-1]])
            w = self.weights[i]
            offset += w * c[0]
            y_cost.append(w * (nxt - c[b]))
            ub = np.ones(n_g)
            if tail is None:
                ub[-1] = 0.0
            y_upper.append(ub)
            pos = np.arange(kt)
            group_of = np.searchsorted(b, pos, "right") - 1
            sites = allowed_idx[order[t, :kt]]
            gv = np.arange(n_g)
            r_rows += [n_y + group_of, n_y + gv, n_y + gv[1:]]
            r_cols += [sites, n_sites + n_y + gv, n_sites + n_y + gv[:-1]]
            r_vals += [np.ones(kt), np.ones(n_g), -np.ones(n_g - 1)]
            lo = np.zeros(n_g)
            lo[0] = 1.0
            r_lower.append(lo)
            if start_sites is not None:
                opened = np.flatnonzero(is_start[sites])
                first = opened[0] if opened.size else kt
                y_start.append((ends <= first).astype(np.float64))
            n_y += n_g
        mip.add_cols(np.concatenate(y_cost), 0.0, np.concatenate(y_upper), integer=False)
        mip.add_rows(
            np.concatenate(r_lower),
            np.inf,
            np.concatenate(r_rows),
            np.concatenate(r_cols),
            np.concatenate(r_vals),
            n_y,
        )
        mip.add_rows(float(self.p or 0), float(self.p or 0), np.zeros(n_sites), np.arange(n_sites), 1.0, 1)
        mip.offset = offset
        start = None
        if start_sites is not None:
            start = np.concatenate([is_start.astype(np.float64), *y_start])
        res = mip.solve(time_limit, start)
        if res.x is None:
            return None, res
        return np.flatnonzero(res.x[:n_sites] > 0.5), res

    def _build_capacitated(
        self,
        need: NDArray[np.int64],
        allowed_idx: NDArray[np.int64],
        order: NDArray[np.int64],
        sorted_costs: NDArray[np.float64],
        k: NDArray[np.int64],
        time_limit: float | None,
    ) -> tuple[NDArray[np.int64] | None, NDArray[np.int64], _MipResult]:
        assert self.capacity is not None
        n_sites = self.n_sites
        mip = _Mip()
        lower, upper = self._site_bounds()
        mip.add_cols(np.zeros(n_sites), lower, upper, integer=True)
        pair_t = np.concatenate([np.full(int(k[t]), t) for t in range(len(need))])
        pair_j = np.concatenate([allowed_idx[order[t, : int(k[t])]] for t in range(len(need))])
        pair_c = np.concatenate([sorted_costs[t, : int(k[t])] for t in range(len(need))])
        w = self.weights[need]
        n_pairs = len(pair_t)
        z0 = mip.add_cols(w[pair_t] * pair_c, 0.0, 1.0, integer=True)
        # slack: served beyond the neighbourhood, at the next cost (a lower bound)
        tail = np.array(
            [
                sorted_costs[t, int(k[t])] if int(k[t]) < sorted_costs.shape[1] else np.inf
                for t in range(len(need))
            ]
        )
        has_tail = np.isfinite(tail)
        tail_cost = np.where(has_tail, w * np.where(has_tail, tail, 0.0), 0.0)
        s0 = mip.add_cols(tail_cost, 0.0, has_tail * 1.0, integer=False)
        m = len(need)
        # sum_j z_ij + s_i = 1
        mip.add_rows(
            1.0,
            1.0,
            np.concatenate([pair_t, np.arange(m)]),
            np.concatenate([z0 + np.arange(n_pairs), s0 + np.arange(m)]),
            1.0,
            m,
        )
        # z_ij <= x_j
        mip.add_rows(
            -np.inf,
            0.0,
            np.concatenate([np.arange(n_pairs), np.arange(n_pairs)]),
            np.concatenate([z0 + np.arange(n_pairs), pair_j]),
            np.concatenate([np.ones(n_pairs), -np.ones(n_pairs)]),
            n_pairs,
        )
        # sum_i w_i z_ij - cap_j x_j <= 0
        mip.add_rows(
            -np.inf,
            0.0,
            np.concatenate([pair_j, np.arange(n_sites)]),
            np.concatenate([z0 + np.arange(n_pairs), np.arange(n_sites)]),
            np.concatenate([w[pair_t], -self.capacity]),
            n_sites,
        )
        mip.add_rows(float(self.p or 0), float(self.p or 0), np.zeros(n_sites), np.arange(n_sites), 1.0, 1)
        res = mip.solve(time_limit)
        if res.x is None:
            if res.status == "infeasible":
                raise InfeasibleError("no assignment of the demand fits within the site capacities")
            return None, np.zeros(0, dtype=np.int64), res
        open_sites = np.flatnonzero(res.x[:n_sites] > 0.5)
        z = res.x[z0 : z0 + n_pairs] > 0.5
        assign = np.full(m, -1, dtype=np.int64)
        assign[pair_t[z]] = pair_j[z]
        return open_sites, assign, res


def solve_model(
    model: str,
    costs: ArrayLike,
    weights: ArrayLike,
    *,
    radius: float | None = None,
    p: int | None = None,
    fixed: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    time_limit: float | None = None,
) -> LocationModel:
    """Build and solve one of :data:`MODELS` by name (the CLI and the web layer use this)."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (choose from {', '.join(MODELS)})")
    if model in ("mclp", "lscp") and radius is None:
        raise ValueError(f"the {model} model needs a radius")
    if model in ("mclp", "pmedian", "pcenter") and p is None:
        raise ValueError(f"the {model} model needs p")
    if capacity is not None and model != "pmedian":
        raise ValueError("a capacity applies to the p-median model only")
    m: LocationModel
    if model == "mclp":
        assert radius is not None and p is not None
        m = MCLP.from_cost_matrix(costs, weights, radius, p, fixed=fixed, excluded=excluded)
    elif model == "lscp":
        assert radius is not None
        m = LSCP.from_cost_matrix(costs, radius, weights, fixed=fixed, excluded=excluded)
    elif model == "pcenter":
        assert p is not None
        m = PCenter.from_cost_matrix(costs, p, weights, fixed=fixed, excluded=excluded, radius=radius)
    else:
        assert p is not None
        m = PMedian.from_cost_matrix(
            costs, weights, p, fixed=fixed, excluded=excluded, capacity=capacity, radius=radius
        )
    return m.solve(time_limit=time_limit)


def site_frequency(open_sets: Sequence[ArrayLike], n_sites: int) -> NDArray[np.float64]:
    """Share of the solutions in which each site is open."""
    counts = np.zeros(n_sites)
    for sites in open_sets:
        counts[np.asarray(sites, dtype=np.int64)] += 1
    return counts / max(len(open_sets), 1)
