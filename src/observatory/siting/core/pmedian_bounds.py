"""An incumbent and a lower bound for the uncapacitated p-median (pure: no Django).

:func:`_pmedian_heuristic` is greedy + interchange; :func:`_pmedian_lagrangian` the Lagrangian
relaxation of the assignment rows, whose bound closes (or forces open) the sites which cannot be
in (or out of) a solution better than the incumbent. :class:`~.pmedian.PMedian` runs both before
HiGHS on large instances.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray

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
    near, vals, cap, u = _lagrangian_start(costs, weights, p, allowed, incumbent)

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
            shut, keep = _lagrangian_fixing(rho_b, best_u, fixed, free, n_free, in_incumbent, upper + tol)
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


def _lagrangian_start(
    costs: NDArray[np.float64],
    weights: NDArray[np.float64],
    p: int,
    allowed: NDArray[np.bool_],
    incumbent: NDArray[np.int64],
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Each point's sparse list of sites ``near`` with their weighted costs ``vals``, the cap on
    its multiplier and the first multipliers (above the incumbent's cost, within the cap).

    Each point keeps its K ~ 4 m / p cheapest allowed sites; capping u_i at the K-th cost keeps
    the relaxation exact on this sparse list (any u gives a valid bound), ~m/K times faster.
    """
    m = costs.shape[1]
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
    return near, vals, cap, u


def _lagrangian_fixing(
    rho: NDArray[np.float64],
    mult: NDArray[np.float64],
    fixed: NDArray[np.bool_],
    free: NDArray[np.int64],
    n_free: int,
    in_incumbent: NDArray[np.bool_],
    limit: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The free sites to close (opening one lifts the bound above ``limit``) and to force open
    (closing one does), from the sites' relaxed costs ``rho`` at the multipliers ``mult``. Sites
    of the incumbent are never closed; only they are forced open."""
    order = free[np.argsort(rho[free], kind="stable")]
    base = float(mult.sum() + rho[fixed].sum() + rho[order[:n_free]].sum())
    last_in, first_out = rho[order[n_free - 1]], rho[order[n_free]]
    out, inn = order[n_free:], order[:n_free]
    shut = out[(base - last_in + rho[out] > limit) & ~in_incumbent[out]]
    keep = inn[(base - rho[inn] + first_out > limit) & in_incumbent[inn]]
    return shut, keep
