"""Siting benchmark: Observatory (HiGHS) against spopt with CBC, and a Paris-sized instance.

(a) spopt's San Francisco instance (p = 4, 5,000 m) and 20 seeded random instances (200 demand
    points, 20-40 sites, p 2-5), all four models, solved by both in the same run: objectives
    must agree; the time ratio is spopt / Observatory (wall clock, model building included).
(b) 5,000 demand cells (clustered around the north-east Paris scene plus background) and 500
    candidate sites over Paris, p = 10, great-circle x 1.3: time to proven optimality for MCLP
    (radius 800 m) and p-median, with a 60 s limit (the MIP gap is printed when reached).
Run: .venv/bin/python benchmarks/siting.py
"""

from __future__ import annotations

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
from observatory.clikit import format_table  # noqa: E402
from observatory.geo import pairwise_haversine_m  # noqa: E402
from observatory.siting.solver import solve_model  # noqa: E402
from siting._instance import load_sf  # noqa: E402

# CBC gets a time limit: spopt's p-center formulation can run for minutes on 200 x 40.
CBC_LIMIT = 20


def spopt_solve(model, costs, weights, radius, p):
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=CBC_LIMIT)
    if model == "mclp":
        m = SMCLP.from_cost_matrix(costs, weights, radius, p)
    elif model == "pmedian":
        m = SPMedian.from_cost_matrix(costs, weights, p)
    elif model == "pcenter":
        m = SPCenter.from_cost_matrix(costs, p)
    else:
        m = SLSCP.from_cost_matrix(costs, radius)
    return m.solve(solver).problem.objective.value()


def compare(costs, weights, radius, p):
    out = {}
    for model in ("mclp", "pmedian", "pcenter", "lscp"):
        t = time.perf_counter()
        ours = solve_model(model, costs, weights, radius=radius, p=p).objective
        t_ours = time.perf_counter() - t
        t = time.perf_counter()
        theirs = spopt_solve(model, costs, weights, radius, p)
        t_theirs = time.perf_counter() - t
        out[model] = (ours, theirs, t_ours, t_theirs)
    return out


def part_a():
    rows = []
    totals = {m: [0.0, 0.0, 0] for m in ("mclp", "pmedian", "pcenter", "lscp")}
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
    for name, c, w, radius, p in instances:
        res = compare(c, w, radius, p)
        for model, (ours, theirs, t_o, t_t) in res.items():
            agree = abs(ours - theirs) <= 1e-4 * max(1.0, abs(theirs))
            totals[model][0] += t_o
            totals[model][1] += t_t
            totals[model][2] += int(agree)
            if name == "spopt SF" or not agree:
                rows.append([name, model, p, ours, theirs, agree, t_o, t_t, t_t / t_o])
    print("(a) per instance (SF, and any disagreement):")
    print(
        format_table(
            ["instance", "model", "p", "observatory", "spopt_cbc", "equal", "s_ours", "s_spopt", "ratio"],
            rows,
        )
    )
    print()
    total = [[m, f"{v[2]}/21", v[0], v[1], v[1] / v[0]] for m, v in totals.items()]
    t_o = sum(v[0] for v in totals.values())
    t_t = sum(v[1] for v in totals.values())
    total.append(["all", f"{sum(v[2] for v in totals.values())}/84", t_o, t_t, t_t / t_o])
    print("(a) totals over the 21 instances:")
    print(format_table(["model", "equal", "s_observatory", "s_spopt_cbc", "speed_ratio"], total))


def part_b():
    rng = np.random.default_rng(2024)
    hot = np.array(
        [[48.8843, 2.3678], [48.8878, 2.3642], [48.8990, 2.3625], [48.8985, 2.3705], [48.8975, 2.3900]]
    )
    k = rng.integers(0, len(hot), 3500)
    lat = np.concatenate([hot[k, 0] + rng.normal(0, 0.006, 3500), rng.uniform(48.816, 48.902, 1500)])
    lon = np.concatenate([hot[k, 1] + rng.normal(0, 0.009, 3500), rng.uniform(2.25, 2.42, 1500)])
    w = np.round(rng.lognormal(1.0, 1.0, 5000)) + 1
    slat = rng.uniform(48.816, 48.902, 500)
    slon = rng.uniform(2.25, 2.42, 500)
    costs = pairwise_haversine_m(lat, lon, slat, slon) * 1.3
    rows = []
    for model in ("mclp", "pmedian"):
        t = time.perf_counter()
        r = solve_model(model, costs, w, radius=800.0, p=10, time_limit=60.0)
        rows.append([model, r.status, r.objective, r.gap, time.perf_counter() - t])
    print("(b) Paris-sized instance, 5,000 cells x 500 sites, p = 10 (limit 60 s):")
    print(format_table(["model", "status", "objective", "gap", "seconds"], rows))


if __name__ == "__main__":
    part_a()
    print()
    part_b()
