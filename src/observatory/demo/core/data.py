"""A seeded year of demo reports around the north-east Paris scene places (pure: NumPy only).

The demo's story: the scene sits at the Porte de la Chapelle "colline" and Stalingrad, with
evening and night peaks; a clearance of the colline a third of the way through the year moves
most of its activity to the Porte d'Aubervilliers and the Éole gardens. The city simulation
(observatory.simulation) can replace this generator: `load-demo --generator simulation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

# Scene places from shared/data/README.md (approximate, ±150 m).
PLACES = {
    "stalingrad": (48.8843, 2.3678),
    "eole": (48.8878, 2.3642),
    "colline": (48.8990, 2.3625),
    "aubervilliers": (48.8985, 2.3705),
    "forceval": (48.8975, 2.3900),
}
# Relative activity before and after the clearance of the colline.
BEFORE = {"colline": 0.45, "stalingrad": 0.3, "eole": 0.1, "aubervilliers": 0.1, "forceval": 0.05}
AFTER = {"colline": 0.03, "stalingrad": 0.32, "eole": 0.2, "aubervilliers": 0.35, "forceval": 0.1}
CATEGORIES = np.array(
    [
        "drug_use",
        "dealing",
        "litter",
        "gathering",
        "noise_night",
        "violence",
        "human_waste",
        "encampment",
        "care_refused",
        "violence_suffered",
    ]
)
CATEGORY_WEIGHTS = np.array([0.24, 0.14, 0.2, 0.14, 0.08, 0.05, 0.06, 0.05, 0.02, 0.02])
# Hour-of-day profile (local time): low in the morning, peaks in the evening and at night.
HOUR_WEIGHTS = np.array(
    [6, 5, 4, 3, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 8, 9, 10, 10, 9, 8], dtype=float
)
PARIS_UTC_OFFSET_H = 1  # close enough for a demo; real data carries its own zone


@dataclass(frozen=True)
class DemoReport:
    observed_at: datetime
    lat: float
    lon: float
    category: str
    reporter_kind: str


def generate(
    *, days: int = 365, per_day: float = 40.0, seed: int = 2021, end: datetime | None = None
) -> tuple[list[DemoReport], datetime]:
    """Reports over ``days`` days ending at ``end`` (default now); returns them and the clearance time."""
    rng = np.random.default_rng(seed)
    # Days start at midnight so that the hour-of-day profile lands on the hours it describes.
    end = (end or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    clearance = start + timedelta(days=days // 3)
    n = int(rng.poisson(per_day * days))
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60, n)
    when = [
        start + timedelta(days=int(d), hours=int(h) - PARIS_UTC_OFFSET_H, minutes=int(m))
        for d, h, m in zip(day, hour, minute, strict=True)
    ]
    names = list(PLACES)
    before = np.array([BEFORE[p] for p in names])
    after = np.array([AFTER[p] for p in names])
    after_clearance = np.array([w >= clearance for w in when])
    place = np.where(
        after_clearance,
        rng.choice(len(names), size=n, p=after / after.sum()),
        rng.choice(len(names), size=n, p=before / before.sum()),
    )
    centre = np.array([PLACES[p] for p in names])[place]
    # About 120 m spread around each place; metres to degrees at Paris's latitude.
    lat = centre[:, 0] + rng.normal(0, 120, n) / 111_320
    lon = centre[:, 1] + rng.normal(0, 120, n) / (111_320 * np.cos(np.radians(48.89)))
    cat = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_WEIGHTS / CATEGORY_WEIGHTS.sum())
    reports = [
        DemoReport(
            observed_at=when[i],
            lat=float(lat[i]),
            lon=float(lon[i]),
            category=str(CATEGORIES[cat[i]]),
            reporter_kind="pwud"
            if CATEGORIES[cat[i]] in ("care_refused", "violence_suffered")
            else "resident",
        )
        for i in range(n)
        if when[i] <= end
    ]
    return reports, clearance
