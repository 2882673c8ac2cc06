"""What the facility-location models share (pure: no Django): errors, a small MIP builder over
HiGHS, input validation and the results of :class:`LocationModel`.

Every model takes a cost matrix ``costs[i, j]`` (demand point ``i``, candidate site ``j``; ``inf``
where site ``j`` cannot serve ``i``), demand weights ``weights[i] >= 0``, ``fixed`` sites (forced
open, such as an existing room) and ``excluded`` sites (never opened, such as candidates too near
a school). :mod:`observatory.siting.core.solver` lists the models.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from observatory.core.highs import new_highs


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
