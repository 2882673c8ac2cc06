"""Covering models solved with HiGHS (pure: no Django).

* :class:`MCLP` maximal covering (Church & ReVelle 1974): open ``p`` sites to cover the most
  weight within ``radius``; demand points with the same set of covering sites are aggregated
  into one row;
* :class:`LSCP` location set covering (Toregas et al. 1971): the fewest sites covering every
  demand point of positive weight within ``radius`` (:func:`_set_cover`, which the p-center's
  bisection also uses).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike, NDArray

from observatory.siting.core.base import InfeasibleError, LocationModel, SolverError, _Mip, _MipResult


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
