"""Displacement: Bowers and Johnson's WDQ and Wheeler and Ratcliffe's WDD, by their published examples."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from observatory.analysis.core.displacement import Counts, displacement_measures, ring_buffer, window_counts


def test_wdq_minus_one_example():
    res = displacement_measures(Counts(100, 50), Counts(100, 150), Counts(100, 100))
    assert res.success_measure == pytest.approx(-0.5)
    assert res.buffer_displacement_measure == pytest.approx(0.5)
    assert res.wdq == pytest.approx(-1.0, abs=1e-12)
    assert res.total_net_effect == pytest.approx(0.0, abs=1e-12)
    assert "equal to the gain" in res.interpretation


def test_wheeler_ratcliffe_example():
    # Wheeler and Ratcliffe (2018): control 308 -> 318, treated 207 -> 110,
    # displacement control 150 -> 140, displacement treated 178 -> 157
    res = displacement_measures(
        Counts(207, 110), Counts(178, 157), Counts(308, 318), buffer_control=Counts(150, 140)
    )
    assert res.wdd == -118
    assert res.wdd_se == pytest.approx(np.sqrt(1568), abs=1e-12)
    assert round(res.wdd_se, 1) == 39.6
    assert round(res.wdd_z, 2) == -2.98
    lo, hi = res.wdd_ci95
    assert lo == pytest.approx(-118 - 1.959963984540054 * np.sqrt(1568))
    assert hi < 0 and "significant net reduction" in res.interpretation


def test_wdq_not_interpretable_without_success():
    res = displacement_measures(Counts(100, 120), Counts(100, 90), Counts(100, 100))
    assert res.wdq is None
    assert res.success_measure == pytest.approx(0.2)
    assert any("not interpretable" in w for w in res.warnings)
    assert "not interpretable" in res.interpretation


def test_tiny_success_measure_warns():
    res = displacement_measures(Counts(100, 98), Counts(100, 110), Counts(100, 100))
    assert res.wdq == pytest.approx(-5.0)
    assert any("tiny" in w for w in res.warnings)
    assert "larger than the gain" in res.interpretation


@pytest.mark.parametrize(
    ("target", "buffer", "words"),
    [((100, 50), (100, 80), "diffusion of benefits"), ((100, 50), (100, 120), "smaller than the gain")],
)
def test_interpretation_words(target, buffer, words):
    res = displacement_measures(Counts(*target), Counts(*buffer), Counts(100, 100))
    assert words in res.interpretation


def test_empty_control_is_reported_not_divided():
    res = displacement_measures(Counts(10, 5), Counts(10, 12), Counts(0, 3))
    assert res.wdq is None and res.success_measure is None
    assert any("control area has no events" in w for w in res.warnings)


@pytest.mark.parametrize("share", [0.0, 0.25, 0.5, 0.75])
def test_simulated_operation_gives_wdq_near_minus_share(share):
    """An operation halves the target; a share f of the prevented events moves into the buffer."""
    rng = np.random.default_rng(int(share * 100))
    target = Point(0, 0).buffer(300)
    buffer = ring_buffer(target, 200)
    control = box(2000, -300, 2600, 300)
    base = 40_000  # events per window in each area before
    op = np.datetime64("2024-03-01")

    def scatter(area, n, start):
        minx, miny, maxx, maxy = area.bounds
        px, py = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(area, px, py)
        px, py = px[inside][:n], py[inside][:n]
        assert len(px) == n
        days = start + rng.integers(0, 28, n).astype("timedelta64[D]")
        return px, py, days

    prevented = base // 2
    parts = [
        scatter(target, rng.poisson(base), op - np.timedelta64(28, "D")),
        scatter(target, rng.poisson(base - prevented), op),
        scatter(buffer, rng.poisson(base), op - np.timedelta64(28, "D")),
        scatter(buffer, rng.poisson(base + share * prevented), op),
        scatter(control, rng.poisson(base), op - np.timedelta64(28, "D")),
        scatter(control, rng.poisson(base), op),
    ]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    d = np.concatenate([p[2] for p in parts])
    counts = [window_counts(x, y, d, a, op, 28, 28) for a in (target, buffer, control)]
    res = displacement_measures(*counts)
    assert res.wdq == pytest.approx(-share, abs=0.1)  # about 3 standard errors


def test_window_counts_bounds():
    x = np.array([0.0, 0.0, 0.0, 10.0])
    y = np.zeros(4)
    d = np.array(["2024-02-29", "2024-03-01", "2024-03-28", "2024-03-01"], dtype="datetime64[D]")
    c = window_counts(x, y, d, Point(0, 0).buffer(5), np.datetime64("2024-03-01"), 1, 28)
    assert c == Counts(1, 2)
    with pytest.raises(ValueError):
        window_counts(x, y, d, Point(0, 0).buffer(5), np.datetime64("2024-03-01"), 0, 28)
