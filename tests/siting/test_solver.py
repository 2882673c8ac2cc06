"""The four location models against spopt on its San Francisco instance and against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from observatory.siting.core.solver import LSCP, MCLP, InfeasibleError, PCenter, PMedian, solve_model

from ._instance import (
    SPOPT_LSCP_OBJECTIVE,
    SPOPT_MCLP_OBJECTIVE,
    SPOPT_MCLP_SITES,
    SPOPT_PCENTER_OBJECTIVE,
    SPOPT_PMEDIAN_MEAN,
    SPOPT_PMEDIAN_OBJECTIVE,
    brute_force,
    load_sf,
)


@pytest.fixture(scope="module")
def sf(shared_data):
    return load_sf(shared_data)


def test_sf_instance_matches_spopt_and_brute_force(sf):
    _, sites, costs, weights, _ = sf
    mclp = MCLP.from_cost_matrix(costs, weights, 5000, 4).solve()
    assert mclp.status == "optimal" and mclp.gap == 0
    assert mclp.objective == pytest.approx(SPOPT_MCLP_OBJECTIVE)
    assert [sites[j] for j in mclp.open_sites] == SPOPT_MCLP_SITES
    best, _ = brute_force(costs, weights, "mclp", p=4, radius=5000)
    assert mclp.objective == pytest.approx(best)

    pmed = PMedian.from_cost_matrix(costs, weights, 4).solve()
    assert pmed.objective == pytest.approx(SPOPT_PMEDIAN_OBJECTIVE, rel=1e-9)
    assert pmed.mean_cost == pytest.approx(SPOPT_PMEDIAN_MEAN, rel=1e-9)
    best, best_sets = brute_force(costs, weights, "pmedian", p=4)
    assert pmed.objective == pytest.approx(best, rel=1e-9)
    assert tuple(pmed.open_sites) in best_sets

    pcen = PCenter.from_cost_matrix(costs, 4).solve()
    assert pcen.objective == pytest.approx(SPOPT_PCENTER_OBJECTIVE, abs=1e-3)
    best, best_sets = brute_force(costs, weights, "pcenter", p=4)
    assert pcen.objective == pytest.approx(best)
    assert pcen.max_cost == pytest.approx(best)

    lscp = LSCP.from_cost_matrix(costs, 5000).solve()
    assert lscp.objective == SPOPT_LSCP_OBJECTIVE
    best, best_sets = brute_force(costs, weights, "lscp", radius=5000)
    assert lscp.objective == best and tuple(lscp.open_sites) in best_sets
    assert lscp.coverage_share == 1.0


def _random_instance(seed, n_demand=14, n_sites=7):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 1000, (n_demand, 2))
    s = rng.uniform(0, 1000, (n_sites, 2))
    costs = np.round(np.hypot(*(d[:, None, :] - s[None, :, :]).transpose(2, 0, 1)), 1)
    weights = rng.integers(0, 20, n_demand).astype(float)
    weights[0] = 5.0
    return costs, weights


@pytest.mark.parametrize("seed", range(12))
def test_random_instances_match_brute_force(seed):
    costs, weights = _random_instance(seed)
    rng = np.random.default_rng(100 + seed)
    p = int(rng.integers(1, 4))
    radius = float(rng.uniform(200, 500))
    fixed = [int(rng.integers(0, 7))] if seed % 3 == 0 else []
    excluded = [j for j in range(7) if j not in fixed][:1] if seed % 2 == 0 else []
    kw = {"fixed": fixed, "excluded": excluded}
    for model in ("mclp", "pmedian", "pcenter"):
        result = solve_model(model, costs, weights, radius=radius, p=p, **kw)
        best, best_sets = brute_force(costs, weights, model, p=p, radius=radius, **kw)
        assert result.objective == pytest.approx(best, rel=1e-9), model
        assert tuple(result.open_sites) in best_sets or model == "pcenter"
        assert set(fixed) <= set(result.open_sites.tolist())
        assert not set(excluded) & set(result.open_sites.tolist())
        assert len(result.open_sites) == p
    best, best_sets = brute_force(costs, weights, "lscp", radius=radius, **kw)
    if best is None:
        with pytest.raises(InfeasibleError):
            solve_model("lscp", costs, weights, radius=radius, **kw)
    else:
        result = solve_model("lscp", costs, weights, radius=radius, **kw)
        assert result.objective == best and tuple(result.open_sites) in best_sets


def test_pmedian_neighbourhood_growth_stays_exact():
    # k = 1 forces several rounds of neighbourhood growth; the optimum must not change.
    costs, weights = _random_instance(3, n_demand=30, n_sites=9)
    best, _ = brute_force(costs, weights, "pmedian", p=2)
    model = PMedian.from_cost_matrix(costs, weights, 2, k=1).solve()
    assert model.iterations > 1
    assert model.objective == pytest.approx(best, rel=1e-9)


def _brute_force_capacitated(costs, weights, p, capacity):
    n_demand, n_sites = costs.shape
    best = None
    for combo in itertools.combinations(range(n_sites), p):
        for assign in itertools.product(combo, repeat=n_demand):
            load = np.bincount(assign, weights=weights, minlength=n_sites)
            if (load > capacity + 1e-9).any():
                continue
            value = float((weights * costs[np.arange(n_demand), assign]).sum())
            best = value if best is None else min(best, value)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_pmedian_respects_capacity_and_matches_brute_force(seed):
    costs, weights = _random_instance(seed, n_demand=7, n_sites=4)
    weights = weights + 1
    capacity = float(np.ceil(weights.sum() / 2 * 1.15))
    model = PMedian.from_cost_matrix(costs, weights, 2, capacity=capacity).solve()
    load = np.bincount(model.assignment, weights=weights, minlength=4)
    assert (load <= capacity + 1e-9).all()
    assert set(model.assignment.tolist()) <= set(model.open_sites.tolist())
    assert model.objective == pytest.approx(_brute_force_capacitated(costs, weights, 2, capacity), rel=1e-9)
    uncapacitated = PMedian.from_cost_matrix(costs, weights, 2).solve()
    assert model.objective >= uncapacitated.objective - 1e-6


def test_bad_arguments_are_refused():
    costs, weights = _random_instance(1)
    with pytest.raises(ValueError, match="larger than"):
        MCLP.from_cost_matrix(costs, weights, 300, 8)
    with pytest.raises(ValueError, match="both forced open and excluded"):
        MCLP.from_cost_matrix(costs, weights, 300, 2, fixed=[1], excluded=[1])
    with pytest.raises(ValueError, match="negative"):
        PMedian.from_cost_matrix(-costs, weights, 2)
    with pytest.raises(ValueError, match="negative"):
        PMedian.from_cost_matrix(costs, -weights, 2)
    with pytest.raises(InfeasibleError):
        LSCP.from_cost_matrix(costs, 1.0, weights).solve()
    with pytest.raises(InfeasibleError):
        PMedian.from_cost_matrix(costs, weights, 2, capacity=1.0)


def test_time_limit_reports_status_and_gap(sf):
    _, _, costs, weights, _ = sf
    result = PMedian.from_cost_matrix(costs, weights, 4).solve(time_limit=60)
    assert result.status == "optimal" and result.gap == 0.0
    assert result.seconds < 60


def _medium_instance(seed, n_demand=3000, n_sites=20):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 1000, (n_demand, 2))
    s = rng.uniform(0, 1000, (n_sites, 2))
    costs = np.hypot(*(d[:, None, :] - s[None, :, :]).transpose(2, 0, 1))
    weights = rng.integers(0, 20, n_demand).astype(float)
    return costs, weights


@pytest.mark.parametrize("seed", range(3))
def test_pmedian_with_lagrangian_fixing_matches_brute_force(seed):
    # 3,000 x 20 pairs (some of weight 0) is above the size where the Lagrangian bound closes sites first.
    from observatory.siting.core.pmedian import _LAGRANGE_MIN_PAIRS

    costs, weights = _medium_instance(seed)
    assert (weights > 0).sum() * costs.shape[1] >= _LAGRANGE_MIN_PAIRS
    fixed = [4] if seed == 1 else []
    excluded = [7, 8] if seed == 2 else []
    model = PMedian.from_cost_matrix(costs, weights, 3, fixed=fixed, excluded=excluded).solve()
    best, best_sets = brute_force(costs, weights, "pmedian", p=3, fixed=fixed, excluded=excluded)
    assert model.status == "optimal" and model.gap == 0.0
    assert model.objective == pytest.approx(best, rel=1e-9)
    assert tuple(model.open_sites) in best_sets
    assert model.lagrange_bound <= best * (1 + 1e-9)
    assert model.closed_by_bound > 0


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_bound_and_fixing_are_valid(seed):
    from observatory.siting.core.pmedian_bounds import _pmedian_heuristic, _pmedian_lagrangian

    costs, weights = _medium_instance(10 + seed, n_demand=400, n_sites=14)
    p = 2 + seed % 3
    fixed = np.zeros(14, dtype=bool)
    allowed = np.ones(14, dtype=bool)
    sites, upper = _pmedian_heuristic(costs, weights, p, fixed, allowed)
    best, best_sets = brute_force(costs, weights, "pmedian", p=p)
    assert len(sites) == p and upper == pytest.approx(float(weights @ costs[:, sites].min(axis=1)))
    assert upper >= best * (1 - 1e-12)
    bound, closed, forced, sites, upper = _pmedian_lagrangian(
        costs, weights, p, fixed, allowed, sites, upper, None
    )
    assert upper >= best * (1 - 1e-12)
    assert bound <= best * (1 + 1e-9)
    # closing and forcing never cut off an optimal site set, nor the incumbent
    for combo in best_sets:
        assert not closed[list(combo)].any()
        assert set(np.flatnonzero(forced).tolist()) <= set(combo)
    assert not closed[sites].any()


def test_pmedian_heuristic_respects_fixed_and_excluded():
    from observatory.siting.core.pmedian_bounds import _pmedian_heuristic

    costs, weights = _medium_instance(5, n_demand=300, n_sites=12)
    fixed = np.zeros(12, dtype=bool)
    fixed[[2, 9]] = True
    allowed = np.ones(12, dtype=bool)
    allowed[[0, 1]] = False
    sites, value = _pmedian_heuristic(costs, weights, 4, fixed, allowed)
    assert len(sites) == 4 and {2, 9} <= set(sites.tolist()) and not {0, 1} & set(sites.tolist())
    assert value == pytest.approx(float(weights @ costs[:, sites].min(axis=1)))
