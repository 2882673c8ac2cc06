"""Benchmark of the release engine on a simulated Paris year: what the noise costs the analysis,
and what it leaves an attacker.

For each monthly epsilon, every month of the year is released as the engine does (discrete
Laplace on every cell of the city's domain, threshold, non-negative integers), then:

- hot cells: Gi* (1 ring of H3 neighbours, FDR at 0.05) on the released counts against Gi* on
  the exact counts: recall and precision over the year's cell-months;
- error: median and 90th percentile of |released - exact| / exact for cells with 20 or more
  reports in the month (shown or not: a hidden busy cell is an error of 100 %);
- attacker: the share of cell-days holding 1 to 4 reports whose exact count the window-stepping
  attack of tests/releases/test_attacks.py recovers (it sees whole released months only).

The default is the lowest epsilon that keeps recall and precision at 0.9 or more.
Run: ``.venv/bin/python benchmarks/privacy.py [--days 365] [--seed 2021]``.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import h3
import numpy as np

from observatory.analysis.core.grids import H3Grid
from observatory.analysis.core.hotspots import HOT, gi_star_weights
from observatory.core.clikit import format_table
from observatory.geo.core.cities import load_city
from observatory.releases import core
from observatory.simulation.core.model import Simulation
from observatory.simulation.core.scenario import load_scenario

EPSILONS = (0.25, 0.5, 1.0, 2.0, 3.0, 4.0)
CATEGORIES = 12  # the per-category histogram's domain, as in the app's default categories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()

    started = time.perf_counter()
    scenario = load_scenario("paris").with_overrides(days=args.days, seed=args.seed)
    reports = Simulation(scenario).run().reports
    simulate_s = time.perf_counter() - started
    cells = core.domain_cells(load_city("paris").bbox, 9)
    index = {c: i for i, c in enumerate(cells)}
    day = reports.observed_at.astype("datetime64[D]")
    month = reports.observed_at.astype("datetime64[M]")
    cell_of = np.array(
        [index.get(h3.latlng_to_cell(a, b, 9), -1) for a, b in zip(reports.lat, reports.lon, strict=True)]
    )
    inside = cell_of >= 0
    months = np.unique(month[inside])
    grid = H3Grid(9, cells)
    weights = grid.disk_weights(1)

    exact_by_month = {m: np.bincount(cell_of[inside & (month == m)], minlength=len(cells)) for m in months}
    hot_exact = {m: gi_star_weights(v, weights).classes == HOT for m, v in exact_by_month.items()}
    cell_days: dict[tuple[int, np.datetime64], int] = defaultdict(int)
    for c, d in zip(cell_of[inside], day[inside], strict=True):
        cell_days[(int(c), d)] += 1
    small = {k: v for k, v in cell_days.items() if 1 <= v <= 4}

    rows = []
    for eps in EPSILONS:
        scale = core.histogram_scale(eps)
        t = core.threshold(scale, len(cells), 0.5, 5)
        tp = fp = fn = 0
        errors: list[float] = []
        recovered = 0
        for m, exact in exact_by_month.items():
            released = core.shown(core.noisy_counts(exact, scale), t)
            hot = gi_star_weights(released, weights).classes == HOT
            tp += int(np.sum(hot & hot_exact[m]))
            fp += int(np.sum(hot & ~hot_exact[m]))
            fn += int(np.sum(~hot & hot_exact[m]))
            busy = exact >= 20
            errors += list(np.abs(released[busy] - exact[busy]) / exact[busy])
            # The attacker's day-by-day differencing sees a month at once, on its last day.
            last = (m + 1).astype("datetime64[D]") - 1
            for c in np.flatnonzero(released):
                if small.get((int(c), last)) == int(released[c]):
                    recovered += 1
        rows.append(
            [
                eps,
                t,
                tp / max(tp + fn, 1),
                tp / max(tp + fp, 1),
                float(np.median(errors)) if errors else float("nan"),
                float(np.percentile(errors, 90)) if errors else float("nan"),
                recovered / max(len(small), 1),
            ]
        )
    print(
        f"Paris scenario, {args.days:g} days, seed {args.seed}: {len(reports):,} reports, "
        f"{len(months)} months, "
        f"{len(cells):,} cells in the domain, {len(small):,} cell-days with 1-4 reports "
        f"(simulation {simulate_s:.1f} s, total {time.perf_counter() - started:.1f} s)"
    )
    headers = [
        "month epsilon",
        "threshold",
        "hot recall",
        "hot precision",
        "err median",
        "err p90",
        "small recovered",
    ]
    print(format_table(headers, rows))


if __name__ == "__main__":
    main()
