"""Benchmark of the panel lottery: leximin and maximin beside the sortition-algorithms package.

Runs on the three shared pools (../shared/data/sortition) and on two generated pools with
self-selection bias (400 volunteers for 40 seats with 6 features, 1,500 for 110 with 7), and
prints, for each pool, the minimum selection probability and the seconds of:
our leximin, our maximin, and sortition-algorithms' maximin with its HiGHS ("highspy") and CBC
("mip-cbc") backends. Its leximin needs gurobipy (not installed: its pip licence only allows
small models), which the table says.

    .venv/bin/python benchmarks/panel.py [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from observatory.clikit import format_table
from observatory.panel.io import read_pool, read_quotas
from observatory.panel.lottery import Leximin, Maximin, Pool, Quota

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sortition"
SHARED_POOLS = {
    "example_small_20": ("respondents.csv", "categories.csv", None, 20),
    "sf_fixture_22": ("candidates.csv", "features.csv", "nationbuilder_id", 22),
    "example_large_200": ("respondents.csv", "categories.csv", None, 200),
}


def shared_pool(name: str) -> tuple[Pool, list[Quota], int]:
    pool_file, quota_file, id_column, k = SHARED_POOLS[name]
    quotas = read_quotas(SHARED / name / quota_file)
    return read_pool(SHARED / name / pool_file, quotas, id_column), quotas.quotas, k


def generated_pool(n: int, k: int, n_features: int, seed: int) -> tuple[Pool, list[Quota], int]:
    """Volunteers who self-select: response propensity rises with the value's index.

    Population shares are random; each feature value ``j`` of ``v`` has response weight
    ``1 + 2 j / (v - 1)`` (the last value answers three times as often as the first). Quotas are
    the population share of the ``k`` seats, rounded down minus one and up plus one.
    """
    rng = np.random.default_rng(seed)
    features: dict[str, list[str]] = {}
    quotas: list[Quota] = []
    for f in range(n_features):
        v = int(rng.integers(2, 6))
        share = rng.dirichlet(np.full(v, 4.0))
        response = share * (1 + 2 * np.arange(v) / (v - 1))
        response /= response.sum()
        values = rng.choice(v, size=n, p=response)
        name = f"f{f}"
        features[name] = [f"v{x}" for x in values]
        for j in range(v):
            target = share[j] * k
            quotas.append(Quota(name, f"v{j}", max(0, int(np.floor(target)) - 1), int(np.ceil(target)) + 1))
    return Pool([f"g{i}" for i in range(n)], features), quotas, k


def sortition_maximin(pool: Pool, quotas: list[Quota], k: int, backend: str) -> tuple[float, float]:
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
    started = time.perf_counter()
    committees, probabilities, _ = find_distribution_maximin(fc, people, k, [], backend)
    seconds = time.perf_counter() - started
    marginal = dict.fromkeys(pool.ids, 0.0)
    for committee, q in zip(committees, probabilities, strict=True):
        for member in committee:
            marginal[member] += q
    return min(marginal.values()), seconds


def _child(queue: Any, func: Callable[..., tuple[float, float]], args: tuple[Any, ...]) -> None:
    queue.put(func(*args))


def timed(func: Callable[..., tuple[float, float]], *args: Any, limit: float) -> tuple[Any, Any]:
    """``func(*args)`` -> (min p, seconds) in a child process, or ("timeout", limit)."""
    queue: Any = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_child, args=(queue, func, args))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return "timeout", f">{limit:g}"
    return queue.get() if not queue.empty() else ("failed", "")


def ours(method: str, pool: Pool, quotas: list[Quota], k: int) -> tuple[float, float]:
    model = Leximin(pool, quotas, k) if method == "leximin" else Maximin(pool, quotas, k)
    result = model.solve()
    return result.min_probability, result.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip CBC and the 1,500-volunteer pool")
    parser.add_argument("--limit", type=float, default=240.0, help="seconds allowed per solve")
    args = parser.parse_args()
    pools = {name: shared_pool(name) for name in SHARED_POOLS}
    pools["generated_400_40"] = generated_pool(400, 40, 6, seed=1)
    if not args.quick:
        pools["generated_1500_110"] = generated_pool(1500, 110, 7, seed=2)
    backends = ["highspy"] if args.quick else ["highspy", "mip-cbc"]
    has_gurobi = importlib.util.find_spec("gurobipy") is not None
    rows = []
    for name, (pool, quotas, k) in pools.items():
        types = len({tuple(pool.features[q.feature][i] for q in quotas) for i in range(pool.n)})
        lex = timed(ours, "leximin", pool, quotas, k, limit=args.limit)
        mm = timed(ours, "maximin", pool, quotas, k, limit=args.limit)
        row = [name, pool.n, k, types, *lex, *mm]
        for backend in backends:
            if backend.startswith("mip") and importlib.util.find_spec("mip") is None:
                row += ["needs python-mip", ""]  # its CBC backend goes through python-mip
                continue
            row += list(timed(sortition_maximin, pool, quotas, k, backend, limit=args.limit))
        if len(backends) == 1:
            row += ["", ""]
        row += ["needs gurobipy" if not has_gurobi else "not run"]
        rows.append(row)
        print(f"done {name}", file=sys.stderr)
    headers = [
        "pool",
        "n",
        "k",
        "types",
        "our leximin min p",
        "s",
        "our maximin min p",
        "s",
        "SA maximin HiGHS min p",
        "s",
        "SA maximin CBC min p",
        "s",
        "SA leximin",
    ]
    print(
        format_table(
            headers, [[round(v, 2) if isinstance(v, float) and v > 1 else v for v in r] for r in rows]
        )
    )
    done = [r for r in rows if isinstance(r[4], float) and isinstance(r[8], float)]
    ok = all(abs(r[4] - r[8]) < 1e-4 for r in done)
    print(f"\nminimum probabilities equal (to 1e-4) where both finished ({len(done)} pools): {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
