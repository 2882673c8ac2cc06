"""Benchmark of the hourly alerts run (``observatory.alerts.core.detector.detect``) on a year of data.

Cases: the simulated Paris year (about 2,300 reports and 1,000 round visits), and the same year
with city-wide background reports added (10 and 50 times as many, spread over Paris) for a city
where reports are many and everywhere. Each case times 48 hourly runs spread over the year (one
run reads the last 35 days) and prints the median and the slowest, with the replicates actually
drawn (sequential Monte Carlo stops early in quiet hours). "cpu s" tells a slow run from a busy
machine. Run: ``.venv/bin/python benchmarks/alerts.py``.
"""

from __future__ import annotations

import time

import h3
import numpy as np

from observatory.alerts.core.detector import AlertSettings, detect
from observatory.alerts.core.validation import data_of
from observatory.core.clikit import format_table
from observatory.simulation.core.model import Simulation
from observatory.simulation.core.scenario import load_scenario


def main() -> None:
    result = Simulation(load_scenario("paris").with_overrides(days=365)).run()
    base = data_of(result)
    s = AlertSettings()
    rng = np.random.default_rng(1)
    rows = []
    for factor in (0, 10, 50):
        extra = len(base.report_hours) * factor
        lat = np.r_[base.report_lat, rng.uniform(48.82, 48.90, extra)]
        lon = np.r_[base.report_lon, rng.uniform(2.26, 2.41, extra)]
        hours = np.r_[base.report_hours, rng.uniform(0, 365 * 24, extra)]
        cells = np.array(
            [h3.latlng_to_cell(a, b, s.resolution) for a, b in zip(lat, lon, strict=True)], dtype=object
        )
        order = np.argsort(hours)
        cells, hours = cells[order], hours[order]
        times, cpus = [], []
        for now in np.linspace(40 * 24, 364 * 24, 48).round():
            lo = np.searchsorted(hours, now - s.history_hours)
            hi = np.searchsorted(hours, now, side="right")
            t0, c0 = time.perf_counter(), time.process_time()
            detect(
                cells[lo:hi],
                hours[lo:hi],
                float(now),
                s,
                round_areas=base.round_areas,
                round_hours=base.round_hours,
                round_people=base.round_people,
            )
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        per_run = int(
            np.median(
                [
                    np.count_nonzero((hours > n - s.history_hours) & (hours <= n))
                    for n in np.linspace(40 * 24, 364 * 24, 8)
                ]
            )
        )
        rows.append(
            [
                "Paris year" + (f" + {factor}x city-wide" if factor else ""),
                len(hours),
                per_run,
                f"{np.median(times):.3f}",
                f"{max(times):.3f}",
                f"{np.median(cpus):.3f}",
            ]
        )
    print(
        format_table(["data", "reports in the year", "reports per run", "median s", "max s", "cpu s"], rows)
    )


if __name__ == "__main__":
    main()
