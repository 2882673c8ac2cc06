"""Self-selected volunteer pools for tests and benchmarks (pure: no Django).

Real pools are not representative: some groups volunteer more. These pools reproduce that, so
that nearly every volunteer is a type of their own, as on the pools that make leximin hard.
"""

from __future__ import annotations

import math

import numpy as np

from observatory.panel.lottery import Pool, Quota


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
