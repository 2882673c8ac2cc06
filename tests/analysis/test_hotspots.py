"""Gi*, Benjamini-Hochberg, Local Moran's I and the quartic KDE against esda, scipy and their definitions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from observatory.analysis.core import hotspots as hs
from observatory.analysis.core.events import read_events_csv
from observatory.analysis.core.grids import SquareGrid, project_events

libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")


def _esda_gi_star(values, w):
    from esda.getisord import G_Local

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(np.asarray(values, dtype=float), w, transform="B", star=True, permutations=0)


def test_gi_star_matches_esda_own_test_value():
    # esda/tests/test_getisord.py::TestGLocal::test_star_binary: Zs[0] == -1.39727626
    from libpysal.weights.distance import DistanceBand

    points = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)])
    y = np.array([2, 3, 3.2, 5, 8, 7])
    w = DistanceBand(points, threshold=15)
    sparse = w.sparse + np.eye(6)  # Gi*: self included, binary
    res = hs.gi_star_weights(y, sparse, fdr=False)
    assert res.z[0] == pytest.approx(-1.39727626, abs=1e-7)
    assert np.allclose(res.z, _esda_gi_star(y, w).Zs, rtol=0, atol=1e-12)


def test_gi_star_on_real_grid_matches_esda(shared_data):
    events = read_events_csv(
        shared_data / "boston311_needles" / "boston311_needle_pickup_2015.csv",
        lat_column="LATITUDE",
        lon_column="LONGITUDE",
        time_column="OPEN_DT",
        time_format="%m/%d/%Y %I:%M:%S %p",
        timezone="America/New_York",
    )
    projection, x, y = project_events(events.lat, events.lon)
    grid = SquareGrid.covering(x, y, 250.0, projection.crs)
    counts = grid.count(x, y)
    assert counts.sum() == len(events)
    for rings in (1, 2):
        res = hs.gi_star_grid(counts, rings=rings, fdr=False)
        w = libpysal.weights.W.from_sparse(grid.queen_weights(rings, self_weight=False))
        ref = _esda_gi_star(counts.ravel(), w)
        assert np.max(np.abs(res.z - ref.Zs)) < 1e-9
        assert np.allclose(res.p, 2 * ref.p_norm, rtol=1e-9, atol=1e-15)  # esda's p_norm is one-sided


def test_grid_and_sparse_weights_agree():
    counts = np.random.default_rng(3).poisson(1.5, size=(23, 31))
    grid = SquareGrid("EPSG:32631", 100.0, 0, 0, 31, 23)
    a = hs.gi_star_grid(counts, rings=2)
    b = hs.gi_star_weights(counts.ravel(), grid.queen_weights(2), rings=2)
    assert np.max(np.abs(a.z - b.z)) < 1e-12
    assert (a.classes == b.classes).all()


def test_benjamini_hochberg_matches_scipy():
    p = np.random.default_rng(0).uniform(size=500) ** 3
    p[:5] = [0.0, 1.0, 0.5, 0.5, 1e-12]
    assert np.allclose(
        hs.benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"), rtol=0, atol=1e-15
    )


def test_constant_values_give_no_hotspot():
    res = hs.gi_star_grid(np.ones((5, 5), dtype=int))
    assert np.isnan(res.z).all() and (res.classes == hs.NONE).all()


def test_planted_hotspots_found_in_poisson_lattice():
    rng = np.random.default_rng(2024)
    ny, nx = 80, 80
    rate = np.full((ny, nx), 2.0)
    truth = np.zeros((ny, nx), dtype=bool)
    for cy, cx in [(10, 10), (10, 60), (40, 40), (65, 15), (70, 70)]:
        truth[cy - 1 : cy + 2, cx - 1 : cx + 2] = True
    rate[truth] = 7.0
    counts = rng.poisson(rate)
    res = hs.gi_star_grid(counts, rings=1, alpha=0.05, fdr=True)
    hot = (res.classes == hs.HOT).reshape(ny, nx)
    tp = int((hot & truth).sum())
    precision, recall = tp / max(int(hot.sum()), 1), tp / int(truth.sum())
    print(f"planted hotspots: precision {precision:.3f}, recall {recall:.3f}")
    assert recall >= 0.8
    assert precision >= 0.6
    # Without FDR, more false positives among the 6,400 null-ish cells.
    raw = (hs.gi_star_grid(counts, fdr=False).classes == hs.HOT).reshape(ny, nx)
    assert (raw & ~truth).sum() >= (hot & ~truth).sum()


def test_local_moran_matches_esda_own_test_value():
    # esda/tests/test_moran.py::TestMoranLocal::test_defaults (desmith data, 99 permutations, seed 12345)
    from esda.moran import Moran_Local

    y = np.array(libpysal.io.open(libpysal.examples.get_path("desmith.txt")).by_col["z"])
    w = libpysal.io.open(libpysal.examples.get_path("desmith.gal")).read()
    res = hs.local_moran(y, w.sparse, permutations=99, seed=12345)
    assert res.z_sim[0] == pytest.approx(-0.6990291160835514, abs=1e-12)
    assert res.p_z_sim[0] == pytest.approx(0.24226691753791396, abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Moran_Local(y, w, transformation="r", permutations=99, seed=12345)
    assert np.allclose(res.Is, ref.Is, atol=1e-12)
    assert (res.q == ref.q).all()
    assert np.array_equal(res.p_sim, ref.p_sim)


def test_local_moran_on_grid_matches_esda():
    from esda.moran import Moran_Local

    counts = np.random.default_rng(5).poisson(2.0, size=(12, 15)).ravel()
    grid = SquareGrid("EPSG:32631", 100.0, 0, 0, 15, 12)
    w = grid.queen_weights(1, self_weight=False)
    res = hs.local_moran(counts, w, permutations=199, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Moran_Local(counts.astype(float), libpysal.weights.W.from_sparse(w), permutations=199, seed=7)
    assert np.allclose(res.Is, ref.Is, atol=1e-12)
    assert np.array_equal(res.p_sim, ref.p_sim)
    assert np.allclose(res.z_sim, ref.z_sim, atol=1e-9)
    assert set(np.unique(res.labels(0.05))) <= {"not significant", *hs.QUADRANTS.values()}


def test_local_moran_analytical_moments_equal_esda():
    from esda.moran import Moran_Local

    y = np.array(libpysal.io.open(libpysal.examples.get_path("desmith.txt")).by_col["z"])
    w = libpysal.io.open(libpysal.examples.get_path("desmith.gal")).read()
    res = hs.local_moran(y, w.sparse, permutations=99, seed=12345)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Moran_Local(y, w, transformation="r", permutations=99, seed=12345)
    assert np.allclose(res.EI, ref.EI, rtol=0, atol=1e-14)
    assert np.allclose(res.VI, ref.VI, rtol=0, atol=1e-14)
    n = len(y)
    assert np.allclose(res.z_norm, (ref.Is * n / (n - 1) - ref.EI) / np.sqrt(ref.VI), atol=1e-12)
    assert np.allclose(res.p_norm, 2 * stats.norm.sf(np.abs(res.z_norm)))
    assert res.quadrant_codes().tolist() == [{1: "HH", 2: "LH", 3: "LL", 4: "HL"}[q] for q in ref.q]


def test_local_moran_analytical_moments_by_enumerating_every_permutation():
    """EI and VI are the exact mean and variance of Anselin's I_i = z_i lag_i / m2 over all n!
    arrangements of the values (total randomisation): hence z_norm uses n / (n - 1) * Is."""
    from itertools import permutations

    y = np.array([3.0, 0.0, 1.0, 7.0, 2.0, 2.0])
    n = y.size
    w = np.zeros((n, n))
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 5), (1, 4)]:
        w[i, j] = w[j, i] = 1
    res = hs.local_moran(y, w, permutations=0)
    w_row = w / w.sum(axis=1, keepdims=True)
    draws = []
    for perm in permutations(range(n)):
        yy = y[list(perm)]
        z = (yy - yy.mean()) / yy.std()
        draws.append(z * (w_row @ z) / ((z * z).sum() / n))
    draws_a = np.array(draws)
    assert np.allclose(draws_a.mean(axis=0), res.EI, atol=1e-12)
    assert np.allclose(draws_a.var(axis=0), res.VI, atol=1e-12)
    z = (y - y.mean()) / y.std()
    assert np.allclose(res.Is * n / (n - 1), z * (w_row @ z) / ((z * z).sum() / n))


def test_arcgis_search_radius_definition():
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 300, 400), rng.normal(0, 150, 400)
    sd = np.sqrt(np.mean((x - x.mean()) ** 2) + np.mean((y - y.mean()) ** 2))
    dm = np.median(np.hypot(x - x.mean(), y - y.mean()))
    expected = 0.9 * min(sd, np.sqrt(1 / np.log(2)) * dm) * 400**-0.2
    assert hs.arcgis_search_radius(x, y) == pytest.approx(expected, rel=1e-12)


def test_quartic_kde_matches_direct_sum_and_integrates_to_n():
    rng = np.random.default_rng(9)
    x = rng.uniform(1000, 3000, 300)
    y = rng.uniform(-500, 1500, 300)
    grid = SquareGrid.covering(np.r_[x, 0, 4000], np.r_[y, -1500, 2500], 50.0, "EPSG:32631")
    res = hs.quartic_kde(x, y, grid, radius=180.0)
    cx, cy = grid.centres_xy()
    d2 = (cx[:, None] - x[None, :]) ** 2 + (cy[:, None] - y[None, :]) ** 2
    k = np.where(d2 < 180.0**2, 3 / np.pi * (1 - d2 / 180.0**2) ** 2, 0.0).sum(axis=1) / 180.0**2
    assert np.allclose(res.density_per_km2.ravel(), k * 1e6, rtol=1e-12, atol=1e-9)
    total = res.density_per_km2.sum() * (50.0 * 50.0) / 1e6  # events per km² x cell area in km²
    assert total == pytest.approx(300, rel=0.01)
