"""Helpers shared by the siting tests: the spopt San Francisco instance and brute force."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np

# spopt 0.7.0 with CBC (pulp 3.3.2) on this instance (cost matrix pivoted as in spopt's
# tests/test_locate/test_lscp.py: rows sorted by tract NAME, columns by site name; weights
# POP2000), p = 4, radius 5,000 m. Obtained by running MCLP/PMedian/PCenter/LSCP
# .from_cost_matrix(...).solve(pulp.PULP_CBC_CMD(msg=False)) and reading problem.objective.
SPOPT_MCLP_OBJECTIVE = 875247.0
SPOPT_MCLP_SITES = ["Store_11", "Store_12", "Store_15", "Store_2"]
SPOPT_PMEDIAN_OBJECTIVE = 2848268129.7145104
SPOPT_PMEDIAN_MEAN = 2982.1268579890657
SPOPT_PCENTER_OBJECTIVE = 7403.0638
SPOPT_LSCP_OBJECTIVE = 8.0


def load_sf(shared_data: Path) -> tuple[list[str], list[str], np.ndarray, np.ndarray, dict[str, tuple]]:
    """(tract names, site names, costs [tract x site], POP2000 weights, site -> (lat, lon))."""
    folder = shared_data / "spopt_sf_instance"
    with (folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    with (folder / "SF_demand_205_centroid_uniform_weight.csv").open() as fh:
        demand = list(csv.DictReader(fh))
    with (folder / "SF_store_site_16_longlat.csv").open() as fh:
        stores = {r["NAME"]: (float(r["lat"]), float(r["long"])) for r in csv.DictReader(fh)}
    names = sorted({r["DestinationName"] for r in rows})
    sites = sorted({r["name"] for r in rows})
    d_index = {n: i for i, n in enumerate(names)}
    s_index = {n: j for j, n in enumerate(sites)}
    costs = np.full((len(names), len(sites)), np.nan)
    for r in rows:
        costs[d_index[r["DestinationName"]], s_index[r["name"]]] = float(r["distance"])
    weights = np.zeros(len(names))
    for r in demand:
        weights[d_index[r["NAME"]]] = float(r["POP2000"])
    assert not np.isnan(costs).any() and (weights > 0).all()
    return names, sites, costs, weights, stores


def brute_force(costs, weights, model, *, p=None, radius=None, fixed=(), excluded=()):
    """Best objective and all optimal site sets, by enumeration."""
    n = costs.shape[1]
    allowed = [j for j in range(n) if j not in set(excluded)]
    sizes = range(1, len(allowed) + 1) if model == "lscp" else [p]
    best, best_sets = None, []
    for size in sizes:
        for combo in itertools.combinations(allowed, size):
            if not set(fixed) <= set(combo):
                continue
            near = costs[:, list(combo)].min(axis=1)
            if model == "mclp":
                value = -float(weights[near <= radius].sum())
            elif model == "pmedian":
                value = float((weights * near).sum())
            elif model == "pcenter":
                value = float(near[weights > 0].max())
            else:
                if not (near[weights > 0] <= radius).all():
                    continue
                value = float(size)
            if best is None or value < best - 1e-9 * max(1.0, abs(best)):
                best, best_sets = value, [combo]
            elif abs(value - best) <= 1e-9 * max(1.0, abs(best)):
                best_sets.append(combo)
        if model == "lscp" and best is not None:
            break
    if best is None:
        return None, []
    return (-best if model == "mclp" else best), best_sets
