"""Emerging hot spots: the 17 classes, Mann-Kendall against scipy, space-time Gi* against sfdep's formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from scipy import stats

from observatory.analysis.core import trends
from observatory.geo.core.areas import areas_from_geojson, read_geojson

N = 10
THR = 0.05


def _series(name):
    f, t = False, True
    up = np.arange(2.0, 12.0)
    flat = np.array([3.0, 4.0] * 5)
    dec = np.array([9, 8, 7, 6, 5, 4, 3, 2.5, 2.2, -0.5])
    cases = {
        "new hotspot": ([0.1] * 9 + [3.0], [f] * 9 + [t]),
        "new coldspot": ([0.1] * 9 + [-3.0], [f] * 9 + [t]),
        "consecutive hotspot": ([0.2] * 7 + [3, 3, 3], [f] * 7 + [t] * 3),
        "consecutive coldspot": ([0.2] * 7 + [-3, -3, -3], [f] * 7 + [t] * 3),
        "intensifying hotspot": (up, [t] * N),
        "intensifying coldspot": (-up, [t] * N),
        "persistent hotspot": (flat, [t] * N),
        "persistent coldspot": (-flat, [t] * N),
        "diminishing hotspot": (up[::-1], [t] * N),
        "diminishing coldspot": (-up[::-1], [t] * N),
        "oscillating hotspot": (
            [-3, 0.1, 0.2, 3, 0.1, 0.3, 0.2, 0.1, 0.4, 3],
            [t, f, f, t, f, f, f, f, f, t],
        ),
        "oscillating coldspot": (
            [3, 0.1, 0.2, -3, 0.1, 0.3, 0.2, 0.1, 0.4, -3],
            [t, f, f, t, f, f, f, f, f, t],
        ),
        "historical hotspot": (dec, [t] * 9 + [f]),
        "historical coldspot": (-dec, [t] * 9 + [f]),
        "sporadic hotspot": ([0.1, 3, 0.2, 3, 0.1, 0.1, 0.3, 0.2, 0.1, 0.5], [f, t, f, t, f, f, f, f, f, f]),
        "sporadic coldspot": (
            [0.1, -3, 0.2, -3, 0.1, 0.1, 0.3, 0.2, 0.1, 0.5],
            [f, t, f, t, f, f, f, f, f, f],
        ),
        "no pattern detected": (np.linspace(-1, 1, N), [f] * N),
    }
    gs, sig = cases[name]
    return np.asarray(gs, dtype=float), np.asarray(sig, dtype=bool)


@pytest.mark.parametrize("name", trends.CLASSES)
def test_each_of_the_17_classes_on_a_hand_built_series(name):
    gs, sig = _series(name)
    tau, p = trends.mann_kendall(gs[:, None])
    assert trends.classify_series(gs, sig, float(tau[0]), float(p[0]), THR) == name


def test_seventeen_classes():
    assert len(trends.CLASSES) == 17 and len(set(trends.CLASSES)) == 17


def test_mann_kendall_matches_scipy_kendalltau():
    rng = np.random.default_rng(0)
    x = np.column_stack(
        [rng.normal(size=15), np.arange(15.0), rng.integers(0, 4, 15).astype(float), np.ones(15)]
    )
    x[:, 0] += np.linspace(0, 1, 15)
    tau, p = trends.mann_kendall(x)
    for k in range(3):
        ref = stats.kendalltau(np.arange(15), x[:, k], method="asymptotic")
        assert tau[k] == pytest.approx(ref.statistic, abs=1e-12)
        assert p[k] == pytest.approx(ref.pvalue, abs=1e-12)
    assert tau[3] == 0 and p[3] == 1.0  # a constant series has no trend


def test_mann_kendall_with_many_ties_and_a_gap():
    """Columns of small counts (ties everywhere, as cells of few reports) equal scipy's tie-corrected
    tau-b; a column with a missing period has no trend statistic (NaN p), the others are unaffected."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(30, 40)).astype(float)
    x[:, 5] = rng.normal(size=30)  # no ties in this one
    x[:, 7] = np.nan
    x[4, 9] = np.nan
    tau, p = trends.mann_kendall(x)
    for k in range(40):
        if k in (7, 9):
            assert np.isnan(p[k]) and tau[k] == 0
            continue
        ref = stats.kendalltau(np.arange(30), x[:, k], method="asymptotic")
        assert tau[k] == pytest.approx(ref.statistic, abs=1e-12)
        assert p[k] == pytest.approx(ref.pvalue, abs=1e-12)


def _sfdep_local_g_spt(cube, neighbours, weights, lag):
    """Direct transcription of sfdep's local_g_spt_calc with spt_nb / spt_wt time-lagged neighbours."""
    t_count, n = cube.shape
    out = np.empty((t_count, n))
    for t in range(t_count):
        x = cube[t]
        xbar = x.mean()
        si2 = ((x - xbar) ** 2).sum() / n
        for i in range(n):
            xs, ws = [], []
            for k in range(lag + 1):
                if t - k < 0:
                    continue
                xs += [cube[t - k, j] for j in neighbours[i]]
                ws += list(weights[i])
            xs_a, ws_a = np.array(xs), np.array(ws)
            lx, wi, s1 = (xs_a * ws_a).sum(), ws_a.sum(), (ws_a**2).sum()
            out[t, i] = (lx - wi * xbar) / np.sqrt(si2 * ((n * s1 - wi**2) / (n - 1)))
    return out


@pytest.fixture(scope="module")
def boston_cube(shared_data):
    folder = shared_data / "ehsa_boston"
    frame = pd.read_csv(folder / "bos-ecometric.csv", dtype={".region_id": str})
    cube, locations, periods = trends.cube_from_long(frame, ".region_id", "year", "value")
    areas = areas_from_geojson(
        read_geojson(folder / "bos-ecometric.geojson"), code_field=".region_id", name_field=".region_id"
    )
    order = {a.code: a.geometry for a in areas}
    geoms = [order[c] for c in locations]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")  # queen contiguity, self included
    w = sp.csr_matrix((np.ones(len(left)), (left, right)), shape=(len(geoms), len(geoms)))
    assert (trends.contiguity_weights(geoms) != w).nnz == 0
    return cube, w, periods, locations


@pytest.mark.parametrize("style", ["binary", "row"])
def test_spacetime_gi_star_matches_sfdep_formula(boston_cube, style):
    cube, w, _, _ = boston_cube
    assert cube.shape == (10, 168)
    neighbours = [w.indices[w.indptr[i] : w.indptr[i + 1]] for i in range(w.shape[0])]
    weights = [np.full(len(nb), 1.0 if style == "binary" else 1.0 / len(nb)) for nb in neighbours]
    ref = _sfdep_local_g_spt(cube, neighbours, weights, lag=1)
    ours = trends.spacetime_gi_star(cube, w, lag=1, style=style)
    assert np.max(np.abs(ours - ref)) < 1e-9


def test_boston_ehsa_end_to_end(boston_cube):
    cube, w, periods, _ = boston_cube
    res = trends.emerging_hotspots(cube, w, lag=1, threshold=0.05, periods=periods)
    counts = res.class_counts()
    assert sum(counts.values()) == 168
    assert set(counts) <= set(trends.CLASSES)
    assert len(counts) >= 3  # a real city shows several patterns
    assert res.gi_star.shape == (10, 168) and np.isfinite(res.gi_star).all()


def _cube_cli(shared_data, *extra):
    folder = shared_data / "ehsa_boston"
    return [
        "trends",
        "--cube-polygons",
        str(folder / "bos-ecometric.geojson"),
        "--cube-values",
        str(folder / "bos-ecometric.csv"),
        "--id-column",
        ".region_id",
        "--period-column",
        "year",
        "--value-column",
        "value",
        *extra,
    ]


@pytest.mark.parametrize(
    ("extra", "style", "alpha"),
    [((), "row", 0.01), (("--weights", "binary", "--alpha", "0.05"), "binary", 0.05)],
)
def test_boston_cube_through_the_cli_equals_the_python_api_and_sfdep_gi(
    capsys, shared_data, boston_cube, extra, style, alpha
):
    """sfdep's defaults (queen contiguity with self, row-standardised weights, k = 1, threshold 0.01)
    unless told otherwise; Gi* per location and period equal to the transcription of sfdep's
    local_g_spt, classes equal to emerging_hotspots on the cube built from the long table."""
    import json

    from observatory.analysis.cli import main

    assert main([*_cube_cli(shared_data, *extra), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["periods"] == [str(y) for y in range(2010, 2020)]
    assert out["weights"] == style and out["alpha"] == alpha and out["n_locations"] == 168
    cube, w, periods, locations = boston_cube
    res = trends.emerging_hotspots(cube, w, lag=1, threshold=alpha, style=style, periods=periods)
    by_id = {loc["id"]: loc for loc in out["locations"]}
    assert sorted(by_id) == sorted(locations)
    column = {c: k for k, c in enumerate(locations)}
    neighbours = [w.indices[w.indptr[i] : w.indptr[i + 1]] for i in range(w.shape[0])]
    wts = [np.full(len(nb), 1.0 if style == "binary" else 1.0 / len(nb)) for nb in neighbours]
    sfdep_gi = _sfdep_local_g_spt(cube, neighbours, wts, lag=1)
    for loc_id, loc in by_id.items():
        k = column[loc_id]
        assert loc["class"] == res.classes[k], loc_id
        assert np.allclose(loc["gi_star"], sfdep_gi[:, k], atol=1e-9), loc_id
        assert loc["tau"] == pytest.approx(res.tau[k]) and loc["total"] == pytest.approx(cube[:, k].sum())
    assert out["classes"] == res.class_counts() and len(out["classes"]) >= 3

    assert main(_cube_cli(shared_data, *extra)) == 0
    table = capsys.readouterr().out
    assert "168 polygons" in table
    for name, count in res.class_counts().items():
        assert any(line.startswith(name) and line.split()[-1] == str(count) for line in table.splitlines())


def test_period_index_includes_empty_periods():
    d = np.array(["2024-01-03", "2024-03-30", "2024-01-31"], dtype="datetime64[D]")
    idx, labels = trends.period_index(d, "month")
    assert labels == ["2024-01", "2024-02", "2024-03"] and idx.tolist() == [0, 2, 0]
    idx, labels = trends.period_index(np.array(["2024-01-07", "2024-01-08"], dtype="datetime64[D]"), "week")
    assert labels == ["2024-01-01", "2024-01-08"] and idx.tolist() == [0, 1]  # ISO weeks start on Monday
    with pytest.raises(ValueError):
        trends.period_index(d, "year")


def test_classify_all_equals_classify_series_column_by_column():
    """The array form of the 17 rules gives every column the class the one-column rules give."""
    from observatory.analysis.core.trends import classify_all, classify_series

    rng = np.random.default_rng(11)
    for t in (3, 5, 12):
        gs = rng.normal(0, 2.5, (t, 4000))
        gs[:, :300] = np.abs(gs[:, :300]) + 2  # persistent-like hot columns
        gs[:, 300:600] = -np.abs(gs[:, 300:600]) - 2
        sig = rng.random((t, 4000)) < 0.45
        sig[:, :600] = rng.random((t, 600)) < 0.95
        tau = rng.uniform(-1, 1, 4000)
        tau_p = rng.uniform(0, 0.2, 4000)
        got = classify_all(gs, sig, tau, tau_p, 0.05)
        want = [classify_series(gs[:, i], sig[:, i], tau[i], tau_p[i], 0.05) for i in range(4000)]
        assert got.tolist() == want
        assert len(set(want)) > 8  # the draw reaches many of the rules
