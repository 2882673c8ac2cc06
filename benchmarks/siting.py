"""Siting benchmark: Observatory (HiGHS) against spopt with CBC, and a Paris-sized instance.

(a) spopt's San Francisco instance (p = 4, 5,000 m) and 20 seeded random instances (200 demand
    points, 20-40 sites, p 2-5), all four models, solved by both in the same run. CBC gets
    ``CBC_LIMIT`` seconds per solve (``pulp.PULP_CBC_CMD(msg=False, timeLimit=...)``): spopt's
    p-center can run for minutes on 200 x 40; such solves are listed as "CBC time limit" and
    left out of the equality count and of the speed ratio (their capped time is a lower bound).
    Objectives must agree where CBC finished; the ratio is spopt / Observatory, wall clock and
    CPU (CBC is a child process: its CPU time is counted through ``RUSAGE_CHILDREN``).
(b) 5,000 demand cells and 500 candidate sites over Paris, p = 10, great-circle x 1.3: time to
    proven optimality for MCLP (radius 800 m) and p-median, with a 60 s limit (status and MIP
    gap are printed). Demand clustered around the north-east Paris scene plus background (the
    realistic case), and uniform over Paris (the hardest case for the p-median), both reported.
Run: .venv/bin/python benchmarks/siting.py   (about 5-9 minutes on the shared 2-core machine)
"""

from __future__ import annotations

import contextlib
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pulp

warnings.simplefilter("ignore")
from spopt.locate import LSCP as SLSCP  # noqa: E402
from spopt.locate import MCLP as SMCLP  # noqa: E402
from spopt.locate import PCenter as SPCenter  # noqa: E402
from spopt.locate import PMedian as SPMedian  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from observatory.core.clikit import format_table  # noqa: E402
from observatory.geo import pairwise_haversine_m  # noqa: E402
from observatory.siting.core.solver import InfeasibleError, solve_model  # noqa: E402
from siting._instance import load_sf  # noqa: E402

CBC_LIMIT = 10.0  # seconds per CBC solve
LIMIT_B = 60.0  # seconds per model in (b)
MODELS = ("mclp", "pmedian", "pcenter", "lscp")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def spopt_solve(model, costs, weights, radius, p):
    """(objective, finished): ``finished`` is False when CBC stopped at its time limit."""
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=CBC_LIMIT)
    if model == "mclp":
        m = SMCLP.from_cost_matrix(costs, weights, radius, p)
    elif model == "pmedian":
        m = SPMedian.from_cost_matrix(costs, weights, p)
    elif model == "pcenter":
        m = SPCenter.from_cost_matrix(costs, p)
    else:
        m = SLSCP.from_cost_matrix(costs, radius)
    with contextlib.suppress(RuntimeError):  # spopt refuses a time-limited run ("Not Solved")
        m.solve(solver)
    if m.problem.status == pulp.LpStatusInfeasible:
        return float("nan"), "infeasible"
    value = m.problem.objective.value()
    status = "optimal" if m.problem.sol_status == pulp.LpSolutionOptimal else "CBC time limit"
    return (float("nan") if value is None else float(value)), status


def solve_or_infeasible(model, costs, weights, radius, p):
    """Observatory's result, or None when the instance has no solution (LSCP out of reach)."""
    try:
        return solve_model(model, costs, weights, radius=radius, p=p)
    except InfeasibleError:
        return None


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), _cpu()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, _cpu() - cpu


def part_a():
    instances = []
    _, _, costs, weights, _ = load_sf(REPO.parent / "shared" / "data")
    instances.append(("spopt SF", costs, weights, 5000.0, 4))
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n_sites = int(rng.integers(20, 41))
        d = rng.uniform(0, 10_000, (200, 2))
        s = rng.uniform(0, 10_000, (n_sites, 2))
        c = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1])
        w = rng.integers(1, 100, 200).astype(float)
        instances.append((f"random {seed}", c, w, 3000.0, int(rng.integers(2, 6))))
    rows = []
    # per model: [equal, finished, wall ours, wall spopt, cpu ours, cpu spopt] over finished solves
    totals = {m: [0, 0, 0.0, 0.0, 0.0, 0.0] for m in MODELS}
    capped = dict.fromkeys(MODELS, 0)
    for name, c, w, radius, p in instances:
        for model in MODELS:
            ours, t_o, cpu_o = timed(solve_or_infeasible, model, c, w, radius, p)
            (theirs, status), t_t, cpu_t = timed(spopt_solve, model, c, w, radius, p)
            value = ours.objective if ours is not None else float("nan")
            ours_status = ours.status if ours is not None else "infeasible"
            if status != "CBC time limit":
                if status == "infeasible":
                    agree = ours_status == "infeasible"
                else:
                    agree = abs(value - theirs) <= 1e-6 * max(1.0, abs(theirs))
                equal = "yes" if agree else "NO"
                tot = totals[model]
                tot[0] += int(agree)
                tot[1] += 1
                tot[2] += t_o
                tot[3] += t_t
                tot[4] += cpu_o
                tot[5] += cpu_t
            else:
                capped[model] += 1
                equal = "ours better" if value < theirs - 1e-6 * abs(theirs) else "n/a"
                if model == "mclp":
                    equal = "ours better" if value > theirs + 1e-6 * abs(theirs) else "n/a"
            rows.append(
                [
                    name,
                    model,
                    p,
                    ours_status,
                    value,
                    theirs,
                    status,
                    equal,
                    t_o,
                    t_t,
                    t_t / t_o,
                    cpu_t / cpu_o,
                ]
            )
    print(
        f"(a) every solve (CBC limited to {CBC_LIMIT:g} s; times in seconds, ratios spopt / ours):"
    )
    print(
        format_table(
            [
                "instance",
                "model",
                "p",
                "ours",
                "observatory",
                "spopt_cbc",
                "cbc_status",
                "equal",
                "s_ours",
                "s_spopt",
                "wall_ratio",
                "cpu_ratio",
            ],
            rows,
        )
    )
    print()
    table = []
    for m, v in totals.items():
        table.append(
            [m, f"{v[0]}/{v[1]}", capped[m], v[2], v[3], v[3] / v[2], v[4], v[5], v[5] / v[4]]
        )
    s = [sum(v[i] for v in totals.values()) for i in range(6)]
    table.append(
        [
            "all",
            f"{s[0]}/{s[1]}",
            sum(capped.values()),
            s[2],
            s[3],
            s[3] / s[2],
            s[4],
            s[5],
            s[5] / s[4],
        ]
    )
    print(
        "(a) totals over the 21 instances, solves where CBC finished (capped solves not counted):"
    )
    print(
        format_table(
            [
                "model",
                "equal",
                "cbc_time_limit",
                "wall_ours",
                "wall_spopt",
                "wall_ratio",
                "cpu_ours",
                "cpu_spopt",
                "cpu_ratio",
            ],
            table,
        )
    )


def paris_instance(clustered: bool):
    rng = np.random.default_rng(2024)
    if clustered:
        hot = np.array(
            [
                [48.8843, 2.3678],
                [48.8878, 2.3642],
                [48.8990, 2.3625],
                [48.8985, 2.3705],
                [48.8975, 2.3900],
            ]
        )
        k = rng.integers(0, len(hot), 3500)
        lat = np.concatenate(
            [hot[k, 0] + rng.normal(0, 0.006, 3500), rng.uniform(48.816, 48.902, 1500)]
        )
        lon = np.concatenate(
            [hot[k, 1] + rng.normal(0, 0.009, 3500), rng.uniform(2.25, 2.42, 1500)]
        )
    else:
        lat = rng.uniform(48.816, 48.902, 5000)
        lon = rng.uniform(2.25, 2.42, 5000)
    w = np.round(rng.lognormal(1.0, 1.0, 5000)) + 1
    slat = rng.uniform(48.816, 48.902, 500)
    slon = rng.uniform(2.25, 2.42, 500)
    return pairwise_haversine_m(lat, lon, slat, slon) * 1.3, w


def part_b():
    rows = []
    for label, clustered in (("clustered (NE scene)", True), ("uniform", False)):
        costs, w = paris_instance(clustered)
        for model in ("mclp", "pmedian"):
            r, wall, cpu = timed(
                solve_model, model, costs, w, radius=800.0, p=10, time_limit=LIMIT_B
            )
            closed = getattr(r, "closed_by_bound", "")
            rows.append([label, model, r.status, r.objective, r.bound, r.gap, closed, wall, cpu])
    print(
        f"(b) Paris-sized instances, 5,000 cells x 500 sites, p = 10 (limit {LIMIT_B:g} s per model):"
    )
    print(
        format_table(
            [
                "demand",
                "model",
                "status",
                "objective",
                "bound",
                "gap",
                "sites_closed_by_bound",
                "wall_s",
                "cpu_s",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    started = time.perf_counter()
    part_a()
    print()
    part_b()
    print(f"\ntotal {time.perf_counter() - started:.0f} s wall")
