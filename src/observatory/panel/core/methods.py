"""The lottery methods other than leximin (pure: no Django): Nash, Goldilocks, Legacy.

- :class:`Nash` maximises the product of the probabilities: column generation with Kelley's
  cutting planes on ``log`` in the master, stopped when the geometric mean of the probabilities is
  within a relative ``tolerance`` of the optimum;
- :class:`Goldilocks` minimises ``max_i p_i/(k/n) + gamma * max_i (k/n)/p_i`` (Baharav and
  Flanigan, "Fair, manipulation-robust, and transparent sortition", EC 2024): convex in the
  floor ``t`` on every probability, found by golden-section search, each ``g(t)`` an LP by column
  generation;
- :class:`Legacy` is the greedy quota draw used before (the Sortition Foundation's "legacy"
  procedure), its probabilities estimated by repeated seeded draws.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import highspy
import numpy as np
from numpy.typing import NDArray

from observatory.panel.core.base import _column, _Method
from observatory.panel.core.leximin import _FIX_SLACK, Maximin
from observatory.panel.core.pricing import _IMPROVE_EPS, _INF, _master_lp
from observatory.panel.core.problem import LotteryError, Pool, Problem, Quota
from observatory.panel.core.result import LotteryResult


class Nash(_Method):
    """Maximum Nash welfare (product of the probabilities) by column generation.

    ``log`` is replaced by the minimum of its tangents (an outer approximation, refined at each
    solution: Kelley's cutting planes on a separable concave objective), which keeps the master an
    LP for HiGHS with the same pricing MIP as leximin. The LP value over all panels is an upper
    bound of ``sum_i log p_i``, the true value at its solution a lower bound; it stops when they
    are within ``tolerance * n`` (the geometric mean of the probabilities is then within a
    relative ``tolerance`` of the optimum).
    """

    name = "nash"

    def __init__(self, pool: Pool, quotas: Sequence[Quota], k: int, *, tolerance: float = 1e-7) -> None:
        super().__init__(pool, quotas, k)
        self.tolerance = tolerance

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        prob, pricer, comps, reachable = self._start()
        m = prob.m
        size = prob.type_size.astype(np.float64)
        active = np.flatnonzero(reachable)
        h = _master_lp()
        # columns 0..m-1: p_t; m..2m-1: s_t <= log p_t (maximised with weight n_t); then panels
        for _ in range(m):
            h.addCol(0.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for t in range(m):
            cost = -size[t] if reachable[t] else 0.0
            h.addCol(cost, -_INF if reachable[t] else 0.0, 0.0, 0, np.array([], np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for t in range(m):  # rows 1..m: p_t - sum_c q_c c_t/n_t = 0
            h.addRow(0.0, 0.0, 1, np.array([t], np.int32), np.array([1.0]))
        seen = set()

        def add_column(comp: NDArray[np.int64]) -> None:
            seen.add(comp.tobytes())
            nz = np.flatnonzero(comp)
            idx = np.concatenate([[0], 1 + nz]).astype(np.int32)
            val = np.concatenate([[1.0], -comp[nz] / size[nz]])
            h.addCol(0.0, 0.0, _INF, len(idx), idx, val)

        def add_cut(t: int, a: float) -> None:  # s_t - p_t / a <= log(a) - 1
            h.addRow(-_INF, math.log(a) - 1.0, 2, np.array([m + t, t], np.int32), np.array([1.0, -1.0 / a]))

        for comp in comps:
            add_column(comp)
        p0 = (np.array(comps, dtype=np.float64).T @ np.full(len(comps), 1.0 / len(comps))) / size
        for t in active.tolist():
            for a in {float(p0[t]), self.k / prob.pool.n, 1.0}:
                add_cut(int(t), a)
        n_active = float(size[reachable].sum())
        gap = math.inf
        for _ in range(1000):
            while True:
                h.run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    raise RuntimeError(f"HiGHS master LP ended with status {h.getModelStatus()}")
                sol = h.getSolution()
                y = np.asarray(sol.row_dual)
                found = pricer.best(-y[1 : m + 1] / size)
                assert found is not None
                value, comp = found
                if value <= -y[0] + _IMPROVE_EPS or comp.tobytes() in seen:
                    break
                comps.append(comp)
                add_column(comp)
            x = np.asarray(sol.col_value)
            p, s_val = x[:m], x[m : 2 * m]
            upper = float(size[active] @ s_val[active])
            lower = float(size[active] @ np.log(np.maximum(p[active], 1e-300)))
            gap = upper - lower
            if gap <= self.tolerance * n_active:
                break
            for t in active.tolist():
                if s_val[t] - math.log(max(p[t], 1e-300)) > 0.1 * self.tolerance:
                    add_cut(int(t), max(float(p[t]), 1e-9))
        q = np.asarray(sol.col_value)[2 * m :]
        return self._result(prob, comps, q, started, {"gap": gap, "panels_generated": len(comps)})


class Goldilocks(_Method):
    """Minimise ``max_i p_i/(k/n) + gamma * max_i (k/n)/p_i`` (Baharav and Flanigan, EC 2024).

    ``n`` counts the volunteers who can sit on some panel. For a floor ``t`` on every
    probability, ``g(t)`` (the smallest achievable maximum probability) is an LP value, convex in
    ``t``; the objective ``g(t)/(k/n) + gamma (k/n)/t`` is then convex and ``t`` is found by
    golden-section search on ``(0, maximin]`` to a relative width of ``tolerance``.
    """

    name = "goldilocks"

    def __init__(
        self, pool: Pool, quotas: Sequence[Quota], k: int, *, gamma: float = 1.0, tolerance: float = 1e-6
    ) -> None:
        super().__init__(pool, quotas, k)
        if not gamma >= 0:
            raise LotteryError(f"gamma must be non-negative (got {gamma})")
        self.gamma = float(gamma)
        self.tolerance = tolerance

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        maximin = Maximin(self.pool, self.quotas, self.k).solve()
        prob, pricer, comps, reachable = self._start()
        m = prob.m
        ratio = self.k / float(prob.type_size[reachable].sum())
        h = _master_lp()
        # column 0: u = the largest probability (minimised)
        h.addCol(1.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for _ in range(m):  # rows 1..m: p_t >= t (bounds set per evaluation)
            h.addRow(-_INF, _INF, 0, np.array([], np.int32), np.array([]))
        for _t in range(m):  # rows m+1..2m: p_t - u <= 0
            h.addRow(-_INF, 0.0, 1, np.array([0], np.int32), np.array([-1.0]))
        seen = set()

        def add(comp: NDArray[np.int64]) -> None:
            seen.add(comp.tobytes())
            idx, val = _column(prob, comp, extra_rows=1)
            h.addCol(0.0, 0.0, _INF, len(idx), idx, val)

        # seed with the maximin panels so every floor up to the maximin value is feasible
        maximin_types = {tuple(np.bincount(prob.agent_type[list(p)], minlength=m)) for p, _ in maximin.panels}
        for comp in comps:
            add(comp)
        for key in sorted(maximin_types):
            arr = np.array(key, dtype=np.int64)
            if arr.tobytes() not in seen:
                comps.append(arr)
                add(arr)
        cache: dict[float, tuple[float, NDArray[np.float64]]] = {}

        def evaluate(floor: float) -> float:
            for t in np.flatnonzero(reachable):
                h.changeRowBounds(1 + int(t), floor, _INF)
            while True:
                h.run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    raise RuntimeError(f"HiGHS master LP ended with status {h.getModelStatus()}")
                sol = h.getSolution()
                y = np.asarray(sol.row_dual)
                w = (y[1 : m + 1] + y[m + 1 :]) / prob.type_size
                found = pricer.best(w)
                assert found is not None
                value, comp = found
                if value <= -y[0] + _IMPROVE_EPS or comp.tobytes() in seen:
                    break
                comps.append(comp)
                add(comp)
            u = float(sol.col_value[0])
            cache[floor] = (u, np.array(sol.col_value[1:]))
            return u / ratio + self.gamma * ratio / floor

        # the floor applies to the volunteers who can sit on some panel (the others get 0)
        hi = float(maximin.probabilities[reachable[prob.agent_type]].min())
        if hi <= 0:
            raise LotteryError("the maximin probability is 0: goldilocks needs everyone reachable")
        hi = max(hi - _FIX_SLACK, hi * (1 - 1e-9))
        lo = hi * 1e-3
        invphi = (math.sqrt(5) - 1) / 2
        a, b = lo, hi
        c, d = b - invphi * (b - a), a + invphi * (b - a)
        fc, fd = evaluate(c), evaluate(d)
        while b - a > self.tolerance * hi:
            if fc <= fd:
                b, d, fd = d, c, fc
                c = b - invphi * (b - a)
                fc = evaluate(c)
            else:
                a, c, fc = c, d, fd
                d = a + invphi * (b - a)
                fd = evaluate(d)
        if hi not in cache:
            evaluate(hi)
        best_floor = min(cache, key=lambda f: cache[f][0] / ratio + self.gamma * ratio / f)
        u, q = cache[best_floor]
        objective = u / ratio + self.gamma * ratio / best_floor
        details = {"gamma": self.gamma, "objective": objective, "floor": best_floor, "max_probability": u}
        q = np.concatenate([q, np.zeros(len(comps) - len(q))])
        return self._result(prob, comps, q, started, details)


class Legacy(_Method):
    """The greedy quota draw used before, its probabilities estimated from repeated draws.

    Each seat goes to a volunteer drawn uniformly from the feature value whose unfilled minimum is
    most urgent (largest ratio of missing seats to available volunteers); when every minimum is
    met, from everyone still available. Volunteers whose value is full are set aside. A draw that
    gets stuck is restarted. ``draws`` draws from a NumPy generator seeded with ``seed``.
    """

    name = "legacy"

    def __init__(
        self, pool: Pool, quotas: Sequence[Quota], k: int, *, draws: int = 1000, seed: int = 0
    ) -> None:
        super().__init__(pool, quotas, k)
        self.draws = int(draws)
        self.seed = int(seed)

    def draw_once(self, prob: Problem, rng: np.random.Generator) -> list[int] | None:
        """One greedy draw as sorted agent indices, or None when it gets stuck."""
        avail = prob.type_size.copy()  # available volunteers per type
        A = prob.A.astype(bool)  # quotas x types
        counts = np.zeros(len(prob.quotas), dtype=np.int64)
        seats = np.zeros(prob.m, dtype=np.int64)
        for _ in range(prob.k):
            full = counts >= prob.hi
            if full.any():
                avail[A[full].any(axis=0)] = 0
            if avail.sum() == 0:
                return None
            need = prob.lo - counts
            urgent = need > 0
            weights = avail.astype(np.float64)
            if urgent.any():
                supply = A @ avail
                ratio = np.where(urgent, need / np.maximum(supply, 1), -np.inf)
                r = int(np.argmax(ratio))
                if supply[r] == 0:
                    return None
                weights = weights * A[r]
            cumulative = np.cumsum(weights)
            t = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), prob.m - 1)
            seats[t] += 1
            avail[t] -= 1
            counts += A[:, t]
        if not prob.composition_ok(seats):
            return None
        chosen: list[int] = []
        for t in np.flatnonzero(seats).tolist():
            chosen.extend(rng.choice(prob.members[t], size=int(seats[t]), replace=False).tolist())
        return sorted(chosen)

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        prob, _pricer, _comps, _reachable = self._start()  # raises on infeasible quotas
        rng = np.random.default_rng(self.seed)
        counts: dict[tuple[int, ...], int] = {}
        failures = 0
        done = 0
        while done < self.draws:
            panel = self.draw_once(prob, rng)
            if panel is None:
                failures += 1
                if failures > 100 * self.draws + 1000:
                    raise LotteryError("the greedy draw keeps getting stuck on these quotas")
                continue
            key = tuple(panel)
            counts[key] = counts.get(key, 0) + 1
            done += 1
        p = np.zeros(prob.pool.n)
        for key, c in counts.items():
            p[list(key)] += c
        p /= self.draws
        panels = sorted(((key, c / self.draws) for key, c in counts.items()), key=lambda kv: (-kv[1], kv[0]))
        return LotteryResult(
            method=self.name,
            ids=list(self.pool.ids),
            k=prob.k,
            probabilities=p,
            panels=panels,
            seconds=time.perf_counter() - started,
            details={"draws": self.draws, "restarts": failures},
        )
