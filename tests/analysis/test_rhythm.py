"""Rhythm: hour-of-week counts on the local clock, circular mean hour (scipy) and the Rayleigh test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from observatory.analysis.core.events import DateOnlyError, EventTable
from observatory.analysis.core.rhythm import rayleigh_test, rhythm, rhythm_by_area


def _events(times_utc, tz="Europe/Paris"):
    t = np.array(times_utc, dtype="datetime64[ns]")
    return EventTable.from_times(np.full(len(t), 48.88), np.full(len(t), 2.37), t, timezone=tz)


def test_hour_of_week_on_local_clock_across_daylight_saving():
    # 2024-03-31 01:30 UTC is 03:30 in Paris (summer time), a Sunday; 2024-01-01 23:30 UTC is Tuesday 00:30.
    res = rhythm(_events(["2024-03-31T01:30", "2024-01-01T23:30", "2024-01-01T10:00"]))
    assert res.hour_of_week[6, 3] == 1
    assert res.hour_of_week[1, 0] == 1
    assert res.hour_of_week[0, 11] == 1
    assert res.hour_of_week.sum() == 3


def test_circular_mean_hour_matches_scipy_circmean():
    rng = np.random.default_rng(0)
    hours = (rng.vonmises(0.0, 2.0, 500) * 24 / (2 * np.pi)) % 24  # around midnight
    base = np.datetime64("2024-06-03T00:00", "ns")  # Monday, UTC
    times = base + (hours * 3600e9).astype("timedelta64[ns]")
    res = rhythm(_events(times, tz="UTC"))
    ref = stats.circmean(hours, high=24, low=0)
    assert res.mean_hour == pytest.approx(ref, abs=1e-6)  # seconds resolution of the clock
    assert res.by_weekday.sum() == 500


def test_rayleigh_p_against_simulated_null_distribution():
    # Zar's approximation (eq. 27.4) vs the exact null distribution of Z, by simulation.
    rng = np.random.default_rng(1)
    n = 12
    sims = rng.uniform(0, 2 * np.pi, size=(20000, n))
    z_null = n * (np.cos(sims).mean(axis=1) ** 2 + np.sin(sims).mean(axis=1) ** 2)
    angles = np.array([0.1, 0.3, 0.5, 0.2, 1.0, 0.8, 5.9, 6.1, 0.4, 0.7, 2.0, 0.0])
    _, r_bar, z, p = rayleigh_test(angles)
    assert z == pytest.approx(n * r_bar**2)
    assert p == pytest.approx((z_null >= z).mean(), abs=0.003)
    _, _, _, p_uniform = rayleigh_test(np.linspace(0, 2 * np.pi, 24, endpoint=False))
    assert p_uniform > 0.99


def test_date_only_data_are_refused():
    events = EventTable(
        np.array([48.8]), np.array([2.3]), np.array(["2024-01-01"], dtype="datetime64[D]"), None
    )
    with pytest.raises(DateOnlyError, match="dates only"):
        rhythm(events)


def test_rhythm_by_area():
    ev = _events(["2024-01-01T10:00", "2024-01-01T11:00", "2024-01-02T12:00"])
    out = rhythm_by_area(ev, np.array([0, 0, -1]), ["a", "b"])
    assert list(out) == ["a"] and out["a"].n_events == 2
