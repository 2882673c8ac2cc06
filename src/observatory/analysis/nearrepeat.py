"""Near repeats: the Knox test by distance and time bands, as the Near Repeat Calculator computes it.

Every pair of events is classed by its spatial distance (Manhattan by default, or Euclidean) into
"same location" (distance 0), bands ``(0, b]``, ``(b, 2b]``, ... and "more than", and by its time
distance in days into bands ``[0, t)``, ``[t, 2t)``, ... and "more than" (the NRC's "0 to 7", "8 to
14" ... columns; Ratcliffe 2009, Near Repeat Calculator 1.3). The expected counts are the means over
Monte Carlo permutations of the dates among the events (seeded), the p-value ``(#{sim >= observed}
+ 1) / (permutations + 1)``, and the Knox ratio observed / mean expected.

Only pairs closer than the last finite spatial band are enumerated (a k-d tree); the "more than"
row is the time-band total minus the closer rows, the totals coming from the histogram of dates
(unchanged by permuting dates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree


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
) -> KnoxResult:
    """The Knox table of event pairs: observed, expected, p-values and ratios."""
    if metric not in ("manhattan", "euclidean"):
        raise ValueError(f"the metric must be 'manhattan' or 'euclidean', not {metric!r}")
    if spatial_band <= 0 or temporal_band < 1 or n_spatial < 1 or n_temporal < 1:
        raise ValueError("bands must be positive and at least one of each")
    if permutations < 1:
        raise ValueError("at least one permutation")
    pts = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
    t = np.asarray(days, dtype=np.int64)
    n = len(t)
    if n < 2:
        raise ValueError("the Knox test needs at least 2 events")
    max_s = spatial_band * n_spatial
    tree = cKDTree(pts)
    pairs = tree.query_pairs(max_s * (1 + 1e-9), p=1 if metric == "manhattan" else 2, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = pts[i] - pts[j]
    s = np.abs(d).sum(axis=1) if metric == "manhattan" else np.hypot(d[:, 0], d[:, 1])
    keep = s <= max_s
    i, j, s = i[keep], j[keep], s[keep]
    srow = np.where(s == 0, 0, np.ceil(s / spatial_band).astype(np.int64))  # (0,b] -> 1 ...
    srow = np.minimum(srow, n_spatial)
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
    expected = sims.mean(axis=0)
    p_values = ((sims >= observed).sum(axis=0) + 1) / (permutations + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    s_labels = ["same location"]
    s_labels += [f"{k * spatial_band:g} to {(k + 1) * spatial_band:g} m" for k in range(n_spatial)]
    s_labels.append(f"more than {n_spatial * spatial_band:g} m")
    t_labels = [f"{k * temporal_band} to {(k + 1) * temporal_band - 1} days" for k in range(n_temporal)]
    t_labels.append(f"more than {n_temporal * temporal_band - 1} days")
    return KnoxResult(s_labels, t_labels, observed, expected, p_values, ratio, permutations, seed, metric)
