"""The Knox test reproduces the Near Repeat Calculator's tables in ../shared/data/near_repeat."""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest

from observatory.analysis.nearrepeat import knox_test


def _nrc_tables(path):
    """Observed counts and the per-cell 'Expected' simulation lists of an NRC verbose output."""
    rows = list(csv.reader(path.open(encoding="utf-8")))
    start = next(k for k, r in enumerate(rows) if r and r[0].startswith("Observed frequencies distribution"))
    observed = []
    for r in rows[start + 3 :]:
        if not r or not r[0].strip().isdigit():
            break
        observed.append(
            [int(v) if v.strip() else 0 for v in r[2:] if v.strip() != "" or True][: len(rows[start + 1]) - 2]
        )
    observed = [
        [int(v) if v.strip() else 0 for v in r[2:6]] for r in rows[start + 3 : start + 3 + len(observed)]
    ]
    sims: dict[tuple[int, int], list[int]] = {}
    for k, r in enumerate(rows):
        m = re.match(r"Row (\d+) Column (\d+)", r[0] if r else "")
        if m:
            values = [int(v) for v in rows[k + 1][1:] if v.strip()]
            values += [int(v) for v in rows[k + 2][1:] if v.strip()]
            sims[(int(m.group(1)) - 1, int(m.group(2)) - 1)] = values
    return np.array(observed), sims


def _events(path, date_format=None, year=None):
    if year is None:
        d = pd.read_csv(path, header=None, names=["x", "y", "date"])
        dates = pd.to_datetime(d["date"])
    else:
        d = pd.read_csv(path)
        dates = pd.to_datetime(d["date_single"], format=date_format)
        keep = (dates.dt.year == year).to_numpy()
        d, dates = d[keep], dates[keep]
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return d["x"].to_numpy(float), d["y"].to_numpy(float), days


@pytest.mark.parametrize(
    ("name", "band", "tband", "exact"),
    [("chicago_be_month1", 100, 7, True), ("chicago_arson", 200, 1, False)],
)
def test_observed_and_expected_match_nrc(shared_data, name, band, tband, exact):
    folder = shared_data / "near_repeat"
    x, y, days = _events(folder / f"{name}.csv")
    nrc_obs, nrc_sims = _nrc_tables(folder / f"{name}_NRC_verbose.csv")
    res = knox_test(
        x,
        y,
        days,
        spatial_band=band,
        n_spatial=3,
        temporal_band=tband,
        n_temporal=3,
        permutations=199,
        seed=1,
    )
    n_cols = nrc_obs.shape[1]
    ours = res.observed[:, :n_cols]
    if exact:
        assert np.array_equal(ours, nrc_obs)
    else:
        # one pair at 400.2 m Manhattan: the NRC puts it in "401 to 600"; every other cell agrees
        assert np.abs(ours - nrc_obs).sum() <= 2
        assert np.array_equal(ours[:2], nrc_obs[:2]) and np.array_equal(ours[4, :3], nrc_obs[4, :3])
    assert res.observed.sum() == len(x) * (len(x) - 1) // 2
    # Expected counts: our seeded permutations vs the NRC's simulations, within sampling error.
    for (r, c), sims in nrc_sims.items():
        if r >= 4:
            continue
        sims_a = np.array(sims, dtype=float)
        se = np.sqrt(sims_a.var(ddof=1) / len(sims_a) + res.expected[r, c] / 199) + 0.05
        assert abs(res.expected[r, c] - sims_a.mean()) < 4.5 * se, (r, c)


def test_burglary_2016_euclidean_matches_nrc(shared_data):
    folder = shared_data / "near_repeat"
    x, y, days = _events(folder / "chicago_burglary_2014_2017.csv", "%d/%m/%Y", 2016)
    assert len(x) == 11701  # "Source data records used: 11701"
    nrc_obs, _ = _nrc_tables(folder / "chicago_burglary_2016_NRC_verbose.csv")
    res = knox_test(
        x,
        y,
        days,
        spatial_band=100,
        n_spatial=3,
        temporal_band=2,
        n_temporal=2,
        metric="euclidean",
        permutations=9,
    )
    # "0 to 2" and "3 to 4" days agree exactly; "more than 4" within a few pairs at band edges
    assert np.array_equal(res.observed[:, :2], nrc_obs[:, :2])
    assert np.abs(res.observed[:, 2] - nrc_obs[:, 2]).max() <= 10
    assert (res.p_values[:4, :2] <= 0.1).all()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="metric"):
        knox_test(
            np.zeros(3),
            np.zeros(3),
            np.zeros(3, int),
            spatial_band=1,
            n_spatial=1,
            temporal_band=1,
            n_temporal=1,
            metric="chebyshev",
        )
    with pytest.raises(ValueError, match="at least 2"):
        knox_test(
            np.zeros(1),
            np.zeros(1),
            np.zeros(1, int),
            spatial_band=1,
            n_spatial=1,
            temporal_band=1,
            n_temporal=1,
        )
