"""The alerts on simulated truth: detection delay of planted rises, false alarms on a quiet year.

Pure (no Django). The data are the simulated Paris scene (``observatory.simulation``) *without its
police operations*: a quiet year in which the scene stays where it is, so every alert is a false
alarm. A planted rise adds reports around a point from a start time on, at ``per_day`` reports a
day (a Poisson process, times uniform over the hours, positions Gaussian around the point), on
top of the quiet year's own reports. :func:`detect` (the app's hourly run, ``detector.py``) runs
every hour as it would in production, and episodes are folded the way the service de-duplicates
them. The detection delay is the hours from the planted start to the first new alert whose areas
include the planted point's area (res-8 cell) or one of its neighbours.

    python -m observatory.alerts.core.validation [--days 365] [--seed 2019] > figures.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import h3
import numpy as np
from numpy.typing import NDArray

from observatory.alerts.core.detector import AlertSettings, Episode, Signal, detect, track
from observatory.geo.core.projection import MetricProjection
from observatory.simulation.core.model import Simulation, SimulationResult
from observatory.simulation.core.scenario import Scenario, load_scenario, scenario_from_dict

WARM_UP_DAYS = 28  # the scan's study period: no run before a full history exists
PLANT_DAYS = 7.0  # a planted rise lasts a week (a search stops earlier, on the same reports)


@dataclass
class Data:
    """Events of a run as the detector reads them (hours since the run's start)."""

    report_lat: NDArray[np.float64]
    report_lon: NDArray[np.float64]
    report_hours: NDArray[np.float64]
    round_lat: NDArray[np.float64]
    round_lon: NDArray[np.float64]
    round_hours: NDArray[np.float64]
    round_people: NDArray[np.float64]
    days: float
    report_cells: NDArray[np.object_] = field(init=False)
    round_areas: NDArray[np.object_] = field(init=False)
    settings: AlertSettings = field(default_factory=AlertSettings)

    def __post_init__(self) -> None:
        self.index()

    def index(self) -> None:
        order = np.argsort(self.report_hours, kind="stable")
        self.report_lat, self.report_lon = self.report_lat[order], self.report_lon[order]
        self.report_hours = self.report_hours[order]
        r = self.settings.resolution
        a = self.settings.area_resolution
        self.report_cells = np.array(
            [h3.latlng_to_cell(la, lo, r) for la, lo in zip(self.report_lat, self.report_lon, strict=True)],
            dtype=object,
        )
        self.round_areas = np.array(
            [h3.latlng_to_cell(la, lo, a) for la, lo in zip(self.round_lat, self.round_lon, strict=True)],
            dtype=object,
        )

    def run(self, now_hours: float, seed: int = 0) -> list[Signal]:
        s = self.settings
        s = replace(s, scan=replace(s.scan, seed=seed))
        lo = np.searchsorted(self.report_hours, now_hours - s.history_hours)
        hi = np.searchsorted(self.report_hours, now_hours, side="right")
        return detect(
            self.report_cells[lo:hi],
            self.report_hours[lo:hi],
            now_hours,
            s,
            round_areas=self.round_areas,
            round_hours=self.round_hours,
            round_people=self.round_people,
        )


def quiet_paris(days: float = 365, seed: int = 2019) -> Scenario:
    """The built-in Paris scene without its police operations: nobody is moved, nothing emerges."""
    data = load_scenario("paris").model_dump()
    data["operations"] = []
    data["duration_days"] = days
    data["seed"] = seed
    return scenario_from_dict(data)


def data_of(result: SimulationResult, settings: AlertSettings | None = None) -> Data:
    start = result.timeline.times[0].astype("datetime64[s]").astype(np.int64)
    hours = (result.reports.observed_at.astype("datetime64[s]").astype(np.int64) - start) / 3600.0
    r_hours = (result.rounds.start.astype("datetime64[s]").astype(np.int64) - start) / 3600.0
    places = result.scenario.places
    return Data(
        result.reports.lat.astype(np.float64),
        result.reports.lon.astype(np.float64),
        hours.astype(np.float64),
        np.array([places[p].lat for p in result.rounds.place], dtype=np.float64),
        np.array([places[p].lon for p in result.rounds.place], dtype=np.float64),
        r_hours.astype(np.float64),
        result.rounds.people_seen.astype(np.float64),
        float(result.scenario.duration_days),
        settings=settings or AlertSettings(),
    )


def planted(
    data: Data,
    lat: float,
    lon: float,
    start_hours: float,
    per_day: float,
    days: float = 7.0,
    spread_m: float = 60.0,
    seed: int = 0,
) -> Data:
    """``data`` plus a rise: Poisson(per_day * days) reports around (lat, lon) from ``start_hours``."""
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(per_day * days))
    proj = MetricProjection.for_points([lat], [lon])
    x0, y0 = proj.forward([lat], [lon])
    la, lo = proj.inverse(x0[0] + rng.normal(0, spread_m, n), y0[0] + rng.normal(0, spread_m, n))
    hours = start_hours + rng.uniform(0, days * 24, n)
    return Data(
        np.r_[data.report_lat, la],
        np.r_[data.report_lon, lo],
        np.r_[data.report_hours, hours],
        data.round_lat,
        data.round_lon,
        data.round_hours,
        data.round_people,
        data.days,
        settings=data.settings,
    )


def hourly(
    data: Data,
    start_hours: float,
    end_hours: float,
    episodes: list[Episode] | None = None,
    stop_when: Callable[[Episode], bool] | None = None,
) -> tuple[list[Episode], int]:
    """Run every hour from start to end; returns all episodes and the number of runs."""
    episodes = [] if episodes is None else episodes
    runs = 0
    now = start_hours
    while now <= end_hours:
        new = track(episodes, data.run(now, seed=int(now)), now, data.settings.dedupe_hours)
        runs += 1
        if stop_when is not None and any(stop_when(e) for e in new):
            break
        now += 1.0
    return episodes, runs


def false_alarms(data: Data, start_day: float = WARM_UP_DAYS, end_day: float | None = None) -> dict[str, Any]:
    """Alerts per 30 days on a quiet run (every alert there is a false alarm)."""
    end_day = data.days if end_day is None else end_day
    t0 = time.perf_counter()
    episodes, runs = hourly(data, start_day * 24, end_day * 24 - 1)
    months = (end_day - start_day) / 30.0
    kinds = {k: sum(1 for e in episodes if e.kind == k) for k in ("cluster", "rise", "rounds")}
    return {
        "days": end_day - start_day,
        "runs": runs,
        "alerts": len(episodes),
        "per_month": len(episodes) / months,
        "by_kind": kinds,
        "alerts_list": [
            {
                "kind": e.kind,
                "day": round(e.first_hours / 24, 2),
                "areas": sorted(e.areas),
                "observed": e.signal.observed,
                "expected": round(e.signal.expected, 2),
                "recurrence_days": round(min(e.signal.recurrence_days, 1e9), 1),
            }
            for e in episodes
        ],
        "seconds": time.perf_counter() - t0,
    }


def _near(area: str) -> set[str]:
    return {str(c) for c in h3.grid_disk(area, 1)}


def detection_delay(
    data: Data,
    lat: float,
    lon: float,
    start_day: float,
    per_day: float,
    max_hours: float = 168.0,
    seed: int = 0,
) -> float | None:
    """Hours from a planted rise's start to its first alert (None: not found within max_hours)."""
    area = h3.latlng_to_cell(lat, lon, data.settings.area_resolution)
    near = _near(area)
    start = start_day * 24
    with_rise = planted(data, lat, lon, start, per_day, days=PLANT_DAYS, seed=seed)
    # Episodes already open before the rise (false alarms nearby) are carried in, as in production.
    before, _ = hourly(with_rise, start - data.settings.dedupe_hours, start - 1)
    before = [e for e in before if e.last_hours >= start - data.settings.dedupe_hours]
    found: list[float] = []

    def hit(e: Episode) -> bool:
        if e.areas & near:
            found.append(e.first_hours)
            return True
        return False

    hourly(with_rise, start, start + max_hours, episodes=before, stop_when=hit)
    return found[0] - start if found else None


# Where rises are planted in the validation: the busiest place (a rise where there already is a
# scene), a quieter one, and a new spot with no scene of its own (a square 1.5 km away).
PLANT_SITES = {
    "stalingrad (busy place)": (48.8843, 2.3678),
    "colline (hidden place)": (48.8990, 2.3625),
    "new spot (no scene before)": (48.8800, 2.3480),
}


def start_days(data: Data, starts: int) -> list[float]:
    """The planted rises' start days: spread evenly over the year after the warm-up."""
    first = WARM_UP_DAYS + data.settings.dedupe_hours / 24 + 1
    return [float(d) for d in np.linspace(first, data.days - 8, starts)]


def delay_table(
    data: Data,
    rates: tuple[float, ...] = (2.0, 4.0, 8.0),
    starts: int = 6,
    sites: dict[str, tuple[float, float]] | None = None,
) -> list[dict[str, Any]]:
    """Median and worst detection delay per site and planted rate, over ``starts`` start days."""
    sites = PLANT_SITES if sites is None else sites
    days = start_days(data, starts)
    rows = []
    for name, (lat, lon) in sites.items():
        for rate in rates:
            delays = [detection_delay(data, lat, lon, d, rate, seed=i) for i, d in enumerate(days)]
            got = [d for d in delays if d is not None]
            rows.append(
                {
                    "site": name,
                    "per_day": rate,
                    "planted": len(delays),
                    "found": len(got),
                    "median_hours": float(np.median(got)) if got else None,
                    "max_hours": float(max(got)) if got else None,
                    "delays": delays,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--starts", type=int, default=6)
    parser.add_argument("--threshold-days", type=float, help="recurrence interval that raises an alert")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    settings = AlertSettings()
    if args.threshold_days:
        settings = replace(settings, threshold_days=args.threshold_days)
    data = data_of(Simulation(quiet_paris(args.days, args.seed)).run(), settings)
    out = {
        "scenario": "paris without operations",
        "days": args.days,
        "seed": args.seed,
        "reports": len(data.report_hours),
        "round_visits": len(data.round_hours),
        "settings": {
            "threshold_days": data.settings.threshold_days,
            "replicates": data.settings.scan.replicates,
        },
        "false_alarms": false_alarms(data),
        "delays": delay_table(data, starts=args.starts),
        "seconds": time.perf_counter() - t0,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
