"""Hot spots: Getis-Ord Gi*, Benjamini-Hochberg FDR, Local Moran's I and quartic kernel density.

Gi* (Getis and Ord 1992; Ord and Getis 1995) with binary weights, self included, as ArcGIS's Hot Spot
Analysis and esda's ``G_Local(star=True, transform="B")`` compute it::

    z_i = (S_i - xbar W_i) / (s sqrt((n W_i - W_i^2) / (n - 1)))

with ``S_i`` the sum of the values in i's neighbourhood, ``W_i`` the number of cells in it, ``xbar``
the mean and ``s`` the population standard deviation of all n values (empty cells included). On a
square grid the neighbourhood sums come from prefix sums (:func:`grids.window_sum`), so the cost is
linear in the number of cells, without any weights matrix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from observatory.analysis.core.grids import SquareGrid, window_cells, window_sum

HOT, COLD, NONE = "hot", "cold", "none"
QUADRANTS = {1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low"}
QUADRANT_CODES = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
NOT_SIGNIFICANT = "not significant"


def gi_star_z(
    neighbour_sum: ArrayLike, neighbour_weight: ArrayLike, values: ArrayLike
) -> NDArray[np.float64]:
    """Gi* z-scores from each site's neighbourhood sum and weight (binary weights, self included).

    NaN everywhere when all values are equal (the statistic is undefined).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    if n < 2:
        raise ValueError("Gi* needs at least 2 sites")
    mean = x.mean()
    s = np.sqrt(max((x * x).mean() - mean * mean, 0.0))
    s_sum = np.asarray(neighbour_sum, dtype=np.float64).ravel()
    w = np.asarray(neighbour_weight, dtype=np.float64).ravel()
    if s == 0:
        return np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z: NDArray[np.float64] = (s_sum - mean * w) / (s * np.sqrt((n * w - w * w) / (n - 1)))
        return z


def two_sided_p(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``2 P(Z > |z|)`` for a standard normal Z; NaN stays NaN. The normal's upper tail is
    ``ndtr(-|z|)``, which is what ``scipy.stats.norm.sf`` computes, without the distribution
    object's argument checks (a fifth of the time on a year of weekly cells)."""
    return np.asarray(2.0 * special.ndtr(-np.abs(z)), dtype=np.float64)


def benjamini_hochberg(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1); NaN stays NaN."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    ranked = q[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(ranked, 1.0)
    out[ok] = adjusted
    return out


def classify(z: NDArray[np.float64], p: NDArray[np.float64], alpha: float) -> NDArray[np.str_]:
    """``hot`` / ``cold`` where significant at ``alpha``, ``none`` elsewhere (and where z is NaN)."""
    sig = np.nan_to_num(p, nan=1.0) < alpha
    return np.where(sig & (z > 0), HOT, np.where(sig & (z < 0), COLD, NONE))


@dataclass
class HotspotResult:
    """Gi* per cell (flat, row-major for square grids); arrays render directly in a view."""

    method: str
    values: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]
    p_adjusted: NDArray[np.float64]
    classes: NDArray[np.str_]
    alpha: float
    fdr: bool
    rings: int
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def n_hot(self) -> int:
        return int(np.sum(self.classes == HOT))

    @property
    def n_cold(self) -> int:
        return int(np.sum(self.classes == COLD))


def _finish(
    method: str,
    values: NDArray[Any],
    z: NDArray[np.float64],
    alpha: float,
    fdr: bool,
    rings: int,
    start: float,
) -> HotspotResult:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    p = two_sided_p(z)
    p_adj = benjamini_hochberg(p) if fdr else p.copy()
    classes = classify(z, p_adj, alpha)
    return HotspotResult(
        method,
        np.asarray(values, dtype=np.float64).ravel(),
        z,
        p,
        p_adj,
        classes,
        alpha,
        fdr,
        rings,
        time.perf_counter() - start,
    )


def gi_star_grid(
    counts: ArrayLike,
    *,
    rings: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
) -> HotspotResult:
    """Gi* of every cell of a ``(ny, nx)`` grid, queen neighbourhood of ``rings`` rings, self included."""
    start = time.perf_counter()
    counts = np.asarray(counts)
    if counts.ndim != 2:
        raise ValueError("counts must be a 2-D (ny, nx) array")
    if rings < 1:
        raise ValueError("the neighbourhood needs at least 1 ring")
    sums = window_sum(counts, rings)
    weights = window_cells(counts.shape[0], counts.shape[1], rings)
    z = gi_star_z(sums, weights, counts)
    return _finish("gi_star", counts, z, alpha, fdr, rings, start)


def gi_star_weights(
    values: ArrayLike,
    weights: sp.spmatrix,
    *,
    alpha: float = 0.05,
    fdr: bool = True,
    rings: int = 1,
) -> HotspotResult:
    """Gi* with any binary sparse weights that include each site itself (H3 disks, polygons)."""
    start = time.perf_counter()
    x = np.asarray(values, dtype=np.float64).ravel()
    w = sp.csr_matrix(weights)
    if w.shape != (x.size, x.size):
        raise ValueError(f"weights are {w.shape}, values have {x.size} sites")
    if not np.all(w.diagonal() != 0):
        raise ValueError("Gi* weights must include each site itself (non-zero diagonal)")
    z = gi_star_z(w @ x, np.asarray(w.sum(axis=1)).ravel(), x)
    return _finish("gi_star", x, z, alpha, fdr, rings, start)


def hotspots_square(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    cell_size: float,
    crs: str,
    rings: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
) -> tuple[SquareGrid, HotspotResult]:
    """Grid the projected events and compute Gi* on every cell of their bounding box."""
    start = time.perf_counter()
    grid = SquareGrid.covering(x, y, cell_size, crs)
    result = gi_star_grid(grid.count(x, y), rings=rings, alpha=alpha, fdr=fdr)
    result.seconds = time.perf_counter() - start
    return grid, result


# --- Local Moran's I ---------------------------------------------------------------------------


@dataclass
class LocalMoranResult:
    """Local Moran's I (Anselin 1995) as esda's ``Moran_Local`` computes it, row-standardised weights.

    ``Is`` is esda's ``(n - 1) z_i lag_i / sum(z^2)``. Two inferences:

    * permutation (conditional randomisation, ``permutations`` seeded draws): ``p_sim`` is the folded
      pseudo p-value ``(min(#{sim >= I}, #{sim < I}) + 1) / (P + 1)`` of esda and GeoDa (one tail,
      towards the side the observed I lies on), ``z_sim = (I - mean(sim)) / sd(sim)`` and
      ``p_z_sim`` its one-sided normal p (esda's);
    * analytical (total randomisation, Anselin 1995 / Sokal et al. 1998 eqs. A3-A4, esda's ``EI``
      and ``VI``): ``z_norm = (I_A - EI) / sqrt(VI)`` with ``I_A = n / (n - 1) * Is``, Anselin's
      ``z_i lag_i / m2`` whose moments those are, and ``p_norm`` its two-sided normal p.
    """

    Is: NDArray[np.float64]
    q: NDArray[np.int64]  # 1 high-high, 2 low-high, 3 low-low, 4 high-low
    p_sim: NDArray[np.float64]
    z_sim: NDArray[np.float64]
    p_z_sim: NDArray[np.float64]
    EI: NDArray[np.float64]
    VI: NDArray[np.float64]
    z_norm: NDArray[np.float64]
    p_norm: NDArray[np.float64]
    permutations: int
    seed: int

    def labels(self, alpha: float = 0.05) -> NDArray[np.str_]:
        names = np.array(["", *QUADRANTS.values()])
        return np.where(self.p_sim <= alpha, names[self.q], NOT_SIGNIFICANT)

    def quadrant_codes(self) -> NDArray[np.str_]:
        """HH, LH, LL or HL for every site, significant or not (the Moran scatterplot's quadrant)."""
        return np.array(["", *QUADRANT_CODES.values()])[self.q]


def local_moran(
    values: ArrayLike,
    weights: sp.spmatrix,
    *,
    permutations: int = 999,
    seed: int = 12345,
    chunk: int = 2_000_000,
) -> LocalMoranResult:
    """Local Moran's I with conditional permutation pseudo p-values (seeded, reproducible).

    The permutation scheme is esda's: one table of ``permutations`` draws of ``max cardinality``
    other sites without replacement (``RandomState(seed).choice(n - 1, k, replace=False)`` per
    permutation), shared by all sites; p-values are esda's "directed" ones, ``(min(larger, P -
    larger) + 1) / (P + 1)``. Weights are binary (any non-zero counts as a neighbour, the diagonal is
    ignored) and row-standardised.
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    n = y.size
    w = sp.csr_matrix(weights, dtype=np.float64, copy=True)
    if w.shape != (n, n):
        raise ValueError(f"weights are {w.shape}, values have {n} sites")
    w.setdiag(0)
    w.eliminate_zeros()
    w.data[:] = 1.0
    card = np.diff(w.indptr)
    if np.any(card == 0):
        raise ValueError("Local Moran's I needs every site to have a neighbour (no islands)")
    sd = y.std()
    if sd == 0:
        raise ValueError("Local Moran's I is undefined when all values are equal")
    z = (y - y.mean()) / sd
    w_row = sp.csr_matrix((1.0 / np.repeat(card, card), w.indices, w.indptr), shape=w.shape)
    lag = w_row @ z
    den = float((z * z).sum())
    # Same operation order as esda, so that ties between simulated and observed values agree.
    Is = (n - 1) * z * lag / den
    zp, lp = z > 0, lag > 0
    q = np.where(zp & lp, 1, np.where(~zp & lp, 2, np.where(~zp & ~lp, 3, 4))).astype(np.int64)
    # analytical moments under total randomisation, as esda's __moments (Sokal et al. 1998, A3-A4)
    m2 = den / n
    b2 = float((z**4).sum() / n) / m2**2
    wi = np.asarray(w_row.sum(axis=1)).ravel()
    wi2 = np.asarray(w_row.multiply(w_row).sum(axis=1)).ravel()
    EI = -wi / (n - 1)
    VI = wi2 * (n - b2) / (n - 1)
    VI += (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) if n > 2 else np.nan
    VI -= (-wi / (n - 1)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z_norm = (Is * n / (n - 1) - EI) / np.sqrt(VI)
    p_norm = 2 * stats.norm.sf(np.abs(z_norm))
    if permutations < 1:
        nan = np.full(n, np.nan)
        return LocalMoranResult(Is, q, nan, nan, nan, EI, VI, z_norm, p_norm, 0, seed)

    max_card = int(card.max())
    rng = np.random.RandomState(seed)
    perm = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        perm[k] = rng.choice(n - 1, size=max_card, replace=False)
    scaling = (n - 1) / den
    larger = np.zeros(n)
    mean = np.zeros(n)
    sq = np.zeros(n)
    # Sites with the same cardinality share the permutation columns: one vectorised block each.
    for c in np.unique(card):
        sites = np.flatnonzero(card == c)
        ids = perm[:, :c]  # (P, c) indices into "all sites but i"
        step = max(1, chunk // (permutations * c))
        for s0 in range(0, sites.size, step):
            i = sites[s0 : s0 + step]
            # index into z without site i: positions >= i shift up by one
            full = ids[None, :, :] + (ids[None, :, :] >= i[:, None, None])
            rstat = z[i, None] * (z[full] @ np.full(c, 1.0 / c) + 0.0 * z[i, None]) * scaling  # (m, P)
            larger[i] = (rstat >= Is[i, None]).sum(axis=1)
            mean[i] = rstat.mean(axis=1)
            sq[i] = rstat.std(axis=1)
    low = (permutations - larger) < larger
    larger[low] = permutations - larger[low]
    p_sim = (larger + 1.0) / (permutations + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (Is - mean) / sq
    p_z_sim = stats.norm.sf(np.abs(z_sim))
    return LocalMoranResult(Is, q, p_sim, z_sim, p_z_sim, EI, VI, z_norm, p_norm, permutations, seed)


# --- Kernel density -------------------------------------------------------------------------------


def arcgis_search_radius(
    x: NDArray[np.float64], y: NDArray[np.float64], weights: NDArray[np.float64] | None = None
) -> float:
    """ArcGIS Kernel Density's default search radius (bandwidth), in the units of x and y.

    ``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` with SD the standard distance and Dm the
    median distance to the mean centre (Esri, "How Kernel Density works"; Silverman 1986).
    ``weights``: how many events each point stands for (binned counts; Esri's population field).
    """
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    n = float(w.sum())
    if n < 2:
        raise ValueError("the default search radius needs at least 2 events")
    dx, dy = x - np.average(x, weights=w), y - np.average(y, weights=w)
    sd = float(np.sqrt(np.average(dx * dx + dy * dy, weights=w)))
    dist = np.hypot(dx, dy)
    if weights is None:
        dm = float(np.median(dist))
    else:  # the median of the distances, each counted as often as its (whole) weight
        order = np.argsort(dist, kind="stable")
        cum = np.cumsum(w[order])

        def ranked(k: float) -> float:  # the k-th smallest distance, 1-based, weights expanded
            return float(dist[order[min(int(np.searchsorted(cum, k, side="left")), len(order) - 1)]])

        total = round(n)
        dm = ranked((total + 1) / 2) if total % 2 else (ranked(total / 2) + ranked(total / 2 + 1)) / 2
    radius = 0.9 * min(sd, np.sqrt(1.0 / np.log(2.0)) * dm) * n**-0.2
    if radius <= 0:
        raise ValueError("all events are at the same place: give a search radius")
    return float(radius)


@dataclass
class KdeResult:
    grid: SquareGrid
    density_per_km2: NDArray[np.float64]  # (ny, nx), at cell centres
    radius_m: float
    n_events: int
    seconds: float = 0.0


def quartic_kde(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    grid: SquareGrid,
    *,
    radius: float | None = None,
    weights: NDArray[np.float64] | None = None,
) -> KdeResult:
    """Quartic (biweight) kernel density at the centres of ``grid``'s cells, in events per km².

    ``f(c) = 1 / r^2 * sum_i 3/pi * (1 - (d_i / r)^2)^2`` over events within r of c (ArcGIS, Silverman
    1986 eq. 4.5). Exact: each event adds to the cell centres within r of it, one vectorised pass per
    cell offset within reach.
    """
    start = time.perf_counter()
    r = arcgis_search_radius(x, y, weights) if radius is None else float(radius)
    if not r > 0:
        raise ValueError(f"the search radius must be positive, not {r}")
    size = grid.cell_size
    ix = np.floor(x / size).astype(np.int64) - grid.ix0
    iy = np.floor(y / size).astype(np.int64) - grid.iy0
    reach = int(np.ceil(r / size)) + 1
    out = np.zeros(grid.n_cells)
    for oy in range(-reach, reach + 1):
        cy = iy + oy
        dy = (cy + grid.iy0 + 0.5) * size - y
        oky = (cy >= 0) & (cy < grid.ny) & (np.abs(dy) < r)
        for ox in range(-reach, reach + 1):
            cx = ix + ox
            dx = (cx + grid.ix0 + 0.5) * size - x
            u = (dx * dx + dy * dy) / (r * r)
            ok = oky & (cx >= 0) & (cx < grid.nx) & (u < 1.0)
            if not ok.any():
                continue
            k = (1.0 - u[ok]) ** 2
            if weights is not None:
                k = k * weights[ok]
            out += np.bincount(cy[ok] * grid.nx + cx[ok], weights=k, minlength=grid.n_cells)
    density = out * (3.0 / np.pi) / (r * r) * 1e6
    n = len(x) if weights is None else round(float(np.sum(weights)))
    return KdeResult(grid, density.reshape(grid.ny, grid.nx), r, n, time.perf_counter() - start)
