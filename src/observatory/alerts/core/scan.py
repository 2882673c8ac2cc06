"""Prospective detection of emerging clusters and sudden rises (pure: NumPy and SciPy, no Django).

Two detectors, run every hour over the latest data ("now" is the end of every window):

1. **The prospective space-time permutation scan statistic** (Kulldorff, Heffernan, Hartman,
   Assunção & Mostashari 2005), on cases (reports) located in cells of the city's H3 grid and
   time-stamped to the hour. Under the null hypothesis there is no space-time interaction: the
   share of a cell's cases that fall in a time window is the same in every cell. The expected
   count of a cylinder ``A`` (a set of cells times a window of time) is therefore

       mu_A = sum_{z in A} sum_{d in A} c_z. c_.d / C = n_S * N_w / C

   with ``n_S`` the cases of the cylinder's cells over the whole study period, ``N_w`` the cases
   of the whole city in the cylinder's window and ``C`` all cases. The cylinder's log likelihood
   ratio (Poisson approximation, as in the paper) is

       LLR = c ln(c / mu) + (C - c) ln((C - c) / (C - mu))   when c > mu, else 0.

   Cylinders are built as in SaTScan: a centre cell, its ``k`` nearest cells with cases
   (``k = 1 .. max_neighbours``, within ``max_radius_m``), times every window ending now
   (prospective surveillance: only clusters still going on are of interest). The test statistic
   is the largest LLR; its p-value comes from Monte Carlo replicates in which the times of the
   cases are permuted among the cases (which keeps every cell's total and every window's total,
   hence every ``mu``): ``p = rank / (R + 1)``. When the observed maximum beats every replicate,
   the p-value is the Gumbel approximation fitted to the replicates' maxima (Abrams, Kleinman &
   Kulldorff 2010), which can only lower the Monte Carlo floor ``1 / (R + 1)``.
   Secondary clusters are the next best cylinders that share no cell with a better one, each
   compared with the distribution of the maximum (conservative, as SaTScan does). Replicates
   stop early once ``stop_after`` of them beat the observed maximum (sequential Monte Carlo,
   Besag & Clifford 1991: ``p = h / n``): a quiet hour costs a few dozen replicates, not 999.

   The **recurrence interval** is how often a cluster at least as strong would be signalled by
   chance alone if the analysis runs ``runs_per_day`` times a day: ``1 / (p * runs_per_day)``
   days (SaTScan's definition for daily analyses, Kulldorff 2001, generalised to hourly runs).

   Assumptions (stated, not hoped for):

   * cases are individual and independent given their cell and their time: a report is a case;
     the people met on an outreach round are *not* (dozens come from one visit, the same night),
     so rounds go to the rise check below, which allows for over-dispersion;
   * the same temporal pattern holds in every cell under the null (the hours of the day, the days
     of the week, the city-wide trend are all adjusted for, because only the interaction is
     tested); an area whose reports keep different hours than the rest of the city can produce
     short-window signals, hence windows of at least ``6`` hours by default;
   * the study period is long enough for each cell's share to be stable (28 days by default) and
     the population at risk does not move fast within it (the permutation model has no
     denominator: a change of reporters, not of the scene, looks the same);
   * a rise everywhere at once is not a space-time interaction: this scan does not see it (the
     rise check does, area by area).

2. **A sudden rise in an area against its own baseline** (a quasi-Poisson test in the manner of
   Farrington, Andrews, Beale & Catchpole 1996 and Noufaily et al. 2013, without their seasonal
   terms): the count in an area over the last ``h`` hours is compared with its expected value
   from the area's own previous ``baseline_days``,

       mu = rate_baseline * exposure_window,   rate_baseline = (x_baseline + 0.5) / exposure_baseline,

   with a dispersion ``phi = max(1, Pearson chi2 / df)`` of the baseline's daily counts (or of the
   people met per visit, for rounds). The p-value is the upper tail of a Poisson of mean
   ``mu / phi`` at ``x / phi`` (the regularised incomplete gamma function: a continuous tail),
   multiplied by the number of areas and windows tested (Bonferroni). A rise needs at least
   ``min_count`` and ``min_ratio`` times the expected count: a significant rise of 5 % is of no
   use to a team in the street. For reports, exposure is time; for outreach rounds, the value is
   the people met and exposure the number of visits to the area (more people per visit).

References:

- Kulldorff, M., Heffernan, R., Hartman, J., Assunção, R., & Mostashari, F. (2005). A space-time
  permutation scan statistic for disease outbreak detection. *PLoS Medicine* 2(3), e59.
- Kulldorff, M. (2001). Prospective time periodic geographical disease surveillance using a scan
  statistic. *Journal of the Royal Statistical Society A* 164(1), 61-72.
- Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika* 78(2),
  301-304.
- Abrams, A. M., Kleinman, K., & Kulldorff, M. (2010). Gumbel based p-value approximations for
  spatial scan statistics. *International Journal of Health Geographics* 9, 61.
- Farrington, C. P., Andrews, N. J., Beale, A. D., & Catchpole, M. A. (1996). A statistical
  algorithm for the early detection of outbreaks of infectious disease. *Journal of the Royal
  Statistical Society A* 159(3), 547-563.
- Noufaily, A., Enki, D. G., Farrington, P., Garthwaite, P., Andrews, N., & Charlett, A. (2013).
  An improved algorithm for outbreak detection in multiple surveillance systems. *Statistics in
  Medicine* 32(7), 1206-1222.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammainc, xlogy

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

EULER_GAMMA = 0.5772156649015329
HOURS_PER_DAY = 24.0


class ScanError(ValueError):
    """Input or settings the detector cannot use; the message says what to change."""


@dataclass(frozen=True)
class ScanSettings:
    """The space-time permutation scan's settings (the defaults are the app's)."""

    study_days: float = 28.0
    windows_hours: tuple[float, ...] = (6.0, 12.0, 24.0, 48.0, 72.0, 168.0)
    max_neighbours: int = 10
    max_radius_m: float = 800.0
    replicates: int = 999
    min_cases: int = 3
    runs_per_day: float = 24.0
    max_clusters: int = 5
    # Sequential Monte Carlo (Besag & Clifford 1991): stop once this many replicates beat the
    # observed maximum; the p-value is then h / n, far above any alert threshold. 0: never stop.
    stop_after: int = 20
    seed: int = 0

    def check(self) -> None:
        if not self.study_days > 0:
            raise ScanError("study_days must be positive")
        if not self.windows_hours or any(not w > 0 for w in self.windows_hours):
            raise ScanError("windows_hours must list positive durations")
        if max(self.windows_hours) > self.study_days * HOURS_PER_DAY / 2:
            raise ScanError(
                "the longest window must be at most half the study period "
                f"({max(self.windows_hours)} h > {self.study_days * 12:g} h)"
            )
        if self.max_neighbours < 1 or self.max_radius_m < 0:
            raise ScanError("max_neighbours must be at least 1 and max_radius_m at least 0")
        if self.replicates < 9:
            raise ScanError("replicates must be at least 9 (999 or more for alerts)")
        if self.min_cases < 1 or self.runs_per_day <= 0:
            raise ScanError("min_cases must be at least 1 and runs_per_day positive")


@dataclass(frozen=True)
class Cluster:
    """A cylinder: cells (indices into the caller's cell arrays) times the last ``window_hours``."""

    centre: int
    cells: tuple[int, ...]
    radius_m: float
    window_hours: float
    observed: int
    expected: float
    llr: float
    p_value: float
    recurrence_days: float

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else math.inf


@dataclass(frozen=True)
class ScanResult:
    clusters: tuple[Cluster, ...]
    cases: int  # cases in the study period
    cells_with_cases: int
    replicates: int
    max_llr_replicates: FloatArray = field(repr=False)

    @property
    def best(self) -> Cluster | None:
        return self.clusters[0] if self.clusters else None


def recurrence_days(p_value: float, runs_per_day: float) -> float:
    """Days between chance signals at least this strong, for ``runs_per_day`` analyses a day."""
    if p_value <= 0:
        return math.inf
    return 1.0 / (p_value * runs_per_day)


def llr_permutation(observed: ArrayLike, expected: ArrayLike, total: float) -> FloatArray:
    """Kulldorff's (2005) Poisson log likelihood ratio of cylinders; 0 where not a rise."""
    c = np.asarray(observed, dtype=np.float64)
    mu = np.asarray(expected, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = xlogy(c, c) - xlogy(c, mu)
        rest = total - c
        outside = xlogy(rest, rest) - xlogy(rest, np.maximum(total - mu, 1e-300))
        llr = inside + outside
    return np.where((c > mu) & (mu > 0), llr, 0.0)


def gumbel_p(value: float, sample: FloatArray) -> float:
    """Upper tail at ``value`` of a Gumbel fitted by moments to ``sample`` (Abrams et al. 2010)."""
    sd = float(np.std(sample, ddof=1)) if len(sample) > 1 else 0.0
    if sd <= 0:
        return 0.0 if value > float(np.max(sample, initial=0.0)) else 1.0
    beta = sd * math.sqrt(6.0) / math.pi
    loc = float(np.mean(sample)) - EULER_GAMMA * beta
    return float(-np.expm1(-np.exp(-(value - loc) / beta)))


def _neighbours(xy: FloatArray, k_max: int, radius: float) -> tuple[IntArray, NDArray[np.bool_], FloatArray]:
    """For every centre, its ``k_max`` nearest cells (itself first), a validity mask and distances."""
    n = len(xy)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    k = min(k_max, n)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    dist = np.take_along_axis(d, order, axis=1)
    valid = dist <= radius + 1e-9
    valid[:, 0] = True  # a cell alone is always a cylinder's base
    return order.astype(np.int64), valid, dist


def _window_bucket(age_hours: FloatArray, windows: FloatArray) -> IntArray:
    """Index of the shortest window (sorted ascending) holding each case; len(windows) if none."""
    return np.searchsorted(windows, age_hours, side="right").astype(np.int64)


def space_time_permutation_scan(
    cell: ArrayLike,
    age_hours: ArrayLike,
    cell_xy: ArrayLike,
    settings: ScanSettings | None = None,
) -> ScanResult:
    """Kulldorff's prospective space-time permutation scan over the cases given.

    ``cell[i]`` is the index (into ``cell_xy``) of case ``i``'s cell, ``age_hours[i]`` how long
    before now it happened (>= 0); ``cell_xy`` holds the cells' centres in metres (any metric
    projection). Cases older than the study period are ignored. Clusters are returned strongest
    first, non-overlapping, only those with ``observed >= min_cases`` and ``observed > expected``.
    """
    s = settings or ScanSettings()
    s.check()
    cells = np.asarray(cell, dtype=np.int64).ravel()
    ages = np.asarray(age_hours, dtype=np.float64).ravel()
    xy = np.asarray(cell_xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ScanError("cell_xy must be an (n, 2) array of cell centres in metres")
    if cells.shape != ages.shape:
        raise ScanError(f"{len(cells)} cells given for {len(ages)} times")
    if len(cells) and (cells.min() < 0 or cells.max() >= len(xy)):
        raise ScanError("a case's cell index is outside cell_xy")
    if not np.all(np.isfinite(ages)) or (len(ages) and ages.min() < 0):
        raise ScanError("ages must be finite and >= 0 (hours before now; no case in the future)")
    keep = ages < s.study_days * HOURS_PER_DAY
    cells, ages = cells[keep], ages[keep]
    empty = ScanResult((), len(cells), 0, s.replicates, np.zeros(0))
    if len(cells) < s.min_cases:
        return empty
    # Only cells with cases matter (a cell without any adds nothing to n_S nor to c).
    used, local = np.unique(cells, return_inverse=True)
    nbr, valid, dist = _neighbours(xy[used], s.max_neighbours, s.max_radius_m)
    nc, k = nbr.shape
    windows = np.array(sorted(s.windows_hours), dtype=np.float64)
    nw = len(windows)
    total = float(len(cells))
    n_z = np.bincount(local, minlength=nc).astype(np.float64)
    n_s = np.cumsum(n_z[nbr], axis=1)  # (nc, k): study-period cases of the cylinder's cells
    bucket = _window_bucket(ages, windows)
    n_w = np.cumsum(np.bincount(bucket, minlength=nw + 1)[:nw]).astype(np.float64)  # (nw,)
    mu = n_s[None, :, :] * n_w[:, None, None] / total  # (nw, nc, k)

    def cylinder_counts(buckets: IntArray) -> FloatArray:
        """(B, nw, nc, k) observed counts for a batch of bucket assignments (B, n)."""
        b = buckets.shape[0]
        flat = (np.arange(b)[:, None] * nc + local[None, :]) * (nw + 1) + buckets
        per = np.bincount(flat.ravel(), minlength=b * nc * (nw + 1)).reshape(b, nc, nw + 1)
        c_w = np.cumsum(per[:, :, :nw], axis=2).transpose(0, 2, 1).astype(np.float64)  # (B, nw, nc)
        return np.cumsum(c_w[:, :, nbr], axis=3)  # (B, nw, nc, k)

    def llr_of(c: FloatArray) -> FloatArray:
        llr = llr_permutation(c, mu, total)
        return np.where(valid & (c >= s.min_cases), llr, 0.0)

    observed = cylinder_counts(bucket[None, :])[0]
    llr = llr_of(observed)
    best_llr = float(llr.max(initial=0.0))
    rng = np.random.default_rng(s.seed)
    batch = max(1, min(50, s.replicates, int(4e6 // max(1, nw * nc * k + len(cells)))))
    maxima = np.empty(s.replicates)
    done = 0
    stopped = False
    while done < s.replicates:
        b = min(batch, s.replicates - done)
        perm = np.stack([rng.permutation(bucket) for _ in range(b)])
        maxima[done : done + b] = llr_of(cylinder_counts(perm)).reshape(b, -1).max(axis=1)
        done += b
        if s.stop_after and np.count_nonzero(maxima[:done] >= best_llr - 1e-9) >= s.stop_after:
            stopped = True
            break
    maxima = maxima[:done]

    clusters: list[Cluster] = []
    taken = np.zeros(nc, dtype=bool)
    order = np.argsort(-llr, axis=None, kind="stable")
    for flat in order:
        value = float(llr.flat[flat])
        if value <= 0 or len(clusters) >= s.max_clusters:
            break
        w, centre, kk = np.unravel_index(flat, llr.shape)
        members = nbr[centre, : kk + 1]
        if taken[members].any():
            continue
        taken[members] = True
        exceed = int(np.count_nonzero(maxima >= value - 1e-9))
        if stopped:  # Besag & Clifford: h exceedances after n replicates, p = h / n
            p = max(exceed, 1) / done
        else:
            p = (1 + exceed) / (done + 1)
        if exceed == 0 and not stopped:
            p = min(p, max(gumbel_p(value, maxima), 1e-12))
        clusters.append(
            Cluster(
                centre=int(used[nbr[centre, 0]]),
                cells=tuple(int(used[m]) for m in members),
                radius_m=float(dist[centre, kk]),
                window_hours=float(windows[w]),
                observed=int(observed[w, centre, kk]),
                expected=float(mu[w, centre, kk]),
                llr=value,
                p_value=float(p),
                recurrence_days=recurrence_days(p, s.runs_per_day),
            )
        )
    return ScanResult(tuple(clusters), int(total), int(nc), done, maxima)


# --- sudden rise in an area against its own baseline ---------------------------------------------


@dataclass(frozen=True)
class RiseSettings:
    windows_hours: tuple[float, ...] = (24.0, 72.0, 168.0)
    baseline_days: float = 28.0
    min_count: float = 4.0
    min_ratio: float = 2.0
    runs_per_day: float = 24.0

    def check(self) -> None:
        if not self.windows_hours or any(not w > 0 for w in self.windows_hours):
            raise ScanError("rise windows_hours must list positive durations")
        if not self.baseline_days * HOURS_PER_DAY >= 2 * max(self.windows_hours):
            raise ScanError("the rise baseline must be at least twice the longest window")
        if self.min_count < 1 or self.min_ratio < 1 or self.runs_per_day <= 0:
            raise ScanError("min_count and min_ratio must be at least 1, runs_per_day positive")


@dataclass(frozen=True)
class Rise:
    area: int
    window_hours: float
    observed: float
    expected: float
    dispersion: float
    p_value: float  # Bonferroni-adjusted over areas and windows
    recurrence_days: float

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else math.inf


def quasi_poisson_tail(observed: float, expected: float, dispersion: float = 1.0) -> float:
    """P(X >= observed) for a Poisson of mean ``expected`` scaled by ``dispersion`` (continuous)."""
    if expected <= 0:
        return 0.0 if observed > 0 else 1.0
    phi = max(1.0, dispersion)
    if observed <= 0:
        return 1.0
    return float(gammainc(observed / phi, expected / phi))


def _dispersion(values: FloatArray, means: FloatArray) -> float:
    """Pearson chi-square over degrees of freedom, at least 1 (Farrington et al. 1996)."""
    ok = means > 0
    df = int(np.count_nonzero(ok)) - 1
    if df < 1:
        return 1.0
    chi2 = float(np.sum((values[ok] - means[ok]) ** 2 / means[ok]))
    return max(1.0, chi2 / df)


def rises_in_counts(
    area: ArrayLike, age_hours: ArrayLike, n_areas: int, settings: RiseSettings | None = None
) -> list[Rise]:
    """Areas whose count of cases in a recent window rose well above their own baseline rate.

    Exposure is time: the baseline is the ``baseline_days`` before each window. The dispersion is
    the baseline's day-to-day over-dispersion (an area whose reports come in bursts needs more).
    """
    s = settings or RiseSettings()
    s.check()
    a = np.asarray(area, dtype=np.int64).ravel()
    ages = np.asarray(age_hours, dtype=np.float64).ravel()
    if a.shape != ages.shape:
        raise ScanError(f"{len(a)} areas given for {len(ages)} times")
    if len(a) and (a.min() < 0 or a.max() >= n_areas):
        raise ScanError("an area index is outside 0 .. n_areas - 1")
    base_h = s.baseline_days * HOURS_PER_DAY
    n_days = math.ceil(s.baseline_days)
    tests = n_areas * len(s.windows_hours)
    found: list[Rise] = []
    for w in s.windows_hours:
        recent = np.bincount(a[ages < w], minlength=n_areas).astype(np.float64)
        in_base = (ages >= w) & (ages < w + base_h)
        base_total = np.bincount(a[in_base], minlength=n_areas).astype(np.float64)
        day = np.minimum(((ages[in_base] - w) // HOURS_PER_DAY).astype(np.int64), n_days - 1)
        daily = np.zeros((n_areas, n_days))
        np.add.at(daily, (a[in_base], day), 1.0)
        expected = (base_total + 0.5) / base_h * w
        for z in np.flatnonzero((recent >= s.min_count) & (recent >= s.min_ratio * expected)):
            phi = _dispersion(daily[z], np.full(n_days, base_total[z] / n_days))
            p = min(1.0, tests * quasi_poisson_tail(recent[z], expected[z], phi))
            found.append(
                Rise(
                    int(z),
                    float(w),
                    float(recent[z]),
                    float(expected[z]),
                    phi,
                    p,
                    recurrence_days(p, s.runs_per_day),
                )
            )
    return _best_per_area(found)


def rises_in_visits(
    area: ArrayLike,
    age_hours: ArrayLike,
    value: ArrayLike,
    n_areas: int,
    settings: RiseSettings | None = None,
) -> list[Rise]:
    """Areas where outreach rounds met many more people per visit than in their own baseline.

    One row per visit of a round to an area (``value``: people met there). Exposure is the number
    of visits: the expected people met in the window is the baseline's mean per visit times the
    visits made in the window; the dispersion is the baseline's per-visit variance over its mean.
    """
    s = settings or RiseSettings()
    s.check()
    a = np.asarray(area, dtype=np.int64).ravel()
    ages = np.asarray(age_hours, dtype=np.float64).ravel()
    v = np.asarray(value, dtype=np.float64).ravel()
    if not (a.shape == ages.shape == v.shape):
        raise ScanError("area, age_hours and value must have the same length")
    if len(a) and (a.min() < 0 or a.max() >= n_areas):
        raise ScanError("an area index is outside 0 .. n_areas - 1")
    if len(v) and (not np.all(np.isfinite(v)) or v.min() < 0):
        raise ScanError("people met must be finite and >= 0")
    base_h = s.baseline_days * HOURS_PER_DAY
    tests = n_areas * len(s.windows_hours)
    found: list[Rise] = []
    for w in s.windows_hours:
        recent = ages < w
        in_base = (ages >= w) & (ages < w + base_h)
        for z in np.unique(a[recent]):
            now_v = v[recent & (a == z)]
            base_v = v[in_base & (a == z)]
            observed = float(now_v.sum())
            if len(base_v) < 2 or observed < s.min_count:
                continue  # no baseline of its own to rise against
            mean = float(base_v.mean())
            expected = (float(base_v.sum()) + 0.5) / len(base_v) * len(now_v)
            if observed < s.min_ratio * expected:
                continue
            phi = _dispersion(base_v, np.full(len(base_v), mean))
            p = min(1.0, tests * quasi_poisson_tail(observed, expected, phi))
            found.append(
                Rise(int(z), float(w), observed, expected, phi, p, recurrence_days(p, s.runs_per_day))
            )
    return _best_per_area(found)


def _best_per_area(rises: list[Rise]) -> list[Rise]:
    best: dict[int, Rise] = {}
    for r in rises:
        if r.area not in best or r.p_value < best[r.area].p_value:
            best[r.area] = r
    return sorted(best.values(), key=lambda r: (r.p_value, -r.observed))
