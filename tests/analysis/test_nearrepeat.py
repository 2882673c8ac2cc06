"""The Knox test reproduces the Near Repeat Calculator's tables in ../shared/data/near_repeat.

The NRC 1.3 outputs there (Steenbeek's arson and January burglary runs, Davies's 2016 burglary
run) were made with the settings below; its "Observed frequencies distribution" is deterministic,
so it is compared cell for cell. Its expected counts come from its own random permutations: we
check that our seeded means agree within sampling error, and that our p-value and ratio formulas
give the NRC's figures from the NRC's own simulated counts.
"""

from __future__ import annotations

import csv
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from observatory.analysis.core.nearrepeat import knox_statistics, knox_test, spatial_rows

# name: (spatial band, temporal band, n_temporal, metric, NRC iterations), 3 spatial bands each
NRC_RUNS = {
    "chicago_be_month1": (100, 7, 3, "manhattan", 20),
    "chicago_arson": (200, 1, 3, "manhattan", 100),
    "chicago_burglary_2016": (100, 2, 2, "euclidean", 20),
}


def _nrc_verbose(path):
    """The observed table and, per cell, the simulated counts and the NRC's mean, p and ratio."""
    rows = [[v.strip() for v in r] for r in csv.reader(path.open(encoding="utf-8"))]
    start = next(k for k, r in enumerate(rows) if r and r[0] == "Observed frequencies distribution")
    n_cols = sum(1 for v in rows[start + 1][2:] if v)
    observed = []
    for r in rows[start + 3 :]:
        if not (r and r[0].isdigit()):
            break
        observed.append([int(v) if v else 0 for v in r[2 : 2 + n_cols]])
    cells = {}
    for k, r in enumerate(rows):
        m = re.fullmatch(r"Row (\d+) Column (\d+)", r[0] if r else "")
        if not m:
            continue
        sims: list[int] = []
        stats: dict[str, float] = {}
        for line in rows[k + 1 :]:
            if line and line[0] == "Obs over Mean Exp":
                stats["ratio"] = float(line[1])
                break
            if line and line[0] in ("Observed", "Mean", "P value"):
                stats[line[0]] = float(line[1])
            elif line and line[0] in ("Expected", ""):
                sims += [int(v) for v in line[1:] if v]
        cells[(int(m.group(1)) - 1, int(m.group(2)) - 1)] = (np.array(sims), stats)
    return np.array(observed), cells


def _events(folder, name):
    if name == "chicago_burglary_2016":  # Davies: 2016 rows of the 2014-2017 file, day first
        d = pd.read_csv(folder / "chicago_burglary_2014_2017.csv")
        dates = pd.to_datetime(d["date_single"], format="%d/%m/%Y")
        keep = (dates.dt.year == 2016).to_numpy()
        d, dates = d[keep], dates[keep]
    else:
        d = pd.read_csv(folder / f"{name}.csv", header=None, names=["x", "y", "date"])
        dates = pd.to_datetime(d["date"])
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return d["x"].to_numpy(float), d["y"].to_numpy(float), days


def _run(shared_data, name, permutations, **kw):
    band, tband, n_t, metric, _ = NRC_RUNS[name]
    x, y, days = _events(shared_data / "near_repeat", name)
    res = knox_test(
        x,
        y,
        days,
        spatial_band=band,
        n_spatial=3,
        temporal_band=tband,
        n_temporal=n_t,
        metric=metric,
        permutations=permutations,
        seed=1,
        **kw,
    )
    return x, res


@pytest.mark.parametrize("name", list(NRC_RUNS))
def test_observed_table_equals_the_nrc_table(shared_data, name):
    x, res = _run(shared_data, name, permutations=1)
    nrc_observed, _ = _nrc_verbose(shared_data / "near_repeat" / f"{name}_NRC_verbose.csv")
    assert nrc_observed.shape == res.observed.shape
    assert np.array_equal(res.observed, nrc_observed)
    assert res.observed.sum() == len(x) * (len(x) - 1) // 2
    if name == "chicago_burglary_2016":
        assert len(x) == 11701  # "Source data records used: 11701"


@pytest.mark.parametrize("name", ["chicago_be_month1", "chicago_arson"])
def test_expected_counts_agree_with_nrc_simulations(shared_data, name):
    _, res = _run(shared_data, name, permutations=199)
    _, cells = _nrc_verbose(shared_data / "near_repeat" / f"{name}_NRC_verbose.csv")
    for (r, c), (sims, _) in cells.items():
        if r >= 4:
            continue
        se = np.sqrt(sims.var(ddof=1) / len(sims) + res.expected[r, c] / 199) + 0.05
        assert abs(res.expected[r, c] - sims.mean()) < 4.5 * se, (r, c)


@pytest.mark.parametrize("name", list(NRC_RUNS))
def test_p_values_and_ratios_from_nrc_simulations_equal_the_nrc_figures(shared_data, name):
    """The NRC's "iterations" count the observed table: 20 iterations are 19 permutations."""
    iterations = NRC_RUNS[name][4]
    observed, cells = _nrc_verbose(shared_data / "near_repeat" / f"{name}_NRC_verbose.csv")
    assert len(cells) == observed.size
    for (r, c), (sims, stats) in cells.items():
        assert len(sims) == iterations - 1
        assert stats["Observed"] == observed[r, c]
        expected, p, ratio = knox_statistics(np.array(observed[r, c]), sims[:, None])
        assert expected[0] == pytest.approx(stats["Mean"], rel=1e-8), (r, c)
        assert p[0] == pytest.approx(stats["P value"]), (r, c)
        if expected[0] > 0:
            assert ratio[0] == pytest.approx(stats["ratio"], rel=1e-8), (r, c)


def _vb_single(value: float) -> str:
    """A value as a 32-bit float printed with 7 significant digits, halves away from zero."""
    d = Decimal(float(np.float32(value)))
    return format(d.quantize(Decimal(1).scaleb(d.adjusted() - 6), rounding=ROUND_HALF_UP).normalize(), "f")


@pytest.mark.parametrize("name", ["chicago_be_month1", "chicago_arson"])
def test_nrc_holds_coordinates_in_single_precision(shared_data, name):
    """The NRC echoes its source data: every coordinate is the 32-bit float of the input value
    (585511.95809562 is echoed 585511.9, its single 585511.9375); double precision would not fit."""
    folder = shared_data / "near_repeat"
    rows = [[v.strip() for v in r] for r in csv.reader((folder / f"{name}_NRC_verbose.csv").open())]
    k = next(i for i, r in enumerate(rows) if r and r[0].startswith("SOURCE DATA"))
    echo = [(r[1], r[2]) for r in rows[k + 2 :] if len(r) >= 3 and r[0].isdigit()]
    raw = list(csv.reader((folder / f"{name}.csv").open()))
    assert len(echo) == len(raw)
    assert echo == [(_vb_single(float(r[0])), _vb_single(float(r[1]))) for r in raw]


def test_arson_pair_at_399_96_m_is_400_m_in_single_precision(shared_data):
    """The one arson pair the double-precision table put in the wrong band (the NRC's "401 to 600")."""
    _, single = _run(shared_data, "chicago_arson", permutations=1)
    _, double = _run(shared_data, "chicago_arson", permutations=1, precision="double")
    diff = double.observed - single.observed
    assert diff[2, 3] == 1 and diff[3, 3] == -1 and np.abs(diff).sum() == 2
    assert single.precision == "single" and double.precision == "double"


def test_band_edges_of_the_pathological_example():
    """Davies's and Steenbeek's two events 100 m and 3 days apart: the NRC puts them in
    "101 to 200" m with 100 m bands and "4 to 6" days with 3-day bands."""
    x, y, days = np.array([0.0, 0.0]), np.array([0.0, 100.0]), np.array([0, 3])
    res = knox_test(x, y, days, spatial_band=100, n_spatial=2, temporal_band=3, n_temporal=2, permutations=1)
    assert res.observed[2, 1] == 1 and res.observed.sum() == 1
    assert res.spatial_labels == ["same location", "(0, 100) m", "[100, 200) m", "200 m or more"]
    assert res.temporal_labels == ["0 to 2 days", "3 to 5 days", "6 days or more"]
    res = knox_test(x, y, days, spatial_band=200, n_spatial=2, temporal_band=3, n_temporal=2, permutations=1)
    assert res.observed[1, 1] == 1
    assert spatial_rows(np.array([0.0, 1e-9, 99.999, 100.0, 200.0, 299.99, 300.0]), 100, 3).tolist() == [
        0,
        1,
        1,
        2,
        3,
        3,
        4,
    ]


def test_bad_arguments_are_refused():
    one: dict[str, Any] = {"spatial_band": 1, "n_spatial": 1, "temporal_band": 1, "n_temporal": 1}
    with pytest.raises(ValueError, match="metric"):
        knox_test(np.zeros(3), np.zeros(3), np.zeros(3, int), metric="chebyshev", **one)
    with pytest.raises(ValueError, match="precision"):
        knox_test(np.zeros(3), np.zeros(3), np.zeros(3, int), precision="half", **one)
    with pytest.raises(ValueError, match="at least 2"):
        knox_test(np.zeros(1), np.zeros(1), np.zeros(1, int), **one)
