"""Self-selected volunteer pools for tests and benchmarks (pure: no Django).

Real pools are not representative: some groups volunteer more. These pools reproduce that, so
that nearly every volunteer is a type of their own, as on the pools that make leximin hard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from observatory.panel.core.lottery import Pool, Quota


def self_selected_pool(
    n: int, k: int, n_features: int, seed: int, *, max_values: int = 5
) -> tuple[Pool, list[Quota]]:
    """``n`` volunteers whose response propensity rises with the value's index, and quotas for ``k``.

    Each feature has 2 to ``max_values`` values with random population shares; value ``j`` of
    ``v`` has response weight ``1 + 2 j / (v - 1)`` (the last value answers three times as often
    as the first). Quotas are the population share of the ``k`` seats, rounded down minus one and
    up plus one. Ids are ``g0``, ``g1``, ...; the same seed gives the same pool.
    """
    rng = np.random.default_rng(seed)
    features: dict[str, list[str]] = {}
    quotas: list[Quota] = []
    for f in range(n_features):
        v = int(rng.integers(2, max_values + 1))
        share = rng.dirichlet(np.full(v, 4.0))
        response = share * (1 + 2 * np.arange(v) / (v - 1))
        values = rng.choice(v, size=n, p=response / response.sum())
        features[f"f{f}"] = [f"v{x}" for x in values]
        for j in range(v):
            target = share[j] * k
            quotas.append(Quota(f"f{f}", f"v{j}", max(0, math.floor(target) - 1), math.ceil(target) + 1))
    return Pool([f"g{i}" for i in range(n)], features), quotas


@dataclass(frozen=True)
class PlantedPool:
    """A generated pool whose quotas are feasible by construction.

    ``panel`` (agent indices into ``pool.ids``, sorted) was drawn first and every quota was then
    set around the population share so that it holds: it is a panel of ``k`` that meets them all.
    ``shares`` gives each feature's population shares (value ``v{j}`` at index ``j``) and
    ``response`` the self-selection propensity of each value (how much more often it volunteers).
    """

    pool: Pool
    quotas: list[Quota]
    k: int
    panel: tuple[int, ...]
    shares: dict[str, list[float]]
    response: dict[str, list[float]]


def planted_pool(
    n: int,
    k: int,
    n_features: int,
    seed: int,
    *,
    values: tuple[int, int] = (2, 6),
    skew: float = 0.7,
    correlation: float = 0.3,
    slack: int = 0,
    tries: int = 32,
) -> PlantedPool:
    """``n`` self-selected volunteers, ``n_features`` features, quotas for ``k`` seats met by a planted panel.

    The population: each feature has ``values[0]`` to ``values[1]`` values with Dirichlet shares;
    features are correlated through a Gaussian copula (one latent factor, loading
    ``correlation``), as age, housing and education are. Self-selection: each value has a
    log-normal response propensity (``skew`` its log standard deviation; 0.7 makes the
    most eager value of a feature answer about 3-6 times as often as the least), a volunteer's
    chance to come forward is the product over features, and the pool is drawn by rejection
    until it has ``n`` volunteers. Rare values may have few or no volunteers, as in real pools.

    The planted panel: ``tries`` panels of ``k`` are drawn from the pool with weights inverse to
    each volunteer's propensity (which aims at the population shares) and the one nearest to
    ``k`` times the shares is kept. Quotas are then ``floor(share k) - slack`` to
    ``ceil(share k) + slack``, widened where needed to hold the planted panel's count: tight
    around the population shares, and feasible. Ids are ``p0``, ``p1``, ...; the same
    arguments give the same pool.
    """
    if not 0 < k <= n:
        raise ValueError(f"need 0 < k <= n (got k={k}, n={n})")
    if n_features < 1 or values[0] < 2 or values[1] < values[0]:
        raise ValueError("need at least one feature and 2 <= values[0] <= values[1]")
    rng = np.random.default_rng(seed)
    shares: list[NDArray[np.float64]] = []
    response: list[NDArray[np.float64]] = []
    for _ in range(n_features):
        v = int(rng.integers(values[0], values[1] + 1))
        shares.append(rng.dirichlet(np.full(v, 3.0)))
        response.append(np.exp(rng.normal(0.0, skew, v)))
    cut = [np.concatenate([[-np.inf], _normal_quantiles(np.cumsum(s)[:-1]), [np.inf]]) for s in shares]
    loading = float(np.clip(correlation, 0.0, 0.99))
    top = math.prod(float(r.max()) for r in response)
    chosen: list[NDArray[np.int64]] = []
    propensity: list[NDArray[np.float64]] = []
    have = 0
    while have < n:
        batch = max(4 * (n - have), 256)
        latent = rng.standard_normal(batch)
        codes = np.empty((batch, n_features), dtype=np.int64)
        for f in range(n_features):
            u = loading * latent + math.sqrt(1 - loading**2) * rng.standard_normal(batch)
            codes[:, f] = np.searchsorted(cut[f], u, side="right") - 1
        chance = np.prod([response[f][codes[:, f]] for f in range(n_features)], axis=0)
        accept = rng.random(batch) < chance / top
        chosen.append(codes[accept][: n - have])
        propensity.append(chance[accept][: n - have])
        have += len(chosen[-1])
    codes = np.concatenate(chosen)
    weight = 1.0 / np.concatenate(propensity)
    target = [s * k for s in shares]
    best: tuple[float, NDArray[np.int64]] | None = None  # (distance to the targets, panel)
    for _ in range(max(1, tries)):
        panel = rng.choice(n, size=k, replace=False, p=weight / weight.sum())
        miss = sum(
            float(np.abs(np.bincount(codes[panel, f], minlength=len(target[f])) - target[f]).sum())
            for f in range(n_features)
        )
        if best is None or miss < best[0]:
            best = (miss, np.sort(panel))
    assert best is not None
    low = [np.maximum(0, np.floor(t) - slack) for t in target]
    high = [np.minimum(k, np.ceil(t) + slack) for t in target]
    panel = _repair(codes, best[1], low, high)
    quotas: list[Quota] = []
    for f in range(n_features):
        seats = np.bincount(codes[panel, f], minlength=len(target[f]))
        for j in range(len(target[f])):
            lo_j = min(int(low[f][j]), int(seats[j]))
            hi_j = max(int(high[f][j]), int(seats[j]))
            quotas.append(Quota(f"f{f}", f"v{j}", lo_j, hi_j))
    columns = {f"f{f}": [f"v{c}" for c in codes[:, f]] for f in range(n_features)}
    pool = Pool([f"p{i}" for i in range(n)], columns)
    return PlantedPool(
        pool=pool,
        quotas=quotas,
        k=k,
        panel=tuple(int(i) for i in panel),
        shares={f"f{f}": [float(x) for x in shares[f]] for f in range(n_features)},
        response={f"f{f}": [float(x) for x in response[f]] for f in range(n_features)},
    )


def _repair(
    codes: NDArray[np.int64],
    panel: NDArray[np.int64],
    low: list[NDArray[np.float64]],
    high: list[NDArray[np.float64]],
    max_steps: int = 10_000,
) -> NDArray[np.int64]:
    """``panel`` moved by best one-for-one swaps towards every count in ``[low, high]``.

    The objective is the total number of seats outside the bands, summed over features; the swap
    (one member out, one non-member in) that lowers it most is made until none does. Returns the
    sorted panel.
    """
    n, n_features = codes.shape
    inside = np.zeros(n, dtype=bool)
    inside[panel] = True

    def miss(c: NDArray[np.float64], f: int) -> NDArray[np.float64]:
        return np.maximum(low[f] - c, 0.0) + np.maximum(c - high[f], 0.0)

    for _ in range(max_steps):
        members, others = np.flatnonzero(inside), np.flatnonzero(~inside)
        if len(others) == 0:
            break
        change = np.zeros((len(members), len(others)))
        for f in range(n_features):
            c = np.bincount(codes[members, f], minlength=len(low[f])).astype(np.float64)
            out_gain = miss(c - 1, f) - miss(c, f)  # per value: the change when one seat leaves
            in_gain = miss(c + 1, f) - miss(c, f)
            a, b = codes[members, f], codes[others, f]
            change += np.where(a[:, None] != b[None, :], out_gain[a][:, None] + in_gain[b][None, :], 0.0)
        best = int(np.argmin(change))
        i, j = divmod(best, len(others))
        if not change[i, j] < -0.5:
            break
        inside[members[i]] = False
        inside[others[j]] = True
    return np.flatnonzero(inside)


def _normal_quantiles(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """The standard normal distribution's quantiles at ``p`` (0 < p < 1)."""
    return np.asarray(ndtri(np.clip(p, 1e-12, 1 - 1e-12)), dtype=np.float64)
