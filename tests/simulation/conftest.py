"""Small scenarios for the simulation tests (built in Python, validated like files)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from observatory.simulation.core.scenario import Scenario, scenario_from_dict

# Three places around Stalingrad: a square, a small street 300 m east, a park 1.5 km north-east
# that closes at dusk; a consumption room 500 m west of the square.
BASE: dict[str, Any] = {
    "name": "test-city",
    "start": "2024-03-04",  # a Monday; DST starts on 31 March
    "duration_days": 14,
    "timezone": "Europe/Paris",
    "seed": 7,
    "places": [
        {"id": "square", "lat": 48.8843, "lon": 2.3678, "attractiveness": 2.0, "capacity": 1000,
         "visibility": 0.9, "residential_density": 30000},
        {"id": "street", "lat": 48.8843, "lon": 2.3719, "attractiveness": 1.0, "capacity": 1000,
         "visibility": 0.5, "residential_density": 10000},
        {"id": "park", "lat": 48.8950, "lon": 2.3800, "attractiveness": 1.5, "capacity": 1000,
         "visibility": 0.6, "residential_density": 20000, "opening_hours": ["08:00-20:00"]},
    ],
    "dealing_points": [{"place": "square", "attraction": 1.0}],
    "population": {"size": 300, "walk_scale_m": 800, "return_half_life_days": 2, "gathering_min": 5,
                   "initial": {"square": 0.5, "street": 0.2, "park": 0.3}},
    "routines": [
        {"name": "day", "share": 0.6, "hours": ["10:00-22:00"], "level": 0.8, "uses_per_day": 5},
        {"name": "night", "share": 0.4, "hours": ["20:00-04:00"], "level": 0.7, "uses_per_day": 4},
    ],
    "operations": [],
    "rooms": [
        {"id": "room", "lat": 48.8843, "lon": 2.3610, "opening_hours": ["13:30-20:30"], "share": 0.5,
         "walk_m": 600, "capacity_per_step": 1000},
    ],
    "outreach": [
        {"organisation": "team", "weekdays": [0, 2, 4], "start": "14:00", "hours": 2, "contact_rate": 0.3},
    ],
    "reporting": {
        "rates": {"drug_use": 0.01, "dealing": 0.01, "litter": 0.005, "gathering": 0.02, "noise_night": 0.05,
                  "violence": 0.002, "human_waste": 0.0005, "encampment": 0.3},
        "pwud_rates": {"care_refused": 0.05, "violence_suffered": 0.03},
    },
}  # fmt: skip


def make_scenario(**changes: Any) -> Scenario:
    """BASE with top-level fields replaced, validated."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return scenario_from_dict(data)


@pytest.fixture
def base_data() -> dict[str, Any]:
    return copy.deepcopy(BASE)
