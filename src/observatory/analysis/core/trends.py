"""Trends: emerging hot spot analysis over a space-time cube (ArcGIS, sfdep).

1. Events are counted per location and period (week or month): a cube ``(T, n_locations)``.
2. Space-time Gi* of every bin with a time lag k (default 1): the neighbourhood of location i at time
   t is its spatial neighbourhood (self included) at times t, t-1, ..., t-k; the mean and variance
   are those of the time slice t (sfdep's ``local_g_spt``; Ord and Getis 1995).
3. A Mann-Kendall test on each location's Gi* series (tau-b and the normal approximation with the
   tie-corrected variance of S).
4. Each location gets the first of the 17 classes (new, consecutive, intensifying, persistent,
   diminishing, oscillating, historical, sporadic hot and cold spots, no pattern) whose rule holds,
   the rules and their order being sfdep's ``classify_hotspot`` transcription of Esri's definitions.

Deviations from sfdep: a bin is significant by the two-sided p-value of its z-score (as ArcGIS does),
not by a permutation p-value, so results are deterministic; and "intensifying hot spot" needs 90 % of
the bins to be significant *hot* spots, as Esri defines it (sfdep counts any significant bin, so a
cold spot warming significantly would be called an intensifying hot spot, and "diminishing cold
spot" could never be reached).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from observatory.analysis.core.hotspots import two_sided_p

CLASSES = (
    "new hotspot",
    "new coldspot",
    "consecutive hotspot",
    "consecutive coldspot",
    "intensifying hotspot",
    "intensifying coldspot",
    "persistent hotspot",
    "persistent coldspot",
    "diminishing hotspot",
    "diminishing coldspot",
    "oscillating hotspot",
    "oscillating coldspot",
    "historical hotspot",
    "historical coldspot",
    "sporadic hotspot",
    "sporadic coldspot",
    "no pattern detected",
)


def period_index(dates: NDArray[np.datetime64], period: str) -> tuple[NDArray[np.int64], list[str]]:
    """Index of each date's period from the first to the last (every period, empty ones included)."""
    if period not in ("week", "month"):
        raise ValueError(f"the period must be 'week' or 'month', not {period!r}")
    d = np.asarray(dates, dtype="datetime64[D]")
    if d.size == 0:
        raise ValueError("no events")
    if period == "month":
        m = d.astype("datetime64[M]")
        first = m.min()
        idx = (m - first).astype(np.int64)
        labels = [str(first + k) for k in range(int(idx.max()) + 1)]
    else:
        # ISO weeks start on Monday; 1970-01-01 was a Thursday.
        monday = d - ((d.astype(np.int64) + 3) % 7).astype("timedelta64[D]")
        first = monday.min()
        idx = ((monday - first).astype(np.int64) // 7).astype(np.int64)
        labels = [str(first + np.timedelta64(7 * k, "D")) for k in range(int(idx.max()) + 1)]
    return idx, labels


def cube_counts(
    location: NDArray[np.int64],
    period: NDArray[np.int64],
    n_locations: int,
    n_periods: int,
    weights: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Counts ``(n_periods, n_locations)`` of events (location -1 ignored); ``weights``: how many
    events each entry stands for (counts kept per cell and period), 1 when None."""
    ok = location >= 0
    flat = period[ok] * n_locations + location[ok]
    if weights is None:
        return np.bincount(flat, minlength=n_periods * n_locations).reshape(n_periods, n_locations)
    summed = np.bincount(flat, weights=np.asarray(weights)[ok], minlength=n_periods * n_locations)
    return np.rint(summed).astype(np.int64).reshape(n_periods, n_locations)


def spacetime_gi_star(
    cube: NDArray[np.floating[Any]] | NDArray[np.integer[Any]],
    weights: sp.spmatrix,
    *,
    lag: int = 1,
    style: str = "binary",
) -> NDArray[np.float64]:
    """Space-time Gi* z-scores ``(T, n)``; ``weights`` are spatial, binary, self included.

    ``style="row"`` row-standardises the spatial weights (sfdep's default); ``"binary"`` keeps 1s.
    """
    x = np.asarray(cube, dtype=np.float64)
    t_count, n = x.shape
    w = sp.csr_matrix(weights, dtype=np.float64, copy=True)
    if w.shape != (n, n):
        raise ValueError(f"weights are {w.shape}, the cube has {n} locations")
    w.data[:] = 1.0
    card = np.asarray(w.sum(axis=1)).ravel()
    if style == "row":
        w = sp.diags(1.0 / card) @ w
        w_row, w_sq = np.ones(n), 1.0 / card
    elif style == "binary":
        w_row, w_sq = card, card
    else:
        raise ValueError(f"style must be 'binary' or 'row', not {style!r}")
    if lag < 0:
        raise ValueError("the time lag must be >= 0")
    lagged = np.ascontiguousarray((w @ x.T).T)  # (T, n): spatial lag of each slice
    # The lagged sum of each slice, t - lag .. t, added in time order (as a sum over the window).
    lx = np.zeros((t_count, n))
    for d in range(min(lag, t_count - 1), -1, -1):
        lx[d:] += lagged[: t_count - d]
    layers = np.minimum(np.arange(t_count), lag) + 1.0  # slices in each window
    wi, s1 = w_row[None, :] * layers[:, None], w_sq[None, :] * layers[:, None]
    mean = x.mean(axis=1, keepdims=True)
    var = ((x - mean) ** 2).sum(axis=1, keepdims=True) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        z: NDArray[np.float64] = (lx - wi * mean) / np.sqrt(var * (n * s1 - wi * wi) / (n - 1))
    return z


def mann_kendall(series: NDArray[np.floating]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mann-Kendall trend test of each column of ``series`` ``(T, m)`` against time.

    Returns (tau-b, two-sided p) per column; p from ``S / sqrt(var S)``, var S tie-corrected
    (Kendall 1975), the same as ``scipy.stats.kendalltau(range(T), x)``.
    """
    x = np.asarray(series, dtype=np.float64)
    t_count, m = x.shape
    if t_count < 3:
        raise ValueError("the Mann-Kendall test needs at least 3 periods")
    # S: pairs rising minus pairs falling (counted, not signs summed: a third less time).
    s = np.zeros(m)
    for i in range(t_count - 1):
        later = x[i + 1 :]
        s += np.count_nonzero(later > x[i], axis=0) - np.count_nonzero(later < x[i], axis=0)
    s[np.isnan(x).any(axis=0)] = np.nan  # as the signs' sum: a column with a gap has no S
    # Ties, per column with any (z-scores seldom tie: most columns skip the runs' walk).
    srt = np.sort(x, axis=0)
    tie_pairs = np.zeros(m)
    tie_var = np.zeros(m)
    tied = np.flatnonzero((srt[1:] == srt[:-1]).any(axis=0))
    if len(tied):
        sub = srt[:, tied]
        run = np.ones(len(tied))
        pairs = np.zeros(len(tied))
        var_t = np.zeros(len(tied))
        for i in range(1, t_count + 1):
            same = (sub[i] == sub[i - 1]) if i < t_count else np.zeros(len(tied), dtype=bool)
            ended = ~same
            pairs += np.where(ended, run * (run - 1) / 2, 0.0)
            var_t += np.where(ended, run * (run - 1) * (2 * run + 5), 0.0)
            run = np.where(same, run + 1, 1.0)
        tie_pairs[tied] = pairs
        tie_var[tied] = var_t
    n0 = t_count * (t_count - 1) / 2
    var_s = (t_count * (t_count - 1) * (2 * t_count + 5) - tie_var) / 18
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = s / np.sqrt(n0 * (n0 - tie_pairs))
        zs = s / np.sqrt(var_s)
    p = np.where(var_s > 0, two_sided_p(zs), 1.0)
    return np.nan_to_num(tau, nan=0.0), p


def _final_run_ok(sig: NDArray[np.bool_], gs: NDArray[np.float64], hot: bool, n: int) -> bool:
    # sfdep: the final run of significant bins, nothing significant before it, < 90 % of the kind.
    run = 0
    while run < n and sig[n - 1 - run]:
        run += 1
    before = sig[: n - run]
    kind = sig & (gs > 0) if hot else sig & (gs < 0)
    return (not before.any()) and (kind.sum() / n < 0.9)


def classify_series(
    gs: NDArray[np.float64], sig: NDArray[np.bool_], tau: float, tau_p: float, threshold: float
) -> str:
    """The first of sfdep's 17 rules (in its order) that holds for one location's Gi* series."""
    n = len(gs)
    hot = sig & (gs > 0)
    cold = sig & (gs < 0)
    share_hot, share_cold = hot.sum() / n, cold.sum() / n
    last_hot, last_cold = bool(sig[-1] and gs[-1] > 0), bool(sig[-1] and gs[-1] < 0)
    rules = (
        ("new hotspot", sig.sum() == 1 and last_hot),
        ("new coldspot", sig.sum() == 1 and last_cold),
        ("consecutive hotspot", last_hot and _final_run_ok(sig, gs, True, n)),
        ("consecutive coldspot", last_cold and _final_run_ok(sig, gs, False, n)),
        ("intensifying hotspot", share_hot >= 0.9 and sig[-1] and tau > 0 and tau_p < threshold),
        ("intensifying coldspot", share_cold >= 0.9 and sig[-1] and tau < 0 and tau_p <= threshold),
        ("persistent hotspot", share_hot >= 0.9 and tau_p > threshold),
        ("persistent coldspot", share_cold >= 0.9 and tau_p > threshold),
        ("diminishing hotspot", share_hot >= 0.9 and sig[-1] and tau < 0 and tau_p <= threshold),
        ("diminishing coldspot", share_cold >= 0.9 and sig[-1] and tau > 0 and tau_p <= threshold),
        ("oscillating hotspot", share_hot <= 0.9 and last_hot and cold.any()),
        ("oscillating coldspot", share_cold < 0.9 and last_cold and hot.any()),
        ("historical hotspot", share_hot >= 0.9 and gs[-1] < 0),
        ("historical coldspot", gs[-1] > 0 and share_cold >= 0.9),
        ("sporadic hotspot", share_hot < 0.9 and not cold.any() and hot.any()),
        ("sporadic coldspot", share_cold < 0.9 and not hot.any() and cold.any()),
    )
    for name, holds in rules:
        if holds:
            return name
    return "no pattern detected"


def classify_all(
    gs: NDArray[np.float64],
    sig: NDArray[np.bool_],
    tau: NDArray[np.float64],
    tau_p: NDArray[np.float64],
    threshold: float,
) -> NDArray[np.str_]:
    """:func:`classify_series` for every column of ``(T, n)`` arrays at once (the same rules in the
    same order, as array expressions: a city of 100 m cells took seconds one column at a time)."""
    n = gs.shape[0]
    hot = sig & (gs > 0)
    cold = sig & (gs < 0)
    share_hot, share_cold = hot.sum(axis=0) / n, cold.sum(axis=0) / n
    last_sig = sig[-1]
    last_hot, last_cold = last_sig & (gs[-1] > 0), last_sig & (gs[-1] < 0)
    n_sig = sig.sum(axis=0)
    final_run = np.cumprod(sig[::-1], axis=0).sum(axis=0)  # significant bins at the end, in a row
    only_final_run = n_sig == final_run  # nothing significant before that run
    rules = (
        ("new hotspot", (n_sig == 1) & last_hot),
        ("new coldspot", (n_sig == 1) & last_cold),
        ("consecutive hotspot", last_hot & only_final_run & (share_hot < 0.9)),
        ("consecutive coldspot", last_cold & only_final_run & (share_cold < 0.9)),
        ("intensifying hotspot", (share_hot >= 0.9) & last_sig & (tau > 0) & (tau_p < threshold)),
        ("intensifying coldspot", (share_cold >= 0.9) & last_sig & (tau < 0) & (tau_p <= threshold)),
        ("persistent hotspot", (share_hot >= 0.9) & (tau_p > threshold)),
        ("persistent coldspot", (share_cold >= 0.9) & (tau_p > threshold)),
        ("diminishing hotspot", (share_hot >= 0.9) & last_sig & (tau < 0) & (tau_p <= threshold)),
        ("diminishing coldspot", (share_cold >= 0.9) & last_sig & (tau > 0) & (tau_p <= threshold)),
        ("oscillating hotspot", (share_hot <= 0.9) & last_hot & cold.any(axis=0)),
        ("oscillating coldspot", (share_cold < 0.9) & last_cold & hot.any(axis=0)),
        ("historical hotspot", (share_hot >= 0.9) & (gs[-1] < 0)),
        ("historical coldspot", (gs[-1] > 0) & (share_cold >= 0.9)),
        ("sporadic hotspot", (share_hot < 0.9) & ~cold.any(axis=0) & hot.any(axis=0)),
        ("sporadic coldspot", (share_cold < 0.9) & ~hot.any(axis=0) & cold.any(axis=0)),
    )
    names = np.array([name for name, _ in rules] + ["no pattern detected"])
    holds = np.vstack([cond for _, cond in rules] + [np.ones(gs.shape[1], dtype=bool)])
    out: NDArray[np.str_] = names[np.argmax(holds, axis=0)]
    return out


@dataclass
class EmergingResult:
    gi_star: NDArray[np.float64]  # (T, n) z-scores
    p: NDArray[np.float64]  # (T, n) two-sided p-values
    tau: NDArray[np.float64]  # (n,)
    tau_p: NDArray[np.float64]  # (n,)
    classes: NDArray[np.str_]  # (n,)
    threshold: float
    lag: int
    periods: list[str]

    def class_counts(self) -> dict[str, int]:
        return {c: int(np.sum(self.classes == c)) for c in CLASSES if np.any(self.classes == c)}


def emerging_hotspots(
    cube: NDArray[np.floating[Any]] | NDArray[np.integer[Any]],
    weights: sp.spmatrix,
    *,
    lag: int = 1,
    threshold: float = 0.05,
    style: str = "binary",
    periods: list[str] | None = None,
) -> EmergingResult:
    """Emerging hot spot analysis of a ``(T, n)`` cube with spatial binary weights (self included)."""
    if not 0 < threshold < 1:
        raise ValueError(f"the threshold must be between 0 and 1, not {threshold}")
    z = spacetime_gi_star(cube, weights, lag=lag, style=style)
    p = two_sided_p(z)
    sig = np.nan_to_num(p, nan=1.0) <= threshold
    tau, tau_p = mann_kendall(np.nan_to_num(z))
    gs = np.nan_to_num(z)
    classes = classify_all(gs, sig, tau, tau_p, threshold)
    labels = periods if periods is not None else [str(k) for k in range(z.shape[0])]
    return EmergingResult(z, p, tau, tau_p, classes, threshold, lag, labels)


def cube_from_long(
    frame: pd.DataFrame, location: str, time: str, value: str
) -> tuple[NDArray[np.float64], list[str], list[str]]:
    """A complete cube ``(T, n)`` from a long table (one row per location and time)."""
    wide = frame.pivot(index=time, columns=location, values=value).sort_index()
    if wide.isna().any().any():
        raise ValueError("the space-time cube is incomplete (a location lacks a value at some time)")
    return wide.to_numpy(dtype=np.float64), [str(c) for c in wide.columns], [str(i) for i in wide.index]


def contiguity_weights(geometries: Sequence[BaseGeometry]) -> sp.csr_matrix:
    """Queen contiguity, self included: polygons sharing at least one point are neighbours.

    sfdep's ``include_self(st_contiguity(geometry))``, the neighbours of its emerging hot spot
    analysis when none are given (weights: ``style="row"`` in :func:`emerging_hotspots`).
    """
    geoms = list(geometries)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    n = len(geoms)
    w = sp.csr_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    w.setdiag(1.0)
    w.data[:] = 1.0
    return w


def sort_periods(labels: Sequence[str]) -> list[str]:
    """Period labels in time order: numerically when all are numbers (2010, 2011...), else as text
    (ISO dates and months sort as text)."""
    unique = sorted(set(labels))
    try:
        return sorted(unique, key=float)
    except ValueError:
        return unique
