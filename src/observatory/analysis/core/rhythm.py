"""Daily and weekly rhythms: counts by hour of week, circular mean hour and the Rayleigh test.

Times are read on the city's wall clock (the events' time zone, daylight saving included). The
hour of day is treated as an angle (24 h = 360°): the circular mean hour is the direction of the
mean resultant vector, and the Rayleigh test (Zar 2010, §27.1, eq. 27.4 for the p-value) asks
whether events are spread uniformly over the day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from observatory.analysis.core.events import EventTable, local_wall_clock

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class RhythmResult:
    n_events: int
    hour_of_week: NDArray[np.int64]  # (7, 24): Monday..Sunday x hour 0..23
    mean_hour: float  # circular mean hour of day, in [0, 24)
    resultant_length: float  # mean resultant length R-bar, 0 (spread) .. 1 (all at one hour)
    rayleigh_z: float
    rayleigh_p: float
    timezone: str

    @property
    def by_hour(self) -> NDArray[np.int64]:
        return np.asarray(self.hour_of_week.sum(axis=0), dtype=np.int64)

    @property
    def by_weekday(self) -> NDArray[np.int64]:
        return np.asarray(self.hour_of_week.sum(axis=1), dtype=np.int64)


def rayleigh_test(angles: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """(mean angle in [0, 2π), R-bar, Z = n R-bar², p) for angles in radians (Zar 2010, eq. 27.4)."""
    a = np.asarray(angles, dtype=np.float64)
    n = a.size
    if n == 0:
        raise ValueError("no events")
    return rayleigh_from_sums(n, float(np.cos(a).sum()), float(np.sin(a).sum()))


def rayleigh_from_sums(n: int, c: float, s: float) -> tuple[float, float, float, float]:
    """:func:`rayleigh_test` from the number of angles and the sums of their cosines and sines
    (what counts kept per hour hold: the test needs nothing else)."""
    if n <= 0:
        raise ValueError("no events")
    big_r = float(np.hypot(c, s))
    r_bar = big_r / n
    mean = float(np.arctan2(s, c) % (2 * np.pi))
    z = n * r_bar * r_bar
    p = float(np.exp(np.sqrt(1 + 4 * n + 4 * (n * n - big_r * big_r)) - (1 + 2 * n)))
    return mean, r_bar, z, min(max(p, 0.0), 1.0)


def fractional_hours(events: EventTable) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """(hour of day with minutes and seconds as a fraction, weekday Monday=0) on the local clock."""
    times = events.require_times("rhythm analysis")
    local = local_wall_clock(times, events.timezone)
    since_midnight = (local - local.normalize()).to_numpy().astype("timedelta64[ns]").astype(np.int64)
    hours = since_midnight / 3.6e12
    return hours.astype(np.float64), local.day_of_week.to_numpy().astype(np.int64)


def rhythm(events: EventTable) -> RhythmResult:
    """Hour-of-week counts and the circular statistics of the hour of day."""
    hours, weekday = fractional_hours(events)
    if hours.size == 0:
        raise ValueError("no events")
    table = np.bincount(weekday * 24 + np.floor(hours).astype(np.int64), minlength=168).reshape(7, 24)
    mean, r_bar, z, p = rayleigh_test(hours * (2 * np.pi / 24))
    return RhythmResult(len(hours), table, mean * 24 / (2 * np.pi), r_bar, z, p, events.timezone)


def rhythm_from_sums(
    hour_of_week: NDArray[np.int64], sum_cos: float, sum_sin: float, timezone: str
) -> RhythmResult:
    """:func:`rhythm` from counts kept per hour of the week and the sums of the cosines and sines
    of each event's hour of day as an angle (24 h = 2π)."""
    table = np.asarray(hour_of_week, dtype=np.int64).reshape(7, 24)
    n = int(table.sum())
    mean, r_bar, z, p = rayleigh_from_sums(n, sum_cos, sum_sin)
    return RhythmResult(n, table, mean * 24 / (2 * np.pi), r_bar, z, p, timezone)


def rhythm_by_area(
    events: EventTable, area_index: NDArray[np.int64], names: list[str]
) -> dict[str, RhythmResult]:
    """:func:`rhythm` for each area with events (``area_index``: the area of each event, -1 none)."""
    out: dict[str, RhythmResult] = {}
    for k, name in enumerate(names):
        mask = area_index == k
        if mask.any():
            out[name] = rhythm(events.subset(mask))
    return out
