"""The LP relaxation of leximin and its point written as panels (pure: no Django).

Any lottery's expected composition ``x`` (seats per type) meets ``sum x = k``, every quota and
``0 <= x_t <= n_t``. Leximin over such *fractional* compositions is a sequence of small LPs
(:class:`_Relaxation`, :func:`relaxed_leximin`): no lottery beats its point in the leximin order
(Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair algorithms for selecting citizens'
assemblies", Nature 596:548, 2021, define that order), and a lottery whose expected composition
is that point is leximin-optimal. :func:`decompose` writes such a point as a mixture of integer
compositions, one face of the quota polytope at a time (Carathéodory), each rounded from the
face's LP vertex by a tabu search of swaps (:func:`_round_by_swaps`) or a HiGHS MIP.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from observatory.panel.core.pricing import _INF, _master_lp, _Pricer
from observatory.panel.core.problem import Problem

_SOLUTION_LIMIT = highspy.HighsModelStatus.kSolutionLimit  # a MIP stopped at its first solution
_FEASIBLE = 2  # HiGHS's primal_solution_status of a feasible point
_DUAL_EPS = 1e-8  # a type whose dual exceeds this is fixed at the current level (leximin)
# The relaxation's levels: each LP meets its rows to _RELAX_TOL (HiGHS's smallest tolerance), and a
# level is fixed _RELAX_FIX_SLACK below the value found, a hundred times that tolerance. A level
# fixed 1e-9 below a value found to a 1e-9 tolerance had no margin: an LP that used its tolerance
# (a seat bound overshot by 9.9e-10) set a level slightly above what is exactly feasible, and a
# few levels later the relaxation was infeasible (about one in three 1,500-for-110 pools crashed)
_RELAX_TOL = 1e-10
_ROUND_EXTRA = 60  # free types a rounding MIP may move besides its LP vertex's fractional ones
_RELAX_FIX_SLACK = 1e-9
# the tabu search that rounds a face's vertex in its unit box (_round_by_swaps): swaps tried, and
# steps a type stays out of further swaps. On planted 1,500-for-110 pools it finds four in five of
# these roundings within a few dozen swaps; the rest go to the whole face's MIP (measured)
_TABU_STEPS = 400
_TABU_TENURE = 7


class _Relaxation:
    """A leximin level over *fractional* compositions: an upper bound on the level, and its duals.

    Any lottery's expected composition ``x`` (seats per type) meets ``sum x = k``, every quota and
    ``0 <= x_t <= n_t``, so the LP ``max z`` over such ``x`` with ``x_t/n_t >= z`` for the free
    types (and ``>=`` the fixed levels for the others) bounds the level from above. It is one small
    LP, and on quota systems like the ones citizens' panels use it is usually tight: the column
    generation then stops as soon as the master reaches it, with no pricing MIP to prove
    optimality, and the LP's duals (a Lagrangian multiplier vector whose bound is the level) are
    the stability centre of the pricing.
    """

    def __init__(self, prob: Problem, reachable: NDArray[np.bool_]) -> None:
        m, quotas = prob.m, len(prob.quotas)
        h = _master_lp()
        # its point is decomposed into panels whose mixture must reach each level to 1e-7; the
        # levels are fixed _RELAX_FIX_SLACK below their values, far above this tolerance
        h.setOptionValue("primal_feasibility_tolerance", _RELAX_TOL)
        h.setOptionValue("dual_feasibility_tolerance", _RELAX_TOL)
        for t in range(m):
            upper = float(prob.type_size[t]) if reachable[t] else 0.0
            h.addCol(0.0, 0.0, upper, 0, np.array([], np.int32), np.array([]))
        h.addCol(-1.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))  # z, maximised
        h.addRow(prob.k, prob.k, m, np.arange(m, dtype=np.int32), np.ones(m))
        for r in range(quotas):
            idx = np.flatnonzero(prob.A[r]).astype(np.int32)
            h.addRow(float(prob.lo[r]), float(prob.hi[r]), len(idx), idx, np.ones(len(idx)))
        for t in range(m):
            if reachable[t]:
                coef = np.array([1.0 / prob.type_size[t], -1.0])
                h.addRow(0.0, _INF, 2, np.array([t, m], np.int32), coef)
            else:
                h.addRow(-_INF, _INF, 0, np.array([], np.int32), np.array([]))
        self.h = h
        self.m = m
        self.first = 1 + quotas  # row of type 0

    def fix(self, t: int, level: float) -> None:
        """Hold type ``t`` at ``level`` from now on (minus :data:`_RELAX_FIX_SLACK`).

        ``level`` must not exceed the last bound :meth:`solve` returned: the last point then meets
        every floor with that slack to spare, so the relaxation stays feasible whatever its
        tolerance let through.
        """
        self.h.changeCoeff(self.first + t, self.m, 0.0)
        self.h.changeRowBounds(self.first + t, level - _RELAX_FIX_SLACK, _INF)

    def solve(self) -> tuple[float, NDArray[np.float64]]:
        """The bound on the level and the duals of the type rows."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.h.clearSolver()  # numerical trouble from a warm start: once more from scratch
            self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS relaxation LP ended with status {self.h.getModelStatus()}")
        sol = self.h.getSolution()
        duals = np.maximum(np.asarray(sol.row_dual)[self.first : self.first + self.m], 0.0)
        self.point = np.asarray(sol.col_value[: self.m], dtype=np.float64)
        return float(sol.col_value[self.m]), duals


def relaxed_leximin(prob: Problem, reachable: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The leximin expected composition over fractional compositions (seats per type).

    Level by level as :class:`Leximin` does it, on the relaxation alone: maximise the smallest
    free ``x_t / n_t``, fix the types whose dual is positive (they are at the level in every
    optimum), and so on. No lottery does better in the leximin order, and a lottery whose expected
    composition is this point is leximin-optimal.
    """
    return _relaxed_levels(prob, reachable)[0]


def _relaxed_levels(prob: Problem, reachable: NDArray[np.bool_]) -> tuple[NDArray[np.float64], int]:
    """:func:`relaxed_leximin`'s point and its number of levels."""
    relaxation = _Relaxation(prob, reachable)
    unfixed = reachable.copy()
    levels = 0
    while unfixed.any():
        levels += 1
        z, duals = relaxation.solve()
        fix = unfixed & (duals > _DUAL_EPS)
        if not fix.any():
            fix[np.flatnonzero(unfixed)[np.argmax(duals[unfixed])]] = True
        for t in np.flatnonzero(fix).tolist():
            relaxation.fix(t, z)
        unfixed &= ~fix
    return relaxation.point, levels


def _round_by_swaps(
    A: NDArray[np.float64],
    lower: NDArray[np.float64],
    free: NDArray[np.bool_],
    frac: NDArray[np.float64],
    row_lo: NDArray[np.float64],
    row_hi: NDArray[np.float64],
    k: int,
    max_steps: int = _TABU_STEPS,
    tenure: int = _TABU_TENURE,
) -> NDArray[np.int64] | None:
    """An integer composition in a box of width one that meets the rows, by tabu search; or None.

    Every type holds ``lower`` seats plus one more for the ``free`` types chosen: the ``k`` seats
    left go first to the free types of largest ``frac``, then one-for-one swaps lower the seats
    outside ``[row_lo, row_hi]`` summed over rows (the *miss*). Each step makes the best swap
    (ties to larger ``frac``) even when it does not lower the miss, which walks out of the local
    minima where plain descent stopped; a type that took part in a swap may not take part in
    another for ``tenure`` steps (tabu), unless that swap reaches a miss below the best seen
    (aspiration; Glover, "Tabu search, part I", ORSA Journal on Computing 1:190, 1989). Stops at
    a composition (miss 0) or after ``max_steps`` swaps (None: the caller goes on without it).
    A step is one small matrix product, about a millisecond on a 1,500-volunteer pool, where a
    HiGHS MIP over the same box took about 0.6 s.
    """
    cand = np.flatnonzero(free)
    need = k - round(float(lower.sum()))
    if need < 0 or need > len(cand):
        return None
    Af = A[:, cand]
    base = A @ lower
    lo_r, hi_r = row_lo - base, row_hi - base
    pick = np.zeros(len(cand), dtype=bool)
    pick[np.argsort(-frac[cand], kind="stable")[:need]] = True
    counts = Af @ pick
    banned_until = np.zeros(len(cand), dtype=np.int64)
    best_miss = np.inf

    def miss(c: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.maximum(lo_r - c, 0.0) + np.maximum(c - hi_r, 0.0)

    for step in range(max_steps + 1):
        now = miss(counts)
        total = float(now.sum())
        if total < 0.5:
            out = lower.copy()
            out[cand[pick]] += 1.0
            return np.rint(out).astype(np.int64)
        if step == max_steps:
            break
        best_miss = min(best_miss, total)
        leave, enter = miss(counts - 1) - now, miss(counts + 1) - now  # per row, one seat
        inside, outside = np.flatnonzero(pick), np.flatnonzero(~pick)
        if len(inside) == 0 or len(outside) == 0:
            return None
        a_in, a_out = Af[:, inside], Af[:, outside]
        # a seat from type a to type b: rows of a alone lose one, rows of b alone gain one
        change = (a_in.T @ leave)[:, None] + (a_out.T @ enter)[None, :]
        change -= a_in.T @ ((leave + enter)[:, None] * a_out)
        steer = change - 1e-3 * (frac[cand[outside]][None, :] - frac[cand[inside]][:, None])
        banned = (banned_until[inside] > step)[:, None] | (banned_until[outside] > step)[None, :]
        steer[banned & (total + change > best_miss - 0.5)] = np.inf  # tabu, unless a new best
        best = int(np.argmin(steer))
        i, j = divmod(best, len(outside))
        if not np.isfinite(steer[i, j]):
            return None
        pick[inside[i]], pick[outside[j]] = False, True
        banned_until[inside[i]] = banned_until[outside[j]] = step + 1 + tenure
        counts += a_out[:, j] - a_in[:, i]
    return None


class _Rounder:
    """Integer compositions on one face of the quota polytope, rounded from the face's LP vertex.

    :func:`decompose` asks for one composition per Carathéodory step, inside a box of seat counts
    (``lower`` to ``upper`` per type) and with the quota rows the face keeps tight
    (:meth:`set_rows`). A vertex of the face's LP is integral but for at most one seat count per
    quota row, so a composition is looked for, cheapest first:

    1. in a box of width one (each type at the floor or the ceiling of the point), by tabu search
       from the vertex (:func:`_round_by_swaps`, milliseconds) and nothing else: ``mips=False``;
    2. in a wider box, a MIP over the vertex's fractional types and the ``_ROUND_EXTRA`` free
       types of smallest reduced cost, the others held at the vertex;
    3. a MIP over the whole box.

    No MIP in the unit box: on planted 1,500-for-110 pools its MIPs took about 0.6 s each and,
    worse, the compositions they found (the first one in the box) led the decomposition onto
    faces without any integer point, so it stopped at 99.3 % of the point (seed 0, 137 s CPU);
    with the tabu search alone there and the whole face's MIP when it fails, the same point is
    written to within 1e-8 in 20 s.

    Both MIPs stop at their first panel. ``mip_nodes`` bounds each one's branch and bound: a MIP
    that has found no panel by then counts as no panel on the face (deterministic, unlike a time
    limit). The decomposition then stops there, and the column generation carries on from the
    panels found.
    """

    def __init__(self, prob: Problem, mip_nodes: int | None = None) -> None:
        m = prob.m
        self.prob = prob
        self.m = m
        self.A = prob.A.astype(np.float64)
        self.mip = _Pricer(prob).h
        self.mip.setOptionValue("mip_rel_gap", 1e-3)  # the objective only steers the rounding
        self.mip.setOptionValue("mip_max_improving_sols", 1)
        if mip_nodes is not None:
            self.mip.setOptionValue("mip_max_nodes", int(mip_nodes))
        self.lp = _Pricer(prob).h  # the same model as an LP: its vertices leave few seats fractional
        kind = np.full(m, highspy.HighsVarType.kContinuous)
        self.lp.changeColsIntegrality(m, np.arange(m, dtype=np.int32), kind)
        self.cols = np.arange(m, dtype=np.int32)
        self.rows = np.arange(1, 1 + len(prob.quotas), dtype=np.int32)
        self.row_lo = prob.lo.astype(np.float64)
        self.row_hi = prob.hi.astype(np.float64)
        self.calls = {"swaps": 0, "mip_near": 0, "mip_box": 0, "none": 0}

    def set_rows(self, row_lo: NDArray[np.float64], row_hi: NDArray[np.float64]) -> None:
        """The face's quota rows: each between ``row_lo`` and ``row_hi`` seats."""
        self.row_lo, self.row_hi = row_lo, row_hi
        for model in (self.mip, self.lp):
            model.changeRowsBounds(len(self.rows), self.rows, row_lo, row_hi)  # type: ignore[attr-defined]  # not in its stubs

    def round(
        self,
        lower: NDArray[np.float64],
        upper: NDArray[np.float64],
        cost: NDArray[np.float64],
        mips: bool = True,
    ) -> NDArray[np.int64] | None:
        """A composition in the box meeting the face's rows (near the LP vertex for ``cost``), or None.

        ``mips=False``: the tabu search alone (a box of width one), no MIP when it fails.
        """
        m, lp = self.m, self.lp
        lp.changeColsBounds(m, self.cols, lower, upper)
        lp.changeColsCost(m, self.cols, cost)
        lp.run()
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.calls["none"] += 1
            return None
        sol = lp.getSolution()
        v = np.asarray(sol.col_value)
        if np.all(upper - lower <= 1.0):
            found = _round_by_swaps(
                self.A, lower, upper > lower, v - lower, self.row_lo, self.row_hi, self.prob.k
            )
            if found is not None:
                self.calls["swaps"] += 1
                return found
        if not mips:
            self.calls["none"] += 1
            return None
        for stage, bounds in (("mip_near", self._near(lower, upper, v, sol)), ("mip_box", (lower, upper))):
            found = self._mip(bounds, cost)
            if found is not None:
                self.calls[stage] += 1
                return found
        self.calls["none"] += 1
        return None

    def _near(
        self, lower: NDArray[np.float64], upper: NDArray[np.float64], v: NDArray[np.float64], sol: Any
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The box of the vertex's fractional types and the free types of smallest reduced cost."""
        whole = np.abs(v - np.rint(v)) <= 1e-9
        loose = whole & (upper > lower)
        reduced = np.where(loose, np.abs(np.asarray(sol.col_dual)), np.inf)
        widen = np.zeros(self.m, dtype=bool)
        widen[np.argsort(reduced, kind="stable")[: min(_ROUND_EXTRA, int(loose.sum()))]] = True
        return (
            np.where(widen, lower, np.where(whole, np.rint(v), lower)),
            np.where(widen, upper, np.where(whole, np.rint(v), upper)),
        )

    def _mip(
        self, bounds: tuple[NDArray[np.float64], NDArray[np.float64]], cost: NDArray[np.float64]
    ) -> NDArray[np.int64] | None:
        h = self.mip
        h.changeColsBounds(self.m, self.cols, *bounds)
        h.changeColsCost(self.m, self.cols, cost)
        h.run()
        stopped = h.getModelStatus() in (highspy.HighsModelStatus.kOptimal, _SOLUTION_LIMIT)
        if not (stopped and h.getInfo().primal_solution_status == _FEASIBLE):  # a node limit: maybe none
            return None
        seats: NDArray[np.int64] = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
        return seats


def decompose(
    prob: Problem,
    x: NDArray[np.float64],
    tol: float = 1e-7,
    row_tol: float = 1e-6,
    mip_nodes: int | None = None,
) -> tuple[list[NDArray[np.int64]], list[float], bool]:
    """Panel compositions and weights whose mixture is ``x`` (Caratheodory, one face at a time).

    ``x`` is a fractional composition (in the polytope of the quotas). Each step takes an integer
    composition ``c`` on the smallest face holding ``x`` (every bound tight at ``x`` kept tight),
    rounded from ``x`` in its unit box by tabu search, else anywhere on the face by HiGHS MIPs
    stopped at their first panel, or at ``mip_nodes`` nodes when given (:class:`_Rounder`), and
    writes ``x = (mu c + x') / (1 + mu)`` with ``x' = x + mu (x - c)`` pushed as far as the
    polytope allows: ``x'`` gains a tight bound, so there are at most as many steps as bounds.
    When the quotas' matrix is totally unimodular (two features) such a ``c`` always exists; with
    more features it almost always does. Returns ``(compositions, weights, complete)``; when no
    integer composition lies on a face (or none was found within ``mip_nodes``) the decomposition
    stops there, incomplete, and the column generation carries on from the panels found.
    """
    m = prob.m
    size = prob.type_size.astype(np.float64)
    A = prob.A.astype(np.float64)
    lo, hi = prob.lo.astype(np.float64), prob.hi.astype(np.float64)
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, size)
    rounder = _Rounder(prob, mip_nodes)
    comps: list[NDArray[np.int64]] = []
    weights: list[float] = []
    mass = 1.0
    at_zero = x <= tol
    at_full = x >= size - tol
    for _ in range(m + 2 * len(prob.quotas) + 1):
        counts = A @ x
        at_lo = counts <= lo + row_tol  # x comes from an LP: a row may miss its bound by ~1e-7
        at_hi = counts >= hi - row_tol
        row_lo, row_hi = np.where(at_hi, hi, lo), np.where(at_lo, lo, hi)
        rounder.set_rows(row_lo, row_hi)
        frac = x - np.floor(x)
        found = None
        for box in (True, False):
            lower = np.where(at_full, size, np.floor(x + tol) if box else 0.0)
            upper = np.where(at_zero, 0.0, np.ceil(x - tol) if box else size)
            found = rounder.round(lower, upper, frac - 0.5 if box else x / size, mips=not box)
            if found is not None:
                break
        if found is None:
            return comps, weights, False
        c = found
        d = x - c
        if np.abs(d).max() <= tol or mass < 1e-13:  # x is c, or what is left weighs nothing
            comps.append(c)
            weights.append(mass)
            return comps, weights, True
        # the largest step keeping x + mu d in the polytope (bounds already tight do not move)
        steps = [np.inf]
        down, up = (d < -tol) & ~at_zero, (d > tol) & ~at_full
        steps += list(x[down] / -d[down]) + list((size[up] - x[up]) / d[up])
        ad = A @ d
        rise, fall = (ad > 1e-12) & ~at_hi, (ad < -1e-12) & ~at_lo
        steps += list((hi[rise] - counts[rise]) / ad[rise]) + list((counts[fall] - lo[fall]) / -ad[fall])
        mu = float(min(steps))
        if not np.isfinite(mu) or mu <= 0:
            return comps, weights, False
        comps.append(c)
        weights.append(mass * mu / (1 + mu))
        mass /= 1 + mu
        x = np.clip(x + mu * d, 0.0, size)
        at_zero |= x <= tol
        at_full |= x >= size - tol
        x[at_zero] = 0.0
        x[at_full] = size[at_full]
    return comps, weights, False
