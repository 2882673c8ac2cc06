"""The statistics of the alerts, on cases computed by hand and on planted clusters (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from observatory.alerts.core.scan import (
    RiseSettings,
    ScanError,
    ScanSettings,
    gumbel_p,
    llr_permutation,
    quasi_poisson_tail,
    recurrence_days,
    rises_in_counts,
    rises_in_visits,
    space_time_permutation_scan,
)

# Three cells 2 km apart: no cylinder joins two of them (max radius 800 m).
FAR = np.array([[0.0, 0.0], [2000.0, 0.0], [0.0, 2000.0]])


def test_llr_is_kulldorffs_formula_and_zero_without_a_rise():
    # C = 10 cases, a cylinder with 5 where 2 were expected.
    expected = 5 * math.log(5 / 2) + 5 * math.log(5 / 8)
    assert llr_permutation([5.0], [2.0], 10.0)[0] == pytest.approx(expected)
    # All cases inside: the outside term vanishes.
    assert llr_permutation([4.0], [1.0], 4.0)[0] == pytest.approx(4 * math.log(4))
    # As many as expected, or fewer: not a cluster.
    assert llr_permutation([2.0, 1.0], [2.0, 3.0], 10.0).tolist() == [0.0, 0.0]


def test_expected_counts_of_the_permutation_model_by_hand():
    """Cell 0: 4 cases in the last 6 hours; cell 1: 6 cases a week ago; cell 2: 2 recent and 2 old.

    C = 14; the 6-hour window holds N_w = 6 cases. Cylinder (cell 0, 6 h): c = 4,
    mu = n_0 * N_w / C = 4 * 6 / 14 = 1.714; LLR = 4 ln(4 / 1.714) + 10 ln(10 / 12.286).
    """
    cells = [0] * 4 + [1] * 6 + [2] * 4
    ages = [1, 2, 3, 4] + [170] * 6 + [2, 5, 300, 400]
    s = ScanSettings(windows_hours=(6.0, 24.0), replicates=99, min_cases=2, stop_after=0, seed=1)
    result = space_time_permutation_scan(cells, ages, FAR, s)
    best = result.best
    assert best is not None
    assert best.cells == (0,) and best.window_hours == 6.0
    assert best.observed == 4
    mu = 4 * 6 / 14
    assert best.expected == pytest.approx(mu)
    assert best.llr == pytest.approx(4 * math.log(4 / mu) + 10 * math.log(10 / (14 - mu)))
    assert result.cases == 14 and result.cells_with_cases == 3
    # Cell 2 (2 recent of 4: expected 4 * 6 / 14 = 1.71) is the secondary cluster, not overlapping.
    second = result.clusters[1]
    assert second.cells == (2,) and second.observed == 2
    assert second.expected == pytest.approx(4 * 6 / 14)
    assert second.p_value >= best.p_value


def test_expected_counts_sum_to_the_window_total_over_all_cells():
    """Over every cell, mu sums to N_w: the model only redistributes the window's cases."""
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 600, size=(8, 2))
    cells = rng.integers(0, 8, 200)
    ages = rng.uniform(0, 28 * 24, 200)
    s = ScanSettings(windows_hours=(24.0,), max_neighbours=8, max_radius_m=5000, replicates=9, min_cases=1)
    result = space_time_permutation_scan(cells, ages, xy, s)
    n_w = np.count_nonzero(ages < 24)
    whole = [c for c in result.clusters if len(c.cells) == 8]
    if whole:  # the cylinder of every cell, when it is a cluster at all, expects exactly N_w
        assert whole[0].expected == pytest.approx(n_w)
    # A cylinder of one cell expects its share of the window.
    for c in result.clusters:
        if len(c.cells) == 1:
            n_z = np.count_nonzero(cells == c.cells[0])
            assert c.expected == pytest.approx(n_z * n_w / 200)


def _background(rng, n=1500, cells=49):
    side = int(math.sqrt(cells))
    xy = np.stack(np.meshgrid(np.arange(side) * 250.0, np.arange(side) * 250.0), -1).reshape(-1, 2)
    return xy, rng.integers(0, cells, n), rng.uniform(0, 28 * 24, n)


def test_a_planted_cluster_is_found_where_and_when_it_was_planted():
    rng = np.random.default_rng(11)
    xy, cells, ages = _background(rng)
    # 12 extra cases in cell 24 and its neighbour 25 over the last 10 hours.
    planted_cells = np.array([24] * 7 + [25] * 5)
    planted_ages = rng.uniform(0, 10, 12)
    s = ScanSettings(replicates=199, seed=2)
    result = space_time_permutation_scan(np.r_[cells, planted_cells], np.r_[ages, planted_ages], xy, s)
    best = result.best
    assert best is not None
    assert set(best.cells) <= {24, 25, 17, 31, 23, 18, 32} and 24 in best.cells
    assert best.window_hours <= 24
    assert best.observed >= 12
    assert best.p_value <= 1 / 200
    assert best.recurrence_days > 100  # Gumbel: beyond what 199 replicates can tell
    # Without the planted cases nothing comes near.
    quiet = space_time_permutation_scan(cells, ages, xy, s)
    assert quiet.best is None or quiet.best.p_value > 0.01


def test_p_values_under_the_null_are_calibrated():
    """On data with no space-time interaction, P(p <= 0.1) is about 0.1 (60 datasets)."""
    rng = np.random.default_rng(5)
    small = 0
    runs = 60
    for i in range(runs):
        xy, cells, ages = _background(rng, n=300, cells=16)
        s = ScanSettings(replicates=99, seed=i, stop_after=0)
        best = space_time_permutation_scan(cells, ages, xy, s).best
        if best is not None and best.p_value <= 0.1:
            small += 1
    # Binomial(60, 0.1): mean 6, the interval below holds 99.9 % of the draws.
    assert 0 <= small <= 16


def test_sequential_monte_carlo_stops_early_on_quiet_data():
    rng = np.random.default_rng(8)
    xy, cells, ages = _background(rng, n=400, cells=16)
    s = ScanSettings(replicates=999, stop_after=10, seed=1)
    result = space_time_permutation_scan(cells, ages, xy, s)
    assert result.replicates < 999
    assert result.best is None or result.best.p_value >= 10 / result.replicates - 1e-12


def test_recurrence_interval_is_one_over_p_times_runs_per_day():
    assert recurrence_days(0.001, 24) == pytest.approx(1000 / 24)
    assert recurrence_days(0.01, 1) == pytest.approx(100)
    assert recurrence_days(0.0, 24) == math.inf


def test_gumbel_tail_matches_the_closed_form():
    sample = np.random.default_rng(1).gumbel(3.0, 1.5, 5000)
    # Moments estimate loc ~ 3 and scale ~ 1.5: the tail at 10 is 1 - exp(-exp(-(10 - 3) / 1.5)).
    assert gumbel_p(10.0, sample) == pytest.approx(-math.expm1(-math.exp(-7 / 1.5)), rel=0.25)
    assert gumbel_p(20.0, sample) < gumbel_p(10.0, sample) < gumbel_p(5.0, sample)


def test_scan_refuses_what_it_cannot_use():
    with pytest.raises(ScanError, match="half the study period"):
        space_time_permutation_scan([0], [1.0], FAR, ScanSettings(windows_hours=(24.0 * 20,)))
    with pytest.raises(ScanError, match="no case in the future"):
        space_time_permutation_scan([0], [-1.0], FAR)
    with pytest.raises(ScanError, match="outside cell_xy"):
        space_time_permutation_scan([5], [1.0], FAR)
    with pytest.raises(ScanError, match=r"\(n, 2\)"):
        space_time_permutation_scan([0], [1.0], np.zeros(3))


def test_poisson_tail_by_hand():
    # P(X >= 3) for X ~ Poisson(1) = 1 - e^-1 (1 + 1 + 1/2).
    assert quasi_poisson_tail(3, 1.0) == pytest.approx(1 - math.exp(-1) * 2.5)
    # Over-dispersion 2: the tail of Poisson(0.5) at 1.5, larger than without it.
    assert quasi_poisson_tail(6, 2.0, 2.0) > quasi_poisson_tail(6, 2.0, 1.0)


def test_a_sudden_rise_against_the_areas_own_baseline():
    rng = np.random.default_rng(4)
    # Area 0: one case a day for 28 days, then 12 in the last day. Area 1: steady at 3 a day.
    a0_ages = np.r_[rng.uniform(24, 24 * 29, 28), rng.uniform(0, 24, 12)]
    a1_ages = rng.uniform(0, 24 * 29, 87)
    areas = np.r_[np.zeros(40, int), np.ones(87, int)]
    rises = rises_in_counts(areas, np.r_[a0_ages, a1_ages], 2, RiseSettings())
    assert [r.area for r in rises if r.p_value < 1e-4] == [0]
    r0 = rises[0]
    assert r0.window_hours == 24 and r0.observed == 12
    assert r0.expected == pytest.approx((28 + 0.5) / (28 * 24) * 24, rel=0.1)
    # Bonferroni over 2 areas and 3 windows.
    assert r0.p_value == pytest.approx(6 * quasi_poisson_tail(12, r0.expected, r0.dispersion))


def test_a_bursty_baseline_needs_a_bigger_rise():
    # The same 40 cases, but the baseline came in bursts of 7 once a week: over-dispersed.
    steady = np.r_[np.arange(28) * 24 + 30.0, np.linspace(0, 20, 8)]
    bursty = np.r_[np.repeat(np.arange(4) * 168 + 30.0, 7), np.linspace(0, 20, 8)]
    p_steady = rises_in_counts(np.zeros(len(steady), int), steady, 1)[0]
    p_bursty = rises_in_counts(np.zeros(len(bursty), int), bursty, 1)[0]
    assert p_bursty.dispersion > 2 and p_steady.dispersion == 1.0
    assert p_bursty.p_value > 10 * p_steady.p_value


def test_more_people_met_per_visit():
    rng = np.random.default_rng(9)
    # Two areas visited daily: 20 people a visit; in the last three days area 1 has 60 a visit.
    ages = np.r_[np.arange(30) * 24 + 2.0, np.arange(30) * 24 + 3.0]
    areas = np.r_[np.zeros(30, int), np.ones(30, int)]
    people = rng.poisson(20, 60).astype(float)
    people[30:33] = [58, 61, 63]
    rises = rises_in_visits(areas, ages, people, 2)
    assert [r.area for r in rises if r.p_value < 1e-3] == [1]
    assert rises_in_visits(areas[:30], ages[:30], people[:30], 1) == [] or all(
        r.p_value > 0.05 for r in rises_in_visits(areas[:30], ages[:30], people[:30], 1)
    )
    with pytest.raises(ScanError, match="people met"):
        rises_in_visits([0], [1.0], [-3.0], 1)
