"""The scene estimate: reports thinned by a known reporting model plus rounds of known effort give
back the intensity the data were drawn from, with honest uncertainty, and bad input says what is
missing."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from observatory.analysis.core.estimate import SceneEstimate, rook_neighbours

NX = NY = 24


def _scene(seed: int = 1, rounds: int = 240) -> dict:
    """Three bumps of use; residents many in the east, visibility high in the north; rounds visit
    the bumps and two empty places (3 x 3 cells each, one headcount spread over them)."""
    rng = np.random.default_rng(seed)
    iy, ix = np.divmod(np.arange(NX * NY), NX)
    lam = 0.1 + 40 * np.exp(-((ix - 5) ** 2 + (iy - 5) ** 2) / 4)
    lam += 30 * np.exp(-((ix - 17) ** 2 + (iy - 18) ** 2) / 3) + 20 * np.exp(
        -((ix - 18) ** 2 + (iy - 5) ** 2) / 3
    )
    residents = np.where(ix < 10, 15.0, 300.0)
    visibility = np.where(iy < 10, 0.25, 0.9)
    rho = 0.01 * residents * visibility  # the reporting rate: log-linear, slopes 1 and 1
    reports = rng.poisson(lam * rho)
    centres = [(5, 5), (17, 18), (18, 5), (8, 20), (20, 12)]
    effort = np.zeros((rounds, NX * NY))
    for k in range(rounds):
        cx, cy = centres[k % len(centres)]
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                effort[k, (cy + dy) * NX + cx + dx] = 1 / 9
    counts = rng.poisson(effort @ lam)
    return {
        "grid_cells": np.column_stack([ix, iy]),
        "reports_per_cell": reports,
        "rounds_counts": counts,
        "rounds_effort": sp.csr_matrix(effort),
        "residents": residents,
        "visibility": visibility,
        "truth": lam,
        "centres": centres,
    }


def _fit(data: dict, **options) -> SceneEstimate:
    kwargs = {k: v for k, v in data.items() if k not in ("truth", "centres")}
    return SceneEstimate.fit(**kwargs, **options)


@pytest.fixture(scope="module")
def scene() -> dict:
    return _scene()


@pytest.fixture(scope="module")
def fitted(scene) -> SceneEstimate:
    return _fit(scene)


def test_recovers_the_reporting_model_and_the_hidden_bump(scene, fitted):
    assert fitted.converged
    # The simulated thinning: log rho = log 0.01 + log(residents) + log(visibility).
    assert fitted.coefficients["log_residents"] == pytest.approx(1.0, abs=0.3)
    assert fitted.coefficients["log_visibility"] == pytest.approx(1.0, abs=0.4)
    lam = scene["truth"]
    hidden = 5 * NX + 5  # few residents, little seen: 40 people, few reports
    assert scene["reports_per_cell"][hidden] < 0.1 * lam[hidden]
    # Rounds count the 3 x 3 cells together: their total is what they identify.
    block = [(5 + dy) * NX + 5 + dx for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    assert fitted.intensity[block].sum() == pytest.approx(lam[block].sum(), rel=0.15)
    # Over the grid the estimate follows the truth far better than the reports do.
    r_reports = np.corrcoef(scene["reports_per_cell"], lam)[0, 1]
    r_est = np.corrcoef(fitted.intensity, lam)[0, 1]
    assert r_est > 0.9 > r_reports + 0.2


def test_standard_errors_are_honest(scene):
    """Over replicates of the data the 95 % intervals of the bump centres cover the truth, and the
    cells nobody reports and no round passes carry the widest intervals."""
    covered = total = 0
    for seed in range(2, 8):
        data = _scene(seed)
        est = _fit(data)
        low, high = est.intervals(0.95)
        for cx, cy in data["centres"][:3]:
            i = cy * NX + cx
            covered += int(low[i] <= data["truth"][i] <= high[i])
            total += 1
    assert covered / total >= 0.8
    est = _fit(scene)
    seen = 17 + 18 * NX  # a bump with rounds and many reports
    unseen = 1 + 22 * NX  # few residents (west), no round near
    assert est.log_intensity_se[unseen] > 3 * est.log_intensity_se[seen]
    assert est.data_weight[seen] > 0.8 > est.data_weight[unseen]
    assert np.all(est.intensity_se > 0)


def test_reporting_rate_per_cell_and_expected_reports(fitted, scene):
    assert fitted.reporting_rate.shape == (NX * NY,)
    east_north = 20 + 20 * NX
    west_south = 2 + 2 * NX
    assert fitted.reporting_rate[east_north] > 20 * fitted.reporting_rate[west_south]  # true ratio 72
    assert np.allclose(fitted.expected_reports, fitted.intensity * fitted.reporting_rate)
    assert fitted.expected_reports.sum() == pytest.approx(scene["reports_per_cell"].sum(), rel=0.05)


def test_visits_share_the_intensity():
    data = _scene()
    lam = data["truth"]
    # A care place near the first bump: catchment of 5 x 5 cells, daily visits over 60 days.
    catchment = np.zeros((60, NX * NY))
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            catchment[:, (5 + dy) * NX + 5 + dx] = 1.0
    visits = np.random.default_rng(3).poisson(0.05 * catchment @ lam)
    est = _fit(data, visits_counts=visits, visits_catchment=catchment)
    assert est.visit_scale == pytest.approx(0.05, rel=0.3)
    assert est.converged


def test_rook_neighbours_of_an_irregular_set():
    cells = np.array([[0, 0], [1, 0], [0, 1], [5, 5], [1, 1]])
    i, j = rook_neighbours(cells)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 4), (2, 4)]


def test_rook_neighbours_are_every_shared_edge_once_in_the_cells_order():
    """Against a cell-by-cell reference on random irregular sets (negative indices, holes, any
    order): for each cell in order, its neighbour at ix + 1, then at iy + 1."""
    rng = np.random.default_rng(4)
    for _ in range(50):
        cells = np.unique(rng.integers(-6, 7, size=(int(rng.integers(1, 120)), 2)), axis=0)
        cells = cells[rng.permutation(len(cells))]
        where = {(int(a), int(b)): k for k, (a, b) in enumerate(cells)}
        expected = [
            (k, where[other])
            for k, (a, b) in enumerate(cells)
            for other in ((int(a) + 1, int(b)), (int(a), int(b) + 1))
            if other in where
        ]
        i, j = rook_neighbours(cells)
        assert list(zip(i.tolist(), j.tolist(), strict=True)) == expected
    with pytest.raises(ValueError, match="twice"):
        rook_neighbours(np.array([[0, 0], [1, 0], [0, 0]]))


def test_fits_on_a_grid_with_holes(scene):
    keep = np.flatnonzero(scene["grid_cells"][:, 0] != 11)  # a street of cells removed
    data = dict(scene)
    data["grid_cells"] = scene["grid_cells"][keep]
    data["reports_per_cell"] = scene["reports_per_cell"][keep]
    data["residents"] = scene["residents"][keep]
    data["visibility"] = scene["visibility"][keep]
    data["rounds_effort"] = scene["rounds_effort"][:, keep]
    est = _fit(data)
    assert est.converged and est.intensity.shape == (len(keep),)


# --- bad input ------------------------------------------------------------------------------------


def test_rounds_without_effort_are_named(scene):
    effort = scene["rounds_effort"].toarray()
    effort[[3, 7]] = 0.0
    with pytest.raises(ValueError, match=r"2 rounds without effort.*: 3, 7"):
        _fit({**scene, "rounds_effort": effort})


def test_no_rounds_at_all(scene):
    with pytest.raises(ValueError, match="no outreach rounds"):
        _fit({**scene, "rounds_counts": np.zeros(0), "rounds_effort": np.zeros((0, NX * NY))})


def test_a_grid_where_no_source_has_data(scene):
    data = {**scene, "reports_per_cell": np.zeros(NX * NY), "rounds_counts": np.zeros(240)}
    with pytest.raises(ValueError, match="no source has data on the grid"):
        _fit(data)


def test_a_residents_layer_that_does_not_cover_the_grid(scene):
    residents = scene["residents"].copy()
    residents[[0, 30]] = np.nan
    with pytest.raises(ValueError, match=r"residents layer does not cover the grid: 2 cells.*ix=0, iy=0"):
        _fit({**scene, "residents": residents})
    with pytest.raises(ValueError, match="residents layer has 10 values for 576 cells"):
        _fit({**scene, "residents": np.ones(10)})
    with pytest.raises(ValueError, match="residents layer is missing"):
        _fit({**scene, "residents": None})


def test_other_bad_input(scene):
    with pytest.raises(ValueError, match="visibility is a share"):
        _fit({**scene, "visibility": scene["visibility"] * 2})
    with pytest.raises(ValueError, match="rounds effort is 240 x 5, expected 240 x 576"):
        _fit({**scene, "rounds_effort": np.ones((240, 5))})
    with pytest.raises(ValueError, match="reports_per_cell must be counts"):
        _fit({**scene, "reports_per_cell": -np.ones(NX * NY)})
    with pytest.raises(ValueError, match="lists a cell twice"):
        _fit({**scene, "grid_cells": np.zeros((NX * NY, 2), dtype=int)})
    with pytest.raises(ValueError, match="visits need both"):
        _fit(scene, visits_counts=np.ones(3))


def test_a_constant_covariate_is_dropped_with_a_warning(scene):
    est = _fit({**scene, "visibility": np.full(NX * NY, 0.5)})
    assert "log_visibility" not in est.coefficients
    assert any("log_visibility is the same in every cell" in w for w in est.warnings)
    doc = est.as_dict()
    assert set(doc) >= {"intensity", "intensity_se", "reporting_rate", "coefficients", "warnings"}
