"""Benchmark of the panel lottery: leximin and maximin beside the sortition-algorithms package.

Runs on the three shared pools (../shared/data/sortition), two generated pools with
self-selection bias (400 volunteers for 40 seats with 6 features, 1,500 for 110 with 7), and seven
planted pools (``synthetic.planted_pool``, see ``PLANTED``: 1,000 for 75 and 2,000 for 150 with 6
and 8 features, three 1,500-for-110 pools with 7; quotas tight around the population shares,
feasible by construction). It prints, for each pool, the minimum selection probability, the wall
seconds and the CPU seconds (the solving process's own, threads included) of: our leximin, our
maximin, and sortition-algorithms' maximin with its HiGHS ("highspy") and CBC ("mip-cbc", through
python-mip) backends. Its leximin needs gurobipy (not installed: its pip licence only allows small
models), which the table says. Every solve runs in a child process stopped at ``--limit`` CPU
seconds (or six times as many wall seconds) and reported as a timeout: on a shared machine the
CPU seconds are the figure to read, wall seconds also measure the other work. A whole-run budget
(``--budget``, wall seconds) skips what is left once spent.

    .venv/bin/python benchmarks/panel.py [--quick] [--limit 120] [--pools generated_400_40 ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import math
import multiprocessing as mp
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from observatory.core.clikit import format_table
from observatory.panel.core.io import read_pool, read_quotas
from observatory.panel.core.lottery import Leximin, Maximin, Pool, Quota
from observatory.panel.core.synthetic import planted_pool, self_selected_pool

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sortition"
SHARED_POOLS = {
    "example_small_20": ("respondents.csv", "categories.csv", None, 20),
    "sf_fixture_22": ("candidates.csv", "features.csv", "nationbuilder_id", 22),
    "example_large_200": ("respondents.csv", "categories.csv", None, 200),
}


# generated pools feasible by construction (n, k, features, seed): 1,000 and 2,000 volunteers with
# 6 to 8 features, and three 1,500-for-110 pools of the size and shape of a real assembly
PLANTED = (
    (1000, 75, 6, 1),
    (1000, 75, 8, 1),
    (1500, 110, 7, 0),
    (1500, 110, 7, 1),
    (1500, 110, 7, 6),
    (2000, 150, 6, 1),
    (2000, 150, 8, 1),
)
WALL_FACTOR = 6  # wall seconds allowed per CPU second of --limit (the machine may be shared)


def shared_pool(name: str) -> tuple[Pool, list[Quota], int]:
    pool_file, quota_file, id_column, k = SHARED_POOLS[name]
    quotas = read_quotas(SHARED / name / quota_file)
    return read_pool(SHARED / name / pool_file, quotas, id_column), quotas.quotas, k


def generated_pool(n: int, k: int, n_features: int, seed: int) -> tuple[Pool, list[Quota], int]:
    """Volunteers who self-select (see :func:`self_selected_pool`), 2 to 5 values a feature."""
    pool, quotas = self_selected_pool(n, k, n_features, seed, max_values=5)
    return pool, quotas, k


def sortition_maximin(pool: Pool, quotas: list[Quota], k: int, backend: str) -> tuple[float, float, float]:
    from sortition_algorithms.committee_generation import find_distribution_maximin
    from sortition_algorithms.features import read_in_features
    from sortition_algorithms.people import read_in_people
    from sortition_algorithms.settings import Settings

    head = ["feature", "value", "min", "max"]
    body = [{"feature": q.feature, "value": q.value, "min": str(q.min), "max": str(q.max)} for q in quotas]
    fc, _, _ = read_in_features(head, body, k)
    names = list(dict.fromkeys(q.feature for q in quotas))
    settings = Settings(id_column="id", columns_to_keep=[], solver_backend=backend)
    rows = [{"id": i, **{f: pool.features[f][r] for f in names}} for r, i in enumerate(pool.ids)]
    people, _ = read_in_people(["id", *names], rows, fc, settings)
    for name in ("sortition_algorithms", "sortition_algorithms_user"):  # its progress lines
        logging.getLogger(name).setLevel(logging.WARNING)
    started, cpu = time.perf_counter(), time.process_time()
    committees, probabilities, _ = find_distribution_maximin(fc, people, k, [], backend)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    marginal = dict.fromkeys(pool.ids, 0.0)
    for committee, q in zip(committees, probabilities, strict=True):
        for member in committee:
            marginal[member] += q
    return min(marginal.values()), seconds, cpu


def _child(
    queue: Any, func: Callable[..., tuple[float, float, float]], args: tuple[Any, ...], cpu_limit: float
) -> None:
    # the limit is on the child's CPU seconds (its threads and CBC included): on a shared machine
    # wall seconds measure the other work too; SIGXCPU stops the child, reported as a timeout
    seconds = max(1, math.ceil(cpu_limit))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # CBC writes its log to the process's stdout, between the table's lines
    try:
        queue.put(func(*args))
    except Exception as exc:  # reported in the table, not raised: the other solves go on
        queue.put((f"failed: {type(exc).__name__}: {str(exc)[:40]}", "", ""))


def timed(
    func: Callable[..., tuple[float, float, float]], *args: Any, limit: float, wall: float
) -> tuple[Any, ...]:
    """``func(*args)`` -> (min p, seconds, CPU seconds) in a child process, or a timeout.

    The child may use ``limit`` CPU seconds and ``wall`` wall seconds.
    """
    queue: Any = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_child, args=(queue, func, args, limit))
    proc.start()
    proc.join(wall)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return "timeout (wall)", f">{wall:.0f}", ""
    try:
        return tuple(queue.get(timeout=5))
    except Exception:
        if proc.exitcode == -signal.SIGXCPU:
            return "timeout", "", f">{limit:.0f}"
        return f"failed (exit {proc.exitcode})", "", ""


def ours(method: str, pool: Pool, quotas: list[Quota], k: int) -> tuple[float, float, float]:
    model = Leximin(pool, quotas, k) if method == "leximin" else Maximin(pool, quotas, k)
    cpu = time.process_time()
    result = model.solve()
    return result.min_probability, result.seconds, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip CBC and the 1,500-volunteer pool")
    parser.add_argument("--limit", type=float, default=120.0, help="CPU seconds allowed per solve")
    parser.add_argument("--budget", type=float, default=3600.0, help="wall seconds for the whole run")
    parser.add_argument("--pools", nargs="*", help="only these pools")
    args = parser.parse_args()
    started = time.perf_counter()
    pools = {name: shared_pool(name) for name in SHARED_POOLS}
    pools["generated_400_40"] = generated_pool(400, 40, 6, seed=1)
    if not args.quick:
        pools["generated_1500_110"] = generated_pool(1500, 110, 7, seed=2)
    # feasible by construction (a planted panel), quotas tight around the population shares
    for n, k, features, seed in PLANTED:
        planted = planted_pool(n, k, features, seed)
        pools[f"planted_{n}_{k}_{features}f_s{seed}"] = (planted.pool, planted.quotas, k)
    if args.pools:
        pools = {name: pools[name] for name in args.pools}
    backends = ["highspy"] if args.quick else ["highspy", "mip-cbc"]
    has_gurobi = importlib.util.find_spec("gurobipy") is not None

    def run(func: Callable[..., tuple[float, float, float]], *fargs: Any) -> list[Any]:
        left = args.budget - (time.perf_counter() - started)
        if left < 5:
            return ["not run (budget)", "", ""]
        return list(timed(func, *fargs, limit=args.limit, wall=min(WALL_FACTOR * args.limit, left)))

    rows = []
    for name, (pool, quotas, k) in pools.items():
        types = len({tuple(pool.features[q.feature][i] for q in quotas) for i in range(pool.n)})
        row = [name, pool.n, k, types, *run(ours, "leximin", pool, quotas, k)]
        row += run(ours, "maximin", pool, quotas, k)
        for backend in backends:
            if backend.startswith("mip") and importlib.util.find_spec("mip") is None:
                row += ["needs python-mip", "", ""]  # its CBC backend goes through python-mip
                continue
            row += run(sortition_maximin, pool, quotas, k, backend)
        if len(backends) == 1:
            row += ["", "", ""]
        row += ["needs gurobipy" if not has_gurobi else "not run"]
        rows.append(row)
        print(f"done {name}", file=sys.stderr)
    headers = ["pool", "n", "k", "types"]
    for solver in ("our leximin", "our maximin", "SA maximin HiGHS", "SA maximin CBC"):
        headers += [f"{solver} min p", "s", "cpu s"]
    headers.append("SA leximin")

    def cell(column: int, v: Any) -> Any:
        if not isinstance(v, float):
            return v
        return f"{v:.9f}" if column in (4, 7, 10, 13) else f"{v:.2f}"

    print(format_table(headers, [[cell(c, v) for c, v in enumerate(r)] for r in rows]))
    done = [r for r in rows if isinstance(r[4], float) and isinstance(r[10], float)]
    ok = all(abs(r[4] - r[10]) < 1e-6 for r in done)
    print(f"\nour leximin's minimum = SA maximin's (to 1e-6) where both finished ({len(done)} pools): {ok}")
    for r in rows:
        if not isinstance(r[5], float):
            print(f"{r[0]}: our leximin did not finish ({r[4]})")
            continue
        theirs = [r[i] for i in (11, 14) if isinstance(r[i], float)]
        timeouts = [str(r[i - 1]).startswith("timeout") for i in (11, 14)]
        if theirs:
            verdict = "faster" if r[5] < min(theirs) else "SLOWER"
            print(f"{r[0]}: our leximin {r[5]:.2f} s vs SA maximin {min(theirs):.2f} s: {verdict}")
        elif any(timeouts):
            print(f"{r[0]}: our leximin {r[5]:.2f} s; SA maximin timed out")
    print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
