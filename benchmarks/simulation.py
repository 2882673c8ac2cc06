"""Benchmark of the simulated city: one year of 2,000 people over 30 places at 15-minute steps.

Target (issue 8): under 30 s and under 2 GB. Each case runs in its own process so that its peak
resident memory (ru_maxrss) is its own. "simulate s" is wall-clock time; "cpu s" the process's CPU
time, which tells a slow run from a busy machine. Run: ``.venv/bin/python benchmarks/simulation.py``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

from observatory.core.clikit import format_table


def synthetic_city(people: int, places: int, days: float, seed: int = 1) -> dict[str, Any]:
    """A city of ``places`` scene places within ~3 km of Stalingrad, with parks, dealing points,
    clearances, two consumption rooms, outreach and reporting."""
    rng = np.random.default_rng(seed)
    lat = 48.8843 + rng.uniform(-0.02, 0.02, places)
    lon = 2.3678 + rng.uniform(-0.03, 0.03, places)
    place_list = []
    for i in range(places):
        place: dict[str, Any] = {
            "id": f"p{i:02d}",
            "lat": float(lat[i]),
            "lon": float(lon[i]),
            "attractiveness": float(rng.uniform(0.5, 3.0)),
            "capacity": int(rng.integers(50, 300)),
            "visibility": float(rng.uniform(0.2, 1.0)),
            "residential_density": float(rng.uniform(2000, 35000)),
        }
        if i % 5 == 0:  # a park that closes in the evening
            place["opening_hours"] = ["07:00-21:30"]
        place_list.append(place)
    return {
        "name": f"synthetic-{places}",
        "start": "2023-01-01",
        "duration_days": days,
        "seed": seed,
        "places": place_list,
        "dealing_points": [{"place": f"p{i:02d}", "attraction": 1.0} for i in range(0, places, 7)],
        "population": {"size": people, "walk_scale_m": 800, "return_half_life_days": 10},
        "routines": [
            {"name": "day", "share": 0.5, "hours": ["10:00-02:00"], "level": 0.8, "uses_per_day": 6},
            {"name": "night", "share": 0.3, "hours": ["18:00-06:00"], "level": 0.85, "uses_per_day": 8},
            {"name": "occasional", "share": 0.2, "hours": ["14:00-20:00"], "level": 0.5, "uses_per_day": 2},
        ],
        "operations": [
            {"place": f"p{i:02d}", "start": f"2023-{2 + 2 * k:02d}-10", "days": 30}
            for k, i in enumerate(range(1, places, max(1, places // 4)))
        ],
        "rooms": [
            {"id": "room-a", "lat": 48.8826, "lon": 2.3528, "opening_hours": ["13:30-20:30"], "share": 0.3},
            {
                "id": "room-b",
                "lat": 48.8900,
                "lon": 2.3800,
                "opening_hours": ["10:00-22:00"],
                "share": 0.2,
                "kind": "care",
            },
        ],
        "outreach": [{"organisation": "team", "weekdays": [0, 1, 2, 3, 4], "start": "14:00", "hours": 3}],
        "reporting": {
            "rates": {
                "drug_use": 0.002,
                "dealing": 0.002,
                "litter": 0.0015,
                "gathering": 0.004,
                "noise_night": 0.01,
                "violence": 0.0005,
                "human_waste": 0.00005,
                "encampment": 0.1,
            },
            "pwud_rates": {"care_refused": 0.004, "violence_suffered": 0.002},
        },
    }


def child(case: str, people: int, places: int, days: float, write: bool) -> dict[str, Any]:
    from observatory.simulation.core.model import Simulation
    from observatory.simulation.core.outputs import write_outputs
    from observatory.simulation.core.scenario import load_scenario, scenario_from_dict

    if case == "paris":
        scenario = load_scenario("paris") if days <= 0 else load_scenario("paris").with_overrides(days=days)
    else:
        scenario = scenario_from_dict(synthetic_city(people, places, days))
    started, cpu = time.perf_counter(), time.process_time()
    result = Simulation(scenario).run()
    run_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    write_s = float("nan")
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            write_outputs(result, tmp)
            write_s = time.perf_counter() - started
    return {
        "case": case,
        "people": scenario.population.size,
        "places": len(scenario.places),
        "days": scenario.duration_days,
        "steps": scenario.steps,
        "run_s": run_s,
        "cpu_s": cpu_s,
        "write_s": write_s,
        "events": len(result.events),
        "reports": len(result.reports),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }


CASES = [
    ("synthetic", 500, 30, 365, False),
    ("synthetic", 2000, 30, 365, False),  # the target case
    ("synthetic", 2000, 30, 365, True),
    ("synthetic", 5000, 30, 365, False),
    ("paris", 600, 5, 0, True),  # the built-in scenario, full length (944 days)
]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        case, people, places, days, write = sys.argv[2:7]
        print(json.dumps(child(case, int(people), int(places), float(days), write == "1")))
        return 0
    rows = []
    for case, people, places, days, write in CASES:
        args = [
            sys.executable,
            __file__,
            "--child",
            case,
            str(people),
            str(places),
            str(days),
            str(int(write)),
        ]
        done = subprocess.run(args, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout)
        target = case == "synthetic" and people == 2000 and not write
        ok = "yes" if r["run_s"] < 30 and r["peak_mb"] < 2048 else "NO"
        rows.append(
            [
                r["case"],
                r["people"],
                r["places"],
                r["days"],
                r["steps"],
                round(r["run_s"], 1),
                round(r["cpu_s"], 1),
                "" if r["write_s"] != r["write_s"] else round(r["write_s"], 1),
                r["events"],
                r["reports"],
                round(r["peak_mb"]),
                (ok + " (target)") if target else ok,
            ]
        )
    print(
        format_table(
            [
                "case",
                "people",
                "places",
                "days",
                "steps",
                "simulate s",
                "cpu s",
                "write CSV s",
                "events",
                "reports",
                "peak MB",
                "< 30 s, < 2 GB",
            ],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
