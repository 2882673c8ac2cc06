"""Leximin and maximin lotteries (pure: no Django), exact by stabilised column generation.

Rule: a leximin lottery maximises the smallest selection probability, then the second smallest,
and so on (Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair algorithms for selecting citizens'
assemblies", Nature 596:548, 2021); maximin stops after the first level. Volunteers who cannot sit
on any quota-satisfying panel get probability 0 and take no part in the levels.

How (:class:`Leximin` tells the details): the relaxation's leximin point written as panels
(:mod:`~observatory.panel.core.relaxation`) is usually the lottery already. Otherwise each level is
a restricted master LP over the panels found so far (:class:`_Master`), grown by pricing
(:mod:`~observatory.panel.core.pricing`) until the level is proven (:class:`_ColumnGeneration`):
at the relaxation's bound, or by the exact pricing MIP finding no improving panel. The types
whose optimal multiplier is positive are then fixed at the level, and the next level starts.
Each level is exact to about 1e-7 absolute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from observatory.panel.core.base import _column, _Method
from observatory.panel.core.pricing import _IMPROVE_EPS, _INF, _master_lp, _Pricer, _QuickPricer, _Swapper
from observatory.panel.core.problem import Problem
from observatory.panel.core.relaxation import _DUAL_EPS, _Relaxation, _relaxed_levels, decompose
from observatory.panel.core.result import LotteryResult

_LEVEL_GAP = 1e-9  # a level is proven when the master is this close to a bound
_FIX_SLACK = 1e-9  # fixed levels are enforced up to this slack, for numerical safety
_MASTER_FIX_SLACK = 2e-7  # the master's floors when they prove jointly infeasible (1e-7 feasibility)
# a decomposition of the relaxation's leximin point missing less than this weight is the lottery
# (nobody is then more than about this below the bound, well inside the promised 1e-6, and no
# further than the master's own floors may be loosened, _MASTER_FIX_SLACK): chasing the last 3e-8
# with exact pricing took minutes on the 1,500-volunteer pool, and the last 1.3e-7 more than a
# minute on planted 2,000-for-150 with 8 features (seed 1), where 2e-7 is the lottery in 8 s
_REACH_TOL = _MASTER_FIX_SLACK


class Leximin(_Method):
    """Leximin-optimal lottery (Flanigan et al. 2021), exact by stabilised column generation.

    Each level is an LP over the panel compositions found so far (the master, HiGHS primal
    simplex), grown by pricing: find a composition whose weight under the master's duals beats the
    master's convexity dual. On pools where most volunteers are a type of their own, plain column
    generation tails off for minutes; what keeps it short:

    - a bound from the LP relaxation (:class:`_Relaxation`, one small LP per level). The master
      first tries to *reach* it (z held at the bound, each volunteer type's shortfall paid a little
      above the relaxation's dual for it: bounded duals, a stabilisation of their own); when the
      shortfall is 0 the level is proven optimal with no pricing MIP, and the relaxation's duals
      are optimal multipliers (they fix the level's types). When no panel closes the shortfall the
      bound is out of reach and the level is maximised as usual, proven by the exact MIP;
    - Wentges smoothing: pricing uses ``alpha * centre + (1 - alpha) * master duals``, the centre
      being the relaxation's duals, which keeps new panels on the optimal face; a panel is only
      added when it improves the master at its own duals;
    - cheap pricing: a near-best panel from the pricing LP's support (:class:`_QuickPricer`), then
      quota-keeping swaps (:class:`_Swapper`) from it and from the master's heaviest and newest
      panels, several columns per master solve; the exact MIP (HiGHS, stopping at the first
      improving panel) only when these find nothing;
    - first, the LP relaxation's own leximin point (:func:`relaxed_leximin`) written as panels
      (:func:`decompose`). No lottery beats that point in the leximin order, so when the panels
      make it up to ``_REACH_TOL`` they are the lottery, with no master LP at all; when more is
      missing they start the column generation, whose levels then mostly close at their bounds
      in one master solve;
    - when that decomposition fails early, a start by multiplicative weights as in Flanigan et
      al.'s implementation (the best panel for weights that shrink on the volunteers already
      selected), with the quick pricer as oracle, up to ``n`` rounds and stopped once the master
      reaches the bound.

    Everything is seeded or deterministic, so the lottery is reproducible. Types whose optimal
    multiplier is positive are at the level in every optimal lottery and are fixed there.
    """

    name = "leximin"
    levels: int | None = None  # stop after this many levels (Maximin: 1)
    starts = 8  # swap searches per master solve, from the heaviest and the newest panels
    smoothing = 0.99  # Wentges' alpha: pricing duals = alpha * centre + (1 - alpha) * master's
    penalty = 1.0  # phase-1 shortfall cost above the relaxation's duals, spread over the free types
    # the relaxation's point written as panels (on pools of over this many types): measured
    # faster on every pool tried, from 3 types (0.3 s to 0.05 s on example_large_200) to 720
    decompose_min_types = 0
    accept_decomposition = True  # a decomposition missing under _REACH_TOL is the lottery
    # branch-and-bound nodes a rounding MIP of the decomposition may take (None: no limit); one
    # that finds no panel by then ends the decomposition, as an infeasible one does. Off: on
    # planted 1,500-for-110 seed 0, 200 nodes saved nothing (the time is in MIPs that succeed)
    decompose_mip_nodes: int | None = None
    mwu_min_types = 200  # multiplicative-weights start from this many types, if the decomposition misses
    mwu_factor = 0.8  # a selected volunteer's weight is multiplied by this (Flanigan et al.)
    mwu_chunk = 20  # the master is solved every this many rounds to stop as soon as it can

    @staticmethod
    def mwu_max_rounds(prob: Problem) -> int:
        return prob.pool.n

    @staticmethod
    def _details(levels: int, panels: int, decomposed: float, pricer: _Pricer) -> dict[str, Any]:
        """What the solve did (the counters of a run that took the decomposition as the lottery)."""
        return {
            "levels": levels,
            "panels_generated": panels,
            "decomposed_share": decomposed,
            "multiplicative_weights_rounds": 0,
            "pricing_calls": pricer.calls,
            "quick_pricing_calls": 0,
            "master_solves": 0,
            "levels_closed_by_relaxation": 0,
            "swaps": 0,
            "loosened_at_levels": [],
        }

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        prob, pricer, comps, reachable = self._start()
        master = _Master(prob, reachable)
        for comp in comps:
            master.add(comp)
        decomposed = 0.0  # the share of the relaxation's leximin point written as panels
        if prob.m > self.decompose_min_types:
            decomposed, lottery = self._decomposition_start(prob, pricer, master, started)
            if lottery is not None:
                return lottery
        search = _ColumnGeneration(self, prob, pricer, master, decomposed)
        sol = search.run()
        details = self._details(len(master.levels), len(master.comps), decomposed, pricer)
        details.update(search.details())
        return self._result(prob, master.comps, master.weights(sol), started, details)

    def _decomposition_start(
        self, prob: Problem, pricer: _Pricer, master: _Master, started: float
    ) -> tuple[float, LotteryResult | None]:
        """The relaxation's leximin point written as panels: the lottery when they make it up.

        Returns the share of the point the panels make up, and the lottery when that share misses
        less than ``_REACH_TOL``; otherwise (None) the panels are added to the master: with a
        little missing, every level still closes at its bound in about one master solve, with no
        pricing.
        """
        point, bounds = _relaxed_levels(prob, master.reachable)
        start, weights, _ = decompose(prob, point, mip_nodes=self.decompose_mip_nodes)
        decomposed = math.fsum(weights)
        if self.accept_decomposition and start and decomposed >= 1 - _REACH_TOL:
            # what the decomposition missed is too light to move anyone by more than
            # _REACH_TOL, and no lottery beats the relaxation in the leximin order
            panels, q = _merged(start, weights, decomposed)
            mean = np.array(panels, dtype=np.float64).T @ q
            if np.all(np.abs(mean - point) <= _REACH_TOL * prob.type_size.astype(np.float64)):
                details = self._details(bounds, len(master.comps) + len(panels), decomposed, pricer)
                details["levels_closed_by_relaxation"] = bounds
                return decomposed, self._result(prob, panels, q, started, details)
        for comp in start:
            master.add(comp)
        return decomposed, None


class Maximin(Leximin):
    """The lottery maximising the smallest selection probability (first leximin level)."""

    name = "maximin"
    levels = 1
    # one level needs no whole leximin point unless the pool has hundreds of types (measured:
    # sf_fixture_22, 122 types, 0.17 s plain and 0.55 s decomposed; 400-for-40, 332 types, 12.9 s
    # plain and 5.2 s decomposed)
    decompose_min_types = 200


def _merged(
    comps: Sequence[NDArray[np.int64]], weights: Sequence[float], total: float
) -> tuple[list[NDArray[np.int64]], NDArray[np.float64]]:
    """The compositions and their weights divided by ``total``, a composition met twice one panel."""
    merged: dict[bytes, float] = {}
    for comp, share in zip(comps, weights, strict=True):
        merged[comp.tobytes()] = merged.get(comp.tobytes(), 0.0) + share / total
    panels = [np.frombuffer(key, dtype=np.int64).copy() for key in merged]
    q = np.fromiter(merged.values(), dtype=np.float64, count=len(merged))
    return panels, q


class _Master:
    """The restricted master LP of leximin over the panel compositions found so far.

    Column 0 is the level ``z`` (maximised: cost -1 in a minimisation), columns ``1..m`` the
    types' shortfalls (phase 1 only), then one column per composition, its weight in the lottery.
    Row 0 makes the weights sum to 1; row ``1 + t`` asks type ``t``'s probability to be at least
    ``z`` (less its shortfall) while it is free, at least its fixed level (less
    :data:`_FIX_SLACK`) once fixed.
    """

    def __init__(self, prob: Problem, reachable: NDArray[np.bool_]) -> None:
        m = prob.m
        h = _master_lp()
        # column 0: the level z, maximised (cost -1 in a minimisation); columns 1..m: shortfalls
        h.addCol(-1.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for t in range(m):
            if reachable[t]:
                h.addRow(0.0, _INF, 1, np.array([0], np.int32), np.array([-1.0]))
            else:
                h.addRow(-_INF, _INF, 0, np.array([], np.int32), np.array([]))
        for t in range(m):
            h.addCol(0.0, 0.0, 0.0, 1, np.array([1 + t], np.int32), np.array([1.0]))
        self.h = h
        self.prob = prob
        self.m = m
        self.reachable = reachable
        self.panel0 = 1 + m  # the panels' columns start here
        self.comps: list[NDArray[np.int64]] = []
        self.seen: set[bytes] = set()
        self.floor = np.zeros(m)  # lower bounds of the fixed types' rows
        self.fixed = np.where(reachable, np.nan, 0.0)  # each type's level once fixed (NaN: free)
        self.levels: list[float] = []
        self.rounds = 0  # master solves
        self.loosened: list[int] = []  # levels at which the fixed ones had to be loosened (to 2e-7)

    def add(self, comp: NDArray[np.int64]) -> bool:
        """Add a composition's column, unless it is there already (then False)."""
        key = comp.tobytes()
        if key in self.seen:
            return False
        self.seen.add(key)
        self.comps.append(comp)
        idx, val = _column(self.prob, comp)
        self.h.addCol(0.0, 0.0, _INF, len(idx), idx, val)
        return True

    def maximise_level(self) -> None:
        """Phase 2: maximise ``z``, no shortfall allowed."""
        m = self.m
        self.h.changeColCost(0, -1.0)
        self.h.changeColBounds(0, 0.0, 1.0)
        self.h.changeColsBounds(m, np.arange(1, m + 1, dtype=np.int32), np.zeros(m), np.zeros(m))

    def reach_level(self, target: float, penalty: NDArray[np.float64], unfixed: NDArray[np.bool_]) -> None:
        """Phase 1: ``z`` held at ``target``, each free type's shortfall costing ``penalty``."""
        m = self.m
        self.h.changeColCost(0, 0.0)
        self.h.changeColBounds(0, target, target)
        cols = np.arange(1, m + 1, dtype=np.int32)
        self.h.changeColsCost(m, cols, penalty)
        self.h.changeColsBounds(m, cols, np.zeros(m), np.where(unfixed, _INF, 0.0))

    def run(self) -> Any:
        """Solve the master (HiGHS's solution), from scratch or with looser floors if it must."""
        h = self.h
        h.run()
        self.rounds += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.clearSolver()  # numerical trouble from a warm start: once more from scratch
            h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal and not np.isnan(self.fixed).all():
            # still stuck: the levels fixed so far were met only to HiGHS's feasibility
            # tolerance (1e-7), and together they are not; loosen them by about that much
            held = np.flatnonzero(self.reachable & ~np.isnan(self.fixed))
            rows = (1 + held).astype(np.int32)
            self.loosened.append(len(self.levels))
            loose = self.floor[held] - _MASTER_FIX_SLACK
            h.changeRowsBounds(len(rows), rows, loose, np.full(len(rows), _INF))  # type: ignore[attr-defined]
            h.clearSolver()
            h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS master LP ended with status {h.getModelStatus()}")
        return h.getSolution()

    def shortfall(self, sol: Any) -> float:
        """The total shortfall below the level ``z`` in a solution."""
        return float(np.sum(sol.col_value[1 : self.panel0]))

    def weights(self, sol: Any) -> NDArray[np.float64]:
        """The compositions' weights in a solution (in the order of :attr:`comps`)."""
        return np.asarray(sol.col_value)[self.panel0 :]

    def fix(self, t: int, level: float) -> None:
        """Hold type ``t`` at ``level`` (less :data:`_FIX_SLACK`) from now on."""
        self.fixed[t] = level
        self.floor[t] = level - _FIX_SLACK
        self.h.changeCoeff(1 + t, 0, 0.0)
        self.h.changeRowBounds(1 + t, self.floor[t], _INF)


class _ColumnGeneration:
    """The levels of one leximin solve: each reached or maximised, proven, then fixed.

    A level starts in phase 1, the master's ``z`` held at the relaxation's bound and every free
    type's shortfall paid a little above the relaxation's dual for it; no shortfall proves the
    level, the relaxation's duals being optimal multipliers. When no panel closes the shortfall,
    phase 2 maximises ``z``; the level is proven at the bound or when the exact pricing MIP finds
    no improving panel, the master's duals then being the multipliers. Pricing is stabilised
    (Wentges smoothing towards the relaxation's duals) and cheap first: the quick pricer and swaps
    from the master's heaviest and newest panels, the exact MIP only when they find nothing.
    """

    def __init__(
        self, method: Leximin, prob: Problem, pricer: _Pricer, master: _Master, decomposed: float
    ) -> None:
        self.method = method
        self.prob = prob
        self.pricer = pricer
        self.master = master
        self.decomposed = decomposed
        self.size = prob.type_size.astype(np.float64)
        self.swapper = _Swapper(prob)
        self.relaxation = _Relaxation(prob, master.reachable)
        self.quick = _QuickPricer(prob)
        self.relaxed_stops = 0  # levels proven at the relaxation's bound
        self.mwu_rounds = 0

    def run(self) -> Any:
        """Every level (or the first ``method.levels``); the master's last solution."""
        sol = None
        while np.isnan(self.master.fixed).any():
            sol = self.close_level()
            if self.method.levels is not None and len(self.master.levels) >= self.method.levels:
                break
        assert sol is not None
        return sol

    def details(self) -> dict[str, Any]:
        """The counters of the column generation."""
        return {
            "multiplicative_weights_rounds": self.mwu_rounds,
            "quick_pricing_calls": self.quick.calls,
            "master_solves": self.master.rounds,
            "levels_closed_by_relaxation": self.relaxed_stops,
            "swaps": self.swapper.steps,
            "loosened_at_levels": self.master.loosened,
        }

    def close_level(self) -> Any:
        """The next level: bounded by the relaxation, proven, its types fixed; the master's solution."""
        master = self.master
        unfixed = np.isnan(master.fixed)
        bound, centre = self.relaxation.solve()
        target = bound - _LEVEL_GAP / 2
        # phase 1: reach the relaxation's bound, shortfalls penalised just above its duals
        master.reach_level(target, centre + self.method.penalty / max(1, int(unfixed.sum())), unfixed)
        if not master.levels and self.prob.m > self.method.mwu_min_types and self.decomposed < 0.999:
            self.multiplicative_weights()
        sol, multipliers = self.prove_level(bound, centre)
        z = float(sol.col_value[0])
        master.maximise_level()
        self.fix_level(z, bound, multipliers, unfixed)
        master.levels.append(z)
        return sol

    def multiplicative_weights(self) -> None:
        """Flanigan et al.'s start: best panels for weights that fall on the volunteers served.

        Stops once the master reaches the bound (checked every ``mwu_chunk`` rounds).
        """
        method, master = self.method, self.master
        weight = np.where(master.reachable, 1.0, 0.0)
        for _ in range(method.mwu_max_rounds(self.prob)):
            comp = self.quick.good(weight, self.pricer)
            self.mwu_rounds += 1
            if master.add(comp):
                weight = weight * method.mwu_factor ** (comp / self.size)
            else:
                weight = 0.9 * weight + 0.1 * master.reachable
            weight *= self.prob.m / weight.sum()
            if self.mwu_rounds % method.mwu_chunk == 0 and master.shortfall(master.run()) <= 1e-12:
                break

    def prove_level(self, bound: float, centre: NDArray[np.float64]) -> tuple[Any, NDArray[np.float64]]:
        """Grow the master until its level is proven: its solution and optimal multipliers."""
        phase1 = True
        while True:
            sol = self.master.run()
            z = float(sol.col_value[0])
            if (phase1 and self.master.shortfall(sol) <= 1e-12) or (not phase1 and z >= bound - _LEVEL_GAP):
                self.relaxed_stops += 1
                return sol, centre  # in phase 1, ``centre`` is an optimal multiplier vector
            duals = np.asarray(sol.row_dual)
            y = duals[1:]
            threshold = -duals[0] + _IMPROVE_EPS
            w = y / self.size
            if self.add_cheap_panels(sol, y, w, centre, threshold) or self.add_exact_panel(w, threshold):
                continue
            if not phase1:
                return sol, y  # no panel improves the master: its duals are optimal
            phase1 = False  # the bound is out of reach (or the penalty too low): maximise
            self.master.maximise_level()

    def add_cheap_panels(
        self,
        sol: Any,
        y: NDArray[np.float64],
        w: NDArray[np.float64],
        centre: NDArray[np.float64],
        threshold: float,
    ) -> bool:
        """Whether heuristic pricing added a panel worth more than ``threshold`` under ``w``.

        The quick pricer and swaps search under the smoothed duals ``sep``; a panel is added only
        when it improves the master at its own duals ``w``.
        """
        alpha = self.method.smoothing
        sep = alpha * centre + (1 - alpha) * y
        added = 0
        comp = self.quick.good(sep / self.size, self.pricer)
        for s in [comp, *(self.master.comps[j] for j in self.swap_starts(sol))]:
            comp = self.swapper.improve(s, sep / self.size)
            if float(w @ comp) > threshold and self.master.add(comp):
                added += 1
        if not added:
            comp = self.quick.good(w, self.pricer)
            if float(w @ comp) > threshold and self.master.add(comp):
                added += 1
        return added > 0

    def swap_starts(self, sol: Any) -> list[int]:
        """The master's heaviest and newest panels (indices into its compositions), each once."""
        starts_per_kind = self.method.starts
        comps = self.master.comps
        q = self.master.weights(sol)
        basic = np.flatnonzero(q > 1e-12)
        starts: list[int] = basic[np.argsort(-q[basic], kind="stable")][:starts_per_kind].tolist()
        starts += [len(comps) - 1 - j for j in range(min(starts_per_kind, len(comps)))]
        return list(dict.fromkeys(starts))

    def add_exact_panel(self, w: NDArray[np.float64], threshold: float) -> bool:
        """Whether the exact pricing MIP found and added a panel worth more than ``threshold``."""
        found = self.pricer.best(w, target=threshold + _IMPROVE_EPS)
        assert found is not None
        value, comp = found
        if value <= threshold:
            return False
        return self.master.add(comp)

    def fix_level(
        self, z: float, bound: float, multipliers: NDArray[np.float64], unfixed: NDArray[np.bool_]
    ) -> None:
        """Fix at ``z`` the free types of positive multiplier (at the level in every optimum)."""
        fix = unfixed & (multipliers > _DUAL_EPS)
        if not fix.any():  # numerically flat duals: fix the most constrained type
            fix = np.zeros(self.prob.m, dtype=bool)
            fix[np.flatnonzero(unfixed)[np.argmax(multipliers[unfixed])]] = True
        for t in np.flatnonzero(fix).tolist():
            self.master.fix(int(t), z)
            self.relaxation.fix(int(t), min(z, bound))  # the master's z may pass the bound by its 1e-7
