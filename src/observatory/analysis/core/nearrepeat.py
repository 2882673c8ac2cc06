"""Near repeats: the Knox test by distance and time bands, as the Near Repeat Calculator computes it.

Every pair of events is classed by its spatial distance (Manhattan by default, or Euclidean) and by
the number of days between its dates, into the bands the Near Repeat Calculator (NRC 1.3,
Ratcliffe 2009) actually counts, which are not the ones its labels name:

* distance: "same location" (distance 0), then ``(0, b)``, ``[b, 2b)``, ``[2b, 3b)``, ... and
  ``[n·b, ∞)``: the NRC's "1 to 100" is under 100 m, its "101 to 200" starts at 100 m exactly;
* time: ``[0, t)``, ``[t, 2t)``, ... and ``[n·t, ∞)`` days: the NRC's "0 to 7" is 0 to 6 days, its
  "8 to 14" 7 to 13 days (Davies and Steenbeek found it with two-event examples; the tables in
  ``../shared/data/near_repeat`` confirm it);
* coordinates in single precision: the NRC reads them as 32-bit floats, so a distance that is
  399.96 m in double precision can be 400.0 m for it and fall in the next band (``precision=
  "single"``, the default, does the same; ``"double"`` keeps full precision).

With these conventions the observed tables of the three NRC outputs in the shared data are
reproduced cell for cell. The expected counts are the means over Monte Carlo permutations of the
dates among the events (seeded), the p-value ``(#{sim >= observed} + 1) / (permutations + 1)`` (the
NRC's "iterations" count the observed table as one: its 20 iterations are our 19 permutations),
and the Knox ratio observed / mean expected.

Only pairs closer than the last finite spatial band are enumerated (a k-d tree); the "more than"
row is the time-band total minus the closer rows, the totals coming from the histogram of dates
(unchanged by permuting dates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

PRECISIONS = ("single", "double")


@dataclass
class KnoxResult:
    spatial_labels: list[str]
    temporal_labels: list[str]
    observed: NDArray[np.int64]  # (n_spatial + 2, n_temporal + 1)
    expected: NDArray[np.float64]  # mean over permutations
    p_values: NDArray[np.float64]
    knox_ratio: NDArray[np.float64]  # NaN where nothing was expected
    permutations: int
    seed: int
    metric: str
    precision: str = "single"


def knox_statistics(
    observed: NDArray[np.int64], sims: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Mean expected counts, p-values ``(#{sim >= obs} + 1) / (P + 1)`` and Knox ratios.

    ``sims`` stacks the P simulated tables on axis 0. The ratio is NaN where the mean is 0.
    """
    sims = np.asarray(sims)
    expected = sims.mean(axis=0)
    p_values = ((sims >= observed).sum(axis=0) + 1) / (sims.shape[0] + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    return expected, p_values, ratio


def spatial_rows(distance: NDArray[np.float64], spatial_band: float, n_spatial: int) -> NDArray[np.int64]:
    """Row of each distance: 0 same location, k for ``[(k-1)·b, k·b)`` (row 1 is ``(0, b)``)."""
    d = np.asarray(distance, dtype=np.float64)
    rows = np.floor(d / spatial_band).astype(np.int64) + 1
    return np.where(d == 0, 0, np.minimum(rows, n_spatial + 1))


def knox_test(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    days: NDArray[np.int64],
    *,
    spatial_band: float,
    n_spatial: int,
    temporal_band: int,
    n_temporal: int,
    metric: str = "manhattan",
    permutations: int = 99,
    seed: int = 0,
    precision: str = "single",
) -> KnoxResult:
    """The Knox table of event pairs: observed, expected, p-values and ratios."""
    if metric not in ("manhattan", "euclidean"):
        raise ValueError(f"the metric must be 'manhattan' or 'euclidean', not {metric!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"the precision must be 'single' or 'double', not {precision!r}")
    if spatial_band <= 0 or temporal_band < 1 or n_spatial < 1 or n_temporal < 1:
        raise ValueError("bands must be positive and at least one of each")
    if permutations < 1:
        raise ValueError("at least one permutation")
    dtype = np.float32 if precision == "single" else np.float64
    pts = np.column_stack([np.asarray(x, dtype=dtype), np.asarray(y, dtype=dtype)]).astype(np.float64)
    t = np.asarray(days, dtype=np.int64)
    n = len(t)
    if n < 2:
        raise ValueError("the Knox test needs at least 2 events")
    if not np.isfinite(pts).all():
        raise ValueError("coordinates must be finite numbers")
    max_s = spatial_band * n_spatial
    tree = cKDTree(pts)
    pairs = tree.query_pairs(max_s, p=1 if metric == "manhattan" else 2, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = pts[i] - pts[j]  # exact: differences of single-precision values
    s = np.abs(d).sum(axis=1) if metric == "manhattan" else np.hypot(d[:, 0], d[:, 1])
    srow = spatial_rows(s, spatial_band, n_spatial)
    keep = srow <= n_spatial  # the k-d tree's radius is inclusive, the last band is not
    i, j, srow = i[keep], j[keep], srow[keep]
    n_rows, n_cols = n_spatial + 2, n_temporal + 1

    # time-band totals over all pairs, from the histogram of days
    t0 = t.min()
    hist = np.bincount(t - t0).astype(np.float64)
    lags = np.correlate(hist, hist, mode="full")[len(hist) - 1 :]
    lags[0] = (hist * (hist - 1) / 2).sum()
    lag_col = np.minimum(np.arange(len(lags)) // temporal_band, n_temporal)
    totals = np.bincount(lag_col, weights=lags, minlength=n_cols).round().astype(np.int64)

    def table(tt: NDArray[np.int64]) -> NDArray[np.int64]:
        col = np.minimum(np.abs(tt[i] - tt[j]) // temporal_band, n_temporal)
        close = np.bincount(srow * n_cols + col, minlength=(n_spatial + 1) * n_cols).reshape(
            n_spatial + 1, n_cols
        )
        return np.vstack([close, totals - close.sum(axis=0)])

    observed = table(t)
    rng = np.random.default_rng(seed)
    sims = np.empty((permutations, n_rows, n_cols), dtype=np.int64)
    for k in range(permutations):
        sims[k] = table(rng.permutation(t))
    expected, p_values, ratio = knox_statistics(observed, sims)
    b = spatial_band
    s_labels = ["same location", f"(0, {b:g}) m"]
    s_labels += [f"[{k * b:g}, {(k + 1) * b:g}) m" for k in range(1, n_spatial)]
    s_labels.append(f"{n_spatial * b:g} m or more")
    t_labels = [f"{k * temporal_band} to {(k + 1) * temporal_band - 1} days" for k in range(n_temporal)]
    t_labels.append(f"{n_temporal * temporal_band} days or more")
    return KnoxResult(
        s_labels, t_labels, observed, expected, p_values, ratio, permutations, seed, metric, precision
    )
