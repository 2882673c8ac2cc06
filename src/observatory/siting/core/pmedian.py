"""The p-median (Hakimi 1964; ReVelle & Swain 1970), solved exactly with HiGHS (pure: no Django):
open ``p`` sites to minimise the weighted cost to the nearest open site, optionally with a
capacity per site (single sourcing).

It uses the radius formulation over sorted distinct costs (Elloumi 2010; García, Labbé & Marín
2011) in its chained form (one nonzero per pair), restricted to each point's ``k`` nearest sites
plus a lower-bounding tail level; the restriction is a relaxation, and ``k`` grows for the points
whose nearest open site falls outside it until none does, which proves the optimum of the full
model. Above 50,000 point-site pairs it is preceded by a greedy + interchange incumbent (the MIP
start) and a Lagrangian bound that closes the sites which cannot be in a solution better than the
incumbent (valid reductions, see :func:`~.pmedian_bounds._pmedian_lagrangian`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from observatory.siting.core.base import InfeasibleError, LocationModel, SolverError, _Mip, _MipResult
from observatory.siting.core.pmedian_bounds import _pmedian_heuristic, _pmedian_lagrangian

# Above this many (demand point x candidate site) pairs the p-median first runs the Lagrangian
# relaxation to close candidate sites (small instances go straight to HiGHS).
_LAGRANGE_MIN_PAIRS = 50_000


def _level_cut(sorted_costs: NDArray[np.float64], k: int) -> int:
    """``k`` widened over ties, so that a neighbourhood never cuts a cost level in two."""
    while k < len(sorted_costs) and np.isfinite(sorted_costs[k]) and sorted_costs[k] == sorted_costs[k - 1]:
        k += 1
    return k


@dataclass
class _Neighbourhoods:
    """The restricted model's data per demand point of positive weight (row ``t`` for ``need[t]``):
    allowed sites in cost order (``order`` into ``allowed_idx``) and their ``sorted_costs``, the
    number of finite ones, the neighbourhood size ``k`` and the cost-group ``breaks`` within it."""

    need: NDArray[np.int64]
    allowed_idx: NDArray[np.int64]
    order: NDArray[np.int64]
    sorted_costs: NDArray[np.float64]
    finite_count: NDArray[np.int64]
    k: NDArray[np.int64]
    breaks: list[NDArray[np.int64]]

    def widen(self, t: int) -> None:
        """Double point ``t``'s neighbourhood (within its finite costs, not cutting a level)."""
        self.k[t] = _level_cut(self.sorted_costs[t], min(2 * int(self.k[t]), int(self.finite_count[t])))


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
        self._check_servable(need)
        allowed = self.allowed.copy()
        fixed = np.zeros(self.n_sites, dtype=bool)
        fixed[self.fixed] = True
        incumbent: NDArray[np.int64] | None = None
        upper, lagrange_bound = math.inf, -math.inf
        if self.capacity is None and need.size:
            # A heuristic incumbent (MIP start), then the Lagrangian bound to close sites.
            incumbent, upper, lagrange_bound = self._incumbent_and_bound(
                need, fixed, allowed, started, time_limit
            )
            if incumbent is not None and lagrange_bound >= upper - 1e-9 * abs(upper):
                return self._finish_at_incumbent(incumbent, upper, started)  # the bound meets it
        self._fixed_mask, self._allowed_mask = fixed, allowed
        nb = self._neighbourhoods(need, fixed, allowed)
        assign: NDArray[np.int64] | None = None
        if self.capacity is not None:
            open_sites, assign, res = self._solve_capacitated(nb, deadline)
        else:
            open_sites, res = self._solve_radius(nb, deadline, incumbent)
        full_assign: NDArray[np.int64] | None = None
        if assign is not None:
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
            self._assign_zero_weight(res, started)
        self._set_objective_and_bound(res, lagrange_bound)
        return self

    def _check_servable(self, need: NDArray[np.int64]) -> None:
        finite_count = np.isfinite(self.costs[need][:, self.allowed]).sum(axis=1)
        if (finite_count == 0).any():
            bad = int(need[np.flatnonzero(finite_count == 0)[0]])
            raise InfeasibleError("a demand point cannot be served by any allowed site", bad)

    def _incumbent_and_bound(
        self,
        need: NDArray[np.int64],
        fixed: NDArray[np.bool_],
        allowed: NDArray[np.bool_],
        started: float,
        time_limit: float | None,
    ) -> tuple[NDArray[np.int64] | None, float, float]:
        """The heuristic's sites (``None`` when they leave a point unserved) and their cost, then
        on large instances the Lagrangian bound (``-inf`` when not run), whose reductions close
        sites in ``allowed`` and force sites open in ``fixed`` (both changed in place)."""
        assert self.p is not None
        incumbent, upper = _pmedian_heuristic(self.costs[need], self.weights[need], self.p, fixed, allowed)
        if not math.isfinite(upper):
            return None, upper, -math.inf
        if need.size * allowed.sum() < _LAGRANGE_MIN_PAIRS:
            return incumbent, upper, -math.inf
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
        return incumbent, upper, lagrange_bound

    def _finish_at_incumbent(self, incumbent: NDArray[np.int64], upper: float, started: float) -> PMedian:
        """The Lagrangian bound proved the heuristic's sites optimal: no MIP to solve."""
        self._finish(incumbent, status="optimal", objective=upper, bound=upper, gap=0.0, started=started)
        served = self.assignment >= 0
        self.objective = float((self.weights[served] * self.assigned_cost[served]).sum())
        self.bound = self.objective
        return self

    def _neighbourhoods(
        self, need: NDArray[np.int64], fixed: NDArray[np.bool_], allowed: NDArray[np.bool_]
    ) -> _Neighbourhoods:
        """Each point's allowed sites in cost order, its first ``k`` and its cost breakpoints."""
        assert self.p is not None
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
        return _Neighbourhoods(need, allowed_idx, order, sorted_costs, finite_count, k, breaks)

    def _solve_capacitated(
        self, nb: _Neighbourhoods, deadline: float | None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], _MipResult]:
        """Solve on the neighbourhoods, doubling those of the points served beyond them."""
        while True:
            self.iterations += 1
            remaining = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
            open_sites, assign, res = self._build_capacitated(
                nb.need, nb.allowed_idx, nb.order, nb.sorted_costs, nb.k, remaining
            )
            if open_sites is None:
                raise SolverError("no feasible solution found within the time limit")
            outside = assign < 0
            if not outside.any() or res.status != "optimal":
                return open_sites, assign, res
            grow = outside & (nb.k < nb.finite_count)
            for g in np.flatnonzero(grow).tolist():
                nb.widen(g)

    def _solve_radius(
        self, nb: _Neighbourhoods, deadline: float | None, incumbent: NDArray[np.int64] | None
    ) -> tuple[NDArray[np.int64], _MipResult]:
        """Solve the radius formulation, refining it until its optimum is the full model's."""
        start_sites = incumbent
        while True:
            self.iterations += 1
            remaining = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
            open_sites, res = self._build_radius(
                nb.need, nb.allowed_idx, nb.order, nb.sorted_costs, nb.k, nb.breaks, remaining, start_sites
            )
            if open_sites is None:
                raise SolverError("no feasible solution found within the time limit")
            if res.status != "optimal" or not self._refine(nb, open_sites):
                return open_sites, res
            start_sites = open_sites
            if deadline is not None and time.perf_counter() >= deadline:
                # out of time before the relaxation closed: its optimum is still a lower bound
                return open_sites, _MipResult("time_limit", res.x, res.objective, res.objective, math.nan)

    def _refine(self, nb: _Neighbourhoods, open_sites: NDArray[np.int64]) -> bool:
        """Whether the relaxation changed: it charged too little a point whose nearest open site
        lies beyond its neighbourhood (which grows), or beyond the first level of its cost group
        (which gets a breakpoint there)."""
        is_open = np.zeros(self.n_sites, dtype=bool)
        is_open[open_sites] = True
        changed = False
        for t in range(len(nb.need)):
            kt = int(nb.k[t])
            hit = np.flatnonzero(is_open[nb.allowed_idx[nb.order[t, :kt]]])
            if not hit.size:
                nb.widen(t)
                changed = True
                continue
            q = int(np.searchsorted(nb.sorted_costs[t], nb.sorted_costs[t, hit[0]], "left"))
            b = nb.breaks[t]
            g = int(np.searchsorted(b, q, "right")) - 1
            if b[g] != q:
                nb.breaks[t] = np.insert(b, g + 1, q)
                changed = True
        return changed

    def _assign_zero_weight(self, res: _MipResult, started: float) -> None:
        """Capacitated: zero-weight points go to their nearest open site (they use no capacity)."""
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

    def _set_objective_and_bound(self, res: _MipResult, lagrange_bound: float) -> None:
        served = self.assignment >= 0
        self.objective = float((self.weights[served] * self.assigned_cost[served]).sum())
        if res.status == "optimal":
            self.bound = self.objective
        else:
            # the reduced problem keeps the incumbent, so its bound holds for the full one
            self.bound = max(self.bound, lagrange_bound) if math.isfinite(self.bound) else lagrange_bound
            if self.objective > 0 and math.isfinite(self.bound):
                self.gap = max(0.0, (self.objective - self.bound) / self.objective)

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
